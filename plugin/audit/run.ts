// `kubectl paas audit` at run time, the edge: read the Deployments (by name, or every page of the
// list), their namespaces' labels, the paas.toml to judge them by and the API server's version,
// at once; judge each in memory (audit.ts, pure); write text, JSON or YAML (print.ts). The
// verdicts give the exit code.
import { DEFAULT_CONFIG, parseConfig, type PaasConfig } from '../../core/config.js';
import { factsFromVersion, type ServerVersion } from '../../core/cluster-facts.js';
import { ErrorCode, PaasError } from '../../core/errors.js';
import { WEBHOOK_INSTALL } from '../../core/names.js';
import type { JsonObject } from '../../core/policy/index.js';
import { apiPath, Resource } from '../../kube-client/paths.js';
import type { Files, Writer } from '../deps.js';
import { listItems } from '../kube/list.js';
import { HttpError, type Kube, type KubeEdge, type Rest } from '../kube/rest.js';
import { mapLimit } from '../lib/limit.js';
import { OutputFormat } from '../lib/output.js';
import { auditAll, exitCodeOf, summarize } from './audit.js';
import { auditDocument, auditText, PolicySource, type Audit } from './print.js';
import type { NamespaceLabels } from './scope.js';

/** The parsed and validated flags of `audit`. */
export interface AuditOptions {
  /** Deployments named on the line (none: every one the list finds). */
  names: string[];
  selector?: string;
  allNamespaces: boolean;
  /** --config: a paas.toml to judge by instead of the installed webhook's. */
  configPath?: string;
  output: OutputFormat;
  color: boolean;
}

/** The edges `audit` runs against. */
export interface AuditDeps extends KubeEdge {
  out: Writer;
  files: Pick<Files, 'readFile'>;
}

/** Named Deployments read at once. */
const READS_AT_ONCE = 8;

const CONFIG_MAP = `ConfigMap ${WEBHOOK_INSTALL.namespace}/${WEBHOOK_INSTALL.configMap}`;

/** The paas.toml judged by, where it came from, and what could not be read on the way. */
interface ConfigRead {
  config: PaasConfig;
  source: PolicySource;
  from: string;
  note?: string;
}

/** --config, else the installed webhook's ConfigMap, else (absent or unreadable: said) the defaults. */
async function readConfig(opts: AuditOptions, rest: Rest, deps: AuditDeps, kube: Kube): Promise<ConfigRead> {
  if (opts.configPath !== undefined) {
    let text: string;
    try {
      text = await deps.files.readFile(opts.configPath);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new PaasError(ErrorCode.BadInput, `cannot read config file ${opts.configPath}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    return { config: parseConfig(text, opts.configPath), source: PolicySource.file, from: opts.configPath };
  }
  const defaults = (note: string): ConfigRead => ({ config: DEFAULT_CONFIG, source: PolicySource.defaults, from: 'built-in defaults', note });
  let map: { data?: Record<string, string> };
  try {
    map = await rest.get(apiPath(Resource.configMaps, { namespace: WEBHOOK_INSTALL.namespace, name: WEBHOOK_INSTALL.configMap }));
  } catch (err) {
    if (!(err instanceof HttpError) || (err.status !== 404 && err.status !== 403 && err.status !== 401)) throw describe(deps, err, kube, CONFIG_MAP);
    const why = err.status === 404 ? 'not found' : 'forbidden';
    return defaults(`${CONFIG_MAP} ${why}: judged by the built-in defaults (--config names a paas.toml)`);
  }
  const text = map.data?.[WEBHOOK_INSTALL.configKey];
  if (text === undefined) return defaults(`${CONFIG_MAP} has no ${WEBHOOK_INSTALL.configKey} key: judged by the built-in defaults`);
  // Its paas.toml is what the webhook runs with: a mistake in it is bad input, named.
  const from = `${CONFIG_MAP} (${WEBHOOK_INSTALL.configKey})`;
  return { config: parseConfig(text, from), source: PolicySource.configMap, from };
}

/** An error of the access layer as the catalogue's line, about an object of the webhook's namespace. */
function describe(deps: AuditDeps, err: unknown, kube: Kube, what: string): PaasError {
  return deps.describeError(err, { ...kube, namespace: WEBHOOK_INSTALL.namespace }, what);
}

/** The Deployments: each named one, else every page of the list (of a namespace, or of all). */
async function readDeployments(opts: AuditOptions, rest: Rest, namespace: string | undefined): Promise<JsonObject[]> {
  if (opts.names.length > 0) {
    return mapLimit(opts.names, READS_AT_ONCE, (name) => rest.get<JsonObject>(apiPath(Resource.deployments, { namespace: namespace!, name })));
  }
  const path = apiPath(Resource.deployments, namespace === undefined ? {} : { namespace });
  return listItems<JsonObject>(rest, path, opts.selector ? { labelSelector: opts.selector } : {});
}

interface NamespaceRead {
  labels: Map<string, NamespaceLabels>;
  note?: string;
}

/** The labels of the namespace, or of every namespace (-A); a refusal leaves them unknown (said). */
async function readNamespaces(rest: Rest, namespace: string | undefined): Promise<NamespaceRead> {
  type Ns = { metadata?: { name?: string; labels?: Record<string, string> } };
  try {
    const items =
      namespace === undefined
        ? await listItems<Ns>(rest, apiPath(Resource.namespaces))
        : [await rest.get<Ns>(apiPath(Resource.namespaces, { name: namespace }))];
    return { labels: new Map(items.map((n) => [n.metadata?.name ?? '', n.metadata?.labels ?? {}])) };
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    const what = namespace === undefined ? 'the namespaces' : `namespace ${namespace}`;
    return { labels: new Map(), note: `cannot read ${what} (HTTP ${err.status}): where a namespace's labels decide, the webhook's mode is unknown` };
  }
}

/** The API server's version, for the engine's one cluster fact; unknown when it cannot be read. */
async function readVersion(rest: Rest): Promise<ServerVersion | undefined> {
  try {
    return await rest.get<ServerVersion>('/version');
  } catch (err) {
    if (err instanceof HttpError) return undefined;
    throw err;
  }
}

/** Reads, judges and prints; resolves to the exit code (0 every Deployment in scope meets the policy, 1 some falls short). */
export async function runAudit(opts: AuditOptions, deps: AuditDeps): Promise<number> {
  const { kube, rest } = await deps.connect();
  const namespace = opts.allNamespaces ? undefined : kube.namespace;
  let read: [ConfigRead, ServerVersion | undefined, JsonObject[], NamespaceRead];
  try {
    read = await Promise.all([
      readConfig(opts, rest, deps, kube),
      readVersion(rest),
      readDeployments(opts, rest, namespace).catch((err: unknown) => {
        const what = opts.names.length === 1 ? `deployment "${opts.names[0]!}"` : 'deployments';
        throw deps.describeError(err, kube, what);
      }),
      readNamespaces(rest, namespace),
    ]);
  } catch (err) {
    throw deps.describeError(err, kube, 'the audit');
  } finally {
    rest.close();
  }
  const [cfg, version, deployments, namespaces] = read;
  const facts = factsFromVersion(version).facts;
  const rows = auditAll(deployments, namespaces.labels, { config: cfg.config, facts });
  const w = cfg.config.webhook;
  const audit: Audit = {
    policy: {
      source: cfg.source,
      from: cfg.from,
      mode: w.mode,
      namespaces: w.namespaces,
      excludedNamespaces: w.excludedNamespaces,
      nativeSleep: facts.nativeSleep,
    },
    rows,
    notes: [cfg.note, namespaces.note].filter((n): n is string => n !== undefined),
    ...(namespace === undefined ? {} : { namespace }),
  };
  await write(audit, opts, deps.out);
  return exitCodeOf(summarize(rows));
}

async function write(audit: Audit, opts: AuditOptions, out: Writer): Promise<void> {
  if (opts.output === OutputFormat.text) {
    out.write(auditText(audit, opts.color));
    return;
  }
  const doc = auditDocument(audit);
  if (opts.output === OutputFormat.json) out.write(`${JSON.stringify(doc, null, 2)}\n`);
  else out.write((await import('yaml')).stringify(doc));
}
