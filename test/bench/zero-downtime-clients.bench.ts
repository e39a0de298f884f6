// Benchmark: where the zero-downtime promise ends (issue #30), measured on the real node. The
// test app's plain Deployment, 2 replicas, rolled BENCH_ROLLOUTS times a cell (default 3, a new
// env value each) while four bounded loads cross its ClusterIP Service from inside the node's
// namespace at once, BENCH_RATE requests/s each (default 100), one per kind of client
// (test/images/testapp/load.go): a new connection per request; Go's transport kept alive (retries
// a request on a reused connection the server closed); a pool that checks an idle connection
// before reuse (urllib3); a naive pool (reuses without checking, never retries; honours
// `Connection: close`).
//
// The matrix: the app on SIGTERM (exits at once; graceful: stops accepting, finishes in-flight
// requests, closes idle kept-alive connections without a word; announce: a 3 s drain in which
// every response says `Connection: close`, then the same shutdown) × the policy (on: the webhook
// in front; off: opted out). Then what the policy itself could do, A/B against the graceful app
// with the policy on:
//   - a longer preStop sleep (paas.toml prestop_sleep = 15, a second webhook): the old pod
//     serves its kept-alive connections 10 s longer, then closes them the same way;
//   - a drain the app is given (the app keeps serving 3 s after SIGTERM, as an app reading a
//     drain period from an env var the policy set would) without announcing: the announce
//     cell's drain minus the announcement.
// Prints one Markdown row per cell and client: requests, failures per rollout, their causes, and
// what the client did with its connections. Uses its own cluster, or the one of
// PAAS_E2E_KUBECONFIG when set. Expected to take about 12 minutes on 2 cores (a rollout with the
// policy ~20-25 s, ~40 s with the 15 s preStop, opted out ~3 s).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_K8S_VERSION, startCluster, stopCluster, type ClusterState } from '../e2e/cluster/control-plane.js';
import {
  appDeployment,
  appService,
  LoadClient,
  rolloutUnderLoad,
  serviceUrl,
  SigtermMode,
  sigtermArgs,
  type LoadSummary,
  type RolloutUnderLoadResult,
} from '../e2e/lib/real-node.js';
import { startWebhook, type WebhookProcess } from '../e2e/lib/webhook-process.js';

type Obj = Record<string, any>;
const ROOT = resolve(import.meta.dirname, '../..');
const ROLLOUTS = Number(process.env.BENCH_ROLLOUTS ?? 3);
const RATE = Math.min(Number(process.env.BENCH_RATE ?? 100), 500);
const REPLICAS = 2;
const DRAIN_SECONDS = 3;
const LONG_PRESTOP = 15;
const CLIENTS = [LoadClient.new, LoadClient.keepalive, LoadClient.checking, LoadClient.naive] as const;
const CLIENT_LABEL: Record<LoadClient, string> = {
  new: 'new connection per request',
  keepalive: 'kept alive, retries (Go)',
  checking: 'kept alive, checks before reuse (urllib3)',
  naive: 'kept alive, naive (http.client)',
};

/** A cell: the app's SIGTERM handling, the policy, and which webhook (paas.toml) applies it. */
type Cell = { name: string; policy: string; app: string; mode: SigtermMode; drain: number; optOut: boolean; webhook: 'default' | 'longPrestop' };

const APPS: { mode: SigtermMode; drain: number; label: string }[] = [
  { mode: SigtermMode.exit, drain: 0, label: 'exits at once' },
  { mode: SigtermMode.graceful, drain: 0, label: 'graceful' },
  { mode: SigtermMode.announce, drain: DRAIN_SECONDS, label: `announces Connection: close (${DRAIN_SECONDS} s drain)` },
];

const CELLS: Cell[] = [
  ...[false, true].flatMap((optOut) =>
    APPS.map((a) => ({
      name: `${a.mode}-${optOut ? 'off' : 'on'}`,
      policy: optOut ? 'off (opted out)' : '**on**',
      app: a.label,
      mode: a.mode,
      drain: a.drain,
      optOut,
      webhook: 'default' as const,
    })),
  ),
  // A/B: what the policy could do for the graceful app.
  {
    name: 'graceful-prestop15',
    policy: `**on**, preStop ${LONG_PRESTOP} s`,
    app: 'graceful',
    mode: SigtermMode.graceful,
    drain: 0,
    optOut: false,
    webhook: 'longPrestop',
  },
  {
    name: 'graceful-drain',
    policy: '**on**',
    app: `graceful after a ${DRAIN_SECONDS} s drain, no announcement`,
    mode: SigtermMode.graceful,
    drain: DRAIN_SECONDS,
    optOut: false,
    webhook: 'default',
  },
];

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
type Kubectl = ReturnType<typeof kubectlWith>;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The cell's rows of the table, one per client, from its rollouts. */
function rowsOf(cell: Cell, results: RolloutUnderLoadResult[]): string[] {
  const durations = results.map((r) => r.durationMs / 1000);
  const rollout = `${median(durations).toFixed(1)} s`;
  return CLIENTS.map((kind) => {
    const sums: LoadSummary[] = results.map((r) => r.loads.find((l) => l.kind === kind)!.summary);
    const requests = sums.reduce((n, s) => n + s.requests, 0);
    const failed = sums.reduce((n, s) => n + s.failed, 0);
    const causes = new Map<string, number>();
    for (const s of sums) for (const [e, n] of Object.entries(s.errors)) causes.set(e, (causes.get(e) ?? 0) + n);
    const errors = [...causes].map(([e, n]) => `${e} (${n})`).join(', ') || '-';
    const conn = (k: keyof LoadSummary['connections']) => sums.reduce((n, s) => n + s.connections[k], 0);
    return `| ${cell.policy} | ${cell.app} | ${CLIENT_LABEL[kind]} | ${ROLLOUTS} | ${requests.toLocaleString('en')} | ${failed} (${sums.map((s) => s.failed).join(' / ')}) | ${errors} | ${conn('opened')} / ${conn('announced')} / ${conn('stale')} | ${rollout} |`;
  });
}

async function measureCell(k: Kubectl, kc: KubeConfig, ns: string, cell: Cell): Promise<string[]> {
  const name = cell.name;
  await k(
    ['apply', '-n', ns, '-f', '-'],
    JSON.stringify(appDeployment(name, { replicas: REPLICAS, args: sigtermArgs(cell.mode, cell.drain), optOut: cell.optOut })),
  );
  await k(['apply', '-n', ns, '-f', '-'], JSON.stringify(appService(name)));
  await k(['rollout', 'status', `deployment/${name}`, '-n', ns, '--timeout=150s']);
  const url = serviceUrl(JSON.parse(await k(['get', 'service', name, '-n', ns, '-o', 'json'])) as Obj);
  const results: RolloutUnderLoadResult[] = [];
  for (let i = 0; i < ROLLOUTS; i++) {
    const r = await rolloutUnderLoad({
      kc,
      listApp: async () =>
        (JSON.parse(await k(['get', 'deployments,replicasets,pods', '-n', ns, '-l', `app=${name}`, '-o', 'json'])) as { items: Obj[] }).items,
      namespace: ns,
      name,
      url,
      trigger: () => k(['set', 'env', `deployment/${name}`, `VERSION=v${i + 2}`, '-n', ns]).then(() => {}),
      rate: RATE,
      loads: CLIENTS,
      timeoutMs: 240_000,
    });
    results.push(r);
    process.stderr.write(
      `bench: ${name}, rollout ${i + 1}: ${r.loads.map((l) => `${l.kind} ${l.summary.failed}/${l.summary.requests} ${JSON.stringify(l.summary.errors)}`).join(', ')}; ${(r.durationMs / 1000).toFixed(1)} s\n`,
    );
  }
  await k(['delete', 'deployment', name, '-n', ns, '--wait=false']);
  return rowsOf(cell, results);
}

async function main(): Promise<void> {
  const binDir = resolve(process.env.PAAS_E2E_BIN ?? join(ROOT, '.cache/bin', `k8s-${process.env.K8S_VERSION ?? DEFAULT_K8S_VERSION}`));
  const runDir = mkdtempSync(join(tmpdir(), 'paas-bench-zd-clients-'));
  let cluster: ClusterState | undefined;
  const webhooks: WebhookProcess[] = [];
  let kubeconfig = process.env.PAAS_E2E_KUBECONFIG;
  const stamp = Date.now().toString(36);
  // One namespace per webhook: each webhook's scope is a namespace label.
  const namespaces = { default: `bench-zdc-${stamp}`, longPrestop: `bench-zdc-prestop-${stamp}` };
  let k: Kubectl | undefined;
  try {
    if (!kubeconfig) {
      cluster = await startCluster({ binDir, runDir, log: (l) => process.stderr.write(`bench cluster: ${l}\n`) });
      kubeconfig = cluster.kubeconfig;
    }
    k = kubectlWith(join(binDir, 'kubectl'), kubeconfig);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const configs = { default: '', longPrestop: `[deploy]\nprestop_sleep = ${LONG_PRESTOP}\n` };
    for (const [which, ns] of Object.entries(namespaces) as ['default' | 'longPrestop', string][]) {
      const scope = { key: 'bench.paas.io/zero-downtime-clients', value: `${which}-${process.pid}` };
      webhooks.push(
        await startWebhook({
          kubeconfig,
          kubectl: join(binDir, 'kubectl'),
          scope,
          configToml: configs[which],
          name: `paas-bench-zdc-${which.toLowerCase()}-${process.pid}`,
        }),
      );
      await k(['create', 'namespace', ns]);
      await k(['label', 'namespace', ns, `${scope.key}=${scope.value}`]);
    }

    const rows: string[] = [];
    for (const cell of CELLS) rows.push(...(await measureCell(k, kc, namespaces[cell.webhook], cell)));
    process.stdout.write(
      [
        '',
        `zero-downtime by client: ${REPLICAS} replicas, ${RATE} requests/s per client (four at once), ${ROLLOUTS} rollouts per cell, through a ClusterIP Service on the real node`,
        '',
        '| policy | app on SIGTERM | client | rollouts | requests | failed (per rollout) | errors | connections opened / told to close / found closed | rollout, median |',
        '|---|---|---|---|---|---|---|---|---|',
        ...rows,
        '',
      ].join('\n'),
    );
  } finally {
    if (k && !process.env.BENCH_KEEP) for (const ns of Object.values(namespaces)) await k(['delete', 'namespace', ns, '--wait=false']).catch(() => {});
    for (const w of webhooks) await w.stop();
    if (cluster) await stopCluster(cluster);
    rmSync(runDir, { recursive: true, force: true });
  }
}

await main();
