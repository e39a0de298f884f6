// The reasons and types Kubernetes components write into the events diagnose reads: the kubelet
// (pulls, probes, back-offs, sandboxes, volumes), kube-scheduler and the ReplicaSet controller.

/** Event reasons diagnose reads. */
export const EventReason = {
  /** The kubelet: a pull or a container start failed ("Failed to pull image", "Error: …"). */
  Failed: 'Failed',
  BackOff: 'BackOff',
  InspectFailed: 'InspectFailed',
  ErrImageNeverPull: 'ErrImageNeverPull',
  Killing: 'Killing',
  Unhealthy: 'Unhealthy',
  ProbeWarning: 'ProbeWarning',
  FailedCreatePodSandBox: 'FailedCreatePodSandBox',
  FailedKillPodSandbox: 'FailedKillPodSandbox',
  FailedMount: 'FailedMount',
  FailedAttachVolume: 'FailedAttachVolume',
  /** The kubelet evicted the pod (node pressure, a container past its ephemeral-storage limit). */
  Evicted: 'Evicted',
  /** The kubelet could not run a container's preStop hook; SIGTERM followed at once. */
  FailedPreStopHook: 'FailedPreStopHook',
  /** kube-scheduler. */
  FailedScheduling: 'FailedScheduling',
  /** The ReplicaSet and Deployment controllers (and the StatefulSet and DaemonSet controllers: FailedCreate). */
  FailedCreate: 'FailedCreate',
  ReplicaSetCreateError: 'ReplicaSetCreateError',
  /** The PersistentVolume controller and provisioners, about a claim: it waits for its pod's node
   * (Normal), for an external provisioner (Normal), or cannot be provisioned or bound (Warning). */
  WaitForFirstConsumer: 'WaitForFirstConsumer',
  ExternalProvisioning: 'ExternalProvisioning',
  ProvisioningFailed: 'ProvisioningFailed',
  FailedBinding: 'FailedBinding',
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];

/** An event's type. */
export const EventType = { Normal: 'Normal', Warning: 'Warning' } as const;
