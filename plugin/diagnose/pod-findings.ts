// From pods to findings, for every kind of workload: each pod's issues (pod-issues.ts), a pod
// whose events were not read sharing those of a read pod that looks alike; pods with the same
// problem grouped into one finding ("3/3 new pods: ImagePullBackOff (manifest unknown)"), with the
// failing container's log where the cause is usually in the app's words; and the Warning events
// no finding explains. Pure.
import { EventType } from '../kube/event-reasons.js';
import { describePod, podIssueCommands } from './commands.js';
import type { RolloutContext } from './context.js';
import { dedupe, type EventRecord } from './events.js';
import { EXPLAIN_UNEXPLAINED_WARNINGS, explainPodIssue, type ExplainFacts } from './explain.js';
import { Code, finding, Severity, type Finding } from './findings.js';
import type { Node, Pod } from './model.js';
import type { PodIssue } from './pod-issue.js';
import { podIssues } from './pod-issues.js';
import { podSignature } from './sampling.js';

/** A pod still part of the rollout: not finished for good (evicted and completed pods linger). */
export const inPlay = (p: Pod): boolean => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

/** Each live pod's issues. A pod whose events were not read (sampling) shares the issues of a
 * read pod whose status looks alike. */
export function livePodIssues(ctx: RolloutContext, s: { sampled?: { pods: string[] }; nodes?: Node[] }, live: Pod[]): { pod: string; issue: PodIssue }[] {
  const sampled = s.sampled ? new Set(s.sampled.pods) : undefined;
  const bySignature = new Map<string, PodIssue[]>();
  const issuesOf = (p: Pod): PodIssue[] => {
    if (sampled && !sampled.has(p.metadata.name)) {
      const alike = bySignature.get(podSignature(p));
      if (alike) return alike.map((i) => ({ ...i, events: [] }));
    }
    const found = podIssues(ctx, p, s.nodes);
    if (!sampled || sampled.has(p.metadata.name)) bySignature.set(podSignature(p), found);
    return found;
  };
  const ordered = sampled ? [...live.filter((p) => sampled.has(p.metadata.name)), ...live.filter((p) => !sampled.has(p.metadata.name))] : live;
  return ordered.flatMap((p) => issuesOf(p).map((issue) => ({ pod: p.metadata.name, issue })));
}

/** The findings whose cause is usually in the app's own words: its log goes next to them. */
const LOG_CODES: ReadonlySet<string> = new Set([
  Code.CrashLoop,
  Code.OOMKilled,
  Code.StartFailed,
  Code.LivenessProbeKilling,
  Code.ReadinessProbeFailing,
  Code.UnknownWaitingReason,
]);

/** How the grouped findings are worded: the prose's facts, and what the pods are called ("new pods"
 * of a Deployment's new ReplicaSet, "pods" of a StatefulSet or DaemonSet, whose every pod counts). */
export interface GroupWords {
  facts: ExplainFacts;
  noun: string;
}

/** Pods with the same problem are one finding: "3/3 new pods: ImagePullBackOff (manifest unknown)". */
export function groupPodIssues(ctx: RolloutContext, issues: { pod: string; issue: PodIssue }[], total: number, words: GroupWords): Finding[] {
  const groups = new Map<string, { issue: PodIssue; pods: string[]; events: EventRecord[] }>();
  for (const { pod, issue } of issues) {
    const k = `${issue.code}\u0000${issue.key}`;
    const g = groups.get(k) ?? { issue, pods: [], events: [] };
    if (!g.pods.includes(pod)) g.pods.push(pod);
    g.events.push(...issue.events);
    groups.set(k, g);
  }
  return [...groups.values()].map(({ issue, pods, events }) => {
    pods.sort();
    // An empty log says nothing (a container the runtime never started has one): not shown.
    const log =
      LOG_CODES.has(issue.code) && issue.container
        ? pods.map((p) => ctx.logOf(p, issue.container!)).find((l) => l !== undefined && l.lines.length > 0)
        : undefined;
    return finding(issue.code, issue.details, {
      ...(log ? { logs: [log] } : {}),
      severity: issue.severity,
      // Evicted pods linger beside their replacements: more of them than the rollout's pods.
      summary: pods.length > total ? `${pods.length} ${words.noun}: ${issue.label}` : `${pods.length}/${total} ${words.noun}: ${issue.label}`,
      explanation: explainPodIssue(issue, words.facts),
      evidence: dedupe(events, ctx.newPodNames),
      pods,
      suggestions: [describePod(ctx, pods[0]!), ...podIssueCommands(ctx, issue)],
    });
  });
}

/** Probe failures of a pod that turned Ready since: the usual noise of a start (the app not
 * listening yet), explained by the pod being ready now. */
const STARTUP_NOISE = /^(Readiness|Startup) probe failed/;

/** The Warning events of the live pods that no finding used as evidence: said, never dropped
 * (the kubelet's words may name what diagnose has no rule for). Info: the verdict stays. */
export function unexplainedWarnings(
  ctx: RolloutContext,
  records: EventRecord[],
  live: Pod[],
  used: ReadonlySet<EventRecord>,
  noun: string,
): Finding | undefined {
  const ready = new Set(live.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((p) => p.metadata.name));
  const names = new Set(live.map((p) => p.metadata.name));
  const rest = records.filter(
    (r) => r.kind === 'Pod' && names.has(r.name) && r.type === EventType.Warning && !used.has(r) && !(ready.has(r.name) && STARTUP_NOISE.test(r.message)),
  );
  if (rest.length === 0) return undefined;
  const evidence = dedupe(rest, ctx.newPodNames);
  const byReason = new Map<string, number>();
  for (const r of rest) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + r.count);
  const reasons = [...byReason].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([r]) => r);
  const pods = [...new Set(rest.map((r) => r.name))].sort();
  // "1 new pod", "2 pods": the noun in the singular for one.
  const what = pods.length === 1 ? noun.replace(/s$/, '') : noun;
  return finding(
    Code.UnexplainedWarnings,
    { reasons },
    {
      severity: Severity.Info,
      summary: `${pods.length} ${what}: warning events no finding explains (${reasons.join(', ')})`,
      explanation: EXPLAIN_UNEXPLAINED_WARNINGS,
      evidence,
      pods,
      suggestions: [describePod(ctx, pods[0]!)],
    },
  );
}

/** The events the pod issues used as evidence (the rest may be unexplained warnings). */
export function usedEvents(issues: readonly { issue: PodIssue }[]): Set<EventRecord> {
  return new Set(issues.flatMap((i) => i.issue.events));
}

/** The context's event lookup: by kind and name, narrowed to the uid when both sides carry one. */
export function eventsIndex(records: readonly EventRecord[]): RolloutContext['eventsOf'] {
  const byObject = new Map<string, EventRecord[]>();
  for (const r of records) {
    const k = `${r.kind}/${r.name}`;
    byObject.set(k, [...(byObject.get(k) ?? []), r]);
  }
  return (kind, name, uid) => (byObject.get(`${kind}/${name}`) ?? []).filter((r) => !uid || !r.uid || r.uid === uid);
}
