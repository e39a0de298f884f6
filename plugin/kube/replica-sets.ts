// Which ReplicaSets and Pods belong to a Deployment, and which ReplicaSet is the new one, decided
// as the Deployment controller decides it. Pure: shared by `rollout status` and `diagnose`.
import { LABEL } from '../../core/names.js';
import { timeMs, type Deployment, type ObjectMeta, type Pod, type PodTemplate, type ReplicaSet } from './objects.js';

/** The label the controller adds to a ReplicaSet's selector and template; ignored when comparing templates. */
export const POD_TEMPLATE_HASH = 'pod-template-hash';
/** The revision annotation the controller keeps on Deployments and ReplicaSets. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/** The controlling owner reference (controller: true), as the garbage collector reads it. */
export function controllerOf(meta: ObjectMeta | undefined) {
  return meta?.ownerReferences?.find((r) => r.controller === true);
}

/** Whether `owner`, of `kind`, controls the object (its controller owner reference). */
export function controlledBy(meta: ObjectMeta | undefined, owner: ObjectMeta | undefined, kind: string): boolean {
  const ref = controllerOf(meta);
  if (!ref || ref.kind !== kind) return false;
  // The uid decides; a name match only stands in for objects built without one (hand-made).
  return owner?.uid ? ref.uid === owner.uid : ref.name === owner?.name;
}

/** The revision number of a Deployment or ReplicaSet, from its revision annotation. */
export function revisionOf(obj: { metadata?: ObjectMeta } | undefined): number | undefined {
  const raw = obj?.metadata?.annotations?.[REVISION_ANNOTATION];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** The annotation listing the revisions an undo took from a ReplicaSet (oldest first). */
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';

/** Every revision a ReplicaSet has held, oldest first: after undos, the earlier ones, then its own. */
export function revisionsOf(rs: ReplicaSet): number[] {
  const own = revisionOf(rs);
  const earlier = (rs.metadata?.annotations?.[REVISION_HISTORY_ANNOTATION] ?? '')
    .split(',')
    .filter((x) => /^\d+$/.test(x))
    .map(Number);
  return [...earlier, ...(own !== undefined ? [own] : [])];
}

/** A pod template's paas.io/deploy-id label, if the webhook stamped one. */
export function deployIdOf(obj: { spec?: { template?: PodTemplate } } | undefined): string | undefined {
  return obj?.spec?.template?.metadata?.labels?.[LABEL.deployId];
}

/** True when the object is on its way out (deletionTimestamp set). */
export function isTerminating(obj: { metadata?: ObjectMeta }): boolean {
  return (obj.metadata?.deletionTimestamp ?? null) !== null;
}

// Semantic equality as apimachinery's: absent, null, empty list and empty map are all equal.
function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Date) return false;
  return typeof v === 'object' && Object.keys(v).every((k) => (v as Record<string, unknown>)[k] === undefined);
}

function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (a instanceof Date || b instanceof Date) {
    return timeMs(a as Date | string) === timeMs(b as Date | string);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => semanticEqual(x, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
    for (const k of keys) if (!semanticEqual(ra[k], rb[k])) return false;
    return true;
  }
  return a === b;
}

function withoutHash(t: PodTemplate | undefined): PodTemplate | undefined {
  const labels = t?.metadata?.labels;
  if (!t || !labels || !(POD_TEMPLATE_HASH in labels)) return t;
  const { [POD_TEMPLATE_HASH]: _hash, ...rest } = labels;
  return { ...t, metadata: { ...t.metadata, labels: rest } };
}

/** Pod templates equal ignoring the pod-template-hash label (the controller's EqualIgnoreHash). */
export function templatesEqualIgnoringHash(a: PodTemplate | undefined, b: PodTemplate | undefined): boolean {
  return semanticEqual(withoutHash(a), withoutHash(b));
}

function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const ta = timeMs(a.metadata?.creationTimestamp) ?? 0;
  const tb = timeMs(b.metadata?.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** How a Deployment's ReplicaSets split: the new one (if created yet) and the old ones, newest revision first. */
export interface ReplicaSetSplit<R extends ReplicaSet = ReplicaSet> {
  /** The ReplicaSet whose template equals the Deployment's; absent until the controller creates it. */
  newRS: R | undefined;
  /** Every other owned ReplicaSet, highest revision first (scaled-down history included). */
  oldRSs: R[];
}

/** The ReplicaSets the Deployment controls (controller owner reference), of any list. */
export function ownedReplicaSets<R extends ReplicaSet>(deployment: Deployment, replicaSets: readonly R[]): R[] {
  return replicaSets.filter((rs) => controlledBy(rs.metadata, deployment.metadata, 'Deployment'));
}

/**
 * Splits the Deployment's ReplicaSets into new and old, as the controller does: of the owned
 * ReplicaSets sorted by creation time (then name), the first whose template equals the
 * Deployment's, ignoring pod-template-hash, is the new one.
 */
export function splitReplicaSets<R extends ReplicaSet>(deployment: Deployment, replicaSets: readonly R[]): ReplicaSetSplit<R> {
  const owned = ownedReplicaSets(deployment, replicaSets).sort(byCreation);
  const newRS = owned.find((rs) => templatesEqualIgnoringHash(rs.spec?.template, deployment.spec?.template));
  const oldRSs = owned.filter((rs) => rs !== newRS).sort((a, b) => (revisionOf(b) ?? 0) - (revisionOf(a) ?? 0) || byCreation(b, a));
  return { newRS, oldRSs };
}

/** The pods a ReplicaSet controls (controller owner reference), of any list. */
export function podsOfReplicaSet<P extends Pod>(rs: ReplicaSet, pods: readonly P[]): P[] {
  return pods.filter((p) => controlledBy(p.metadata, rs.metadata, 'ReplicaSet'));
}

/** The ReplicaSet a pod belonged to, by its name alone (events outlive their pods): a
 * ReplicaSet's pods are named `<replicaset>-<5 characters>`. */
export function replicaSetOfPod<R extends ReplicaSet>(pod: string, replicaSets: readonly R[]): R | undefined {
  return replicaSets.find((rs) => {
    const n = rs.metadata?.name;
    return n !== undefined && pod.startsWith(`${n}-`) && pod.length === n.length + 6;
  });
}
