// `kubectl paas rollout history <deployment>`: parse → validate → run. The flags (declared in
// commands/table.ts) become HistoryOptions here, a bad value a usage error naming the flag;
// plugin/history/run.ts does the rest.
import type { HistoryOptions } from '../history/run.js';
import { deploymentName } from '../kube/names.js';
import type { FrontDoor, Run } from './front-door.js';

/** The flags as yargs gives them. */
interface HistoryArgs {
  deployment?: string;
  revision?: number;
}

/** The options the flags ask for; throws the usage error naming the first that cannot be. */
export function historyOptions(a: HistoryArgs, door: FrontDoor): HistoryOptions {
  const name = deploymentName(a.deployment ?? '');
  if (name === undefined) throw door.usage(`invalid deployment name "${a.deployment}"`);
  if (a.revision !== undefined && (!Number.isInteger(a.revision) || a.revision < 1)) {
    throw door.usage(`invalid value "${a.revision}" for --revision: use a whole number of 1 or more`);
  }
  return { name, ...(a.revision !== undefined ? { revision: a.revision } : {}), output: door.output, color: door.color };
}

/** Runs `rollout history`; resolves to its exit code. */
export const run: Run = async (argv, door, deps) => {
  const options = historyOptions(argv, door);
  const [{ runHistory }, kube] = await Promise.all([import('../history/run.js'), door.kube()]);
  return runHistory(options, { ...kube, out: deps.out, err: deps.err, now: deps.now });
};
