// One phase of `rollout status` at run time: from the lists the watches keep, the views of the
// followed Deployments until each reaches a verdict (or --timeout runs out), drawn on the screen
// at every change. The rollout is one phase; with --undo-on-failure the rollback is a second,
// over the same watches (rollback.ts).
import type { ControllerRevision, DaemonSet, Deployment, Pod, ReplicaSet, StatefulSet } from '../kube/objects.js';
import { WorkloadKind } from '../kube/workloads.js';
import type { Deadline } from '../kube/rest.js';
import { goDuration } from '../../kube-client/duration.js';
import type { Screen } from './screen.js';
import type { StatusOptions } from './status.js';
import { finished, keyOf, retrack, timedOut, type Lists, type Tracked } from './tracking.js';
import type { Mirror, MirrorOptions } from '../kube/watch.js';

/** One list a run keeps: its live copy, and the watch that keeps it. */
export interface WatchedList<T> {
  mirror: Mirror<T>;
  watch: (o: MirrorOptions) => Promise<void>;
}

/** The lists a run keeps, listed once and then watched: the kinds followed, and what they own (a
 * list the followed kinds do not need is not read). */
export interface Watched {
  deployments?: WatchedList<Deployment>;
  statefulSets?: WatchedList<StatefulSet>;
  daemonSets?: WatchedList<DaemonSet>;
  replicaSets?: WatchedList<ReplicaSet>;
  revisions?: WatchedList<ControllerRevision>;
  pods: WatchedList<Pod>;
}

const byKey = <T extends { metadata?: { namespace?: string; name?: string } }>(kind: WorkloadKind, l: WatchedList<T> | undefined): Map<string, T> =>
  new Map((l?.mirror.items() ?? []).map((o) => [keyOf(kind, o), o]));

/** What the watches hold now. */
export const listsOf = (w: Watched): Lists => ({
  deployments: byKey(WorkloadKind.Deployment, w.deployments),
  statefulSets: byKey(WorkloadKind.StatefulSet, w.statefulSets),
  daemonSets: byKey(WorkloadKind.DaemonSet, w.daemonSets),
  replicaSets: w.replicaSets?.mirror.items() ?? [],
  revisions: w.revisions?.mirror.items() ?? [],
  pods: w.pods.mirror.items(),
});

/** Every list kept, to watch. */
function listsKept(w: Watched): WatchedList<unknown>[] {
  return [w.deployments, w.statefulSets, w.daemonSets, w.replicaSets, w.revisions, w.pods].filter((l): l is WatchedList<never> => l !== undefined);
}

/** What a phase runs against. */
export interface Phase {
  watched: Watched;
  screen: Screen;
  watch: boolean;
  /** --timeout of this phase in ms (0: until a verdict), for its words; `deadline` enforces it. */
  timeoutMs: number;
  /** The command's deadline (rollout status --timeout), armed for this phase; it also ends every API call. */
  deadline: CommandDeadline;
  now: () => number;
  write: (text: string) => void;
  /** Error lines (a followed workload went missing, or cannot be followed). */
  error: (line: string) => void;
  /** A watch failed for good: throws the one-line error. */
  fail: (err: unknown) => never;
  status: StatusOptions;
  /** Whether the lists are recent enough to judge (the rollback waits for its own write). */
  ready?: (lists: Lists) => boolean;
}

/** Runs the phase from `tracked`; resolves to the followed Deployments at their verdict. */
export async function runPhase(p: Phase, start: readonly Tracked[]): Promise<Tracked[]> {
  let tracked = [...start];
  const recompute = (): void => {
    const lists = listsOf(p.watched);
    if (p.ready && !p.ready(lists)) return;
    const next = retrack(tracked, lists, p.now(), p.status);
    for (const e of next.errors) p.error(e);
    tracked = next.tracked;
  };
  recompute();
  if (!p.watch || finished(tracked)) return tracked;
  p.write(p.screen.change(tracked));
  const ended = await follow(p.watched, {
    controller: new AbortController(),
    deadline: p.deadline.armed ? p.deadline.signal : undefined,
    // The deadline countdown on a TTY moves even when the cluster is quiet.
    tickMs: p.screen.live ? 1000 : 0,
    now: p.now,
    onChange: () => {
      recompute();
      p.write(p.screen.change(tracked));
      return finished(tracked);
    },
  });
  if (ended.error !== undefined) p.fail(ended.error);
  return ended.timedOut ? timedOut(tracked, goDuration(p.timeoutMs)) : tracked;
}

/**
 * Watches the lists until `onChange` says the run is finished, --timeout runs out, or a
 * watch fails for good. A burst of events (a scale-up touches a ReplicaSet, pods and the
 * Deployment at once) is coalesced into one onChange on the next turn.
 */
function follow(
  watched: Watched,
  o: { controller: AbortController; deadline: AbortSignal | undefined; tickMs: number; now: () => number; onChange: () => boolean },
): Promise<{ timedOut?: boolean; error?: unknown }> {
  return new Promise((resolve) => {
    const stop = (why: { timedOut?: boolean; error?: unknown }): void => {
      for (const t of timers) clearTimeout(t);
      o.deadline?.removeEventListener('abort', onDeadline);
      o.controller.abort();
      resolve(why);
    };
    let scheduled = false;
    let done = false;
    const onChange = (): void => {
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        if (done) return;
        if (o.onChange()) end({});
      });
    };
    const end = (why: { timedOut?: boolean; error?: unknown }): void => {
      if (done) return;
      done = true;
      stop(why);
    };
    const timers: NodeJS.Timeout[] = [];
    const onDeadline = (): void => {
      end({ timedOut: true });
    };
    if (o.deadline?.aborted) onDeadline();
    o.deadline?.addEventListener('abort', onDeadline, { once: true });
    if (o.tickMs > 0) {
      timers.push(
        setInterval(() => {
          o.onChange();
        }, o.tickMs),
      );
    }
    const options: MirrorOptions = {
      signal: o.controller.signal,
      onChange,
      onError: (error) => {
        end({ error });
      },
      now: o.now,
    };
    for (const m of listsKept(watched)) void m.watch(options);
  });
}

/**
 * rollout status --timeout as one deadline over the whole command: connecting, an exec plugin, the
 * first lists and the watch all end when it runs out (the client reads `signal` at each call).
 * With --undo-on-failure the rollback is a phase of its own: `arm` starts its own bound, so the
 * write and the follow of the rollback are not cut by the one that ran out.
 */
export class CommandDeadline implements Deadline {
  private controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  what = '';
  /** Whether a bound runs (0 ms: none, the signal never aborts). */
  armed = false;

  constructor(timeoutMs: number) {
    this.arm(timeoutMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Starts a new bound of `timeoutMs` (0: none) in place of the last. */
  arm(timeoutMs: number): void {
    this.clear();
    this.controller = new AbortController();
    this.armed = timeoutMs > 0;
    this.what = `--timeout ${goDuration(timeoutMs)}`;
    if (this.armed) {
      const c = this.controller;
      this.timer = setTimeout(() => {
        c.abort();
      }, timeoutMs);
    }
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
