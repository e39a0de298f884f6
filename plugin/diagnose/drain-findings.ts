// Detection around a node drain: pods of the Deployment on a cordoned node (spec.unschedulable:
// kubectl drain cordons first) that a PodDisruptionBudget keeps there (it allows 0 disruptions,
// so every eviction is refused), and the only replica on such a node (nothing keeps it, and
// nothing serves while it is replaced). A drain leaves no event of a refused eviction: the
// evidence is the node and the budget's own status. Pure.
import { BUDGET_MANAGED_BY, selectorMatches, type JsonValue } from '../../core/policy/index.js';
import { nsFlag, type RolloutContext } from './context.js';
import type { DetailsByCode } from './details.js';
import type { Evidence } from './findings.js';
import { Code, finding, Severity, type Finding } from './findings.js';
import { explainDrainBlocked, explainSingleReplica } from './explain.js';
import type { PodDisruptionBudget, Pod, Snapshot } from './model.js';

/** The Deployment's live pods on cordoned nodes (a pod being evicted already is on its way). */
function podsOnCordoned(s: Snapshot): Pod[] {
  const cordoned = new Set((s.cordoned ?? []).map((n) => n.metadata.name));
  return s.pods.filter((p) => !p.metadata.deletionTimestamp && cordoned.has(p.spec?.nodeName ?? ''));
}

const nodeEvidence = (nodes: string[]): Evidence => ({
  kind: 'Node',
  objects: nodes,
  reason: 'Cordoned',
  message: 'spec.unschedulable: true (kubectl cordon, or kubectl drain before its evictions)',
  count: nodes.length,
});

/** The budget's DisruptionAllowed condition, as the disruption controller wrote it. */
function budgetEvidence(b: PodDisruptionBudget, name: string): Evidence[] {
  const cond = b.status?.conditions?.find((c) => c.type === 'DisruptionAllowed');
  if (!cond) return [];
  return [{ kind: 'PodDisruptionBudget', objects: [name], reason: cond.reason ?? 'DisruptionAllowed', message: cond.message ?? '', type: 'Warning', count: 1 }];
}

const isOurs = (b: PodDisruptionBudget): boolean =>
  b.metadata?.labels?.[BUDGET_MANAGED_BY.key] === BUDGET_MANAGED_BY.value &&
  (b.metadata.ownerReferences ?? []).some((r) => r.kind === 'Deployment' && r.controller === true);

/** Each budget that allows no disruption while it protects pods of the Deployment on cordoned nodes. */
export function drainBlocked(ctx: RolloutContext, s: Snapshot): Finding[] {
  const stuck = podsOnCordoned(s);
  if (stuck.length === 0) return [];
  return (s.budgets ?? []).flatMap((b) => {
    const name = b.metadata?.name ?? '';
    if (b.status?.disruptionsAllowed !== 0) return [];
    const held = stuck.filter((p) => selectorMatches(b.spec?.selector as unknown as JsonValue | undefined, p.metadata.labels ?? {}));
    if (held.length === 0) return [];
    const pods = held.map((p) => p.metadata.name).sort();
    const nodes = [...new Set(held.map((p) => p.spec?.nodeName ?? ''))].sort();
    const st = b.status;
    const details: DetailsByCode['DrainBlocked'] = {
      nodes,
      budget: name,
      ours: isOurs(b),
      disruptionsAllowed: 0,
      currentHealthy: st.currentHealthy ?? null,
      desiredHealthy: st.desiredHealthy ?? null,
      expectedPods: st.expectedPods ?? null,
      minAvailable: b.spec?.minAvailable ?? null,
      maxUnavailable: b.spec?.maxUnavailable ?? null,
      unhealthyPodEvictionPolicy: b.spec?.unhealthyPodEvictionPolicy ?? null,
      protectedPods: pods,
    };
    return [
      finding(Code.DrainBlocked, details, {
        severity: Severity.Warning,
        summary: `drain of ${nodes.join(', ')} blocked: PodDisruptionBudget ${name} allows 0 disruptions (${st.currentHealthy ?? '?'}/${st.expectedPods ?? '?'} healthy, ${st.desiredHealthy ?? '?'} required), ${pods.length} pod(s) held`,
        explanation: explainDrainBlocked(details, ctx.workload.metadata.name),
        evidence: [nodeEvidence(nodes), ...budgetEvidence(b, name)],
        pods,
        suggestions: [`kubectl get pdb ${name} ${nsFlag(ctx)} -o yaml`, `kubectl get pods ${nsFlag(ctx)} -l ${ctx.selector} -o wide`],
      }),
    ];
  });
}

/** One replica, on a cordoned node: the drain takes it, and nothing serves until it is replaced. */
export function singleReplica(ctx: RolloutContext, s: Snapshot, blocked: readonly Finding[]): Finding | undefined {
  if ((s.deployment.spec?.replicas ?? 1) !== 1) return undefined;
  const [pod] = podsOnCordoned(s);
  // A budget that holds it already says more (the drain waits instead).
  if (!pod || blocked.some((f) => f.pods.includes(pod.metadata.name))) return undefined;
  const details = { node: pod.spec?.nodeName ?? '', pod: pod.metadata.name };
  return finding(Code.SingleReplica, details, {
    severity: Severity.Warning,
    summary: `1 replica, on cordoned node ${details.node}: a drain leaves its Service no ready pod until the replacement is ready`,
    explanation: explainSingleReplica(details),
    evidence: [nodeEvidence([details.node])],
    pods: [details.pod],
    suggestions: [`kubectl scale deployment/${ctx.workload.metadata.name} ${nsFlag(ctx)} --replicas=2`],
  });
}
