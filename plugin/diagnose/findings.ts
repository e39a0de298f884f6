// The vocabulary of a diagnosis: stable finding codes (the -o json contract), severities, and the
// shapes of findings and evidence. Codes never change meaning; new ones may be added.
import type { DetailsByCode } from './details.js';
import type { ContainerLog } from './model.js';

/** Every cause diagnose can name. The order here is the root-cause precedence: earlier codes
 * explain later ones (a pod refused at admission never gets to pull its image). */
export const Code = {
  AdmissionDenied: 'AdmissionDenied',
  QuotaExceeded: 'QuotaExceeded',
  ServiceAccountMissing: 'ServiceAccountMissing',
  PriorityClassMissing: 'PriorityClassMissing',
  PodCreateFailed: 'PodCreateFailed',
  SchedulingGated: 'SchedulingGated',
  /** A StatefulSet's claim (of a volumeClaimTemplate) that does not bind: its pod waits for it. */
  VolumeClaimPending: 'VolumeClaimPending',
  Unschedulable: 'Unschedulable',
  TopologySpreadUnsatisfiable: 'TopologySpreadUnsatisfiable',
  /** A DaemonSet's pod, pinned to its node, does not fit there. */
  DaemonPodUnschedulable: 'DaemonPodUnschedulable',
  NodeNotReady: 'NodeNotReady',
  Evicted: 'Evicted',
  VolumeProblem: 'VolumeProblem',
  SandboxFailed: 'SandboxFailed',
  ImagePullFailed: 'ImagePullFailed',
  ConfigError: 'ConfigError',
  StartFailed: 'StartFailed',
  InitContainerFailing: 'InitContainerFailing',
  OOMKilled: 'OOMKilled',
  CrashLoop: 'CrashLoop',
  LivenessProbeKilling: 'LivenessProbeKilling',
  ReadinessProbeFailing: 'ReadinessProbeFailing',
  ProbeErrored: 'ProbeErrored',
  ReadinessGatesPending: 'ReadinessGatesPending',
  UnknownWaitingReason: 'UnknownWaitingReason',
  /** A StatefulSet waits on one ordinal that is not Ready: the pods after it wait too. */
  OrdinalNotReady: 'OrdinalNotReady',
  PreStopHookFailed: 'PreStopHookFailed',
  OldPodsNotTerminating: 'OldPodsNotTerminating',
  OldPodsStillStopping: 'OldPodsStillStopping',
  Paused: 'Paused',
  /** A StatefulSet or DaemonSet with updateStrategy OnDelete: pods of the previous template stay until deleted. */
  UpdateOnDelete: 'UpdateOnDelete',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  WaitingMinReadySeconds: 'WaitingMinReadySeconds',
  Superseded: 'Superseded',
  DrainBlocked: 'DrainBlocked',
  SingleReplica: 'SingleReplica',
  Progressing: 'Progressing',
  Healthy: 'Healthy',
  /** Last: what no rule explains comes after the verdict's own finding. */
  UnexplainedWarnings: 'UnexplainedWarnings',
} as const;
export type Code = (typeof Code)[keyof typeof Code];

const PRECEDENCE: readonly Code[] = Object.values(Code);

/** error: blocks the rollout; warning: needs attention; info: nothing wrong. */
export const Severity = { Error: 'error', Warning: 'warning', Info: 'info' } as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** The overall verdict; decides the exit code (Problems → 1). */
export const Verdict = { Healthy: 'Healthy', Progressing: 'Progressing', Problems: 'Problems' } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** One deduplicated event or condition backing a finding. */
export interface Evidence {
  /** "Pod", "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "PersistentVolumeClaim", "Node" or "PodDisruptionBudget". */
  kind: string;
  /** The objects it was seen on (several pods when deduplicated). */
  objects: string[];
  reason: string;
  message: string;
  type?: string;
  /** Summed over the objects. */
  count: number;
  firstSeen?: string;
  lastSeen?: string;
}

/** The parts of a finding besides its code and details. */
export interface FindingBody {
  severity: Severity;
  /** One line: "3/3 new pods: ImagePullBackOff (manifest unknown)". */
  summary: string;
  /** What it means and what to do, in a sentence or three. */
  explanation: string;
  evidence: Evidence[];
  /** The end of the failing container's log (the run that failed), when one was read. */
  logs?: ContainerLog[];
  /** Names of the pods affected. */
  pods: string[];
  /** Next commands to run, ready to paste. */
  suggestions: string[];
}

/** A finding of one of the codes `C`: its details are that code's shape (details.ts; a code
 * without one does not compile). */
export type FindingOf<C extends Code> = {
  [P in C]: {
    code: P;
    severity: Severity;
    summary: string;
    explanation: string;
    details: DetailsByCode[P];
    evidence: Evidence[];
    logs?: ContainerLog[];
    pods: string[];
    suggestions: string[];
  };
}[C];

/** One cause diagnose names: a code, its parsed details, the evidence and the next commands. */
export type Finding = FindingOf<Code>;

/** A finding, its keys in the order of the -o json contract. */
export function finding<C extends Code>(code: C, details: DetailsByCode[C], body: FindingBody): FindingOf<C> {
  const { severity, summary, explanation, evidence, logs, pods, suggestions } = body;
  return { code, severity, summary, explanation, details, evidence, ...(logs && logs.length > 0 ? { logs } : {}), pods, suggestions };
}

/** The causal precedence of two codes (negative: `a` explains `b`). */
export function compareCodes(a: Code, b: Code): number {
  return PRECEDENCE.indexOf(a) - PRECEDENCE.indexOf(b);
}

/** The rank of a severity, the most severe 0. */
export function severityRank(s: Severity): number {
  return SEVERITY_RANK[s];
}

/** Most likely root cause first: severity, then the causal precedence, then the most pods. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    PRECEDENCE.indexOf(a.code) - PRECEDENCE.indexOf(b.code) ||
    b.pods.length - a.pods.length ||
    a.summary.localeCompare(b.summary)
  );
}
