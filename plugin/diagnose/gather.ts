// The edge of diagnose: reads from the API server exactly what concerns one Deployment, always
// filtered on the server (label selectors, event field selectors by involved object uid), never
// all events or pods of a namespace. The result is a plain Snapshot for the pure analysis.
// Events are the costly part: kube-apiserver keeps no watch cache for them, so every events list,
// however narrow its field selector, reads all events of the namespace from etcd. Hence one
// query per object that can explain something (not-ready pods, a ReplicaSet short of pods),
// and the rest (ready pods, old ReplicaSets, the Deployment) only for the --events timeline.
import { ConditionStatus, ConditionType, type KubeEvent, type ObjectMeta, type ResourceQuota } from '../kube/objects.js';
import type * as wire from '../kube/objects.js';
import type { Rest } from '../kube/rest.js';
import { CliError } from '../lib/errors.js';
import { controllerOf, splitReplicaSets, ownedReplicaSets, POD_TEMPLATE_HASH } from '../kube/replica-sets.js';
import { selectorString } from '../kube/selector.js';
import { isNamed, type Named, type Pod, type Snapshot } from './model.js';
import { samplePods } from './sampling.js';

/** How much the gathering may read; the defaults keep a 5,000-pod Deployment cheap. */
export interface GatherLimits {
  /** Pods whose events are read at most, a few of each kind of failure (see sampling.ts). */
  podEventQueries: number;
  /** Pods read per kind of failure. */
  perKind: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Page size of list requests. */
  pageSize: number;
}

export const DEFAULT_LIMITS: GatherLimits = { podEventQueries: 12, perKind: 3, concurrency: 8, pageSize: 500 };

export interface GatherOptions {
  /** Also read the events that only the timeline shows (ready pods, old ReplicaSets, the Deployment). */
  timeline: boolean;
}

interface List<T> {
  items?: T[];
  metadata?: { continue?: string };
}

/** Every page of a list (limit/continue), so a large namespace never comes back in one body. */
async function listAll<T>(rest: Rest, path: string, query: Record<string, string | undefined>, pageSize: number): Promise<T[]> {
  const out: T[] = [];
  let cont: string | undefined;
  do {
    const page = await rest.get<List<T>>(path, { ...query, limit: String(pageSize), continue: cont });
    out.push(...(page.items ?? []));
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return out;
}

/** The objects as the analysis takes them: each with its metadata.name, which every object an API
 * server returns carries; one without is a broken answer, refused here rather than misnamed later. */
function named<T extends { metadata?: ObjectMeta }>(o: T, kind: string): Named<T> {
  if (!isNamed(o)) throw new CliError(`the API server returned a ${kind} without metadata.name`);
  return o;
}

/** listAll of a kind whose objects the analysis names. */
async function listNamed<T extends { metadata?: ObjectMeta }>(rest: Rest, path: string, query: Record<string, string | undefined>, pageSize: number, kind: string): Promise<Named<T>[]> {
  return (await listAll<T>(rest, path, query, pageSize)).map((o) => named(o, kind));
}

/** Runs fn over items with at most `n` in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

function eventsOf(rest: Rest, ns: string, uid: string | undefined, pageSize: number): Promise<KubeEvent[]> {
  if (!uid) return Promise.resolve([]);
  return listAll<KubeEvent>(rest, `/api/v1/namespaces/${ns}/events`, { fieldSelector: `involvedObject.uid=${uid}` }, pageSize);
}

function controlledByAny(p: Pod, uids: ReadonlySet<string>): boolean {
  const uid = controllerOf(p.metadata)?.uid;
  return uid !== undefined && uids.has(uid);
}

/** A pod worth reading events of: not Ready, restarting, or on its way out. */
function needsEvents(p: Pod): boolean {
  if (p.metadata.deletionTimestamp) return true;
  const ready = p.status?.conditions?.some((c) => c.type === ConditionType.Ready && c.status === ConditionStatus.True);
  const restarts = (p.status?.containerStatuses ?? []).some((c) => (c.restartCount ?? 0) > 0);
  return !ready || restarts;
}

/**
 * Reads the snapshot of one Deployment: the Deployment, its ReplicaSets, their pods, the events of
 * all of them, the namespace's ResourceQuotas, and the nodes only when a pod failed to schedule.
 * API errors propagate (HttpError with the status) for the caller to describe.
 */
export async function gather(rest: Rest, ns: string, name: string, opts: GatherOptions = { timeline: false }, limits: GatherLimits = DEFAULT_LIMITS): Promise<Snapshot> {
  const deployment = named(await rest.get<wire.Deployment>(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`), 'Deployment');
  const selector = selectorString(deployment.spec?.selector);
  const [rsList, quotas] = await Promise.all([
    listAll<wire.ReplicaSet>(rest, `/apis/apps/v1/namespaces/${ns}/replicasets`, { labelSelector: selector }, limits.pageSize),
    listAll<ResourceQuota>(rest, `/api/v1/namespaces/${ns}/resourcequotas`, {}, limits.pageSize),
  ]);
  const replicaSets = ownedReplicaSets(deployment, rsList).map((r) => named(r, 'ReplicaSet'));
  const newRS = splitReplicaSets(deployment, replicaSets).newRS;
  const oldWithPods = replicaSets.filter((r) => r !== newRS && ((r.status?.replicas ?? 0) > 0 || (r.spec?.replicas ?? 0) > 0));
  const hash = newRS?.metadata.labels?.[POD_TEMPLATE_HASH];
  const podsPath = `/api/v1/namespaces/${ns}/pods`;
  const withSel = (extra: string) => [selector, extra].filter(Boolean).join(',');

  // The new ReplicaSet's pods by its pod-template-hash; old pods only when old ReplicaSets still
  // have some (the ones stuck terminating, or those of a superseded rollout).
  const [newPods, oldPods] = await Promise.all([
    newRS && hash ? listNamed<wire.Pod>(rest, podsPath, { labelSelector: withSel(`${POD_TEMPLATE_HASH}=${hash}`) }, limits.pageSize, 'Pod') : Promise.resolve([] as Pod[]),
    oldWithPods.length > 0 || !hash
      ? listNamed<wire.Pod>(rest, podsPath, { labelSelector: hash ? withSel(`${POD_TEMPLATE_HASH}!=${hash}`) : selector }, limits.pageSize, 'Pod')
      : Promise.resolve([] as Pod[]),
  ]);
  const rsUids = new Set(replicaSets.map((r) => r.metadata.uid).filter((u): u is string => !!u));
  const pods = [...newPods, ...oldPods].filter((p) => controlledByAny(p, rsUids));

  // Events of what can explain a stuck rollout: the pods that are not fine, the new ReplicaSet
  // when it is short of pods (FailedCreate), the Deployment when it has no new ReplicaSet or
  // reports ReplicaFailure. Everything else only for the timeline.
  const failing = (conds: { type: string; status: string }[] | undefined) => !!conds?.some((c) => c.type === ConditionType.ReplicaFailure && c.status === ConditionStatus.True);
  const rsShort = !!newRS && ((newRS.status?.replicas ?? 0) < (newRS.spec?.replicas ?? 0) || failing(newRS.status?.conditions));
  // (The Deployment's ReplicaFailure is copied from the new ReplicaSet's, whose events say more.)
  const depNeeds = opts.timeline || !newRS || (failing(deployment.status?.conditions) && !rsShort);
  const needing = [...newPods.filter(needsEvents), ...oldPods.filter((p) => p.metadata.deletionTimestamp)].filter((p) => controlledByAny(p, rsUids));
  const chosen = samplePods(needing, limits.perKind, limits.podEventQueries);
  if (opts.timeline && newPods.length <= limits.podEventQueries) chosen.push(...newPods.filter((p) => !needsEvents(p) && controlledByAny(p, rsUids)));
  const objects = [
    ...(depNeeds ? [deployment.metadata.uid] : []),
    ...(newRS && (rsShort || opts.timeline) ? [newRS.metadata.uid] : []),
    ...(opts.timeline ? oldWithPods.map((r) => r.metadata.uid) : []),
    ...chosen.map((p) => p.metadata.uid),
  ];
  const lists = await mapLimit(objects, limits.concurrency, (uid) => eventsOf(rest, ns, uid, limits.pageSize));
  const events = lists.flat();

  const unschedulable = newPods.some((p) => p.status?.conditions?.some((c) => c.type === ConditionType.PodScheduled && c.status === ConditionStatus.False));
  const nodes = unschedulable ? await listNamed<wire.Node>(rest, '/api/v1/nodes', {}, limits.pageSize, 'Node') : undefined;

  const sampled = needing.filter((p) => chosen.includes(p));
  return {
    deployment,
    replicaSets,
    pods,
    events,
    quotas,
    ...(nodes ? { nodes } : {}),
    ...(sampled.length < needing.length ? { sampled: { pods: sampled.map((p) => p.metadata.name), of: needing.length } } : {}),
  };
}
