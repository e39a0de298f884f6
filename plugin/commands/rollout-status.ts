// `kubectl paas rollout status|history`: parse → validate → run. The flags become
// RolloutStatusOptions (HistoryOptions) here (a bad value is a usage error naming the flag);
// plugin/rollout/run.ts (plugin/history/run.ts) does the rest.
import type { Argv } from 'yargs';
import type { CliDeps } from '../deps.js';
import { deploymentName } from '../kube/names.js';
import { connectionFlags } from '../lib/connection-flags.js';
import { usageError } from '../../core/errors.js';
import { COMMAND_EXITS, exitCodeHelp } from '../../core/exit-codes.js';

interface StatusArgs {
  deployments?: string[];
  selector?: string;
  watch: boolean;
  timeout: string;
  revision?: number;
  finalOnly: boolean;
  undoOnFailure: boolean;
  dryRun: boolean;
  output?: string;
  noColor?: boolean;
}

/** The `rollout` command tree for plugin/cli.ts. */
export function builder(y: Argv, setCode: (code: number) => void, deps: CliDeps): Argv {
  return y
    .command(
      'status [deployments..]',
      'Show the rollout status of Deployments, watching until each is done',
      (s) =>
        s
          .positional('deployments', { type: 'string', array: true, describe: 'Deployment names (default: every Deployment in the namespace)' })
          .option('selector', { alias: 'l', type: 'string', describe: 'Label selector (e.g. app=web,tier!=db)' })
          .option('watch', { alias: 'w', type: 'boolean', default: true, describe: 'Watch until a terminal state; --watch=false prints once' })
          .option('timeout', { type: 'string', default: '0s', describe: 'How long to wait (30s, 5m, 1h2m); 0 waits until a terminal state' })
          .option('revision', { type: 'number', describe: 'Pin to a revision; another one running is a failure' })
          .option('final-only', {
            type: 'boolean',
            default: false,
            describe: 'With -o json|yaml and --watch: print only the final document, not one per change',
          })
          .option('undo-on-failure', {
            type: 'boolean',
            default: false,
            describe: 'On Failed or Timeout, roll back to the previous revision as kubectl rollout undo does, then watch the rollback (one Deployment)',
          })
          .option('dry-run', {
            type: 'boolean',
            default: false,
            describe: 'With --undo-on-failure: send the rollback with dryRun=All (the API server and webhooks check it, nothing is stored)',
          })
          .example('kubectl paas rollout status web', 'Watch deployment "web" until it completes, fails, times out or is paused')
          .example('kubectl paas rollout status web -o json --timeout 5m', 'Watch at most 5 minutes, one JSON document per line per change (NDJSON)')
          .example('kubectl paas rollout status web -o json --final-only', 'Wait, then print only the final status as one JSON document')
          .example('kubectl paas rollout status -l team=shop --watch=false', 'One look at every Deployment labelled team=shop')
          .example('kubectl paas rollout status web --undo-on-failure --timeout 10m', 'Watch; on failure roll back to the previous revision and watch that')
          .epilogue(exitCodeHelp(COMMAND_EXITS.rolloutStatus)),
      async (argv) => {
        setCode(await status(argv, deps));
      },
    )
    .command(
      'history <deployment>',
      'Every revision still held in ReplicaSets, with its deploy-id and outcome',
      (h) =>
        h
          .positional('deployment', { type: 'string', describe: 'The Deployment (name or deployment/name)' })
          .option('revision', { type: 'number', describe: "One revision: its facts and its pod template's diff against the current one" })
          .example('kubectl paas rollout history web', 'Each revision: deploy-id, images, age, pods now, outcome, change-cause')
          .example('kubectl paas rollout history web --revision 3', "Revision 3's pod template against the current one")
          .example('kubectl paas rollout history web -o json', 'The documented JSON (see the README)')
          .epilogue(exitCodeHelp(COMMAND_EXITS.rolloutHistory)),
      async (argv) => {
        setCode(await history(argv, deps));
      },
    )
    .demandCommand(1, 'Name a subcommand: status or history');
}

interface HistoryArgs {
  deployment?: string;
  revision?: number;
  output?: string;
  noColor?: boolean;
}

async function history(argv: HistoryArgs, deps: CliDeps): Promise<number> {
  const [{ parseOutputFormat }, { colorEnabled }] = await Promise.all([import('../lib/output.js'), import('../lib/term.js')]);
  const usage = (msg: string) => usageError(msg, 'kubectl paas rollout history');
  let output: ReturnType<typeof parseOutputFormat>;
  try {
    output = parseOutputFormat(argv.output);
  } catch (err) {
    throw usage((err as Error).message);
  }
  const name = deploymentName(argv.deployment ?? '');
  if (name === undefined) throw usage(`invalid deployment name "${argv.deployment}"`);
  if (argv.revision !== undefined && (!Number.isInteger(argv.revision) || argv.revision < 1)) {
    throw usage(`invalid value "${argv.revision}" for --revision: use a whole number of 1 or more`);
  }
  const [{ runHistory }, kube] = await Promise.all([import('../history/run.js'), deps.kube(connectionFlags(argv as unknown as Record<string, unknown>))]);
  return runHistory(
    {
      name,
      ...(argv.revision !== undefined ? { revision: argv.revision } : {}),
      output,
      color: colorEnabled({ isTTY: !!deps.out.isTTY, noColor: argv.noColor === true, env: deps.env }),
    },
    { ...kube, out: deps.out, err: deps.err, now: deps.now },
  );
}

async function status(argv: StatusArgs, deps: CliDeps): Promise<number> {
  const [{ parseDuration }, { parseOutputFormat }, { colorEnabled }] = await Promise.all([
    import('../../kube-client/duration.js'),
    import('../lib/output.js'),
    import('../lib/term.js'),
  ]);
  // One line on stderr, as every error of the plugin.
  const usage = (msg: string) => usageError(msg, 'kubectl paas rollout status');
  let timeoutMs: number;
  let output: ReturnType<typeof parseOutputFormat>;
  try {
    timeoutMs = parseDuration(argv.timeout);
  } catch (err) {
    throw usage(`--timeout: ${(err as Error).message}`);
  }
  try {
    output = parseOutputFormat(argv.output);
  } catch (err) {
    throw usage((err as Error).message);
  }
  if (argv.revision !== undefined && (!Number.isInteger(argv.revision) || argv.revision < 0)) {
    throw usage(`invalid value "${argv.revision}" for --revision: use a whole number of 0 or more`);
  }
  const names = (argv.deployments ?? []).map(String).map((arg) => {
    const n = deploymentName(arg);
    if (n === undefined) throw usage(`invalid deployment name "${arg}"`);
    return n;
  });
  if (names.length && argv.selector) throw usage('name Deployments or give -l/--selector, not both');
  if (argv.undoOnFailure && (names.length !== 1 || argv.selector)) throw usage('--undo-on-failure rolls back one Deployment: name exactly one');
  if (argv.dryRun && !argv.undoOnFailure) throw usage('--dry-run goes with --undo-on-failure');

  const [{ runRolloutStatus }, kube] = await Promise.all([import('../rollout/run.js'), deps.kube(connectionFlags(argv as unknown as Record<string, unknown>))]);
  return runRolloutStatus(
    {
      names,
      ...(argv.selector ? { selector: argv.selector } : {}),
      watch: argv.watch,
      timeoutMs,
      ...(argv.revision ? { revision: argv.revision } : {}),
      output,
      finalOnly: argv.finalOnly,
      undoOnFailure: argv.undoOnFailure,
      dryRun: argv.dryRun,
      color: colorEnabled({ isTTY: !!deps.out.isTTY, noColor: argv.noColor === true, env: deps.env }),
    },
    {
      ...kube,
      out: deps.out,
      err: deps.err,
      isTTY: !!deps.out.isTTY,
      columns: deps.out.columns,
      now: deps.now,
    },
  );
}
