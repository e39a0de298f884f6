// The objects diagnose reads are the wire objects of plugin/kube/objects.ts, as gather.ts hands
// them over: the Deployment, ReplicaSets, pods and nodes each named (metadata.name present,
// checked there), since every finding, event match and suggested command names its object.
// Events and quotas stay as sent: diagnose never needs their names.
import type * as wire from '../kube/objects.js';

export type { Condition, Container, KubeEvent, LabelSelector, PodDisruptionBudget, Probe, ResourceQuota, TopologySpreadConstraint } from '../kube/objects.js';

/** A wire object whose metadata and metadata.name are known to be present. */
export type Named<T extends { metadata?: wire.ObjectMeta }> = T & { metadata: wire.ObjectMeta & { name: string } };

/** True when the object carries metadata.name (every object an API server lists does). */
export function isNamed<T extends { metadata?: wire.ObjectMeta }>(o: T): o is Named<T> {
  return typeof o.metadata?.name === 'string';
}

export type Deployment = Named<wire.Deployment>;
export type ReplicaSet = Named<wire.ReplicaSet>;
export type Pod = Named<wire.Pod>;
export type Node = Named<wire.Node>;
export type StatefulSet = Named<wire.StatefulSet>;
export type DaemonSet = Named<wire.DaemonSet>;
export type ControllerRevision = Named<wire.ControllerRevision>;
export type PersistentVolumeClaim = Named<wire.PersistentVolumeClaim>;

/** What every detector may read of the workload under diagnosis, whatever its kind: its name and
 * namespace, its pod template, its selector and minReadySeconds. */
export type WorkloadObject = Named<{
  metadata?: wire.ObjectMeta;
  spec?: { template?: wire.PodTemplate; selector?: wire.LabelSelector; minReadySeconds?: number };
}>;

/** The last lines of one container's log, as the kubelet serves them through the API server. */
export interface ContainerLog {
  pod: string;
  container: string;
  /** The run before the last restart (kubectl logs --previous). */
  previous: boolean;
  lines: string[];
}

/** What diagnose reads of any workload's pods, gathered once at the edge. */
interface PodReads {
  /** Events of the workload, and of its pods that need a look (a few of each kind). */
  events: wire.KubeEvent[];
  quotas: wire.ResourceQuota[];
  /** Only gathered when a pod failed to schedule, or a pod's node may be down; absent otherwise. */
  nodes?: Node[];
  /** The end of the log of failing containers (see Snapshot). */
  logs?: ContainerLog[];
  /** Set when events were read for only some of the pods that need a look. */
  sampled?: { pods: string[]; of: number };
}

/** Everything diagnose knows about one StatefulSet, gathered once at the edge. */
export interface StatefulSetSnapshot extends PodReads {
  statefulSet: StatefulSet;
  /** Its ControllerRevisions (the number of its update revision). */
  revisions: ControllerRevision[];
  /** Every pod it controls, of every revision. */
  pods: Pod[];
  /** The claims of its pods that wait (not Running), from its volumeClaimTemplates, as read. */
  claims: PersistentVolumeClaim[];
}

/** Everything diagnose knows about one DaemonSet, gathered once at the edge. */
export interface DaemonSetSnapshot extends PodReads {
  daemonSet: DaemonSet;
  /** Its ControllerRevisions: the newest is its current template. */
  revisions: ControllerRevision[];
  /** Every pod it controls, of every revision. */
  pods: Pod[];
}

/** Everything diagnose knows about one Deployment, gathered once at the edge. */
export interface Snapshot {
  deployment: Deployment;
  /** ReplicaSets the Deployment owns (by ownerReferences uid). */
  replicaSets: ReplicaSet[];
  /** Pods of those ReplicaSets: the new one's, and old ones still present. */
  pods: Pod[];
  /** Events of the Deployment, its ReplicaSets and the pods, all of them. */
  events: wire.KubeEvent[];
  quotas: wire.ResourceQuota[];
  /** Only gathered when a pod failed to schedule; absent otherwise. */
  nodes?: Node[];
  /** The cordoned nodes (spec.unschedulable: a drain, or kubectl cordon) that run pods of the
   * Deployment; absent when none does, or when nodes may not be listed. */
  cordoned?: Node[];
  /** The namespace's PodDisruptionBudgets, read only when a pod of the Deployment is on a
   * cordoned node; absent otherwise. */
  budgets?: wire.PodDisruptionBudget[];
  /** The end of the log of containers of new pods that are not ready and have run (the previous
   * run's when the container restarted); absent when no log was read. */
  logs?: ContainerLog[];
  /** Set when events were read for only some of the pods that need a look (a few of each kind
   * of failure, see sampling.ts): their names, and how many pods needed a look. */
  sampled?: { pods: string[]; of: number };
}
