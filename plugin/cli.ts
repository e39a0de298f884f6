// kubectl-paas: the `kubectl paas` plugin. kubectl finds this executable on PATH and passes every
// argument after `paas` unchanged, so the kubectl-like flags are parsed here.
// Each command's module is imported lazily, so `rollout status` never loads the policy engine.
import yargs from 'yargs';
import { EXIT, CliError } from './lib/errors.js';

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const cli = yargs(argv)
    .scriptName('kubectl paas')
    // kubectl's flags have no --no-X negation (a boolean is --X or --X=false), and yargs' would
    // read our own --no-color as "color=false" and then refuse "color" as unknown. Off, every
    // accepted spelling is one declared here, as --help lists it: --color is unknown.
    .parserConfiguration({ 'boolean-negation': false })
    .usage('kubectl paas <command> [flags]\n\nZero-downtime rollouts: the policy, rollout status and diagnosis.')
    .option('namespace', { alias: 'n', type: 'string', describe: 'Namespace (default: the kubeconfig context\'s)' })
    .option('context', { type: 'string', describe: 'The kubeconfig context to use' })
    .option('kubeconfig', { type: 'string', describe: 'Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)' })
    .option('output', { alias: 'o', type: 'string', describe: 'Output format: text, json or yaml' })
    .option('no-color', { type: 'boolean', describe: 'No colour (also when stdout is not a TTY or NO_COLOR is set)' })
    .command(
      'policy',
      'Apply, check or show the zero-downtime rollout policy offline',
      async (y) => (await import('./commands/policy.js')).builder(y, (c) => (code = c)),
    )
    .command(
      'rollout',
      'Rollout status of Deployments',
      async (y) => (await import('./commands/rollout.js')).builder(y, (c) => (code = c)),
    )
    .command(
      'diagnose <deployment>',
      'Name the cause of a stuck rollout, with evidence and next commands',
      async (y) => (await import('./commands/diagnose.js')).builder(y, (c) => (code = c)),
      async (argv) => (await import('./commands/diagnose.js')).handler(argv as never, (c) => (code = c)),
    )
    .demandCommand(1, 'Name a command: policy, rollout or diagnose')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    // yargs renders (and caches) the help text before every command handler runs; word-wrapping
    // it costs ~30 ms of start-up. Wrap only when the help is going to be read.
    .wrap(argv.some((a) => a === '--help' || a === '-h' || a === 'help') ? Math.min(100, process.stdout.columns || 100) : null)
    .fail((msg, err) => {
      if (err) throw err;
      // One line on stderr, naming the flag or command yargs refused.
      throw new CliError(`${msg} (see 'kubectl paas --help')`, EXIT.usage);
    });
  // yargs also renders the whole help text right after starting a command's handler, cached for a
  // showHelp() inside the handler — which no command calls. That rendering (cliui, string-width's
  // Intl.Segmenter and emoji regexps) was ~25 ms of every `rollout status`. --help still renders.
  const usage = (cli as unknown as { getInternalMethods?: () => { getUsageInstance(): { cacheHelpMessage(): void } } })
    .getInternalMethods?.()
    .getUsageInstance();
  if (usage) usage.cacheHelpMessage = () => {};
  await cli.parseAsync();
  return code;
}
