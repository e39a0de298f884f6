// One phase of `rollout status` at run time: from the lists the watches keep, the views of the
// followed Deployments until each reaches a verdict (or --timeout runs out), drawn on the screen
// at every change. The rollout is one phase; with --undo-on-failure the rollback is a second,
// over the same watches (rollback.ts).
import type { Deployment, Pod, ReplicaSet } from '../kube/objects.js';
import { formatDuration } from '../lib/duration.js';
import type { Screen } from './screen.js';
import type { StatusOptions } from './status.js';
import { finished, retrack, timedOut, type Lists, type Tracked } from './tracking.js';
import type { Mirror, MirrorOptions } from './watch.js';

/** The three lists a run keeps, listed once and then watched. */
export interface Watched {
  deployments: { mirror: Mirror<Deployment>; watch: (o: MirrorOptions) => Promise<void> };
  replicaSets: { mirror: Mirror<ReplicaSet>; watch: (o: MirrorOptions) => Promise<void> };
  pods: { mirror: Mirror<Pod>; watch: (o: MirrorOptions) => Promise<void> };
}

/** What the watches hold now. */
export const listsOf = (w: Watched): Lists => ({
  deployments: new Map(w.deployments.mirror.items().map((d) => [d.metadata?.name ?? '', d])),
  replicaSets: w.replicaSets.mirror.items(),
  pods: w.pods.mirror.items(),
});

/** What a phase runs against. */
export interface Phase {
  watched: Watched;
  screen: Screen;
  namespace: string;
  watch: boolean;
  /** 0: until a verdict. */
  timeoutMs: number;
  now: () => number;
  write: (text: string) => void;
  /** Error lines (a followed Deployment went missing). */
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
    const next = retrack(tracked, lists, { now: p.now(), namespace: p.namespace }, p.status);
    for (const e of next.errors) p.error(e);
    tracked = next.tracked;
  };
  recompute();
  if (!p.watch || finished(tracked)) return tracked;
  p.write(p.screen.change(tracked));
  const ended = await follow(p.watched, {
    controller: new AbortController(),
    timeoutMs: p.timeoutMs,
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
  return ended.timedOut ? timedOut(tracked, formatDuration(p.timeoutMs)) : tracked;
}

/**
 * Watches the three lists until `onChange` says the run is finished, --timeout runs out, or a
 * watch fails for good. A burst of events (a scale-up touches a ReplicaSet, pods and the
 * Deployment at once) is coalesced into one onChange on the next turn.
 */
function follow(
  watched: Watched,
  o: { controller: AbortController; timeoutMs: number; tickMs: number; now: () => number; onChange: () => boolean },
): Promise<{ timedOut?: boolean; error?: unknown }> {
  return new Promise((resolve) => {
    const stop = (why: { timedOut?: boolean; error?: unknown }): void => {
      for (const t of timers) clearTimeout(t);
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
    if (o.timeoutMs > 0) {
      timers.push(
        setTimeout(() => {
          end({ timedOut: true });
        }, o.timeoutMs),
      );
    }
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
    for (const m of [watched.deployments, watched.replicaSets, watched.pods]) void m.watch(options);
  });
}
