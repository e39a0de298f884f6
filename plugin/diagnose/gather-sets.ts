// The edge of diagnose for a StatefulSet or a DaemonSet, as gather.ts is for a Deployment: reads
// what concerns the set, always filtered on the server, and events only where they can explain
// something: the set's own (its controller's FailedCreate) when it lacks pods, a few of each kind
// of pod that is not fine, a StatefulSet's claims that hold a pod back, and the timeline's with
// --events. The result is a plain snapshot for the pure analysis (analyse-sets.ts).
import { apiPath, Resource } from '../../kube-client/paths.js';
import type * as wire from '../kube/objects.js';
import { listItems } from '../kube/list.js';
import { HttpError, type Rest } from '../kube/rest.js';
import { mapLimit } from '../lib/limit.js';
import { ownedRevisions, podsOfSet } from '../kube/revisions.js';
import { selectorString } from '../kube/selector.js';
import { WorkloadKind } from '../kube/workloads.js';
import {
  DEFAULT_LIMITS,
  eventsOf,
  listNamed,
  named,
  needsEvents,
  nodeReady,
  readLogs,
  readNodes,
  uniqueEvents,
  type GatherLimits,
  type GatherOptions,
} from './gather.js';
import type { ControllerRevision, DaemonSetSnapshot, Named, PersistentVolumeClaim, Pod, StatefulSetSnapshot } from './model.js';
import { samplePods } from './sampling.js';

type SetKind = typeof WorkloadKind.StatefulSet | typeof WorkloadKind.DaemonSet;
type SetWire = wire.StatefulSet | wire.DaemonSet;

/** What both kinds read alike: their pods, revisions and quotas, the events, the nodes, the logs. */
interface SetReads {
  pods: Pod[];
  revisions: ControllerRevision[];
  quotas: wire.ResourceQuota[];
  events: wire.KubeEvent[];
  nodes?: StatefulSetSnapshot['nodes'];
  logs?: StatefulSetSnapshot['logs'];
  sampled?: StatefulSetSnapshot['sampled'];
  /** The pods that need a look (not Ready, restarting, terminating). */
  needing: Pod[];
}

/** Whose events to read: the set when it lacks pods (or for the timeline), a few pods of each kind
 * that need a look, and one fine pod when none does (what only events say of a running pod). */
function eventTargets(set: Named<SetWire>, pods: Pod[], short: boolean, opts: GatherOptions, limits: GatherLimits) {
  const needing = pods.filter(needsEvents);
  const chosen = samplePods(needing, limits.perKind, limits.podEventQueries);
  const fine = pods.filter((p) => !needsEvents(p));
  if (opts.timeline) chosen.push(...(pods.length <= limits.podEventQueries ? fine : []));
  else if (chosen.length === 0) chosen.push(...fine.slice(0, 1));
  return { objects: [...(short || opts.timeline ? [set.metadata.uid] : []), ...chosen.map((p) => p.metadata.uid)], needing, chosen };
}

/** The reads of one set (`short`: it has fewer pods than it should). */
async function readSet(rest: Rest, kind: SetKind, set: Named<SetWire>, short: boolean, o: { opts: GatherOptions; limits: GatherLimits }): Promise<SetReads> {
  const { opts, limits } = o;
  const ns = set.metadata.namespace ?? '';
  const labelSelector = selectorString(set.spec?.selector);
  const [podList, revList, quotas] = await Promise.all([
    listNamed<wire.Pod>(rest, apiPath(Resource.pods, { namespace: ns }), { labelSelector }, limits.pageSize, 'Pod'),
    listNamed<wire.ControllerRevision>(
      rest,
      apiPath(Resource.controllerRevisions, { namespace: ns }),
      { labelSelector },
      limits.pageSize,
      'ControllerRevision',
    ),
    listItems<wire.ResourceQuota>(rest, apiPath(Resource.resourceQuotas, { namespace: ns }), {}, limits.pageSize),
  ]);
  const pods = podsOfSet(kind, set, podList);
  const t = eventTargets(set, pods, short, opts, limits);
  const events = await mapLimit(t.objects, limits.concurrency, (uid) => eventsOf(rest, ns, uid, limits.pageSize));
  const nodes = await readNodes(rest, t.needing, limits.pageSize);
  const logs = await readLogs(
    rest,
    ns,
    t.chosen.filter((p) => nodeReady(p, nodes)),
    limits,
  );
  const sampled = t.needing.filter((p) => t.chosen.includes(p));
  return {
    pods,
    revisions: ownedRevisions(kind, set, revList),
    quotas,
    events: uniqueEvents(events.flat()),
    ...(nodes ? { nodes } : {}),
    ...(logs.length > 0 ? { logs } : {}),
    ...(sampled.length < t.needing.length ? { sampled: { pods: sampled.map((p) => p.metadata.name), of: t.needing.length } } : {}),
    needing: t.needing,
  };
}

/** The claims of the StatefulSet's waiting pods (not Running), each read by name (one gone is left
 * out), and the events of those that are not bound. */
async function readClaims(
  rest: Rest,
  ns: string,
  waiting: Pod[],
  limits: GatherLimits,
): Promise<{ claims: PersistentVolumeClaim[]; events: wire.KubeEvent[] }> {
  const names = [
    ...new Set(waiting.flatMap((p) => (p.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [])))),
  ];
  const read = await mapLimit(names, limits.concurrency, (name) =>
    rest.get<wire.PersistentVolumeClaim>(apiPath(Resource.persistentVolumeClaims, { namespace: ns, name })).then(
      (c) => named(c, 'PersistentVolumeClaim'),
      (err: unknown) => {
        if (err instanceof HttpError && err.status === 404) return undefined;
        throw err;
      },
    ),
  );
  const claims = read.filter((c): c is PersistentVolumeClaim => c !== undefined);
  const pending = claims.filter((c) => c.status?.phase !== 'Bound');
  const events = await mapLimit(pending, limits.concurrency, (c) => eventsOf(rest, ns, c.metadata.uid, limits.pageSize));
  return { claims, events: events.flat() };
}

/** The snapshot of a StatefulSet already read. */
export async function gatherStatefulSet(
  rest: Rest,
  sts: Named<wire.StatefulSet>,
  opts: GatherOptions = { timeline: false },
  limits: GatherLimits = DEFAULT_LIMITS,
): Promise<StatefulSetSnapshot> {
  const short = (sts.status?.replicas ?? 0) < (sts.spec?.replicas ?? 1);
  const { needing, ...reads } = await readSet(rest, WorkloadKind.StatefulSet, sts, short, { opts, limits });
  const waiting = needing.filter((p) => p.status?.phase !== 'Running');
  const { claims, events } = await readClaims(rest, sts.metadata.namespace ?? '', waiting, limits);
  return { statefulSet: sts, ...reads, events: uniqueEvents([...reads.events, ...events]), claims };
}

/** The snapshot of a DaemonSet already read. */
export async function gatherDaemonSet(
  rest: Rest,
  ds: Named<wire.DaemonSet>,
  opts: GatherOptions = { timeline: false },
  limits: GatherLimits = DEFAULT_LIMITS,
): Promise<DaemonSetSnapshot> {
  const short = (ds.status?.currentNumberScheduled ?? 0) < (ds.status?.desiredNumberScheduled ?? 0);
  const { needing: _needing, ...reads } = await readSet(rest, WorkloadKind.DaemonSet, ds, short, { opts, limits });
  return { daemonSet: ds, ...reads };
}
