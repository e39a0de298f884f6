// A cluster for the audit's and version's command tests: a Rest that answers the API server's
// paths from plain data (lists paged by limit and continue, items without kind as the API server
// sends them, an HTTP status where one is set) and records every call, and the CLI's dependencies
// pointed at it.
import type { JsonObject } from '../../../core/policy/index.js';
import type { CliDeps } from '../../../plugin/deps.js';
import { describeError, HttpError, type Kube, type Rest } from '../../../plugin/kube/rest.js';
import { cliRun } from '../plugin/cli-harness.js';
import { asListItem } from './fixtures.js';

type Query = Record<string, string | undefined>;

/** What the cluster holds; a number where an answer is an HTTP status instead. */
export interface ClusterData {
  deployments: JsonObject[];
  namespaces: Record<string, Record<string, string>> | number;
  /** The installed webhook's ConfigMap data (paas-system/paas-webhook-config); absent: 404. */
  configMap?: Record<string, string> | number;
  /** GET /version of the API server. */
  version?: { major: string; minor: string; gitVersion: string } | number;
  /** A status for every Deployment read (list or get). */
  deploymentsStatus?: number;
  /** paas-system/paas-webhook, the webhook's Deployment (absent: 404). */
  webhookDeployment?: JsonObject | number;
  /** GET /version of the webhook through the service proxy (absent: 503, no endpoints). */
  webhookVersion?: unknown;
}

export interface Call {
  path: string;
  query: Query;
}

const status = (code: number, path: string, message = 'refused') =>
  new HttpError(code, JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code }), path);

/** `app=web`, `app!=web`, `key` and `!key` terms, comma-separated, as the API server reads them. */
function matches(labels: Record<string, string>, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const ne = /^([^!=]+)!=(.*)$/.exec(term);
    if (ne) return labels[ne[1]!] !== ne[2];
    const eq = /^([^=]+)=(.*)$/.exec(term);
    if (eq) return labels[eq[1]!] === eq[2];
    return term.startsWith('!') ? !(term.slice(1) in labels) : term in labels;
  });
}

function page<T>(items: T[], q: Query): { items: T[]; metadata: { resourceVersion: string; continue?: string } } {
  const from = Number(q.continue ?? 0);
  const limit = Number(q.limit ?? items.length);
  const next = from + limit < items.length ? String(from + limit) : undefined;
  return { items: items.slice(from, from + limit), metadata: { resourceVersion: '42', ...(next ? { continue: next } : {}) } };
}

const labelsOf = (d: JsonObject) => ((d.metadata as JsonObject).labels ?? {}) as Record<string, string>;
const nsOf = (d: JsonObject) => (d.metadata as JsonObject).namespace as string;
const nameOf = (d: JsonObject) => (d.metadata as JsonObject).name as string;

/** The answer to one GET, or the HTTP error. */
function answer(c: ClusterData, path: string, q: Query): unknown {
  if (path === '/version') {
    if (typeof c.version === 'number') throw status(c.version, path);
    return c.version ?? { major: '1', minor: '37', gitVersion: 'v1.37.2' };
  }
  if (path === '/api/v1/namespaces/paas-system/configmaps/paas-webhook-config') {
    if (c.configMap === undefined || typeof c.configMap === 'number') throw status(c.configMap ?? 404, path);
    return { data: c.configMap };
  }
  if (path === '/apis/apps/v1/namespaces/paas-system/deployments/paas-webhook') {
    if (c.webhookDeployment === undefined || typeof c.webhookDeployment === 'number') throw status(c.webhookDeployment ?? 404, path);
    return c.webhookDeployment;
  }
  if (path === '/api/v1/namespaces/paas-system/services/http:paas-webhook:metrics/proxy/version') {
    if (c.webhookVersion === undefined) throw status(503, path, 'no endpoints available for service "paas-webhook"');
    return c.webhookVersion;
  }
  const ns = /^\/api\/v1\/namespaces(?:\/([^/]+))?$/.exec(path);
  if (ns) {
    if (typeof c.namespaces === 'number') throw status(c.namespaces, path);
    const all = Object.entries(c.namespaces).map(([name, labels]) => ({ metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } }));
    if (ns[1] === undefined) return page(all, q);
    const one = all.find((n) => n.metadata.name === decodeURIComponent(ns[1]!));
    if (!one) throw status(404, path);
    return one;
  }
  const dep = /^\/apis\/apps\/v1(?:\/namespaces\/([^/]+))?\/deployments(?:\/([^/]+))?$/.exec(path);
  if (dep) {
    if (c.deploymentsStatus)
      throw status(c.deploymentsStatus, path, 'deployments.apps is forbidden: User "dev" cannot list resource "deployments" in API group "apps"');
    const inNs = c.deployments.filter((d) => dep[1] === undefined || nsOf(d) === decodeURIComponent(dep[1]));
    if (dep[2] !== undefined) {
      const one = inNs.find((d) => nameOf(d) === decodeURIComponent(dep[2]!));
      if (!one) throw status(404, path, `deployments.apps "${dep[2]}" not found`);
      return structuredClone(one);
    }
    return page(
      inNs.filter((d) => matches(labelsOf(d), q.labelSelector)).map((d) => asListItem(structuredClone(d))),
      q,
    );
  }
  throw new Error(`unexpected GET ${path}`);
}

/** A Rest over `c` that records every call. */
export function fakeRest(c: ClusterData): { rest: Rest; calls: Call[] } {
  const calls: Call[] = [];
  const rest: Rest = {
    async get<T>(path: string, query: Query = {}): Promise<T> {
      calls.push({ path, query });
      return (await answer(c, path, query)) as T;
    },
    getText: () => Promise.reject(new Error('the audit reads no text')),
    watch: () => Promise.reject(new Error('the audit never watches')),
    stream: () => Promise.reject(new Error('the audit reads no stream')),
    patch: () => Promise.reject(new Error('the audit never writes')),
    close: () => undefined,
  };
  return { rest, calls };
}

/** The CLI's dependencies against `c`, the context's namespace `namespace`. */
export function against(c: ClusterData, namespace = 'shop', files: Record<string, string> = {}) {
  const r = cliRun();
  const { rest, calls } = fakeRest(c);
  const kube: Kube = { namespace, server: 'https://127.0.0.1:6443', context: 'fake' };
  let connected = 0;
  const deps: CliDeps = {
    ...r.deps,
    files: {
      readFile: (path) => (path in files ? Promise.resolve(files[path]!) : Promise.reject(Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' }))),
      exists: (path) => path in files,
      listDir: () => undefined,
    },
    // The namespace of -n, as kubectl's flags give it, else the context's.
    kube: (flags) =>
      Promise.resolve({
        connect: () => {
          connected++;
          return Promise.resolve({ kube: { ...kube, namespace: flags.namespace ?? kube.namespace }, rest });
        },
        describeError,
      }),
  };
  return { deps, calls, out: r.out, err: r.err, connected: () => connected };
}
