// docs/cli/ is generated (`make docs`, plugin/release/cli-docs.ts) from the table the CLI parses
// and completes: regenerated here, it must be the folder in the tree, page for page and byte for
// byte, and each page must name every flag `--help` of the same command lists.
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPages } from '../../../plugin/release/cli-docs.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const DIR = resolve(import.meta.dirname, '../../../docs/cli');

describe('docs/cli/', () => {
  const pages = cliPages();

  it('holds exactly the pages `make docs` writes', () => {
    expect(readdirSync(DIR).sort(), 'docs/cli/ is stale: run make docs').toEqual([...pages.keys()].sort());
  });

  it.each([...pages.keys()])('%s is what `make docs` writes', (file) => {
    expect(readFileSync(resolve(DIR, file), 'utf8'), `docs/cli/${file} is stale: run make docs`).toBe(pages.get(file));
  });

  // The page against the binary's own --help (an outside reading of the same table: yargs').
  it.each([
    ['rollout status', 'rollout-status.md'],
    ['rollout history', 'rollout-history.md'],
    ['diagnose', 'diagnose.md'],
    ['logs', 'logs.md'],
    ['policy apply', 'policy-apply.md'],
    ['policy check', 'policy-check.md'],
    ['policy show', 'policy-show.md'],
    ['policy render', 'policy-render.md'],
  ])('kubectl paas %s: every flag of --help is on its page', async (command, file) => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'plugin/main.ts', ...command.split(' '), '--help'], {
      cwd: resolve(import.meta.dirname, '../../..'),
      timeout: 60_000,
    });
    const flags = [...stdout.matchAll(/^\s+(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!).filter((f) => f !== '--help' && f !== '--version');
    expect(flags.length).toBeGreaterThan(1);
    const page = pages.get(file)!;
    const connection = pages.get('connection-flags.md')!;
    expect(flags.filter((f) => !page.includes(`\`${f}`) && !connection.includes(`\`${f}`))).toEqual([]);
  });
});
