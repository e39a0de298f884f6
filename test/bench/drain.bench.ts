// Benchmark: node drains, measured on the two real nodes. For each row, the test app is deployed
// fresh, `kubectl drain paas-node-2 --ignore-daemonsets --delete-emptydir-data` runs while two
// bounded loads cross its ClusterIP Service from inside the first node's namespace (one opening a
// new connection per request, one keeping connections alive, BENCH_RATE requests/s each, default
// 100), the node is uncordoned, and the app deleted; BENCH_DRAINS times per row (default 3).
// Rows: the policy on (the webhook in front, --disruption-budgets: the spread puts the replicas on
// both nodes, the budget lets one go at a time) for 2 and 3 replicas, during steady load and during
// a rolling update (3 replicas); the control, the same manifest opted out (no spread, no budget)
// with its pods on paas-node-2 as the scheduler is free to place them. Prints a Markdown table of
// requests, failures, failure rate, and the time from the drain's start until the app runs in full
// on the other node. Uses its own cluster, or the one of PAAS_E2E_KUBECONFIG when set (the drain
// disturbs every pod of paas-node-2: nothing else may run there meanwhile).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_K8S_VERSION, startCluster, stopCluster, type ClusterState } from '../e2e/cluster/control-plane.js';
import { NodeSpecs } from '../e2e/cluster/node.js';
import { appDeployment, appService, drainUnderLoad, onRealNodes, serviceUrl, TestImage, type DrainUnderLoadResult } from '../e2e/lib/real-node.js';
import { startWebhook, type WebhookProcess } from '../e2e/lib/webhook-process.js';

type Obj = Record<string, any>;
const ROOT = resolve(import.meta.dirname, '../..');
const DRAINS = Number(process.env.BENCH_DRAINS ?? 3);
const RATE = Math.min(Number(process.env.BENCH_RATE ?? 100), 500);
const SCOPE = { key: 'bench.paas.io/drain', value: `run-${process.pid}` };
const DRAINED = NodeSpecs[1].name;
const KEPT = NodeSpecs[0].name;

/** kubectl against the bench's cluster; never throws, the exit code is in the result. */
function kubectlWith(kubectl: string, kubeconfig: string) {
  return (args: string[], input?: string, timeoutMs = 180_000) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      const child = execFile(
        kubectl,
        args,
        { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 << 20 },
        (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
      );
      child.stdin?.end(input ?? '');
    });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** One row of the table: what is deployed, and what runs beside the drain. */
interface Row {
  label: string;
  replicas: number;
  policy: boolean;
  rolling: boolean;
}

const ROWS: Row[] = [
  { label: '**on**', replicas: 2, policy: true, rolling: false },
  { label: '**on**', replicas: 3, policy: true, rolling: false },
  { label: '**on**, during a rollout', replicas: 3, policy: true, rolling: true },
  { label: 'off (opted out, on one node)', replicas: 2, policy: false, rolling: false },
  { label: 'off (opted out, on one node)', replicas: 3, policy: false, rolling: false },
];

async function main(): Promise<void> {
  const binDir = resolve(process.env.PAAS_E2E_BIN ?? join(ROOT, '.cache/bin', `k8s-${process.env.K8S_VERSION ?? DEFAULT_K8S_VERSION}`));
  const runDir = mkdtempSync(join(tmpdir(), 'paas-bench-drain-'));
  let cluster: ClusterState | undefined;
  let webhook: WebhookProcess | undefined;
  let kubeconfig = process.env.PAAS_E2E_KUBECONFIG;
  const ns = `bench-drain-${Date.now().toString(36)}`;
  const leaseNs = `${ns}-lease`;
  let k: ReturnType<typeof kubectlWith> | undefined;
  const ok = async (args: string[], input?: string, timeoutMs?: number) => {
    const r = await k!(args, input, timeoutMs);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  try {
    if (!kubeconfig) {
      cluster = await startCluster({ binDir, runDir, log: (l) => process.stderr.write(`bench cluster: ${l}\n`) });
      kubeconfig = cluster.kubeconfig;
    }
    k = kubectlWith(join(binDir, 'kubectl'), kubeconfig);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    await ok(['create', 'namespace', ns]);
    await ok(['label', 'namespace', ns, `${SCOPE.key}=${SCOPE.value}`, 'paas.io/mode=enforce']);
    await ok(['create', 'namespace', leaseNs]);
    webhook = await startWebhook({
      kubeconfig,
      kubectl: join(binDir, 'kubectl'),
      scope: SCOPE,
      name: `paas-bench-drain-${process.pid}`,
      configToml: '[webhook]\nnamespaces = "opt-in"\n',
      args: ['--disruption-budgets', '--secret-namespace', leaseNs, '--lease-name', 'paas-bench-drain', '--identity', `bench-drain-${process.pid}`],
    });

    const lines: string[] = [];
    // BENCH_ROWS=on|off measures only the policy's rows or only the control's.
    for (const row of ROWS.filter((r) => !process.env.BENCH_ROWS || (process.env.BENCH_ROWS === 'on') === r.policy)) {
      const results: DrainUnderLoadResult[] = [];
      for (let i = 0; i < DRAINS; i++) results.push(await oneDrain(row, i));
      for (const kind of ['new', 'keepalive'] as const) {
        const sums = results.map((r) => r.loads.find((l) => l.kind === kind)!.summary);
        const requests = sums.reduce((n, s) => n + s.requests, 0);
        const failed = sums.reduce((n, s) => n + s.failed, 0);
        const recovered = results
          .map((r) => r.recoveredMs)
          .filter((ms): ms is number => ms !== undefined)
          .map((ms) => ms / 1000);
        const kinds = [...new Set(sums.flatMap((s) => Object.keys(s.errors)))].join(', ') || '-';
        const back =
          recovered.length === results.length
            ? `${median(recovered).toFixed(1)} s (${Math.min(...recovered).toFixed(1)}–${Math.max(...recovered).toFixed(1)})`
            : 'never, within the bound';
        lines.push(
          `| ${row.label} | ${row.replicas} | ${kind === 'new' ? 'new per request' : 'keep-alive'} | ${DRAINS} | ${requests.toLocaleString('en')} | ${failed} (${sums.map((s) => s.failed).join(' / ')}) | ${((100 * failed) / requests).toFixed(2)}% | ${back} | ${kinds} |`,
        );
      }
    }
    process.stdout.write(
      [
        '',
        `drain: kubectl drain ${DRAINED}, ${RATE} requests/s per load, ${DRAINS} drains per row, through a ClusterIP Service, two real nodes`,
        '',
        '| policy | replicas | connections | drains | requests | failed (per drain) | failure rate | back in full on the other node, median (min–max) | errors |',
        '|---|---|---|---|---|---|---|---|---|',
        ...lines,
        '',
      ].join('\n'),
    );

    /** Deploys the row's app, drains the node under load, uncordons it and deletes the app. */
    async function oneDrain(row: Row, i: number): Promise<DrainUnderLoadResult> {
      const name = `app-${row.policy ? 'on' : 'off'}-${row.replicas}${row.rolling ? '-roll' : ''}`;
      // The control's pods all on the drained node, as the scheduler may place them when nothing
      // spreads them: the other node cordoned only while they are created (nothing pins them; their
      // replacements are free to run there).
      if (!row.policy) await ok(['cordon', KEPT]);
      try {
        await ok(['apply', '-n', ns, '-f', '-'], JSON.stringify(appDeployment(name, { replicas: row.replicas, optOut: !row.policy, podSpec: onRealNodes() })));
        await ok(['apply', '-n', ns, '-f', '-'], JSON.stringify(appService(name)));
        await ok(['rollout', 'status', `deployment/${name}`, '-n', ns, '--timeout=150s'], undefined, 160_000);
      } finally {
        if (!row.policy) await k!(['uncordon', KEPT], undefined, 30_000);
      }
      if (row.policy) {
        const deadline = Date.now() + 60_000;
        while ((await k!(['get', 'pdb', `${name}-paas`, '-n', ns])).code !== 0) {
          if (Date.now() > deadline) throw new Error(`no PodDisruptionBudget beside ${name} within 60 s`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      const url = serviceUrl(JSON.parse(await ok(['get', 'service', name, '-n', ns, '-o', 'json'])) as Obj);
      const list = async () => (JSON.parse(await ok(['get', 'deployments,pods', '-n', ns, '-l', `app=${name}`, '-o', 'json'])) as { items: Obj[] }).items;
      try {
        const r = await drainUnderLoad({
          kc,
          namespace: ns,
          url,
          drain: () => k!(['drain', DRAINED, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=180s'], undefined, 200_000),
          ...(row.rolling
            ? {
                alongside: () =>
                  ok([
                    'patch',
                    'deployment',
                    name,
                    '-n',
                    ns,
                    '-p',
                    JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'app', image: TestImage.app2 }] } } } }),
                  ]).then(() => undefined),
              }
            : {}),
          recovered: async () => {
            const items = await list();
            const d = items.find((o) => o.kind === 'Deployment');
            const pods = items.filter((o) => o.kind === 'Pod');
            const want = d?.spec?.replicas ?? 0;
            return (
              d?.status?.availableReplicas === want &&
              d?.status?.updatedReplicas === want &&
              pods.length === want &&
              pods.every((p) => !p.metadata.deletionTimestamp && p.spec.nodeName !== DRAINED)
            );
          },
          rate: RATE,
          loads: ['new', 'keepalive'],
          timeoutMs: 300_000,
        });
        process.stderr.write(
          `bench: ${row.label}, ${row.replicas} replicas, drain ${i + 1}: ${r.loads.map((l) => `${l.kind} ${l.summary.failed}/${l.summary.requests} ${JSON.stringify(l.summary.errors)}`).join(', ')}; drain exit ${r.drain.code} in ${(r.drain.durationMs / 1000).toFixed(1)} s; back after ${r.recoveredMs === undefined ? '-' : (r.recoveredMs / 1000).toFixed(1)} s\n`,
        );
        return r;
      } finally {
        await k!(['uncordon', DRAINED], undefined, 30_000);
        await k!(['delete', 'deployment,service', name, '-n', ns, '--wait=true', '--timeout=90s'], undefined, 100_000);
      }
    }
  } finally {
    await k?.(['uncordon', DRAINED], undefined, 30_000);
    await webhook?.stop();
    if (k && !process.env.BENCH_KEEP) {
      await k(['delete', 'namespace', ns, '--wait=false']);
      await k(['delete', 'namespace', leaseNs, '--wait=false']);
    }
    if (cluster) await stopCluster(cluster);
    rmSync(runDir, { recursive: true, force: true });
  }
}

await main();
