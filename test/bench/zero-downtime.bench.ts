// Benchmark: the zero-downtime promise, measured on the real node. For each of policy on (the
// webhook in front) / off (the same manifest opted out), 1 / 3 replicas, it rolls the test app
// BENCH_ROLLOUTS times (default 3: a new image, a new env value, `kubectl rollout undo`, then
// around again) while two bounded loads cross its ClusterIP Service from inside the node's
// namespace, one opening a new connection per request and one keeping connections alive, at
// BENCH_RATE requests/s each (default 100). Prints, per cell, the requests, the failures, the
// failure rate and the rollout durations (trigger to last old pod gone), as a Markdown table.
// Uses its own cluster, or the one of PAAS_E2E_KUBECONFIG when set.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_K8S_VERSION, startCluster, stopCluster, type ClusterState } from '../e2e/cluster/control-plane.js';
import { appDeployment, appService, rolloutUnderLoad, serviceUrl, TestImage, type RolloutUnderLoadResult } from '../e2e/lib/real-node.js';
import { startWebhook, type WebhookProcess } from '../e2e/lib/webhook-process.js';

type Obj = Record<string, any>;
const ROOT = resolve(import.meta.dirname, '../..');
const ROLLOUTS = Number(process.env.BENCH_ROLLOUTS ?? 3);
const RATE = Math.min(Number(process.env.BENCH_RATE ?? 100), 500);
const SCOPE = { key: 'bench.paas.io/zero-downtime', value: `run-${process.pid}` };

function kubectlWith(kubectl: string, kubeconfig: string) {
  return (args: string[], input?: string) =>
    new Promise<string>((ok, fail) => {
      const child = execFile(
        kubectl,
        args,
        { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 180_000, maxBuffer: 64 << 20 },
        (err, stdout, stderr) => (err ? fail(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`)) : ok(String(stdout))),
      );
      child.stdin?.end(input ?? '');
    });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const binDir = resolve(process.env.PAAS_E2E_BIN ?? join(ROOT, '.cache/bin', `k8s-${process.env.K8S_VERSION ?? DEFAULT_K8S_VERSION}`));
  const runDir = mkdtempSync(join(tmpdir(), 'paas-bench-zero-downtime-'));
  let cluster: ClusterState | undefined;
  let webhook: WebhookProcess | undefined;
  let kubeconfig = process.env.PAAS_E2E_KUBECONFIG;
  const ns = `bench-zd-${Date.now().toString(36)}`;
  let k: ReturnType<typeof kubectlWith> | undefined;
  try {
    if (!kubeconfig) {
      cluster = await startCluster({ binDir, runDir, log: (l) => process.stderr.write(`bench cluster: ${l}\n`) });
      kubeconfig = cluster.kubeconfig;
    }
    k = kubectlWith(join(binDir, 'kubectl'), kubeconfig);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    webhook = await startWebhook({ kubeconfig, kubectl: join(binDir, 'kubectl'), scope: SCOPE, name: `paas-bench-zero-downtime-${process.pid}` });
    await k(['create', 'namespace', ns]);
    await k(['label', 'namespace', ns, `${SCOPE.key}=${SCOPE.value}`]);

    const rows: string[] = [];
    for (const policy of [true, false]) {
      for (const replicas of [1, 3]) {
        const name = `app-${policy ? 'on' : 'off'}-${replicas}`;
        await k(['apply', '-n', ns, '-f', '-'], JSON.stringify(appDeployment(name, { replicas, optOut: !policy })));
        await k(['apply', '-n', ns, '-f', '-'], JSON.stringify(appService(name)));
        await k(['rollout', 'status', `deployment/${name}`, '-n', ns, '--timeout=150s']);
        const url = serviceUrl(JSON.parse(await k(['get', 'service', name, '-n', ns, '-o', 'json'])) as Obj);
        const patch = (p: Obj) => k!(['patch', 'deployment', name, '-n', ns, '-p', JSON.stringify(p)]).then(() => {});
        const triggers = [
          () => patch({ spec: { template: { spec: { containers: [{ name: 'app', image: TestImage.app2 }] } } } }),
          (i: number) => patch({ spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'VERSION', value: `v${i + 3}` }] }] } } } }),
          () => k!(['rollout', 'undo', `deployment/${name}`, '-n', ns]).then(() => {}),
        ];
        const results: RolloutUnderLoadResult[] = [];
        for (let i = 0; i < ROLLOUTS; i++) {
          const r = await rolloutUnderLoad({
            kc,
            listApp: async () =>
              (JSON.parse(await k!(['get', 'deployments,replicasets,pods', '-n', ns, '-l', `app=${name}`, '-o', 'json'])) as { items: Obj[] }).items,
            namespace: ns,
            name,
            url,
            trigger: () => triggers[i % triggers.length]!(i),
            rate: RATE,
            loads: ['new', 'keepalive'],
            timeoutMs: 180_000,
          });
          results.push(r);
          process.stderr.write(
            `bench: policy ${policy ? 'on' : 'off'}, ${replicas} replica(s), rollout ${i + 1}: ${r.loads.map((l) => `${l.kind} ${l.summary.failed}/${l.summary.requests} ${JSON.stringify(l.summary.errors)}`).join(', ')}; ${(r.durationMs / 1000).toFixed(1)} s\n`,
          );
        }
        for (const kind of ['new', 'keepalive'] as const) {
          const sums = results.map((r) => r.loads.find((l) => l.kind === kind)!.summary);
          const requests = sums.reduce((n, s) => n + s.requests, 0);
          const failed = sums.reduce((n, s) => n + s.failed, 0);
          const perRun = sums.map((s) => s.failed).join(' / ');
          const durations = results.map((r) => r.durationMs / 1000);
          const kinds = [...new Set(sums.flatMap((s) => Object.keys(s.errors)))].join(', ') || '-';
          rows.push(
            `| ${policy ? '**on**' : 'off (opted out)'} | ${replicas} | ${kind === 'new' ? 'new per request' : 'keep-alive'} | ${ROLLOUTS} | ${requests.toLocaleString('en')} | ${failed} (${perRun}) | ${((100 * failed) / requests).toFixed(2)}% | ${median(durations).toFixed(1)} s (${Math.min(...durations).toFixed(1)}–${Math.max(...durations).toFixed(1)}) | ${kinds} |`,
          );
        }
      }
    }
    process.stdout.write(
      [
        '',
        `zero-downtime: ${RATE} requests/s per load, ${ROLLOUTS} rollouts per row, through a ClusterIP Service on the real node`,
        '',
        '| policy | replicas | connections | rollouts | requests | failed (per rollout) | failure rate | rollout, median (min–max) | errors |',
        '|---|---|---|---|---|---|---|---|---|',
        ...rows,
        '',
      ].join('\n'),
    );
  } finally {
    if (k && !process.env.BENCH_KEEP) await k(['delete', 'namespace', ns, '--wait=false']).catch(() => {});
    await webhook?.stop();
    if (cluster) await stopCluster(cluster);
    rmSync(runDir, { recursive: true, force: true });
  }
}

await main();
