// `kubectl paas rollout status [deployments..]`: parse → validate → run. The flags (declared in
// commands/table.ts) become RolloutStatusOptions here, a bad value a usage error naming the flag;
// plugin/rollout/run.ts does the rest.
import { parseDuration } from '../../kube-client/duration.js';
import { deploymentName } from '../kube/names.js';
import type { RolloutStatusOptions } from '../rollout/run.js';
import type { FrontDoor, Run } from './front-door.js';

/** The flags as yargs gives them. */
interface StatusArgs {
  deployments?: unknown[];
  selector?: string;
  watch: boolean;
  timeout: string;
  revision?: number;
  finalOnly: boolean;
  undoOnFailure: boolean;
  dryRun: boolean;
}

/** The Deployment names given, each checked. */
function namesOf(a: StatusArgs, door: FrontDoor): string[] {
  return (a.deployments ?? []).map(String).map((arg) => {
    const n = deploymentName(arg);
    if (n === undefined) throw door.usage(`invalid deployment name "${arg}"`);
    return n;
  });
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
  const names = namesOf(a, door);
  if (names.length && a.selector) throw door.usage('name Deployments or give -l/--selector, not both');
  if (a.undoOnFailure && (names.length !== 1 || a.selector)) throw door.usage('--undo-on-failure rolls back one Deployment: name exactly one');
  if (a.dryRun && !a.undoOnFailure) throw door.usage('--dry-run goes with --undo-on-failure');
  return {
    names,
    ...(a.selector ? { selector: a.selector } : {}),
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
