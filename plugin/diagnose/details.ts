// The `details` of each finding code: what the detection parsed, as `-o json` prints it. One shape
// per code, so the prose (explain.ts) and the commands (commands.ts) read typed fields. Key order
// is the JSON's; optional keys are left out, `null` says "looked for, not there".
import type { PullFailure } from '../kube/image-pull.js';
import type { AdmissionBy, ConfigMissing, ProbeFailureKind, ProbeName, QuotaRefusal, SchedulingReason, StartFailure, VolumeFailureKind } from './messages.js';

/** A container's probe as the template declares it, with the API defaults filled in. */
export interface ProbeSpec {
  type?: 'httpGet' | 'tcpSocket' | 'exec' | 'grpc';
  scheme?: string;
  path?: string;
  port?: number | string;
  headers?: string[];
  command?: string[];
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

/** A node's capacity and taints, as Unschedulable shows them. */
export interface NodeFacts {
  name: string;
  allocatable: { cpu: string | null; memory: string | null; pods: string | null };
  taints: string[];
  unschedulable: boolean;
}

/** A resource the pod asks more of than any node allocates. */
export interface Exceeds {
  resource: string;
  requested: string;
  largestAllocatable: string;
}

/** One domain of a topology spread constraint: a value of its topologyKey, the nodes carrying
 * it, and the Deployment's pods the scheduler counts there. */
export interface SpreadDomain {
  domain: string;
  nodes: string[];
  pods: number;
  /** Some node of the domain takes new pods (not cordoned, no taint the pod does not tolerate). */
  schedulable: boolean;
}

/** A topology spread constraint as the pod template writes it, the API's defaults spelled out. */
export interface SpreadConstraintFacts {
  topologyKey: string;
  maxSkew: number;
  whenUnsatisfiable: string;
  /** Its labelSelector as a label query (null: none, which counts no pod). */
  labelSelector: string | null;
  matchLabelKeys: string[];
  minDomains: number | null;
  nodeAffinityPolicy: string;
  nodeTaintsPolicy: string;
}

/** The details of every finding code. */
export interface DetailsByCode {
  AdmissionDenied: { by: AdmissionBy; name?: string; binding?: string; reason: string; replicaSet: string | null };
  QuotaExceeded: {
    quota: string;
    kind: QuotaRefusal;
    requested: Record<string, string>;
    used: Record<string, string>;
    limited: Record<string, string>;
    mustSpecify?: string;
    replicaSet: string | null;
    /** The quota's hard and used figures, when the quota was read. */
    quotaStatus: { hard: Record<string, string>; used: Record<string, string> } | null;
  };
  ServiceAccountMissing: { serviceAccount: string; replicaSet: string | null; message: string };
  PriorityClassMissing: { priorityClass: string; replicaSet: string | null; message: string };
  PodCreateFailed: { message: string; replicaSet: string | null };
  SchedulingGated: { gates: string[]; since: string | null };
  Unschedulable: {
    schedulerMessage: string;
    nodesAvailable?: number;
    nodesTotal?: number;
    reasons?: SchedulingReason[];
    podRequests: Record<string, string>;
    nodes?: NodeFacts[];
    exceedsEveryNode?: Exceeds[];
  };
  TopologySpreadUnsatisfiable: {
    schedulerMessage: string;
    nodesAvailable?: number;
    nodesTotal?: number;
    reasons?: SchedulingReason[];
    /** The DoNotSchedule constraint that cannot be met. */
    constraint: SpreadConstraintFacts;
    /** Each domain, most pods first ([] when the nodes were not read). */
    domains: SpreadDomain[];
    /** Pods in the fullest domain minus the emptiest (null when the nodes were not read). */
    skew: number | null;
    /** The least skew one more pod would make in a domain where it may run (null: no such domain). */
    skewIfPlaced: number | null;
  };
  VolumeClaimPending: {
    /** Each claim that does not bind, with the pod that waits for it and the newest event's words. */
    claims: {
      name: string;
      template: string | null;
      pod: string | null;
      phase: string;
      storageClass: string | null;
      reason: string | null;
      message: string | null;
    }[];
  };
  DaemonPodUnschedulable: {
    /** The nodes the pods are pinned to (the DaemonSet controller's node affinity), where they do not fit. */
    targetNodes: string[];
    schedulerMessage: string;
    nodesAvailable?: number;
    nodesTotal?: number;
    /** The scheduler's reasons about those nodes (the other nodes' "didn't match node affinity" left out). */
    reasons?: SchedulingReason[];
    podRequests: Record<string, string>;
    /** The target nodes' capacity and taints, when read. */
    nodes?: NodeFacts[];
    /** Requests above the target node's allocatable: it can never fit there (`largestAllocatable`: that node's). */
    exceedsEveryNode?: Exceeds[];
  };
  NodeNotReady: {
    node: string;
    /** The node's Ready condition: False (the kubelet says so), Unknown (it stopped answering), or missing. */
    ready: string;
    reason: string | null;
    message: string | null;
    since: string | null;
    taints: string[];
  };
  Evicted: { resource: string | null; message: string; node: string | null };
  VolumeProblem: { failure: VolumeFailureKind; volume?: string; usedBy?: string[]; node: string | null };
  SandboxFailed: { cniPlugin?: string; node: string | null; kubeletMessage: string };
  ImagePullFailed: { container: string; image: string | undefined; pullFailure: PullFailure; kubeletMessage?: string; initContainer?: true };
  ConfigError: { container: string; missing: ConfigMissing; name?: string; key?: string; reason: string };
  StartFailed: {
    container: string;
    image: string | null;
    command: string[] | null;
    args: string[] | null;
    reason: string;
    startFailure: StartFailure;
    executable?: string;
    exitCode: number | null;
    runtimeMessage: string;
    restarts: number;
    initContainer?: true;
  };
  InitContainerFailing: { container: string; lastTerminationReason: string | null; exitCode: number | null; restarts: number; memoryLimit?: string | null };
  OOMKilled: { container: string; exitCode: number; memoryLimit: string | null; memoryRequest: string | null; restarts: number };
  CrashLoop: {
    container: string;
    lastTerminationReason: string;
    exitCode: number | null;
    restarts: number;
    terminationMessage?: string;
    /** Running again now (a warning): the exit was within the last ten minutes. */
    running: boolean;
  };
  LivenessProbeKilling: { container: string; probe: ProbeName; probeSpec: ProbeSpec | null; restarts: number; statusCode?: number };
  ProbeErrored: {
    container: string;
    probe: ProbeName;
    probeSpec: ProbeSpec | null;
    /** The kubelet's error after "resulted in unknown state:". */
    error: string;
    /** The executable the runtime could not find, when that is the error. */
    executable?: string;
    /** Whether the container is ready (a liveness probe that errors leaves it running, unchecked). */
    ready: boolean;
  };
  ReadinessProbeFailing: {
    container: string;
    probe: ProbeName;
    failure: ProbeFailureKind;
    statusCode?: number;
    probeSpec: ProbeSpec | null;
    /** The app answers with a redirect (often HTTP to HTTPS behind a TLS-terminating proxy). */
    redirect: boolean;
    probeOutput: string;
  };
  ReadinessGatesPending: { gates: { conditionType: string; status: string; reason?: string; message?: string }[] };
  UnknownWaitingReason: { container: string; reason: string; message: string | null; initContainer?: true };
  OrdinalNotReady: {
    /** The pod the StatefulSet waits on, and its ordinal. */
    pod: string;
    ordinal: number;
    podManagementPolicy: string;
    /** What holds it, when a finding names it (the code of that finding), else null. */
    cause: string | null;
    /** The ordinals that wait behind it: not created yet, or not updated yet. */
    waiting: number[];
  };
  PreStopHookFailed: {
    pods: string[];
    /** Each container's preStop hook as the pods' template wrote it ("exec sleep 5", "sleep 5s"). */
    hooks: { container: string; hook: string }[];
    /** An exec hook runs `sleep`: on an image with no sleep binary (distroless) it cannot run. */
    execSleep: boolean;
    kubeletMessage: string;
  };
  OldPodsNotTerminating: { pods: string[]; finalizers: string[]; nodes: string[] };
  OldPodsStillStopping: {
    pods: string[];
    /** Seconds since the first of them was asked to stop. */
    stoppingForSeconds: number;
    /** Their grace period (deletionGracePeriodSeconds), and the seconds left of it at the latest. */
    gracePeriodSeconds: number;
    secondsLeft: number;
    /** The preStop hooks the pods declare ("sleep 600s", "exec /drain"). */
    hooks: { container: string; hook: string }[];
  };
  /** Warning events on the new pods that no other finding explains: their reasons, most frequent first. */
  UnexplainedWarnings: { reasons: string[] };
  Paused: { paused: true };
  UpdateOnDelete: { pods: string[]; updateRevision: string | null };
  ProgressDeadlineExceeded: { progressDeadlineSeconds: number; since: string | null };
  WaitingMinReadySeconds: { minReadySeconds: number };
  Superseded: { replicaSets: string[]; newReplicaSet: string | null };
  DrainBlocked: {
    /** The cordoned nodes holding pods the budget protects. */
    nodes: string[];
    budget: string;
    /** The budget is paas-webhook's own (labelled and owned by the Deployment). */
    ours: boolean;
    disruptionsAllowed: number;
    currentHealthy: number | null;
    desiredHealthy: number | null;
    expectedPods: number | null;
    minAvailable: number | string | null;
    maxUnavailable: number | string | null;
    unhealthyPodEvictionPolicy: string | null;
    /** The Deployment's pods on those nodes: the ones the drain cannot evict. */
    protectedPods: string[];
  };
  SingleReplica: { node: string; pod: string };
  /** `waitingOn`: a StatefulSet's pod it waits to become Ready (OrderedReady, or the one updating). */
  Progressing: { estimatedSecondsLeft?: number; deadlineSecondsLeft?: number; waitingOn?: string };
  Healthy: Record<string, never>;
}
