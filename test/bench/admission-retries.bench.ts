// Benchmark: how many times the API server calls the webhook per Deployment write, and why more than
// once. The admission bench (admission.bench.ts) counted 1.45 webhook admissions per write. The
// API server runs mutating admission inside its storage update loop (k8s.io/apiserver
// handlers/patch.go: "applyAdmission is called every time GuaranteedUpdate asks for the updated
// object"), and that loop starts from the watch cache's copy of the object: when the copy is stale
// (a write landed in etcd that the cache has not seen yet), the compare-and-swap fails, or a write
// that changes nothing differs from etcd's copy, and the loop runs again, admission included. A
// Deployment's own controller writes its status right after every spec change; a write close
// behind its controller's would then be admitted twice.
//
// Measured on a local control plane with the real node (or the cluster of PAAS_E2E_KUBECONFIG),
// the webhook installed as users install it (opt-in overlay, the local image, called through its
// Service), one Deployment (replicas 0, paused: no pods), server-side applies from one process,
// one at a time, in pairs: an update (a new image), then a re-apply of the same manifest (it
// writes nothing). The count is the API server's own: its histogram of calls to the webhook's
// enforce entry (apiserver_admission_webhook_admission_duration_seconds, the +Inf bucket), read
// before and after each block of pairs (not around every write: a scrape of /metrics takes long
// enough for the controller to catch up, and would remove the race it measures). Three patterns,
// a block of each per round, in a rotated order:
//   behind     the pairs back to back: the admission bench's pattern, the re-apply close behind
//              the controller's status write for the update
//   reapply    the same, but each re-apply waits until the controller has observed the update
//   -waits     (status.observedGeneration = metadata.generation): the one difference from behind
//   settled    every write waits so: nothing to race; the baseline
// Reported: webhook calls per write in each pattern and the ratio to settled; and, from the
// webhook pods' own metrics over the same rounds, the admissions they counted and the TLS
// connections they accepted (does the API server keep its connections to the webhook, or pay a
// handshake per call?). If the re-apply's
// race is the cause, behind is near 1.5 (updates once, re-applies twice) and the other two near 1.
// No bound is asserted: figures.
import { cpus, loadavg } from 'node:os';
import { histogram } from '../e2e/lib/prom-histogram.js';
import { counterSum, WriteKind } from './lib/admission-stats.js';
import { apiClient, type ApiClient } from './lib/api-writer.js';
import { onWebhookCluster } from './lib/webhook-cluster.js';
import { benchDeployment, deploymentsPath, DeploymentWriters } from './lib/bench-deployment.js';
import { observedVersion, runningWebhookPods, webhookMetrics } from './lib/webhook-pods.js';

/** Pairs (an update, a re-apply) per block. */
const PAIRS = Number(process.env.BENCH_PAIRS ?? 40);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const RUN = Date.now().toString(36);
const NS = `bench-retries-${RUN}`;
const NAME = 'app';
const path = (name?: string) => deploymentsPath(NS, name);
const CALLS = { metric: 'apiserver_admission_webhook_admission_duration_seconds', match: { name: 'rollout-policy.paas.io', type: 'admit' } };

const Pattern = { behind: 'behind', reapplyWaits: 'reapply-waits', settled: 'settled' } as const;
type Pattern = (typeof Pattern)[keyof typeof Pattern];
const PATTERNS = Object.values(Pattern);

/** One block of pairs and the webhook calls the API server made for it. */
interface Block {
  pattern: Pattern;
  writes: number;
  calls: number;
}

const log = (l: string) => process.stderr.write(`bench admission-retries: ${l}\n`);

/** Calls per write in each pattern, over its blocks, and the range over blocks. */
function tabulate(blocks: readonly Block[]): { pattern: Pattern; writes: number; calls: number; perWrite: number; min: number; max: number }[] {
  return PATTERNS.map((pattern) => {
    const mine = blocks.filter((b) => b.pattern === pattern);
    const writes = mine.reduce((a, b) => a + b.writes, 0);
    const calls = mine.reduce((a, b) => a + b.calls, 0);
    const each = mine.map((b) => b.calls / b.writes);
    return { pattern, writes, calls, perWrite: calls / writes, min: Math.min(...each), max: Math.max(...each) };
  });
}

async function callsSoFar(api: ApiClient): Promise<number> {
  const r = await api.send('GET', '/metrics');
  if (r.status !== 200) throw new Error(`the API server's /metrics: ${r.status}`);
  return histogram(r.body, CALLS.metric, CALLS.match).get(Number.POSITIVE_INFINITY) ?? 0;
}

/** What the webhook's pods counted (their own metrics): admissions, and the TLS connections they
 * accepted (all, and those resumed). */
async function webhookCounts(api: ApiClient): Promise<{ admissions: number; connections: number; resumed: number }> {
  const sum = { admissions: 0, connections: 0, resumed: 0 };
  for (const p of await runningWebhookPods(api)) {
    const text = await webhookMetrics(api, p);
    sum.admissions += counterSum(text, 'paas_webhook_admissions_total');
    sum.connections += counterSum(text, 'paas_webhook_tls_connections_total');
    const resumed = text
      .split('\n')
      .filter((l) => l.startsWith('paas_webhook_tls_connections_total{resumed="true"}'))
      .join('\n');
    sum.resumed += resumed ? counterSum(resumed, 'paas_webhook_tls_connections_total') : 0;
  }
  return sum;
}

/** Until the Deployment controller has observed the Deployment's last spec (bounded: 30 s). */
async function untilObserved(api: ApiClient): Promise<void> {
  await observedVersion(api, NS, NAME);
}

async function main(): Promise<void> {
  await onWebhookCluster('retries', log, async ({ kubeconfig }) => {
    const api = await apiClient(kubeconfig, 2);
    try {
      await api.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'paas.io/mode': 'enforce' } } });
      await api.json('POST', path(), benchDeployment(NAME, 0));

      const writers = new DeploymentWriters(api);
      const apply = async (kind: WriteKind, what: string): Promise<void> => {
        const r = await writers.write(NS, NAME, kind);
        if (r.status !== 200) throw new Error(`${what}: ${r.status} ${r.body.slice(0, 300)}`);
      };
      const block = async (pattern: Pattern): Promise<Block> => {
        await untilObserved(api); // every block starts from a settled Deployment
        const before = await callsSoFar(api);
        for (let i = 0; i < PAIRS; i++) {
          if (pattern === Pattern.settled) await untilObserved(api);
          await apply(WriteKind.update, `${pattern} update`);
          if (pattern !== Pattern.behind) await untilObserved(api);
          await apply(WriteKind.reapply, `${pattern} re-apply`);
        }
        const calls = (await callsSoFar(api)) - before;
        // Every write is admitted at least once: a count below that is a wrong count, not a figure.
        if (calls < 2 * PAIRS) throw new Error(`${pattern}: the API server counted ${calls} calls to the webhook for ${2 * PAIRS} writes`);
        return { pattern, writes: 2 * PAIRS, calls };
      };
      // The first apply takes the fields over from the CREATE's manager (a write of its own).
      await apply(WriteKind.reapply, 'first apply');
      const load = loadavg()[0]!.toFixed(1);
      const hookBefore = await webhookCounts(api);
      const blocks: Block[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (let k = 0; k < PATTERNS.length; k++) blocks.push(await block(PATTERNS[(round + k) % PATTERNS.length]!));
        log(`round ${round + 1}/${ROUNDS}`);
      }

      const hookAfter = await webhookCounts(api);
      const hook = {
        admissions: hookAfter.admissions - hookBefore.admissions,
        connections: hookAfter.connections - hookBefore.connections,
        resumed: hookAfter.resumed - hookBefore.resumed,
      };
      const apiCalls = blocks.reduce((a, b) => a + b.calls, 0);
      const table = tabulate(blocks);
      const base = table.find((t) => t.pattern === Pattern.settled)!.perWrite;
      process.stdout.write(
        [
          '',
          `webhook calls per Deployment write, as the API server counts them: server-side applies of one Deployment (replicas 0, paused), one at a time, an update then a re-apply; ${ROUNDS} rounds, a block of ${PAIRS} pairs per pattern and round`,
          `(${cpus().length} CPUs, Node ${process.version}, load average ${load} at the start, ${loadavg()[0]!.toFixed(1)} at the end)`,
          '',
          '| pattern | writes | webhook calls | per write | [min, max] over blocks | × settled |',
          '|---|---|---|---|---|---|',
          ...table.map(
            (t) =>
              `| ${t.pattern} | ${t.writes} | ${t.calls} | ${t.perWrite.toFixed(2)} | [${t.min.toFixed(2)}, ${t.max.toFixed(2)}] | ${(t.perWrite / base).toFixed(2)} |`,
          ),
          '',
          `the webhook's pods over the same rounds: ${hook.admissions} admissions counted (the API server counted ${apiCalls} calls to its enforce entry), on ${hook.connections} TLS connections accepted (${hook.resumed} resumed)`,
          '',
        ].join('\n'),
      );
    } finally {
      await api.send('DELETE', `/api/v1/namespaces/${NS}`).catch((e: unknown) => log(`tear-down: ${(e as Error).message}`));
      api.close();
    }
  });
}

await main();
