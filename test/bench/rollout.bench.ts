// Benchmark: `kubectl paas rollout status` on the real control plane (the e2e cluster module; or
// the cluster of PAAS_E2E_KUBECONFIG when set), against kubectl in the same run.
// 1. Start-up: wall time from start to exit on a completed Deployment of
//    `kubectl paas rollout status web` (through kubectl, as users run it) and of the plugin binary
//    alone (with its V8 code cache, and without it), next to `kubectl rollout status
//    deployment/web`. Rounds alternate; medians compared.
//    Aim: kubectl paas <= 1.5x kubectl.
// 2. Reaction: time from a change written to the API (PATCH spec.paused, sent at t0) to the line
//    the watching plugin prints for it, next to `kubectl get deployment -w` printing the same
//    change. Aim: < 100 ms.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect } from '../../kube-client/load.js';
import { DEFAULT_K8S_VERSION, startCluster, stopCluster, type ClusterState } from '../e2e/cluster/control-plane.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const REACTIONS = Number(process.env.BENCH_REACTIONS ?? 8);
const NS = `bench-rollout-${Date.now().toString(36)}`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (x: number) => `${x.toFixed(0)} ms`;

interface Run {
  code: number;
  stdout: string;
  ms: number;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((ok, fail) => {
    const start = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', fail);
    child.on('close', (code) => {
      const t = performance.now() - start;
      if (code !== 0) fail(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}`));
      else ok({ code: code ?? 0, stdout, ms: t });
    });
  });
}

async function main(): Promise<void> {
  const binDir = resolve(process.env.PAAS_E2E_BIN ?? join(ROOT, '.cache/bin', `k8s-${process.env.K8S_VERSION ?? DEFAULT_K8S_VERSION}`));
  let kubeconfig = process.env.PAAS_E2E_KUBECONFIG;
  let cluster: ClusterState | undefined;
  const runDir = mkdtempSync(join(tmpdir(), 'paas-bench-rollout-'));
  const pluginDir = mkdtempSync(join(tmpdir(), 'paas-bench-plugin-'));
  try {
    if (!kubeconfig) {
      cluster = await startCluster({ binDir, runDir, realNode: false, log: (l) => process.stderr.write(`bench cluster: ${l}\n`) });
      kubeconfig = cluster.kubeconfig;
    }
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const bin = join(ROOT, pkg.bin['kubectl-paas']!);
    symlinkSync(bin, join(pluginDir, 'kubectl-paas'));
    const env = { ...process.env, KUBECONFIG: kubeconfig, PATH: `${pluginDir}${delimiter}${process.env.PATH}` };
    const kubectl = join(binDir, 'kubectl');
    const k = (args: string[]) => run(kubectl, args, env);

    // The API, for writes timed from this process (t0 = just before the request is sent).
    const client = await connect({ kubeconfig }, env, { home: homedir(), userAgent: 'paas-bench' });
    const patch = async (name: string, body: unknown) => {
      await client.call('PATCH', `/apis/apps/v1/namespaces/${NS}/deployments/${name}`, body, 'application/merge-patch+json');
    };

    await k(['create', 'namespace', NS]);
    const deployment = (name: string, labels: Record<string, string> = {}) =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: NS },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: name } },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
          template: { metadata: { labels: { app: name, ...labels } }, spec: { containers: [{ name: 'app', image: 'registry.example/web:1' }] } },
        },
      });
    for (const d of [deployment('web'), deployment('stuck', { 'paas.io/kwok-scenario': 'never-ready' })]) {
      await new Promise<void>((ok, fail) => {
        const c = spawn(kubectl, ['apply', '-f', '-'], { env, stdio: ['pipe', 'ignore', 'inherit'] });
        c.on('close', (code) => (code === 0 ? ok() : fail(new Error('kubectl apply failed'))));
        c.stdin.end(d);
      });
    }
    await k(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=120s']);

    // 1. Start-up on a completed Deployment.
    const variants = {
      'kubectl rollout status': () => k(['rollout', 'status', 'deployment/web', '-n', NS]),
      'kubectl paas rollout status': () => k(['paas', 'rollout', 'status', 'web', '-n', NS]),
      'kubectl-paas rollout status': () => run(bin, ['rollout', 'status', 'web', '-n', NS], env),
      // The bin's V8 code cache (~/.cache/kubectl-paas) turned off: what a first run after an install pays.
      'kubectl-paas, no code cache': () => run(bin, ['rollout', 'status', 'web', '-n', NS], { ...env, KUBECTL_PAAS_CODE_CACHE: '0' }),
    };
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((n) => [n, []]));
    for (const fn of Object.values(variants)) await fn(); // warm the page cache and discovery cache
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, fn] of Object.entries(variants)) times[name]!.push((await fn()).ms);
    }
    const base = median(times['kubectl rollout status']!);
    process.stdout.write(`start to exit on a completed Deployment (median of ${ROUNDS}, alternating):\n`);
    for (const [name, xs] of Object.entries(times)) {
      process.stdout.write(
        `  ${name.padEnd(30)} ${ms(median(xs)).padStart(7)}   p90 ${ms([...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!).padStart(7)}   ${(median(xs) / base).toFixed(2)}x kubectl\n`,
      );
    }

    // 2. Reaction to a change: pause the stuck Deployment while a watcher runs, time its new line.
    const watchLatency = async (cmd: string, args: string[], isChange: (line: string) => boolean): Promise<number> => {
      const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
      let buf = '';
      let t0 = 0;
      let resolveLine!: (t: number) => void;
      const seen = new Promise<number>((r) => (resolveLine = r));
      let started!: () => void;
      const firstLine = new Promise<void>((r) => (started = r));
      child.stdout.on('data', (c: Buffer) => {
        const now = performance.now();
        buf += c.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) {
          if (!t0) started();
          else if (isChange(l)) resolveLine(now - t0);
        }
      });
      await firstLine;
      await new Promise((r) => setTimeout(r, 300));
      t0 = performance.now();
      await patch('stuck', { spec: { paused: true } });
      const latency = await seen;
      child.kill('SIGTERM');
      await new Promise((r) => child.on('close', r));
      await patch('stuck', { spec: { paused: false } });
      await new Promise((r) => setTimeout(r, 500));
      return latency;
    };
    const lat: Record<string, number[]> = { 'kubectl paas rollout status': [], 'kubectl get deployment -w': [] };
    for (let i = 0; i < REACTIONS; i++) {
      lat['kubectl paas rollout status']!.push(
        await watchLatency(kubectl, ['paas', 'rollout', 'status', 'stuck', '-n', NS], (l) => l.includes('spec update') || l.includes('paused')),
      );
      lat['kubectl get deployment -w']!.push(
        await watchLatency(kubectl, ['get', 'deployment', 'stuck', '-n', NS, '-w', '-o', 'jsonpath={.metadata.generation}{"\\n"}'], () => true),
      );
    }
    const kBase = median(lat['kubectl get deployment -w']!);
    process.stdout.write(`API change (PATCH sent) to the line on screen (median of ${REACTIONS}):\n`);
    for (const [name, xs] of Object.entries(lat)) {
      process.stdout.write(
        `  ${name.padEnd(30)} ${ms(median(xs)).padStart(7)}   max ${ms(Math.max(...xs)).padStart(7)}   ${(median(xs) / kBase).toFixed(2)}x kubectl get -w\n`,
      );
    }
    client.close();
    await k(['delete', 'namespace', NS, '--wait=false']);
  } finally {
    if (cluster) await stopCluster(cluster);
    rmSync(runDir, { recursive: true, force: true });
    rmSync(pluginDir, { recursive: true, force: true });
  }
}

await main();
