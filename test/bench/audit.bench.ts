// Benchmark: `kubectl paas audit -A` over 2,000 Deployments in 100 namespaces on the real control
// plane (the e2e cluster module; or the cluster of PAAS_E2E_KUBECONFIG when set). Figures: wall
// time and peak RSS of the built plugin as kubectl runs it (dist/bin/kubectl-paas.js, the bundle
// `make build` writes), beside `kubectl get deployments -A -o json` in the same run (one paged
// list, printed: the floor of any tool that reads them all). Target: audit -A <= 3 s and
// < 200 MB. The audit's own answer is checked too: its counts are the ones the fill made.
// The Deployments have 0 replicas (the audit reads Deployments and namespaces only: no pod,
// scheduler or kubelet work), in four shapes: the API server's defaults (falls short), written to
// the policy with a deploy-id (meets), opted out by label, and Recreate; a tenth of the namespaces
// is labelled paas.io/rollout-policy=disabled, a tenth paas.io/mode=warn; the installed webhook's
// ConfigMap is there, as an install leaves it (an installed webhook's is left alone, and then the
// counts are not checked). Created at most CONCURRENCY at once; BENCH_KEEP=1 keeps them,
// BENCH_REUSE=1 measures a kept fill again.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_K8S_VERSION, startCluster, stopCluster, type ClusterState } from '../e2e/cluster/control-plane.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 2000);
const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 100);
const CONCURRENCY = 32;
const ROUNDS = 5;
const PREFIX = 'bench-audit';
const REUSE = process.env.BENCH_REUSE === '1';
const TARGET = { seconds: 3, rssMb: 200 } as const;

type Obj = Record<string, unknown>;
const CONFLICT = Symbol('409');

interface Api {
  /** POSTs; resolves to false when the object was there already (409). */
  post(path: string, body: unknown): Promise<boolean>;
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
    new Promise<unknown>((ok, fail) => {
      const req = request(
        new URL(server + path),
        { method, agent, headers: { ...(opts.headers as Record<string, string>), 'Content-Type': 'application/json', Accept: 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () =>
            method === 'POST' && res.statusCode === 409
              ? ok(CONFLICT)
              : (res.statusCode ?? 500) < 300
                ? ok(text ? JSON.parse(text) : undefined)
                : fail(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`)),
          );
        },
      );
      req.on('error', fail);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  return {
    post: (p, b) => call('POST', p, b).then((created) => created !== CONFLICT),
    del: (p) => call('DELETE', p).then(() => undefined),
  };
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
    execFile('/usr/bin/time', ['-f', '%M', cmd, ...args], { env: { ...process.env, ...env }, maxBuffer: 512 * 1024 * 1024 }, (err, stdout, stderr) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const kb = Number(/(\d+)\s*$/.exec(stderr.trim())?.[1]);
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      if (!Number.isFinite(kb)) return fail(new Error(`${cmd} ${args.join(' ')}: no RSS in ${stderr.slice(-300)}`));
      ok({ seconds, rssMb: kb / 1024, code, stdout });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const nsName = (i: number) => `${PREFIX}-${String(i).padStart(3, '0')}`;

/** The four shapes, by the Deployment's index. */
const Shape = { plain: 'plain', compliant: 'compliant', optedOut: 'opted-out', recreate: 'recreate' } as const;
type Shape = (typeof Shape)[keyof typeof Shape];
const shapeOf = (i: number): Shape => [Shape.plain, Shape.compliant, Shape.optedOut, Shape.recreate][i % 4]!;
/** A tenth of the namespaces opted out, a tenth in warn mode. */
const namespaceLabels = (n: number): Obj => (n % 10 === 1 ? { 'paas.io/rollout-policy': 'disabled' } : n % 10 === 2 ? { 'paas.io/mode': 'warn' } : {});

function deployment(i: number): Obj {
  const name = `app-${i}`;
  const shape = shapeOf(i);
  const container: Obj = { name: 'app', image: 'registry.example/app:1', ports: [{ containerPort: 8080 }] };
  const compliant = shape === Shape.compliant;
  if (compliant) {
    container.lifecycle = { preStop: { sleep: { seconds: 5 } } };
    container.readinessProbe = { httpGet: { path: '/', port: 8080 } };
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name, 'bench.paas.io/shape': shape, ...(shape === Shape.optedOut ? { 'paas.io/rollout-policy': 'disabled' } : {}) } },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: name } },
      ...(compliant ? { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } } : {}),
      ...(shape === Shape.recreate ? { strategy: { type: 'Recreate' } } : {}),
      template: {
        metadata: { labels: { app: name, ...(compliant ? { 'paas.io/deploy-id': `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` } : {}) } },
        spec: { containers: [container] },
      },
    },
  };
}

/** What the audit must say of the fill: its verdict counts. */
function expected(): { deployments: number; meets: number; fallsShort: number; optedOut: number; admitted: number } {
  let meets = 0;
  let fallsShort = 0;
  let optedOut = 0;
  let admitted = 0;
  for (let i = 0; i < DEPLOYMENTS; i++) {
    const shape = shapeOf(i);
    if (shape === Shape.compliant) admitted++;
    if (shape === Shape.optedOut || (i % NAMESPACES) % 10 === 1) optedOut++;
    else if (shape === Shape.compliant) meets++;
    else fallsShort++;
  }
  return { deployments: DEPLOYMENTS, meets, fallsShort, optedOut, admitted };
}

/** What the fill created outside its own namespaces (an installed webhook's are left alone). */
interface Created {
  paasSystem: boolean;
  configMap: boolean;
}

async function fill(k: Api): Promise<Created> {
  const t = Date.now();
  const paasSystem = await k.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'paas-system' } });
  const configMap = await k.post('/api/v1/namespaces/paas-system/configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'paas-webhook-config', labels: { 'bench.paas.io/audit': 'true' } },
    data: { 'paas.toml': '[deploy]\nsurge = 1\nmax_unavailable = 0\n\n[webhook]\nmode = "enforce"\nnamespaces = "opt-out"\n' },
  });
  await inBatches(NAMESPACES, (n) =>
    k.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: nsName(n), labels: namespaceLabels(n) } }),
  );
  await inBatches(DEPLOYMENTS, (i) => k.post(`/apis/apps/v1/namespaces/${nsName(i % NAMESPACES)}/deployments`, deployment(i)));
  process.stderr.write(`bench: ${NAMESPACES} namespaces and ${DEPLOYMENTS} Deployments in ${((Date.now() - t) / 1000).toFixed(1)}s\n`);
  if (!configMap) process.stderr.write('bench: paas-system/paas-webhook-config was there already: the audit judges by it, its counts are not checked\n');
  return { paasSystem, configMap };
}

/** The audit's counts over the fill's namespaces only (a cluster of PAAS_E2E_KUBECONFIG may hold others). */
function fillCounts(doc: { deployments: { namespace: string; verdict: string; admitted: boolean }[] }): Obj {
  const ours = doc.deployments.filter((d) => d.namespace.startsWith(`${PREFIX}-`));
  const count = (v: string) => ours.filter((d) => d.verdict === v).length;
  return {
    deployments: ours.length,
    meets: count('Meets'),
    fallsShort: count('FallsShort'),
    optedOut: count('OptedOut'),
    admitted: ours.filter((d) => d.admitted).length,
  };
}

async function measureAll(kubectl: string, env: Record<string, string>, checkCounts: boolean): Promise<boolean> {
  const audit = [join(ROOT, 'dist/bin/kubectl-paas.js'), 'audit', '-A', '-o', 'json'];
  const cases: [string, string, string[]][] = [
    ['kubectl get deployments -A -o json (baseline)', kubectl, ['get', 'deployments', '-A', '-o', 'json']],
    ['kubectl paas audit -A -o json', process.execPath, audit],
    ['kubectl paas audit -A (text)', process.execPath, audit.slice(0, 3)],
  ];
  const runs: Record<string, { seconds: number[]; rss: number[]; bytes: number }> = {};
  let doc: Parameters<typeof fillCounts>[0] | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, cmd, args] of cases) {
      const r = await measure(cmd, args, env);
      // The audit exits 1: some fall short (the fill made them); anything else is a failure.
      const want = cmd === kubectl ? 0 : 1;
      if (r.code !== want) throw new Error(`${name} exited ${r.code}, not ${want}`);
      if (name.includes('-o json') && cmd !== kubectl) doc = JSON.parse(r.stdout) as Parameters<typeof fillCounts>[0];
      const e = (runs[name] ??= { seconds: [], rss: [], bytes: r.stdout.length });
      e.seconds.push(r.seconds);
      e.rss.push(r.rssMb);
    }
  }
  const base = median(runs[cases[0]![0]]!.seconds);
  process.stdout.write(`audit of ${DEPLOYMENTS} Deployments over ${NAMESPACES} namespaces (median of ${ROUNDS}; peak RSS is the max):\n`);
  for (const [name] of cases) {
    const r = runs[name]!;
    const s = median(r.seconds);
    process.stdout.write(
      `  ${name.padEnd(48)} ${s.toFixed(2).padStart(6)} s  x${(s / base).toFixed(2).padStart(5)}  ${Math.max(...r.rss)
        .toFixed(0)
        .padStart(5)} MB  ${(r.bytes / 1024).toFixed(0)} KiB out\n`,
    );
  }
  const want = expected();
  const got = doc ? fillCounts(doc) : {};
  const right = !checkCounts || Object.entries(want).every(([k, v]) => got[k] === v);
  process.stdout.write(
    `  the audit's counts in the fill's namespaces: ${JSON.stringify(got)}; the fill's: ${JSON.stringify(want)}: ${checkCounts ? (right ? 'equal' : 'DIFFERENT') : 'not checked'}\n`,
  );
  const a = runs[cases[1]![0]]!;
  const ok = median(a.seconds) <= TARGET.seconds && Math.max(...a.rss) < TARGET.rssMb;
  process.stdout.write(`  target: audit -A -o json <= ${TARGET.seconds} s and < ${TARGET.rssMb} MB: ${ok ? 'met' : 'MISSED'}\n`);
  return ok && right;
}

async function main(): Promise<void> {
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
  const env = { KUBECONFIG: kubeconfig };
  let created: Created = { paasSystem: false, configMap: false };
  try {
    if (!REUSE) created = await fill(k);
    if (!(await measureAll(join(binDir, 'kubectl'), env, REUSE || created.configMap))) process.exitCode = 1;
  } finally {
    if (process.env.BENCH_KEEP || REUSE) process.stderr.write(`bench: the ${PREFIX}-* namespaces kept (BENCH_REUSE=1 measures them again)\n`);
    else {
      await inBatches(NAMESPACES, (n) => k.del(`/api/v1/namespaces/${nsName(n)}`).catch(() => undefined));
      if (created.paasSystem) await k.del('/api/v1/namespaces/paas-system').catch(() => undefined);
      else if (created.configMap) await k.del('/api/v1/namespaces/paas-system/configmaps/paas-webhook-config').catch(() => undefined);
    }
    if (cluster) await stopCluster(cluster);
    if (runDir) rmSync(runDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
