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

function containerProblem(pod: string, cs: ContainerStatus): PodProblem | undefined {
  const waiting = cs.state?.waiting;
  if (!waiting?.reason || TRANSIENT_WAITING.has(waiting.reason)) return undefined;
  const reason = waiting.reason;
  let message = waiting.message;
  let permanent = PERMANENT_WAITING.has(reason);
  if (IMAGE_PULL.has(reason) && message && IMAGE_NOT_FOUND.test(message)) permanent = true;
  const last = cs.lastState?.terminated;
  if (reason === 'CrashLoopBackOff' && last?.reason) {
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
