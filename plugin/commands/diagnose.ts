// `kubectl paas diagnose <deployment>`: parse → validate → run. Flags become DiagnoseOptions here
// (a bad value is a usage error naming the flag); runDiagnose gathers (plugin/diagnose/gather.ts),
// judges (the pure diagnose()) and prints.
import type { Argv } from 'yargs';
import type { CliDeps } from '../deps.js';
import { connectionFlags } from '../lib/connection-flags.js';
import { usageError } from '../../core/errors.js';
import { COMMAND_EXITS, exitCodeHelp } from '../../core/exit-codes.js';
import { deploymentName } from '../kube/names.js';
import type { KubeEdge } from '../kube/rest.js';
import { OutputFormat } from '../lib/output.js';

/** Log lines read of each failing container by default, and the most --logs takes. */
const DEFAULT_LOG_LINES = 20;
const MAX_LOG_LINES = 1000;

interface DiagnoseArgs {
  deployment: string;
  events?: boolean;
  logs?: number;
  noLogs?: boolean;
  output?: string;
  noColor?: boolean;
}

/** What runDiagnose needs, decided from the flags. */
export interface DiagnoseOptions {
  name: string;
  output: OutputFormat;
  events: boolean;
  /** Lines of each failing container's log shown as evidence (0: none). */
  logLines: number;
  color: boolean;
}

/** The edges runDiagnose talks to; the real ones by default. */
export interface DiagnoseDeps extends KubeEdge {
  out: { write(s: string): unknown };
  now(): Date;
}

/** The `diagnose` command's flags for plugin/cli.ts. */
export function builder(y: Argv): Argv {
  return y
    .usage(
      "kubectl paas diagnose <deployment> [--events] [-o text|json|yaml] [-n namespace]\n\nName the cause of a stuck rollout: walks the Deployment, its ReplicaSets, their pods, their events, the namespace's quotas (and the nodes when scheduling failed), and prints the most likely root cause first, with the evidence and the next commands to run.",
    )
    .positional('deployment', { type: 'string', describe: 'Deployment name (or deployment/NAME)' })
    .option('events', { type: 'boolean', default: false, describe: 'Also print every event of the rollout as a timeline (in -o json: an "events" array)' })
    .option('logs', {
      type: 'number',
      default: DEFAULT_LOG_LINES,
      describe: `Lines of each failing container's log shown as evidence (the run before its last restart when it restarted; 0: none; at most ${MAX_LOG_LINES})`,
    })
    .option('no-logs', { type: 'boolean', describe: 'Read no container logs (as --logs 0)' })
    .example('kubectl paas diagnose web -n shop', 'Why is the rollout of deployment "web" stuck?')
    .example('kubectl paas diagnose web -o json | jq .findings[0].code', 'The root cause as a stable code')
    .example('kubectl paas diagnose web --events', "The findings, then the rollout's events oldest first")
    .epilogue(exitCodeHelp(COMMAND_EXITS.diagnose));
}

/** The command's handler (registered in cli.ts). */
export async function handler(argv: DiagnoseArgs, setCode: (code: number) => void, deps: CliDeps): Promise<void> {
  const [{ parseOutputFormat }, { colorEnabled }] = await Promise.all([import('../lib/output.js'), import('../lib/term.js')]);
  const usage = (msg: string) => usageError(msg, 'kubectl paas diagnose');
  let output: DiagnoseOptions['output'];
  try {
    output = parseOutputFormat(argv.output);
  } catch (err) {
    throw usage((err as Error).message);
  }
  const logLines = argv.noLogs === true ? 0 : (argv.logs ?? DEFAULT_LOG_LINES);
  if (!Number.isInteger(logLines) || logLines < 0 || logLines > MAX_LOG_LINES)
    throw usage(`invalid value "${argv.logs}" for --logs: a number of lines from 0 to ${MAX_LOG_LINES}`);
  const name = deploymentName(argv.deployment);
  if (name === undefined) throw usage(`invalid deployment name "${argv.deployment}"`);
  const kube = await deps.kube(connectionFlags(argv as unknown as Record<string, unknown>));
  const code = await runDiagnose(
    { name, output, events: argv.events === true, logLines, color: colorEnabled({ isTTY: !!deps.out.isTTY, noColor: argv.noColor === true, env: deps.env }) },
    { ...kube, out: deps.out, now: () => new Date(deps.now()) },
  );
  setCode(code);
}

/** Gathers, diagnoses and prints; returns the exit code (0 healthy/progressing, 1 problems). */
async function runDiagnose(opts: DiagnoseOptions, deps: DiagnoseDeps): Promise<number> {
  const [{ gather, DEFAULT_LIMITS }, { diagnose }, print] = await Promise.all([
    import('../diagnose/gather.js'),
    import('../diagnose/analyse.js'),
    import('../diagnose/print.js'),
  ]);
  const { kube, rest } = await deps.connect();
  let snapshot;
  try {
    snapshot = await gather(rest, kube.namespace, opts.name, { timeline: opts.events }, { ...DEFAULT_LIMITS, logLines: opts.logLines });
  } catch (err) {
    throw deps.describeError(err, kube, `deployment "${opts.name}"`);
  } finally {
    rest.close();
  }
  const now = deps.now();
  const d = diagnose(snapshot, now);
  if (opts.output === OutputFormat.json) deps.out.write(print.diagnosisJson(d, opts.events));
  else if (opts.output === OutputFormat.yaml) {
    const { stringify } = await import('yaml');
    deps.out.write(stringify(JSON.parse(print.diagnosisJson(d, opts.events))));
  } else deps.out.write(print.diagnosisText(d, { color: opts.color, events: opts.events, now }));
  return print.exitCodeOf(d.verdict);
}
