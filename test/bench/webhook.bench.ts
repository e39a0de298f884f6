// Benchmark: the built webhook (node dist/webhook/main.js serve) over HTTPS on 127.0.0.1, driven
// by autocannon. POST /mutate gets a realistic UPDATE review (a three-container Deployment,
// object and oldObject, an image change: the policy runs and stamps a new deploy-id); beside it,
// on the same server, POST /bench/baseline parses the same body and answers a fixed allowed
// review. Figures: both throughputs and their ratio, p50/p99 at 1, 16 and 64 connections, and the
// server's peak RSS. Then the CPU the process spends per /mutate request (utime + stime of its
// /proc/<pid>/stat ÷ requests) at 100 and 400 requests a second and as fast as it answers: what an
// admission costs depends on the rate (docs/performance.md, where the webhook's CPU goes). Run by
// `make bench` (after `make build`); bounded: 3 levels × 2 routes × 5 rounds of BENCH_SECONDS (2)
// seconds, then 3 × 5 s, about a minute and a half.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mutateDeployment, DEFAULT_POLICY } from '../../core/policy/index.js';
import { applyPlan } from '../../webhook/server/cert-mint.js';
import { DEFAULT_LIFETIMES, planCertificates, SecretKeys, storeFacts } from '../../webhook/server/self-signed.js';
import { review, threeContainerDeployment } from '../unit/webhook/reviews.js';
import { clockTicksPerSecond, processCpuTicks } from './lib/cpu.js';

// autocannon ships no types; the few fields used here.
type Autocannon = (o: Record<string, unknown>) => Promise<{
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
  timeouts: number;
}>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const ROOT = resolve(import.meta.dirname, '../..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2); // per run
const ROUNDS = 5; // baseline and /mutate alternate; the median of the rounds is reported
const CONNECTIONS = [1, 16, 64];
const HOST = '127.0.0.1';
/** Requests a second for the CPU-per-request runs, over 16 connections; 0: as fast as it answers. */
const RATES = [100, 400, 0];
const RATE_SECONDS = 5;

function updateReview(): string {
  // The stored Deployment carries the policy and a deploy-id; the user applies a new image.
  const old = threeContainerDeployment('registry.example.com/shop/web:1.4.2');
  const first = mutateDeployment({
    object: old,
    oldObject: null,
    policy: DEFAULT_POLICY,
    facts: { nativeSleep: true },
    newId: () => '5f0c2a4e-1b7d-4c3a-9e2f-0a1b2c3d4e5f',
    stampId: true,
  });
  const stored = first.object;
  const next = structuredClone(stored) as typeof stored & { spec: { template: { spec: { containers: Array<{ image: string }> } } } };
  next.spec.template.spec.containers[0]!.image = 'registry.example.com/shop/web:1.5.0';
  return JSON.stringify(review({ operation: 'UPDATE', object: next, oldObject: stored, uid: 'bench-0000' }));
}

function get(port: number, path: string, ca: string): Promise<number> {
  return new Promise((res) => {
    const r = request({ host: HOST, port, path, ca, agent: false }, (m) => {
      m.resume();
      res(m.statusCode ?? 0);
    });
    r.on('error', () => res(0));
    r.end();
  });
}

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function cannon(port: number, path: string, body: string, connections: number, seconds: number, rate = 0): Promise<Run & { total: number }> {
  const r = await autocannon({
    url: `https://${HOST}:${port}${path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
    ...(rate > 0 ? { overallRate: rate } : {}),
  });
  return { rps: r.requests.average, total: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx + r.timeouts };
}

/** The webhook's CPU per /mutate request at each of RATES, in ms (its /proc/<pid>/stat around each run). */
async function cpuPerRequest(pid: number, port: number, body: string): Promise<string[]> {
  const clockTick = clockTicksPerSecond();
  const ticks = () => processCpuTicks(pid);
  const rows = ['| requests a second asked | answered | CPU per request (ms) |', '|---|---|---|'];
  for (const rate of RATES) {
    const before = ticks();
    const r = await cannon(port, '/mutate', body, 16, RATE_SECONDS, rate);
    if (r.errors > 0) throw new Error(`${r.errors} errors at ${rate || 'the maximum'} requests a second`);
    const ms = (((ticks() - before) / clockTick) * 1000) / r.total;
    rows.push(`| ${rate || 'as fast as it answers'} | ${(r.total / RATE_SECONDS).toFixed(0)} | ${ms.toFixed(3)} |`);
  }
  return rows;
}

/** autocannon records whole milliseconds: 0 means under one. */
const ms = (v: number): string => (v < 1 ? '<1' : v.toFixed(0));

/** Median of each figure over the rounds; errors are summed. */
function median(runs: Run[]): Run {
  const mid = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  return {
    rps: mid(runs.map((r) => r.rps)),
    p50: mid(runs.map((r) => r.p50)),
    p99: mid(runs.map((r) => r.p99)),
    errors: runs.reduce((n, r) => n + r.errors, 0),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'paas-bench-'));
  const now = Date.now();
  const { facts, cas } = storeFacts({});
  const pems = await applyPlan(planCertificates(facts, now, [HOST]), { data: {}, cas }, [HOST], now, DEFAULT_LIFETIMES);
  writeFileSync(join(dir, 'tls.crt'), pems[SecretKeys.Cert] ?? '');
  writeFileSync(join(dir, 'tls.key'), pems[SecretKeys.Key] ?? '');
  const ca = pems[SecretKeys.CaBundle] ?? '';
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'dist/webhook/main.js'),
      'serve',
      '--host',
      HOST,
      '--port',
      String(port),
      '--metrics-port',
      String(port + 1),
      '--tls-cert',
      join(dir, 'tls.crt'),
      '--tls-key',
      join(dir, 'tls.key'),
      '--bench-baseline-route',
      '--log-level',
      'info',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], cwd: dir },
  );
  try {
    for (let i = 0; (await get(port, '/readyz', ca)) !== 200; i++) {
      if (i > 100 || child.exitCode !== null) throw new Error('the webhook did not become ready (is dist/ built? run make build)');
      await new Promise((r) => setTimeout(r, 100));
    }
    const body = updateReview();
    console.log(
      `paas-webhook bench: UPDATE review of ${body.length} bytes, median of ${ROUNDS} alternating ${SECONDS}s runs per route, Node ${process.version}`,
    );
    await cannon(port, '/mutate', body, 16, 2); // warm-up (JIT, TLS session setup)
    await cannon(port, '/bench/baseline', body, 16, 1);
    const rows: string[] = [];
    let ratioAt16 = NaN;
    let p99At16 = NaN;
    let baseP99At16 = NaN;
    for (const c of CONNECTIONS) {
      const bases: Run[] = [];
      const muts: Run[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        bases.push(await cannon(port, '/bench/baseline', body, c, SECONDS));
        muts.push(await cannon(port, '/mutate', body, c, SECONDS));
      }
      const base = median(bases);
      const mut = median(muts);
      if (base.errors + mut.errors > 0) throw new Error(`errors during the run at ${c} connections: baseline ${base.errors}, mutate ${mut.errors}`);
      const ratio = mut.rps / base.rps;
      if (c === 16) {
        ratioAt16 = ratio;
        p99At16 = mut.p99;
        baseP99At16 = base.p99;
      }
      rows.push(
        `| ${c} | ${base.rps.toFixed(0)} | ${mut.rps.toFixed(0)} | ${(ratio * 100).toFixed(0)}% | ${ms(base.p50)} / ${ms(base.p99)} | ${ms(mut.p50)} / ${ms(mut.p99)} |`,
      );
    }
    const rss = peakRssMiB(child.pid ?? 0);
    console.log('| connections | baseline req/s | /mutate req/s | /mutate ÷ baseline | baseline p50 / p99 ms | /mutate p50 / p99 ms |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
    console.log(`peak RSS of the webhook process: ${rss.toFixed(0)} MiB`);
    const aims = [
      [`throughput at 16 connections ≥ 70% of baseline`, ratioAt16 >= 0.7, `${(ratioAt16 * 100).toFixed(0)}%`],
      [`p99 at 16 connections < 5 ms`, p99At16 < 5, `${ms(p99At16)} ms; baseline ${ms(baseP99At16)} ms`],
      [`peak RSS < 150 MB`, rss * 1.048576 < 150, `${(rss * 1.048576).toFixed(0)} MB`],
    ] as const;
    for (const [what, ok, got] of aims) console.log(`${ok ? 'met ' : 'MISSED'}: ${what} (${got})`);
    console.log(`\nCPU of the webhook process per /mutate request, 16 connections, ${RATE_SECONDS} s a rate:`);
    for (const r of await cpuPerRequest(child.pid ?? 0, port, body)) console.log(r);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
