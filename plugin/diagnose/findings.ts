// The vocabulary of a diagnosis: stable finding codes (the -o json contract), severities, and the
// shapes of findings and evidence. Codes never change meaning; new ones may be added.

/** Every cause diagnose can name. The order here is the root-cause precedence: earlier codes
 * explain later ones (a pod refused at admission never gets to pull its image). */
export const Code = {
  AdmissionDenied: 'AdmissionDenied',
  QuotaExceeded: 'QuotaExceeded',
  PodCreateFailed: 'PodCreateFailed',
  Unschedulable: 'Unschedulable',
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
  UnknownWaitingReason: 'UnknownWaitingReason',
  OldPodsNotTerminating: 'OldPodsNotTerminating',
  Paused: 'Paused',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  WaitingMinReadySeconds: 'WaitingMinReadySeconds',
  Superseded: 'Superseded',
  Progressing: 'Progressing',
  Healthy: 'Healthy',
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
  /** "Pod", "ReplicaSet", "Deployment" or "Node". */
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

export interface Finding {
  code: Code;
  severity: Severity;
  /** One line: "3/3 new pods: ImagePullBackOff (manifest unknown)". */
  summary: string;
  /** What it means and what to do, in a sentence or three. */
  explanation: string;
  /** Parsed specifics (image, exit code, probe, quota figures...); keys depend on the code. */
  details: Record<string, unknown>;
  evidence: Evidence[];
  /** Names of the pods affected. */
  pods: string[];
  /** Next commands to run, ready to paste. */
  suggestions: string[];
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
