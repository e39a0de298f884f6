// `rollout status` at run time, the edge: read the Deployments, their ReplicaSets and pods, and
// (with --watch) keep watching until every Deployment reaches a terminal state or --timeout runs
// out. Each change goes watch (watch.ts) → views (tracking.ts, status.ts) → text (screen.ts),
// in follow.ts; with --undo-on-failure a failure goes on to rollback.ts. Everything it touches
// comes in through `deps`.
import { apiPath, Resource } from '../../kube-client/paths.js';
import type { KubeEdge, Rest } from '../kube/rest.js';
import { ErrorCode, notFoundError, PaasError } from '../../core/errors.js';
import { OutputFormat } from '../lib/output.js';
import type { Deployment, Pod, ReplicaSet } from '../kube/objects.js';
import { selectorString } from '../kube/selector.js';
import { CommandDeadline, runPhase, type Phase, type Watched } from './follow.js';
import { Screen } from './screen.js';
import { exitCodeOf } from './status.js';
import { trackedNames, viewsOf, type Tracked } from './tracking.js';
import { isFailure } from './undo.js';
import { listAndWatch } from '../kube/watch.js';

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
  /** On a Failed or Timeout verdict, roll back to the previous revision (one Deployment). */
  undoOnFailure?: boolean;
  /** With undoOnFailure: send the rollback with dryRun=All, store nothing. */
  dryRun?: boolean;
}

/** The edges `rollout status` runs against. */
export interface RolloutDeps extends KubeEdge {
  out: { write(s: string): unknown };
  err: { write(s: string): unknown };
  isTTY: boolean;
  columns?: number;
  now: () => number;
}

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
  const deadline = new CommandDeadline(opts.timeoutMs);
  try {
    return await run(opts, deps, deadline);
  } finally {
    deadline.clear();
  }
}

async function run(opts: RolloutStatusOptions, deps: RolloutDeps, deadline: CommandDeadline): Promise<number> {
  const { kube, rest } = await deps.connect({ deadline });
  const ns = kube.namespace;
  const single = opts.names.length === 1 && !opts.selector;
  const what = single ? `deployment "${opts.names[0]}"` : opts.selector ? `deployments matching "${opts.selector}"` : 'deployments';
  const fail = (err: unknown, scope: string): never => {
    throw deps.describeError(err, kube, scope);
  };
  try {
    const { watched, tracked } = await listAll(rest, ns, opts, (err, scope) => fail(err, scope ?? what));
    const screen = await screenFor(opts, deps, single);
    const phase: Phase = {
      watched,
      screen,
      namespace: ns,
      watch: opts.watch,
      timeoutMs: opts.timeoutMs,
      deadline,
      now: deps.now,
      write: (text) => {
        if (text) deps.out.write(text);
      },
      error: (line) => deps.err.write(`error: ${line}\n`),
      fail: (err) => fail(err, `watch of ${what}`),
      status: opts.revision !== undefined ? { revision: opts.revision } : {},
    };
    const ended = await runPhase(phase, tracked);
    const views = viewsOf(ended);
    const code = exitCodeOf(
      views.map((v) => v.rollout_status),
      ended.some((t) => t.missing),
    );
    const failure = opts.undoOnFailure && views.length === 1 && isFailure(views[0]!.rollout_status) ? views[0] : undefined;
    // With a rollback to follow, a single JSON or YAML document waits for it (it gains `rollback`).
    if (!failure || !screen.holdsFinal) phase.write(screen.final(ended));
    if (!failure) return code;
    const { rollBack } = await import('./rollback.js');
    return await rollBack({
      ...phase,
      rest,
      failure,
      code,
      dryRun: opts.dryRun === true,
      tracked: ended,
      describe: (err, scope) => deps.describeError(err, kube, scope),
    });
  } finally {
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
    path: apiPath(Resource.deployments, { namespace: ns }),
    ...(single ? { fieldSelector: `metadata.name=${opts.names[0]}` } : {}),
    ...(opts.selector ? { labelSelector: opts.selector } : {}),
  }).catch((err: unknown) => fail(err));
  const listed = new Map(deployments.mirror.items().map((d) => [d.metadata?.name ?? '', d]));
  const tracked = trackedNames(opts.names, listed);
  if (!tracked.length) {
    throw new PaasError(
      ErrorCode.NotFound,
      opts.selector ? `no deployments match the selector "${opts.selector}" in namespace "${ns}"` : `no deployments found in namespace "${ns}"`,
    );
  }
  if (single && !listed.has(opts.names[0]!)) throw notFoundError(`deployment "${opts.names[0]}"`, ns);
  const only = tracked.length === 1 ? listed.get(tracked[0]!.name) : undefined;
  const labelSelector = only ? selectorString(only.spec?.selector) : undefined;
  const what = single ? `deployment "${opts.names[0]}"` : opts.selector ? `deployments matching "${opts.selector}"` : 'deployments';
  const [replicaSets, pods] = await Promise.all([
    listAndWatch<ReplicaSet>(rest, { path: apiPath(Resource.replicaSets, { namespace: ns }), labelSelector }),
    listAndWatch<Pod>(rest, { path: apiPath(Resource.pods, { namespace: ns }), labelSelector }),
  ]).catch((err: unknown) => fail(err, `replicasets and pods of ${what}`));
  return { watched: { deployments, replicaSets, pods }, tracked };
}
