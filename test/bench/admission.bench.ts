// Benchmark: admission latency as the API server sees it, on a local control plane with the real
// node (the e2e cluster module; or the cluster of PAAS_E2E_KUBECONFIG when set). Three set-ups
// in the same run, each measured at 1 and at 16 concurrent kubectl writers:
//   none      no admission policy at all for Deployments (the baseline)
//   webhook   paas-webhook in-cluster, installed as users install it (webhook-install.ts:
//             kubectl apply -k of manifests/ with the local image), called through its Service
//   policy    a MutatingAdmissionPolicy (admissionregistration.k8s.io/v1, run by the API server
//             itself) doing the static part of the same policy: strategy RollingUpdate 1/0,
//             progressDeadlineSeconds 600, grace >= 30, a 5 s preStop sleep: the floor a
//             webhook is measured against
// Figures: the API server's own histograms from its /metrics (the webhook's
// apiserver_admission_webhook_admission_duration_seconds, the whole mutating step
// apiserver_admission_step_admission_duration_seconds{type="admit"}, and
// apiserver_request_duration_seconds of the PATCH), as p50/p99 interpolated within buckets like
// Prometheus' histogram_quantile; the end-to-end `kubectl apply` wall time; and the webhook pods'
// memory as the kubelet reports it (/stats/summary working set).
// Aim: the webhook adds at most 2 ms at p50 and 10 ms at p99 over none at 16 writers; each pod
// under 150 MB.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { DEFAULT_K8S_VERSION, readState, startCluster, stopCluster, type ClusterState } from '../e2e/cluster/control-plane.js';
import { buildWebhookImage, installWebhook, loadWebhookImage, nodeOf, uninstallWebhook, WebhookNames } from '../e2e/cluster/webhook-install.js';
import { quantile, startApplyStream, type StreamSummary } from '../e2e/lib/apply-stream.js';
import { histogram, histogramDelta, histogramQuantile } from '../e2e/lib/prom-histogram.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** Applies per writer in one measured run (after a warm-up of the same writers). */
const PER_WRITER = Number(process.env.BENCH_APPLIES ?? 40);
const WRITERS = [1, 16] as const;
const NS = `bench-admission-${Date.now().toString(36)}`;
const Setup = { none: 'none', webhook: 'webhook', policy: 'policy' } as const;
type Setup = (typeof Setup)[keyof typeof Setup];

type Exec = { code: number; stdout: string; stderr: string };

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Exec> {
  return new Promise((ok) => {
    const child = execFile(cmd, args, { env, maxBuffer: 256 * 1024 * 1024, timeout: 300_000 }, (err, stdout, stderr) => {
      ok({
        code: err === null ? 0 : typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1,
        stdout: String(stdout),
        stderr: String(stderr),
      });
    });
    child.stdin?.end(input ?? '');
  });
}

const msOf = (seconds: number) => (Number.isNaN(seconds) ? '–' : `${(seconds * 1000).toFixed(1)}`);

/** The static part of the rollout policy, as the API server's own CEL mutation. */
function mutatingPolicy(): object[] {
  const c = 'Object.spec.template.spec.containers';
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicy',
      metadata: { name: 'paas-bench-floor' },
      spec: {
        failurePolicy: 'Fail',
        reinvocationPolicy: 'IfNeeded',
        matchConstraints: {
          resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], operations: ['CREATE', 'UPDATE'] }],
          namespaceSelector: {
            matchExpressions: [
              { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'kube-public', 'kube-node-lease', 'paas-system'] },
            ],
          },
        },
        mutations: [
          {
            patchType: 'ApplyConfiguration',
            applyConfiguration: {
              expression: [
                'Object{spec: Object.spec{',
                '  strategy: Object.spec.strategy{type: "RollingUpdate", rollingUpdate: Object.spec.strategy.rollingUpdate{maxSurge: 1, maxUnavailable: 0}},',
                '  progressDeadlineSeconds: 600,',
                '  template: Object.spec.template{spec: Object.spec.template.spec{',
                '    terminationGracePeriodSeconds: has(object.spec.template.spec.terminationGracePeriodSeconds) && object.spec.template.spec.terminationGracePeriodSeconds > 30 ? object.spec.template.spec.terminationGracePeriodSeconds : 30,',
                `    containers: object.spec.template.spec.containers.filter(c, !has(c.lifecycle) || !has(c.lifecycle.preStop)).map(c, ${c}{name: c.name, lifecycle: ${c}.lifecycle{preStop: ${c}.lifecycle.preStop{sleep: ${c}.lifecycle.preStop.sleep{seconds: 5}}}})`,
                '  }}',
                '}}',
              ].join('\n'),
            },
          },
        ],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicyBinding',
      metadata: { name: 'paas-bench-floor' },
      spec: { policyName: 'paas-bench-floor' },
    },
  ];
}

type Row = { setup: Setup; writers: number; summary: StreamSummary; webhook: [number, number]; step: [number, number]; request: [number, number] };

async function main(): Promise<void> {
  const binDir = resolve(process.env.PAAS_E2E_BIN ?? join(ROOT, '.cache/bin', `k8s-${process.env.K8S_VERSION ?? DEFAULT_K8S_VERSION}`));
  const kubectl = join(binDir, 'kubectl');
  let kubeconfig = process.env.PAAS_E2E_KUBECONFIG;
  let cluster: ClusterState | undefined;
  const runDir = mkdtempSync(join(tmpdir(), 'paas-bench-admission-'));
  const log = (l: string) => process.stderr.write(`bench admission: ${l}\n`);
  let image = '';
  try {
    const built = await buildWebhookImage(log); // before the cluster: minutes on a cold machine
    if (!kubeconfig) {
      cluster = await startCluster({ binDir, runDir, log: (l) => process.stderr.write(`bench cluster: ${l}\n`) });
      kubeconfig = cluster.kubeconfig;
    } else if (!readState(resolve(kubeconfig, '..'))?.node) {
      throw new Error(`${kubeconfig}: no real node recorded beside it (the webhook needs one)`);
    }
    const env = { ...process.env, KUBECONFIG: kubeconfig };
    const k = async (args: string[], input?: string) => {
      const r = await sh(kubectl, args, env, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
      return r.stdout;
    };
    await loadWebhookImage(nodeOf(kubeconfig), built, log);
    image = built.image;
    await k(['create', 'namespace', NS]);
    const metrics = () => k(['get', '--raw', '/metrics']);
    const rows: Row[] = [];
    let memory = '';

    const measure = async (setup: Setup) => {
      for (const writers of WRITERS) {
        const stream = (count: number) =>
          new Promise<StreamSummary>((ok) => {
            const s = startApplyStream({ kubectl, kubeconfig: kubeconfig!, namespace: NS, prefix: `${setup}-${writers}`, writers, rate: 0, maxSeconds: 600 });
            const tick = setInterval(() => {
              if (s.ok() + s.failed().length >= count) {
                clearInterval(tick);
                void s.stop().then(ok);
              }
            }, 20);
          });
        await stream(writers * 3); // warm-up: the CREATEs, kubectl's discovery cache, connections
        const before = await metrics();
        const summary = await stream(writers * PER_WRITER);
        const after = await metrics();
        const q = (metric: string, match: Record<string, string>): [number, number] => {
          const h = histogramDelta(histogram(after, metric, match), histogram(before, metric, match));
          return [histogramQuantile(h, 0.5), histogramQuantile(h, 0.99)];
        };
        rows.push({
          setup,
          writers,
          summary,
          webhook: q('apiserver_admission_webhook_admission_duration_seconds', { name: 'rollout-policy.paas.io', operation: 'UPDATE', type: 'admit' }),
          step: q('apiserver_admission_step_admission_duration_seconds', { operation: 'UPDATE', type: 'admit', rejected: 'false' }),
          request: q('apiserver_request_duration_seconds', { verb: 'PATCH', resource: 'deployments', group: 'apps' }),
        });
        const last = rows.at(-1)!;
        log(
          `${setup} at ${writers} writer(s): ${summary.applies} applies, ${summary.failed} failed, kubectl p50 ${quantile(
            summary.records.map((r) => r.endedAt - r.startedAt),
            0.5,
          )} ms; webhook p50 ${msOf(last.webhook[0])} ms; step p50 ${msOf(last.step[0])} ms`,
        );
        if (summary.failed > 0) throw new Error(`${setup}: ${summary.failed} applies failed: ${summary.messages.map((m) => m.message).join(' | ')}`);
      }
    };

    // 1. No admission policy for Deployments.
    await measure(Setup.none);

    // 2. The webhook in-cluster, as users install it.
    await installWebhook({ kubeconfig, kubectl, image, log });
    await measure(Setup.webhook);
    const summary = JSON.parse(await k(['get', '--raw', '/api/v1/nodes/paas-node/proxy/stats/summary'])) as {
      pods: { podRef: { name: string; namespace: string }; containers?: { name: string; memory?: { workingSetBytes?: number; rssBytes?: number } }[] }[];
    };
    memory = summary.pods
      .filter((p) => p.podRef.namespace === WebhookNames.namespace)
      .map((p) => {
        const m = p.containers?.find((c) => c.name === 'webhook')?.memory;
        return `${p.podRef.name}: working set ${((m?.workingSetBytes ?? 0) / 1e6).toFixed(0)} MB, RSS ${((m?.rssBytes ?? 0) / 1e6).toFixed(0)} MB`;
      })
      .join('; ');
    log(`webhook pods' memory (kubelet /stats/summary): ${memory}`);
    await uninstallWebhook({ kubeconfig, kubectl, image });

    // 3. The MutatingAdmissionPolicy floor.
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: mutatingPolicy() }));
    const probe = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'probe', namespace: NS },
      spec: {
        replicas: 0,
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      },
    };
    for (let i = 0; ; i++) {
      const r = JSON.parse(await k(['create', '--dry-run=server', '-o', 'json', '-f', '-'], JSON.stringify(probe))) as {
        spec: { strategy: { rollingUpdate?: { maxSurge?: unknown } }; template: { spec: { containers: { lifecycle?: unknown }[] } } };
      };
      if (r.spec.strategy.rollingUpdate?.maxSurge === 1 && r.spec.template.spec.containers[0]?.lifecycle) break;
      if (i > 100) throw new Error(`the MutatingAdmissionPolicy does not mutate: ${JSON.stringify(r.spec)}`);
      await new Promise((ok) => setTimeout(ok, 200));
    }
    await measure(Setup.policy);
    await k(['delete', 'mutatingadmissionpolicybinding,mutatingadmissionpolicy', 'paas-bench-floor']);

    // Report.
    const e2e = (r: Row): [number, number] => {
      const t = r.summary.records.map((x) => x.endedAt - x.startedAt);
      return [quantile(t, 0.5), quantile(t, 0.99)];
    };
    const out = [
      '',
      `admission latency (${PER_WRITER} applies per writer; ms; p50 / p99; API server histograms interpolated within buckets)`,
      '| set-up | writers | applies/s | kubectl apply | webhook (apiserver) | mutating step (apiserver) | PATCH request (apiserver) |',
      '|---|---|---|---|---|---|---|',
      ...rows.map((r) => {
        const [e50, e99] = e2e(r);
        return `| ${r.setup} | ${r.writers} | ${r.summary.rate.toFixed(1)} | ${e50} / ${e99} | ${msOf(r.webhook[0])} / ${msOf(r.webhook[1])} | ${msOf(r.step[0])} / ${msOf(r.step[1])} | ${msOf(r.request[0])} / ${msOf(r.request[1])} |`;
      }),
      '',
    ];
    for (const w of WRITERS) {
      const none = rows.find((r) => r.setup === Setup.none && r.writers === w)!;
      const hook = rows.find((r) => r.setup === Setup.webhook && r.writers === w)!;
      const floor = rows.find((r) => r.setup === Setup.policy && r.writers === w)!;
      const d = (a: Row, b: Row, i: 0 | 1) => (a.request[i] - b.request[i]) * 1000;
      const de = (a: Row, b: Row, i: 0 | 1) => e2e(a)[i] - e2e(b)[i];
      out.push(
        `${w} writer(s): webhook over none: PATCH +${d(hook, none, 0).toFixed(1)} ms p50, +${d(hook, none, 1).toFixed(1)} ms p99; kubectl apply +${de(hook, none, 0)} / +${de(hook, none, 1)} ms` +
          ` | policy over none: PATCH +${d(floor, none, 0).toFixed(1)} / +${d(floor, none, 1).toFixed(1)} ms; kubectl apply +${de(floor, none, 0)} / +${de(floor, none, 1)} ms`,
      );
    }
    out.push(`webhook pods' memory (kubelet /stats/summary, after the runs): ${memory}`, '');
    process.stdout.write(out.join('\n'));
  } finally {
    if (cluster) await stopCluster(cluster);
    else if (kubeconfig) await sh(kubectl, ['delete', 'namespace', NS, '--ignore-not-found', '--wait=false'], { ...process.env, KUBECONFIG: kubeconfig });
    rmSync(runDir, { recursive: true, force: true });
  }
}

await main();
