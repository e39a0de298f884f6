// `rollout status` at run time, the edge: read the Deployments, their ReplicaSets and pods, and
// (with --watch) keep watching until every Deployment reaches a terminal state or --timeout runs
// out. Each change goes watch (watch.ts) → views (tracking.ts, status.ts) → text (screen.ts).
// Everything it touches comes in through `deps`.
import type { Deadline, KubeEdge, Rest } from '../kube/rest.js';
import { CliError } from '../lib/errors.js';
import { formatDuration } from '../lib/duration.js';
import { OutputFormat } from '../lib/output.js';
import type { Deployment, Pod, ReplicaSet } from '../kube/objects.js';
import { selectorString } from '../kube/selector.js';
import { Screen } from './screen.js';
import { exitCodeOf } from './status.js';
import { finished, retrack, timedOut, trackedNames, viewsOf, type Lists, type Tracked } from './tracking.js';
import { listAndWatch, type Mirror, type MirrorOptions } from './watch.js';

/** The parsed and validated flags of `rollout status`. */
export interface RolloutStatusOptions {
  names: string[];
  selector?: string;
  watch: boolean;
  /** 0 = wait until a terminal state. */
  timeoutMs: number;
  revision?: number;
  output: OutputFormat;
  color: boolean;
  /** -o json|yaml with --watch: print only the final, indented document instead of one per change. */
  finalOnly?: boolean;
}

/** The edges `rollout status` runs against. */
export interface RolloutDeps extends KubeEdge {
  out: { write(s: string): unknown };
  err: { write(s: string): unknown };
  isTTY: boolean;
  columns?: number;
  now: () => number;
}

/** The three lists a run keeps, listed once and then watched. */
interface Watched {
  deployments: { mirror: Mirror<Deployment>; watch: (o: MirrorOptions) => Promise<void> };
  replicaSets: { mirror: Mirror<ReplicaSet>; watch: (o: MirrorOptions) => Promise<void> };
  pods: { mirror: Mirror<Pod>; watch: (o: MirrorOptions) => Promise<void> };
}

/** What the watches hold now. */
const listsOf = (w: Watched): Lists => ({
  deployments: new Map(w.deployments.mirror.items().map((d) => [d.metadata?.name ?? '', d])),
  replicaSets: w.replicaSets.mirror.items(),
  pods: w.pods.mirror.items(),
});

/** The screen for the flags and the terminal; YAML is loaded only when asked for. */
async function screenFor(opts: RolloutStatusOptions, deps: RolloutDeps, single: boolean): Promise<Screen> {
  return new Screen({
    output: opts.output,
    watch: opts.watch,
    finalOnly: opts.finalOnly,
    color: opts.color,
    isTTY: deps.isTTY,
    columns: deps.columns,
    single,
    ...(opts.output === OutputFormat.yaml ? { yaml: (await import('yaml')).stringify } : {}),
  });
}

/** Runs the command; resolves to the exit code (the worst Deployment decides). */
export async function runRolloutStatus(opts: RolloutStatusOptions, deps: RolloutDeps): Promise<number> {
  // --timeout bounds the whole command from here: connecting, an exec plugin, the first lists, the watch.
  const deadline = deadlineOf(opts.timeoutMs);
  try {
    return await run(opts, deps, deadline);
  } finally {
    deadline?.clear();
  }
}

/** An AbortSignal that fires when --timeout runs out. */
function deadlineOf(timeoutMs: number): (Deadline & { clear: () => void }) | undefined {
  if (timeoutMs <= 0) return undefined;
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort();
  }, timeoutMs);
  return {
    signal: controller.signal,
    what: `--timeout ${formatDuration(timeoutMs)}`,
    clear: () => {
      clearTimeout(timer);
    },
  };
}

async function run(opts: RolloutStatusOptions, deps: RolloutDeps, deadline: Deadline | undefined): Promise<number> {
  const { kube, rest } = await deps.connect(deadline ? { deadline } : undefined);
  const ns = kube.namespace;
  const single = opts.names.length === 1 && !opts.selector;
  const what = single ? `deployment "${opts.names[0]}"` : opts.selector ? `deployments matching "${opts.selector}"` : 'deployments';
  const fail = (err: unknown, scope: string): never => {
    throw deps.describeError(err, kube, scope);
  };
  const controller = new AbortController();
  try {
    const { watched, tracked: first } = await listAll(rest, ns, opts, (err, scope) => fail(err, scope ?? what));
    const screen = await screenFor(opts, deps, single);
    let tracked = first;
    const recompute = (): void => {
      const next = retrack(tracked, listsOf(watched), { now: deps.now(), namespace: ns }, opts.revision !== undefined ? { revision: opts.revision } : {});
      for (const e of next.errors) deps.err.write(`error: ${e}\n`);
      tracked = next.tracked;
    };
    const write = (text: string): void => {
      if (text) deps.out.write(text);
    };
    const draw = (): void => {
      write(screen.change(tracked));
    };
    recompute();
    if (opts.watch && !finished(tracked)) {
      draw();
      const ended = await follow(watched, {
        controller,
        deadline: deadline?.signal,
        // The deadline countdown on a TTY moves even when the cluster is quiet.
        tickMs: screen.live ? 1000 : 0,
        now: deps.now,
        onChange: () => {
          recompute();
          draw();
          return finished(tracked);
        },
      });
      if (ended.error !== undefined) fail(ended.error, `watch of ${what}`);
      if (ended.timedOut) tracked = timedOut(tracked, formatDuration(opts.timeoutMs));
    }
    write(screen.final(tracked));
    return exitCodeOf(
      viewsOf(tracked).map((v) => v.rollout_status),
      tracked.some((t) => t.missing),
    );
  } finally {
    controller.abort();
    rest.close();
  }
}

/** Lists the Deployments (refusing a selector or name that matches none), then their ReplicaSets
 * and pods: one Deployment's own selector narrows those; several read the namespace. An API error
 * goes to `fail` with what was being read (undefined: the Deployments). */
async function listAll(
  rest: Rest,
  ns: string,
  opts: RolloutStatusOptions,
  fail: (err: unknown, scope?: string) => never,
): Promise<{ watched: Watched; tracked: Tracked[] }> {
  const single = opts.names.length === 1 && !opts.selector;
  const deployments = await listAndWatch<Deployment>(rest, {
    path: `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/deployments`,
    ...(single ? { fieldSelector: `metadata.name=${opts.names[0]}` } : {}),
    ...(opts.selector ? { labelSelector: opts.selector } : {}),
  }).catch((err: unknown) => fail(err));
  const listed = new Map(deployments.mirror.items().map((d) => [d.metadata?.name ?? '', d]));
  const tracked = trackedNames(opts.names, listed);
  if (!tracked.length) {
    throw new CliError(
      opts.selector ? `no deployments match the selector "${opts.selector}" in namespace "${ns}"` : `no deployments found in namespace "${ns}"`,
    );
  }
  if (single && !listed.has(opts.names[0]!)) throw new CliError(`deployment "${opts.names[0]}" not found in namespace "${ns}"`);
  const only = tracked.length === 1 ? listed.get(tracked[0]!.name) : undefined;
  const labelSelector = only ? selectorString(only.spec?.selector) : undefined;
  const what = single ? `deployment "${opts.names[0]}"` : opts.selector ? `deployments matching "${opts.selector}"` : 'deployments';
  const [replicaSets, pods] = await Promise.all([
    listAndWatch<ReplicaSet>(rest, { path: `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/replicasets`, labelSelector }),
    listAndWatch<Pod>(rest, { path: `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`, labelSelector }),
  ]).catch((err: unknown) => fail(err, `replicasets and pods of ${what}`));
  return { watched: { deployments, replicaSets, pods }, tracked };
}

/**
 * Watches the three lists until `onChange` says the run is finished, --timeout runs out, or a
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
    for (const m of [watched.deployments, watched.replicaSets, watched.pods]) void m.watch(options);
  });
}
