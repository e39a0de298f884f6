// Sample outputs in the docs that stay true. A sample is the fenced block right after a line
// `<!-- sample: NAME -->` in README.md or a page of docs/: its first line is `$ COMMAND`, the rest
// what that command printed in a real run (stdout, then stderr), with the run's own names and ids
// replaced by the docs' (`canonical`). The offline samples (the policy commands, a file shown) are
// run by test/unit/docs/samples.test.ts, those that need a cluster by test/e2e/samples.test.ts on
// the real node. Both hold a block to a run after one normaliser, applied to both sides
// (`normalise`: the docs' names, then no ages, durations, times, counts or column padding), and
// with PAAS_UPDATE_SAMPLES=1 write the run into the block instead.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where a sample can be produced: in-process from the tree, or on a cluster. */
export const SampleKind = { offline: 'offline', cluster: 'cluster' } as const;
export type SampleKind = (typeof SampleKind)[keyof typeof SampleKind];

/** One sample: the command the docs show, run as shown, and the exit code it must have. */
export interface SampleSpec {
  name: string;
  kind: SampleKind;
  /** The command after `$ `, with the docs' names (namespace `shop`, Deployments `web` and `api`). */
  command: string;
  exit: number;
}

/** The folder the offline commands run in: the files they name are there. */
export const OFFLINE_DIR = 'docs/examples';

/** The namespace every cluster sample shows; the e2e run's own is replaced by it. */
export const DOCS_NAMESPACE = 'shop';

/** Every sample the docs may show. */
export const SAMPLES: readonly SampleSpec[] = [
  { name: 'web-yaml', kind: SampleKind.offline, command: 'cat web.yaml', exit: 0 },
  { name: 'policy-apply', kind: SampleKind.offline, command: 'kubectl paas policy apply -f web.yaml', exit: 0 },
  { name: 'policy-check', kind: SampleKind.offline, command: 'kubectl paas policy check -f web.yaml', exit: 1 },
  { name: 'policy-show', kind: SampleKind.offline, command: 'kubectl paas policy show', exit: 0 },
  // On the real node, through the webhook: `web` rolled to an image tag that does not exist, `api`
  // to a version whose readiness probe fails; then `web` rolled back by --undo-on-failure.
  { name: 'rollout-status-failed', kind: SampleKind.cluster, command: 'kubectl paas rollout status web -n shop', exit: 1 },
  { name: 'rollout-status-once', kind: SampleKind.cluster, command: 'kubectl paas rollout status web -n shop --watch=false', exit: 1 },
  { name: 'diagnose-image', kind: SampleKind.cluster, command: 'kubectl paas diagnose web -n shop', exit: 1 },
  { name: 'diagnose-readiness', kind: SampleKind.cluster, command: 'kubectl paas diagnose api -n shop', exit: 1 },
  { name: 'rollout-history', kind: SampleKind.cluster, command: 'kubectl paas rollout history web -n shop', exit: 0 },
  { name: 'logs', kind: SampleKind.cluster, command: 'kubectl paas logs web -n shop --tail 2', exit: 0 },
  { name: 'rollout-status-table', kind: SampleKind.cluster, command: 'kubectl paas rollout status -n shop --watch=false', exit: 3 },
];

/** What a cluster sample's block holds until a run on the real node writes it. */
export const PLACEHOLDER = '(not recorded yet: test/e2e/samples.test.ts writes what this prints on the real node, with PAAS_UPDATE_SAMPLES=1)';

const REPO = resolve(import.meta.dirname, '../../..');

/** The pages samples may appear in: README.md and docs/ (repository-relative). */
export function samplePages(): string[] {
  const out = ['README.md'];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(REPO, dir), { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.md')) out.push(p);
    }
  };
  walk('docs');
  return out;
}

/** A marked block of a page. */
export interface SampleBlock {
  name: string;
  /** The command of its `$ ` line ('' when the block has none). */
  command: string;
  /** The lines after the `$ ` line, joined. */
  output: string;
  /** Line indices of the opening and the closing fence. */
  open: number;
  close: number;
}

const MARKER = /^<!-- sample: ([a-z0-9-]+) -->$/;

/** The marked blocks of a page, in order; throws when a marker has no fenced block right after it. */
export function findSamples(md: string): SampleBlock[] {
  const lines = md.split('\n');
  const out: SampleBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = MARKER.exec(lines[i]!);
    if (!m) continue;
    const fence = /^(`{3,})/.exec(lines[i + 1] ?? '')?.[1];
    if (!fence) throw new Error(`<!-- sample: ${m[1]} --> (line ${i + 1}) is not followed by a fenced block`);
    const close = lines.findIndex((l, j) => j > i + 1 && l === fence);
    if (close < 0) throw new Error(`the block of sample ${m[1]} (line ${i + 2}) is never closed`);
    const body = lines.slice(i + 2, close);
    const command = body[0]?.startsWith('$ ') ? body[0].slice(2) : '';
    out.push({ name: m[1]!, command, output: (command ? body.slice(1) : body).join('\n'), open: i + 1, close });
    i = close;
  }
  return out;
}

/** The page with every block of sample `name` holding `$ command` and `output`. */
export function writeSample(md: string, name: string, command: string, output: string): string {
  const lines = md.split('\n');
  // From the last block up, so the earlier indices stay valid.
  for (const b of findSamples(md).reverse()) {
    if (b.name !== name) continue;
    lines.splice(b.open + 1, b.close - b.open - 1, `$ ${command}`, ...output.replace(/\n+$/, '').split('\n'));
  }
  return lines.join('\n');
}

/** Every block of a sample across the pages. */
export function blocksOf(name: string): { page: string; block: SampleBlock }[] {
  return samplePages().flatMap((page) =>
    findSamples(readFileSync(join(REPO, page), 'utf8'))
      .filter((b) => b.name === name)
      .map((block) => ({ page, block })),
  );
}

/** Writes a run into every block of the sample (PAAS_UPDATE_SAMPLES=1); returns the pages written. */
export function recordSample(spec: SampleSpec, output: string): string[] {
  const written: string[] = [];
  for (const page of samplePages()) {
    const md = readFileSync(join(REPO, page), 'utf8');
    const next = writeSample(md, spec.name, spec.command, output);
    if (next !== md) {
      writeFileSync(join(REPO, page), next);
      written.push(page);
    }
  }
  return written;
}

/** Whether the run asked to write the samples instead of checking them. */
export function updating(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.PAAS_UPDATE_SAMPLES === '1';
}

/** What a run's names are, to be replaced by the docs'. */
export interface RunNames {
  /** The namespace the run used (shown as `shop`). */
  namespace?: string;
}

/** Images as the docs show them: the local test image under a registry's name. */
const IMAGES: readonly [string, string][] = [['paas.local/testapp', 'registry.example/shop/web']];

// The docs' names for what a run makes up, given in order of first appearance. Suffixes are in
// ascending order, so pods listed in name order stay so.
const HASHES = ['7d4f8b9c6d', '5f6c9b8d7f', '6b8d5c7f9b', '9c7b6d5f8d', '8d5f7c6b9c', '4f9b8c7d6b', '6c5d9f8b7c', '7b9c8d6f5d'];
const SUFFIXES = ['4xk2p', '7mq9z', 'b8tlw', 'f2lzn', 'j6vqs', 'n9wxd', 'q5hbr', 't7kcm', 'w2fzg', 'x9lpv', 'z4brc', 'z8dmt'];
const IDS = [
  '5f0c2a9e-7b1d-4c3e-9a8f-6e5d4c3b2a10',
  '8c1e4b7a-2d9f-4e6b-b3a5-1f7c9d2e8a46',
  'c47d9e21-6a3b-4f58-8e0c-5b2a7d1f9c63',
  'e2a85f3c-9d14-4b7e-a6c2-0f8e3d5b1a97',
  '3b96d0e7-1f2c-4a85-9d6e-c8b4a2f7e015',
  '9a4e7c1d-5b8f-4d2a-8c6e-3f1b7a9d5e20',
  '1d7b3f9e-8a2c-4e6d-9b5f-7c3a1e8d4b62',
];

/** The pod-template hash and generated-name alphabet of Kubernetes (rand.SafeEncodeString). */
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';
const POD_NAME = new RegExp(`\\b((?:web|api)-)(${SAFE}{6,10})(?:-(${SAFE}{5}))?\\b`, 'g');
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;
/** A deploy-id cut to its first 8 characters, as reports show it after its name, and as the
 * rollout table's DEPLOY-ID column shows it (a word of 8 hex digits on its own). */
const SHORT_ID = /(deploy-id\s+|(?<![\w-]))([0-9a-f]{8})(?![\w-])/g;

/** A map from what a run made up to the docs' name, the next one given on first sight. */
class Allocator {
  private readonly seen = new Map<string, string>();
  constructor(
    private readonly names: readonly string[],
    private readonly what: string,
  ) {}
  get(s: string): string | undefined {
    return this.seen.get(s);
  }
  name(s: string, to = this.seen.get(s) ?? this.next()): string {
    this.seen.set(s, to);
    return to;
  }
  private next(): string {
    const used = new Set(this.seen.values());
    const to = this.names.find((n) => !used.has(n));
    if (to === undefined) throw new Error(`more than ${this.names.length} ${this.what} in the samples: add names to test/unit/docs/samples.ts`);
    return to;
  }
}

/**
 * The docs' names for one run's: its namespace becomes `shop`, the test image a registry's name,
 * ReplicaSet hashes, pod suffixes and deploy-ids fixed ones in order of first appearance. One
 * instance across the samples of a run names the same object alike in all of them; a deploy-id
 * seen cut short first and whole later (or the other way) keeps one name.
 */
export class DocNames {
  private readonly hashes = new Allocator(HASHES, 'ReplicaSets');
  private readonly suffixes = new Allocator(SUFFIXES, 'pods');
  private readonly ids = new Allocator(IDS, 'deploy-ids');

  constructor(private readonly run: RunNames = {}) {}

  apply(text: string): string {
    let out = text;
    const ns = this.run.namespace;
    if (ns) out = out.replace(new RegExp(`\\b${ns.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'g'), DOCS_NAMESPACE);
    for (const [from, to] of IMAGES) out = out.split(from).join(to);
    out = out.replace(
      POD_NAME,
      (_m, prefix: string, h: string, s: string | undefined) => `${prefix}${this.hashes.name(h)}${s ? `-${this.suffixes.name(s)}` : ''}`,
    );
    out = out.replace(UUID, (u) => {
      const to = this.ids.name(u, this.ids.get(u) ?? this.ids.get(u.slice(0, 8)));
      this.ids.name(u.slice(0, 8), to);
      return to;
    });
    return out.replace(SHORT_ID, (_m, lead: string, short: string) => `${lead}${this.ids.name(short).slice(0, 8)}`);
  }
}

/** `text` with the docs' names (a fresh DocNames: names in order of first appearance in it). */
export function canonical(text: string, run: RunNames = {}): string {
  return new DocNames(run).apply(text);
}

/** Times, ages, durations and counts out, runs of spaces one, and the evidence of a finding in
 * one order (they are listed by when they began: the same second or the next, run by run). */
export function loose(text: string): string {
  const lines = text
    .replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g, '<time>')
    .replace(/\b\d+(?:\.\d+)?(?:ms|[smhdy])(?:\d+(?:\.\d+)?(?:ms|[smh]))*\b/g, '<duration>')
    .replace(/×\d+/g, '×N')
    .replace(/\brestarted \d+ times?\b/g, 'restarted N times')
    .split('\n')
    .map((l) => l.replace(/(\S)[ \t]{2,}/g, '$1 ').trimEnd());
  return sortSections(lines, /^\s*Evidence:$/)
    .join('\n')
    .replace(/\n+$/, '');
}

/** Under each line matching `header`, the entries (a line and the lines indented below it) sorted. */
function sortSections(lines: string[], header: RegExp): string[] {
  const indent = (l: string) => l.length - l.trimStart().length;
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]!);
    if (!header.test(lines[i]!)) continue;
    const base = indent(lines[i]!);
    const entries: string[][] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j] !== '' && indent(lines[j]!) > base; j++) {
      if (entries.length === 0 || indent(lines[j]!) <= indent(entries.at(-1)![0]!)) entries.push([]);
      entries.at(-1)!.push(lines[j]!);
    }
    out.push(
      ...entries
        .map((e) => e.join('\n'))
        .sort()
        .flatMap((e) => e.split('\n')),
    );
    i = j - 1;
  }
  return out;
}

/** The one normaliser both sides of a comparison go through. */
export function normalise(text: string, run: RunNames = {}): string {
  return loose(canonical(text, run));
}
