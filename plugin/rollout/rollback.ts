// `rollout status --undo-on-failure` at run time, the edge: after a Failed or Timeout verdict,
// write the rollback undo.ts plans (guarded by the resourceVersion the verdict was reached on),
// then follow it over the same watches to its own verdict. Exit code: the failure's (1 or 2),
// ExitCode.rollbackFailed (6) when the rollback could not be written or did not complete.
import { apiPath, Resource } from '../../kube-client/paths.js';
import type { Deployment } from '../kube/objects.js';
import { deployIdOf } from '../kube/replica-sets.js';
import { WorkloadKind, workloadKey } from '../kube/workloads.js';
import { isStatus, PatchType, type Rest } from '../kube/rest.js';
import { ExitCode } from '../../core/errors.js';
import { listsOf, runPhase, type Phase } from './follow.js';
import { rolloutStatus, type RolloutView } from './status.js';
import type { Tracked } from './tracking.js';
import { RollbackOutcome, type Rollback } from './rollback-record.js';
import { announce, concluded, planUndo, reconsider, rollbackOf, rollbackTimeoutMs, type UndoPlan } from './undo.js';

/** The rollout phase that ended in `failure`, and what the rollback needs on top. */
export interface RollbackRun extends Phase {
  rest: Rest;
  failure: RolloutView;
  /** The failure's exit code (1 or 2). */
  code: number;
  dryRun: boolean;
  /** The followed Deployment at the verdict. */
  tracked: Tracked[];
  /** Translates an API error into one line about `what`. */
  describe: (err: unknown, what: string) => Error;
}

/** The guarded write went through: the plan and the Deployment as the API server stored it. */
interface Written {
  plan: UndoPlan;
  stored: Deployment;
}

// Conflicts on the Deployment's status alone (the controller writing it) are retried this often.
const MAX_CONFLICTS = 3;

const isText = (r: RollbackRun): boolean => !r.screen.holdsFinal && !r.screen.streams;

/** Writes the rollback's document (JSON, YAML) or line (text) when it ends without being followed. */
function report(r: RollbackRun, rollback: Rollback, line: string): void {
  if (isText(r)) {
    r.write(line);
    return;
  }
  r.screen.rollingBack(() => ({ ...r.failure, rollback }));
  r.write(r.screen.final(r.tracked));
}

/** Rolls back the failed rollout, then follows the rollback; resolves to the exit code. */
export async function rollBack(r: RollbackRun): Promise<number> {
  const name = r.failure.name;
  const deployment = listsOf(r.watched).deployments.get(workloadKey(WorkloadKind.Deployment, r.failure.namespace, name));
  if (!deployment) return r.code;
  // The rollback's own bound, from now: the write and its follow are not cut by the one that ran out.
  r.deadline.arm(rollbackTimeoutMs(r.timeoutMs, deployment));
  let written: Written | { skip: Rollback };
  try {
    written = await writeUndo(r, deployment);
  } catch (err) {
    const message = r.describe(err, `rollback of deployment "${name}"`).message;
    r.error(message);
    report(r, { fromRevision: r.failure.revision, toRevision: null, deployId: null, outcome: RollbackOutcome.Failed, reason: 'WriteFailed', message }, '');
    return ExitCode.rollbackFailed;
  }
  if ('skip' in written) {
    report(r, written.skip, `${written.skip.message}\n`);
    return r.code;
  }
  const { plan, stored } = written;
  const target = { ...plan, deployId: deployIdOf(stored) ?? null };
  const line = announce(r.failure, plan, target.deployId, r.dryRun);
  if (r.dryRun || !r.watch) {
    const outcome = r.dryRun ? RollbackOutcome.DryRun : RollbackOutcome.InProgress;
    report(r, { ...rollbackOf(target, r.failure, false), outcome, reason: outcome, message: line.trimEnd() }, line);
    return r.code;
  }
  if (isText(r)) r.write(line);
  return follow(r, target, stored);
}

/** The guarded PATCH; on a conflict, reconsiders against the Deployment as it is now. */
async function writeUndo(r: RollbackRun, deployment: Deployment): Promise<Written | { skip: Rollback }> {
  const path = apiPath(Resource.deployments, { namespace: r.failure.namespace, name: r.failure.name });
  const query = { fieldManager: 'kubectl-paas', ...(r.dryRun ? { dryRun: 'All' } : {}) };
  let current = deployment;
  for (let conflicts = 0; ; conflicts++) {
    const lists = listsOf(r.watched);
    const decision = planUndo(current, lists.replicaSets, r.failure);
    if ('skip' in decision) return decision;
    try {
      return { plan: decision.undo, stored: await r.rest.patch<Deployment>(path, decision.undo.patch, PatchType.json, query) };
    } catch (err) {
      if (!isStatus(err, 409) || conflicts + 1 >= MAX_CONFLICTS) throw err;
      const now = await r.rest.get<Deployment>(path);
      const next = reconsider(current, now, rolloutStatus(now, lists.replicaSets, lists.pods, r.now(), r.status), decision.undo);
      if ('skip' in next) return next;
      current = now;
    }
  }
}

/** Follows the rollback to its verdict over the same watches. */
async function follow(r: RollbackRun, plan: UndoPlan, stored: Deployment): Promise<number> {
  const name = r.failure.name;
  const key = workloadKey(WorkloadKind.Deployment, r.failure.namespace, name);
  const generation = stored.metadata?.generation ?? 0;
  const status = plan.staleDeadlineMs !== undefined ? { staleDeadlineMs: plan.staleDeadlineMs } : {};
  r.screen.rollingBack((v) => ({ ...r.failure, rollback: rollbackOf(plan, v, true) }));
  const lists = listsOf(r.watched);
  // Until the watch brings the write back, the Deployment is the one the API server answered.
  const start: Tracked[] = [
    { kind: WorkloadKind.Deployment, namespace: r.failure.namespace, name, view: rolloutStatus(stored, lists.replicaSets, lists.pods, r.now(), status) },
  ];
  const ended = await runPhase(
    {
      ...r,
      timeoutMs: rollbackTimeoutMs(r.timeoutMs, stored),
      status,
      ready: (l) => (l.deployments.get(key)?.metadata?.generation ?? 0) >= generation,
    },
    start,
  );
  const view = ended[0]?.view;
  r.write(r.screen.final(ended));
  if (!view) return ExitCode.rollbackFailed;
  const rollback = rollbackOf(plan, view, true);
  if (isText(r)) r.write(concluded(name, rollback, view.revision));
  return rollback.outcome === RollbackOutcome.Failed || rollback.outcome === RollbackOutcome.Timeout ? ExitCode.rollbackFailed : r.code;
}
