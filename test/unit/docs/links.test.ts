// The docs name things that must exist: every relative link and its #anchor resolves, every
// `make TARGET` is a target of the Makefile, every `kubectl paas COMMAND --flag` is a flag of that
// command (plugin/commands/table.ts), and every repository path in backquotes is a file or folder
// of the tree. Read from the markdown itself, so a page cannot point at what was renamed.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONNECTION_FLAGS } from '../../../plugin/lib/connection-flags.js';
import { GLOBAL_FLAGS, ROOT, type CommandSpec } from '../../../plugin/commands/table.js';

const REPO = resolve(import.meta.dirname, '../../..');

/** The markdown a reader meets: README, ARCHITECTURE, docs/ and the chart's README. */
function pages(): string[] {
  const out = ['README.md', 'ARCHITECTURE.md'].filter((f) => existsSync(join(REPO, f)));
  const walk = (dir: string) => {
    if (!existsSync(join(REPO, dir))) return;
    for (const e of readdirSync(join(REPO, dir), { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.md')) out.push(p);
    }
  };
  walk('docs');
  walk('manifests/helm');
  return out;
}

/** The text outside fenced code blocks (links and anchors live there), and the blocks' text. */
function split(md: string): { prose: string; code: string } {
  const parts = md.split(/^```.*$/m);
  return { prose: parts.filter((_, i) => i % 2 === 0).join('\n'), code: parts.filter((_, i) => i % 2 === 1).join('\n') };
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of split(md).prose.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = m[1]!
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of md.matchAll(/<a (?:name|id)="([^"]+)"/g)) out.add(m[1]!);
  return out;
}

function read(file: string): string {
  return readFileSync(join(REPO, file), 'utf8');
}

/** Relative links of a page that do not resolve: a missing file or a missing anchor. */
function brokenLinks(file: string): string[] {
  const md = read(file);
  const out: string[] = [];
  for (const m of split(md).prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1]!;
    if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
    const [path, anchor] = target.split('#') as [string, string | undefined];
    const to = path === '' ? file : relative(REPO, resolve(join(REPO, dirname(file)), path));
    if (!existsSync(join(REPO, to))) {
      out.push(`${target} (no ${to})`);
      continue;
    }
    if (anchor && to.endsWith('.md') && !anchors(read(to)).has(anchor)) out.push(`${target} (no heading #${anchor} in ${to})`);
  }
  return out;
}

function makeTargets(): Set<string> {
  return new Set([...read('Makefile').matchAll(/^([a-z][a-z0-9-]*):/gm)].map((m) => m[1]!));
}

function unknownTargets(file: string): string[] {
  const targets = makeTargets();
  const named = [...read(file).matchAll(/`make ([a-z][a-z0-9-]*)/g), ...split(read(file)).code.matchAll(/^\s*(?:\$ )?make ([a-z][a-z0-9-]*)/gm)].map(
    (m) => m[1]!,
  );
  return [...new Set(named)].filter((t) => !targets.has(t));
}

/** The command a line of `kubectl paas ...` words names, and the flags it may take. */
function flagsOf(words: readonly string[]): { path: string; flags: Set<string> } {
  let c: CommandSpec = ROOT;
  const path: string[] = [];
  for (const w of words) {
    const sub = c.subcommands.find((s) => s.name === w);
    if (!sub) break;
    path.push(w);
    c = sub;
  }
  const all = [...GLOBAL_FLAGS, ...c.flags, ...(c.connection ? CONNECTION_FLAGS : [])];
  return { path: path.join(' '), flags: new Set(['help', ...all.map((f) => f.name), ...all.flatMap((f) => (f.short ? [f.short] : []))]) };
}

function unknownFlags(file: string): string[] {
  const out: string[] = [];
  const text = read(file);
  for (const m of text.matchAll(/kubectl paas ([a-z][^`\n|]*)/g)) {
    const words = m[1]!.split(/\s+/);
    const { path, flags } = flagsOf(words);
    if (!path) continue;
    for (const w of words) {
      const flag = /^--?(?:no-)?([a-z][a-z0-9-]*)/.exec(w);
      if (!flag || !w.startsWith('-')) continue;
      const name = w.startsWith('--') ? w.slice(2).split('=')[0]! : w.slice(1, 2);
      if (!flags.has(name) && !flags.has(`no-${name}`)) out.push(`kubectl paas ${path} ${w}`);
    }
  }
  return [...new Set(out)];
}

/** Paths in backquotes under the tree's own top folders that are not in the tree. */
function missingPaths(file: string): string[] {
  const tops = ['core', 'plugin', 'webhook', 'kube-client', 'test', 'manifests', 'docs'];
  const out: string[] = [];
  for (const m of read(file).matchAll(/`((?:core|plugin|webhook|kube-client|test|manifests|docs)\/[A-Za-z0-9_./*-]+?)`/g)) {
    const p = m[1]!.replace(/[.:,]$/, '');
    if (p.includes('*') || !tops.some((t) => p.startsWith(`${t}/`))) continue;
    if (!existsSync(join(REPO, p)) && !existsSync(join(REPO, p.replace(/\.js$/, '.ts')))) out.push(p);
  }
  return [...new Set(out)];
}

describe('what the docs name exists', () => {
  const files = pages();

  it('reads the pages', () => {
    expect(files).toContain('README.md');
    expect(files.every((f) => statSync(join(REPO, f)).isFile())).toBe(true);
  });

  it.each(files)('%s: every relative link and anchor resolves', (file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  it.each(files)('%s: every make target is in the Makefile', (file) => {
    expect(unknownTargets(file)).toEqual([]);
  });

  it.each(files)('%s: every flag of a kubectl paas command is that command’s', (file) => {
    expect(unknownFlags(file)).toEqual([]);
  });

  it.each(files)('%s: every repository path in backquotes is in the tree', (file) => {
    expect(missingPaths(file)).toEqual([]);
  });

  // Controls: the checks see what they are for.
  it('controls: a broken link, a missing anchor, an unknown target, flag and path are each found', () => {
    expect(anchors('# Exit codes\n## The `-o json` output\n## Exit codes')).toEqual(new Set(['exit-codes', 'the--o-json-output', 'exit-codes-1']));
    expect(flagsOf(['rollout', 'status']).flags.has('undo-on-failure')).toBe(true);
    expect(flagsOf(['policy', 'check']).flags.has('context')).toBe(false);
    expect(makeTargets().has('test')).toBe(true);
  });
});
