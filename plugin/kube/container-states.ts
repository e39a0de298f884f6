// The kubelet's and the container runtime's words for a container that is not running: waiting
// reasons and termination reasons, as closed sets, and the runtime failures that clear by
// themselves. Kubernetes facts shared by `rollout status` and `diagnose`. Pure.

/** Waiting reasons the plugin judges (the kubelet writes them into state.waiting.reason). */
export const WaitingReason = {
  /** Normal steps on the way to Running. */
  ContainerCreating: 'ContainerCreating',
  PodInitializing: 'PodInitializing',
  CrashLoopBackOff: 'CrashLoopBackOff',
  ErrImagePull: 'ErrImagePull',
  ImagePullBackOff: 'ImagePullBackOff',
  InvalidImageName: 'InvalidImageName',
  ErrImageNeverPull: 'ErrImageNeverPull',
  CreateContainerConfigError: 'CreateContainerConfigError',
  /** The runtime could not create or start the container. */
  RunContainerError: 'RunContainerError',
  CreateContainerError: 'CreateContainerError',
} as const;
export type WaitingReason = (typeof WaitingReason)[keyof typeof WaitingReason];

/** Termination reasons the plugin reads (state.terminated.reason, lastState.terminated.reason). */
export const TerminationReason = {
  /** The runtime's reason for a container that never started (exit code 128). */
  StartError: 'StartError',
  OOMKilled: 'OOMKilled',
  Error: 'Error',
} as const;
export type TerminationReason = (typeof TerminationReason)[keyof typeof TerminationReason];

const set = (...reasons: WaitingReason[]): ReadonlySet<string> => new Set(reasons);

/** Waiting reasons that are a normal step on the way to Running. */
export const STARTING_REASONS = set(WaitingReason.ContainerCreating, WaitingReason.PodInitializing);
/** Waiting reasons of an image that cannot be pulled (see image-pull.ts for the why). */
export const PULL_REASONS = set(WaitingReason.ErrImagePull, WaitingReason.ImagePullBackOff, WaitingReason.InvalidImageName, WaitingReason.ErrImageNeverPull);
/** The runtime could not create or start the container: the same image and spec fail the same
 * way on every attempt (an executable missing from the image, no command at all, a bad mount). */
export const START_REASONS = set(WaitingReason.RunContainerError, WaitingReason.CreateContainerError);

// Runtime hiccups that clear by themselves: a slow runtime, a name the previous attempt still holds.
const TRANSIENT_RUNTIME = /context deadline exceeded|DeadlineExceeded|failed to reserve container name/i;

/** Whether a runtime's create or start failure clears by itself (so waiting can help). */
export function isTransientRuntimeFailure(message: string | undefined): boolean {
  return TRANSIENT_RUNTIME.test(message ?? '');
}
