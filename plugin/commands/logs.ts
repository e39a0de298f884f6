// `kubectl paas logs DEPLOYMENT`: parse → validate → run. The flags become LogsOptions here (a bad
// value is a usage error naming the flag); plugin/logs/run.ts does the rest.
import type { Argv } from 'yargs';
import type { CliDeps } from '../deps.js';
import { deploymentName } from '../kube/names.js';
import { connectionFlags } from '../lib/connection-flags.js';
import { usageError, type PaasError } from '../../core/errors.js';
import { COMMAND_EXITS, exitCodeHelp } from '../../core/exit-codes.js';
import type { Containers, Selection } from '../logs/select.js';

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
  output?: string;
}

/** The `logs` command's flags for plugin/cli.ts. */
export function builder(y: Argv): Argv {
  return y
    .positional('deployment', { type: 'string', describe: 'The Deployment (name or deployment/name)' })
    .option('deploy-id', { type: 'string', describe: 'The rollout with this paas.io/deploy-id' })
    .option('revision', { type: 'number', describe: 'The rollout of this revision (kubectl paas rollout history lists them)' })
    .option('new', { type: 'boolean', describe: "The new ReplicaSet's pods: the rollout of the current template (the default)" })
    .option('old', { type: 'boolean', describe: "The old ReplicaSets' pods that still run (the rollout being replaced)" })
    .option('container', { alias: 'c', type: 'string', describe: 'Only this container of each pod' })
    .option('all-containers', {
      type: 'boolean',
      default: true,
      describe: 'Every container of each pod, init containers too; --all-containers=false: the default one',
    })
    .option('previous', { alias: 'p', type: 'boolean', default: false, describe: "The previous instance's logs (before the last restart)" })
    .option('since', { type: 'string', describe: 'Only lines newer than this (5s, 2m, 3h)' })
    .option('tail', { type: 'number', default: -1, describe: 'Lines of each log to show, from its end; -1: all' })
    .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'Stream the logs; pods that come are picked up, pods that go dropped' })
    .option('prefix', { type: 'boolean', default: true, describe: 'Prefix each line with [pod/NAME/CONTAINER]' })
    .option('max-log-requests', { type: 'number', default: 5, describe: 'Most log streams open at once' })
    .example('kubectl paas logs web', 'Every container of every pod of the current rollout of "web"')
    .example('kubectl paas logs web --old -f', 'Follow the pods being replaced until the last one is gone')
    .example(
      'kubectl paas logs web --deploy-id 5f0c2a9e-7b1d-4c3e-9a8f-6e5d4c3b2a10 --previous --tail 100',
      'The roll under investigation, before its last crash',
    )
    .epilogue(exitCodeHelp(COMMAND_EXITS.logs));
}

/** Runs `logs`; sets the exit code. */
export async function handler(argv: LogsArgs, setCode: (code: number) => void, deps: CliDeps): Promise<void> {
  const options = await parse(argv);
  const [{ runLogs }, kube] = await Promise.all([import('../logs/run.js'), deps.kube(connectionFlags(argv as unknown as Record<string, unknown>))]);
  setCode(await runLogs(options, { ...kube, out: deps.out, err: deps.err }));
}

function usage(msg: string): PaasError {
  return usageError(msg, 'kubectl paas logs');
}

function selectionOf(argv: LogsArgs): Selection {
  const given = [argv.deployId !== undefined, argv.revision !== undefined, argv.new === true, argv.old === true].filter(Boolean).length;
  if (given > 1) throw usage('give one of --deploy-id, --revision, --new, --old');
  if (argv.deployId !== undefined) {
    if (!argv.deployId) throw usage('--deploy-id: give the paas.io/deploy-id of a rollout');
    return { kind: 'deployId', id: argv.deployId };
  }
  if (argv.revision !== undefined) {
    if (!Number.isInteger(argv.revision) || argv.revision < 1) throw usage(`invalid value "${argv.revision}" for --revision: use a whole number of 1 or more`);
    return { kind: 'revision', revision: argv.revision };
  }
  return argv.old ? { kind: 'old' } : { kind: 'new' };
}

function containersOf(argv: LogsArgs): Containers {
  if (argv.container !== undefined) {
    if (!argv.container) throw usage('-c/--container: give a container name');
    return { kind: 'named', name: argv.container };
  }
  return argv.allContainers ? { kind: 'all' } : { kind: 'default' };
}

async function parse(argv: LogsArgs) {
  const [{ parseDuration }, { parseOutputFormat, OutputFormat }] = await Promise.all([import('../../kube-client/duration.js'), import('../lib/output.js')]);
  const name = deploymentName(argv.deployment ?? '');
  if (name === undefined) throw usage(`invalid deployment name "${argv.deployment}"`);
  let output: ReturnType<typeof parseOutputFormat>;
  try {
    output = parseOutputFormat(argv.output);
  } catch (err) {
    throw usage((err as Error).message);
  }
  if (output === OutputFormat.yaml) throw usage('logs prints lines: use -o text (default) or -o json (one JSON object a line)');
  let sinceSeconds: number | undefined;
  if (argv.since !== undefined) {
    try {
      sinceSeconds = Math.ceil(parseDuration(argv.since) / 1000);
    } catch (err) {
      throw usage(`--since: ${(err as Error).message}`);
    }
    if (sinceSeconds <= 0) throw usage(`invalid value "${argv.since}" for --since: use a duration above 0`);
  }
  if (!Number.isInteger(argv.tail) || argv.tail < -1) throw usage(`invalid value "${argv.tail}" for --tail: use -1 (all) or a whole number of 0 or more`);
  if (!Number.isInteger(argv.maxLogRequests) || argv.maxLogRequests < 1) {
    throw usage(`invalid value "${argv.maxLogRequests}" for --max-log-requests: use a whole number of 1 or more`);
  }
  if (argv.previous && argv.follow) throw usage('--previous reads a log that has ended: leave out -f/--follow');
  return {
    name,
    selection: selectionOf(argv),
    containers: containersOf(argv),
    previous: argv.previous,
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
    ...(argv.tail >= 0 ? { tailLines: argv.tail } : {}),
    follow: argv.follow,
    prefix: argv.prefix,
    json: output === OutputFormat.json,
    maxRequests: argv.maxLogRequests,
  };
}
