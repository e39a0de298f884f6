// What a pod's and a container's status mean, judged once for `rollout status` (its fail-fast and
// its pod problems) and `diagnose` (which detector explains the container), so the two cannot
// disagree. The kubelet's semantics: a Deployment's pods run under restartPolicy Always, so a
// container that terminated, whatever its exit code, is restarted, and one that keeps exiting is
// crash-looping (the kubelet itself says "Back-off restarting failed container" after an exit 0).
// Pure: the clock comes in as `now`.
import { isTransientRuntimeFailure, PULL_REASONS, START_REASONS, STARTING_REASONS, TerminationReason, WaitingReason } from './container-states.js';
import { isPermanentPullFailure, pullFailureOf } from './image-pull.js';
import { ConditionStatus, ConditionType, timeMs, type ContainerStatus, type Pod } from './objects.js';

/** The scheduler's and the kubelet's reasons for a pod as a whole (PodScheduled=False, status.reason). */
export const PodReason = {
  /** PodScheduled=False: no node fits. */
  Unschedulable: 'Unschedulable',
  /** PodScheduled=False: a gate in spec.schedulingGates holds the pod back. */
  SchedulingGated: 'SchedulingGated',
  /** status.reason of a pod its kubelet evicted. */
  Evicted: 'Evicted',
} as const;
export type PodReason = (typeof PodReason)[keyof typeof PodReason];

/** What one container's status says. */
export const ContainerCondition = {
  /** No state yet, or a normal step on the way to Running (ContainerCreating, PodInitializing). */
  Starting: 'Starting',
  /** Running, and it has not exited in the last RECENT_EXIT_S. */
  Running: 'Running',
  /** Running now, but it exited within RECENT_EXIT_S: the kubelet restarted it (a loop caught between two runs). */
  Restarting: 'Restarting',
  /** An init container that finished with exit 0: done, as it should be. */
  Done: 'Done',
  /** The kubelet cannot pull its image. */
  PullFailed: 'PullFailed',
  /** The kubelet cannot build its configuration (a ConfigMap, Secret or key is missing). */
  ConfigError: 'ConfigError',
  /** The runtime cannot create or start it: it never ran. */
  StartFailed: 'StartFailed',
  /** It exited and is (or will be) restarted: any exit code under restartPolicy Always, a
   * non-zero one for an init container. */
  Exited: 'Exited',
  /** A waiting reason this judgement does not know: said as it is, never taken for progress. */
  Unknown: 'Unknown',
} as const;
export type ContainerCondition = (typeof ContainerCondition)[keyof typeof ContainerCondition];

type Terminated = NonNullable<NonNullable<ContainerStatus['state']>['terminated']>;

/** The judgement of one container. */
export interface ContainerJudgement {
  condition: ContainerCondition;
  /** The kubelet's or runtime's word for it: a waiting reason, StartError, CrashLoopBackOff, ... */
  reason?: string;
  message?: string;
  /** Waiting will not help: the image or the pod template must change. */
  permanent: boolean;
  /** The run that ended (the current state when terminated, else the last one). */
  exit?: Terminated;
  restarts: number;
}

/** How long after an exit a running container still counts as restarting: the kubelet forgives
 * a crash loop (resets its back-off) after a container ran for twice its 5-minute maximum. */
export const RECENT_EXIT_S = 10 * 60;

/** The reason, message and permanence of a waiting container whose reason the judgement knows. */
function waitingCondition(reason: string, message: string | undefined, last: Terminated | undefined): Omit<ContainerJudgement, 'restarts'> | undefined {
  if (STARTING_REASONS.has(reason)) return { condition: ContainerCondition.Starting, reason, permanent: false };
  if (reason === WaitingReason.CreateContainerConfigError) return { condition: ContainerCondition.ConfigError, reason, ...opt(message), permanent: true };
  if (PULL_REASONS.has(reason)) {
    return { condition: ContainerCondition.PullFailed, reason, ...opt(message), permanent: isPermanentPullFailure(pullFailureOf(reason, message ?? '').kind) };
  }
  if (START_REASONS.has(reason)) {
    const text = message ?? last?.message;
    return { condition: ContainerCondition.StartFailed, reason, ...opt(text), ...(last ? { exit: last } : {}), permanent: !isTransientRuntimeFailure(text) };
  }
  if (reason !== WaitingReason.CrashLoopBackOff) return undefined;
  // A back-off behind a start that failed is not a crash: the container never ran, and the
  // back-off retries the same failing start.
  if (last?.reason === TerminationReason.StartError) {
    return { condition: ContainerCondition.StartFailed, reason, ...opt(last.message), exit: last, permanent: !isTransientRuntimeFailure(last.message) };
  }
  return { condition: ContainerCondition.Exited, reason, ...opt(message), ...(last ? { exit: last } : {}), permanent: false };
}

const opt = (message: string | undefined): { message?: string } => (message ? { message } : {});

/** Whether a terminated run counts as a failure to keep running. */
function exitFails(t: Terminated, init: boolean): boolean {
  return !init || (t.exitCode ?? 0) !== 0;
}

/** The judgement of one container's status. `init`: an init container (exit 0 is done);
 * `now` (ms) tells a running container that exited recently from a steady one. */
export function judgeContainer(cs: ContainerStatus, init: boolean, now?: number): ContainerJudgement {
  const restarts = cs.restartCount ?? 0;
  const state = cs.state ?? {};
  const last = cs.lastState?.terminated;
  if (state.waiting?.reason) {
    const known = waitingCondition(state.waiting.reason, state.waiting.message, last);
    return { ...(known ?? { condition: ContainerCondition.Unknown, reason: state.waiting.reason, ...opt(state.waiting.message), permanent: false }), restarts };
  }
  const ended = state.terminated;
  if (ended) {
    // Between start attempts the runtime may report the failed attempt itself as the state.
    if (ended.reason === TerminationReason.StartError) {
      return {
        condition: ContainerCondition.StartFailed,
        reason: ended.reason,
        ...opt(ended.message),
        exit: ended,
        permanent: !isTransientRuntimeFailure(ended.message),
        restarts,
      };
    }
    if (!exitFails(ended, init)) return { condition: ContainerCondition.Done, permanent: false, exit: ended, restarts };
    // The real kubelet (v1.37) shows a crash-looping container as terminated during its back-off
    // from the second crash on, not as waiting CrashLoopBackOff: it is still a crash loop.
    return { condition: ContainerCondition.Exited, reason: WaitingReason.CrashLoopBackOff, exit: ended, permanent: false, restarts };
  }
  if (state.running) return runningJudgement(last, restarts, init, now);
  return { condition: ContainerCondition.Starting, permanent: false, restarts };
}

function runningJudgement(last: Terminated | undefined, restarts: number, init: boolean, now: number | undefined): ContainerJudgement {
  const finished = timeMs(last?.finishedAt);
  const recent = last && restarts > 0 && now !== undefined && finished !== undefined && now - finished < RECENT_EXIT_S * 1000;
  if (recent && exitFails(last, init))
    return { condition: ContainerCondition.Restarting, reason: last.reason ?? TerminationReason.Error, exit: last, permanent: false, restarts };
  return { condition: ContainerCondition.Running, permanent: false, restarts };
}

/** Conditions that mean the container cannot become ready as it is (Restarting aside: it runs). */
export function isProblem(c: ContainerCondition): boolean {
  return c !== ContainerCondition.Starting && c !== ContainerCondition.Running && c !== ContainerCondition.Done;
}

/** What holds a pod as a whole before any container can say anything. */
export interface PodHold {
  reason: PodReason;
  message?: string;
}

/** Evicted by its kubelet, or not scheduled (no node fits, or a scheduling gate); else undefined. */
export function podHold(pod: Pod): PodHold | undefined {
  if (pod.status?.reason === PodReason.Evicted) return { reason: PodReason.Evicted, ...opt(pod.status.message?.trim()) };
  const cond = pod.status?.conditions?.find((c) => c.type === ConditionType.PodScheduled && c.status === ConditionStatus.False);
  if (cond?.reason === PodReason.Unschedulable || cond?.reason === PodReason.SchedulingGated) return { reason: cond.reason, ...opt(cond.message) };
  return undefined;
}

/** Each container of a pod with its judgement, init containers first (in order). */
export function judgeContainers(pod: Pod, now?: number): { status: ContainerStatus; init: boolean; judgement: ContainerJudgement }[] {
  return [
    ...(pod.status?.initContainerStatuses ?? []).map((status) => ({ status, init: true, judgement: judgeContainer(status, true, now) })),
    ...(pod.status?.containerStatuses ?? []).map((status) => ({ status, init: false, judgement: judgeContainer(status, false, now) })),
  ];
}
