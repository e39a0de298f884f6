// Helpers for e2e tests against the control plane that test/e2e/setup/global.ts brings up.
// Importing this module registers an afterAll that deletes the namespaces the file created.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll } from 'vitest';

export { Scenario, ScenarioLabel, MissingConfigMap } from '../cluster/pod-scenarios.js';
import { freePorts } from '../cluster/control-plane.js';

/** Path of the admin kubeconfig of the e2e cluster. */
export function kubeconfig(): string {
  const path = process.env.PAAS_E2E_KUBECONFIG;
  if (!path) throw new Error('PAAS_E2E_KUBECONFIG is not set: run e2e tests with `vitest run --project e2e` (its global setup starts the cluster)');
  return path;
}

/** Folder holding kubectl, kube-apiserver, etcd, kwok... of the e2e cluster's release. */
export function binDir(): string {
  const dir = process.env.PAAS_E2E_BIN;
  if (!dir) throw new Error('PAAS_E2E_BIN is not set: run e2e tests with `vitest run --project e2e`');
  return dir;
}

/** A KubeConfig for @kubernetes/client-node, pointing at the e2e cluster as admin. */
export function kubeClient(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig());
  return kc;
}

export type KubectlResult = { code: number; stdout: string; stderr: string };
export type KubectlOptions = { input?: string; env?: Record<string, string>; timeoutMs?: number };

/**
 * Runs the built kubectl against the e2e cluster (KUBECONFIG in its environment, so `opts.env`
 * may override it). Never throws for a non-zero exit: the code is in the result (124 on timeout).
 */
export function kubectl(args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve) => {
    const child = execFile(
      join(binDir(), 'kubectl'),
      args,
      {
        env: { ...process.env, KUBECONFIG: kubeconfig(), ...opts.env },
        maxBuffer: 64 * 1024 * 1024,
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        const timedOut = err !== null && (err as NodeJS.ErrnoException & { killed?: boolean }).killed === true;
        const code = err === null ? 0 : timedOut ? 124 : typeof err.code === 'number' ? err.code : 1;
        resolve({
          code,
          stdout: String(stdout),
          stderr: String(stderr) + (timedOut ? `\nkubectl ${args.join(' ')} timed out after ${timeoutMs} ms` : ''),
        });
      },
    );
    child.stdin?.end(opts.input ?? '');
  });
}

/** Like kubectl, but throws (with stderr) unless it exits 0; returns stdout. */
export async function kubectlOk(args: string[], opts: KubectlOptions = {}): Promise<string> {
  const r = await kubectl(args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Changes the Deployment's container named `app` by a strategic merge patch (a new rollout when
 * the template changes). */
export function patchAppContainer(ns: string, deployment: string, container: Record<string, unknown>): Promise<string> {
  return kubectlOk([
    'patch',
    'deployment',
    deployment,
    '-n',
    ns,
    '--type',
    'strategic',
    '-p',
    JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'app', ...container }] } } } }),
  ]);
}

/** Applies a manifest (YAML/JSON text or an object) with kubectl, optionally in a namespace. */
export async function apply(manifest: string | object, namespace?: string): Promise<string> {
  const input = typeof manifest === 'string' ? manifest : JSON.stringify(manifest);
  return kubectlOk(['apply', '-f', '-', ...(namespace ? ['-n', namespace] : [])], { input });
}

const created = new Set<string>();
afterAll(async () => {
  const names = [...created];
  created.clear();
  if (names.length > 0) await kubectl(['delete', 'namespace', ...names, '--wait=false', '--ignore-not-found']);
});

/** Creates a uniquely named namespace `<prefix>-<random>`; it is deleted after the test file. */
export async function newNamespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const base =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 50) || 'e2e';
  const name = `${base}-${randomBytes(4).toString('hex')}`;
  await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  created.add(name);
  return name;
}

export type WaitOptions = { timeoutMs?: number; intervalMs?: number; what: string };

/**
 * Polls `fn` until it returns a value other than undefined/false/null and returns that value.
 * Errors thrown by `fn` count as "not yet"; on timeout the last one is in the message.
 */
export async function waitFor<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, opts: WaitOptions): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const until = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== null && v !== false) return v;
      last = '';
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > until) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what}${last ? ` (last error: ${last})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}

/** Reads one object as JSON (`kubectl get <kind> <name> -n <ns> -o json`). */
export async function getJson<T = Record<string, any>>(kind: string, name: string, namespace?: string): Promise<T> {
  return JSON.parse(await kubectlOk(['get', kind, name, '-o', 'json', ...(namespace ? ['-n', namespace] : [])])) as T;
}

/** Lists objects as JSON items (`kubectl get <kind> -n <ns> [-l selector] -o json`). */
export async function listJson<T = Record<string, any>>(kind: string, namespace?: string, selector?: string): Promise<T[]> {
  const args = ['get', kind, '-o', 'json', ...(namespace ? ['-n', namespace] : []), ...(selector ? ['-l', selector] : [])];
  return (JSON.parse(await kubectlOk(args)) as { items: T[] }).items;
}

/** A free TCP port on 127.0.0.1 (for a webhook or metrics listener a test starts). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port on 127.0.0.1');
  return port;
}
