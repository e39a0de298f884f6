// A small JSON client for the few API calls the webhook makes (/version, its Secret, Lease and
// MutatingWebhookConfiguration). Written for the webhook instead of @kubernetes/client-node,
// whose typed models cost ~77 MiB of resident memory in a process that otherwise needs ~60.
// Credentials: the in-cluster ServiceAccount, or a kubeconfig with certificates or a token.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { request as plainRequest } from 'node:http';
import { dirname, isAbsolute, join } from 'node:path';
import { parseKubeYaml } from '../yaml/kube-yaml.js';

/** Where and how to reach the API server, resolved from in-cluster files or a kubeconfig. */
export interface KubeTarget {
  server: string;
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  /** Read on every request: bound ServiceAccount tokens are rotated by the kubelet. */
  token?: () => string | undefined;
  /** For messages: "in-cluster" or the kubeconfig path and context. */
  source: string;
}

/** A kubeconfig the webhook cannot use, naming the file, context and field. */
export class KubeConfigError extends Error {
  override name = 'KubeConfigError';
}

/** An API answer other than 2xx: the status code and the API server's message. */
export class KubeHttpError extends Error {
  override name = 'KubeHttpError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

type Named<T> = Array<{ name?: string } & T>;
interface KubeconfigDoc {
  'current-context'?: string;
  contexts?: Named<{ context?: { cluster?: string; user?: string } }>;
  clusters?: Named<{
    cluster?: { server?: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean };
  }>;
  users?: Named<{
    user?: {
      'client-certificate'?: string;
      'client-certificate-data'?: string;
      'client-key'?: string;
      'client-key-data'?: string;
      token?: string;
      tokenFile?: string;
      exec?: unknown;
      'auth-provider'?: unknown;
    };
  }>;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The in-cluster target from KUBERNETES_SERVICE_HOST/PORT and the mounted ServiceAccount. */
export function inClusterTarget(env: NodeJS.ProcessEnv, read: (p: string) => string = (p) => readFileSync(p, 'utf8')): KubeTarget {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: read(`${SA_DIR}/ca.crt`),
    token: () => read(`${SA_DIR}/token`).trim(),
    source: 'in-cluster ServiceAccount',
  };
}

function readKubeconfig(path: string, text: string): KubeconfigDoc {
  try {
    // A kubeconfig the webhook reads is the operator's file; its fields are checked where used.
    return parseKubeYaml(text) ?? {};
  } catch (err) {
    throw new KubeConfigError(`${path}: not valid YAML (${(err as Error).message})`, { cause: err });
  }
}

/**
 * Resolves a kubeconfig (its current context, or `context`) to a target. Files named in it are
 * relative to the kubeconfig's folder, as kubectl reads them. Exec and auth-provider plugins are
 * not supported: the webhook runs in-cluster or with a certificate or token kubeconfig.
 */
export function kubeconfigTarget(path: string, text: string, read: (p: string) => string = (p) => readFileSync(p, 'utf8'), context?: string): KubeTarget {
  const doc = readKubeconfig(path, text);
  const ctxName = context ?? doc['current-context'];
  if (!ctxName) throw new KubeConfigError(`${path}: no current-context`);
  const ctx = doc.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new KubeConfigError(`${path}: context "${ctxName}" not found`);
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster?.server) throw new KubeConfigError(`${path}: cluster "${ctx.cluster ?? ''}" of context "${ctxName}" has no server`);
  const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  if (user.exec !== undefined || user['auth-provider'] !== undefined) {
    throw new KubeConfigError(
      `${path}: user "${ctx.user ?? ''}" uses an exec or auth-provider plugin, which paas-webhook does not run; use a certificate or token kubeconfig, or run in-cluster`,
    );
  }
  const file = (p: string): string => read(isAbsolute(p) ? p : join(dirname(path), p));
  const pick = (data: string | undefined, ref: string | undefined): string | undefined =>
    data ? Buffer.from(data, 'base64').toString('utf8') : ref ? file(ref) : undefined;
  const token = user.token;
  const tokenFile = user.tokenFile;
  return {
    server: cluster.server,
    ca: pick(cluster['certificate-authority-data'], cluster['certificate-authority']),
    cert: pick(user['client-certificate-data'], user['client-certificate']),
    key: pick(user['client-key-data'], user['client-key']),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    token: token ? () => token : tokenFile ? () => file(tokenFile).trim() : undefined,
    source: `${path} (context ${ctxName})`,
  };
}

/** JSON over HTTPS to one API server; every call has a timeout. */
export class KubeRest {
  private readonly agent?: Agent;
  constructor(
    readonly target: KubeTarget,
    private readonly timeoutMs = 10_000,
  ) {
    if (target.server.startsWith('https:')) {
      this.agent = new Agent({ keepAlive: true, maxSockets: 4, ca: target.ca, cert: target.cert, key: target.key, rejectUnauthorized: !target.insecure });
    }
  }

  /** Sends a request; resolves the parsed JSON body of a 2xx, throws KubeHttpError otherwise. */
  call<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const url = new URL(this.target.server.replace(/\/+$/, '') + path);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const token = this.target.token?.();
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'paas-webhook' };
    if (payload !== undefined) headers['content-type'] = contentType;
    if (token) headers.authorization = `Bearer ${token}`;
    const send = url.protocol === 'https:' ? request : plainRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(url, { method, headers, agent: this.agent, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          if (code >= 200 && code < 300) {
            resolve(json as T);
            return;
          }
          const message = (json as { message?: string } | undefined)?.message ?? text.slice(0, 200);
          reject(new KubeHttpError(code, `${method} ${path}: HTTP ${code}: ${message}`));
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer from ${this.target.server} within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent?.destroy();
  }
}
