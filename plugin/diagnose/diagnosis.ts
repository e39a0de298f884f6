// The shape of a diagnosis, whatever the workload: its verdict, replica figures, findings, event
// timeline and notes, beside the facts of the workload itself (a Deployment's, a StatefulSet's or
// a DaemonSet's, under a key of its own: the -o json document of one Deployment keeps its shape).
// And the steps every diagnosis takes alike: the verdict from the findings, the timeline, the
// notes. Pure.
import { WorkloadKind } from '../kube/workloads.js';
import { time, type EventRecord } from './events.js';
import { compareFindings, Severity, Verdict, type Finding } from './findings.js';

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

/** The Deployment diagnosed. */
export interface DeploymentFacts {
  namespace: string;
  name: string;
  generation?: number;
  observedGeneration?: number;
  revision?: number;
  deployId?: string;
  newReplicaSet?: string;
  paused: boolean;
}

/** The StatefulSet diagnosed: its revisions (ControllerRevision names) and how it updates. */
export interface StatefulSetFacts {
  namespace: string;
  name: string;
  generation?: number;
  observedGeneration?: number;
  /** The update revision's number (its ControllerRevision's), when read. */
  revision?: number;
  currentRevision?: string;
  updateRevision?: string;
  updateStrategy: string;
  partition?: number;
  podManagementPolicy: string;
}

/** The DaemonSet diagnosed: its current revision and how it updates. */
export interface DaemonSetFacts {
  namespace: string;
  name: string;
  generation?: number;
  observedGeneration?: number;
  /** The current ControllerRevision's number, when read. */
  revision?: number;
  /** Its controller-revision-hash, which up-to-date pods carry. */
  updateRevision?: string;
  updateStrategy: string;
}

/** What every diagnosis holds besides the workload's facts. */
export interface DiagnosisBody {
  verdict: Verdict;
  /** Pods: wanted, of the current template, Ready, available, and of an earlier template. */
  replicas: { desired: number; updated: number; ready: number; available: number; old: number };
  /** Seconds until the rollout likely completes, when it is progressing at a measurable pace. */
  estimatedSecondsLeft?: number;
  findings: Finding[];
  timeline: TimelineEntry[];
  /** Limits of what was read (events of only some pods of a very large workload). */
  notes: string[];
}

export type DeploymentDiagnosis = { deployment: DeploymentFacts } & DiagnosisBody;
export type StatefulSetDiagnosis = { statefulSet: StatefulSetFacts } & DiagnosisBody;
export type DaemonSetDiagnosis = { daemonSet: DaemonSetFacts } & DiagnosisBody;

/** The result of diagnose for one workload. */
export type Diagnosis = DeploymentDiagnosis | StatefulSetDiagnosis | DaemonSetDiagnosis;

/** The workload a diagnosis is about. */
export function subjectOf(d: Diagnosis): { kind: WorkloadKind; namespace: string; name: string } {
  if ('deployment' in d) return { kind: WorkloadKind.Deployment, namespace: d.deployment.namespace, name: d.deployment.name };
  if ('statefulSet' in d) return { kind: WorkloadKind.StatefulSet, namespace: d.statefulSet.namespace, name: d.statefulSet.name };
  return { kind: WorkloadKind.DaemonSet, namespace: d.daemonSet.namespace, name: d.daemonSet.name };
}

/** Whether the findings make problems: an error, or a warning while the rollout is not done (rolled
 * out with nothing blocking is healthy, and the warnings say what still needs a look). */
export function hasProblems(findings: readonly Finding[], rolledOut: boolean): boolean {
  const errors = findings.some((f) => f.severity === Severity.Error);
  const warnings = findings.some((f) => f.severity === Severity.Warning);
  return errors || (warnings && !rolledOut);
}

/** The warnings among the findings. */
export function warningCount(findings: readonly Finding[]): number {
  return findings.filter((f) => f.severity === Severity.Warning).length;
}

/** The verdict of findings (sorted in place, most likely root cause first). */
export function verdictOf(findings: Finding[], rolledOut: boolean): Verdict {
  findings.sort(compareFindings);
  return hasProblems(findings, rolledOut) ? Verdict.Problems : rolledOut ? Verdict.Healthy : Verdict.Progressing;
}

/** Every event read, oldest first: the --events timeline. */
export function timelineOf(records: readonly EventRecord[]): TimelineEntry[] {
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

/** The note of a sampled read (events of only some of the pods that need a look). */
export function sampledNotes(sampled: { pods: string[]; of: number } | undefined): string[] {
  return sampled
    ? [
        `events read for ${sampled.pods.length} of the ${sampled.of} pods that need a look (a few of each kind); the others share their findings, and evidence counts cover the pods read`,
      ]
    : [];
}
