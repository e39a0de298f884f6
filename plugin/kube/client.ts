// The plugin's edge to the cluster: kubeconfig loading with kubectl's flags, and turning API
// errors into one clear line. Decisions live elsewhere, in pure functions over plain objects.
// The kubeconfig is read by ./kubeconfig.ts, not @kubernetes/client-node: importing the client
// costs more than kubectl's whole `rollout status`. Only auth-provider users load the client.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { parseKubeYaml } from '../../webhook/yaml/kube-yaml.js';
import { CliError, EXIT } from '../lib/errors.js';
import { kubeconfigPaths, resolveKubeconfig, type KubeconfigFile, type ResolvedKubeconfig } from './kubeconfig.js';

export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** TLS settings and headers for node:https, with credentials resolved (exec plugins run). */
export interface Transport {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  servername?: string;
  headers: Record<string, string>;
}

export interface Kube {
  namespace: string;
  server: string;
  context: string;
  /** Resolves credentials (reads files, runs an exec plugin); call once per process. */
  transport(): Promise<Transport>;
}

/** The environment the kubeconfig is read in ($KUBECONFIG) and exec plugins run in. */
export type KubeEnv = Readonly<Record<string, string | undefined>>;

async function readKubeconfigs(flags: KubeFlags, env: KubeEnv): Promise<KubeconfigFile[]> {
  const paths = kubeconfigPaths(flags.kubeconfig, env, homedir());
  const files: KubeconfigFile[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      // kubectl skips missing $KUBECONFIG entries but not a missing --kubeconfig.
      if (flags.kubeconfig || (err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new CliError(`cannot read kubeconfig ${path}: ${(err as Error).message}`, EXIT.usage);
      }
      continue;
    }
    try {
      files.push({ path, doc: parseKubeYaml(text) });
    } catch (err) {
      throw new CliError(`kubeconfig ${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`, EXIT.usage);
    }
  }
  return files;
}

function runExec(cfg: ResolvedKubeconfig, env: KubeEnv): Promise<{ token?: string; clientCertificateData?: string; clientKeyData?: string }> {
  const exec = cfg.exec!;
  const info = JSON.stringify({ apiVersion: exec.apiVersion, kind: 'ExecCredential', spec: { interactive: false } });
  const command = exec.command.includes('/') && !exec.command.startsWith('/') ? `${exec.dir}/${exec.command}` : exec.command;
  return new Promise((resolve, reject) => {
    execFile(command, exec.args, { env: { ...env, ...exec.env, KUBERNETES_EXEC_INFO: info }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new CliError(`credential plugin "${exec.command}" failed: ${stderr.trim() || err.message}`, EXIT.usage));
        return;
      }
      try {
        resolve((JSON.parse(stdout) as { status?: Record<string, string> }).status ?? {});
      } catch {
        reject(new CliError(`credential plugin "${exec.command}" did not print an ExecCredential`, EXIT.usage));
      }
    });
  });
}

async function fileOrData(v: { data?: string; file?: string } | undefined, what: string): Promise<string | undefined> {
  if (!v) return undefined;
  if (v.data !== undefined) return v.data;
  try {
    return await readFile(v.file!, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the ${what} ${v.file}: ${(err as Error).message}`, EXIT.usage);
  }
}

/** A PEM as client-node hands it over: a string or a Buffer (or a list of them, joined). */
function pemText(v: string | Buffer | (string | Buffer | { pem: string | Buffer })[]): string {
  if (Array.isArray(v)) return v.map((x) => pemText(typeof x === 'object' && 'pem' in x ? x.pem : x)).join('');
  return typeof v === 'string' ? v : v.toString('utf8');
}

// auth-provider (gcp, azure, oidc): the one case left to @kubernetes/client-node.
async function clientNodeTransport(flags: KubeFlags, context: string): Promise<Transport> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
  else kc.loadFromDefault();
  kc.setCurrentContext(context);
  const opts: import('node:https').RequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(opts);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k] = v;
  return {
    ...(opts.ca ? { ca: pemText(opts.ca) } : {}),
    ...(opts.cert ? { cert: pemText(opts.cert) } : {}),
    ...(opts.key ? { key: pemText(opts.key) } : {}),
    rejectUnauthorized: opts.rejectUnauthorized !== false,
    headers,
  };
}

/** Loads the kubeconfig as kubectl does: --kubeconfig, else $KUBECONFIG (merged), else ~/.kube/config. */
export async function loadKube(flags: KubeFlags, env: KubeEnv): Promise<Kube> {
  const files = await readKubeconfigs(flags, env);
  let cfg: ResolvedKubeconfig;
  try {
    cfg = resolveKubeconfig(files, flags);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
  return {
    namespace: cfg.namespace,
    server: cfg.server,
    context: cfg.context,
    async transport() {
      if (cfg.unsupportedAuth) return clientNodeTransport(flags, cfg.context);
      const headers: Record<string, string> = {};
      let cert = await fileOrData(cfg.cert, 'client certificate');
      let key = await fileOrData(cfg.key, 'client key');
      if (cfg.token) headers.Authorization = `Bearer ${cfg.token}`;
      else if (cfg.tokenFile) headers.Authorization = `Bearer ${(await fileOrData({ file: cfg.tokenFile }, 'token file'))!.trim()}`;
      else if (cfg.basic) headers.Authorization = `Basic ${Buffer.from(`${cfg.basic.username}:${cfg.basic.password}`).toString('base64')}`;
      if (cfg.exec) {
        const status = await runExec(cfg, env);
        if (status.token) headers.Authorization = `Bearer ${status.token}`;
        if (status.clientCertificateData) cert = status.clientCertificateData;
        if (status.clientKeyData) key = status.clientKeyData;
      }
      const ca = await fileOrData(cfg.ca, 'certificate authority');
      return {
        ...(ca ? { ca } : {}),
        ...(cert ? { cert } : {}),
        ...(key ? { key } : {}),
        rejectUnauthorized: !cfg.insecureSkipTLSVerify,
        ...(cfg.tlsServerName ? { servername: cfg.tlsServerName } : {}),
        headers,
      };
    },
  };
}

/** The parts of an API or network error the message is made of. */
interface ErrorShape {
  code?: number | string;
  body?: unknown;
  message?: string;
  cause?: { code?: string };
}

/** The API server's Status in an error's body (JSON text or parsed), if any. */
function statusOf(body: unknown): { message?: string } | undefined {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as { message?: string };
    } catch {
      return undefined;
    }
  }
  return typeof body === 'object' && body !== null ? body : undefined;
}

/** One line for an API error: unreachable (names the server), not found, forbidden (verb, resource). */
export function describeKubeError(err: unknown, kube: Kube, what: string): CliError {
  const e: ErrorShape = typeof err === 'object' && err !== null ? err : {};
  const status = typeof e.code === 'number' ? e.code : undefined;
  const body = statusOf(e.body);
  if (status === 404) return new CliError(`${what} not found in namespace "${kube.namespace}"`, EXIT.usage);
  if (status === 403) return new CliError(`forbidden: ${body?.message ?? what}`, EXIT.usage);
  if (status === 401) return new CliError(`unauthorized: the credentials in the kubeconfig were refused by ${kube.server}`, EXIT.usage);
  if (status) return new CliError(`${what}: the API server answered ${status}: ${body?.message ?? e.message ?? ''}`.trim(), EXIT.usage);
  const sys = e.cause?.code ?? (typeof e.code === 'string' ? e.code : undefined);
  return new CliError(`cannot reach the cluster at ${kube.server}${sys ? ` (${sys})` : ''}: ${e.message ?? String(err)}`, EXIT.usage);
}
