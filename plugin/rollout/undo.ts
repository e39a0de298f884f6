// `rollout status --undo-on-failure`: what to do when the rollout failed, decided without I/O.
// The undo is kubectl's `rollout undo` (pkg/polymorphichelpers/rollback.go): the previous
// revision's pod template (without pod-template-hash) and its annotations go back into the
// Deployment in one JSON Patch. On top, the patch first sets the resourceVersion the verdict was
// reached on, so the API server refuses it (409 Conflict) if the Deployment moved on since, and
// it records the failure in one annotation (ROLLED_BACK_ANNOTATION).
import { ROLLED_BACK_ANNOTATION } from '../../core/names.js';
import { timeMs, type Deployment, type PodTemplate, type ReplicaSet } from '../kube/objects.js';
import {
  deployIdOf,
  POD_TEMPLATE_HASH,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  revisionOf,
  splitReplicaSets,
  templatesEqualIgnoringHash,
} from '../kube/replica-sets.js';
import { ConditionType } from '../kube/objects.js';
import { ProgressingReason } from '../kube/deployment-status.js';
import type { RolledBackRecord } from '../kube/rolled-back.js';
import { Reason, RolloutState, type RolloutView } from './status.js';
import { RollbackOutcome, SkipReason, type Rollback } from './rollback-record.js';

/** One JSON Patch operation. */
export interface PatchOp {
  op: 'replace' | 'test';
  path: string;
  value: unknown;
}

/** A rollback to write. */
export interface UndoPlan {
  fromRevision: number | null;
  toRevision: number;
  deployId: string | null;
  /** The ReplicaSet that holds the revision rolled back to. */
  replicaSet: string;
  /** The JSON Patch for the Deployment, guarded by its resourceVersion. */
  patch: PatchOp[];
  /** The failed rollout's ProgressDeadlineExceeded lastUpdateTime (ms), which the controller
   * keeps until the rollback progresses: it says nothing about the rollback. */
  staleDeadlineMs?: number;
}

/** Roll back, or why not. */
export type UndoDecision = { undo: UndoPlan } | { skip: Rollback };

// kubectl's annotationsToSkip: kept from the Deployment, never copied from the ReplicaSet.
const KEPT_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

/** Whether a rollout's final state calls for --undo-on-failure. */
export function isFailure(state: RolloutState): boolean {
  return state === RolloutState.Failed || state === RolloutState.Timeout;
}

/**
 * The previous revision, as kubectl picks it: of the Deployment's ReplicaSets, the one with the
 * second-highest revision. When the failed template never got a ReplicaSet (its creation was
 * refused), the highest revision is the one that ran before it.
 */
function previousOf(deployment: Deployment, replicaSets: readonly ReplicaSet[]): ReplicaSet | undefined {
  const { newRS, oldRSs } = splitReplicaSets(deployment, replicaSets);
  const byRevision = [...(newRS ? [newRS] : []), ...oldRSs].filter((rs) => revisionOf(rs) !== undefined).sort((a, b) => revisionOf(b)! - revisionOf(a)!);
  return newRS ? byRevision[1] : byRevision[0];
}

function withoutHash(t: PodTemplate | undefined): PodTemplate {
  const { [POD_TEMPLATE_HASH]: _hash, ...labels } = t?.metadata?.labels ?? {};
  return { ...t, metadata: { ...t?.metadata, labels } };
}

/** The Deployment's annotations after the undo: kubectl's, and the record of the failure. */
function annotationsAfter(deployment: Deployment, rs: ReplicaSet, failed: RolledBackRecord): Record<string, string> {
  const out: Record<string, string> = {};
  const own = deployment.metadata?.annotations ?? {};
  for (const k of KEPT_ANNOTATIONS) if (k in own) out[k] = own[k]!;
  for (const [k, v] of Object.entries(rs.metadata?.annotations ?? {})) if (!KEPT_ANNOTATIONS.has(k)) out[k] = v;
  out[ROLLED_BACK_ANNOTATION] = JSON.stringify(failed);
  return out;
}

const skipped = (reason: SkipReason, message: string, r: Partial<Rollback> = {}): { skip: Rollback } => ({
  skip: {
    fromRevision: r.fromRevision ?? null,
    toRevision: r.toRevision ?? null,
    deployId: r.deployId ?? null,
    outcome: RollbackOutcome.Skipped,
    reason,
    message,
  },
});

/** The failed rollout's ProgressDeadlineExceeded condition time, if that is how it failed. */
function deadlineConditionMs(d: Deployment): number | undefined {
  const c = d.status?.conditions?.find((x) => x.type === ConditionType.Progressing);
  return c?.reason === ProgressingReason.ProgressDeadlineExceeded ? timeMs(c.lastUpdateTime) : undefined;
}

/**
 * Whether and how to roll back a Deployment whose rollout ended in `view` (Failed or Timeout),
 * from the objects the verdict was reached on. Never: a --revision another rollout superseded,
 * a paused Deployment, a first revision.
 */
export function planUndo(deployment: Deployment, replicaSets: readonly ReplicaSet[], view: RolloutView): UndoDecision {
  const name = view.name;
  const from = { fromRevision: view.revision };
  if (view.reason === Reason.RevisionMismatch) {
    return skipped(SkipReason.RevisionPinned, `not rolling back deployment "${name}": ${view.message}, which is not the rollout --revision named`, from);
  }
  if (deployment.spec?.paused === true) {
    return skipped(
      SkipReason.Paused,
      `not rolling back deployment "${name}": it is paused (kubectl refuses too; resume it with: kubectl rollout resume deployment/${name} -n ${view.namespace})`,
      from,
    );
  }
  const prev = previousOf(deployment, replicaSets);
  const toRevision = revisionOf(prev);
  if (!prev || toRevision === undefined) {
    return skipped(SkipReason.FirstRevision, `not rolling back deployment "${name}": no earlier revision is left to roll back to`, from);
  }
  const target = { ...from, toRevision, deployId: deployIdOf(prev) ?? null };
  if (templatesEqualIgnoringHash(prev.spec?.template, deployment.spec?.template)) {
    return skipped(SkipReason.AlreadyCurrent, `not rolling back deployment "${name}": its template already matches revision ${toRevision}`, target);
  }
  const rv = deployment.metadata?.resourceVersion;
  if (!rv) throw new Error(`deployment "${name}" has no resourceVersion: cannot guard the rollback`);
  const stale = deadlineConditionMs(deployment);
  return {
    undo: {
      ...target,
      replicaSet: prev.metadata?.name ?? '',
      patch: [
        // Not kubectl's: the guard. A patch that sets a stale resourceVersion is refused (409).
        { op: 'replace', path: '/metadata/resourceVersion', value: rv },
        { op: 'replace', path: '/spec/template', value: withoutHash(prev.spec?.template) },
        {
          op: 'replace',
          path: '/metadata/annotations',
          value: annotationsAfter(deployment, prev, { revision: view.revision, deployId: view.id, reason: view.reason }),
        },
      ],
      ...(stale !== undefined ? { staleDeadlineMs: stale } : {}),
    },
  };
}

/** What to do after the API server refused the guarded write (409): the Deployment as it is now. */
export type Reconsidered = { retry: true } | { skip: Rollback };

/**
 * After a conflict: retry (guarded by the new resourceVersion) only when the Deployment's pod
 * template is the one the verdict was reached on and the rollout has not recovered; else back off
 * and say why. Not the generation: the API server bumps it for annotation changes too (they are
 * copied to ReplicaSets), and a new annotation or a scale is no newer rollout.
 * `nowView` is the rollout's view of `now`.
 */
export function reconsider(before: Deployment, now: Deployment, nowView: RolloutView, plan: UndoPlan): Reconsidered {
  const name = nowView.name;
  const target = { fromRevision: plan.fromRevision, toRevision: plan.toRevision, deployId: plan.deployId };
  const was = before.metadata?.generation;
  const is = now.metadata?.generation;
  if (!templatesEqualIgnoringHash(before.spec?.template, now.spec?.template)) {
    return skipped(
      SkipReason.MovedOn,
      `not rolling back deployment "${name}": it changed after the failure (generation ${was ?? '-'} -> ${is ?? '-'}, revision ${nowView.revision ?? '-'}); leaving the newer change alone`,
      target,
    );
  }
  if (now.spec?.paused === true) {
    return skipped(SkipReason.Paused, `not rolling back deployment "${name}": it was paused after the failure`, target);
  }
  if (nowView.rollout_status === RolloutState.Completed) {
    return skipped(SkipReason.Recovered, `not rolling back deployment "${name}": it rolled out after all`, target);
  }
  return { retry: true };
}

const OUTCOME_OF: Record<RolloutState, RollbackOutcome> = {
  InProgress: RollbackOutcome.InProgress,
  // Paused by someone while it rolled back: not finished, and not the rollback's failure.
  Paused: RollbackOutcome.InProgress,
  Completed: RollbackOutcome.Completed,
  Failed: RollbackOutcome.Failed,
  Timeout: RollbackOutcome.Timeout,
};

/** The rollback once written: its own view's verdict (`watched` false: --watch=false, not waited for). */
export function rollbackOf(plan: Pick<UndoPlan, 'fromRevision' | 'toRevision' | 'deployId'>, view: RolloutView, watched: boolean): Rollback {
  return {
    fromRevision: plan.fromRevision,
    toRevision: plan.toRevision,
    deployId: plan.deployId,
    outcome: watched ? OUTCOME_OF[view.rollout_status] : RollbackOutcome.InProgress,
    reason: view.reason,
    message: view.message,
  };
}

/** The longest wait setTimeout takes (about 24.8 days); a longer progress deadline means none. */
const MAX_TIMER_S = 2_147_483;

/**
 * How long to follow the rollback: --timeout again when set, else the Deployment's own progress
 * deadline (the controller's deadline condition, still the failed rollout's, cannot be trusted
 * until the rollback progresses); 0 when there is none.
 */
export function rollbackTimeoutMs(timeoutMs: number, deployment: Deployment): number {
  if (timeoutMs > 0) return timeoutMs;
  const s = deployment.spec?.progressDeadlineSeconds ?? 600;
  return s >= MAX_TIMER_S ? 0 : s * 1000;
}

/** The line that announces the rollback once the API server took it (or, with --dry-run, what it
 * would do); `storedId` is the deploy-id the API server (and its webhooks) stored. */
export function announce(view: RolloutView, plan: UndoPlan, storedId: string | null, dryRun: boolean): string {
  const what = `revision ${plan.fromRevision ?? '-'} of deployment "${view.name}" ${view.rollout_status === RolloutState.Timeout ? 'timed out' : 'failed'} (${view.reason})`;
  const id = storedId ? `deploy-id ${storedId}` : 'no deploy-id';
  const changed =
    storedId !== plan.deployId ? `; revision ${plan.toRevision} had ${plan.deployId ? `deploy-id ${plan.deployId}` : 'none'}: a webhook changed it` : '';
  return dryRun
    ? `${what}: would roll back to revision ${plan.toRevision} (${id}, replica set ${plan.replicaSet}${changed}); dry run, nothing changed\n`
    : `${what}: rolling back to revision ${plan.toRevision} (${id}, replica set ${plan.replicaSet}${changed})\n`;
}

/** The last line once the rollback reached its verdict. */
export function concluded(name: string, rollback: Rollback, revisionNow: number | null): string {
  const id = rollback.deployId ? `deploy-id ${rollback.deployId}` : 'no deploy-id';
  if (rollback.outcome === RollbackOutcome.Completed) {
    return `deployment "${name}" rolled back to revision ${rollback.toRevision ?? '-'} (${id}; the controller numbers it revision ${revisionNow ?? '-'} now)\n`;
  }
  return `rollback of deployment "${name}" to revision ${rollback.toRevision ?? '-'} ${rollback.outcome === RollbackOutcome.InProgress ? 'is not finished' : 'failed'}: ${rollback.message}\n`;
}
