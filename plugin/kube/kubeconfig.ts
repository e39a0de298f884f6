// Kubeconfig as kubectl reads it, without @kubernetes/client-node (whose import alone costs more
// than kubectl's whole run): merge the files of $KUBECONFIG (first one wins per name and for
// current-context), pick the context, and resolve the cluster and user into TLS and auth
// settings. Pure: files come in as text, paths relative to their file are resolved here.
import { dirname, isAbsolute, join } from 'node:path';

interface NamedCluster {
  name: string;
  cluster: Record<string, unknown>;
}
interface NamedUser {
  name: string;
  user: Record<string, unknown>;
}
interface NamedContext {
  name: string;
  context: { cluster?: string; user?: string; namespace?: string };
}

/** One kubeconfig file: its path (for messages and relative paths) and its parsed document. */
export interface KubeconfigFile {
  path: string;
  doc: unknown;
}

/** An exec credential plugin (client.authentication.k8s.io), run at the edge. */
export interface ExecPlugin {
  command: string;
  args: string[];
  env: Record<string, string>;
  apiVersion: string;
  /** Folder the command is resolved against when it is a relative path with a slash. */
  dir: string;
}

/** What the edge needs to talk to the API server. File references are absolute paths. */
export interface ResolvedKubeconfig {
  context: string;
  namespace: string;
  server: string;
  tlsServerName?: string;
  insecureSkipTLSVerify: boolean;
  ca?: { data?: string; file?: string };
  cert?: { data?: string; file?: string };
  key?: { data?: string; file?: string };
  token?: string;
  tokenFile?: string;
  basic?: { username: string; password: string };
  exec?: ExecPlugin;
  /** Auth this module does not implement (auth-provider): the edge hands over to client-node. */
  unsupportedAuth?: string;
}

/** The entries of one of a kubeconfig's lists; an entry may be anything a hand-edited file holds. */
function list<T>(doc: unknown, key: string): (Partial<T> | null | undefined)[] {
  const v = (doc as Record<string, unknown> | null)?.[key];
  return Array.isArray(v) ? (v as (Partial<T> | null | undefined)[]) : [];
}

function abs(file: string | undefined, base: string): string | undefined {
  if (!file) return undefined;
  return isAbsolute(file) ? file : join(dirname(base), file);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function b64(v: unknown): string | undefined {
  const s = str(v);
  return s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');
}

/** The clusters, users and contexts of every file, the first file winning per name (as kubectl merges). */
interface Merged {
  clusters: Map<string, { c: Record<string, unknown>; file: string }>;
  users: Map<string, { u: Record<string, unknown>; file: string }>;
  contexts: Map<string, NamedContext['context']>;
  current?: string;
}

function merge(files: readonly KubeconfigFile[]): Merged {
  const m: Merged = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const f of files) {
    for (const c of list<NamedCluster>(f.doc, 'clusters')) if (c?.name && !m.clusters.has(c.name)) m.clusters.set(c.name, { c: c.cluster ?? {}, file: f.path });
    for (const u of list<NamedUser>(f.doc, 'users')) if (u?.name && !m.users.has(u.name)) m.users.set(u.name, { u: u.user ?? {}, file: f.path });
    for (const x of list<NamedContext>(f.doc, 'contexts')) if (x?.name && !m.contexts.has(x.name)) m.contexts.set(x.name, x.context ?? {});
    m.current ??= str((f.doc as Record<string, unknown> | null)?.['current-context']);
  }
  return m;
}

/** Inline data (base64) wins over a file (relative to its kubeconfig); undefined when neither is set. */
function dataOrFile(data: unknown, file: unknown, base: string): { data?: string; file?: string } | undefined {
  const d = b64(data);
  if (d) return { data: d };
  const f = abs(str(file), base);
  return f ? { file: f } : undefined;
}

/** Picks the context and resolves it; throws an Error naming the missing context, cluster or user. */
export function resolveKubeconfig(files: readonly KubeconfigFile[], flags: { context?: string; namespace?: string }): ResolvedKubeconfig {
  if (!files.length) throw new Error('no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config');
  const m = merge(files);
  const where = files.map((f) => f.path).join(':');
  const name = flags.context ?? m.current;
  if (!name) throw new Error(`no current context in ${where}: pass --context or run kubectl config use-context`);
  const ctx = m.contexts.get(name);
  if (!ctx) throw new Error(`context "${name}" does not exist in ${where}`);
  const cl = ctx.cluster ? m.clusters.get(ctx.cluster) : undefined;
  if (!cl) throw new Error(`context "${name}" names cluster "${ctx.cluster ?? ''}", which is not in ${where}`);
  const server = str(cl.c.server);
  if (!server) throw new Error(`cluster "${ctx.cluster}" in ${cl.file} has no server`);
  const out: ResolvedKubeconfig = {
    context: name,
    namespace: flags.namespace || ctx.namespace || 'default',
    server,
    insecureSkipTLSVerify: cl.c['insecure-skip-tls-verify'] === true,
  };
  const tlsName = str(cl.c['tls-server-name']);
  if (tlsName) out.tlsServerName = tlsName;
  const ca = dataOrFile(cl.c['certificate-authority-data'], cl.c['certificate-authority'], cl.file);
  if (ca) out.ca = ca;
  const us = ctx.user ? m.users.get(ctx.user) : undefined;
  if (ctx.user && !us) throw new Error(`context "${name}" names user "${ctx.user}", which is not in ${where}`);
  return us ? { ...out, ...userSettings(us.u, us.file) } : out;
}

/** What a user entry says about credentials: certificates, a token, basic auth, an exec plugin. */
function userSettings(u: Record<string, unknown>, file: string): Partial<ResolvedKubeconfig> {
  const out: Partial<ResolvedKubeconfig> = {};
  const cert = dataOrFile(u['client-certificate-data'], u['client-certificate'], file);
  if (cert) out.cert = cert;
  const key = dataOrFile(u['client-key-data'], u['client-key'], file);
  if (key) out.key = key;
  const token = str(u.token);
  if (token) out.token = token;
  const tokenFile = abs(str(u.tokenFile), file);
  if (!token && tokenFile) out.tokenFile = tokenFile;
  const username = str(u.username);
  if (username) out.basic = { username, password: str(u.password) ?? '' };
  const exec = execPlugin(u.exec, file);
  if (exec) out.exec = exec;
  if (u['auth-provider']) out.unsupportedAuth = 'auth-provider';
  return out;
}

function execPlugin(raw: unknown, file: string): ExecPlugin | undefined {
  const exec = raw as Record<string, unknown> | undefined;
  const command = str(exec?.command);
  if (!exec || !command) return undefined;
  const env: Record<string, string> = {};
  for (const e of (Array.isArray(exec.env) ? exec.env : []) as ({ name?: string; value?: string } | null)[]) {
    if (e?.name) env[e.name] = e.value ?? '';
  }
  return {
    command,
    args: (Array.isArray(exec.args) ? exec.args : []).map(String),
    env,
    apiVersion: str(exec.apiVersion) ?? 'client.authentication.k8s.io/v1',
    dir: dirname(file),
  };
}

/** The kubeconfig paths kubectl would read: --kubeconfig, else each of $KUBECONFIG, else ~/.kube/config. */
export function kubeconfigPaths(flag: string | undefined, env: Record<string, string | undefined>, home: string): string[] {
  if (flag) return [flag];
  const sep = process.platform === 'win32' ? ';' : ':';
  const fromEnv = (env.KUBECONFIG ?? '').split(sep).filter(Boolean);
  return fromEnv.length ? [...new Set(fromEnv)] : [join(home, '.kube', 'config')];
}
