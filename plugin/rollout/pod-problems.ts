// What is wrong with a pod, read from its status alone, and whether it can fix itself: the one
// judgement of plugin/kube/pod-state.ts, worded for `rollout status`. Pure.
import { WaitingReason } from '../kube/container-states.js';
import { ContainerCondition, isProblem, judgeContainers, podHold, PodReason, type ContainerJudgement } from '../kube/pod-state.js';
import type { Pod } from '../kube/objects.js';
import { timeMs } from '../kube/objects.js';
import { humanDuration } from '../../kube-client/duration.js';

/** A pod that is not on its way to Ready (or keeps restarting), with the kubelet's or scheduler's reason. */
export interface PodProblem {
  pod: string;
  /** The container at fault; absent for pod-level problems (Unschedulable). */
  container?: string;
  /** The kubelet's or scheduler's reason: ImagePullBackOff, CrashLoopBackOff, Unschedulable, ...;
   * `Restarting` for a container running again after an exit within the last ten minutes. */
  reason: string;
  message?: string;
  /** True when waiting will not help: the pod spec or image must change. */
  permanent: boolean;
}

/** The reason rollout status gives a container that runs again after a recent exit. */
export const RESTARTING = 'Restarting';

function exitWords(j: ContainerJudgement): string {
  const e = j.exit;
  if (!e) return '';
  return `last terminated: ${e.reason ?? 'Error'}, exit code ${e.exitCode ?? '?'}`;
}

/** The message rollout status shows for a container's judgement. */
function messageOf(j: ContainerJudgement, now: number | undefined): string | undefined {
  switch (j.condition) {
    case ContainerCondition.Exited: {
      const last = exitWords(j);
      if (!last) return j.message;
      return j.message ? `${last}; ${j.message}` : last;
    }
    case ContainerCondition.StartFailed:
      // Behind a back-off the failed start is the last termination: say so with its words.
      return j.reason === WaitingReason.CrashLoopBackOff && j.exit ? `${exitWords(j)}${j.message ? `: ${j.message}` : ''}` : j.message;
    case ContainerCondition.Restarting: {
      const ago = now !== undefined ? timeMs(j.exit?.finishedAt) : undefined;
      return `restarted ${j.restarts} time${j.restarts === 1 ? '' : 's'}, ${exitWords(j)}${ago !== undefined ? ` ${humanDuration(now! - ago)} ago` : ''}`;
    }
    default:
      return j.message;
  }
}

/** The problems of one pod: an evicted or unscheduled pod, else its containers (init first) that
 * cannot become ready, and those that restarted within the last ten minutes (with `now`). */
export function podProblems(pod: Pod, now?: number): PodProblem[] {
  const name = pod.metadata?.name ?? '';
  const hold = podHold(pod);
  if (hold?.reason === PodReason.Evicted) return [{ pod: name, reason: hold.reason, ...(hold.message ? { message: hold.message } : {}), permanent: false }];
  const out: PodProblem[] = hold ? [{ pod: name, reason: hold.reason, ...(hold.message ? { message: hold.message } : {}), permanent: false }] : [];
  for (const { status, judgement: j } of judgeContainers(pod, now)) {
    if (!isProblem(j.condition)) continue;
    const message = messageOf(j, now);
    const reason = j.condition === ContainerCondition.Restarting ? RESTARTING : (j.reason ?? j.condition);
    out.push({
      pod: name,
      container: status.name,
      reason,
      ...(message ? { message } : {}),
      permanent: j.permanent,
    });
  }
  return out;
}
