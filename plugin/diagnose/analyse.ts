// The judgement of `kubectl paas diagnose`: one pure function from a snapshot of a Deployment,
// its ReplicaSets, pods, events, quotas (and nodes) to findings, most likely root cause first.
// No client, no clock: `now` is passed in. Detection lives in pod-issues.ts (each new pod),
// create-failures.ts (the new ReplicaSet) and rollout-findings.ts (the Deployment); the prose in
// explain.ts, the commands in commands.ts; this module gathers them into the Diagnosis.
import { isRolledOut, replicaCounts } from '../kube/deployment-status.js';
import { deployIdOf, podsOfReplicaSet, revisionOf, splitReplicaSets } from '../kube/replica-sets.js';
import { selectorString } from '../kube/selector.js';
import { describePod, podIssueCommands } from './commands.js';
import type { RolloutContext } from './context.js';
import { createFailureFindings } from './create-failures.js';
import { dedupe, time, toRecord, type EventRecord } from './events.js';
import { EXPLAIN_UNEXPLAINED_WARNINGS, explainPodIssue } from './explain.js';
import { EventType } from '../kube/event-reasons.js';
import { Code, compareFindings, finding, Severity, Verdict, type Finding } from './findings.js';
import type { Pod, Snapshot } from './model.js';
import type { PodIssue } from './pod-issue.js';
import { podIssues } from './pod-issues.js';
import { preStopHookFailed } from './hook-findings.js';
import { drainBlocked, singleReplica } from './drain-findings.js';
import { deadlineExceeded, healthy, paused, progressing, stillStopping, stuckTerminating, superseded, waitingMinReady } from './rollout-findings.js';
import { podSignature } from './sampling.js';

export { formatSeconds } from './format.js';

/** A line of the `--events` timeline. */
export interface TimelineEntry {
  firstSeen?: string;
  lastSeen?: string;
  type: string;
  object: string;
  reason: string;
  count: number;
  message: string;
}

/** The result of diagnose: the verdict, the rollout's figures, findings and the event timeline. */
export interface Diagnosis {
  deployment: {
    namespace: string;
    name: string;
    generation?: number;
    observedGeneration?: number;
    revision?: number;
    deployId?: string;
    newReplicaSet?: string;
    paused: boolean;
  };
  verdict: Verdict;
  replicas: { desired: number; updated: number; ready: number; available: number; old: number };
  /** Seconds until the rollout likely completes, when it is progressing at a measurable pace. */
  estimatedSecondsLeft?: number;
  findings: Finding[];
  timeline: TimelineEntry[];
  /** Limits of what was read (events of only some pods of a very large Deployment). */
  notes: string[];
}

/** Names what is wrong with a Deployment's rollout, most likely root cause first. Pure. */
export function diagnose(s: Snapshot, now: Date): Diagnosis {
  const records = s.events.map(toRecord);
  const rollout = rolloutOf(s);
  const ctx = contextOf(s, records, rollout.newPods, now.getTime());
  const counts = replicaCounts(s.deployment);
  const replicas = {
    desired: counts.desired,
    updated: counts.updated,
    ready: counts.ready,
    available: counts.available,
    old: rollout.oldRSs.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0),
  };
  const rolledOut = isRolledOut(s.deployment);
  const live = rollout.newPods.filter((p) => !p.metadata.deletionTimestamp);
  const issues = newPodIssues(ctx, s, live);
  const blocked = drainBlocked(ctx, s);
  const findings: Finding[] = [
    ...createFailureFindings(ctx, rollout.newRS),
    ...groupPodIssues(ctx, issues, Math.max(live.filter(inPlay).length, rollout.newRS?.spec?.replicas ?? 0)),
    ...blocked,
    ...present(
      preStopHookFailed(ctx, records, s.replicaSets),
      stuckTerminating(ctx, s.pods),
      stillStopping(ctx, s.pods),
      waitingMinReady(ctx, live),
      paused(ctx, rolledOut),
      deadlineExceeded(ctx),
      superseded(ctx, rollout, rollout.oldPods),
      singleReplica(ctx, s, blocked),
      unexplainedWarnings(ctx, records, live, new Set(issues.flatMap((i) => i.issue.events))),
    ),
  ];
  const errors = findings.some((f) => f.severity === Severity.Error);
  const warnings = findings.filter((f) => f.severity === Severity.Warning).length;
  // Rolled out with nothing blocking: healthy, and the warnings say what still needs a look (a
  // liveness probe that cannot run, a container running again after exiting).
  const problems = errors || (warnings > 0 && !rolledOut);
  let estimatedSecondsLeft: number | undefined;
  if (!problems && rolledOut) findings.push(healthy(ctx, replicas.available, replicas.desired, warnings));
  else if (!problems) {
    const p = progressing(ctx, rollout.newRS, replicas);
    findings.push(p.finding);
    estimatedSecondsLeft = p.estimatedSecondsLeft;
  }
  findings.sort(compareFindings);
  return {
    deployment: deploymentFacts(s, ctx, rollout.newRS?.metadata.name),
    verdict: problems ? Verdict.Problems : rolledOut ? Verdict.Healthy : Verdict.Progressing,
    replicas,
    ...(estimatedSecondsLeft !== undefined ? { estimatedSecondsLeft } : {}),
    findings,
    timeline: timelineOf(records),
    notes: s.sampled
      ? [
          `events read for ${s.sampled.pods.length} of the ${s.sampled.of} pods that need a look (a few of each kind); the others share their findings, and evidence counts cover the pods read`,
        ]
      : [],
  };
}

/** A pod still part of the rollout: not finished for good (evicted and completed pods linger). */
const inPlay = (p: Pod): boolean => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

const present = (...fs: (Finding | undefined)[]): Finding[] => fs.filter((f): f is Finding => f !== undefined);

/** The new ReplicaSet, the old ones, and their pods. */
function rolloutOf(s: Snapshot) {
  const newRS = splitReplicaSets(s.deployment, s.replicaSets).newRS;
  const oldRSs = s.replicaSets.filter((r) => r !== newRS);
  const newPods = newRS ? podsOfReplicaSet(newRS, s.pods) : [];
  return { newRS, oldRSs, newPods, oldPods: s.pods.filter((p) => !newPods.includes(p)) };
}

function contextOf(s: Snapshot, records: EventRecord[], newPods: Pod[], now: number): RolloutContext {
  const dep = s.deployment;
  const byObject = new Map<string, EventRecord[]>();
  for (const r of records) {
    const k = `${r.kind}/${r.name}`;
    byObject.set(k, [...(byObject.get(k) ?? []), r]);
  }
  const newRS = splitReplicaSets(dep, s.replicaSets).newRS;
  const deployId = newRS ? deployIdOf(newRS) : deployIdOf(dep);
  return {
    ns: dep.metadata.namespace ?? 'default',
    dep,
    now,
    eventsOf: (kind, name, uid) => (byObject.get(`${kind}/${name}`) ?? []).filter((r) => !uid || !r.uid || r.uid === uid),
    newPodNames: newPods.map((p) => p.metadata.name),
    ...(deployId ? { deployId } : {}),
    selector: selectorString(dep.spec?.selector) ?? '',
    quotas: s.quotas,
    pods: s.pods,
    logOf: (pod, container) => s.logs?.find((l) => l.pod === pod && l.container === container),
  };
}

/** Each live new pod's issues. A pod whose events were not read (sampling) shares the issues of a
 * read pod whose status looks alike. */
function newPodIssues(ctx: RolloutContext, s: Snapshot, live: Pod[]): { pod: string; issue: PodIssue }[] {
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

/** Pods with the same problem are one finding: "3/3 new pods: ImagePullBackOff (manifest unknown)". */
function groupPodIssues(ctx: RolloutContext, issues: { pod: string; issue: PodIssue }[], total: number): Finding[] {
  const groups = new Map<string, { issue: PodIssue; pods: string[]; events: EventRecord[] }>();
  for (const { pod, issue } of issues) {
    const k = `${issue.code}\u0000${issue.key}`;
    const g = groups.get(k) ?? { issue, pods: [], events: [] };
    if (!g.pods.includes(pod)) g.pods.push(pod);
    g.events.push(...issue.events);
    groups.set(k, g);
  }
  const facts = { ns: ctx.ns, maxSurge: ctx.dep.spec?.strategy?.rollingUpdate?.maxSurge ?? '25%' };
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
      summary: pods.length > total ? `${pods.length} new pods: ${issue.label}` : `${pods.length}/${total} new pods: ${issue.label}`,
      explanation: explainPodIssue(issue, facts),
      evidence: dedupe(events, ctx.newPodNames),
      pods,
      suggestions: [describePod(ctx, pods[0]!), ...podIssueCommands(ctx, issue)],
    });
  });
}

function deploymentFacts(s: Snapshot, ctx: RolloutContext, newReplicaSet: string | undefined): Diagnosis['deployment'] {
  const dep = s.deployment;
  const revision = revisionOf(dep);
  return {
    namespace: ctx.ns,
    name: dep.metadata.name,
    ...(dep.metadata.generation !== undefined ? { generation: dep.metadata.generation } : {}),
    ...(dep.status?.observedGeneration !== undefined ? { observedGeneration: dep.status.observedGeneration } : {}),
    ...(revision !== undefined ? { revision } : {}),
    ...(ctx.deployId ? { deployId: ctx.deployId } : {}),
    ...(newReplicaSet ? { newReplicaSet } : {}),
    paused: dep.spec?.paused === true,
  };
}

/** Every event read, oldest first: the --events timeline. */
function timelineOf(records: EventRecord[]): TimelineEntry[] {
  return records
    .map((r) => ({
      ...(r.firstSeen ? { firstSeen: r.firstSeen } : {}),
      ...(r.lastSeen ? { lastSeen: r.lastSeen } : {}),
      type: r.type,
      object: `${r.kind}/${r.name}`,
      reason: r.reason,
      count: r.count,
      message: r.message,
    }))
    .sort((a, b) => time(a.firstSeen) - time(b.firstSeen) || time(a.lastSeen) - time(b.lastSeen) || a.object.localeCompare(b.object));
}

/** Probe failures of a pod that turned Ready since: the usual noise of a start (the app not
 * listening yet), explained by the pod being ready now. */
const STARTUP_NOISE = /^(Readiness|Startup) probe failed/;

/** The Warning events of the live new pods that no finding used as evidence: said, never dropped
 * (the kubelet's words may name what diagnose has no rule for). Info: the verdict stays. */
function unexplainedWarnings(ctx: RolloutContext, records: EventRecord[], live: Pod[], used: ReadonlySet<EventRecord>): Finding | undefined {
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
  return finding(
    Code.UnexplainedWarnings,
    { reasons },
    {
      severity: Severity.Info,
      summary: `${pods.length} new pod${pods.length === 1 ? '' : 's'}: warning events no finding explains (${reasons.join(', ')})`,
      explanation: EXPLAIN_UNEXPLAINED_WARNINGS,
      evidence,
      pods,
      suggestions: [describePod(ctx, pods[0]!)],
    },
  );
}
