// The Kubernetes objects the plugin reads (rollout status and diagnose), as the API server sends
// them: plain JSON, timestamps as RFC 3339 strings. Only the fields some command reads are typed;
// everything else passes through untouched. @kubernetes/client-node's typed models fit too (they
// carry Date where the wire has a string, hence `Time`). A field is required only where the API
// server always sends it (a condition's type and status, a container's name, a pod spec's
// containers, which validation requires); `metadata` is optional as in the typed models, so a
// reader that needs a name checks for it (diagnose does so once, in gather.ts).

/** A timestamp as the wire (string) or a typed client (Date) carries it. */
export type Time = string | Date;

export interface OwnerReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: Time;
  /** Set (the wire may send null for unset) once the object is on its way out. */
  deletionTimestamp?: Time | null;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

/** The condition types the plugin reads (Deployments, ReplicaSets, pods). */
export const ConditionType = {
  Progressing: 'Progressing',
  Available: 'Available',
  ReplicaFailure: 'ReplicaFailure',
  PodScheduled: 'PodScheduled',
  Ready: 'Ready',
} as const;

/** A condition's status. */
export const ConditionStatus = { True: 'True', False: 'False', Unknown: 'Unknown' } as const;

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: Time;
  lastTransitionTime?: Time;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

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
  command?: string[];
  args?: string[];
  imagePullPolicy?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  ports?: { containerPort: number; name?: string }[];
  lifecycle?: { preStop?: LifecycleHandler; postStart?: LifecycleHandler };
}

/** A preStop or postStart hook: one of exec, httpGet, tcpSocket (deprecated) or the native sleep. */
export interface LifecycleHandler {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port?: number | string; scheme?: string };
  sleep?: { seconds: number };
}

/** One entry of a pod's spec.topologySpreadConstraints. */
export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: string;
  labelSelector?: LabelSelector;
  matchLabelKeys?: string[];
  minDomains?: number;
  /** Honor (default): only nodes the pod's nodeSelector/affinity admits count; Ignore: all. */
  nodeAffinityPolicy?: string;
  /** Ignore (default): tainted nodes (a cordoned one too) count; Honor: only those the pod tolerates. */
  nodeTaintsPolicy?: string;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
  nodeSelector?: Record<string, string>;
  /** Set once the pod is scheduled. */
  nodeName?: string;
  /** The pod is not scheduled while any gate remains (Kueue and other admission controllers). */
  schedulingGates?: { name: string }[];
  /** Extra conditions that must be True before the pod counts Ready (load balancer controllers). */
  readinessGates?: { conditionType: string }[];
  topologySpreadConstraints?: TopologySpreadConstraint[];
  /** A DaemonSet's pod is pinned to its node here (matchFields metadata.name In [node]). */
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } } };
  [k: string]: unknown;
}

/** A term of a required node affinity. */
export interface NodeSelectorTerm {
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
  matchFields?: { key: string; operator: string; values?: string[] }[];
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: PodSpec;
}

export interface Deployment {
  metadata?: ObjectMeta;
  spec?: {
    replicas?: number;
    paused?: boolean;
    minReadySeconds?: number;
    progressDeadlineSeconds?: number;
    selector?: LabelSelector;
    template?: PodTemplate;
    strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    terminatingReplicas?: number;
    conditions?: Condition[];
  };
}

export interface ReplicaSet {
  metadata?: ObjectMeta;
  spec?: { replicas?: number; minReadySeconds?: number; selector?: LabelSelector; template?: PodTemplate };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    fullyLabeledReplicas?: number;
    terminatingReplicas?: number;
    conditions?: Condition[];
  };
}

/** A StatefulSet's or DaemonSet's update strategy as the API server defaults it. */
export interface SetUpdateStrategy {
  type?: string;
  rollingUpdate?: { partition?: number; maxUnavailable?: number | string; maxSurge?: number | string };
}

export interface StatefulSet {
  metadata?: ObjectMeta;
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    podManagementPolicy?: string;
    selector?: LabelSelector;
    serviceName?: string;
    template?: PodTemplate;
    updateStrategy?: SetUpdateStrategy;
    volumeClaimTemplates?: { metadata?: { name?: string }; spec?: { storageClassName?: string | null; accessModes?: string[] } }[];
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    currentReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    conditions?: Condition[];
  };
}

export interface DaemonSet {
  metadata?: ObjectMeta;
  spec?: { minReadySeconds?: number; selector?: LabelSelector; template?: PodTemplate; updateStrategy?: SetUpdateStrategy };
  status?: {
    observedGeneration?: number;
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberReady?: number;
    numberAvailable?: number;
    numberUnavailable?: number;
    numberMisscheduled?: number;
    conditions?: Condition[];
  };
}

/** A snapshot of a StatefulSet's or DaemonSet's pod template (apps/v1 ControllerRevision). */
export interface ControllerRevision {
  metadata?: ObjectMeta;
  revision?: number;
}

export interface PersistentVolumeClaim {
  metadata?: ObjectMeta;
  spec?: { storageClassName?: string | null; accessModes?: string[]; volumeName?: string; resources?: { requests?: Record<string, string> } };
  status?: { phase?: string; conditions?: Condition[] };
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: Time };
  terminated?: { reason?: string; message?: string; exitCode?: number; signal?: number; startedAt?: Time; finishedAt?: Time };
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
  metadata?: ObjectMeta;
  spec?: PodSpec;
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    startTime?: Time;
  };
}

/** A core/v1 Event. The scheduler writes events.k8s.io-style ones (eventTime, series); the kubelet
 * and controllers old-style ones (firstTimestamp, lastTimestamp, count). Both show in core/v1.
 * involvedObject is a struct the API server always sends (possibly empty). */
export interface KubeEvent {
  metadata?: ObjectMeta;
  involvedObject: { kind?: string; name?: string; namespace?: string; uid?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: Time | null;
  lastTimestamp?: Time | null;
  eventTime?: Time | null;
  series?: { count?: number; lastObservedTime?: Time } | null;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
}

export interface ResourceQuota {
  metadata?: ObjectMeta;
  spec?: { hard?: Record<string, string> };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

export interface Node {
  metadata?: ObjectMeta;
  spec?: { unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[] };
  status?: { allocatable?: Record<string, string>; capacity?: Record<string, string>; conditions?: Condition[] };
}

/** A policy/v1 PodDisruptionBudget: what it asks, and what the disruption controller computed. */
export interface PodDisruptionBudget {
  metadata?: ObjectMeta;
  spec?: { minAvailable?: number | string; maxUnavailable?: number | string; selector?: LabelSelector; unhealthyPodEvictionPolicy?: string };
  status?: { disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number; expectedPods?: number; conditions?: Condition[] };
}

/** Milliseconds since the epoch of a wire or typed timestamp; undefined when absent or unparsable. */
export function timeMs(t: Time | undefined | null): number | undefined {
  if (t === undefined || t === null) return undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A wire or typed timestamp as the wire's RFC 3339 string (a wire string passes through as sent). */
export function timeText(t: Time): string {
  return typeof t === 'string' ? t : t.toISOString();
}
