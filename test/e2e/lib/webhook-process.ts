// The built webhook (node dist/webhook/main.js serve) as a process on 127.0.0.1, behind a
// MutatingWebhookConfiguration scoped to the namespaces that carry one label: what the real-node
// suites and the zero-downtime benchmark put in front of the apiserver.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { applyPlan } from '../../../webhook/server/cert-mint.js';
import { DEFAULT_LIFETIMES, planCertificates, SecretKeys, storeFacts } from '../../../webhook/server/self-signed.js';
import { freePorts } from '../cluster/control-plane.js';
import { serveArgs } from '../../unit/webhook/serve-args.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const MAIN = join(ROOT, 'dist/webhook/main.js');

export type WebhookProcess = {
  port: number;
  /** Stops the process (SIGTERM, then SIGKILL after 10 s) and deletes its configuration. */
  stop(): Promise<void>;
};

export type WebhookOptions = {
  /** The admin kubeconfig of the cluster. */
  kubeconfig: string;
  /** kubectl of the cluster's release. */
  kubectl: string;
  /** Namespaces labelled `scope.key=scope.value` are the only ones the webhook sees. */
  scope: { key: string; value: string };
  /** A paas.toml for --config (default: the built-in policy). */
  configToml?: string;
  name: string;
  /** More flags for `serve` (--disruption-budgets, its Lease's namespace and name...). */
  args?: string[];
};

/** Starts the webhook and registers it; resolves once the apiserver would reach a ready server. */
export async function startWebhook(opts: WebhookOptions): Promise<WebhookProcess> {
  if (!existsSync(MAIN)) {
    spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'ignore' });
  }
  if (!existsSync(MAIN)) throw new Error(`${MAIN} missing: run \`make build\``);
  const dir = mkdtempSync(join(tmpdir(), 'paas-webhook-'));
  const now = Date.now();
  const { facts, cas } = storeFacts({});
  const pems = await applyPlan(planCertificates(facts, now, ['127.0.0.1']), { data: {}, cas }, ['127.0.0.1'], now, DEFAULT_LIFETIMES);
  writeFileSync(join(dir, 'tls.crt'), pems[SecretKeys.Cert] ?? '');
  writeFileSync(join(dir, 'tls.key'), pems[SecretKeys.Key] ?? '');
  const config = join(dir, 'paas.toml');
  writeFileSync(config, opts.configToml ?? '');
  const [port, metricsPort] = (await freePorts(2)) as [number, number];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      MAIN,
      ...serveArgs({
        mode: opts.args ?? [],
        port,
        metricsPort,
        cert: join(dir, 'tls.crt'),
        key: join(dir, 'tls.key'),
        kubeconfig: opts.kubeconfig,
        config,
        logLevel: 'warn',
      }),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!(await ready(port, pems[SecretKeys.CaBundle] ?? ''))) {
    if (child.exitCode !== null) throw new Error(`the webhook exited (${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) throw new Error(`the webhook was not ready within 60 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const configuration = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: opts.name },
    webhooks: [
      {
        name: 'rollout-policy.paas.io',
        clientConfig: { url: `https://127.0.0.1:${port}/mutate`, caBundle: Buffer.from(pems[SecretKeys.CaBundle] ?? '').toString('base64') },
        rules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'], scope: 'Namespaced' }],
        namespaceSelector: { matchLabels: { [opts.scope.key]: opts.scope.value } },
        objectSelector: { matchExpressions: [{ key: 'paas.io/rollout-policy', operator: 'NotIn', values: ['disabled'] }] },
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 5,
        reinvocationPolicy: 'IfNeeded',
        failurePolicy: 'Fail',
      },
    ],
  };
  const applied = spawnSync(opts.kubectl, ['--kubeconfig', opts.kubeconfig, 'apply', '-f', '-'], { input: JSON.stringify(configuration), timeout: 30_000 });
  if (applied.status !== 0) {
    child.kill('SIGKILL');
    throw new Error(`kubectl apply of the MutatingWebhookConfiguration failed: ${String(applied.stderr)}`);
  }
  return {
    port,
    async stop() {
      spawnSync(opts.kubectl, ['--kubeconfig', opts.kubeconfig, 'delete', 'mutatingwebhookconfiguration', opts.name, '--ignore-not-found'], {
        timeout: 30_000,
      });
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await new Promise((r) => child.once('exit', r));
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function ready(port: number, ca: string): Promise<boolean> {
  return new Promise((ok) => {
    const r = request({ host: '127.0.0.1', port, path: '/readyz', ca, agent: false, timeout: 2000 }, (m) => {
      m.resume();
      ok(m.statusCode === 200);
    });
    r.on('timeout', () => r.destroy());
    r.on('error', () => ok(false));
    r.end();
  });
}
