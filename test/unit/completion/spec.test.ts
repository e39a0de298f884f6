// The one declaration of commands and flags (plugin/commands/table.ts), as the completion table
// sees it (plugin/completion/spec.ts), against what `kubectl paas <command> --help` lists: the
// same commands and the same flags (long and short), so yargs is given every flag declared.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { flagsOf, ROOT, type CommandSpec } from '../../../plugin/completion/spec.js';

const root = resolve(import.meta.dirname, '../../..');

/** `kubectl paas <path> --help`, from the sources (tsx), as a user sees it. */
async function help(path: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'plugin/main.ts', ...path, '--help'], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return stdout;
}

/** The lines of one section (`Commands:`, `Options:`) of a yargs help text. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`${title}:`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

function helpFlags(text: string): string[] {
  const flags: string[] = [];
  for (const line of section(text, 'Options')) {
    // `  -n, --namespace  …` or `      --context  …`; a wrapped description line is indented further.
    const m = /^ {2}(?:-(\w), | {4})--([\w-]+)\s/.exec(line);
    if (m) flags.push(m[1] ? `-${m[1]}/--${m[2]}` : `--${m[2]}`);
  }
  return flags.sort();
}

function helpCommands(text: string): string[] {
  return section(text, 'Commands')
    .map((l) => /^\s+kubectl paas ((?:[a-z-]+ ?)+)/.exec(l)?.[1]?.trim().split(' ').at(-1))
    .filter((c): c is string => c !== undefined)
    .sort();
}

function tableFlags(cmd: CommandSpec): string[] {
  return flagsOf(cmd)
    .map((f) => (f.short ? `-${f.short}/--${f.name}` : `--${f.name}`))
    .sort();
}

/** Every command of the table with its path below `kubectl paas`. */
function walk(cmd: CommandSpec, path: string[] = []): { path: string[]; cmd: CommandSpec }[] {
  return [{ path, cmd }, ...cmd.subcommands.flatMap((c) => walk(c, [...path, c.name]))];
}

describe('the completion table matches --help', () => {
  const commands = walk(ROOT);

  it('covers every command of the CLI', () => {
    expect(commands.map((c) => c.path.join(' '))).toEqual([
      '',
      'policy',
      'policy apply',
      'policy check',
      'policy show',
      'policy render',
      'rollout',
      'rollout status',
      'rollout history',
      'diagnose',
      'logs',
      'audit',
      'version',
    ]);
  });

  it.each(commands.map((c) => ({ name: `kubectl paas ${c.path.join(' ')}`.trim(), ...c })))(
    '$name: same flags and subcommands',
    async ({ path, cmd }) => {
      const text = await help(path);
      expect(helpFlags(text)).toEqual(tableFlags(cmd));
      expect(helpCommands(text)).toEqual(cmd.subcommands.map((c) => c.name).sort());
    },
    30_000,
  );
});
