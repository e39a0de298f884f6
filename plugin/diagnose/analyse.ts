// The judgement of `kubectl paas diagnose` for a Deployment: one pure function from a snapshot of
// a Deployment, its ReplicaSets, pods, events, quotas (and nodes) to findings, most likely root
// cause first. No client, no clock: `now` is passed in. Detection lives in pod-issues.ts (each new
// pod, grouped by pod-findings.ts), create-failures.ts (the new ReplicaSet) and
// rollout-findings.ts (the Deployment); the prose in explain.ts, the commands in commands.ts;
// this module gathers them into the Diagnosis. StatefulSets and DaemonSets: analyse-sets.ts.
import { isRolledOut, replicaCounts } from '../kube/deployment-status.js';
import { deployIdOf, podsOfReplicaSet, revisionOf, splitReplicaSets } from '../kube/replica-sets.js';
import { undoTarget } from '../kube/revisions.js';
import { selectorString } from '../kube/selector.js';
import { WorkloadKind } from '../kube/workloads.js';
import type { RolloutContext } from './context.js';
import { createFailureFindings } from './create-failures.js';
import { toRecord, type EventRecord } from './events.js';
import { sampledNotes, timelineOf, verdictOf, warningCount, hasProblems, type DeploymentDiagnosis, type DeploymentFacts } from './diagnosis.js';
import type { Finding } from './findings.js';
import type { Pod, Snapshot } from './model.js';
import { eventsIndex, groupPodIssues, inPlay, livePodIssues, unexplainedWarnings, usedEvents } from './pod-findings.js';
import { preStopHookFailed } from './hook-findings.js';
import { drainBlocked, singleReplica } from './drain-findings.js';
import { deadlineExceeded, healthy, paused, progressing, stillStopping, stuckTerminating, superseded, waitingMinReady } from './rollout-findings.js';

export { formatSeconds } from './format.js';
export type { Diagnosis, DeploymentDiagnosis, TimelineEntry } from './diagnosis.js';

/** Names what is wrong with a Deployment's rollout, most likely root cause first. Pure. */
export function diagnose(s: Snapshot, now: Date): DeploymentDiagnosis {
  const records = s.events.map(toRecord);
  const rollout = rolloutOf(s);
  const ctx = contextOf(s, records, rollout.newPods, now.getTime());
  const dep = s.deployment;
  const counts = replicaCounts(dep);
  const replicas = {
    desired: counts.desired,
    updated: counts.updated,
    ready: counts.ready,
    available: counts.available,
    old: rollout.oldRSs.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0),
  };
  const rolledOut = isRolledOut(dep);
  const live = rollout.newPods.filter((p) => !p.metadata.deletionTimestamp);
  const issues = livePodIssues(ctx, s, live);
  const blocked = drainBlocked(ctx, s);
  const facts = { ns: ctx.ns, maxSurge: dep.spec?.strategy?.rollingUpdate?.maxSurge ?? '25%' };
  const findings: Finding[] = [
    ...createFailureFindings(ctx, dep, rollout.newRS),
    ...groupPodIssues(ctx, issues, Math.max(live.filter(inPlay).length, rollout.newRS?.spec?.replicas ?? 0), { facts, noun: 'new pods' }),
    ...blocked,
    ...present(
      preStopHookFailed(ctx, records, s.replicaSets),
      stuckTerminating(ctx, s.pods),
      stillStopping(ctx, s.pods),
      waitingMinReady(ctx, live),
      paused(ctx, dep, rolledOut),
      deadlineExceeded(ctx, dep),
      superseded(ctx, rollout, rollout.oldPods),
      singleReplica(ctx, s, blocked),
      unexplainedWarnings(ctx, records, live, usedEvents(issues), 'new pods'),
    ),
  ];
  let estimatedSecondsLeft: number | undefined;
  if (!hasProblems(findings, rolledOut) && rolledOut) {
    findings.push(healthy(ctx, { available: replicas.available, desired: replicas.desired, revision: revisionOf(dep) }, warningCount(findings)));
  } else if (!hasProblems(findings, rolledOut)) {
    const p = progressing(ctx, dep, rollout.newRS, replicas);
    findings.push(p.finding);
    estimatedSecondsLeft = p.estimatedSecondsLeft;
  }
  const verdict = verdictOf(findings, rolledOut);
  return {
    deployment: deploymentFacts(s, ctx, rollout.newRS?.metadata.name),
    verdict,
    replicas,
    ...(estimatedSecondsLeft !== undefined ? { estimatedSecondsLeft } : {}),
    findings,
    timeline: timelineOf(records),
    notes: sampledNotes(s.sampled),
  };
}

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
  const newRS = splitReplicaSets(dep, s.replicaSets).newRS;
  const deployId = newRS ? deployIdOf(newRS) : deployIdOf(dep);
  const undoTo = undoTarget(s.replicaSets.map(revisionOf));
  return {
    ns: dep.metadata.namespace ?? 'default',
    kind: WorkloadKind.Deployment,
    workload: dep,
    now,
    eventsOf: eventsIndex(records),
    newPodNames: newPods.map((p) => p.metadata.name),
    ...(deployId ? { deployId } : {}),
    ...(undoTo !== undefined ? { undoTo } : {}),
    selector: selectorString(dep.spec?.selector) ?? '',
    quotas: s.quotas,
    pods: s.pods,
    logOf: (pod, container) => s.logs?.find((l) => l.pod === pod && l.container === container),
  };
}

function deploymentFacts(s: Snapshot, ctx: RolloutContext, newReplicaSet: string | undefined): DeploymentFacts {
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
