// The edge of diagnose: reads from the API server exactly what concerns one Deployment, always
// filtered on the server (label selectors, event field selectors by involved object uid), never
// all events or pods of a namespace. The result is a plain Snapshot for the pure analysis.
// Events are the costly part: kube-apiserver keeps no watch cache for them, so every events list,
// however narrow its field selector, reads all events of the namespace from etcd. Hence one
// query per object that can explain something (not-ready pods, a ReplicaSet short of pods),
// and the rest (ready pods, old ReplicaSets, the Deployment) only for the --events timeline.
import { ConditionStatus, ConditionType, type KubeEvent, type ObjectMeta, type ResourceQuota } from '../kube/objects.js';
import type * as wire from '../kube/objects.js';
import { apiPath, Resource } from '../../kube-client/paths.js';
import { listItems } from '../kube/list.js';
import type { Rest } from '../kube/rest.js';
import { mapLimit } from '../lib/limit.js';
import { ErrorCode, PaasError } from '../../core/errors.js';
import { selectorMatches, type JsonValue } from '../../core/policy/index.js';
import { HttpError } from '../kube/rest.js';
import { controllerOf, splitReplicaSets, ownedReplicaSets, POD_TEMPLATE_HASH, replicaSetOfPod } from '../kube/replica-sets.js';
import { selectorString } from '../kube/selector.js';
import { isNamed, type ContainerLog, type Named, type Pod, type Snapshot } from './model.js';
import { samplePods } from './sampling.js';

/** How much the gathering may read; the defaults keep a 5,000-pod Deployment cheap. */
export interface GatherLimits {
  /** Lines of each container log read (0: no logs), and how long one read may take. */
  logLines: number;
  logTimeoutMs: number;
  /** Pods whose events are read at most, a few of each kind of failure (see sampling.ts). */
  podEventQueries: number;
  /** Pods read per kind of failure. */
  perKind: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Page size of list requests. */
  pageSize: number;
}

export const DEFAULT_LIMITS: GatherLimits = { podEventQueries: 12, perKind: 3, concurrency: 8, pageSize: 500, logLines: 20, logTimeoutMs: 5000 };

export interface GatherOptions {
  /** Also read the events that only the timeline shows (ready pods, old ReplicaSets, the Deployment). */
  timeline: boolean;
}

/** The objects as the analysis takes them: each with its metadata.name, which every object an API
 * server returns carries; one without is a broken answer, refused here rather than misnamed later. */
export function named<T extends { metadata?: ObjectMeta }>(o: T, kind: string): Named<T> {
  if (!isNamed(o)) throw new PaasError(ErrorCode.Error, `the API server returned a ${kind} without metadata.name`);
  return o;
}

/** Every item of a list of a kind whose objects the analysis names. */
export async function listNamed<T extends { metadata?: ObjectMeta }>(
  rest: Rest,
  path: string,
  query: Record<string, string | undefined>,
  pageSize: number,
  kind: string,
): Promise<Named<T>[]> {
  return (await listItems<T>(rest, path, query, pageSize)).map((o) => named(o, kind));
}

/** The kubelet's FailedPreStopHook events of the namespace: they outlive the pods they are about,
 * and a hook that failed is worth naming after the rollout, when the old pods are gone. */
function preStopHookEvents(rest: Rest, ns: string, pageSize: number): Promise<KubeEvent[]> {
  return listItems<KubeEvent>(
    rest,
    apiPath(Resource.events, { namespace: ns }),
    { fieldSelector: 'involvedObject.kind=Pod,reason=FailedPreStopHook' },
    pageSize,
  );
}

/** Each event once (the pod-by-pod lists and the FailedPreStopHook list can both hold one). */
export function uniqueEvents(events: KubeEvent[]): KubeEvent[] {
  const seen = new Set<string>();
  return events.filter((e) => {
    const k = e.metadata?.uid ?? `${e.metadata?.namespace ?? ''}/${e.metadata?.name ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Every event of one object, by its uid (none without one). */
export function eventsOf(rest: Rest, ns: string, uid: string | undefined, pageSize: number): Promise<KubeEvent[]> {
  if (!uid) return Promise.resolve([]);
  return listItems<KubeEvent>(rest, apiPath(Resource.events, { namespace: ns }), { fieldSelector: `involvedObject.uid=${uid}` }, pageSize);
}

function controlledByAny(p: Pod, uids: ReadonlySet<string>): boolean {
  const uid = controllerOf(p.metadata)?.uid;
  return uid !== undefined && uids.has(uid);
}

/** A pod worth reading events of: not Ready, restarting, or on its way out. */
export function needsEvents(p: Pod): boolean {
  if (p.metadata.deletionTimestamp) return true;
  const ready = p.status?.conditions?.some((c) => c.type === ConditionType.Ready && c.status === ConditionStatus.True);
  const restarts = (p.status?.containerStatuses ?? []).some((c) => (c.restartCount ?? 0) > 0);
  return !ready || restarts;
}

/**
 * Reads the snapshot of one Deployment: the Deployment, its ReplicaSets, their pods, the events of
 * all of them, the namespace's ResourceQuotas and PodDisruptionBudgets, the nodes only when a pod
 * failed to schedule, and the cordoned ones only when a drain could be at stake (readDrain).
 * API errors propagate (HttpError with the status) for the caller to describe.
 */
export async function gather(
  rest: Rest,
  ns: string,
  name: string,
  opts: GatherOptions = { timeline: false },
  limits: GatherLimits = DEFAULT_LIMITS,
): Promise<Snapshot> {
  const deployment = named(await rest.get<wire.Deployment>(apiPath(Resource.deployments, { namespace: ns, name })), 'Deployment');
  return gatherDeployment(rest, deployment, opts, limits, ns);
}

/** The snapshot of a Deployment already read (listed, by `diagnose` over several): the reads after its GET. */
export async function gatherDeployment(
  rest: Rest,
  deployment: Named<wire.Deployment>,
  opts: GatherOptions = { timeline: false },
  limits: GatherLimits = DEFAULT_LIMITS,
  ns = deployment.metadata.namespace ?? '',
): Promise<Snapshot> {
  const selector = selectorString(deployment.spec?.selector);
  const [rsList, quotas] = await Promise.all([
    listItems<wire.ReplicaSet>(rest, apiPath(Resource.replicaSets, { namespace: ns }), { labelSelector: selector }, limits.pageSize),
    listItems<ResourceQuota>(rest, apiPath(Resource.resourceQuotas, { namespace: ns }), {}, limits.pageSize),
  ]);
  const replicaSets = ownedReplicaSets(deployment, rsList).map((r) => named(r, 'ReplicaSet'));
  const rollout = { deployment, replicaSets, newRS: splitReplicaSets(deployment, replicaSets).newRS };
  const { newPods, oldPods } = await readPods(rest, apiPath(Resource.pods, { namespace: ns }), selector, rollout, limits.pageSize);
  const owned = ownedBy(replicaSets);
  const pods = [...newPods, ...oldPods].filter(owned);
  const targets = eventTargets(rollout, { newPods, oldPods }, opts, limits);
  const rolledBefore = replicaSets.some((r) => r !== rollout.newRS);
  const [lists, hookEvents] = await Promise.all([
    mapLimit(targets.objects, limits.concurrency, (uid) => eventsOf(rest, ns, uid, limits.pageSize)),
    rolledBefore
      ? preStopHookEvents(rest, ns, limits.pageSize).then((es) => es.filter((e) => replicaSetOfPod(e.involvedObject.name ?? '', replicaSets)))
      : Promise.resolve([]),
  ]);
  const [nodes, drain] = await Promise.all([readNodes(rest, newPods, limits.pageSize), readDrain(rest, ns, deployment, pods, limits.pageSize)]);
  const logs = await readLogs(
    rest,
    ns,
    targets.chosen.filter((p) => newPods.includes(p) && nodeReady(p, nodes)),
    limits,
  );
  const sampled = targets.needing.filter((p) => targets.chosen.includes(p));
  return {
    deployment,
    replicaSets,
    pods,
    events: uniqueEvents([...lists.flat(), ...hookEvents]),
    quotas,
    ...(nodes ? { nodes } : {}),
    ...drain,
    ...(logs.length > 0 ? { logs } : {}),
    ...(sampled.length < targets.needing.length ? { sampled: { pods: sampled.map((p) => p.metadata.name), of: targets.needing.length } } : {}),
  };
}

/** Every node when a new pod failed to schedule (what fits where); else the nodes of the new pods
 * that are not ready (is the node itself down?), each read by name; none when all are ready. */
export async function readNodes(rest: Rest, newPods: Pod[], pageSize: number): Promise<Named<wire.Node>[] | undefined> {
  const unschedulable = newPods.some((p) => p.status?.conditions?.some((c) => c.type === ConditionType.PodScheduled && c.status === ConditionStatus.False));
  if (unschedulable) return listNamed<wire.Node>(rest, apiPath(Resource.nodes), {}, pageSize, 'Node');
  const names = [...new Set(newPods.filter((p) => !isReady(p)).map((p) => p.spec?.nodeName))].filter((n): n is string => !!n);
  if (names.length === 0) return undefined;
  const read = await Promise.all(
    names.map((n) =>
      rest.get<wire.Node>(apiPath(Resource.nodes, { name: n })).then(
        (o) => named(o, 'Node'),
        () => undefined,
      ),
    ),
  );
  return read.filter((n): n is Named<wire.Node> => n !== undefined);
}

/** A read the API server refused or could not serve (a namespaced user may not list nodes): the
 * finding it was for is left out, the diagnosis goes on. */
async function orNothing<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof HttpError) return undefined;
    throw err;
  }
}

/**
 * What a node drain needs: the namespace's PodDisruptionBudgets (one namespaced list), and, only
 * when one that selects the Deployment's pods allows no disruption or the Deployment has a single
 * replica, the cordoned nodes (one list, `spec.unschedulable=true`) that run its pods.
 */
async function readDrain(
  rest: Rest,
  ns: string,
  deployment: Named<wire.Deployment>,
  pods: Pod[],
  pageSize: number,
): Promise<Pick<Snapshot, 'cordoned' | 'budgets'>> {
  const bound = new Set(
    pods
      .filter((p) => !p.metadata.deletionTimestamp)
      .map((p) => p.spec?.nodeName)
      .filter((n): n is string => !!n),
  );
  if (bound.size === 0) return {};
  const budgets = await orNothing(listItems<wire.PodDisruptionBudget>(rest, apiPath(Resource.podDisruptionBudgets, { namespace: ns }), {}, pageSize));
  const holding = (budgets ?? []).some(
    (b) =>
      b.status?.disruptionsAllowed === 0 && pods.some((p) => selectorMatches(b.spec?.selector as unknown as JsonValue | undefined, p.metadata.labels ?? {})),
  );
  if (!holding && (deployment.spec?.replicas ?? 1) !== 1) return budgets ? { budgets } : {};
  const cordoned = await orNothing(listNamed<wire.Node>(rest, apiPath(Resource.nodes), { fieldSelector: 'spec.unschedulable=true' }, pageSize, 'Node'));
  const mine = (cordoned ?? []).filter((n) => bound.has(n.metadata.name));
  return { ...(budgets ? { budgets } : {}), ...(mine.length > 0 ? { cordoned: mine } : {}) };
}

const isReady = (p: Pod): boolean => !!p.status?.conditions?.some((c) => c.type === ConditionType.Ready && c.status === ConditionStatus.True);

/** The pod's node answers (its Ready condition is True), so the API server can fetch its logs. */
export function nodeReady(p: Pod, nodes: Named<wire.Node>[] | undefined): boolean {
  const node = nodes?.find((n) => n.metadata.name === p.spec?.nodeName);
  return !node || !!node.status?.conditions?.some((c) => c.type === ConditionType.Ready && c.status === ConditionStatus.True);
}

/** Which log of a container tells why it is not ready or keeps restarting: the run that just
 * ended while its state is still `terminated` (the kubelet keeps one dead instance, so the one
 * before may be gone), else the previous run's after a restart, the current one's while it runs
 * unready; none when it never ran or runs ready without a restart. */
export function logWanted(cs: wire.ContainerStatus): { previous: boolean } | undefined {
  if (cs.state?.terminated) return { previous: false };
  // Running again after an exit (ready or not): the run that ended says why it exited.
  if ((cs.restartCount ?? 0) > 0) return { previous: true };
  if (cs.state?.running && !cs.ready) return { previous: false };
  return undefined;
}

/** The last lines of each container of the chosen pods whose log can say something, each read
 * bounded in time (a log the kubelet cannot serve is left out, not waited for). */
export async function readLogs(rest: Rest, ns: string, pods: Pod[], limits: GatherLimits): Promise<ContainerLog[]> {
  if (limits.logLines <= 0) return [];
  const wanted = pods.flatMap((p) =>
    (p.status?.containerStatuses ?? []).flatMap((cs) => {
      const w = logWanted(cs);
      return w ? [{ pod: p.metadata.name, container: cs.name, previous: w.previous }] : [];
    }),
  );
  const read = await mapLimit(wanted, limits.concurrency, async (w) => {
    const query = { container: w.container, tailLines: String(limits.logLines), ...(w.previous ? { previous: 'true' } : {}) };
    const path = apiPath(Resource.pods, { namespace: ns, name: w.pod, subresource: 'log' });
    const text = await rest.getText(path, query, AbortSignal.timeout(limits.logTimeoutMs)).catch(() => undefined);
    return text === undefined ? undefined : { ...w, lines: text.split('\n').filter((l) => l !== '') };
  });
  return read.filter((l): l is ContainerLog => l !== undefined);
}

/** What the reads after the Deployment's go by. */
interface Rollout {
  deployment: Named<wire.Deployment>;
  replicaSets: Named<wire.ReplicaSet>[];
  newRS: Named<wire.ReplicaSet> | undefined;
}

/** Old ReplicaSets that still have (or want) pods. */
const oldWithPods = (r: Rollout) => r.replicaSets.filter((rs) => rs !== r.newRS && ((rs.status?.replicas ?? 0) > 0 || (rs.spec?.replicas ?? 0) > 0));

/** A pod controlled by one of the ReplicaSets. */
function ownedBy(replicaSets: Named<wire.ReplicaSet>[]): (p: Pod) => boolean {
  const uids = new Set(replicaSets.map((r) => r.metadata.uid).filter((u): u is string => !!u));
  return (p) => controlledByAny(p, uids);
}

/** The new ReplicaSet's pods by its pod-template-hash; old pods whenever there are old
 * ReplicaSets: those of a superseded rollout, and those stopping or stuck terminating, which an
 * old ReplicaSet no longer counts (its status.replicas is 0 while they go). */
async function readPods(rest: Rest, path: string, selector: string | undefined, r: Rollout, pageSize: number): Promise<{ newPods: Pod[]; oldPods: Pod[] }> {
  const hash = r.newRS?.metadata.labels?.[POD_TEMPLATE_HASH];
  const withSel = (extra: string) => [selector, extra].filter(Boolean).join(',');
  const none = Promise.resolve([] as Pod[]);
  const [newPods, oldPods] = await Promise.all([
    r.newRS && hash ? listNamed<wire.Pod>(rest, path, { labelSelector: withSel(`${POD_TEMPLATE_HASH}=${hash}`) }, pageSize, 'Pod') : none,
    r.replicaSets.some((rs) => rs !== r.newRS) || !hash
      ? listNamed<wire.Pod>(rest, path, { labelSelector: hash ? withSel(`${POD_TEMPLATE_HASH}!=${hash}`) : selector }, pageSize, 'Pod')
      : none,
  ]);
  return { newPods, oldPods };
}

const failing = (conds: { type: string; status: string }[] | undefined): boolean =>
  !!conds?.some((c) => c.type === ConditionType.ReplicaFailure && c.status === ConditionStatus.True);

/**
 * Whose events to read: what can explain a stuck rollout (the pods that are not fine, a few of
 * each kind; the new ReplicaSet when it is short of pods, for FailedCreate; the Deployment when it
 * has no new ReplicaSet or reports ReplicaFailure), and with --events the rest of the timeline.
 */
/** The new pods that look fine whose events are read too: all of them for the --events timeline
 * (up to `timelineMax`); otherwise, when no new pod looks wrong from its status, one of them, for
 * what only events say of a running pod (a probe the kubelet cannot run, other warnings). */
function healthyNewPods(chosen: Pod[], newPods: Pod[], owned: (p: Pod) => boolean, timelineMax: number): Pod[] {
  const fine = newPods.filter((p) => owned(p) && !needsEvents(p));
  if (timelineMax > 0) return newPods.length <= timelineMax ? fine : [];
  return chosen.some((p) => newPods.includes(p)) ? [] : fine.slice(0, 1);
}

function eventTargets(
  r: Rollout,
  pods: { newPods: Pod[]; oldPods: Pod[] },
  opts: GatherOptions,
  limits: GatherLimits,
): { objects: (string | undefined)[]; needing: Pod[]; chosen: Pod[] } {
  const { newRS, deployment } = r;
  const owned = ownedBy(r.replicaSets);
  const rsShort = !!newRS && ((newRS.status?.replicas ?? 0) < (newRS.spec?.replicas ?? 0) || failing(newRS.status?.conditions));
  // (The Deployment's ReplicaFailure is copied from the new ReplicaSet's, whose events say more.)
  const depNeeds = opts.timeline || !newRS || (failing(deployment.status?.conditions) && !rsShort);
  const needing = [...pods.newPods.filter(needsEvents), ...pods.oldPods.filter((p) => p.metadata.deletionTimestamp)].filter(owned);
  const chosen = samplePods(needing, limits.perKind, limits.podEventQueries);
  chosen.push(...healthyNewPods(chosen, pods.newPods, owned, opts.timeline ? limits.podEventQueries : 0));
  const objects = [
    ...(depNeeds ? [deployment.metadata.uid] : []),
    ...(newRS && (rsShort || opts.timeline) ? [newRS.metadata.uid] : []),
    ...(opts.timeline ? oldWithPods(r).map((rs) => rs.metadata.uid) : []),
    ...chosen.map((p) => p.metadata.uid),
  ];
  return { objects, needing, chosen };
}
