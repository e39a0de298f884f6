// Where a StatefulSet's or DaemonSet's rollout stands, read from its status as kubectl's
// StatefulSetStatusViewer and DaemonSetStatusViewer read it (k8s.io/kubectl
// pkg/polymorphichelpers/rollout_status.go), step by step and in kubectl's words; and their
// replica counts in the shape a Deployment's take. The one judgement `rollout status` and
// `diagnose` both use for these kinds, as deployment-status.ts is for Deployments. Pure.
import type { ReplicaCounts } from './deployment-status.js';
import type { DaemonSet, StatefulSet } from './objects.js';

/** The step a StatefulSet's or DaemonSet's rollout waits for. */
export const SetStep = {
  GenerationNotObserved: 'GenerationNotObserved',
  /** StatefulSet: fewer pods Ready than replicas. */
  WaitingForReady: 'WaitingForReady',
  /** StatefulSet with a partition: pods at or above it not all updated. */
  UpdatingPartition: 'UpdatingPartition',
  /** StatefulSet without a rollingUpdate block: the update revision is not the current one yet;
   * DaemonSet: fewer pods updated than scheduled. */
  UpdatingReplicas: 'UpdatingReplicas',
  /** DaemonSet: fewer pods available than scheduled. */
  WaitingForAvailable: 'WaitingForAvailable',
} as const;
export type SetStep = (typeof SetStep)[keyof typeof SetStep];

/** The reason of a StatefulSet or DaemonSet that kubectl says is rolled out. */
export const ROLLED_OUT = 'RolledOut';

/** kubectl's refusal of a strategy other than RollingUpdate (OnDelete), word for word. */
export const ONLY_ROLLING_UPDATE = 'rollout status is only available for RollingUpdate strategy type';

const ROLLING_UPDATE = 'RollingUpdate';

/** Where the rollout stands: refused (kubectl errors), waiting on a step, or done. */
export type SetProgress = { refused: string } | { done: false; step: SetStep; message: string } | { done: true; message: string };

/** kubectl's StatefulSetStatusViewer: observed, every pod Ready, then the partition or the revisions. */
export function statefulSetProgress(sts: StatefulSet): SetProgress {
  const spec = sts.spec ?? {};
  const st = sts.status ?? {};
  if (spec.updateStrategy?.type !== ROLLING_UPDATE) return { refused: ONLY_ROLLING_UPDATE };
  const observed = st.observedGeneration ?? 0;
  if (observed === 0 || (sts.metadata?.generation ?? 0) > observed) {
    return { done: false, step: SetStep.GenerationNotObserved, message: 'Waiting for statefulset spec update to be observed...' };
  }
  const replicas = spec.replicas;
  const ready = st.readyReplicas ?? 0;
  const updated = st.updatedReplicas ?? 0;
  if (replicas !== undefined && ready < replicas) {
    return { done: false, step: SetStep.WaitingForReady, message: `Waiting for ${replicas - ready} pods to be ready...` };
  }
  const rolling = spec.updateStrategy.rollingUpdate;
  if (rolling) return partitioned(replicas, rolling.partition, updated);
  if (st.updateRevision !== st.currentRevision) {
    return {
      done: false,
      step: SetStep.UpdatingReplicas,
      message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${st.updateRevision ?? ''}...`,
    };
  }
  return { done: true, message: `statefulset rolling update complete ${st.currentReplicas ?? 0} pods at revision ${st.currentRevision ?? ''}...` };
}

/** kubectl's step for a StatefulSet with a rollingUpdate block: the pods at or above the partition
 * updated. The API server does not always write one: a StatefulSet applied with `type:
 * RollingUpdate` and no block keeps none (test/fixtures/sets/sts-rolled-out.yaml, captured). */
function partitioned(replicas: number | undefined, partition: number | undefined, updated: number): SetProgress {
  if (replicas !== undefined && partition !== undefined && updated < replicas - partition) {
    return {
      done: false,
      step: SetStep.UpdatingPartition,
      message: `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...`,
    };
  }
  return { done: true, message: `partitioned roll out complete: ${updated} new pods have been updated...` };
}

/** kubectl's DaemonSetStatusViewer: observed, every scheduled pod updated, then available. */
export function daemonSetProgress(ds: DaemonSet): SetProgress {
  const name = ds.metadata?.name ?? '';
  const st = ds.status ?? {};
  if (ds.spec?.updateStrategy?.type !== ROLLING_UPDATE) return { refused: ONLY_ROLLING_UPDATE };
  if ((ds.metadata?.generation ?? 0) > (st.observedGeneration ?? 0)) {
    return { done: false, step: SetStep.GenerationNotObserved, message: 'Waiting for daemon set spec update to be observed...' };
  }
  const desired = st.desiredNumberScheduled ?? 0;
  const updated = st.updatedNumberScheduled ?? 0;
  const available = st.numberAvailable ?? 0;
  if (updated < desired) {
    return {
      done: false,
      step: SetStep.UpdatingReplicas,
      message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
    };
  }
  if (available < desired) {
    return {
      done: false,
      step: SetStep.WaitingForAvailable,
      message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`,
    };
  }
  return { done: true, message: `daemon set "${name}" successfully rolled out` };
}

/** Whether kubectl would say the StatefulSet or DaemonSet is rolled out. */
export function setRolledOut(p: SetProgress): boolean {
  return 'done' in p && p.done;
}

/** A StatefulSet's counts in a Deployment's shape: the pods not at the update revision are the old ones. */
export function statefulSetCounts(sts: StatefulSet): ReplicaCounts {
  const st = sts.status ?? {};
  const desired = sts.spec?.replicas ?? 1;
  const updated = st.updatedReplicas ?? 0;
  const available = st.availableReplicas ?? 0;
  return {
    desired,
    updated,
    ready: st.readyReplicas ?? 0,
    available,
    unavailable: Math.max(0, desired - available),
    oldPending: Math.max(0, (st.replicas ?? 0) - updated),
  };
}

/** A DaemonSet's counts in a Deployment's shape: one pod a node it should run on. */
export function daemonSetCounts(ds: DaemonSet): ReplicaCounts {
  const st = ds.status ?? {};
  const updated = st.updatedNumberScheduled ?? 0;
  return {
    desired: st.desiredNumberScheduled ?? 0,
    updated,
    ready: st.numberReady ?? 0,
    available: st.numberAvailable ?? 0,
    unavailable: st.numberUnavailable ?? 0,
    oldPending: Math.max(0, (st.currentNumberScheduled ?? 0) - updated),
  };
}
