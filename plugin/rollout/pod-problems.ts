// What is wrong with a pod, read from its status alone, and whether it can fix itself. Pure.
import type { ContainerStatus, Pod } from '../kube/objects.js';

/** A pod that is not on its way to Ready, with the kubelet's or scheduler's reason. */
export interface PodProblem {
  pod: string;
  /** The container at fault; absent for pod-level problems (Unschedulable). */
  container?: string;
  /** The kubelet's or scheduler's reason: ImagePullBackOff, CrashLoopBackOff, Unschedulable, ... */
  reason: string;
  message?: string;
  /** True when waiting will not help: the pod spec or image must change. */
  permanent: boolean;
}

// Waiting reasons that never clear without a change to the pod spec or the cluster's objects.
const PERMANENT_WAITING = new Set(['InvalidImageName', 'ErrImageNeverPull', 'CreateContainerConfigError']);
const IMAGE_PULL = new Set(['ErrImagePull', 'ImagePullBackOff']);
// A registry that answers "no such image" will answer it again; timeouts and auth hiccups may not.
const IMAGE_NOT_FOUND = /manifest unknown|not found|repository does not exist|name unknown|no such host/i;
// Waiting reasons that are a normal step on the way to Running.
const TRANSIENT_WAITING = new Set(['ContainerCreating', 'PodInitializing']);
// The runtime could not create or start the container (an executable missing from the image, no
// command at all, a bad mount): the same image and spec fail the same way on every attempt.
const START_FAILED_WAITING = new Set(['RunContainerError', 'CreateContainerError']);
/** The runtime's termination reason for a container that never started (exit code 128). */
export const START_ERROR = 'StartError';
// Runtime hiccups that clear by themselves: a slow runtime, a name the previous attempt still holds.
const TRANSIENT_RUNTIME = /context deadline exceeded|DeadlineExceeded|failed to reserve container name/i;

function containerProblem(pod: string, cs: ContainerStatus): PodProblem | undefined {
  const waiting = cs.state?.waiting;
  const last = cs.lastState?.terminated;
  const now = cs.state?.terminated;
  // Between start attempts the runtime may report the failed attempt itself as the state.
  if (!waiting?.reason && now?.reason === START_ERROR) {
    return { pod, container: cs.name, reason: START_ERROR, ...(now.message ? { message: now.message } : {}), permanent: !TRANSIENT_RUNTIME.test(now.message ?? '') };
  }
  if (!waiting?.reason || TRANSIENT_WAITING.has(waiting.reason)) return undefined;
  const reason = waiting.reason;
  let message = waiting.message;
  let permanent = PERMANENT_WAITING.has(reason);
  if (IMAGE_PULL.has(reason) && message && IMAGE_NOT_FOUND.test(message)) permanent = true;
  if (START_FAILED_WAITING.has(reason)) {
    message = message ?? last?.message;
    permanent = !TRANSIENT_RUNTIME.test(message ?? '');
  } else if (reason === 'CrashLoopBackOff' && last?.reason === START_ERROR) {
    // Not a crash: the container never ran, and the back-off retries the same failing start.
    message = `last terminated: ${START_ERROR}, exit code ${last.exitCode ?? '?'}${last.message ? `: ${last.message}` : ''}`;
    permanent = !TRANSIENT_RUNTIME.test(last.message ?? '');
  } else if (reason === 'CrashLoopBackOff' && last?.reason) {
    message = `last terminated: ${last.reason}, exit code ${last.exitCode ?? '?'}${message ? `; ${message}` : ''}`;
  }
  return { pod, container: cs.name, reason, ...(message ? { message } : {}), permanent };
}

/** The problems of one pod: waiting containers (init first) and an unschedulable pod. */
export function podProblems(pod: Pod): PodProblem[] {
  const name = pod.metadata?.name ?? '';
  const out: PodProblem[] = [];
  const unschedulable = pod.status?.conditions?.find(
    (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
  );
  if (unschedulable) {
    out.push({ pod: name, reason: 'Unschedulable', ...(unschedulable.message ? { message: unschedulable.message } : {}), permanent: false });
  }
  for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const p = containerProblem(name, cs);
    if (p) out.push(p);
  }
  return out;
}
