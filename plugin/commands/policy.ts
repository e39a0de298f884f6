// `kubectl paas policy apply|check|show|render`: the rollout policy offline, for manifests in a
// file or on stdin, or rendered as objects the API server runs itself. Each verb goes parse (argv
// → options, the flags declared in commands/table.ts) → validate → run (pure, in plugin/policy/
// and core/policy/) and writes only once everything succeeded, so bad input never leaves partial
// output. No cluster: these commands take no connection flags.
import { join } from 'node:path';
import type { CliDeps } from '../deps.js';
import { DEFAULT_CONFIG, NAMESPACE_NAME, parseConfig, type PaasConfig } from '../../core/config.js';
import { ErrorCode, ExitCode, PaasError } from '../../core/errors.js';
import {
  ADMISSION_POLICY_GAPS,
  admissionPolicyObjects,
  PolicyFormat,
  renderAdmissionPolicy,
  type AdmissionPolicyScope,
  type ClusterFacts,
} from '../../core/policy/index.js';
import { OutputFormat } from '../lib/output.js';
import { applyPolicy, checkPolicy, parseManifests, type InputDoc } from '../policy/manifests.js';
import { renderCheck, renderShow } from '../policy/render.js';
import { summarizePolicy } from '../policy/summary.js';
import { stringify } from 'yaml';
import type { FrontDoor, Run } from './front-door.js';
import { RenderAs } from './table.js';

/** Where the command reads and writes. */
type PolicyDeps = Pick<CliDeps, 'out' | 'err' | 'readStdin' | 'files'>;

interface CommonOptions {
  configPath?: string;
  facts: ClusterFacts;
  format: OutputFormat;
}
interface ManifestOptions extends CommonOptions {
  files: string[];
}

/** The default config file, used when it exists and --config is not given. */
const DEFAULT_CONFIG_FILE = 'paas.toml';

function commonOptions(argv: Readonly<Record<string, unknown>>, door: FrontDoor): CommonOptions {
  const opts: CommonOptions = { facts: { nativeSleep: argv.nativeSleep !== false && argv.noNativeSleep !== true }, format: door.output };
  if (typeof argv.config === 'string') opts.configPath = argv.config;
  return opts;
}

function manifestOptions(argv: Readonly<Record<string, unknown>>, door: FrontDoor): ManifestOptions {
  const raw = argv.filename;
  const files = (Array.isArray(raw) ? raw : [raw]).map(String);
  if (files.length === 0 || files.some((f) => f === '' || f === 'undefined')) {
    throw door.usage('-f/--filename: name a manifest file, a directory, or - for stdin');
  }
  if (files.filter((f) => f === '-').length > 1) throw door.usage('-f -: stdin can be read once');
  return { ...commonOptions(argv, door), files };
}

/** `policy apply`: exit 0, or throws the catalogue's bad input (2) before writing anything. */
export const apply: Run = async (argv, door, deps) => {
  const opts = manifestOptions(argv, door);
  const { config } = await loadConfig(opts, deps);
  const result = applyPolicy(await readManifests(opts.files, deps), config.deploy, opts.facts);
  for (const w of result.warnings) deps.err.write(`Warning: ${w}\n`);
  deps.out.write(opts.format === OutputFormat.json ? result.json : result.yaml);
  return ExitCode.ok;
};

/** `policy check`: exit 1 when any Deployment violates the policy, 0 otherwise. */
export const check: Run = async (argv, door, deps) => {
  const opts = manifestOptions(argv, door);
  const { config } = await loadConfig(opts, deps);
  const report = checkPolicy(await readManifests(opts.files, deps), opts.files.map(label).join(', '), config.deploy, opts.facts);
  deps.out.write(formatData(report, opts.format) ?? renderCheck(report));
  return report.violations > 0 ? ExitCode.problems : ExitCode.ok;
};

/** `policy show`: the effective policy. */
export const show: Run = async (argv, door, deps) => {
  const opts = commonOptions(argv, door);
  const { config, source } = await loadConfig(opts, deps);
  const summary = summarizePolicy(config, opts.facts.nativeSleep ? undefined : opts.facts);
  deps.out.write(formatData({ source, ...summary }, opts.format) ?? renderShow(summary, source));
  return ExitCode.ok;
};

/** A Kubernetes object name (RFC 1123 subdomain), as the policy's and the binding's must be. */
const OBJECT_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A flag given at most once: its value (yargs makes an array of a repeated one). */
function once(argv: Readonly<Record<string, unknown>>, name: string, door: FrontDoor): string {
  const v = argv[name];
  if (Array.isArray(v)) throw door.usage(`--${name}: give it once`);
  return String(v);
}

interface RenderOptions extends CommonOptions {
  scope: Pick<AdmissionPolicyScope, 'name' | 'ownNamespace'>;
  /** --exclude-namespace, added to paas.toml's [webhook] excluded_namespaces. */
  exclude: string[];
}

function renderOptions(argv: Readonly<Record<string, unknown>>, door: FrontDoor): RenderOptions {
  const as = once(argv, 'as', door);
  if (!(Object.values(RenderAs) as string[]).includes(as)) throw door.usage(`invalid value "${as}" for --as: use ${Object.values(RenderAs).join(', ')}`);
  const name = once(argv, 'name', door);
  if (!OBJECT_NAME.test(name)) throw door.usage(`invalid value "${name}" for --name: expected a lowercase RFC 1123 subdomain (paas-rollout-policy)`);
  const ownNamespace = once(argv, 'webhook-namespace', door);
  const raw = argv['exclude-namespace'];
  const exclude = raw === undefined ? [] : (Array.isArray(raw) ? raw : [raw]).map(String);
  for (const [flag, ns] of [['webhook-namespace', ownNamespace], ...exclude.map((n) => ['exclude-namespace', n])] as const) {
    if (!NAMESPACE_NAME.test(ns)) throw door.usage(`invalid value "${ns}" for --${flag}: expected a namespace name (a lowercase RFC 1123 label)`);
  }
  return { ...commonOptions(argv, door), scope: { name, ownNamespace }, exclude };
}

/** `policy render --as mutating-admission-policy`: the policy and where it applies (paas.toml's
 * [deploy] and [webhook], the flags), as objects to apply; each difference from the webhook noted
 * on stderr. Exit 0, or the catalogue's bad input (2) for a bad paas.toml. */
export const render: Run = async (argv, door, deps) => {
  const opts = renderOptions(argv, door);
  const { config } = await loadConfig(opts, deps);
  const scope: AdmissionPolicyScope = {
    ...opts.scope,
    excludedNamespaces: [...new Set([...config.webhook.excludedNamespaces, ...opts.exclude])],
    mode: config.webhook.mode,
    namespaces: config.webhook.namespaces,
  };
  const objects = admissionPolicyObjects(config, opts.facts, scope);
  const text = renderAdmissionPolicy(objects, opts.format === OutputFormat.json ? PolicyFormat.json : PolicyFormat.yaml);
  deps.err.write('Note: what this policy does not do as paas-webhook does (docs/admission-policy.md):\n');
  for (const g of ADMISSION_POLICY_GAPS) deps.err.write(`Note: - ${g.note}\n`);
  deps.out.write(text);
  return ExitCode.ok;
};

function formatData(data: unknown, format: OutputFormat): string | undefined {
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
