// The judgement of `kubectl paas diagnose` for a StatefulSet or a DaemonSet: one pure function of
// a snapshot (the set, its ControllerRevisions, its pods, their events, quotas, nodes, a
// StatefulSet's claims) to findings, most likely root cause first, as analyse.ts does for a
// Deployment. Every pod- and container-level cause is the Deployment's (pod-issues.ts, over every
// pod of the set: one that is not Ready holds the rollout back whatever its revision); on top,
// what is theirs (set-findings.ts). Rolled out as kubectl says it (plugin/kube/set-status.ts).
import { daemonSetCounts, daemonSetProgress, setRolledOut, statefulSetCounts, statefulSetProgress, type SetProgress } from '../kube/set-status.js';
import type { ReplicaCounts } from '../kube/deployment-status.js';
import { daemonSetRevision, isCurrentPod, ownedRevisions, podsOfSet, statefulSetRevision, undoTarget, type CurrentRevision } from '../kube/revisions.js';
import { selectorString } from '../kube/selector.js';
import { WorkloadKind } from '../kube/workloads.js';
import { pinnedNode } from './scheduling.js';
import type { RolloutContext } from './context.js';
import { setCreateFailureFindings } from './create-failures.js';
import {
  hasProblems,
  sampledNotes,
  timelineOf,
  verdictOf,
  warningCount,
  type DaemonSetDiagnosis,
  type DiagnosisBody,
  type StatefulSetDiagnosis,
} from './diagnosis.js';
import { time, toRecord, type EventRecord } from './events.js';
import { Code, Severity, type Finding } from './findings.js';
import type { DaemonSet, DaemonSetSnapshot, Node, Pod, StatefulSet, StatefulSetSnapshot, WorkloadObject } from './model.js';
import { eventsIndex, groupPodIssues, inPlay, livePodIssues, unexplainedWarnings, usedEvents } from './pod-findings.js';
import type { PodIssue } from './pod-issue.js';
import { healthy, stillStopping, stuckTerminating, waitingMinReady } from './rollout-findings.js';
import { blockingOrdinal, claimsPending, onDeleteOld, ordinalNotReady, setProgressing } from './set-findings.js';

/** What the judgement of either kind reads, once the kind's own facts are known. */
interface SetInput {
  kind: WorkloadKind;
  object: WorkloadObject;
  progress: SetProgress;
  counts: ReplicaCounts;
  current: CurrentRevision;
  /** The revision `rollout undo` goes back to, of its ControllerRevisions; none at a first revision. */
  undoTo: number | undefined;
  /** Every pod the set controls. */
  pods: Pod[];
  /** Pods it should have and has not created. */
  missing: number;
  strategy: string | undefined;
  ds?: DaemonSet;
  reads: {
    events: StatefulSetSnapshot['events'];
    quotas: StatefulSetSnapshot['quotas'];
    nodes?: Node[];
    logs?: StatefulSetSnapshot['logs'];
    sampled?: StatefulSetSnapshot['sampled'];
  };
}

function contextOf(i: SetInput, records: EventRecord[], now: number): RolloutContext {
  const w = i.object;
  return {
    ns: w.metadata.namespace ?? 'default',
    kind: i.kind,
    workload: w,
    now,
    eventsOf: eventsIndex(records),
    newPodNames: i.pods.map((p) => p.metadata.name),
    ...(i.current.hash ? { revisionHash: i.current.hash } : {}),
    ...(i.undoTo !== undefined ? { undoTo: i.undoTo } : {}),
    selector: selectorString(w.spec?.selector) ?? '',
    quotas: i.reads.quotas,
    pods: i.pods,
    logOf: (pod, container) => i.reads.logs?.find((l) => l.pod === pod && l.container === container),
  };
}

/** Rolled out as kubectl says it; OnDelete (which kubectl refuses to follow): every pod available. */
function rolledOutOf(i: SetInput): boolean {
  if (!('refused' in i.progress)) return setRolledOut(i.progress);
  const observed = (i.object.metadata.generation ?? 0) <= (observedOf(i) ?? 0);
  return observed && i.counts.available >= i.counts.desired && i.counts.ready >= i.counts.desired;
}

const observedOf = (i: SetInput): number | undefined => (i.object as { status?: { observedGeneration?: number } }).status?.observedGeneration;

/** A DaemonSet's unfit pods are one finding across nodes: every node its pods are pinned to. */
function withTargetNodes(f: Finding, pods: readonly Pod[]): Finding {
  if (f.code !== Code.DaemonPodUnschedulable) return f;
  const nodes = [...new Set(f.pods.flatMap((name) => pinnedNode(pods.find((p) => p.metadata.name === name)!) ?? []))].sort();
  return { ...f, details: { ...f.details, targetNodes: nodes } };
}

/** The first error a pod's issues name: what holds a StatefulSet's ordinal. */
function causeOf(issues: readonly { pod: string; issue: PodIssue }[]): (pod: string) => string | undefined {
  return (pod) => issues.find((i) => i.pod === pod && i.issue.severity === Severity.Error)?.issue.code;
}

/** Findings and verdict of either kind; `own` adds what only the kind has. */
function judge(
  i: SetInput,
  now: Date,
  own: (ctx: RolloutContext, issues: { pod: string; issue: PodIssue }[], records: EventRecord[]) => Finding[],
): DiagnosisBody {
  const records = i.reads.events.map(toRecord);
  const ctx = contextOf(i, records, now.getTime());
  const live = i.pods.filter((p) => !p.metadata.deletionTimestamp);
  const issues = livePodIssues(ctx, i.reads, live);
  const rolledOut = rolledOutOf(i);
  const old = live.filter((p) => !isCurrentPod(p, i.current, i.ds));
  const findings: Finding[] = [
    ...setCreateFailureFindings(ctx, i.missing, newestPodTime(i.pods)),
    ...groupPodIssues(ctx, issues, Math.max(live.filter(inPlay).length, i.counts.desired), { facts: { ns: ctx.ns }, noun: 'pods' }).map((f) =>
      withTargetNodes(f, i.pods),
    ),
    ...own(ctx, issues, records),
    ...[
      stuckTerminating(ctx, i.pods),
      stillStopping(ctx, i.pods),
      waitingMinReady(ctx, live),
      onDeleteOld(ctx, i.strategy, old, i.current.hash),
      unexplainedWarnings(ctx, records, live, usedEvents(issues), 'pods'),
    ].filter((f): f is Finding => f !== undefined),
  ];
  if (!hasProblems(findings, rolledOut) && rolledOut) {
    findings.push(healthy(ctx, { available: i.counts.available, desired: i.counts.desired, revision: i.current.number }, warningCount(findings)));
  } else if (!hasProblems(findings, rolledOut)) {
    const observed = !('done' in i.progress) || i.progress.done || i.progress.step !== 'GenerationNotObserved';
    findings.push(setProgressing(ctx, i.counts, observed, waitingOnOf(i)));
  }
  return {
    verdict: verdictOf(findings, rolledOut),
    replicas: { desired: i.counts.desired, updated: i.counts.updated, ready: i.counts.ready, available: i.counts.available, old: i.counts.oldPending },
    findings,
    timeline: timelineOf(records),
    notes: sampledNotes(i.reads.sampled),
  };
}

/** The pod a rolling StatefulSet waits on, for the Progressing finding. */
function waitingOnOf(i: SetInput): string | undefined {
  if (i.kind !== WorkloadKind.StatefulSet) return undefined;
  return blockingOrdinal(i.object, i.pods)?.pod.metadata.name;
}

/** When the set last made a pod: a refusal seen before it was overcome. */
function newestPodTime(pods: readonly Pod[]): number {
  return Math.max(0, ...pods.map((p) => time(p.metadata.creationTimestamp)));
}

/** Names what is wrong with a StatefulSet's rollout, most likely root cause first. Pure. */
export function diagnoseStatefulSet(s: StatefulSetSnapshot, now: Date): StatefulSetDiagnosis {
  const sts = s.statefulSet;
  const pods = podsOfSet(WorkloadKind.StatefulSet, sts, s.pods);
  const current = statefulSetRevision(sts, s.revisions);
  const counts = statefulSetCounts(sts);
  const input: SetInput = {
    kind: WorkloadKind.StatefulSet,
    object: sts,
    progress: statefulSetProgress(sts),
    counts,
    current,
    undoTo: undoTarget(ownedRevisions(WorkloadKind.StatefulSet, sts, s.revisions).map((r) => r.revision)),
    pods,
    missing: counts.desired - (sts.status?.replicas ?? 0),
    strategy: sts.spec?.updateStrategy?.type,
    reads: s,
  };
  const body = judge(input, now, (ctx, issues) =>
    [claimsPending(ctx, sts, s.claims), rolledOutOf(input) ? undefined : ordinalNotReady(ctx, sts, pods, causeOf(issues))].filter(
      (f): f is Finding => f !== undefined,
    ),
  );
  return { statefulSet: statefulSetFacts(sts, current), ...body };
}

/** The StatefulSet's facts of the document. */
function statefulSetFacts(sts: StatefulSet, current: CurrentRevision): StatefulSetDiagnosis['statefulSet'] {
  const partition = sts.spec?.updateStrategy?.rollingUpdate?.partition;
  const st = sts.status ?? {};
  return {
    namespace: sts.metadata.namespace ?? 'default',
    name: sts.metadata.name,
    ...(sts.metadata.generation !== undefined ? { generation: sts.metadata.generation } : {}),
    ...(st.observedGeneration !== undefined ? { observedGeneration: st.observedGeneration } : {}),
    ...(current.number !== undefined ? { revision: current.number } : {}),
    ...(st.currentRevision ? { currentRevision: st.currentRevision } : {}),
    ...(st.updateRevision ? { updateRevision: st.updateRevision } : {}),
    updateStrategy: sts.spec?.updateStrategy?.type ?? 'RollingUpdate',
    ...(partition !== undefined ? { partition } : {}),
    podManagementPolicy: sts.spec?.podManagementPolicy ?? 'OrderedReady',
  };
}

/** Names what is wrong with a DaemonSet's rollout, most likely root cause first. Pure. */
export function diagnoseDaemonSet(s: DaemonSetSnapshot, now: Date): DaemonSetDiagnosis {
  const ds = s.daemonSet;
  const current = daemonSetRevision(ds, s.revisions);
  const st = ds.status ?? {};
  const body = judge(
    {
      kind: WorkloadKind.DaemonSet,
      object: ds,
      progress: daemonSetProgress(ds),
      counts: daemonSetCounts(ds),
      current,
      undoTo: undoTarget(ownedRevisions(WorkloadKind.DaemonSet, ds, s.revisions).map((r) => r.revision)),
      pods: podsOfSet(WorkloadKind.DaemonSet, ds, s.pods),
      missing: (st.desiredNumberScheduled ?? 0) - (st.currentNumberScheduled ?? 0),
      strategy: ds.spec?.updateStrategy?.type,
      ds,
      reads: s,
    },
    now,
    () => [],
  );
  return {
    daemonSet: {
      namespace: ds.metadata.namespace ?? 'default',
      name: ds.metadata.name,
      ...(ds.metadata.generation !== undefined ? { generation: ds.metadata.generation } : {}),
      ...(st.observedGeneration !== undefined ? { observedGeneration: st.observedGeneration } : {}),
      ...(current.number !== undefined ? { revision: current.number } : {}),
      ...(current.hash ? { updateRevision: current.hash } : {}),
      updateStrategy: ds.spec?.updateStrategy?.type ?? 'RollingUpdate',
    },
    ...body,
  };
}
