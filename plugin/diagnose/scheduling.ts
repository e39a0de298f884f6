// Detection of a new pod the scheduler cannot place, with what it takes to place it: the pod's
// requests against the nodes' allocatable figures, and the scheduler's reasons. Pure.
import { EventReason } from '../kube/event-reasons.js';
import { ConditionType, ConditionStatus } from '../kube/objects.js';
import { newest, type RolloutContext } from './context.js';
import type { DetailsByCode, Exceeds, NodeFacts } from './details.js';
import type { EventRecord } from './events.js';
import { Code, Severity } from './findings.js';
import { parseQuantity, parseSchedulingMessage, type SchedulingReason } from './messages.js';
import type { Node, Pod, WorkloadObject } from './model.js';
import type { PodIssueOf } from './pod-issue.js';
import { spreadIssue } from './spread.js';

/** The scheduler's reason on PodScheduled=False for a pod no node fits. */
const UNSCHEDULABLE = 'Unschedulable';

/** A pod the scheduler marked Unschedulable, with its reasons and, when read, the nodes; one a
 * DoNotSchedule topology spread holds back is that finding instead (spread.ts). */
export function unschedulableIssue(
  ctx: RolloutContext,
  pod: Pod,
  events: EventRecord[],
  nodes: Node[] | undefined,
): PodIssueOf<'Unschedulable' | 'TopologySpreadUnsatisfiable'> | undefined {
  const cond = pod.status?.conditions?.find((c) => c.type === ConditionType.PodScheduled && c.status === ConditionStatus.False);
  if (!cond || (cond.reason && cond.reason !== UNSCHEDULABLE)) return undefined;
  const failed = events.filter((e) => e.reason === EventReason.FailedScheduling);
  const message = newest(failed)?.message ?? cond.message ?? '';
  const parsed = parseSchedulingMessage(message);
  if (parsed?.reasons.some((r) => r.kind === 'topology-spread')) {
    const spread = spreadIssue(ctx, pod, { message, parsed, events: failed }, nodes);
    if (spread) return spread;
  }
  return plainUnschedulable(ctx, message, parsed, nodes, failed);
}

/** The Unschedulable finding itself: the scheduler's words, the pod's requests against the nodes
 * read, and whether any node could ever hold it. */
function plainUnschedulable(
  ctx: RolloutContext,
  message: string,
  parsed: ReturnType<typeof parseSchedulingMessage>,
  nodes: Node[] | undefined,
  failed: EventRecord[],
): PodIssueOf<'Unschedulable'> {
  const requests = podRequests(ctx.workload);
  const details: DetailsByCode['Unschedulable'] = {
    schedulerMessage: message,
    ...(parsed ? { nodesAvailable: parsed.available, nodesTotal: parsed.total, reasons: parsed.reasons } : {}),
    podRequests: requests,
  };
  if (nodes) details.nodes = nodeFacts(nodes);
  const fits = nodes ? largestFit(requests, nodes) : [];
  if (fits.length > 0) details.exceedsEveryNode = fits;
  const kinds =
    parsed?.reasons
      .map((r) => r.kind)
      .sort()
      .join('+') ?? 'unknown';
  const label = parsed?.reasons.length
    ? `Pending: ${parsed.available}/${parsed.total} nodes are available (${reasonWords(parsed.reasons)})`
    : `Pending: ${message || 'unschedulable'}`;
  return { code: Code.Unschedulable, key: kinds, label, severity: Severity.Error, details, events: failed };
}

/** The scheduler's reasons as it words them: "1 Insufficient cpu, 4 node(s) didn't match …", a
 * PreFilter one (about the pod, so every node's) without a count. */
function reasonWords(reasons: readonly SchedulingReason[]): string {
  return reasons.map((r) => (r.preFilter ? r.reason : `${r.count} ${r.reason}`)).join(', ');
}

/** The node a DaemonSet's pod is pinned to: its controller's required node affinity,
 * `matchFields: [{key: metadata.name, operator: In, values: [node]}]`. */
export function pinnedNode(pod: Pod): string | undefined {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) {
    const f = t.matchFields?.find((m) => m.key === 'metadata.name' && m.operator === 'In' && m.values?.length === 1);
    if (f) return f.values![0];
  }
  return undefined;
}

/** A DaemonSet's pod the scheduler cannot place: it may only go to the node it is pinned to, so the
 * other nodes' "didn't match node affinity" is no reason; what is left is why that node does not
 * fit, and whether it ever can (the Unschedulable judgement, over that one node). */
export function daemonPodIssue(issue: PodIssueOf<'Unschedulable'>, pod: Pod, nodes: Node[] | undefined): PodIssueOf<'DaemonPodUnschedulable'> {
  const d = issue.details;
  const target = pinnedNode(pod) ?? pod.spec?.nodeName;
  const reasons = d.reasons?.filter((r) => r.kind !== 'affinity');
  const words = reasons?.length ? reasonWords(reasons) : d.schedulerMessage || 'unschedulable';
  const own = nodes?.filter((n) => n.metadata.name === target);
  const facts = own ? nodeFacts(own) : undefined;
  const never = own ? largestFit(d.podRequests, own) : [];
  return {
    code: Code.DaemonPodUnschedulable,
    // Pods that can never fit on their nodes are told apart from pods that need room made.
    key: [...(reasons ?? []).map((r) => r.kind).sort(), ...(never.length ? ['exceeds-node'] : [])].join('+'),
    label: `Pending: does not fit on its node${target ? ` ${target}` : ''} (${words})`,
    severity: Severity.Error,
    details: {
      targetNodes: target ? [target] : [],
      schedulerMessage: d.schedulerMessage,
      ...(d.nodesAvailable !== undefined ? { nodesAvailable: d.nodesAvailable, nodesTotal: d.nodesTotal } : {}),
      ...(reasons ? { reasons } : {}),
      podRequests: d.podRequests,
      ...(facts?.length ? { nodes: facts } : {}),
      ...(never.length ? { exceedsEveryNode: never } : {}),
    },
    events: issue.events,
  };
}

/** Sum of the pod template's container requests (cpu, memory), init containers' max counted as the scheduler does. */
function podRequests(workload: WorkloadObject): Record<string, string> {
  const spec = workload.spec?.template?.spec;
  const sums: Record<string, number> = {};
  for (const c of spec?.containers ?? []) {
    for (const [r, n] of quantities(c.resources?.requests)) sums[r] = (sums[r] ?? 0) + n;
  }
  for (const c of spec?.initContainers ?? []) {
    for (const [r, n] of quantities(c.resources?.requests)) if (n > (sums[r] ?? 0)) sums[r] = n;
  }
  const out: Record<string, string> = {};
  for (const [r, n] of Object.entries(sums)) out[r] = formatQuantity(r, n);
  return out;
}

/** The parsable quantities of a resource list. */
function quantities(list: Record<string, string> | undefined): [string, number][] {
  return Object.entries(list ?? {}).flatMap(([r, q]) => {
    const n = parseQuantity(q);
    return n === undefined ? [] : [[r, n] as [string, number]];
  });
}

function formatQuantity(resource: string, n: number): string {
  if (resource === 'cpu') return n < 1 ? `${Math.round(n * 1000)}m` : `${Math.round(n * 1000) / 1000}`;
  if (n >= 2 ** 30 && n % 2 ** 30 === 0) return `${n / 2 ** 30}Gi`;
  if (n >= 2 ** 20 && n % 2 ** 20 === 0) return `${n / 2 ** 20}Mi`;
  return String(n);
}

function nodeFacts(nodes: Node[]): NodeFacts[] {
  return nodes.map((n) => ({
    name: n.metadata.name,
    allocatable: { cpu: n.status?.allocatable?.cpu ?? null, memory: n.status?.allocatable?.memory ?? null, pods: n.status?.allocatable?.pods ?? null },
    taints: (n.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
    unschedulable: n.spec?.unschedulable === true,
  }));
}

/** Resources the pod asks more of than any of `nodes` can allocate at all: it can never fit there,
 * whatever else runs (every node for a Deployment's or StatefulSet's pod, its own for a DaemonSet's). */
function largestFit(requests: Record<string, string>, nodes: Node[]): Exceeds[] {
  const out: Exceeds[] = [];
  for (const [r, q] of Object.entries(requests)) {
    const want = parseQuantity(q);
    let best: { n: number; text: string } | undefined;
    for (const node of nodes) {
      const text = node.status?.allocatable?.[r];
      const a = parseQuantity(text);
      if (a !== undefined && text !== undefined && (best === undefined || a > best.n)) best = { n: a, text };
    }
    if (want !== undefined && best !== undefined && want > best.n) out.push({ resource: r, requested: q, largestAllocatable: best.text });
  }
  return out;
}
