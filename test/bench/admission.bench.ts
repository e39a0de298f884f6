// Benchmark: what admission adds to a Deployment write, as a controller sees it, on a local control
// plane with the real node (the e2e cluster module; or the cluster of PAAS_E2E_KUBECONFIG when set,
// with its state.json beside it). Three set-ups, live at once in three namespaces of one cluster:
//   none      a namespace neither of the others selects: no mutating admission for Deployments
//             (the baseline)
//   webhook   paas-webhook in-cluster on the real node, installed as users install it (kubectl
//             apply -k of the opt-in overlay with the local image), called through its Service: its
//             namespace is labelled paas.io/mode=enforce, the only one the webhook selects
//   policy    the product's MutatingAdmissionPolicy (admissionPolicyObjects for the default
//             paas.toml, the same policy as the webhook's), bound only to its namespace: the floor
// One writer process, this one: one keep-alive HTTPS agent to the API server, as a controller
// holds its connections (test/bench/lib/api-writer.ts; no kubectl process while measuring), and N
// concurrent writers (1, 4, 16), each server-side applying its own Deployment (replicas 0,
// paused) in turn: an UPDATE with a new image (a new rollout: the webhook mints a deploy-id),
// then a re-apply of the same manifest (admission runs, nothing is written: checked before
// measuring). Every request is timed on the client (process.hrtime.bigint). The set-ups are
// interleaved: a warm-up round, then BENCH_ROUNDS rounds, each running every concurrency and, at
// each, the three set-ups in a rotated order (test/bench/lib/admission-stats.ts: schedule),
// BENCH_WRITES writes per phase; so the machine's drift hits them alike. Reported: p50/p90/p99
// per set-up, concurrency and kind of write over all rounds, and the difference to none (and
// webhook to policy) computed round by round, as the median and range over rounds; the API
// server's CPU per write in each set-up (utime + stime of its /proc/<pid>/stat over that set-up's
// phases) beside the webhook pods' CPU per admission (their cgroup v1 cpuacct.usage, under the
// real node's cgroup root, over the webhook's phases, ÷ the admissions its own counter saw; and
// the same cgroups while not called, the control); the API server's own coarse histogram of its
// webhook calls, and the pods' memory.
// Aim (issue #28): at 16 writers the webhook adds at most 2 ms at p50 and 5 ms at p99 over none,
// and stays within 1 ms at p50 of the MutatingAdmissionPolicy. No bound is asserted: figures.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../core/config.js';
import { admissionPolicyObjects, DEFAULT_ADMISSION_POLICY_SCOPE } from '../../core/policy/index.js';
import { histogram, histogramDelta, histogramQuantile } from '../e2e/lib/prom-histogram.js';
import {
  AIM,
  latencies,
  memoryStat,
  quantiles,
  roundDifferences,
  schedule,
  Setup,
  spread,
  verdicts,
  WriteKind,
  type Phase,
  type Sample,
  type Spread,
} from './lib/admission-stats.js';
import { apiClient, type ApiClient } from './lib/api-writer.js';
import { onWebhookCluster } from './lib/webhook-cluster.js';
import { benchDeployment, deploymentsPath, DeploymentWriters } from './lib/bench-deployment.js';
import { clockTicksPerSecond, cpuCounters } from './lib/cpu.js';
import { observedVersion, podsAdmissions, webhookPodCgroups, type WebhookPod } from './lib/webhook-pods.js';

/** Measured rounds (a multiple of 3: each set-up runs first, second and last equally often). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
/** Writes per phase, shared by its writers (a multiple of 2 × 16: as many of each kind per writer). */
const WRITES = Number(process.env.BENCH_WRITES ?? 192);
const CONCURRENCIES = [1, 4, 16] as const;
const SETUPS = [Setup.none, Setup.webhook, Setup.policy] as const;
const RUN = Date.now().toString(36);
const NS: Record<Setup, string> = { none: `bench-none-${RUN}`, webhook: `bench-webhook-${RUN}`, policy: `bench-policy-${RUN}` };
const NS_LABELS: Record<Setup, Record<string, string>> = {
  none: {},
  // The opt-in overlay's webhook selects only namespaces labelled so.
  webhook: { 'paas.io/mode': 'enforce' },
  policy: { 'bench.paas.io/setup': 'policy' },
};
const POLICY_NAME = `paas-bench-${RUN}`;
/** The API server's histogram of the calls to the webhook's enforce entry (5, 25, 100 ms buckets...). */
const WEBHOOK_CALLS = { metric: 'apiserver_admission_webhook_admission_duration_seconds', match: { name: 'rollout-policy.paas.io', type: 'admit' } };

const log = (l: string) => process.stderr.write(`bench admission: ${l}\n`);

/** What each set-up's phases added up to. */
interface Totals {
  writes: number;
  apiserverTicks: number;
  webhookNs: number;
  seconds: number;
}

class Bench {
  readonly samples: Sample[] = [];
  readonly totals = new Map<Setup, Totals>(SETUPS.map((s) => [s, { writes: 0, apiserverTicks: 0, webhookNs: 0, seconds: 0 }]));
  readonly writers: DeploymentWriters;

  constructor(
    private readonly api: ApiClient,
    private readonly apiserverPid: number,
    private readonly pods: WebhookPod[],
  ) {
    this.writers = new DeploymentWriters(api);
  }

  /** Each pod's peak memory (its cgroup's high-water mark, since it started) and its RSS now, in MB. */
  memory(): string {
    return this.pods
      .map((p) => {
        const peak = Number(readFileSync(join(p.memory, 'memory.max_usage_in_bytes'), 'utf8')) / 1e6;
        const rss = memoryStat(readFileSync(join(p.memory, 'memory.stat'), 'utf8'), 'total_rss') / 1e6;
        return `${p.name}: peak ${peak.toFixed(0)} MB, RSS ${rss.toFixed(0)} MB`;
      })
      .join('; ');
  }

  admissions(): Promise<number> {
    return podsAdmissions(this.api, this.pods);
  }

  /** One phase: its writers, each alternating update and re-apply; the CPU counters around it. */
  async phase(p: Phase): Promise<void> {
    const before = cpuCounters(this.apiserverPid, this.pods);
    const started = process.hrtime.bigint();
    await this.writers.inTurn(NS[p.setup], p.concurrency, WRITES, p.setup, (kind, ms) =>
      this.samples.push({ round: p.round, setup: p.setup, concurrency: p.concurrency, kind, ms }),
    );
    const after = cpuCounters(this.apiserverPid, this.pods);
    if (p.warmUp) return;
    const t = this.totals.get(p.setup)!;
    t.writes += WRITES;
    t.apiserverTicks += after.apiserverTicks - before.apiserverTicks;
    t.webhookNs += after.webhookNs - before.webhookNs;
    t.seconds += Number(process.hrtime.bigint() - started) / 1e9;
  }
}

// ---- set-up --------------------------------------------------------------------------------

/** What a server-side dry run of a fresh Deployment in the set-up's namespace comes back with. */
async function dryRun(api: ApiClient, setup: Setup): Promise<{ mutated: boolean; deployId: boolean }> {
  const d = await api.json<any>('POST', `${deploymentsPath(NS[setup])}?dryRun=All`, benchDeployment('dry-run', 0));
  return {
    mutated: d.spec.strategy?.rollingUpdate?.maxUnavailable === 0 && d.spec.template.spec.containers[0].lifecycle !== undefined,
    deployId: d.spec.template.metadata.labels?.['paas.io/deploy-id'] !== undefined,
  };
}

/** Each set-up does what it says before anything is measured (a zero needs a control): none
 * leaves a Deployment alone, the webhook mutates it and stamps a deploy-id, the policy mutates it
 * without one. Waits for the policy to load (the API server loads policies asynchronously). */
async function checkSetups(api: ApiClient): Promise<void> {
  const want: Record<Setup, { mutated: boolean; deployId: boolean }> = {
    none: { mutated: false, deployId: false },
    webhook: { mutated: true, deployId: true },
    policy: { mutated: true, deployId: false },
  };
  for (const setup of SETUPS) {
    for (let i = 0; ; i++) {
      const got = await dryRun(api, setup);
      if (got.mutated === want[setup].mutated && got.deployId === want[setup].deployId) break;
      if (i >= 150) throw new Error(`${setup}: a dry run came back ${JSON.stringify(got)}, not ${JSON.stringify(want[setup])}`);
      await new Promise((ok) => setTimeout(ok, 200));
    }
  }
}

/** A re-apply writes nothing in any set-up: the Deployment's resourceVersion stays (and an update's does not). */
async function checkReapplyWritesNothing(bench: Bench, api: ApiClient): Promise<void> {
  for (const setup of SETUPS) {
    // Once the controller has seen the last spec: its status writes would otherwise move the
    // resourceVersion under the check below.
    const rv = () => observedVersion(api, NS[setup], 'w0', 200);
    // The first apply takes the fields over from the CREATE's manager: a write of its own.
    await bench.writers.write(NS[setup], 'w0', WriteKind.reapply);
    const before = await rv();
    const r = await bench.writers.write(NS[setup], 'w0', WriteKind.reapply);
    if (r.status !== 200) throw new Error(`${setup}: a re-apply answered ${r.status} ${r.body.slice(0, 300)}`);
    const after = (await api.json<any>('GET', deploymentsPath(NS[setup], 'w0'))).metadata.resourceVersion as string;
    if (after !== before) throw new Error(`${setup}: a re-apply of the same manifest wrote the Deployment (resourceVersion ${before} -> ${after})`);
    await bench.writers.write(NS[setup], 'w0', WriteKind.update);
    if ((await rv()) === before) throw new Error(`${setup}: an update with a new image wrote nothing (the control of the check above)`);
  }
}

async function setUp(api: ApiClient): Promise<void> {
  for (const setup of SETUPS) {
    await api.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS[setup], labels: NS_LABELS[setup] } });
  }
  const [policy, binding] = admissionPolicyObjects(
    DEFAULT_CONFIG,
    { nativeSleep: true },
    {
      ...DEFAULT_ADMISSION_POLICY_SCOPE,
      name: POLICY_NAME,
      namespaceLabels: NS_LABELS.policy,
    },
  );
  await api.json('POST', '/apis/admissionregistration.k8s.io/v1/mutatingadmissionpolicies', policy);
  await api.json('POST', '/apis/admissionregistration.k8s.io/v1/mutatingadmissionpolicybindings', binding);
  await checkSetups(api);
  // Every writer's Deployment, created once (a CREATE is not what is measured).
  for (const setup of SETUPS) {
    for (let w = 0; w < Math.max(...CONCURRENCIES); w++) await api.json('POST', deploymentsPath(NS[setup]), benchDeployment(`w${w}`, 0));
  }
}

async function tearDown(api: ApiClient): Promise<void> {
  for (const [kind, name] of [
    ['mutatingadmissionpolicybindings', POLICY_NAME],
    ['mutatingadmissionpolicies', POLICY_NAME],
  ]) {
    await api.send('DELETE', `/apis/admissionregistration.k8s.io/v1/${kind}/${name}`);
  }
  for (const setup of SETUPS) await api.send('DELETE', `/api/v1/namespaces/${NS[setup]}`);
}

// ---- report --------------------------------------------------------------------------------

const ms = (x: number) => x.toFixed(2);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
const spreadText = (s: Spread) => `${signed(s.median)} [${signed(s.min)}, ${signed(s.max)}]`;

function latencyTable(samples: readonly Sample[]): string[] {
  const out = [
    '| writers | write | set-up | n | p50 | p90 | p99 | p50 − none: median [min, max] over rounds | p99 − none | p50 − policy |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const concurrency of CONCURRENCIES) {
    for (const kind of Object.values(WriteKind)) {
      const slice = { concurrency, kind };
      for (const setup of SETUPS) {
        const q = quantiles(latencies(samples, slice, setup));
        const vs = (base: Setup, p: number) => (setup === base ? '–' : spreadText(spread(roundDifferences(samples, slice, setup, base, p))));
        out.push(
          `| ${concurrency} | ${kind} | ${setup} | ${q.n} | ${ms(q.p50)} | ${ms(q.p90)} | ${ms(q.p99)} | ${vs(Setup.none, 0.5)} | ${vs(Setup.none, 0.99)} | ${setup === Setup.webhook ? vs(Setup.policy, 0.5) : '–'} |`,
        );
      }
    }
  }
  return out;
}

function cpuLines(totals: Map<Setup, Totals>, clockTick: number, admissions: number): string[] {
  const hook = totals.get(Setup.webhook)!;
  const idle = [Setup.none, Setup.policy].map((s) => totals.get(s)!);
  const idleNs = idle.reduce((a, t) => a + t.webhookNs, 0);
  const idleSeconds = idle.reduce((a, t) => a + t.seconds, 0);
  return [
    '| set-up | writes | API server CPU per write (ms) | webhook pods CPU per admission (ms) |',
    '|---|---|---|---|',
    ...SETUPS.map((s) => {
      const t = totals.get(s)!;
      const api = ((t.apiserverTicks / clockTick) * 1000) / t.writes;
      return `| ${s} | ${t.writes} | ${ms(api)} | ${s === Setup.webhook ? ms(hook.webhookNs / 1e6 / admissions) : '–'} |`;
    }),
    '',
    `the webhook counted ${admissions} admissions over its measured phases, for ${hook.writes} writes to its namespace`,
    `its pods while not called (the none and policy phases, ${idleSeconds.toFixed(0)} s): ${ms(idleNs / 1e6 / idleSeconds)} ms of CPU per second (the leader's loops, probes)`,
  ];
}

function verdictLines(samples: readonly Sample[]): string[] {
  const out = [`aims at ${AIM.concurrency} writers (median of the round-by-round differences):`];
  for (const kind of Object.values(WriteKind)) {
    for (const v of verdicts(samples, kind)) out.push(`  ${kind}: ${v.what}: ${spreadText(v.spread)} ms, aim ≤ ${v.limitMs} ms: ${v.met ? 'met' : 'NOT met'}`);
  }
  return out;
}

// ---- main ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (ROUNDS % SETUPS.length !== 0 || WRITES % (2 * Math.max(...CONCURRENCIES)) !== 0) {
    throw new Error(`BENCH_ROUNDS must be a multiple of ${SETUPS.length} and BENCH_WRITES of ${2 * Math.max(...CONCURRENCIES)}`);
  }
  await onWebhookCluster('admission', log, async ({ kubeconfig, apiserverPid }) => {
    const api = await apiClient(kubeconfig, Math.max(...CONCURRENCIES));
    try {
      await setUp(api);
      const bench = new Bench(api, apiserverPid, await webhookPodCgroups(api));
      await checkReapplyWritesNothing(bench, api);
      const clockTick = clockTicksPerSecond();
      const load = loadavg()[0]!.toFixed(1);

      const phases = schedule(ROUNDS, CONCURRENCIES, SETUPS);
      const metrics = async () => (await api.send('GET', '/metrics')).body;
      let metricsBefore = '';
      let admissionsBefore = 0;
      let admissions = 0;
      for (const [i, p] of phases.entries()) {
        if (i > 0 && phases[i - 1]!.warmUp && !p.warmUp) {
          log('warm-up done; measuring');
          metricsBefore = await metrics();
        }
        const counted = !p.warmUp && p.setup === Setup.webhook;
        if (counted) admissionsBefore = await bench.admissions();
        await bench.phase(p);
        if (counted) admissions += (await bench.admissions()) - admissionsBefore;
        if (i % 9 === 8) log(`${i + 1}/${phases.length} phases`);
      }
      if (bench.writers.failures.length > 0)
        throw new Error(`${bench.writers.failures.length} writes failed:\n${bench.writers.failures.slice(0, 10).join('\n')}`);
      const calls = histogramDelta(
        histogram(await metrics(), WEBHOOK_CALLS.metric, WEBHOOK_CALLS.match),
        histogram(metricsBefore, WEBHOOK_CALLS.metric, WEBHOOK_CALLS.match),
      );
      const callMs = (q: number) => (histogramQuantile(calls, q) * 1000).toFixed(1);

      process.stdout.write(
        [
          '',
          `admission latency: one writer process (keep-alive HTTPS), server-side applies of Deployments (replicas 0, paused), an update with a new image then a re-apply that writes nothing, in turn; ${ROUNDS} rounds after a warm-up, ${WRITES} writes per set-up, concurrency and round; ms on the client`,
          `(${cpus().length} CPUs, Node ${process.version}, load average ${load} at the start, ${loadavg()[0]!.toFixed(1)} at the end)`,
          '',
          ...latencyTable(bench.samples),
          '',
          ...verdictLines(bench.samples),
          '',
          ...cpuLines(bench.totals, clockTick, admissions),
          `the API server's own histogram of its calls to the webhook over the measured run: p50 ${callMs(0.5)} ms, p99 ${callMs(0.99)} ms (interpolated within its 5, 25, 100 ms buckets: coarse)`,
          `webhook pods' memory after the run (cgroup v1): ${bench.memory()}`,
          '',
        ].join('\n'),
      );
    } finally {
      await tearDown(api).catch((e: unknown) => log(`tear-down: ${(e as Error).message}`));
      api.close();
    }
  });
}

await main();
