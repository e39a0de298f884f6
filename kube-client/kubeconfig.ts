// Kubeconfig as kubectl reads it (client-go's clientcmd), pure: files come in parsed, with their
// paths; out comes what the transport needs, or a KubeError naming the file, field and value.
// - Merging $KUBECONFIG: per name, the first file holding a cluster, user or context wins it
//   whole; the first non-empty current-context wins; a name twice in one file is an error.
// - Paths in a file (certificate-authority, client-certificate, client-key, tokenFile, an exec
//   command with a slash) are relative to that file's folder.
// - Flags override as kubectl's do: --context picks the context; --cluster, --user and -n replace
//   the context's; --server, --certificate-authority, --insecure-skip-tls-verify and
//   --tls-server-name the cluster's (with kubectl's two special rules); --token,
//   --client-certificate, --client-key, --as, --as-group and --as-uid the user's.
// - Credentials go only to an https server (client-go sends none over plain http).
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { KubeError, KubeErrorKind } from './errors.js';

/** One kubeconfig file: its path (for messages and relative paths) and its parsed document. */
export interface KubeconfigFile {
  path: string;
  doc: unknown;
}

/** kubectl's connection flags (genericclioptions), as given; undefined when not given. */
export interface ConnectionFlags {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  server?: string;
  token?: string;
  certificateAuthority?: string;
  clientCertificate?: string;
  clientKey?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  as?: string;
  asGroup?: string[];
  asUid?: string;
  requestTimeout?: string;
}

/** PEM or token text given inline (decoded), or a file to read. */
export type Source = { data: string } | { file: string };

/** The exec credential plugin modes of client.authentication.k8s.io. */
export const InteractiveMode = { Never: 'Never', IfAvailable: 'IfAvailable', Always: 'Always' } as const;
export type InteractiveMode = (typeof InteractiveMode)[keyof typeof InteractiveMode];

/** The ExecCredential versions kubectl speaks (v1alpha1 is gone). */
export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;

/** An exec credential plugin, resolved. */
export interface ExecConfig {
  /** Absolute when the kubeconfig gave a path with a slash; else looked up on PATH. */
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  apiVersion: string;
  installHint?: string;
  provideClusterInfo: boolean;
  interactiveMode: InteractiveMode;
  /** The cluster's `client.authentication.k8s.io/exec` extension, passed as spec.cluster.config. */
  clusterConfig?: unknown;
  /** The user entry's name, for messages. */
  user: string;
}

/** An auth-provider user (oidc; gcp and azure are gone from kubectl). */
export interface AuthProviderConfig {
  name: string;
  config: Record<string, unknown>;
  user: string;
}

/** Credentials for the API server: only sent over https. */
export interface Auth {
  token?: string;
  tokenFile?: string;
  cert?: Source;
  key?: Source;
  basic?: { username: string; password: string };
  exec?: ExecConfig;
  authProvider?: AuthProviderConfig;
}

/** Impersonation headers (--as and friends, or the user's `as` fields). */
export interface Impersonation {
  user: string;
  uid?: string;
  groups: string[];
  extra: Record<string, string[]>;
}

/** Everything the transport needs, with file references absolute. */
export interface ResolvedConfig {
  /** Where the settings came from, for messages. */
  source: string;
  context: string;
  namespace: string;
  /** The server URL, with its scheme (and path prefix, if any). */
  server: string;
  ca?: Source;
  insecure: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
  disableCompression: boolean;
  auth: Auth;
  impersonate?: Impersonation;
}

type Entry = Record<string, unknown>;
interface Named {
  value: Entry;
  file: string;
}

/** The clusters, users and contexts of every file, the first file winning per name. */
export interface MergedKubeconfig {
  clusters: Map<string, Named>;
  users: Map<string, Named>;
  contexts: Map<string, Named>;
  currentContext?: string;
  /** Where the current-context came from. */
  currentFrom?: string;
  paths: string[];
}

const configError = (message: string): KubeError => new KubeError(KubeErrorKind.Config, message);

/** A value of a kubeconfig field, checked to be of the type kubectl decodes it as. */
function field<T extends 'string' | 'boolean' | 'object'>(
  entry: Entry,
  key: string,
  type: T,
  where: string,
): (T extends 'string' ? string : T extends 'boolean' ? boolean : Entry) | undefined {
  const v = entry[key];
  if (v === undefined || v === null) return undefined;
  const ok = type === 'object' ? typeof v === 'object' && !Array.isArray(v) : typeof v === type;
  if (!ok) throw configError(`${where}: ${key} must be a ${type === 'object' ? 'mapping' : type}, got ${JSON.stringify(v)}`);
  return v as never;
}

function strings(entry: Entry, key: string, where: string): string[] {
  const v = entry[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw configError(`${where}: ${key} must be a list of strings, got ${JSON.stringify(v)}`);
  return v as string[];
}

/** One list (clusters, users, contexts) of one file as name → entry; a name twice is refused, as kubectl refuses it. */
function namedList(file: KubeconfigFile, list: string, inner: string): Map<string, Entry> {
  const raw = (file.doc as Entry | null | undefined)?.[list];
  const out = new Map<string, Entry>();
  if (raw === undefined || raw === null) return out;
  if (!Array.isArray(raw)) throw configError(`${file.path}: ${list} must be a list, got ${JSON.stringify(raw)}`);
  raw.forEach((item: unknown, i) => {
    const where = `${file.path}: ${list}[${i}]`;
    if (typeof item !== 'object' || item === null) throw configError(`${where} must be a mapping, got ${JSON.stringify(item)}`);
    const name = field(item as Entry, 'name', 'string', where) ?? '';
    if (out.has(name)) throw configError(`${file.path}: duplicate name "${name}" in ${list}`);
    out.set(name, field(item as Entry, inner, 'object', `${where} ("${name}")`) ?? {});
  });
  return out;
}

/** Merges the files as kubectl does ($KUBECONFIG order: the first one wins). */
export function mergeKubeconfigs(files: readonly KubeconfigFile[]): MergedKubeconfig {
  const m: MergedKubeconfig = { clusters: new Map(), users: new Map(), contexts: new Map(), paths: files.map((f) => f.path) };
  for (const f of files) {
    if (f.doc !== null && f.doc !== undefined && (typeof f.doc !== 'object' || Array.isArray(f.doc))) {
      throw configError(`${f.path}: not a kubeconfig (a mapping with clusters, users and contexts)`);
    }
    for (const [list, inner, map] of [
      ['clusters', 'cluster', m.clusters],
      ['users', 'user', m.users],
      ['contexts', 'context', m.contexts],
    ] as const) {
      for (const [name, value] of namedList(f, list, inner)) if (!map.has(name)) map.set(name, { value, file: f.path });
    }
    const current = field((f.doc ?? {}) as Entry, 'current-context', 'string', f.path);
    if (current && m.currentContext === undefined) {
      m.currentContext = current;
      m.currentFrom = f.path;
    }
  }
  return m;
}

/** A path from a file, absolute against that file's folder (kubectl's ResolveLocalPaths). */
function fromFile(p: string | undefined, file: string): string | undefined {
  if (!p) return undefined;
  return isAbsolute(p) ? p : join(resolve(dirname(file)), p);
}

/** Strict base64 (Go decodes `*-data` fields strictly); line breaks are allowed. */
function base64(v: string, where: string, key: string): string {
  const s = v.replace(/[\r\n]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw configError(`${where}: ${key} is not base64`);
  return Buffer.from(s, 'base64').toString('utf8');
}

/** Inline data (base64) or a file (relative to its kubeconfig); both set is kubectl's error. */
function dataOrFile(entry: Entry, key: string, where: string, file: string, both: string): Source | undefined {
  const data = field(entry, `${key}-data`, 'string', where);
  const path = field(entry, key, 'string', where);
  if (data && path) throw configError(both);
  if (data) return { data: base64(data, where, `${key}-data`) };
  const abs = fromFile(path, file);
  return abs ? { file: abs } : undefined;
}

/** Which context, and whether the user named it (then it must exist). */
function pickContext(m: MergedKubeconfig, flags: ConnectionFlags): { name: string; entry: Entry } {
  const where = m.paths.join(':') || 'no kubeconfig';
  if (flags.context) {
    const ctx = m.contexts.get(flags.context);
    if (!ctx) throw configError(`context "${flags.context}" does not exist in ${where}`);
    return { name: flags.context, entry: ctx.value };
  }
  const name = m.currentContext ?? '';
  if (!name) return { name: '', entry: {} };
  const ctx = m.contexts.get(name);
  if (!ctx) throw configError(`the current context "${name}" (current-context of ${m.currentFrom ?? where}) does not exist in ${where}`);
  return { name, entry: ctx.value };
}

/** The cluster and user entries the context (or --cluster, --user) names; a name that is not there is an error. */
function entriesOf(
  m: MergedKubeconfig,
  ctx: { name: string; entry: Entry },
  flags: ConnectionFlags,
): { cluster: [string, Named | undefined]; user: [string, Named | undefined] } {
  const where = m.paths.join(':');
  const ctxWhere = `context "${ctx.name}"`;
  const pick = (kind: 'cluster' | 'user', flag: string | undefined, map: Map<string, Named>): [string, Named | undefined] => {
    const name = flag || field(ctx.entry, kind, 'string', ctxWhere) || '';
    const found = name ? map.get(name) : undefined;
    if (name && !found)
      throw configError(flag ? `${kind} "${name}" does not exist in ${where}` : `${ctxWhere} names ${kind} "${name}", which is not in ${where}`);
    return [name, found];
  };
  const cluster = pick('cluster', flags.cluster, m.clusters);
  const user = pick('user', flags.user, m.users);
  if (!cluster[1] && !flags.server) {
    if (!m.paths.length) throw configError('no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config (or give --server)');
    if (!ctx.name) throw configError(`no current context in ${where}: pass --context or run kubectl config use-context`);
    throw configError(`${ctxWhere} in ${where} names no cluster: pass --cluster or --server`);
  }
  return { cluster, user };
}

/** Resolves the merged kubeconfig and the flags into a ResolvedConfig; throws KubeError (config). */
export function resolveConfig(m: MergedKubeconfig, flags: ConnectionFlags): ResolvedConfig {
  const where = m.paths.join(':');
  const ctx = pickContext(m, flags);
  const {
    cluster: [clusterName, cl],
    user: [userName, us],
  } = entriesOf(m, ctx, flags);
  const cluster = clusterSettings(cl, clusterName, flags);
  const user = userSettings(us, userName, flags);
  const clusterConfig = cl ? execExtension(cl.value, `cluster "${clusterName}" in ${cl.file}`) : undefined;
  if (user.auth.exec && clusterConfig !== undefined) user.auth.exec.clusterConfig = clusterConfig;
  return {
    source: where ? `${where}${ctx.name ? ` (context "${ctx.name}")` : ''}` : 'the connection flags',
    context: ctx.name,
    namespace: flags.namespace || field(ctx.entry, 'namespace', 'string', `context "${ctx.name}"`) || 'default',
    ...cluster,
    // client-go sends credentials only over TLS.
    auth: cluster.server.startsWith('https:') ? user.auth : {},
    ...(user.impersonate ? { impersonate: user.impersonate } : {}),
  };
}

type ClusterPart = Pick<ResolvedConfig, 'server' | 'ca' | 'insecure' | 'tlsServerName' | 'proxyUrl' | 'disableCompression'>;

/** The CA and insecure-skip-tls-verify: an explicit --insecure-skip-tls-verify or --certificate-authority replaces both. */
function trust(e: Entry, cl: Named | undefined, name: string, flags: ConnectionFlags, where: string): { ca: Source | undefined; insecure: boolean } {
  if (flags.insecureSkipTlsVerify || flags.certificateAuthority) {
    return { ca: flags.certificateAuthority ? { file: flags.certificateAuthority } : undefined, insecure: flags.insecureSkipTlsVerify === true };
  }
  const both = `certificate-authority-data and certificate-authority are both specified for ${name} in ${cl?.file ?? ''}`;
  return { ca: dataOrFile(e, 'certificate-authority', where, cl?.file ?? '', both), insecure: field(e, 'insecure-skip-tls-verify', 'boolean', where) ?? false };
}

/** The cluster entry under the flags, with kubectl's rules for --insecure-skip-tls-verify, --certificate-authority and --server. */
function clusterSettings(cl: Named | undefined, name: string, flags: ConnectionFlags): ClusterPart {
  const e = cl?.value ?? {};
  const where = cl ? `cluster "${name}" in ${cl.file}` : 'the connection flags';
  const { ca, insecure } = trust(e, cl, name, flags, where);
  // --server clears the kubeconfig's tls-server-name unless --tls-server-name is given too.
  const tlsServerName = flags.tlsServerName || flags.server ? flags.tlsServerName : field(e, 'tls-server-name', 'string', where);
  const rawServer = flags.server || field(e, 'server', 'string', where);
  if (!rawServer) throw configError(`no server found for cluster "${name}" in ${cl?.file ?? ''}`);
  if (insecure && ca) throw configError(`${where}: specifying a root certificates file with the insecure flag is not allowed`);
  const proxyUrl = field(e, 'proxy-url', 'string', where);
  if (proxyUrl) checkProxyUrl(proxyUrl, where);
  return {
    server: serverUrl(rawServer, where),
    ...(ca ? { ca } : {}),
    insecure,
    ...(tlsServerName ? { tlsServerName } : {}),
    ...(proxyUrl ? { proxyUrl } : {}),
    disableCompression: field(e, 'disable-compression', 'boolean', where) ?? false,
  };
}

/** A server as client-go reads it: a URL, or host:port, which is plain http (client-go decides the
 * scheme before it looks at the TLS settings, so kubectl speaks http to it and sends no credentials). */
function serverUrl(raw: string, where: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]/i.test(raw) ? raw : `http://${raw}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw configError(`${where}: server "${raw}" is not a URL or a host:port`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw configError(`${where}: server "${raw}" must be an https:// or http:// URL`);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

function checkProxyUrl(proxyUrl: string, where: string): void {
  let scheme: string;
  try {
    scheme = new URL(proxyUrl).protocol.slice(0, -1);
  } catch {
    throw configError(`${where}: invalid proxy-url "${proxyUrl}": could not parse`);
  }
  if (!['http', 'https', 'socks5'].includes(scheme))
    throw configError(`${where}: invalid proxy-url "${proxyUrl}": unsupported scheme "${scheme}", must be http, https, or socks5`);
}

/** The cluster's `client.authentication.k8s.io/exec` extension, for provideClusterInfo. */
function execExtension(e: Entry, where: string): unknown {
  const list = e.extensions;
  if (!Array.isArray(list)) return undefined;
  const ext = (list as unknown[]).find((x) => (x as Entry | null)?.name === 'client.authentication.k8s.io/exec') as Entry | undefined;
  return ext ? field(ext, 'extension', 'object', where) : undefined;
}

/** The client certificate and key: the flags' replace the user's (data and file alike). */
function clientPair(e: Entry, name: string, file: string, where: string, flags: ConnectionFlags): Pick<Auth, 'cert' | 'key'> {
  const cert = flags.clientCertificate
    ? { file: flags.clientCertificate }
    : dataOrFile(e, 'client-certificate', where, file, `client-cert-data and client-cert are both specified for ${name} in ${file}`);
  const key = flags.clientKey
    ? { file: flags.clientKey }
    : dataOrFile(e, 'client-key', where, file, `client-key-data and client-key are both specified for ${name} in ${file}`);
  if (cert && !key)
    throw configError(`client-key-data or client-key must be specified for ${name || 'the connection flags'} to use the clientCert authentication method`);
  return cert && key ? { cert, key } : {};
}

/** Token (the flag's or the user's), token file, basic auth; a token and basic auth together are kubectl's error. */
function secrets(e: Entry, name: string, file: string, where: string, flags: ConnectionFlags): Pick<Auth, 'token' | 'tokenFile' | 'basic'> {
  const token = flags.token || field(e, 'token', 'string', where);
  const tokenFile = fromFile(field(e, 'tokenFile', 'string', where), file);
  const username = field(e, 'username', 'string', where);
  const password = field(e, 'password', 'string', where);
  const basic = username || password ? { username: username ?? '', password: password ?? '' } : undefined;
  if (token && basic) throw configError(`more than one authentication method found for ${name}; found [token basicAuth], only one is allowed`);
  return { ...(token ? { token } : tokenFile ? { tokenFile } : {}), ...(basic ? { basic } : {}) };
}

/** An exec plugin or an auth-provider (not both). */
function plugins(e: Entry, name: string, file: string, where: string): Pick<Auth, 'exec' | 'authProvider'> {
  const exec = field(e, 'exec', 'object', where);
  const provider = field(e, 'auth-provider', 'object', where);
  if (exec && provider) throw configError(`authProvider cannot be provided in combination with an exec plugin for ${name}`);
  if (exec) return { exec: execConfig(exec, name, file, where) };
  if (provider)
    return { authProvider: { name: field(provider, 'name', 'string', where) ?? '', config: field(provider, 'config', 'object', where) ?? {}, user: name } };
  return {};
}

/** The user entry under the flags: credentials and impersonation, validated as kubectl validates them. */
function userSettings(us: Named | undefined, name: string, flags: ConnectionFlags): { auth: Auth; impersonate?: Impersonation } {
  const e = us?.value ?? {};
  const file = us?.file ?? '';
  const where = us ? `user "${name}" in ${file}` : 'the connection flags';
  const auth: Auth = { ...clientPair(e, name, file, where, flags), ...secrets(e, name, file, where, flags), ...plugins(e, name, file, where) };
  const impersonate = impersonation(e, name, where, flags);
  return { auth, ...(impersonate ? { impersonate } : {}) };
}

function impersonation(e: Entry, name: string, where: string, flags: ConnectionFlags): Impersonation | undefined {
  const user = flags.as || field(e, 'as', 'string', where);
  const uid = flags.asUid || field(e, 'as-uid', 'string', where);
  const groups = flags.asGroup?.length ? flags.asGroup : strings(e, 'as-groups', where);
  const extraRaw = field(e, 'as-user-extra', 'object', where) ?? {};
  const extra: Record<string, string[]> = {};
  for (const k of Object.keys(extraRaw)) extra[k] = strings(extraRaw, k, `${where}: as-user-extra`);
  if (!user) {
    if (uid || groups.length || Object.keys(extra).length) {
      throw configError(`requesting uid, groups or user-extra for ${name || 'the connection flags'} without impersonating a user (give --as)`);
    }
    return undefined;
  }
  return { user, ...(uid ? { uid } : {}), groups, extra };
}

/** An exec plugin entry, with v1beta1's default interactiveMode and kubectl's checks. */
function execConfig(x: Entry, name: string, file: string, where: string): ExecConfig {
  const command = field(x, 'command', 'string', where);
  if (!command) throw configError(`command must be specified for ${name} to use exec authentication plugin (${file})`);
  const apiVersion = field(x, 'apiVersion', 'string', where);
  if (!apiVersion) throw configError(`apiVersion must be specified for ${name} to use exec authentication plugin (${file})`);
  if (!(EXEC_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    throw configError(`exec plugin of user "${name}" in ${file}: invalid apiVersion "${apiVersion}" (use ${EXEC_API_VERSIONS.join(' or ')})`);
  }
  const mode = field(x, 'interactiveMode', 'string', where) ?? (apiVersion.endsWith('/v1beta1') ? InteractiveMode.IfAvailable : '');
  if (!mode) throw configError(`interactiveMode must be specified for ${name} to use exec authentication plugin (${file})`);
  if (!(Object.values(InteractiveMode) as string[]).includes(mode)) throw configError(`invalid interactiveMode for ${name}: "${mode}" (${file})`);
  const env = Array.isArray(x.env) ? (x.env as unknown[]) : [];
  return {
    // kubectl resolves the command against the kubeconfig's folder only when it holds a slash.
    command: command.includes('/') ? (fromFile(command, file) ?? command) : command,
    args: strings(x, 'args', where),
    env: env.map((v, i) => {
      const n = field((v ?? {}) as Entry, 'name', 'string', `${where}: exec.env[${i}]`);
      if (!n) throw configError(`env variable name must be specified for ${name} to use exec authentication plugin (${file})`);
      return { name: n, value: field(v as Entry, 'value', 'string', `${where}: exec.env[${i}]`) ?? '' };
    }),
    apiVersion,
    ...(field(x, 'installHint', 'string', where) ? { installHint: field(x, 'installHint', 'string', where) } : {}),
    provideClusterInfo: field(x, 'provideClusterInfo', 'boolean', where) ?? false,
    interactiveMode: mode as InteractiveMode,
    user: name,
  };
}

/** The kubeconfig paths kubectl would read: --kubeconfig, else each of $KUBECONFIG, else ~/.kube/config. */
export function kubeconfigPaths(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  home: string,
): { paths: string[]; explicit: boolean } {
  if (flag) return { paths: [flag], explicit: true };
  const sep = process.platform === 'win32' ? ';' : ':';
  const fromEnv = (env.KUBECONFIG ?? '').split(sep).filter(Boolean);
  return { paths: fromEnv.length ? [...new Set(fromEnv)] : [join(home, '.kube', 'config')], explicit: false };
}
