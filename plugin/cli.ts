// kubectl-paas: the `kubectl paas` plugin. kubectl finds this executable on PATH and passes every
// argument after `paas` unchanged, so the kubectl-like flags are parsed here. Everything the CLI
// touches comes in as CliDeps (plugin/deps.ts); plugin/main.ts passes the real process.
// Each command's module is imported lazily, so `rollout status` never loads the policy engine.
import yargs from 'yargs';
import type { CliDeps } from './deps.js';
import { withConnectionFlags } from './lib/connection-flags.js';
import { usageError } from '../core/errors.js';
import { skipHelpCache } from './lib/yargs-help.js';

const HELP_WORDS = new Set(['--help', '-h', 'help']);

/** Runs the command line `argv` (the words after `paas`); resolves to the exit code, throws an error of the catalogue (core/errors.ts). */
export async function main(argv: string[], deps: CliDeps): Promise<number> {
  let code = 0;
  const setCode = (c: number): void => {
    code = c;
  };
  const base = yargs(argv)
    .scriptName('kubectl paas')
    // kubectl's flags have no --no-X negation (a boolean is --X or --X=false), and yargs' would
    // read our own --no-color as "color=false" and then refuse "color" as unknown. Off, every
    // accepted spelling is one declared here, as --help lists it: --color is unknown.
    .parserConfiguration({ 'boolean-negation': false })
    .usage('kubectl paas <command> [flags]\n\nZero-downtime rollouts: the policy, rollout status and diagnosis.')
    .option('output', { alias: 'o', type: 'string', describe: 'Output format: text, json or yaml' })
    .option('no-color', { type: 'boolean', describe: 'No colour (also when stdout is not a TTY or NO_COLOR is set)' });
  // kubectl's connection flags (--server, --token, --as, --request-timeout...), on every command.
  const cli = withConnectionFlags(base)
    .command('policy', 'Apply, check or show the zero-downtime rollout policy offline', async (y) =>
      (await import('./commands/policy.js')).builder(y, setCode, deps),
    )
    .command('rollout', 'Rollout status and history of Deployments', async (y) => (await import('./commands/rollout-status.js')).builder(y, setCode, deps))
    .command(
      'diagnose <deployment>',
      'Name the cause of a stuck rollout, with evidence and next commands',
      async (y) => (await import('./commands/diagnose.js')).builder(y),
      async (args) => (await import('./commands/diagnose.js')).handler(args as never, setCode, deps),
    )
    .command(
      'logs <deployment>',
      'Logs of every container of every pod of one rollout',
      async (y) => (await import('./commands/logs.js')).builder(y),
      async (args) => (await import('./commands/logs.js')).handler(args as never, setCode, deps),
    )
    .demandCommand(1, 'Name a command: policy, rollout, diagnose or logs')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    // Word-wrapping the help costs ~30 ms of start-up: wrap only when the help is going to be read.
    .wrap(argv.some((a) => HELP_WORDS.has(a)) ? Math.min(100, deps.out.columns || 100) : null)
    .fail((msg, err: Error | undefined) => {
      if (err) throw err;
      // One line on stderr, naming the flag or command yargs refused.
      throw usageError(msg, 'kubectl paas');
    });
  skipHelpCache(cli);
  await cli.parseAsync();
  return code;
}
