// `kubectl paas rollout status [TYPE/NAME..]`: parse → validate → run. The flags (declared in
// commands/table.ts) become RolloutStatusOptions here, a bad value a usage error naming the flag;
// plugin/rollout/run.ts does the rest.
import { parseDuration } from '../../kube-client/duration.js';
import { WorkloadKind } from '../kube/workloads.js';
import type { RolloutStatusOptions } from '../rollout/run.js';
import type { FrontDoor, Run } from './front-door.js';
import { workloadsOf } from './workload-args.js';

/** The flags as yargs gives them. */
interface StatusArgs {
  workloads?: unknown[];
  selector?: string;
  allNamespaces?: boolean;
  watch: boolean;
  timeout: string;
  revision?: number;
  finalOnly: boolean;
  undoOnFailure: boolean;
  dryRun: boolean;
}

/** The options the flags ask for; throws the usage error naming the first that cannot be. */
export function statusOptions(a: StatusArgs, door: FrontDoor): RolloutStatusOptions {
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(a.timeout);
  } catch (err) {
    throw door.usage(`--timeout: ${(err as Error).message}`);
  }
  if (a.revision !== undefined && (!Number.isInteger(a.revision) || a.revision < 0)) {
    throw door.usage(`invalid value "${a.revision}" for --revision: use a whole number of 0 or more`);
  }
  const targets = workloadsOf(a, door);
  const oneDeployment = targets.length === 1 && targets[0]!.kind === WorkloadKind.Deployment && !a.selector && a.allNamespaces !== true;
  if (a.undoOnFailure && !oneDeployment) throw door.usage('--undo-on-failure rolls back one Deployment: name exactly one');
  if (a.dryRun && !a.undoOnFailure) throw door.usage('--dry-run goes with --undo-on-failure');
  // kubectl's viewers of StatefulSets and DaemonSets take no revision ("DaemonSets does not have history yet").
  if (a.revision && targets.some((t) => t.kind !== WorkloadKind.Deployment))
    throw door.usage('--revision pins a Deployment: name no statefulset or daemonset with it');
  return {
    targets,
    ...(a.selector ? { selector: a.selector } : {}),
    allNamespaces: a.allNamespaces === true,
    watch: a.watch,
    timeoutMs,
    ...(a.revision ? { revision: a.revision } : {}),
    output: door.output,
    finalOnly: a.finalOnly,
    undoOnFailure: a.undoOnFailure,
    dryRun: a.dryRun,
    color: door.color,
  };
}

/** Runs `rollout status`; resolves to its exit code. */
export const run: Run = async (argv, door, deps) => {
  const options = statusOptions(argv as unknown as StatusArgs, door);
  const [{ runRolloutStatus }, kube] = await Promise.all([import('../rollout/run.js'), door.kube()]);
  return runRolloutStatus(options, { ...kube, out: deps.out, err: deps.err, isTTY: !!deps.out.isTTY, columns: deps.out.columns, now: deps.now });
};
