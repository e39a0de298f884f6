// Exec credential plugins (client.authentication.k8s.io v1 and v1beta1) as client-go runs them:
// the environment plus the entry's env plus KUBERNETES_EXEC_INFO (an ExecCredential whose spec
// says whether the plugin may prompt, and, with provideClusterInfo, which cluster); standard
// input only when interactive; its standard error passed through to the user; its answer checked;
// the credential kept until its expirationTimestamp, and fetched again after a 401.
import type { ExecConfig, InteractiveMode } from './kubeconfig.js';
import { KubeError, KubeErrorKind } from './errors.js';

/** The cluster as the plugin is told about it (provideClusterInfo), in client-go's JSON names. */
export interface ExecCluster {
  server: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  /** base64 of the CA bundle, as Go encodes []byte. */
  'certificate-authority-data'?: string;
  'proxy-url'?: string;
  'disable-compression'?: boolean;
  config: unknown;
}

/** A credential a plugin returned. */
export interface ExecResult {
  token?: string;
  cert?: string;
  key?: string;
  /** ms since the epoch; undefined: valid until a 401. */
  expiresAt?: number;
}

/** KUBERNETES_EXEC_INFO: the ExecCredential the plugin reads, as client-go encodes it. */
export function execInfo(exec: ExecConfig, interactive: boolean, cluster: ExecCluster | undefined): string {
  const spec = exec.provideClusterInfo && cluster ? { cluster, interactive } : { interactive };
  return JSON.stringify({ kind: 'ExecCredential', apiVersion: exec.apiVersion, spec });
}

/** Whether the plugin gets standard input (client-go's isInteractive); throws for Always without a terminal. */
export function isInteractive(mode: InteractiveMode, stdinIsTTY: boolean, user: string): boolean {
  if (mode === 'Never') return false;
  if (mode === 'IfAvailable') return stdinIsTTY;
  if (!stdinIsTTY) {
    throw new KubeError(KubeErrorKind.Credentials, `exec plugin of user "${user}" cannot support interactive mode: standard input is not a terminal`);
  }
  return true;
}

const credentialError = (exec: ExecConfig, what: string) =>
  new KubeError(KubeErrorKind.Credentials, `exec plugin "${exec.command}" of user "${exec.user}": ${what}`);

/** The plugin's standard output read as client-go reads it; throws with client-go's reasons. */
export function parseExecCredential(stdout: string, exec: ExecConfig): ExecResult {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw credentialError(exec, `decoding stdout: not an ExecCredential (${JSON.stringify(stdout.slice(0, 80))})`);
  }
  const d = (typeof doc === 'object' && doc !== null ? doc : {}) as { apiVersion?: unknown; kind?: unknown; status?: Record<string, unknown> | null };
  if (d.kind !== 'ExecCredential') throw credentialError(exec, `decoding stdout: kind ${JSON.stringify(d.kind)} is not ExecCredential`);
  if (d.apiVersion !== exec.apiVersion) {
    throw credentialError(exec, `exec plugin is configured to use API version ${exec.apiVersion}, plugin returned version ${String(d.apiVersion)}`);
  }
  const s = d.status;
  if (!s) throw credentialError(exec, "exec plugin didn't return a status field");
  const text = (k: string): string | undefined => (typeof s[k] === 'string' && s[k] !== '' ? s[k] : undefined);
  const [token, cert, key] = [text('token'), text('clientCertificateData'), text('clientKeyData')];
  if (!token && !cert && !key) throw credentialError(exec, "exec plugin didn't return a token or cert/key pair");
  if (!cert !== !key) throw credentialError(exec, 'exec plugin returned only certificate or key, not both');
  const exp = text('expirationTimestamp');
  const expiresAt = exp === undefined ? undefined : Date.parse(exp);
  if (expiresAt !== undefined && Number.isNaN(expiresAt)) throw credentialError(exec, `expirationTimestamp ${JSON.stringify(exp)} is not a time`);
  return { ...(token ? { token } : {}), ...(cert ? { cert, key: key! } : {}), ...(expiresAt !== undefined ? { expiresAt } : {}) };
}

/** How the edge runs a plugin. */
export interface ExecRunner {
  env: Readonly<Record<string, string | undefined>>;
  stdinIsTTY: boolean;
  /** Where the plugin's standard error goes: the user's terminal (kubectl's way) or nowhere (Tab completion). */
  stderr: 'inherit' | 'ignore';
  now: () => number;
  /** A non-interactive plugin that runs longer is stopped (an interactive one may wait for the user). */
  timeoutMs: number;
}

/** Runs the plugin once; resolves its standard output. */
async function run(exec: ExecConfig, info: string, interactive: boolean, r: ExecRunner, signal?: AbortSignal): Promise<string> {
  const { spawn } = await import('node:child_process');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.env)) if (v !== undefined) env[k] = v;
  for (const e of exec.env) env[e.name] = e.value;
  env.KUBERNETES_EXEC_INFO = info;
  return new Promise((resolve, reject) => {
    const child = spawn(exec.command, exec.args, {
      env,
      stdio: [interactive ? 'inherit' : 'ignore', 'pipe', r.stderr],
      ...(signal ? { signal } : {}),
      ...(interactive ? {} : { timeout: r.timeoutMs }),
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', (err: NodeJS.ErrnoException) => {
      const hint = exec.installHint ? ` ${exec.installHint.replace(/\s+/g, ' ').trim()}` : '';
      if (err.code === 'ENOENT') reject(credentialError(exec, `executable ${exec.command} not found.${hint}`));
      else if (err.name === 'AbortError') reject(credentialError(exec, 'stopped: the command ran out of time'));
      else reject(credentialError(exec, err.message));
    });
    child.on('close', (code, sig) => {
      if (code === 0) resolve(out);
      else if (sig) reject(credentialError(exec, `executable ${exec.command} was stopped (${sig}) after ${r.timeoutMs / 1000}s or by a signal`));
      else reject(credentialError(exec, `executable ${exec.command} failed with exit code ${code ?? '?'}`));
    });
  });
}

/** One plugin's credential, cached until it expires (client-go's Authenticator, per process). */
export class ExecCredentials {
  private cached: ExecResult | undefined;
  private pending: Promise<ExecResult> | undefined;

  constructor(
    private readonly exec: ExecConfig,
    private readonly cluster: ExecCluster | undefined,
    private readonly runner: ExecRunner,
  ) {}

  /** The credential: the cached one while it lasts, else the plugin's new answer. */
  get(signal?: AbortSignal): Promise<ExecResult> {
    const c = this.cached;
    if (c && (c.expiresAt === undefined || c.expiresAt > this.runner.now())) return Promise.resolve(c);
    return this.refresh(c, signal);
  }

  /** Runs the plugin again unless another call already replaced `stale` (after a 401). */
  refresh(stale: ExecResult | undefined, signal?: AbortSignal): Promise<ExecResult> {
    if (this.cached !== stale) return Promise.resolve(this.cached!);
    this.pending ??= (async () => {
      try {
        const interactive = isInteractive(this.exec.interactiveMode, this.runner.stdinIsTTY, this.exec.user);
        const out = await run(this.exec, execInfo(this.exec, interactive, this.cluster), interactive, this.runner, signal);
        this.cached = parseExecCredential(out, this.exec);
        return this.cached;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }
}
