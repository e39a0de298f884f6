// Benchmark: `kubectl paas diagnose -A` over a whole cluster on the real control plane (the e2e
// cluster module with 100 kwok nodes; or the cluster of PAAS_E2E_KUBECONFIG when set): 1,000
// Deployments in 100 namespaces, 10,000 pods, 100,000 events, 20 of the Deployments stuck in five
// distinct ways (an image that does not exist, a crash loop, a missing ConfigMap, a quota that
// refuses pods, a request no node can hold). Figures: wall time and peak RSS of the built plugin
// (node dist/plugin/main.js, as kubectl runs it), beside, in the same run, `kubectl get
// deployments -A -o json` (the floor of any tool that reads them all) and `kubectl get events -A
// -o json` (what a tool that reads every event pays). Target: diagnose -A <= 5 s and < 300 MB,
// and its answer checked: every stuck Deployment named, with its root cause, and no other.
// The fill is bounded (at most CONCURRENCY requests in flight) and takes minutes on 2 cores;
// BENCH_KEEP=1 keeps it, BENCH_REUSE=1 measures a kept fill again (PAAS_E2E_KUBECONFIG pointing at it).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_K8S_VERSION, startCluster, stopCluster, type ClusterState } from '../e2e/cluster/control-plane.js';
import { MissingConfigMap, Scenario, ScenarioLabel } from '../e2e/cluster/pod-scenarios.js';

const ROOT = resolve(import.meta.dirname, '../..');
const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 100);
const PER_NAMESPACE = 10;
const DEPLOYMENTS = NAMESPACES * PER_NAMESPACE;
const REPLICAS = 10;
const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
/** kwok nodes: 110 pods each, 4 CPU. */
const NODES = Math.ceil((DEPLOYMENTS * REPLICAS) / 100);
const CONCURRENCY = 32;
const ROUNDS = 5;
const PREFIX = 'bench-fleet';
const REUSE = process.env.BENCH_REUSE === '1';
const TARGET = { seconds: 5, rssMb: 300 } as const;

type Obj = Record<string, unknown>;

/** The five ways the stuck ones are stuck, and the root cause diagnose must name for each. */
const Stuck = {
  imageNotFound: { code: 'ImagePullFailed' },
  crashLoop: { code: 'CrashLoop' },
  configError: { code: 'ConfigError' },
  quota: { code: 'QuotaExceeded' },
  unschedulable: { code: 'Unschedulable' },
} as const;
type Stuck = keyof typeof Stuck;
const STUCK_WAYS = Object.keys(Stuck) as Stuck[];

const nsName = (n: number) => `${PREFIX}-${String(n).padStart(3, '0')}`;
/** Deployment i (0-based) lives in namespace i / PER_NAMESPACE; every 50th, from the 7th, is stuck: 20 of 1,000. */
const stuckWay = (i: number): Stuck | undefined => (i % 50 === 7 ? STUCK_WAYS[Math.floor(i / 50) % STUCK_WAYS.length] : undefined);

interface Api {
  post(path: string, body: unknown): Promise<unknown>;
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
      const req = request(
        new URL(server + path),
        { method, agent, headers: { ...(opts.headers as Record<string, string>), 'Content-Type': 'application/json', Accept: 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () =>
            (res.statusCode ?? 500) < 300 || (method === 'POST' && res.statusCode === 409)
              ? ok(text ? JSON.parse(text) : undefined)
              : fail(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`)),
          );
        },
      );
      req.on('error', fail);
      req.end(body === undefined ? undefined : JSON.stringify(body));
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

/** Runs a command under /usr/bin/time; wall seconds, peak RSS in MB, exit code and stdout. */
function measure(cmd: string, args: string[], env: Record<string, string>): Promise<{ seconds: number; rssMb: number; code: number; stdout: string }> {
  return new Promise((ok, fail) => {
    const started = process.hrtime.bigint();
    execFile('/usr/bin/time', ['-f', '%M', cmd, ...args], { env: { ...process.env, ...env }, maxBuffer: 1024 * 1024 * 1024 }, (err, stdout, stderr) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const kb = Number(/(\d+)\s*$/.exec(stderr.trim())?.[1]);
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      if (!Number.isFinite(kb)) return fail(new Error(`${cmd} ${args.join(' ')}: no RSS in ${stderr.slice(-300)}`));
      ok({ seconds, rssMb: kb / 1024, code, stdout });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Deployment i: 10 pods that kwok makes Ready, or stuck in its way. */
function deployment(i: number): Obj {
  const name = `app-${i % PER_NAMESPACE}`;
  const way = stuckWay(i);
  const labels: Record<string, string> = { app: name };
  if (way === 'imageNotFound') labels[ScenarioLabel] = Scenario.ImageNotFound;
  if (way === 'crashLoop') labels[ScenarioLabel] = Scenario.CrashLoop;
  if (way === 'configError') labels[ScenarioLabel] = Scenario.ConfigError;
  const container: Obj = {
    name: 'app',
    image: way === 'imageNotFound' ? 'registry.example/app:does-not-exist' : 'registry.example/app:1',
    ...(way === 'unschedulable' ? { resources: { requests: { cpu: '64' } } } : {}),
    ...(way === 'configError' ? { envFrom: [{ configMapRef: { name: MissingConfigMap } }] } : {}),
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name, 'bench.paas.io/stuck': way ?? 'no' } },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels },
        spec: { containers: [container], ...(way === 'quota' ? { priorityClassName: `${PREFIX}-quota` } : {}) },
      },
    },
  };
}

/** The quota that refuses the quota-stuck Deployment's sixth pod: scoped to its PriorityClass, so
 * the namespace's other pods are not counted. */
const quota = (): Obj => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: 'bench-pods' },
  spec: { hard: { pods: '5' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: [`${PREFIX}-quota`] }] } },
});

/** Namespaces, the PriorityClass, the quotas, the Deployments; then waits for the healthy ones and fills the events. */
async function fill(k: Api) {
  let t = Date.now();
  await k.post('/apis/scheduling.k8s.io/v1/priorityclasses', {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: `${PREFIX}-quota` },
    value: 1000,
  });
  await inBatches(NAMESPACES, (n) => k.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: nsName(n) } }));
  await inBatches(DEPLOYMENTS, async (i) => {
    const ns = nsName(Math.floor(i / PER_NAMESPACE));
    if (stuckWay(i) === 'quota') await k.post(`/api/v1/namespaces/${ns}/resourcequotas`, quota());
    await k.post(`/apis/apps/v1/namespaces/${ns}/deployments`, deployment(i));
  });
  process.stderr.write(`bench: ${NAMESPACES} namespaces, ${DEPLOYMENTS} Deployments in ${((Date.now() - t) / 1000).toFixed(1)}s\n`);
  t = Date.now();
  const healthy = DEPLOYMENTS - Array.from({ length: DEPLOYMENTS }, (_, i) => i).filter((i) => stuckWay(i)).length;
  for (;;) {
    const list = (await k.get(`/apis/apps/v1/deployments?labelSelector=bench.paas.io/stuck=no`)) as { items: { status?: { availableReplicas?: number } }[] };
    const ready = list.items.filter((d) => d.status?.availableReplicas === REPLICAS).length;
    if (ready >= healthy) break;
    if (Date.now() - t > 30 * 60_000) throw new Error(`only ${ready}/${healthy} healthy Deployments available after 30 minutes`);
    await sleep(5000);
  }
  process.stderr.write(`bench: ${healthy} healthy Deployments available (${DEPLOYMENTS * REPLICAS} pods asked) in ${((Date.now() - t) / 1000).toFixed(1)}s\n`);
  await fillEvents(k);
}

/** EVENTS events about the healthy pods, spread over the namespaces (the kubelet's probe and back-off words). */
async function fillEvents(k: Api) {
  const t = Date.now();
  type PodMeta = { metadata: { name: string; namespace: string; uid: string } };
  const pods: PodMeta[] = [];
  for (let next: string | undefined = ''; next !== undefined;) {
    const page = (await k.get(`/api/v1/pods?labelSelector=app&limit=500${next ? `&continue=${encodeURIComponent(next)}` : ''}`)) as {
      items: PodMeta[];
      metadata: { continue?: string };
    };
    pods.push(...page.items.filter((p) => p.metadata.namespace.startsWith(PREFIX)));
    next = page.metadata.continue || undefined;
  }
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await inBatches(EVENTS, (i) => {
    const p = pods[i % pods.length]!.metadata;
    return k.post(`/api/v1/namespaces/${p.namespace}/events`, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${p.name}.bench${i.toString(16)}` },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: p.name, namespace: p.namespace, uid: p.uid },
      reason: i % 3 ? 'Unhealthy' : 'Pulled',
      message: i % 3 ? 'Readiness probe failed: HTTP probe failed with statuscode: 503' : 'Container image "registry.example/app:1" already present on machine',
      type: i % 3 ? 'Warning' : 'Normal',
      count: 1 + (i % 7),
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      source: { component: 'kubelet', host: 'kwok-node-1' },
    });
  });
  process.stderr.write(`bench: ${EVENTS} events on ${pods.length} pods in ${((Date.now() - t) / 1000).toFixed(1)}s\n`);
}

/** What diagnose must say: every stuck Deployment, with its way's root cause, and nothing else with problems. */
function expectedRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (let i = 0; i < DEPLOYMENTS; i++) {
    const way = stuckWay(i);
    if (way) rows.set(`${nsName(Math.floor(i / PER_NAMESPACE))}/app-${i % PER_NAMESPACE}`, Stuck[way].code);
  }
  return rows;
}

/** The differences between diagnose's summary and the stuck Deployments ('' when it names each, rightly). */
function checkAnswer(stdout: string): string {
  const doc = JSON.parse(stdout) as { summary: { kind: string; namespace: string; name: string; verdict: string; code: string }[] };
  const want = expectedRows();
  const got = new Map(doc.summary.filter((r) => r.verdict === 'Problems').map((r) => [`${r.namespace}/${r.name}`, r.code]));
  const wrong = [...want].filter(([k, code]) => got.get(k) !== code).map(([k, code]) => `${k}: want ${code}, got ${got.get(k) ?? 'nothing'}`);
  const extra = [...got].filter(([k]) => !want.has(k) && k.startsWith(PREFIX)).map(([k, code]) => `${k}: not stuck, got ${code}`);
  return [...wrong, ...extra].join('; ');
}

/** Waits until the stuck ones show what makes them stuck (the kwok stages, the scheduler, the quota). */
async function waitForStuck(env: Record<string, string>) {
  const args = [join(ROOT, 'dist/plugin/main.js'), 'diagnose', '-A', '-o', 'json', '--summary'];
  let last = '';
  for (let i = 0; i < 120; i++) {
    const r = await measure(process.execPath, args, env);
    last = r.code <= 1 ? checkAnswer(r.stdout) : `exit ${r.code}`;
    if (last === '') return;
    await sleep(5000);
  }
  throw new Error(`diagnose never named every stuck Deployment: ${last}`);
}

/** Every case ROUNDS times, interleaved; prints medians, ratios to the floor, peak RSS; checks the answer and the target. */
async function measureAll(kubectl: string, env: Record<string, string>) {
  const plugin = join(ROOT, 'dist/plugin/main.js');
  const cases: [string, string, string[]][] = [
    ['kubectl get deployments -A -o json (floor)', kubectl, ['get', 'deployments', '-A', '-o', 'json']],
    ['kubectl paas diagnose -A -o json', process.execPath, [plugin, 'diagnose', '-A', '-o', 'json']],
    ['kubectl paas diagnose -A --summary (text)', process.execPath, [plugin, 'diagnose', '-A', '--summary']],
    ['kubectl get events -A -o json', kubectl, ['get', 'events', '-A', '-o', 'json']],
  ];
  const runs: Record<string, { seconds: number[]; rss: number[]; bytes: number; stdout: string }> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, cmd, args] of cases) {
      const r = await measure(cmd, args, env);
      const e = (runs[name] ??= { seconds: [], rss: [], bytes: r.stdout.length, stdout: r.stdout });
      e.seconds.push(r.seconds);
      e.rss.push(r.rssMb);
    }
  }
  const base = median(runs[cases[0]![0]]!.seconds);
  process.stdout.write(
    `diagnose -A over ${DEPLOYMENTS} Deployments in ${NAMESPACES} namespaces, ${DEPLOYMENTS * REPLICAS} pods, ${EVENTS} events, ${expectedRows().size} stuck (median of ${ROUNDS}; peak RSS is the max):\n`,
  );
  for (const [name] of cases) {
    const r = runs[name]!;
    const s = median(r.seconds);
    process.stdout.write(
      `  ${name.padEnd(48)} ${s.toFixed(2).padStart(6)} s  x${(s / base).toFixed(2).padStart(5)}  ${Math.max(...r.rss)
        .toFixed(0)
        .padStart(5)} MB  ${(r.bytes / 1024).toFixed(0)} KiB out\n`,
    );
  }
  const d = runs[cases[1]![0]]!;
  const wrong = checkAnswer(d.stdout);
  process.stdout.write(`  answer: ${wrong === '' ? `every stuck Deployment named with its root cause, and no other` : `WRONG: ${wrong}`}\n`);
  const met = median(d.seconds) <= TARGET.seconds && Math.max(...d.rss) < TARGET.rssMb;
  process.stdout.write(`  target: <= ${TARGET.seconds} s and < ${TARGET.rssMb} MB: ${met ? 'met' : 'MISSED'}\n`);
  if (!met || wrong !== '') process.exitCode = 1;
}

async function main() {
  let cluster: ClusterState | undefined;
  let runDir: string | undefined;
  let kubeconfig = process.env.PAAS_E2E_KUBECONFIG;
  const binDir = resolve(process.env.PAAS_E2E_BIN ?? join(ROOT, '.cache/bin', `k8s-${process.env.K8S_VERSION ?? DEFAULT_K8S_VERSION}`));
  if (!kubeconfig) {
    runDir = mkdtempSync(join(tmpdir(), 'paas-bench-'));
    cluster = await startCluster({ binDir, runDir, realNode: false, nodes: NODES, log: (l) => process.stderr.write(`bench cluster: ${l}\n`) });
    kubeconfig = cluster.kubeconfig;
  }
  const k = await api(kubeconfig);
  const env = { KUBECONFIG: kubeconfig };
  // A cluster of PAAS_E2E_KUBECONFIG must hold the fill: `make cluster-up`'s has 5 nodes, not 100,
  // and the fill would wait 30 minutes for pods no node can take.
  const nodes = ((await k.get('/api/v1/nodes')) as { items: unknown[] }).items.length;
  if (!REUSE && nodes < NODES) throw new Error(`the cluster has ${nodes} nodes; the fill needs ${NODES} (unset PAAS_E2E_KUBECONFIG: the bench starts its own)`);
  try {
    if (!REUSE) await fill(k);
    await waitForStuck(env);
    await measureAll(join(binDir, 'kubectl'), env);
  } finally {
    if (!process.env.BENCH_KEEP && !REUSE) {
      await inBatches(NAMESPACES, (n) => k.del(`/api/v1/namespaces/${nsName(n)}`).catch(() => undefined));
      await k.del(`/apis/scheduling.k8s.io/v1/priorityclasses/${PREFIX}-quota`).catch(() => undefined);
    } else process.stderr.write(`bench: namespaces ${PREFIX}-* kept (BENCH_REUSE=1 measures them again)\n`);
    if (cluster) await stopCluster(cluster);
    if (runDir) rmSync(runDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
