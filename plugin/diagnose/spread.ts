// A new pod the scheduler leaves Pending because of a DoNotSchedule topology spread constraint
// ("didn't match pod topology spread constraints"): which constraint, and the skew, counted as the
// scheduler counts it over the nodes read (the pods of the Deployment that match the constraint's
// selector and matchLabelKeys, bound to a node, not terminating, per value of the topologyKey).
// The case that matters for node drains: the emptiest domain is a cordoned node, which still
// counts (nodeTaintsPolicy Ignore by default), so every other node would break maxSkew. Pure.
import { selectorMatches, type JsonValue } from '../../core/policy/index.js';
import { selectorString } from '../kube/selector.js';
import type { RolloutContext } from './context.js';
import type { DetailsByCode, SpreadConstraintFacts, SpreadDomain } from './details.js';
import type { EventRecord } from './events.js';
import { Code, Severity } from './findings.js';
import type { SchedulingFailure } from './messages.js';
import type { Node, Pod, TopologySpreadConstraint } from './model.js';
import type { PodIssueOf } from './pod-issue.js';

const DO_NOT_SCHEDULE = 'DoNotSchedule';
const HONOR = 'Honor';

/** The constraint with the API's defaults spelled out. */
function factsOf(c: TopologySpreadConstraint): SpreadConstraintFacts {
  return {
    topologyKey: c.topologyKey,
    maxSkew: c.maxSkew,
    whenUnsatisfiable: c.whenUnsatisfiable,
    labelSelector: c.labelSelector ? (selectorString(c.labelSelector) ?? '') : null,
    matchLabelKeys: c.matchLabelKeys ?? [],
    minDomains: c.minDomains ?? null,
    nodeAffinityPolicy: c.nodeAffinityPolicy ?? HONOR,
    nodeTaintsPolicy: c.nodeTaintsPolicy ?? 'Ignore',
  };
}

type Taint = NonNullable<NonNullable<Node['spec']>['taints']>[number];
type Toleration = { key?: string; operator?: string; value?: string; effect?: string };

/** Whether a toleration of the pod admits the taint (kubectl's and the scheduler's rule). */
function tolerated(taint: Taint, tolerations: readonly Toleration[]): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (!t.key) return t.operator === 'Exists';
    if (t.key !== taint.key) return false;
    return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
  });
}

/** Taints that keep new pods off a node (NoExecute too). */
const blocking = (n: Node, tolerations: readonly Toleration[]): Taint[] =>
  (n.spec?.taints ?? []).filter((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerated(t, tolerations));

/** The domains the scheduler weighs for the pod, with the Deployment's pods it counts in each. */
function domainsOf(c: SpreadConstraintFacts, raw: TopologySpreadConstraint, pod: Pod, pods: readonly Pod[], nodes: readonly Node[]): SpreadDomain[] {
  const tolerations = (pod.spec?.tolerations ?? []) as Toleration[];
  const selector = pod.spec?.nodeSelector ?? {};
  const eligible = nodes.filter((n) => {
    const labels = n.metadata.labels ?? {};
    if (!(c.topologyKey in labels)) return false;
    if (c.nodeAffinityPolicy === HONOR && !Object.entries(selector).every(([k, v]) => labels[k] === v)) return false;
    return c.nodeTaintsPolicy !== HONOR || blocking(n, tolerations).length === 0;
  });
  // matchLabelKeys: the pending pod's own values of those keys narrow the selector.
  const own = pod.metadata.labels ?? {};
  const counted = pods.filter((p) => {
    if (!p.spec?.nodeName || p.metadata.deletionTimestamp) return false;
    const labels = p.metadata.labels ?? {};
    return selectorMatches(raw.labelSelector as unknown as JsonValue | undefined, labels) && c.matchLabelKeys.every((k) => labels[k] === own[k]);
  });
  const byDomain = new Map<string, SpreadDomain>();
  for (const n of eligible) {
    const name = n.metadata.name;
    const domain = n.metadata.labels?.[c.topologyKey] ?? '';
    const d = byDomain.get(domain) ?? { domain, nodes: [], pods: 0, schedulable: false };
    d.nodes.push(name);
    d.pods += counted.filter((p) => p.spec?.nodeName === name).length;
    d.schedulable ||= !n.spec?.unschedulable && blocking(n, tolerations).length === 0;
    byDomain.set(domain, d);
  }
  return [...byDomain.values()].sort((a, b) => b.pods - a.pods || a.domain.localeCompare(b.domain));
}

/** The skew now, and the least one more pod would make where it may run (the scheduler refuses
 * when that is above maxSkew). Fewer domains than minDomains: the emptiest counts as 0. */
function skews(domains: readonly SpreadDomain[], minDomains: number | null): { skew: number | null; skewIfPlaced: number | null } {
  if (domains.length === 0) return { skew: null, skewIfPlaced: null };
  const counts = domains.map((d) => d.pods);
  const min = domains.length < (minDomains ?? 1) ? 0 : Math.min(...counts);
  const placed = domains.filter((d) => d.schedulable).map((d) => d.pods + 1 - min);
  return { skew: Math.max(...counts) - Math.min(...counts), skewIfPlaced: placed.length > 0 ? Math.min(...placed) : null };
}

/** "paas-node: 2 pods, paas-node-2: 0 (cordoned)". */
function domainsText(domains: readonly SpreadDomain[]): string {
  return domains.map((d) => `${d.domain}: ${d.pods}${d.schedulable ? '' : ' (takes no new pod)'}`).join(', ');
}

/**
 * The topology spread finding of a pod the scheduler refused for its spread, or undefined when
 * the template has no DoNotSchedule constraint (the scheduler's words alone then: Unschedulable).
 */
export function spreadIssue(
  ctx: RolloutContext,
  pod: Pod,
  sched: { message: string; parsed: SchedulingFailure | undefined; events: EventRecord[] },
  nodes: Node[] | undefined,
): PodIssueOf<'TopologySpreadUnsatisfiable'> | undefined {
  const raws = (pod.spec?.topologySpreadConstraints ?? ctx.workload.spec?.template?.spec?.topologySpreadConstraints ?? []).filter(
    (c) => c.whenUnsatisfiable === DO_NOT_SCHEDULE,
  );
  if (raws.length === 0) return undefined;
  const judged = raws.map((raw) => {
    const facts = factsOf(raw);
    const domains = nodes ? domainsOf(facts, raw, pod, ctx.pods, nodes) : [];
    return { facts, domains, ...skews(domains, facts.minDomains) };
  });
  // The constraint that cannot be met: no domain to go to, or every one past maxSkew.
  const j = judged.find((x) => x.skewIfPlaced === null || x.skewIfPlaced > x.facts.maxSkew) ?? judged[0]!;
  const { parsed } = sched;
  const details: DetailsByCode['TopologySpreadUnsatisfiable'] = {
    schedulerMessage: sched.message,
    ...(parsed ? { nodesAvailable: parsed.available, nodesTotal: parsed.total, reasons: parsed.reasons } : {}),
    constraint: j.facts,
    domains: j.domains,
    skew: j.skew,
    skewIfPlaced: j.skewIfPlaced,
  };
  const head = `Pending: topology spread across ${j.facts.topologyKey} (maxSkew ${j.facts.maxSkew}, DoNotSchedule)`;
  const label =
    j.domains.length === 0
      ? `${head} cannot be met`
      : j.skewIfPlaced === null
        ? `${head}: no domain takes a new pod (${domainsText(j.domains)})`
        : `${head}: skew ${j.skewIfPlaced} wherever it may go (${domainsText(j.domains)})`;
  return {
    code: Code.TopologySpreadUnsatisfiable,
    key: `${j.facts.topologyKey}|${j.skewIfPlaced ?? '-'}`,
    label,
    severity: Severity.Error,
    details,
    events: sched.events,
  };
}
