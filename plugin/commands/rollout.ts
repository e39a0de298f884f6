// `kubectl paas rollout status`: parse → validate → run. The flags become RolloutStatusOptions
// here (a bad value is a usage error naming the flag); plugin/rollout/run.ts does the rest.
import type { Argv } from 'yargs';
import type { CliDeps } from '../deps.js';
import { deploymentName } from '../kube/names.js';
import { connectionFlags } from '../lib/connection-flags.js';
import { CliError, EXIT } from '../lib/errors.js';

const EXIT_CODES = `Exit codes (with several Deployments the worst decides, in this order: error, Failed, Timeout, Paused, InProgress, Completed):
  0  Completed: every Deployment rolled out
  1  Failed: ReplicaFailure, every new pod on a permanent error (bad image, missing config, a container that cannot start), or --revision superseded
  2  Timeout: progressDeadlineSeconds exceeded, or --timeout ran out
  3  InProgress: still rolling out (--watch=false)
  4  Paused: spec.paused is set and the rollout is not complete
  5  not found, bad flag, or the cluster could not be reached`;

interface StatusArgs {
  deployments?: string[];
  selector?: string;
  watch: boolean;
  timeout: string;
  revision?: number;
  finalOnly: boolean;
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
          .example('kubectl paas rollout status web', 'Watch deployment "web" until it completes, fails, times out or is paused')
          .example('kubectl paas rollout status web -o json --timeout 5m', 'Watch at most 5 minutes, one JSON document per line per change (NDJSON)')
          .example('kubectl paas rollout status web -o json --final-only', 'Wait, then print only the final status as one JSON document')
          .example('kubectl paas rollout status -l team=shop --watch=false', 'One look at every Deployment labelled team=shop')
          .epilogue(EXIT_CODES),
      async (argv) => {
        setCode(await status(argv, deps));
      },
    )
    .demandCommand(1, 'Name a subcommand: status');
}

async function status(argv: StatusArgs, deps: CliDeps): Promise<number> {
  const [{ parseDuration }, { parseOutputFormat }, { colorEnabled }] = await Promise.all([
    import('../lib/duration.js'),
    import('../lib/output.js'),
    import('../lib/term.js'),
  ]);
  // One line on stderr, as every error of the plugin.
  const usage = (msg: string) => new CliError(`${msg} (see 'kubectl paas rollout status --help')`, EXIT.usage);
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
