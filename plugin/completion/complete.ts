// Shell completion for `kubectl paas`, decided without I/O. kubectl (>= 1.26) runs
// kubectl_complete-paas with the words typed after `paas` and the word being completed last, and
// reads Cobra's protocol back: one candidate a line (`candidate\tdescription`), then `:<directive>`.
// `completionNeeds` says which cluster facts a line needs; the edge fetches them and `complete`
// turns the line and the facts into the answer.
import type { KubeFlags } from '../kube/rest.js';
import { CONNECTION_FLAGS, connectionFlags } from '../lib/connection-flags.js';
import { flagsOf, PositionalKind, ROOT, ValueKind, type CommandSpec, type FlagSpec } from './spec.js';

/** Cobra's ShellCompDirective bits, as kubectl passes them on to the shell. */
export const Directive = {
  default: 0,
  error: 1,
  noSpace: 2,
  noFileComp: 4,
  filterFileExt: 8,
  filterDirs: 16,
  keepOrder: 32,
} as const;

/** The answer: candidates (optionally `name\tdescription`) and the directive bits. */
export interface Completion {
  candidates: string[];
  directive: number;
}

/** Facts only the cluster or the kubeconfig knows; undefined when the lookup failed or was not made. */
export interface CompletionFacts {
  contexts?: readonly string[];
  clusters?: readonly string[];
  users?: readonly string[];
  namespaces?: readonly string[];
  deployments?: readonly string[];
}

/** A lookup the edge must make, with the -n/--context/--kubeconfig already on the line. */
export interface CompletionNeed {
  fact: keyof CompletionFacts;
  flags: KubeFlags;
}

/** What the line asks for once it is parsed. */
type Want =
  { kind: 'flags'; word: string } | { kind: 'value'; flag: FlagSpec; word: string } | { kind: 'commands'; word: string } | { kind: 'positional'; word: string };

interface Line {
  command: CommandSpec;
  /** Flag values by long name (the last one wins, as in yargs). */
  values: Map<string, string>;
  /** Long names of every flag given, to leave them out of further flag candidates. */
  given: Set<string>;
  positionals: string[];
  want: Want;
}

/** The flags read off the line at `cmd`: its own, and kubectl's connection flags wherever they
 * stand (`-n shop rollout status` names the namespace before the command that takes it). */
function flagsOnLine(cmd: CommandSpec): FlagSpec[] {
  return [...flagsOf(cmd), ...CONNECTION_FLAGS];
}

// No --no-<name> negation: the CLI turns yargs' off (plugin/cli.ts), so only listed names exist.
function findLong(cmd: CommandSpec, name: string): FlagSpec | undefined {
  return flagsOnLine(cmd).find((x) => x.name === name);
}

function findShort(cmd: CommandSpec, short: string): FlagSpec | undefined {
  return flagsOnLine(cmd).find((x) => x.short === short);
}

const takesValue = (f: FlagSpec | undefined): f is FlagSpec => f !== undefined && f.value !== ValueKind.none;

/** Reads the words before the one being completed the way yargs would, then what `word` is. */
function parseLine(args: readonly string[], word: string): Line {
  let command = ROOT;
  const values = new Map<string, string>();
  const given = new Set<string>();
  const positionals: string[] = [];
  let pending: FlagSpec | undefined;
  let rest = false;
  for (const a of args) {
    if (pending) {
      values.set(pending.name, a);
      pending = undefined;
      continue;
    }
    if (rest || a === '-' || !a.startsWith('-')) {
      const sub = !rest && positionals.length === 0 ? command.subcommands.find((c) => c.name === a) : undefined;
      if (sub) command = sub;
      else positionals.push(a);
      continue;
    }
    if (a === '--') {
      rest = true;
      continue;
    }
    const long = a.startsWith('--');
    const eq = a.indexOf('=');
    const flag = long ? findLong(command, a.slice(2, eq < 0 ? undefined : eq)) : findShort(command, a[1]!);
    if (!flag) continue;
    given.add(flag.name);
    if (!takesValue(flag)) continue;
    if (eq >= 0) values.set(flag.name, a.slice(eq + 1));
    else if (!long && a.length > 2)
      values.set(flag.name, a.slice(2)); // -nshop
    else pending = flag;
  }
  return { command, values, given, positionals, want: wantOf(command, pending, rest, word) };
}

function wantOf(command: CommandSpec, pending: FlagSpec | undefined, rest: boolean, word: string): Want {
  if (pending) return { kind: 'value', flag: pending, word };
  if (!rest && word.startsWith('-')) {
    const eq = word.indexOf('=');
    if (eq >= 0) {
      const name = word.slice(0, eq);
      const flag = name.startsWith('--') ? findLong(command, name.slice(2)) : name.length === 2 ? findShort(command, name[1]!) : undefined;
      // Cobra answers `--flag=val` with bare values; the shell scripts put `--flag=` back.
      if (flag) return { kind: 'value', flag, word: word.slice(eq + 1) };
    }
    return { kind: 'flags', word };
  }
  return command.subcommands.length ? { kind: 'commands', word } : { kind: 'positional', word };
}

/** The connection flags on the line, for the lookup to connect as the command would. */
function kubeFlags(line: Line): KubeFlags {
  const argv: Record<string, unknown> = Object.fromEntries(line.values);
  if (line.given.has('insecure-skip-tls-verify')) argv['insecure-skip-tls-verify'] = true;
  return connectionFlags(argv);
}

/** The kubeconfig names a flag's value completes from. */
const NAMES_OF: Partial<Record<ValueKind, keyof CompletionFacts>> = {
  [ValueKind.context]: 'contexts',
  [ValueKind.cluster]: 'clusters',
  [ValueKind.user]: 'users',
  [ValueKind.namespace]: 'namespaces',
};

function factFor(line: Line): keyof CompletionFacts | undefined {
  const w = line.want;
  if (w.kind === 'value') return NAMES_OF[w.flag.value];
  if (w.kind !== 'positional') return undefined;
  const p = line.command.positional;
  // Workloads complete as Deployment names, the bare form (TYPE/NAME of other kinds is typed out).
  if (p === PositionalKind.deployments || p === PositionalKind.workloads || (p === PositionalKind.deployment && line.positionals.length === 0))
    return 'deployments';
  return undefined;
}

/** Which fact completing `word` after `args` needs from the cluster or kubeconfig, if any. */
export function completionNeeds(args: readonly string[], word: string): CompletionNeed | undefined {
  const line = parseLine(args, word);
  const fact = factFor(line);
  return fact ? { fact, flags: kubeFlags(line) } : undefined;
}

const startsWith = (prefix: string) => (s: string) => s.startsWith(prefix);
const noFiles = (candidates: string[]): Completion => ({ candidates, directive: Directive.noFileComp });

function flagCandidates(line: Line, word: string): string[] {
  const out: string[] = [];
  for (const f of flagsOf(line.command)) {
    // A flag given once is not offered again, except a repeatable one (-f, --as-group).
    if (line.given.has(f.name) && f.repeat !== true) continue;
    out.push(`--${f.name}\t${f.describe}`);
    if (f.short && !word.startsWith('--')) out.push(`-${f.short}\t${f.describe}`);
  }
  return out.filter(startsWith(word));
}

function valueCompletion(flag: FlagSpec, word: string, facts: CompletionFacts): Completion {
  switch (flag.value) {
    case ValueKind.choice:
      return noFiles((flag.values ?? []).filter(startsWith(word)));
    case ValueKind.none:
      return noFiles(['true', 'false'].filter(startsWith(word)));
    case ValueKind.file:
      // Cobra's FilterFileExt: the candidates are the extensions the shell keeps (directories too).
      return flag.extensions ? { candidates: [...flag.extensions], directive: Directive.filterFileExt } : { candidates: [], directive: Directive.default };
    case ValueKind.context:
    case ValueKind.cluster:
    case ValueKind.user:
    case ValueKind.namespace:
      return noFiles((facts[NAMES_OF[flag.value]!] ?? []).filter(startsWith(word)));
    default:
      return noFiles([]);
  }
}

/** The completion of `word` after `args` (the words after `paas`), given the facts looked up. */
export function complete(args: readonly string[], word: string, facts: CompletionFacts = {}): Completion {
  const line = parseLine(args, word);
  const w = line.want;
  switch (w.kind) {
    case 'flags':
      return noFiles(flagCandidates(line, w.word));
    case 'value':
      return valueCompletion(w.flag, w.word, facts);
    case 'commands':
      return noFiles(line.command.subcommands.map((c) => `${c.name}\t${c.describe}`).filter(startsWith(w.word)));
    case 'positional': {
      if (factFor(line) !== 'deployments') return noFiles([]);
      const typed = new Set(line.positionals);
      return noFiles((facts.deployments ?? []).filter((d) => !typed.has(d)).filter(startsWith(w.word)));
    }
  }
}

/** Cobra's wire format: one candidate a line, then `:<directive>`. */
export function formatCompletion(c: Completion): string {
  return [...c.candidates.map((s) => s.replace(/\n/g, ' ')), `:${c.directive}`].join('\n') + '\n';
}
