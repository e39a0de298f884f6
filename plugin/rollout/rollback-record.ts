// The `rollback` record of `rollout status --undo-on-failure`: what the JSON documents and the
// view carry. Its own module so the view (status.ts) and the planner (undo.ts) both import it
// without importing each other.

/** What became of the rollback (JSON `rollback.outcome`). */
export const RollbackOutcome = {
  /** --dry-run: the API server accepted the patch with dryRun=All; nothing was stored. */
  DryRun: 'DryRun',
  /** Not attempted: see `reason`. */
  Skipped: 'Skipped',
  /** Written, not yet at a verdict (--watch=false). */
  InProgress: 'InProgress',
  Completed: 'Completed',
  Failed: 'Failed',
  Timeout: 'Timeout',
} as const;
export type RollbackOutcome = (typeof RollbackOutcome)[keyof typeof RollbackOutcome];

/** Why a rollback was not attempted. */
export const SkipReason = {
  /** --revision N named another revision than the one running: not ours to undo. */
  RevisionPinned: 'RevisionPinned',
  /** spec.paused: kubectl refuses too; someone is holding the rollout on purpose. */
  Paused: 'Paused',
  /** No earlier revision left in ReplicaSets (the first rollout, or history cleaned up). */
  FirstRevision: 'FirstRevision',
  /** The template already equals the previous revision's (kubectl: "skipped rollback"). */
  AlreadyCurrent: 'AlreadyCurrent',
  /** The Deployment changed after the verdict (a newer apply, a manual undo, a pause). */
  MovedOn: 'MovedOn',
  /** The rollout completed after all between the verdict and the write. */
  Recovered: 'Recovered',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

/** The `rollback` object of the JSON documents. */
export interface Rollback {
  /** The revision that failed. */
  fromRevision: number | null;
  /** The revision rolled back to (the controller renumbers it as the newest once it runs again). */
  toRevision: number | null;
  /** That revision's paas.io/deploy-id (null when unstamped). */
  deployId: string | null;
  outcome: RollbackOutcome;
  /** Skipped: a SkipReason; else the rollback's own view's reason. */
  reason: string;
  /** One human line. */
  message: string;
}
