// Where a Deployment's rollout stands, read from its status as kubectl's DeploymentStatusViewer
// and the Deployment controller read it: whether the spec was observed, which step it still waits
// for (updated, old replicas gone, available), whether it is rolled out, and how long until the
// progress deadline. The one judgement `rollout status` and `diagnose` both use. Pure.
import { ConditionStatus, ConditionType, timeMs, type Condition, type Deployment } from './objects.js';

/** The replica counts of a Deployment's status (unset counts are 0; spec.replicas defaults to 1). */
export interface ReplicaCounts {
  desired: number;
  updated: number;
  ready: number;
  available: number;
  unavailable: number;
  /** kubectl's "old replicas pending termination": status.replicas - updatedReplicas. */
  oldPending: number;
}

/** The step a rollout waits for, in kubectl's order. */
export const WaitStep = {
  GenerationNotObserved: 'GenerationNotObserved',
  UpdatingReplicas: 'UpdatingReplicas',
  OldReplicasPendingTermination: 'OldReplicasPendingTermination',
  WaitingForAvailable: 'WaitingForAvailable',
} as const;
export type WaitStep = (typeof WaitStep)[keyof typeof WaitStep];

/** The controller's Progressing reasons the plugin reads. */
export const ProgressingReason = {
  NewReplicaSetAvailable: 'NewReplicaSetAvailable',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  DeploymentPaused: 'DeploymentPaused',
} as const;

/** progressDeadlineSeconds meaning "no deadline" (math.MaxInt32). */
const NO_DEADLINE = 2147483647;

/** The replica counts, as `kubectl get deployment` shows them. */
export function replicaCounts(d: Deployment): ReplicaCounts {
  const st = d.status ?? {};
  const updated = st.updatedReplicas ?? 0;
  return {
    desired: d.spec?.replicas ?? 1,
    updated,
    ready: st.readyReplicas ?? 0,
    available: st.availableReplicas ?? 0,
    unavailable: st.unavailableReplicas ?? 0,
    oldPending: Math.max(0, (st.replicas ?? 0) - updated),
  };
}

/** Whether the controller has seen the latest spec (status.observedGeneration >= metadata.generation). */
export function generationObserved(d: Deployment): boolean {
  const desired = d.metadata?.generation;
  const observed = d.status?.observedGeneration;
  return desired === undefined || (observed !== undefined && observed >= desired);
}

/** The step the replicas still wait for, with kubectl's words; undefined once rolled out. */
export function replicaWait(r: ReplicaCounts): { step: WaitStep; message: string } | undefined {
  if (r.updated < r.desired) return { step: WaitStep.UpdatingReplicas, message: `${r.updated} out of ${r.desired} new replicas have been updated...` };
  if (r.oldPending > 0) return { step: WaitStep.OldReplicasPendingTermination, message: `${r.oldPending} old replicas are pending termination...` };
  if (r.available < r.updated) return { step: WaitStep.WaitingForAvailable, message: `${r.available} of ${r.updated} updated replicas are available...` };
  return undefined;
}

/** Rolled out, as kubectl's `rollout status` says "successfully rolled out": the spec observed,
 * every replica updated, no old one left, every updated one available. */
export function isRolledOut(d: Deployment): boolean {
  return generationObserved(d) && replicaWait(replicaCounts(d)) === undefined;
}

/** A condition of the Deployment's status by type. */
export function conditionOf(d: Deployment, type: string): Condition | undefined {
  return d.status?.conditions?.find((c) => c.type === type);
}

/** The progress deadline while it runs: the controller measures it from the Progressing
 * condition's lastUpdateTime, and stops the clock once the rollout completes or is paused. */
export interface ProgressDeadline {
  seconds: number;
  /** RFC 3339, whole seconds. */
  expiresAt: string;
  /** Whole seconds until it passes, rounded up; 0 once passed. */
  secondsLeft: number;
}

/** The deadline running on the Deployment at `now`, or null when none runs (unset, "no deadline",
 * Progressing not True, or complete). Paused Deployments are the caller's to exclude. */
export function progressDeadline(d: Deployment, now: number): ProgressDeadline | null {
  const seconds = d.spec?.progressDeadlineSeconds;
  const progressing = conditionOf(d, ConditionType.Progressing);
  if (seconds === undefined || seconds >= NO_DEADLINE || progressing?.status !== ConditionStatus.True) return null;
  if (progressing.reason === ProgressingReason.NewReplicaSetAvailable) return null;
  const from = timeMs(progressing.lastUpdateTime);
  if (from === undefined) return null;
  const expires = from + seconds * 1000;
  return {
    seconds,
    expiresAt: new Date(expires).toISOString().replace('.000Z', 'Z'),
    secondsLeft: Math.max(0, Math.ceil((expires - now) / 1000)),
  };
}
