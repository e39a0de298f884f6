// Detection from the pod's own state rather than one container's: held back by a scheduling gate,
// bound to a node that stopped answering, evicted by its kubelet, or running with every container
// ready while a readiness gate is not. Each was seen on the real node (test/fixtures/diagnose/real/).
// Pure.
import { EventReason } from '../kube/event-reasons.js';
import { ConditionStatus, ConditionType, timeText } from '../kube/objects.js';
import type { DetailsByCode } from './details.js';
import type { EventRecord } from './events.js';
import { Code, Severity } from './findings.js';
import type { Node, Pod } from './model.js';
import type { PodIssueOf } from './pod-issue.js';

/** PodScheduled=False with this reason: a gate in spec.schedulingGates holds the pod. */
const SCHEDULING_GATED = 'SchedulingGated';
/** status.reason of a pod the kubelet evicted. */
const EVICTED = 'Evicted';

/** A pod the scheduler may not look at yet: spec.schedulingGates still lists a gate. */
export function schedulingGatedIssue(pod: Pod): PodIssueOf<'SchedulingGated'> | undefined {
  const cond = pod.status?.conditions?.find((c) => c.type === ConditionType.PodScheduled && c.status === ConditionStatus.False);
  const gates = (pod.spec?.schedulingGates ?? []).map((g) => g.name);
  if (cond?.reason !== SCHEDULING_GATED && gates.length === 0) return undefined;
  if (pod.spec?.nodeName) return undefined;
  const since = cond?.lastTransitionTime;
  return {
    code: Code.SchedulingGated,
    key: gates.join(','),
    label: `SchedulingGated (${gates.length > 0 ? gates.join(', ') : 'a scheduling gate'})`,
    severity: Severity.Error,
    details: { gates, since: since ? timeText(since) : null },
    events: [],
  };
}

/** The node's Ready condition as the node lifecycle controller and the kubelet left it. */
function readyCondition(node: Node) {
  return node.status?.conditions?.find((c) => c.type === ConditionType.Ready);
}

/** A pod bound to a node that is not Ready: its kubelet says so (False) or stopped answering (Unknown). */
export function nodeNotReadyIssue(pod: Pod, nodes: Node[] | undefined): PodIssueOf<'NodeNotReady'> | undefined {
  const name = pod.spec?.nodeName;
  const node = name ? nodes?.find((n) => n.metadata.name === name) : undefined;
  if (!name || !node) return undefined;
  const ready = readyCondition(node);
  if (ready?.status === ConditionStatus.True) return undefined;
  const details = nodeDetails(node, ready);
  return {
    code: Code.NodeNotReady,
    key: name,
    label: `on node ${name}, which is ${details.ready === ConditionStatus.Unknown ? 'not answering (Ready: Unknown)' : `not Ready (${details.reason ?? details.ready})`}`,
    severity: Severity.Error,
    details,
    events: [],
  };
}

function nodeDetails(node: Node, ready: ReturnType<typeof readyCondition>): DetailsByCode['NodeNotReady'] {
  const since = ready?.lastTransitionTime;
  return {
    node: node.metadata.name,
    ready: ready?.status ?? 'missing',
    reason: ready?.reason ?? null,
    message: ready?.message ?? null,
    since: since ? timeText(since) : null,
    taints: (node.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
  };
}

/** The resource an eviction message names: "ephemeral local storage", "memory", "ephemeral-storage"... */
function evictedResource(message: string): string | null {
  if (/ephemeral local storage|ephemeral-storage/i.test(message)) return 'ephemeral-storage';
  const m = /low on resource: ([\w.-]+)|resource ([\w.-]+)/i.exec(message);
  return m?.[1] ?? m?.[2] ?? null;
}

/** A pod its kubelet evicted (node pressure, or a container past its ephemeral-storage limit). */
export function evictedIssue(pod: Pod, events: EventRecord[]): PodIssueOf<'Evicted'> | undefined {
  if (pod.status?.reason !== EVICTED) return undefined;
  const message = pod.status.message?.trim() ?? '';
  const resource = evictedResource(message);
  return {
    code: Code.Evicted,
    key: resource ?? message,
    label: `Evicted${resource ? ` (${resource})` : ''}: ${message}`,
    severity: Severity.Error,
    details: { resource, message, node: pod.spec?.nodeName ?? null },
    events: events.filter((e) => e.reason === EventReason.Evicted),
  };
}

/** Every container ready, the pod not: a readiness gate's condition is False or not set at all. */
export function readinessGatesIssue(pod: Pod): PodIssueOf<'ReadinessGatesPending'> | undefined {
  const wanted = pod.spec?.readinessGates ?? [];
  const statuses = pod.status?.containerStatuses ?? [];
  if (wanted.length === 0 || statuses.length === 0 || !statuses.every((c) => c.ready)) return undefined;
  const conditions = pod.status?.conditions ?? [];
  const gates = wanted
    .map((g) => {
      const c = conditions.find((x) => x.type === g.conditionType);
      return {
        conditionType: g.conditionType,
        status: c?.status ?? 'missing',
        ...(c?.reason ? { reason: c.reason } : {}),
        ...(c?.message ? { message: c.message } : {}),
      };
    })
    .filter((g) => g.status !== ConditionStatus.True);
  if (gates.length === 0) return undefined;
  return {
    code: Code.ReadinessGatesPending,
    key: gates.map((g) => g.conditionType).join(','),
    label: `containers ready, pod not: readiness gate ${gates.map((g) => `${g.conditionType} ${g.status === 'missing' ? 'not set' : g.status}`).join(', ')}`,
    severity: Severity.Error,
    details: { gates },
    events: [],
  };
}
