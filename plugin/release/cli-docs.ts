// docs/cli/: one page per command of `kubectl paas`, written from the table the CLI parses and
// completes (plugin/commands/table.ts) and the one exit-code table (core/exit-codes.ts), so a
// flag, a default or an exit code cannot be documented otherwise than it behaves. Pure: the table
// in, the pages (file name → markdown) out; plugin/release/docs.ts writes them and
// test/unit/docs/cli-docs.test.ts fails when the tree holds anything else.
import { COMMAND_EXITS, exitCodeHelp } from '../../core/exit-codes.js';
import { CONNECTION_FLAGS } from '../lib/connection-flags.js';
import { GLOBAL_FLAGS, PositionalKind, ROOT, ValueKind, type CommandSpec, type FlagSpec } from '../commands/table.js';

const GENERATED =
  'Written by `make docs` from plugin/commands/table.ts and core/exit-codes.ts; test/unit/docs/cli-docs.test.ts fails when this page differs. Do not edit by hand.';

/** A command with the words that lead to it. */
interface Placed {
  path: readonly string[];
  spec: CommandSpec;
}

/** Every command that runs (the leaves), in the table's order. */
function leaves(c: CommandSpec, path: readonly string[] = []): Placed[] {
  if (c.subcommands.length === 0) return path.length > 0 ? [{ path, spec: c }] : [];
  return c.subcommands.flatMap((s) => leaves(s, [...path, s.name]));
}

const fileOf = (path: readonly string[]): string => `${path.join('-')}.md`;
const title = (path: readonly string[]): string => `kubectl paas ${path.join(' ')}`;
const cell = (s: string): string => s.replace(/\|/g, '\\|');

const POSITIONAL: Record<PositionalKind, string> = {
  [PositionalKind.none]: '',
  [PositionalKind.deployment]: ' DEPLOYMENT',
  [PositionalKind.deployments]: ' [DEPLOYMENT ...]',
  [PositionalKind.workloads]: ' [WORKLOAD ...]',
};

function usageOf(p: Placed): string {
  return p.spec.usage ?? `${title(p.path)}${POSITIONAL[p.spec.positional]} [flags]`;
}

/** The placeholder of a flag's value, by what the value is. */
const PLACEHOLDER: Record<ValueKind, string> = {
  [ValueKind.none]: '',
  [ValueKind.free]: 'VALUE',
  [ValueKind.number]: 'N',
  [ValueKind.choice]: '',
  [ValueKind.file]: 'FILE',
  [ValueKind.context]: 'CONTEXT',
  [ValueKind.cluster]: 'CLUSTER',
  [ValueKind.user]: 'USER',
  [ValueKind.namespace]: 'NAMESPACE',
};

function flagName(f: FlagSpec): string {
  const value = f.value === ValueKind.none ? '' : f.value === ValueKind.choice ? `=${(f.values ?? []).join('\\|')}` : `=${PLACEHOLDER[f.value]}`;
  return `${f.short ? `\`-${f.short}\`, ` : ''}\`--${f.name}${value}\``;
}

function defaultOf(f: FlagSpec): string {
  if (f.default === undefined) return f.required ? 'required' : '';
  return `\`${String(f.default)}\``;
}

function flagRows(flags: readonly FlagSpec[]): string[] {
  return [
    '| flag | default | what it does |',
    '|---|---|---|',
    ...flags.map((f) => `| ${flagName(f)} | ${defaultOf(f)} | ${cell(f.describe)}${f.repeat ? ' (repeatable)' : ''} |`),
  ];
}

function outputLines(spec: CommandSpec): string[] {
  if (!spec.output) return [];
  const refused = Object.entries(spec.output.refuse ?? {}).map(([format, why]) => `\`-o ${format}\` is refused: ${why}.`);
  return [`Default output: \`${spec.output.default}\`. ${refused.join(' ')}`.trimEnd(), ''];
}

/** Its own examples, and those of its group that run it. */
function examplesLines(p: Placed, parents: readonly CommandSpec[]): string[] {
  const runsIt = ([cmd]: readonly [string, string]): boolean => cmd.includes(`${title(p.path)} `) || cmd.endsWith(title(p.path));
  const examples = [...p.spec.examples, ...parents.flatMap((g) => g.examples.filter(runsIt))];
  if (examples.length === 0) return [];
  return ['## Examples', '', '```sh', ...examples.map(([cmd, what]) => `# ${what}\n${cmd}`), '```', ''];
}

/** The page of one command. */
function commandPage(p: Placed, parents: readonly CommandSpec[]): string {
  const { spec } = p;
  const exits = spec.exits ? COMMAND_EXITS[spec.exits] : undefined;
  const own = spec.flags;
  return [
    `# ${title(p.path)}`,
    '',
    `<!-- ${GENERATED} -->`,
    '',
    `${spec.describe}.`,
    '',
    '```text',
    usageOf(p),
    '```',
    '',
    ...(spec.positionalDescribe ? [`\`${POSITIONAL[spec.positional].trim()}\`: ${spec.positionalDescribe}.`, ''] : []),
    ...outputLines(spec),
    '## Flags',
    '',
    ...(own.length > 0 ? [...flagRows(own), ''] : ['None of its own.', '']),
    '## Global flags',
    '',
    ...flagRows(GLOBAL_FLAGS),
    '',
    spec.connection
      ? "It talks to a cluster: it takes kubectl's [connection flags](connection-flags.md) (`--kubeconfig`, `--context`, `-n`, ...), read as kubectl reads them."
      : "It reads files only: kubectl's connection flags are refused.",
    '',
    ...examplesLines(p, parents),
    ...(exits ? ['## Exit codes', '', '```text', exitCodeHelp(exits), '```', '', 'All commands: [exit codes](../exit-codes.md).', ''] : []),
  ].join('\n');
}

function parentsOf(path: readonly string[]): CommandSpec[] {
  const out: CommandSpec[] = [];
  let c = ROOT;
  for (const name of path.slice(0, -1)) {
    const next = c.subcommands.find((s) => s.name === name);
    if (!next) break;
    out.push(next);
    c = next;
  }
  return out;
}

function indexPage(all: readonly Placed[]): string {
  return [
    '# kubectl paas: commands',
    '',
    `<!-- ${GENERATED} -->`,
    '',
    '| command | what it does |',
    '|---|---|',
    ...all.map((p) => `| [\`${title(p.path)}\`](${fileOf(p.path)}) | ${cell(p.spec.describe)} |`),
    '',
    "Every command takes the [global flags](#global-flags); those that talk to a cluster take kubectl's [connection flags](connection-flags.md) too.",
    '',
    '## Global flags',
    '',
    ...flagRows(GLOBAL_FLAGS),
    '',
  ].join('\n');
}

function connectionPage(): string {
  return [
    "# kubectl's connection flags",
    '',
    `<!-- ${GENERATED} -->`,
    '',
    'Every command of `kubectl paas` that talks to a cluster reads these flags as kubectl does, with the same precedence over the kubeconfig (the merged `KUBECONFIG` list, else `~/.kube/config`).',
    '',
    ...flagRows(CONNECTION_FLAGS),
    '',
  ].join('\n');
}

/** Every page of docs/cli/, by file name. */
export function cliPages(): Map<string, string> {
  const all = leaves(ROOT);
  const pages = new Map<string, string>([
    ['README.md', indexPage(all)],
    ['connection-flags.md', connectionPage()],
  ]);
  for (const p of all) pages.set(fileOf(p.path), commandPage(p, parentsOf(p.path)));
  return pages;
}
