// The objects diagnose reads, as the API server sends them (JSON, timestamps as RFC 3339
// strings). Only the fields diagnose uses are typed; everything else passes through untouched.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
}

/** Conditions and label selectors are the rollout view's shapes (shared, same wire format). */
export type { Condition, LabelSelector } from '../rollout/objects.js';
import type { Condition, LabelSelector } from '../rollout/objects.js';

export interface Probe {
  httpGet?: { path?: string; port: number | string; scheme?: string; httpHeaders?: { name: string; value: string }[] };
  tcpSocket?: { port: number | string };
  exec?: { command?: string[] };
  grpc?: { port: number };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
}

export interface Container {
  name: string;
  image?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  ports?: { containerPort: number; name?: string }[];
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: {
    containers: Container[];
    initContainers?: Container[];
    volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
    nodeSelector?: Record<string, string>;
    [k: string]: unknown;
  };
}

export interface Deployment {
  metadata: ObjectMeta;
  spec?: {
    replicas?: number;
    paused?: boolean;
    minReadySeconds?: number;
    progressDeadlineSeconds?: number;
    selector?: LabelSelector;
    strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
    template?: PodTemplate;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
  };
}

export interface ReplicaSet {
  metadata: ObjectMeta;
  spec?: { replicas?: number; minReadySeconds?: number; selector?: LabelSelector; template?: PodTemplate };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    fullyLabeledReplicas?: number;
    conditions?: Condition[];
  };
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; message?: string; exitCode?: number; signal?: number; startedAt?: string; finishedAt?: string };
}

export interface ContainerStatus {
  name: string;
  image?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface Pod {
  metadata: ObjectMeta;
  spec?: PodTemplate['spec'] & { nodeName?: string };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    startTime?: string;
  };
}

/** A core/v1 Event. The scheduler writes events.k8s.io-style ones (eventTime, series); the kubelet
 * and controllers old-style ones (firstTimestamp, lastTimestamp, count). Both show in core/v1. */
export interface KubeEvent {
  metadata: ObjectMeta;
  involvedObject: { kind?: string; name?: string; namespace?: string; uid?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string } | null;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
}

export interface ResourceQuota {
  metadata: ObjectMeta;
  spec?: { hard?: Record<string, string> };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

export interface Node {
  metadata: ObjectMeta;
  spec?: { unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[] };
  status?: { allocatable?: Record<string, string>; capacity?: Record<string, string> };
}

/** Everything diagnose knows about one Deployment, gathered once at the edge. */
export interface Snapshot {
  deployment: Deployment;
  /** ReplicaSets the Deployment owns (by ownerReferences uid). */
  replicaSets: ReplicaSet[];
  /** Pods of those ReplicaSets: the new one's, and old ones still present. */
  pods: Pod[];
  /** Events of the Deployment, its ReplicaSets and the pods, all of them. */
  events: KubeEvent[];
  quotas: ResourceQuota[];
  /** Only gathered when a pod failed to schedule; absent otherwise. */
  nodes?: Node[];
  /** Set when events were read for only some of the pods that need a look (a few of each kind
   * of failure, see sampling.ts): their names, and how many pods needed a look. */
  sampled?: { pods: string[]; of: number };
}
