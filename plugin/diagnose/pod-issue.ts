// One problem of one pod, before pods with the same problem are grouped into a finding.
import type { DetailsByCode } from './details.js';
import type { EventRecord } from './events.js';
import type { Code, Severity } from './findings.js';

/** The codes a pod's own status and events can show (the others come from ReplicaSets and the Deployment). */
export type PodCode = Extract<
  Code,
  | 'SchedulingGated'
  | 'Unschedulable'
  | 'TopologySpreadUnsatisfiable'
  | 'DaemonPodUnschedulable'
  | 'NodeNotReady'
  | 'Evicted'
  | 'VolumeProblem'
  | 'SandboxFailed'
  | 'ImagePullFailed'
  | 'ConfigError'
  | 'StartFailed'
  | 'InitContainerFailing'
  | 'OOMKilled'
  | 'CrashLoop'
  | 'LivenessProbeKilling'
  | 'ReadinessProbeFailing'
  | 'ProbeErrored'
  | 'ReadinessGatesPending'
  | 'UnknownWaitingReason'
>;

/** A problem of one pod with the code `C`, its details typed by the code. */
export type PodIssueOf<C extends PodCode> = {
  [P in C]: {
    code: P;
    /** Pods with equal keys (and codes) group into one finding. */
    key: string;
    /** "ImagePullBackOff (manifest unknown)". */
    label: string;
    severity: Severity;
    details: DetailsByCode[P];
    events: EventRecord[];
    container?: string;
  };
}[C];

/** A problem of one pod. */
export type PodIssue = PodIssueOf<PodCode>;

/** The codes of a pod the scheduler does not place (no node fits, a spread it cannot meet, a DaemonSet's own node). */
export type SchedulingCode = Extract<PodCode, 'Unschedulable' | 'TopologySpreadUnsatisfiable' | 'DaemonPodUnschedulable'>;

const SCHEDULING_CODES: ReadonlySet<PodCode> = new Set<SchedulingCode>(['Unschedulable', 'TopologySpreadUnsatisfiable', 'DaemonPodUnschedulable']);

/** Whether the scheduler is what holds the pod: the commands and prose of those codes go together. */
export function isScheduling(issue: PodIssue): issue is PodIssueOf<SchedulingCode> {
  return SCHEDULING_CODES.has(issue.code);
}
