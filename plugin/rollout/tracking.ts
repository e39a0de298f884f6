// Which workloads `rollout status` follows, and their views at one instant: a pure function of the
// lists the watches keep and the clock. A workload that disappears is reported once (not found,
// or deleted while watched) and keeps its last view; one whose strategy kubectl cannot follow
// (a StatefulSet's or DaemonSet's OnDelete) is refused once, in kubectl's words.
import { ExitCode } from '../../core/errors.js';
import type { ControllerRevision, DaemonSet, Deployment, ObjectMeta, Pod, ReplicaSet, StatefulSet } from '../kube/objects.js';
import { controllerOf } from '../kube/replica-sets.js';
import { MESSAGE_WORD, WorkloadKind, workloadKey, type WorkloadRef } from '../kube/workloads.js';
import { setRolloutStatus, type SetObject } from './set-view.js';
import { isTerminal, rolloutStatus, RolloutState, waitTimedOut, type RolloutView, type StatusOptions } from './status.js';

/** One workload followed: its last view, or the error that ended its following. */
export interface Tracked {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  view?: RolloutView;
  /** Set once it cannot be followed any more (missing, or refused): the line printed, and its exit code. */
  error?: { line: string; exit: number };
}

/** What the watches hold at one instant: the workloads by key (workloadKey), and the lists of
 * what they own. */
export interface Lists {
  deployments: ReadonlyMap<string, Deployment>;
  statefulSets: ReadonlyMap<string, StatefulSet>;
  daemonSets: ReadonlyMap<string, DaemonSet>;
  replicaSets: readonly ReplicaSet[];
  revisions: readonly ControllerRevision[];
  pods: readonly Pod[];
}

/** The key a listed object is known by. */
export function keyOf(kind: WorkloadKind, o: { metadata?: ObjectMeta }): string {
  return workloadKey(kind, o.metadata?.namespace ?? '', o.metadata?.name ?? '');
}

/** The workloads to follow: the ones named (in `namespace`), else every one listed, by namespace,
 * kind and name. */
export function trackedOf(named: readonly WorkloadRef[], namespace: string, lists: Pick<Lists, 'deployments' | 'statefulSets' | 'daemonSets'>): Tracked[] {
  if (named.length) return named.map((r) => ({ kind: r.kind, namespace, name: r.name }));
  const all = [
    ...[...lists.deployments.values()].map((o) => ({ kind: WorkloadKind.Deployment, o })),
    ...[...lists.statefulSets.values()].map((o) => ({ kind: WorkloadKind.StatefulSet, o })),
    ...[...lists.daemonSets.values()].map((o) => ({ kind: WorkloadKind.DaemonSet, o })),
  ].map(({ kind, o }): Tracked => ({ kind, namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' }));
  const order = (t: Tracked) => [t.namespace, String(Object.values(WorkloadKind).indexOf(t.kind)), t.name];
  return all.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0]!.localeCompare(y[0]!) || x[1]!.localeCompare(y[1]!) || x[2]!.localeCompare(y[2]!);
  });
}

/** The items of a list grouped by their controller's uid, so each workload looks only at its own. */
function byController<T extends { metadata?: ObjectMeta }>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const o of items) {
    const uid = controllerOf(o.metadata)?.uid;
    if (uid === undefined) continue;
    const list = out.get(uid);
    if (list) list.push(o);
    else out.set(uid, [o]);
  }
  return out;
}

/** A view function over the lists, indexed once per instant: each workload is judged from what it owns. */
function viewer(lists: Lists, now: number, opts: StatusOptions): (t: Tracked) => RolloutView | { refused: string } | undefined {
  const rsBy = byController(lists.replicaSets);
  const podsBy = byController(lists.pods);
  const revBy = byController(lists.revisions);
  // An owner without a uid (a hand-made object) is matched by name against the whole lists.
  const own = <T>(uid: string | undefined, index: Map<string, T[]>, all: readonly T[]): readonly T[] => (uid ? (index.get(uid) ?? []) : all);
  return (t) => {
    const key = workloadKey(t.kind, t.namespace, t.name);
    if (t.kind === WorkloadKind.Deployment) {
      const d = lists.deployments.get(key);
      if (!d) return undefined;
      const rss = own(d.metadata?.uid, rsBy, lists.replicaSets);
      const pods = d.metadata?.uid ? rss.flatMap((rs) => (rs.metadata?.uid ? (podsBy.get(rs.metadata.uid) ?? []) : [])) : lists.pods;
      return rolloutStatus(d, rss, pods, now, opts);
    }
    const set = setOf(t.kind, key, lists);
    if (!set) return undefined;
    const uid = set.object.metadata?.uid;
    return setRolloutStatus(set, own(uid, revBy, lists.revisions), own(uid, podsBy, lists.pods), now);
  };
}

/** The StatefulSet or DaemonSet of a key, with its kind. */
function setOf(kind: WorkloadKind, key: string, lists: Lists): SetObject | undefined {
  if (kind === WorkloadKind.StatefulSet) {
    const object = lists.statefulSets.get(key);
    return object && { kind, object };
  }
  const object = lists.daemonSets.get(key);
  return object && kind === WorkloadKind.DaemonSet ? { kind, object } : undefined;
}

/** `deployment "web"`, `statefulset "db"`: a workload in kubectl's words. */
const what = (t: Tracked): string => `${MESSAGE_WORD[t.kind]} "${t.name}"`;

/** The next state of each followed workload, and the error lines of those that went missing or were refused now. */
export function retrack(tracked: readonly Tracked[], lists: Lists, now: number, opts: StatusOptions): { tracked: Tracked[]; errors: string[] } {
  const errors: string[] = [];
  const view = viewer(lists, now, opts);
  const next = tracked.map((t): Tracked => {
    if (t.error) return t;
    const v = view(t);
    if (v && !('refused' in v)) return { ...t, view: v };
    const line = v
      ? `${what(t)} in namespace "${t.namespace}": ${v.refused}`
      : t.view
        ? `${what(t)} was deleted from namespace "${t.namespace}"`
        : `${what(t)} not found in namespace "${t.namespace}"`;
    errors.push(line);
    return { ...t, error: { line, exit: v ? ExitCode.error : ExitCode.notFound } };
  });
  return { tracked: next, errors };
}

/** The followed workloads once --timeout ran out (`waited`: how long, in words). */
export function timedOut(tracked: readonly Tracked[], waited: string): Tracked[] {
  return tracked.map((t) => (t.view ? { ...t, view: waitTimedOut(t.view, waited) } : t));
}

/** The views of the workloads that have one, in the order followed. */
export function viewsOf(tracked: readonly Tracked[]): RolloutView[] {
  return tracked.flatMap((t) => (t.view ? [t.view] : []));
}

/** The exit code of the errors met (not found first, as the worst), or undefined when none. */
export function errorExit(tracked: readonly Tracked[]): number | undefined {
  const codes = tracked.flatMap((t) => (t.error ? [t.error.exit] : []));
  if (codes.length === 0) return undefined;
  return codes.includes(ExitCode.notFound) ? ExitCode.notFound : codes[0];
}

/** Watching ends at the first Failed rollout, or once every workload is terminal or has ended in an error. */
export function finished(tracked: readonly Tracked[]): boolean {
  return (
    viewsOf(tracked).some((v) => v.rollout_status === RolloutState.Failed) ||
    tracked.every((t) => t.error !== undefined || (t.view !== undefined && isTerminal(t.view.rollout_status)))
  );
}
