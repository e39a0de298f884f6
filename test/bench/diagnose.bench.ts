// Benchmark: `kubectl paas diagnose` of one stuck Deployment in a namespace holding 5,000 other
// pods and 50,000 events, on the real control plane (the e2e cluster module; or the cluster of
// PAAS_E2E_KUBECONFIG when set). Figures: wall time and peak RSS of the built plugin
// (node dist/plugin/main.js, as kubectl runs it), against baselines measured in the same run:
// `kubectl get deployment web -o json` (one GET), `kubectl describe pod` of the failing pod (what
// an operator runs), and `kubectl get events -o json` over the namespace (what a tool that lists
// all events pays). Targets: diagnose <= 2 s and < 250 MB.
// Bounded: the filler pods carry a scheduling gate (never scheduled, no kubelet work) and are
// created with at most CONCURRENCY requests in flight; about 4-6 minutes on 2 cores (BENCH_KEEP=1 keeps
// the filled namespace, BENCH_NS=<name> measures it again without refilling).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_K8S_VERSION, startCluster, stopCluster, type ClusterState } from '../e2e/cluster/control-plane.js';

const ROOT = resolve(import.meta.dirname, '../..');
const PODS = Number(process.env.BENCH_PODS ?? 5000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
const CONCURRENCY = 32;
const ROUNDS = 5;
// BENCH_NS reuses a namespace a previous run filled and kept (BENCH_KEEP=1), to iterate quickly.
const REUSE = process.env.BENCH_NS;
const NS = REUSE ?? `bench-diagnose-${Date.now().toString(36)}`;

interface Api {
  post(path: string, body: unknown): Promise<any>;
  get(path: string): Promise<any>;
  del(path: string): Promise<void>;
}

async function api(kubeconfig: string): Promise<Api> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const opts: import('node:https').RequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(opts);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: opts.ca, cert: opts.cert, key: opts.key });
  const server = kc.getCurrentCluster()!.server;
  const call = (method: string, path: string, body?: unknown) =>
    new Promise<any>((ok, fail) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        new URL(server + path),
        { method, agent, headers: { ...(opts.headers as Record<string, string>), 'Content-Type': 'application/json', Accept: 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () =>
            (res.statusCode ?? 500) < 300
              ? ok(text ? JSON.parse(text) : undefined)
              : fail(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`)),
          );
        },
      );
      req.on('error', fail);
      req.end(data);
    });
  return { post: (p, b) => call('POST', p, b), get: (p) => call('GET', p), del: (p) => call('DELETE', p).then(() => undefined) };
}

async function inBatches(n: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/** Runs a command under /usr/bin/time; wall seconds and peak RSS in MB. */
function measure(cmd: string, args: string[], env: Record<string, string>): Promise<{ seconds: number; rssMb: number; code: number; bytes: number }> {
  return new Promise((ok, fail) => {
    const started = process.hrtime.bigint();
    execFile('/usr/bin/time', ['-f', '%M', cmd, ...args], { env: { ...process.env, ...env }, maxBuffer: 512 * 1024 * 1024 }, (err, stdout, stderr) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const kb = Number(/(\d+)\s*$/.exec(stderr.trim())?.[1]);
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      if (!Number.isFinite(kb)) return fail(new Error(`${cmd} ${args.join(' ')}: no RSS in ${stderr.slice(-300)}`));
      ok({ seconds, rssMb: kb / 1024, code, bytes: stdout.length });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  let cluster: ClusterState | undefined;
  let runDir: string | undefined;
  let kubeconfig = process.env.PAAS_E2E_KUBECONFIG;
  const binDir = resolve(process.env.PAAS_E2E_BIN ?? join(ROOT, '.cache/bin', `k8s-${process.env.K8S_VERSION ?? DEFAULT_K8S_VERSION}`));
  if (!kubeconfig) {
    runDir = mkdtempSync(join(tmpdir(), 'paas-bench-'));
    cluster = await startCluster({ binDir, runDir, realNode: false, log: (l) => process.stderr.write(`bench cluster: ${l}\n`) });
    kubeconfig = cluster.kubeconfig;
  }
  const k = await api(kubeconfig);
  const kubectl = join(binDir, 'kubectl');
  const env = { KUBECONFIG: kubeconfig };
  try {
    if (!REUSE) await fill(k, kubectl, env);
    await measureAll(kubectl, env);
  } finally {
    if (!process.env.BENCH_KEEP && !REUSE) await k.del(`/api/v1/namespaces/${NS}`).catch(() => undefined);
    else process.stderr.write(`bench: namespace ${NS} kept (BENCH_NS=${NS} reuses it)\n`);
    if (cluster) await stopCluster(cluster);
    if (runDir) rmSync(runDir, { recursive: true, force: true });
  }
}

const diagnoseArgs = [join(ROOT, 'dist/plugin/main.js'), 'diagnose', 'web', '-n', NS, '-o', 'json'];

/** The namespace: the stuck Deployment under diagnosis, then PODS filler pods and EVENTS events. */
async function fill(k: Api, kubectl: string, env: Record<string, string>) {
  await k.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  // The Deployment under diagnosis: 10 ready pods, then a rollout whose new pods cannot pull.
  const dep = (scenario?: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS },
    spec: {
      replicas: 10,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: 'web', ...(scenario ? { 'paas.io/kwok-scenario': scenario } : {}) } },
        spec: { containers: [{ name: 'app', image: scenario ? 'registry.example/web:2' : 'registry.example/web:1' }] },
      },
    },
  });
  await k.post(`/apis/apps/v1/namespaces/${NS}/deployments`, dep());

  // Wait for the 10 pods, then start the stuck rollout and let its surge pod fail.
  for (let i = 0; ; i++) {
    const d = await k.get(`/apis/apps/v1/namespaces/${NS}/deployments/web`);
    if (d.status?.availableReplicas === 10) break;
    if (i > 360) throw new Error('deployment web never became available');
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise<void>((ok, fail) =>
    execFile(kubectl, ['apply', '-f', '-'], { env: { ...process.env, ...env } }, (e) => {
      if (e) fail(new Error(e.message, { cause: e }));
      else ok();
    }).stdin!.end(JSON.stringify(dep('image-not-found'))),
  );
  for (let i = 0; ; i++) {
    const r = await measure(process.execPath, diagnoseArgs, env);
    if (r.code === 1) break;
    if (i > 60) throw new Error('diagnose never found the stuck rollout');
    await new Promise((r2) => setTimeout(r2, 1000));
  }

  // Then the filler: other pods and their events, in the same namespace.
  let t = Date.now();
  const podUids: string[] = [];
  await inBatches(PODS, async (i) => {
    const p = await k.post(`/api/v1/namespaces/${NS}/pods`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `filler-${i}`, labels: { app: `filler-${i % 50}` } },
      spec: { schedulingGates: [{ name: 'paas.io/bench' }], containers: [{ name: 'app', image: 'registry.example/filler:1' }] },
    });
    podUids[i] = p.metadata.uid as string;
  });
  process.stderr.write(`bench: ${PODS} pods in ${((Date.now() - t) / 1000).toFixed(1)}s\n`);
  t = Date.now();
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await inBatches(EVENTS, (i) => {
    const pod = i % PODS;
    return k.post(`/api/v1/namespaces/${NS}/events`, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `filler-${pod}.${i.toString(16)}` },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: `filler-${pod}`, namespace: NS, uid: podUids[pod] },
      reason: i % 3 ? 'Unhealthy' : 'BackOff',
      message:
        i % 3
          ? 'Readiness probe failed: HTTP probe failed with statuscode: 503'
          : `Back-off restarting failed container app in pod filler-${pod}_${NS}(${podUids[pod]})`,
      type: 'Warning',
      count: 1 + (i % 7),
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      source: { component: 'kubelet', host: 'kwok-node-1' },
    });
  });
  process.stderr.write(`bench: ${EVENTS} events in ${((Date.now() - t) / 1000).toFixed(1)}s\n`);
}

/** Every case ROUNDS times, interleaved; prints medians, ratios to the baseline, peak RSS. */
async function measureAll(kubectl: string, env: Record<string, string>) {
  const runs: Record<string, { seconds: number[]; rss: number[]; bytes: number }> = {};
  const surge = await new Promise<string>((ok, fail) =>
    execFile(
      kubectl,
      ['get', 'pods', '-n', NS, '-l', 'app=web,paas.io/kwok-scenario=image-not-found', '-o', 'jsonpath={.items[0].metadata.name}'],
      { env: { ...process.env, ...env } },
      (e, out) => {
        if (e) fail(new Error(e.message, { cause: e }));
        else ok(out.trim());
      },
    ),
  );
  const cases: [string, string, string[]][] = [
    ['kubectl get deployment web -o json (baseline)', kubectl, ['get', 'deployment', 'web', '-n', NS, '-o', 'json']],
    ['kubectl paas diagnose web -o json', process.execPath, diagnoseArgs],
    ['kubectl describe pod <the failing pod>', kubectl, ['describe', 'pod', surge, '-n', NS]],
    ['kubectl get events -o json (all events of the namespace)', kubectl, ['get', 'events', '-n', NS, '-o', 'json']],
  ];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, cmd, args] of cases) {
      const r = await measure(cmd, args, env);
      const e = (runs[name] ??= { seconds: [], rss: [], bytes: r.bytes });
      e.seconds.push(r.seconds);
      e.rss.push(r.rssMb);
    }
  }
  const base = median(runs[cases[0]![0]]!.seconds);
  process.stdout.write(`diagnose of one Deployment among ${PODS} pods and ${EVENTS} events (median of ${ROUNDS}; peak RSS is the max):\n`);
  for (const [name] of cases) {
    const r = runs[name]!;
    const s = median(r.seconds);
    process.stdout.write(
      `  ${name.padEnd(58)} ${s.toFixed(2).padStart(6)} s  x${(s / base).toFixed(2).padStart(5)}  ${Math.max(...r.rss)
        .toFixed(0)
        .padStart(5)} MB  ${(r.bytes / 1024).toFixed(0)} KiB out\n`,
    );
  }
  const d = runs[cases[1]![0]]!;
  const ok = median(d.seconds) <= 2 && Math.max(...d.rss) < 250;
  process.stdout.write(`  target: <= 2 s and < 250 MB: ${ok ? 'met' : 'MISSED'}\n`);
  if (!ok) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
