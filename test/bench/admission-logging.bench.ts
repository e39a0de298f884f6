// Benchmark, an A/B: what the webhook's log line per admission costs, in-cluster, at 16 concurrent
// writers (the admission bench's aim, issue #28). A CPU profile of the webhook's pods under the
// admission bench's writes put the line (pino's serialisation and its asynchronous write) at about
// a third of the route's time on the main thread, more than the policy itself. Measured here, one
// webhook and one cluster, its pods rolled between the variants:
//   each-line  --log-level=info: a line per admission (the default)
//   no-line    --log-level=warn: no line per admission (what the line costs)
//   none       a namespace the webhook does not select: no mutating admission (the baseline)
// A third variant, buffered (lines held until 4 kB wait or 100 ms pass, then written together),
// was measured by this bench at commit 8ba7fce and removed: no gain beyond the noise
// (docs/performance.md).
// On a local control plane with the real node (or the cluster of PAAS_E2E_KUBECONFIG), the webhook
// installed as users install it (the opt-in overlay, the local image) and called through its
// Service. One writer process, this one, with keep-alive connections (lib/api-writer.ts): 16
// writers, each server-side applying its own Deployment (replicas 0, paused), an update with a new
// image then a re-apply that writes nothing, in turn, as the admission bench does. A warm-up
// round, then BENCH_ROUNDS rounds (a multiple of 3), each running the three set-ups in an order
// rotated by round (lib/admission-stats.ts: schedule); before a variant's phase the webhook's
// Deployment is given its flags, rolled, and only measured once every pod runs them (and none
// other is left), checked to mutate and warmed up with 64 writes. Every write is timed on the
// client. Reported: p50/p90/p99 per set-up and kind of write, and round by round (the medians and
// ranges over rounds) each variant against none and against each-line; the pods' CPU per
// admission in each variant (their cgroup v1 cpuacct.usage over the phase ÷ the admissions their
// own counter saw, round by round) beside the API server's CPU per write. No bound is asserted.
import { cpus, loadavg } from 'node:os';
import { WebhookNames } from '../e2e/cluster/webhook-install.js';
import { latencies, quantiles, roundDifferences, schedule, spread, WriteKind, type Phase, type Sample, type Spread } from './lib/admission-stats.js';
import { apiClient, type ApiClient } from './lib/api-writer.js';
import { onWebhookCluster } from './lib/webhook-cluster.js';
import { benchDeployment, deploymentsPath, DeploymentWriters } from './lib/bench-deployment.js';
import { clockTicksPerSecond, cpuCounters } from './lib/cpu.js';
import { withFlags } from './lib/webhook-flags.js';
import { podsAdmissions, WEBHOOK_PODS, webhookPodCgroups, type WebhookPod } from './lib/webhook-pods.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const WRITES = Number(process.env.BENCH_WRITES ?? 640);
const WRITERS = 16;
const WARM_UP_WRITES = 64;
const RUN = Date.now().toString(36);

const Variant = { eachLine: 'each-line', noLine: 'no-line' } as const;
type Variant = (typeof Variant)[keyof typeof Variant];
const NONE = 'none';
type LogSetup = Variant | typeof NONE;
const SETUPS: readonly LogSetup[] = [NONE, Variant.eachLine, Variant.noLine];
const FLAGS: Record<Variant, Record<string, string>> = {
  [Variant.eachLine]: { 'log-level': 'info' },
  [Variant.noLine]: { 'log-level': 'warn' },
};
const NS = { none: `bench-log-none-${RUN}`, hook: `bench-log-hook-${RUN}` };
const nsOf = (s: LogSetup) => (s === NONE ? NS.none : NS.hook);
const DEPLOYMENT = deploymentsPath(WebhookNames.namespace, WebhookNames.deployment);

const log = (l: string) => process.stderr.write(`bench admission-logging: ${l}\n`);
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** What one measured phase cost. */
interface PhaseCost {
  round: number;
  setup: LogSetup;
  writes: number;
  apiserverTicks: number;
  webhookNs: number;
  admissions: number;
}

class Bench {
  readonly samples: Sample<LogSetup>[] = [];
  readonly costs: PhaseCost[] = [];
  readonly writers: DeploymentWriters;
  private pods: WebhookPod[] = [];
  private variant: Variant | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly apiserverPid: number,
  ) {
    this.writers = new DeploymentWriters(api);
  }

  /** The webhook's pods running `variant`'s flags, every one of them, checked to mutate and warmed up. */
  async switchTo(variant: Variant): Promise<void> {
    if (this.variant === variant) return;
    const d = await this.api.json<any>('GET', DEPLOYMENT);
    const args = withFlags(d.spec.template.spec.containers[0].args as string[], FLAGS[variant]);
    await this.api.json('PATCH', DEPLOYMENT, [{ op: 'replace', path: '/spec/template/spec/containers/0/args', value: args }], 'application/json-patch+json');
    await untilPodsRun(this.api, args, d.spec.replicas as number);
    this.pods = await webhookPodCgroups(this.api);
    await untilMutates(this.api);
    await this.writers.inTurn(NS.hook, WRITERS, WARM_UP_WRITES, variant);
    this.variant = variant;
    log(`the webhook runs ${variant} (${args.filter((a) => a.startsWith('--log')).join(' ')})`);
  }

  async phase(p: Phase<LogSetup>): Promise<void> {
    if (p.setup !== NONE) await this.switchTo(p.setup);
    const counted = p.setup !== NONE;
    const admissionsBefore = counted ? await podsAdmissions(this.api, this.pods) : 0;
    const before = cpuCounters(this.apiserverPid, this.pods);
    await this.writers.inTurn(nsOf(p.setup), WRITERS, WRITES, p.setup, (kind, ms) => {
      if (!p.warmUp) this.samples.push({ round: p.round, setup: p.setup, concurrency: WRITERS, kind, ms });
    });
    const after = cpuCounters(this.apiserverPid, this.pods);
    const admissions = counted ? (await podsAdmissions(this.api, this.pods)) - admissionsBefore : 0;
    if (p.warmUp) return;
    this.costs.push({
      round: p.round,
      setup: p.setup,
      writes: WRITES,
      apiserverTicks: after.apiserverTicks - before.apiserverTicks,
      webhookNs: after.webhookNs - before.webhookNs,
      admissions,
    });
  }
}

/** Until the webhook's pods are exactly `replicas` running, ready pods with `args` and no other
 * (a terminating pod still answers admissions), bounded: 4 minutes. */
async function untilPodsRun(api: ApiClient, args: string[], replicas: number): Promise<void> {
  const deadline = Date.now() + 240_000;
  for (;;) {
    const pods = (await api.json<{ items: any[] }>('GET', WEBHOOK_PODS)).items;
    const ok = (p: any) =>
      !p.metadata.deletionTimestamp &&
      p.status?.phase === 'Running' &&
      p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') &&
      JSON.stringify(p.spec.containers[0].args) === JSON.stringify(args);
    if (pods.length === replicas && pods.every(ok)) return;
    if (Date.now() > deadline) throw new Error(`the webhook's pods did not all run ${args.join(' ')} within 4 minutes`);
    await sleep(500);
  }
}

/** Until a server-side dry run in the webhook's namespace comes back mutated, bounded: 30 s. */
async function untilMutates(api: ApiClient): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const d = await api.json<any>('POST', `${deploymentsPath(NS.hook)}?dryRun=All`, benchDeployment('dry-run', 0));
    if (d.spec.template.metadata.labels?.['paas.io/deploy-id'] !== undefined) return;
    if (Date.now() > deadline) throw new Error('the webhook did not mutate a dry run within 30 s');
    await sleep(200);
  }
}

async function setUp(api: ApiClient): Promise<void> {
  await api.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS.none } });
  await api.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS.hook, labels: { 'paas.io/mode': 'enforce' } } });
  await untilMutates(api);
  const none = await api.json<any>('POST', `${deploymentsPath(NS.none)}?dryRun=All`, benchDeployment('dry-run', 0));
  if (none.spec.template.metadata.labels?.['paas.io/deploy-id'] !== undefined) throw new Error(`${NS.none}: mutated, but no webhook should select it`);
  for (const ns of Object.values(NS)) for (let w = 0; w < WRITERS; w++) await api.json('POST', deploymentsPath(ns), benchDeployment(`w${w}`, 0));
}

// ---- report --------------------------------------------------------------------------------

const ms = (x: number) => x.toFixed(2);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
const spreadText = (s: Spread) => `${signed(s.median)} [${signed(s.min)}, ${signed(s.max)}]`;

function latencyTable(samples: readonly Sample<LogSetup>[]): string[] {
  const out = [
    '| write | set-up | n | p50 | p90 | p99 | p50 − none: median [min, max] over rounds | p99 − none | p50 − each-line | p99 − each-line |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const kind of Object.values(WriteKind)) {
    const slice = { concurrency: WRITERS, kind };
    for (const setup of SETUPS) {
      const q = quantiles(latencies(samples, slice, setup));
      const vs = (base: LogSetup, p: number) =>
        setup === base || (base !== NONE && setup === NONE) ? '–' : spreadText(spread(roundDifferences(samples, slice, setup, base, p)));
      out.push(
        `| ${kind} | ${setup} | ${q.n} | ${ms(q.p50)} | ${ms(q.p90)} | ${ms(q.p99)} | ${vs(NONE, 0.5)} | ${vs(NONE, 0.99)} | ${vs(Variant.eachLine, 0.5)} | ${vs(Variant.eachLine, 0.99)} |`,
      );
    }
  }
  return out;
}

function cpuTable(costs: readonly PhaseCost[], clockTick: number): string[] {
  const rounds = [...new Set(costs.map((c) => c.round))];
  const perAdmission = (c: PhaseCost) => c.webhookNs / 1e6 / c.admissions;
  const of = (setup: LogSetup, round: number) => costs.find((c) => c.setup === setup && c.round === round)!;
  const out = [
    '| set-up | writes | API server CPU per write (ms) | admissions per write | pods CPU per admission (ms): all phases | median [min, max] over rounds | − each-line, round by round |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const setup of SETUPS) {
    const mine = costs.filter((c) => c.setup === setup);
    const writes = mine.reduce((a, c) => a + c.writes, 0);
    const api = ((mine.reduce((a, c) => a + c.apiserverTicks, 0) / clockTick) * 1000) / writes;
    if (setup === NONE) {
      out.push(`| ${setup} | ${writes} | ${ms(api)} | – | – | – | – |`);
      continue;
    }
    const admissions = mine.reduce((a, c) => a + c.admissions, 0);
    const all = mine.reduce((a, c) => a + c.webhookNs, 0) / 1e6 / admissions;
    const byRound = spread(mine.map(perAdmission));
    const vs = setup === Variant.eachLine ? '–' : spreadText(spread(rounds.map((r) => perAdmission(of(setup, r)) - perAdmission(of(Variant.eachLine, r)))));
    out.push(`| ${setup} | ${writes} | ${ms(api)} | ${(admissions / writes).toFixed(2)} | ${ms(all)} | ${spreadText(byRound).replace(/\+/g, '')} | ${vs} |`);
  }
  return out;
}

// ---- main ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (ROUNDS % SETUPS.length !== 0 || WRITES % (2 * WRITERS) !== 0) {
    throw new Error(`BENCH_ROUNDS must be a multiple of ${SETUPS.length} and BENCH_WRITES of ${2 * WRITERS}`);
  }
  await onWebhookCluster('admission-logging', log, async ({ kubeconfig, apiserverPid }) => {
    const api = await apiClient(kubeconfig, WRITERS);
    try {
      await setUp(api);
      const bench = new Bench(api, apiserverPid);
      const clockTick = clockTicksPerSecond();
      const load = loadavg()[0]!.toFixed(1);
      const phases = schedule(ROUNDS, [WRITERS], SETUPS);
      for (const [i, p] of phases.entries()) {
        await bench.phase(p);
        if (i % SETUPS.length === SETUPS.length - 1) log(`round ${p.round} of ${ROUNDS} done${p.warmUp ? ' (the warm-up)' : ''}`);
      }
      if (bench.writers.failures.length > 0)
        throw new Error(`${bench.writers.failures.length} writes failed:\n${bench.writers.failures.slice(0, 10).join('\n')}`);
      process.stdout.write(
        [
          '',
          `admission logging A/B: ${WRITERS} writers (one process, keep-alive HTTPS), server-side applies of Deployments (replicas 0, paused), an update with a new image then a re-apply, in turn; ${ROUNDS} rounds after a warm-up, ${WRITES} writes per set-up and round; ms on the client`,
          `(${cpus().length} CPUs, Node ${process.version}, load average ${load} at the start, ${loadavg()[0]!.toFixed(1)} at the end)`,
          '',
          ...latencyTable(bench.samples),
          '',
          ...cpuTable(bench.costs, clockTick),
          '',
        ].join('\n'),
      );
    } finally {
      for (const ns of Object.values(NS)) await api.send('DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
      api.close();
    }
  });
}

await main();
