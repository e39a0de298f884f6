// Detection at the Deployment: old pods that will not go, Ready pods waiting out minReadySeconds,
// a pause, an exceeded progress deadline, rollouts superseded mid-way, and, when nothing is wrong,
// how far the rollout is. Pure.
import { EventReason, EventType } from '../kube/event-reasons.js';
import { conditionOf, generationObserved, progressDeadline, ProgressingReason } from '../kube/deployment-status.js';
import { deployIdOf, revisionOf } from '../kube/replica-sets.js';
import { describePod, statusCommand, undoCommands, workloadArg } from './commands.js';
import { nsFlag, type RolloutContext } from './context.js';
import { fromCondition } from './create-failures.js';
import { dedupe, time } from './events.js';
import {
  EXPLAIN_HEALTHY,
  EXPLAIN_HEALTHY_WITH_WARNINGS,
  EXPLAIN_SUPERSEDED,
  explainDeadline,
  explainMinReady,
  explainPaused,
  explainProgressing,
  explainStillStopping,
  explainStuckTerminating,
} from './explain.js';
import { preStopHooks } from './hook-findings.js';
import { Code, finding, Severity, type Finding } from './findings.js';
import { formatSeconds } from './format.js';
import type { Deployment, Pod, ReplicaSet } from './model.js';
import { ConditionStatus, ConditionType, timeText } from '../kube/objects.js';

/** How long after its deletionTimestamp (already "now + grace period") a pod counts as stuck. */
const STUCK_TERMINATING_SLACK_S = 30;

/** Pods 30 s past their deletionTimestamp: finalizers or a node that does not answer hold them. */
export function stuckTerminating(ctx: RolloutContext, pods: Pod[]): Finding | undefined {
  const stuck = pods.filter((p) => {
    const del = time(p.metadata.deletionTimestamp);
    return del > 0 && ctx.now - del > STUCK_TERMINATING_SLACK_S * 1000;
  });
  if (stuck.length === 0) return undefined;
  const names = stuck.map((p) => p.metadata.name).sort();
  const details = {
    pods: names,
    finalizers: [...new Set(stuck.flatMap((p) => p.metadata.finalizers ?? []))],
    nodes: [...new Set(stuck.map((p) => p.spec?.nodeName).filter((n): n is string => !!n))],
  };
  const oldest = Math.min(...stuck.map((p) => time(p.metadata.deletionTimestamp)));
  const events = stuck
    .flatMap((p) => ctx.eventsOf('Pod', p.metadata.name, p.metadata.uid))
    .filter((e) => e.type === EventType.Warning || e.reason === EventReason.Killing);
  return finding(Code.OldPodsNotTerminating, details, {
    severity: Severity.Warning,
    summary: `${stuck.length} old pod(s) stuck terminating for ${Math.round((ctx.now - oldest) / 1000)}s past their grace period`,
    explanation: explainStuckTerminating(details),
    evidence: dedupe(events, names),
    pods: names,
    suggestions: [describePod(ctx, names[0]!), `kubectl get pod ${names[0]} ${nsFlag(ctx)} -o jsonpath='{.metadata.finalizers}'`],
  });
}

/** How long pods may take to stop before a drain counts as long (the policy's preStop is 5 s). */
const LONG_STOP_S = 60;

/** Old pods stopping for over a minute yet inside their grace period (a long preStop, a slow
 * exit): not stuck, but holding capacity; said so, with the time left. Info. */
export function stillStopping(ctx: RolloutContext, pods: Pod[]): Finding | undefined {
  const stopping = pods.flatMap((p) => {
    const del = time(p.metadata.deletionTimestamp);
    const grace = p.metadata.deletionGracePeriodSeconds ?? 0;
    const asked = del - grace * 1000;
    const inGrace = del > 0 && ctx.now - del <= STUCK_TERMINATING_SLACK_S * 1000;
    return inGrace && ctx.now - asked >= LONG_STOP_S * 1000 ? [{ pod: p, del, grace, asked }] : [];
  });
  if (stopping.length === 0) return undefined;
  const names = stopping.map((s) => s.pod.metadata.name).sort();
  const hooks = preStopHooks(stopping.flatMap((s) => s.pod.spec?.containers ?? []));
  const details = {
    pods: names,
    stoppingForSeconds: Math.round((ctx.now - Math.min(...stopping.map((s) => s.asked))) / 1000),
    gracePeriodSeconds: Math.max(...stopping.map((s) => s.grace)),
    secondsLeft: Math.max(0, Math.round((Math.max(...stopping.map((s) => s.del)) - ctx.now) / 1000)),
    hooks,
  };
  return finding(Code.OldPodsStillStopping, details, {
    severity: Severity.Info,
    summary: `${names.length} old pod(s) still stopping after ${details.stoppingForSeconds}s (grace period ${details.gracePeriodSeconds}s, ${details.secondsLeft}s left${hooks.length ? `; preStop ${hooks.map((h) => h.hook).join(', ')}` : ''})`,
    explanation: explainStillStopping(details),
    evidence: [],
    pods: names,
    suggestions: [describePod(ctx, names[0]!)],
  });
}

const readySince = (p: Pod): number | undefined => {
  const ready = p.status?.conditions?.find((c) => c.type === ConditionType.Ready && c.status === ConditionStatus.True);
  return ready ? time(ready.lastTransitionTime) : undefined;
};

/** New pods Ready for less than minReadySeconds: not available yet, and nothing wrong. */
export function waitingMinReady(ctx: RolloutContext, live: Pod[]): Finding | undefined {
  const minReady = ctx.workload.spec?.minReadySeconds ?? 0;
  if (minReady <= 0) return undefined;
  const waiting = live.filter((p) => {
    const since = readySince(p);
    return since !== undefined && ctx.now - since < minReady * 1000;
  });
  if (waiting.length === 0) return undefined;
  const newestReady = Math.max(...waiting.map((p) => time(p.status?.conditions?.find((c) => c.type === ConditionType.Ready)?.lastTransitionTime)));
  return finding(
    Code.WaitingMinReadySeconds,
    { minReadySeconds: minReady },
    {
      severity: Severity.Info,
      summary: `${waiting.length}/${live.length} new pods Ready, counted available after minReadySeconds ${minReady}`,
      explanation: explainMinReady(minReady, `${Math.round((ctx.now - newestReady) / 1000)}s`),
      evidence: [],
      pods: waiting.map((p) => p.metadata.name).sort(),
      suggestions: [statusCommand(ctx)],
    },
  );
}

/** spec.paused: a state once nothing is left to roll out, a stall mid-rollout. */
export function paused(ctx: RolloutContext, dep: Deployment, rolledOut: boolean): Finding | undefined {
  if (!dep.spec?.paused) return undefined;
  const cond = conditionOf(dep, ConditionType.Progressing);
  return finding(
    Code.Paused,
    { paused: true },
    {
      severity: rolledOut ? Severity.Info : Severity.Warning,
      summary: rolledOut ? 'paused (spec.paused: true), with nothing left to roll out' : 'the rollout is paused (spec.paused: true)',
      explanation: explainPaused(rolledOut),
      evidence: cond?.reason === ProgressingReason.DeploymentPaused ? [fromCondition('Deployment', dep.metadata.name, cond, cond.reason, 'Normal')] : [],
      pods: [],
      suggestions: [`kubectl rollout resume deployment/${dep.metadata.name} ${nsFlag(ctx)}`],
    },
  );
}

/** Progressing=False ProgressDeadlineExceeded: the controller gave up waiting. */
export function deadlineExceeded(ctx: RolloutContext, dep: Deployment): Finding | undefined {
  const progressing = conditionOf(dep, ConditionType.Progressing);
  if (progressing?.status !== ConditionStatus.False || progressing.reason !== ProgressingReason.ProgressDeadlineExceeded) return undefined;
  const pds = dep.spec?.progressDeadlineSeconds ?? 600;
  return finding(
    Code.ProgressDeadlineExceeded,
    { progressDeadlineSeconds: pds, since: progressing.lastTransitionTime ? timeText(progressing.lastTransitionTime) : null },
    {
      severity: Severity.Error,
      summary: `no progress for ${pds}s: the Deployment controller marked the rollout failed`,
      explanation: explainDeadline(pds),
      evidence: [fromCondition('Deployment', dep.metadata.name, progressing, ProgressingReason.ProgressDeadlineExceeded, 'Warning')],
      pods: [],
      suggestions: undoCommands(ctx),
    },
  );
}

/** Old ReplicaSets still holding pods, other than the one the rollout started from: rollouts that
 * a newer template replaced before they finished. */
export function superseded(ctx: RolloutContext, split: { newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }, oldPods: Pod[]): Finding | undefined {
  const withPods = split.oldRSs.filter((rs) => (rs.status?.replicas ?? 0) > 0);
  if (withPods.length < 2) return undefined;
  const stable = [...withPods].sort(
    (a, b) => (b.status?.availableReplicas ?? 0) - (a.status?.availableReplicas ?? 0) || (revisionOf(a) ?? 0) - (revisionOf(b) ?? 0),
  )[0]!;
  const replaced = withPods.filter((rs) => rs !== stable);
  const revs = replaced.map((rs) => `revision ${revisionOf(rs) ?? '?'}${deployIdOf(rs) ? ` (deploy-id ${deployIdOf(rs)})` : ''}`);
  return finding(
    Code.Superseded,
    { replicaSets: replaced.map((rs) => rs.metadata.name), newReplicaSet: split.newRS?.metadata.name ?? null },
    {
      severity: Severity.Info,
      summary: `${replaced.length} unfinished rollout(s) replaced by revision ${revisionOf(split.newRS) ?? '?'}: ${revs.join(', ')}`,
      explanation: EXPLAIN_SUPERSEDED,
      evidence: [],
      pods: oldPods
        .filter((p) => replaced.some((rs) => p.metadata.ownerReferences?.some((o) => o.uid === rs.metadata.uid)))
        .map((p) => p.metadata.name)
        .sort(),
      suggestions: [`kubectl rollout history ${workloadArg(ctx)} ${nsFlag(ctx)}`],
    },
  );
}

/** Every pod updated and available (`revision`: the workload's revision number, when known). */
export function healthy(ctx: RolloutContext, counts: { available: number; desired: number; revision: number | undefined }, warnings = 0): Finding {
  const { available, desired } = counts;
  return finding(
    Code.Healthy,
    {},
    {
      severity: Severity.Info,
      summary: `successfully rolled out: ${available}/${desired} pods available on revision ${counts.revision ?? '?'}`,
      explanation: warnings > 0 ? EXPLAIN_HEALTHY_WITH_WARNINGS : EXPLAIN_HEALTHY,
      evidence: [],
      pods: [],
      suggestions: [],
    },
  );
}

/** Nothing wrong and not finished: how far, how fast, and how far the deadline is. */
export function progressing(
  ctx: RolloutContext,
  dep: Deployment,
  newRS: ReplicaSet | undefined,
  replicas: { desired: number; old: number },
): { finding: Finding; estimatedSecondsLeft?: number } {
  const estimatedSecondsLeft = estimate(replicas.desired, newRS, ctx.now);
  const deadline = progressDeadline(dep, ctx.now)?.secondsLeft;
  const waitingFor = !generationObserved(dep)
    ? `waiting for the controller to observe generation ${dep.metadata.generation ?? 0}`
    : `${newRS?.status?.availableReplicas ?? 0}/${replicas.desired} new pods available, ${replicas.old} old pod(s) left`;
  const f = finding(
    Code.Progressing,
    { ...(estimatedSecondsLeft !== undefined ? { estimatedSecondsLeft } : {}), ...(deadline !== undefined ? { deadlineSecondsLeft: deadline } : {}) },
    {
      severity: Severity.Info,
      summary: `rolling out normally: ${waitingFor}${estimatedSecondsLeft !== undefined ? `, about ${formatSeconds(estimatedSecondsLeft)} left` : ''}`,
      explanation: explainProgressing(deadline !== undefined ? formatSeconds(deadline) : undefined),
      evidence: [],
      pods: [],
      suggestions: [statusCommand(ctx)],
    },
  );
  return { finding: f, ...(estimatedSecondsLeft !== undefined ? { estimatedSecondsLeft } : {}) };
}

/** Seconds left at the pace so far: time since the new ReplicaSet appeared per available new pod. */
function estimate(desired: number, newRS: ReplicaSet | undefined, now: number): number | undefined {
  const done = newRS?.status?.availableReplicas ?? 0;
  const started = time(newRS?.metadata.creationTimestamp);
  if (!newRS || done <= 0 || started <= 0 || done >= desired) return done >= desired && newRS ? 0 : undefined;
  const perPod = (now - started) / done;
  return Math.max(0, Math.round(((desired - done) * perPod) / 1000));
}
