// Which pods of a StatefulSet or DaemonSet run its current pod template, decided as their
// controllers decide it. Both label each pod with `controller-revision-hash`: a StatefulSet's
// value is the ControllerRevision's name, which its status names as `updateRevision`; a
// DaemonSet's is the hash of its newest ControllerRevision (the controller renumbers the one that
// matches the template above every other), and its controller also counts a pod updated when the
// pod's `pod-template-generation` label is the DaemonSet's template generation (IsPodUpdated in
// pkg/controller/daemon/util). And, for every kind, the revision `kubectl rollout undo` goes back
// to. Pure: shared by `rollout status` and `diagnose`.
import type { ControllerRevision, DaemonSet, ObjectMeta, Pod, StatefulSet } from './objects.js';
import { controlledBy } from './replica-sets.js';
import { WorkloadKind } from './workloads.js';

/** The label both controllers put on pods and on their ControllerRevisions. */
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';
/** A DaemonSet pod's template generation (the older way its controller tells updated pods). */
export const POD_TEMPLATE_GENERATION = 'pod-template-generation';
/** The DaemonSet's template generation, kept by the API server as an annotation. */
export const DAEMONSET_TEMPLATE_GENERATION = 'deprecated.daemonset.template.generation';

/** The ControllerRevisions a StatefulSet or DaemonSet controls, of any list. */
export function ownedRevisions<R extends ControllerRevision>(kind: WorkloadKind, owner: { metadata?: ObjectMeta }, revisions: readonly R[]): R[] {
  return revisions.filter((r) => controlledBy(r.metadata, owner.metadata, kind));
}

/** The newest of a workload's ControllerRevisions (highest revision). */
function newest<R extends ControllerRevision>(revisions: readonly R[]): R | undefined {
  return [...revisions].sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))[0];
}

/** The current revision of a StatefulSet or DaemonSet: the hash its up-to-date pods carry, and the
 * ControllerRevision's number when it was read. */
export interface CurrentRevision {
  hash: string | undefined;
  number: number | undefined;
}

/** A StatefulSet's update revision (its status names it). */
export function statefulSetRevision(sts: StatefulSet, revisions: readonly ControllerRevision[]): CurrentRevision {
  const hash = sts.status?.updateRevision;
  const own = ownedRevisions(WorkloadKind.StatefulSet, sts, revisions).find((r) => r.metadata?.name === hash);
  return { hash, number: own?.revision };
}

/** A DaemonSet's current revision: its newest ControllerRevision's hash. */
export function daemonSetRevision(ds: DaemonSet, revisions: readonly ControllerRevision[]): CurrentRevision {
  const cur = newest(ownedRevisions(WorkloadKind.DaemonSet, ds, revisions));
  return { hash: cur?.metadata?.labels?.[CONTROLLER_REVISION_HASH], number: cur?.revision };
}

/** The revision `kubectl rollout undo` (no --to-revision) goes back to, of any kind: the
 * second-highest of the workload's recorded revisions (a Deployment's ReplicaSets', a StatefulSet's
 * or DaemonSet's ControllerRevisions'), as kubectl's rollbackers pick it
 * (pkg/polymorphichelpers/rollback.go). Undefined with fewer than two, a first revision: kubectl
 * refuses ("no rollout history found", "no last revision to roll back to"), nothing to undo. */
export function undoTarget(recorded: readonly (number | undefined)[]): number | undefined {
  return recorded.filter((r): r is number => r !== undefined).sort((a, b) => b - a)[1];
}

/** The pods a StatefulSet or DaemonSet controls, of any list. */
export function podsOfSet<P extends Pod>(kind: WorkloadKind, owner: { metadata?: ObjectMeta }, pods: readonly P[]): P[] {
  return pods.filter((p) => controlledBy(p.metadata, owner.metadata, kind));
}

/** Whether a pod of the StatefulSet or DaemonSet runs its current template: its hash is the
 * current one, or (a DaemonSet's) its template generation is the DaemonSet's. */
export function isCurrentPod(pod: Pod, current: CurrentRevision, ds?: DaemonSet): boolean {
  const labels = pod.metadata?.labels ?? {};
  if (current.hash !== undefined && labels[CONTROLLER_REVISION_HASH] === current.hash) return true;
  const generation = ds?.metadata?.annotations?.[DAEMONSET_TEMPLATE_GENERATION];
  return generation !== undefined && labels[POD_TEMPLATE_GENERATION] === generation;
}

/** A StatefulSet pod's ordinal: `<set>-<n>`. */
export function ordinalOf(set: string, pod: string): number | undefined {
  if (!pod.startsWith(`${set}-`)) return undefined;
  const n = pod.slice(set.length + 1);
  return /^\d+$/.test(n) ? Number(n) : undefined;
}
