// kubectl-paas: the `kubectl paas` plugin. kubectl finds this executable on PATH and passes every
// argument after `paas` unchanged, so the kubectl-like flags are parsed here. Everything the CLI
// touches comes in as CliDeps (plugin/deps.ts); plugin/main.ts passes the real process.
// The yargs tree is made of the one declaration of commands and flags (commands/table.ts); each
// command's flags go through its front door (commands/front-door.ts), then its module, imported
// lazily, so `rollout status` never loads the policy engine.
import yargs, { type Argv } from 'yargs';
import { usageError } from '../core/errors.js';
import { COMMAND_EXITS, exitCodeHelp } from '../core/exit-codes.js';
import { frontDoor, type Run } from './commands/front-door.js';
import { commandPath, GLOBAL_FLAGS, PositionalKind, ROOT, ValueKind, type CommandSpec, type FlagSpec } from './commands/table.js';
import type { CliDeps } from './deps.js';
import { CONNECTION_FLAGS } from './lib/connection-flags.js';
import { skipHelpCache } from './lib/yargs-help.js';

const HELP_WORDS = new Set(['--help', '-h', 'help']);

/** Each command's run, by its words below `kubectl paas`, imported when it is the command given. */
const RUNS: Readonly<Record<string, () => Promise<Run>>> = {
  'policy apply': async () => (await import('./commands/policy.js')).apply,
  'policy check': async () => (await import('./commands/policy.js')).check,
  'policy show': async () => (await import('./commands/policy.js')).show,
  'policy render': async () => (await import('./commands/policy.js')).render,
  'rollout status': async () => (await import('./commands/rollout-status.js')).run,
  'rollout history': async () => (await import('./commands/rollout-history.js')).run,
  diagnose: async () => (await import('./commands/diagnose.js')).run,
  logs: async () => (await import('./commands/logs.js')).run,
  audit: async () => (await import('./commands/audit.js')).run,
  version: async () => (await import('./commands/version.js')).run,
};

/** Declares one flag of the table to yargs. */
function option(y: Argv, f: FlagSpec): Argv {
  return y.option(f.name, {
    type: f.value === ValueKind.none ? 'boolean' : f.value === ValueKind.number ? 'number' : 'string',
    describe: f.describe,
    ...(f.short ? { alias: f.short } : {}),
    ...(f.default !== undefined ? { default: f.default } : {}),
    ...(f.required ? { demandOption: true } : {}),
  });
}

/** yargs' command string: the name and the positional. */
function commandOf(c: CommandSpec): string {
  if (c.positional === PositionalKind.deployments) return `${c.name} [deployments..]`;
  if (c.positional === PositionalKind.workloads) return `${c.name} [workloads..]`;
  if (c.positional === PositionalKind.deployment) return `${c.name} <deployment>`;
  return c.name;
}

/** What running a command needs besides its flags. */
interface Context {
  deps: CliDeps;
  setCode: (code: number) => void;
}

/** Runs the leaf at `path` with the flags yargs parsed. */
async function runLeaf(path: string, spec: CommandSpec, argv: Readonly<Record<string, unknown>>, ctx: Context): Promise<void> {
  const door = frontDoor(path, spec, argv, ctx.deps);
  const load = RUNS[path];
  if (!load) throw new Error(`no run for "kubectl paas ${path}"`);
  ctx.setCode(await (await load())(argv, door, ctx.deps));
}

/** Declares a command of the table: its usage line, positional, flags, examples, exit codes, subcommands. */
function build(y: Argv, c: CommandSpec, path: readonly string[], ctx: Context): Argv {
  if (c.usage) y.usage(c.usage);
  if (c.positional === PositionalKind.deployments) y.positional('deployments', { type: 'string', array: true, describe: c.positionalDescribe });
  if (c.positional === PositionalKind.workloads) y.positional('workloads', { type: 'string', array: true, describe: c.positionalDescribe });
  if (c.positional === PositionalKind.deployment) y.positional('deployment', { type: 'string', describe: c.positionalDescribe });
  for (const f of [...(c.connection ? CONNECTION_FLAGS : []), ...c.flags]) option(y, f);
  for (const [command, what] of c.examples) y.example(command, what);
  if (c.exits) y.epilogue(exitCodeHelp(COMMAND_EXITS[c.exits]));
  for (const s of c.subcommands) {
    const words = [...path, s.name];
    const run = s.subcommands.length ? undefined : (argv: Readonly<Record<string, unknown>>) => runLeaf(words.join(' '), s, argv, ctx);
    y.command(commandOf(s), s.describe, (sy) => build(sy, s, words, ctx), run);
  }
  if (c.demand) y.demandCommand(1, c.demand);
  return y;
}

/** Runs the command line `argv` (the words after `paas`); resolves to the exit code, throws an error of the catalogue (core/errors.ts). */
export async function main(argv: string[], deps: CliDeps): Promise<number> {
  let code = 0;
  const ctx: Context = {
    deps,
    setCode: (c) => {
      code = c;
    },
  };
  const root = yargs(argv)
    .scriptName('kubectl paas')
    // kubectl's flags have no --no-X negation (a boolean is --X or --X=false), and yargs' would
    // read our own --no-color as "color=false" and then refuse "color" as unknown. Off, every
    // accepted spelling is one declared here, as --help lists it: --color is unknown.
    .parserConfiguration({ 'boolean-negation': false });
  for (const f of GLOBAL_FLAGS) option(root, f);
  const cli = build(root, ROOT, [], ctx)
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    // Word-wrapping the help costs ~30 ms of start-up: wrap only when the help is going to be read.
    .wrap(argv.some((a) => HELP_WORDS.has(a)) ? Math.min(100, deps.out.columns || 100) : null)
    .fail((msg, err: Error | undefined) => {
      if (err) throw err;
      // One line on stderr, naming the flag or command yargs refused, and the help of the command named.
      throw usageError(msg, `kubectl paas ${commandPath(argv)}`.trimEnd());
    });
  skipHelpCache(cli);
  await cli.parseAsync();
  return code;
}
