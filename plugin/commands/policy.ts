// `kubectl paas policy apply|check|show`: the rollout policy offline, for manifests in a file or
// on stdin. Each verb goes parse (argv → options) → validate → run (pure, in plugin/policy/)
// and writes only once everything succeeded, so bad input never leaves partial output.
import { join } from 'node:path';
import type { Argv } from 'yargs';
import type { CliDeps } from '../deps.js';
import { DEFAULT_CONFIG, parseConfig, type PaasConfig } from '../../core/config.js';
import type { ClusterFacts } from '../../core/policy/index.js';
import { ErrorCode, ExitCode, PaasError, usageError } from '../../core/errors.js';
import { COMMAND_EXITS, exitCodeHelp } from '../../core/exit-codes.js';
import { OutputFormat, parseOutputFlag } from '../lib/output.js';
import { applyPolicy, checkPolicy, parseManifests, type InputDoc } from '../policy/manifests.js';
import { renderCheck, renderShow } from '../policy/render.js';
import { summarizePolicy } from '../policy/summary.js';
import { stringify } from 'yaml';

/** Where the command reads and writes. */
export type PolicyDeps = Pick<CliDeps, 'out' | 'err' | 'readStdin' | 'files'>;

interface CommonOptions {
  configPath?: string;
  facts: ClusterFacts;
  format: OutputFormat | undefined;
}
interface ManifestOptions extends CommonOptions {
  files: string[];
}

/** The default config file, used when it exists and --config is not given. */
const DEFAULT_CONFIG_FILE = 'paas.toml';

/** The `policy` command tree for plugin/cli.ts. */
export function builder(y: Argv, setCode: (code: number) => void, deps: PolicyDeps): Argv {
  const common = (c: Argv) =>
    c
      .option('config', { type: 'string', describe: `paas.toml to read (default: ./${DEFAULT_CONFIG_FILE} when present)` })
      .option('native-sleep', {
        type: 'boolean',
        default: true,
        describe: 'Assume the cluster has the preStop sleep action (Kubernetes >= 1.30); --no-native-sleep uses exec sleep',
      })
      // Its own flag: the CLI has no automatic --no-X negation (plugin/cli.ts).
      .option('no-native-sleep', {
        type: 'boolean',
        default: false,
        describe: 'Write exec sleep preStop hooks (clusters before Kubernetes 1.30); wins over --native-sleep',
      });
  const manifests = (c: Argv) =>
    common(c).option('filename', {
      alias: 'f',
      type: 'string', // repeated -f gives an array (yargs collects duplicates)
      demandOption: true,
      describe: 'Manifest file, directory (its .yaml, .yml and .json files) or - for stdin; repeatable',
    });
  return y
    .usage('kubectl paas policy <apply|check|show> [flags]')
    .command('apply', 'Print the manifests with the policy applied (YAML in, same order out; -o json)', manifests, async (argv) => {
      setCode(await runApply(manifestOptions(argv), deps));
    })
    .command('check', 'List every policy violation per Deployment; exit 1 when there is any (for CI)', manifests, async (argv) => {
      setCode(await runCheck(manifestOptions(argv), deps));
    })
    .command('show', 'Print the effective policy (built-in defaults, paas.toml)', common, async (argv) => {
      setCode(await runShow(commonOptions(argv), deps));
    })
    .example('kubectl paas policy apply -f app.yaml', 'The manifests with the policy applied, as YAML')
    .example('helm template . | kubectl paas policy check -f -', 'Fail a CI job (exit 1) when a Deployment breaks the policy')
    .example('kubectl paas policy show --config paas.toml -o yaml', 'The effective policy')
    .demandCommand(1, 'Name a policy command: apply, check or show')
    .epilog(exitCodeHelp(COMMAND_EXITS.policy));
}

function commonOptions(argv: Record<string, unknown>): CommonOptions {
  let format: OutputFormat | undefined;
  try {
    format = parseOutputFlag(argv.output as string | undefined);
  } catch (err) {
    throw usageError((err as Error).message, 'kubectl paas policy');
  }
  const opts: CommonOptions = { facts: { nativeSleep: argv.nativeSleep !== false && argv.noNativeSleep !== true }, format };
  if (typeof argv.config === 'string') opts.configPath = argv.config;
  return opts;
}

function manifestOptions(argv: Record<string, unknown>): ManifestOptions {
  const raw = argv.filename;
  const files = (Array.isArray(raw) ? raw : [raw]).map(String);
  if (files.length === 0 || files.some((f) => f === '' || f === 'undefined')) {
    throw usageError('-f/--filename: name a manifest file, a directory, or - for stdin', 'kubectl paas policy');
  }
  if (files.filter((f) => f === '-').length > 1) throw usageError('-f -: stdin can be read once', 'kubectl paas policy');
  return { ...commonOptions(argv), files };
}

/** `policy apply`: exit 0, or throws the catalogue's bad input (2) before writing anything. */
async function runApply(opts: ManifestOptions, deps: PolicyDeps): Promise<number> {
  if (opts.format === OutputFormat.text) throw usageError('policy apply prints manifests: use -o yaml (default) or -o json', 'kubectl paas policy apply');
  const { config } = await loadConfig(opts, deps);
  const result = applyPolicy(await readManifests(opts.files, deps), config.deploy, opts.facts);
  for (const w of result.warnings) deps.err.write(`Warning: ${w}\n`);
  deps.out.write(opts.format === OutputFormat.json ? result.json : result.yaml);
  return ExitCode.ok;
}

/** `policy check`: exit 1 when any Deployment violates the policy, 0 otherwise. */
async function runCheck(opts: ManifestOptions, deps: PolicyDeps): Promise<number> {
  const { config } = await loadConfig(opts, deps);
  const report = checkPolicy(await readManifests(opts.files, deps), opts.files.map(label).join(', '), config.deploy, opts.facts);
  deps.out.write(formatData(report, opts.format) ?? renderCheck(report));
  return report.violations > 0 ? ExitCode.problems : ExitCode.ok;
}

/** `policy show`: the effective policy. */
async function runShow(opts: CommonOptions, deps: PolicyDeps): Promise<number> {
  const { config, source } = await loadConfig(opts, deps);
  const summary = summarizePolicy(config, opts.facts.nativeSleep ? undefined : opts.facts);
  deps.out.write(formatData({ source, ...summary }, opts.format) ?? renderShow(summary, source));
  return ExitCode.ok;
}

function formatData(data: unknown, format: OutputFormat | undefined): string | undefined {
  if (format === OutputFormat.json) return `${JSON.stringify(data, null, 2)}\n`;
  if (format === OutputFormat.yaml) return stringify(data);
  return undefined;
}

async function loadConfig(opts: CommonOptions, deps: PolicyDeps): Promise<{ config: PaasConfig; source: string }> {
  const path = opts.configPath ?? (deps.files.exists(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (path === undefined) return { config: DEFAULT_CONFIG, source: 'built-in defaults' };
  const text = await read(path, deps, 'config');
  // A ConfigError is the catalogue's bad input (exit 2) as it is.
  return { config: parseConfig(text, path), source: path };
}

/** Reads and parses every named file (a directory: its manifests, in name order, not recursive). */
async function readManifests(files: string[], deps: PolicyDeps): Promise<InputDoc[]> {
  const docs: InputDoc[] = [];
  for (const file of files) {
    if (file === '-') {
      docs.push(...parseManifests(await deps.readStdin(), label(file)));
      continue;
    }
    const names = deps.files.listDir(file);
    const paths = names
      ? names
          .filter((n) => /\.(ya?ml|json)$/.test(n))
          .sort()
          .map((n) => join(file, n))
      : [file];
    for (const path of paths) docs.push(...parseManifests(await read(path, deps, 'manifest'), path));
  }
  // As kubectl apply: no objects at all is almost always a mistake upstream (a failed render).
  if (docs.length === 0) throw new PaasError(ErrorCode.BadInput, `${files.map(label).join(', ')}: no objects to read (empty input)`);
  return docs;
}

const label = (file: string) => (file === '-' ? '<stdin>' : file);

async function read(path: string, deps: PolicyDeps, what: string): Promise<string> {
  try {
    return await deps.files.readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new PaasError(ErrorCode.BadInput, `cannot read ${what} file ${path}: ${why}`);
  }
}
