// `kubectl paas logs <deployment>`: parse → validate → run. The flags (declared in
// commands/table.ts) become LogsOptions here, a bad value a usage error naming the flag;
// plugin/logs/run.ts does the rest.
import { parseDuration } from '../../kube-client/duration.js';
import { deploymentName } from '../kube/names.js';
import { OutputFormat } from '../lib/output.js';
import type { LogsOptions } from '../logs/run.js';
import type { Containers, Selection } from '../logs/select.js';
import type { FrontDoor, Run } from './front-door.js';

/** The flags as yargs gives them. */
interface LogsArgs {
  deployment?: string;
  deployId?: string;
  revision?: number;
  new?: boolean;
  old?: boolean;
  container?: string;
  allContainers: boolean;
  previous: boolean;
  since?: string;
  tail: number;
  follow: boolean;
  prefix: boolean;
  maxLogRequests: number;
}

/** Which rollout: at most one of --deploy-id, --revision, --new, --old (default --new). */
function selectionOf(a: LogsArgs, door: FrontDoor): Selection {
  const given = [a.deployId !== undefined, a.revision !== undefined, a.new === true, a.old === true].filter(Boolean).length;
  if (given > 1) throw door.usage('give one of --deploy-id, --revision, --new, --old');
  if (a.deployId !== undefined) {
    if (!a.deployId) throw door.usage('--deploy-id: give the paas.io/deploy-id of a rollout');
    return { kind: 'deployId', id: a.deployId };
  }
  if (a.revision !== undefined) {
    if (!Number.isInteger(a.revision) || a.revision < 1) throw door.usage(`invalid value "${a.revision}" for --revision: use a whole number of 1 or more`);
    return { kind: 'revision', revision: a.revision };
  }
  return a.old ? { kind: 'old' } : { kind: 'new' };
}

/** Which containers of each pod. */
function containersOf(a: LogsArgs, door: FrontDoor): Containers {
  if (a.container !== undefined) {
    if (!a.container) throw door.usage('-c/--container: give a container name');
    return { kind: 'named', name: a.container };
  }
  return a.allContainers ? { kind: 'all' } : { kind: 'default' };
}

/** --since in whole seconds, if given. */
function sinceSecondsOf(a: LogsArgs, door: FrontDoor): number | undefined {
  if (a.since === undefined) return undefined;
  let seconds: number;
  try {
    seconds = Math.ceil(parseDuration(a.since) / 1000);
  } catch (err) {
    throw door.usage(`--since: ${(err as Error).message}`);
  }
  if (seconds <= 0) throw door.usage(`invalid value "${a.since}" for --since: use a duration above 0`);
  return seconds;
}

/** The options the flags ask for; throws the usage error naming the first that cannot be. */
export function logsOptions(a: LogsArgs, door: FrontDoor): LogsOptions {
  const name = deploymentName(a.deployment ?? '');
  if (name === undefined) throw door.usage(`invalid deployment name "${a.deployment}"`);
  const sinceSeconds = sinceSecondsOf(a, door);
  if (!Number.isInteger(a.tail) || a.tail < -1) throw door.usage(`invalid value "${a.tail}" for --tail: use -1 (all) or a whole number of 0 or more`);
  if (!Number.isInteger(a.maxLogRequests) || a.maxLogRequests < 1) {
    throw door.usage(`invalid value "${a.maxLogRequests}" for --max-log-requests: use a whole number of 1 or more`);
  }
  if (a.previous && a.follow) throw door.usage('--previous reads a log that has ended: leave out -f/--follow');
  return {
    name,
    selection: selectionOf(a, door),
    containers: containersOf(a, door),
    previous: a.previous,
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
    ...(a.tail >= 0 ? { tailLines: a.tail } : {}),
    follow: a.follow,
    prefix: a.prefix,
    json: door.output === OutputFormat.json,
    maxRequests: a.maxLogRequests,
  };
}

/** Runs `logs`; resolves to its exit code. */
export const run: Run = async (argv, door, deps) => {
  const options = logsOptions(argv as unknown as LogsArgs, door);
  const [{ runLogs }, kube] = await Promise.all([import('../logs/run.js'), door.kube()]);
  return runLogs(options, { ...kube, out: deps.out, err: deps.err });
};
