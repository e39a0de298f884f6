// `rollout status` at run time, the edge: read the workloads (Deployments, StatefulSets,
// DaemonSets), what they own (ReplicaSets, ControllerRevisions) and their pods, and (with
// --watch) keep watching until every workload reaches a terminal state or --timeout runs out.
// Each change goes watch (watch.ts) → views (tracking.ts, status.ts, set-view.ts) → text
// (screen.ts), in follow.ts; with --undo-on-failure a failure goes on to rollback.ts. Everything
// it touches comes in through `deps`.
import { apiPath, Resource, type ResourceType } from '../../kube-client/paths.js';
import { HttpError, type KubeEdge, type Rest } from '../kube/rest.js';
import { ErrorCode, notFoundError, PaasError } from '../../core/errors.js';
import { OutputFormat } from '../lib/output.js';
import type { ControllerRevision, DaemonSet, Deployment, LabelSelector, Pod, ReplicaSet, StatefulSet } from '../kube/objects.js';
import { selectorString } from '../kube/selector.js';
import { daemonSetProgress, statefulSetProgress } from '../kube/set-status.js';
import { MESSAGE_WORD, WorkloadKind, workloadKey, type WorkloadRef } from '../kube/workloads.js';
import { CommandDeadline, listsOf, runPhase, type Phase, type Watched, type WatchedList } from './follow.js';
import { Screen } from './screen.js';
import { exitCodeOf } from './status.js';
import { errorExit, trackedOf, viewsOf, type Lists, type Tracked } from './tracking.js';
import { isFailure } from './undo.js';
import { listAndWatch } from '../kube/watch.js';

/** The parsed and validated flags of `rollout status`. */
export interface RolloutStatusOptions {
  /** The workloads named on the line (none: every one the selection finds). */
  targets: WorkloadRef[];
  selector?: string;
  /** -A: every namespace. */
  allNamespaces?: boolean;
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

/** One named workload and no selection: its document is the view itself. */
const isSingle = (opts: RolloutStatusOptions): boolean => opts.targets.length === 1 && !opts.selector && opts.allNamespaces !== true;

/** The screen for the flags and the terminal; YAML is loaded only when asked for. */
async function screenFor(opts: RolloutStatusOptions, deps: RolloutDeps): Promise<Screen> {
  return new Screen({
    output: opts.output,
    watch: opts.watch,
    finalOnly: opts.finalOnly,
    color: opts.color,
    isTTY: deps.isTTY,
    columns: deps.columns,
    single: isSingle(opts),
    namespaces: opts.allNamespaces === true,
    ...(opts.output === OutputFormat.yaml ? { yaml: (await import('yaml')).stringify } : {}),
  });
}

/** Runs the command; resolves to the exit code (the worst workload decides). */
export async function runRolloutStatus(opts: RolloutStatusOptions, deps: RolloutDeps): Promise<number> {
  // --timeout bounds the whole command from here: connecting, an exec plugin, the first lists, the watch.
  const deadline = new CommandDeadline(opts.timeoutMs);
  try {
    return await run(opts, deps, deadline);
  } finally {
    deadline.clear();
  }
}

/** What was asked for, in the words of an error about it. */
function described(opts: RolloutStatusOptions): string {
  if (isSingle(opts)) return `${MESSAGE_WORD[opts.targets[0]!.kind]} "${opts.targets[0]!.name}"`;
  return opts.selector ? `workloads matching "${opts.selector}"` : 'workloads';
}

async function run(opts: RolloutStatusOptions, deps: RolloutDeps, deadline: CommandDeadline): Promise<number> {
  const { kube, rest } = await deps.connect({ deadline });
  const what = described(opts);
  const fail = (err: unknown, scope: string): never => {
    throw deps.describeError(err, kube, scope);
  };
  try {
    const scope = { namespace: opts.allNamespaces ? undefined : kube.namespace, home: kube.namespace };
    const { watched, tracked } = await listAll(rest, scope, opts, {
      fail: (err, s) => fail(err, s ?? what),
      warn: (line) => deps.err.write(`warning: ${line}\n`),
    });
    const screen = await screenFor(opts, deps);
    const phase: Phase = {
      watched,
      screen,
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
      errorExit(ended),
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

/** Where the lists are read: a namespace, or every one (-A); `home` names the namespace in errors. */
interface Scope {
  namespace: string | undefined;
  home: string;
}

/** How listAll reports: an API error (with what was being read; undefined: the workloads), a warning line. */
interface Report {
  fail: (err: unknown, scope?: string) => never;
  warn: (line: string) => void;
}

const WORKLOAD_RESOURCE: Readonly<Record<WorkloadKind, ResourceType>> = {
  Deployment: Resource.deployments,
  StatefulSet: Resource.statefulSets,
  DaemonSet: Resource.daemonSets,
};

const PLURAL: Readonly<Record<WorkloadKind, string>> = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' };

const pathOf = (r: ResourceType, scope: Scope): string => apiPath(r, scope.namespace === undefined ? {} : { namespace: scope.namespace });

/** Lists the workloads of one kind: the named ones (one name: by field selector), else the
 * selection. A selection that may not list StatefulSets or DaemonSets (403) goes on without them, said. */
async function listKind<T extends { metadata?: { name?: string } }>(
  rest: Rest,
  kind: WorkloadKind,
  scope: Scope,
  opts: RolloutStatusOptions,
  report: Report,
): Promise<WatchedList<T> | undefined> {
  const named = opts.targets.filter((t) => t.kind === kind);
  if (opts.targets.length && !named.length) return undefined;
  try {
    return await listAndWatch<T>(rest, {
      path: pathOf(WORKLOAD_RESOURCE[kind], scope),
      ...(named.length === 1 ? { fieldSelector: `metadata.name=${named[0]!.name}` } : {}),
      ...(opts.selector ? { labelSelector: opts.selector } : {}),
    });
  } catch (err) {
    if (opts.targets.length || kind === WorkloadKind.Deployment || !(err instanceof HttpError) || (err.status !== 403 && err.status !== 401))
      return report.fail(err);
    report.warn(`cannot list ${PLURAL[kind]} (forbidden): following the others only`);
    return undefined;
  }
}

/** Workloads a selection found whose strategy kubectl cannot follow (OnDelete): left out, said. */
function leaveOutRefused(tracked: Tracked[], lists: Lists, report: Report): Tracked[] {
  return tracked.filter((t) => {
    const key = workloadKey(t.kind, t.namespace, t.name);
    const sts = t.kind === WorkloadKind.StatefulSet ? lists.statefulSets.get(key) : undefined;
    const ds = t.kind === WorkloadKind.DaemonSet ? lists.daemonSets.get(key) : undefined;
    const p = sts ? statefulSetProgress(sts) : ds ? daemonSetProgress(ds) : undefined;
    if (!p || !('refused' in p)) return true;
    report.warn(`${MESSAGE_WORD[t.kind]} "${t.name}" in namespace "${t.namespace}" left out: ${p.refused}`);
    return false;
  });
}

/** The one error when nothing is there to follow. */
function nothingFound(opts: RolloutStatusOptions, scope: Scope): PaasError {
  const where = scope.namespace === undefined ? 'in any namespace' : `in namespace "${scope.namespace}"`;
  const what = 'deployments, statefulsets or daemonsets';
  return new PaasError(ErrorCode.NotFound, opts.selector ? `no ${what} match the selector "${opts.selector}" ${where}` : `no ${what} found ${where}`);
}

/** The selector that narrows what one followed workload owns; undefined (every one in scope) for several. */
function ownSelector(tracked: readonly Tracked[], lists: Lists): string | undefined {
  if (tracked.length !== 1) return undefined;
  const t = tracked[0]!;
  const key = workloadKey(t.kind, t.namespace, t.name);
  const o: { spec?: { selector?: LabelSelector } } | undefined =
    t.kind === WorkloadKind.Deployment
      ? lists.deployments.get(key)
      : t.kind === WorkloadKind.StatefulSet
        ? lists.statefulSets.get(key)
        : lists.daemonSets.get(key);
  return selectorString(o?.spec?.selector);
}

/** Lists the workloads (refusing a selector or name that matches none), then what the followed ones
 * own: ReplicaSets for Deployments, ControllerRevisions for StatefulSets and DaemonSets, and pods.
 * One workload's own selector narrows those; several read the namespace (or every one, with -A). */
async function listAll(rest: Rest, scope: Scope, opts: RolloutStatusOptions, report: Report): Promise<{ watched: Watched; tracked: Tracked[] }> {
  const [deployments, statefulSets, daemonSets] = await Promise.all([
    listKind<Deployment>(rest, WorkloadKind.Deployment, scope, opts, report),
    listKind<StatefulSet>(rest, WorkloadKind.StatefulSet, scope, opts, report),
    listKind<DaemonSet>(rest, WorkloadKind.DaemonSet, scope, opts, report),
  ]);
  const empty: WatchedList<Pod> = { mirror: { items: () => [] }, watch: () => Promise.resolve() };
  const lists = listsOf({ deployments, statefulSets, daemonSets, pods: empty });
  const found = trackedOf(opts.targets, scope.home, lists);
  const tracked = opts.targets.length ? found : leaveOutRefused(found, lists, report);
  if (!tracked.length) throw nothingFound(opts, scope);
  const only = isSingle(opts) ? opts.targets[0]! : undefined;
  if (only && !lists[listOf(only.kind)].has(workloadKey(only.kind, scope.home, only.name))) {
    throw notFoundError(`${MESSAGE_WORD[only.kind]} "${only.name}"`, scope.home);
  }
  const labelSelector = ownSelector(tracked, lists);
  const needs = (kind: WorkloadKind) => tracked.some((t) => t.kind === kind);
  const sets = needs(WorkloadKind.StatefulSet) || needs(WorkloadKind.DaemonSet);
  const [replicaSets, revisions, pods] = await Promise.all([
    needs(WorkloadKind.Deployment) ? listAndWatch<ReplicaSet>(rest, { path: pathOf(Resource.replicaSets, scope), labelSelector }) : undefined,
    sets ? listAndWatch<ControllerRevision>(rest, { path: pathOf(Resource.controllerRevisions, scope), labelSelector }) : undefined,
    listAndWatch<Pod>(rest, { path: pathOf(Resource.pods, scope), labelSelector }),
  ]).catch((err: unknown) => report.fail(err, `${sets ? 'the revisions' : 'the replicasets'} and pods of ${described(opts)}`));
  return { watched: { deployments, statefulSets, daemonSets, replicaSets, revisions, pods }, tracked };
}

/** The Lists map a kind's workloads are kept in. */
function listOf(kind: WorkloadKind): 'deployments' | 'statefulSets' | 'daemonSets' {
  return kind === WorkloadKind.Deployment ? 'deployments' : kind === WorkloadKind.StatefulSet ? 'statefulSets' : 'daemonSets';
}
