// The rollout state of one StatefulSet or DaemonSet: a pure function of the object, its
// ControllerRevisions and pods, and the clock, in the view a Deployment's has (status.ts). The
// steps and words are kubectl's (plugin/kube/set-status.ts); on top, as for Deployments, the
// current revision's pods that cannot start are named, and the rollout fails at once when every
// one of them is stuck on a permanent error. kubectl refuses OnDelete: so does this.
import { daemonSetCounts, daemonSetProgress, ROLLED_OUT, statefulSetCounts, statefulSetProgress, type SetProgress } from '../kube/set-status.js';
import type { ControllerRevision, DaemonSet, Pod, StatefulSet } from '../kube/objects.js';
import { deployIdOf, isTerminating } from '../kube/replica-sets.js';
import { daemonSetRevision, isCurrentPod, podsOfSet, statefulSetRevision, type CurrentRevision } from '../kube/revisions.js';
import { MESSAGE_WORD, WorkloadKind } from '../kube/workloads.js';
import type { ReplicaCounts } from '../kube/deployment-status.js';
import { podProblems } from './pod-problems.js';
import { allNewPodsStuck, conditionViews, imagesOf, platformStatus, RolloutState, type RolloutView, type Verdict } from './status.js';

/** A StatefulSet or DaemonSet, with its kind. */
export type SetObject = { kind: typeof WorkloadKind.StatefulSet; object: StatefulSet } | { kind: typeof WorkloadKind.DaemonSet; object: DaemonSet };

/** What kubectl's viewer says, the counts, the current revision and the strategy of a set. */
function readSet(set: SetObject, revisions: readonly ControllerRevision[]) {
  if (set.kind === WorkloadKind.StatefulSet) {
    const s = set.object;
    const rolling = s.spec?.updateStrategy?.rollingUpdate;
    return {
      progress: statefulSetProgress(s),
      counts: statefulSetCounts(s),
      current: statefulSetRevision(s, revisions),
      strategy: {
        type: s.spec?.updateStrategy?.type ?? 'RollingUpdate',
        maxSurge: null,
        maxUnavailable: rolling?.maxUnavailable ?? null,
        partition: rolling?.partition ?? null,
      },
    };
  }
  const d = set.object;
  const rolling = d.spec?.updateStrategy?.rollingUpdate;
  return {
    progress: daemonSetProgress(d),
    counts: daemonSetCounts(d),
    current: daemonSetRevision(d, revisions),
    strategy: { type: d.spec?.updateStrategy?.type ?? 'RollingUpdate', maxSurge: rolling?.maxSurge ?? null, maxUnavailable: rolling?.maxUnavailable ?? null },
  };
}

/** The pods of the set's current revision that are not on their way out. */
export function currentPods(set: SetObject, current: CurrentRevision, pods: readonly Pod[]): Pod[] {
  const ds = set.kind === WorkloadKind.DaemonSet ? set.object : undefined;
  return podsOfSet(set.kind, set.object, pods).filter((p) => !isTerminating(p) && isCurrentPod(p, current, ds));
}

/** kubectl's steps, with the fail-fast on top: every current pod stuck on a permanent error. */
function verdictOf(progress: Exclude<SetProgress, { refused: string }>, stuck: Verdict | undefined): Verdict {
  if (!progress.done && progress.step === 'GenerationNotObserved') return { state: RolloutState.InProgress, reason: progress.step, message: progress.message };
  if (stuck) return stuck;
  if (progress.done) return { state: RolloutState.Completed, reason: ROLLED_OUT, message: progress.message };
  return { state: RolloutState.InProgress, reason: progress.step, message: progress.message };
}

/** The rollout view of a StatefulSet or DaemonSet, or kubectl's refusal of its strategy (OnDelete). */
export function setRolloutStatus(
  set: SetObject,
  revisions: readonly ControllerRevision[],
  pods: readonly Pod[],
  now: number,
): RolloutView | { refused: string } {
  const meta = set.object.metadata ?? {};
  const name = meta.name ?? '';
  const { progress, counts, current, strategy } = readSet(set, revisions);
  if ('refused' in progress) return { refused: progress.refused };
  const live = currentPods(set, current, pods);
  const problems = live.flatMap((p) => podProblems(p, now)).sort((a, b) => a.pod.localeCompare(b.pod));
  const v = verdictOf(progress, allNewPodsStuck(`${MESSAGE_WORD[set.kind]} "${name}"`, live.length, problems));
  return {
    kind: set.kind,
    name,
    namespace: meta.namespace ?? '',
    id: deployIdOf(set.object) ?? null,
    status: platformStatus(v.state),
    rollout_status: v.state,
    reason: v.reason,
    message: v.message,
    revision: current.number ?? null,
    paused: false,
    generation: { desired: meta.generation ?? null, observed: set.object.status?.observedGeneration ?? null },
    images: imagesOf(set.object.spec?.template),
    strategy,
    replicas: counts satisfies ReplicaCounts,
    deadline: null,
    conditions: conditionViews(set.object.status?.conditions),
    replicaSets: [],
    podProblems: problems,
  };
}
