// What is wrong with a pod, read from its status alone, and whether it can fix itself. Pure.
import { isTransientRuntimeFailure, PULL_REASONS, START_REASONS, STARTING_REASONS, TerminationReason, WaitingReason } from '../kube/container-states.js';
import { isPermanentPullFailure, pullFailureOf } from '../kube/image-pull.js';
import { ConditionStatus, ConditionType, type ContainerStatus, type Pod } from '../kube/objects.js';

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

/** The scheduler's reasons on PodScheduled=False: no node fits, or a scheduling gate holds the pod. */
const UNSCHEDULABLE = 'Unschedulable';
const SCHEDULING_GATED = 'SchedulingGated';
/** status.reason of a pod its kubelet evicted. */
const EVICTED = 'Evicted';

type Terminated = NonNullable<NonNullable<ContainerStatus['state']>['terminated']>;

function lastTerminated(last: Terminated, detail: string): string {
  return `last terminated: ${last.reason}, exit code ${last.exitCode ?? '?'}${detail}`;
}

/** The message and permanence of a waiting container (reason known and not a normal step). */
function waitingProblem(reason: string, message: string | undefined, last: Terminated | undefined): { message?: string; permanent: boolean } {
  if (reason === WaitingReason.CreateContainerConfigError) return { message, permanent: true };
  if (PULL_REASONS.has(reason)) return { message, permanent: isPermanentPullFailure(pullFailureOf(reason, message ?? '').kind) };
  if (START_REASONS.has(reason)) {
    const text = message ?? last?.message;
    return { message: text, permanent: !isTransientRuntimeFailure(text) };
  }
  if (reason === WaitingReason.CrashLoopBackOff && last?.reason === TerminationReason.StartError) {
    // Not a crash: the container never ran, and the back-off retries the same failing start.
    return { message: lastTerminated(last, last.message ? `: ${last.message}` : ''), permanent: !isTransientRuntimeFailure(last.message) };
  }
  if (reason === WaitingReason.CrashLoopBackOff && last?.reason) {
    return { message: lastTerminated(last, message ? `; ${message}` : ''), permanent: false };
  }
  return { message, permanent: false };
}

function containerProblem(pod: string, cs: ContainerStatus): PodProblem | undefined {
  const waiting = cs.state?.waiting;
  const now = cs.state?.terminated;
  // Between start attempts the runtime may report the failed attempt itself as the state.
  if (!waiting?.reason && now?.reason === TerminationReason.StartError) {
    return {
      pod,
      container: cs.name,
      reason: TerminationReason.StartError,
      ...(now.message ? { message: now.message } : {}),
      permanent: !isTransientRuntimeFailure(now.message),
    };
  }
  // The real kubelet (v1.37) shows a crash-looping container as terminated during its back-off
  // from the second crash on, not as waiting CrashLoopBackOff: it is still a crash loop.
  if (!waiting?.reason && now && (cs.restartCount ?? 0) > 0) {
    return {
      pod,
      container: cs.name,
      reason: WaitingReason.CrashLoopBackOff,
      message: lastTerminated({ ...now, reason: now.reason ?? TerminationReason.Error }, ''),
      permanent: false,
    };
  }
  if (!waiting?.reason || STARTING_REASONS.has(waiting.reason)) return undefined;
  const { message, permanent } = waitingProblem(waiting.reason, waiting.message, cs.lastState?.terminated);
  return { pod, container: cs.name, reason: waiting.reason, ...(message ? { message } : {}), permanent };
}

/** The problems of one pod: waiting containers (init first) and an unschedulable pod. */
export function podProblems(pod: Pod): PodProblem[] {
  const name = pod.metadata?.name ?? '';
  const out: PodProblem[] = [];
  if (pod.status?.reason === EVICTED)
    return [{ pod: name, reason: EVICTED, ...(pod.status.message ? { message: pod.status.message.trim() } : {}), permanent: false }];
  const unschedulable = pod.status?.conditions?.find(
    (c) => c.type === ConditionType.PodScheduled && c.status === ConditionStatus.False && (c.reason === UNSCHEDULABLE || c.reason === SCHEDULING_GATED),
  );
  if (unschedulable) {
    out.push({
      pod: name,
      reason: unschedulable.reason ?? UNSCHEDULABLE,
      ...(unschedulable.message ? { message: unschedulable.message } : {}),
      permanent: false,
    });
  }
  for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const p = containerProblem(name, cs);
    if (p) out.push(p);
  }
  return out;
}
