// What the cluster benches read of the installed webhook and of a Deployment: the webhook's
// running pods, their cgroups and their own metrics (through the API server's pod proxy), and the
// wait until a Deployment's controller has observed its last spec. Shared by admission.bench.ts,
// admission-retries.bench.ts and admission-logging.bench.ts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NodeSpecs } from '../../e2e/cluster/node.js';
import { WebhookNames } from '../../e2e/cluster/webhook-install.js';
import { counterSum, podCgroupDir } from './admission-stats.js';
import type { ApiClient } from './api-writer.js';
import { deploymentsPath } from './bench-deployment.js';

const CPUACCT = '/sys/fs/cgroup/cpuacct';
const MEMORY = '/sys/fs/cgroup/memory';

/** The list of the webhook's pods, every one (terminating ones too), at the API server. */
export const WEBHOOK_PODS = `/api/v1/namespaces/${WebhookNames.namespace}/pods?labelSelector=${encodeURIComponent(WebhookNames.podSelector)}`;

/** A running webhook pod, as the benches read it. */
export interface RunningWebhookPod {
  name: string;
  uid: string;
  nodeName: string;
  qosClass: string;
  metricsPort: number;
}

/** The webhook's pods that run now (not being deleted), each with its metrics port. */
export async function runningWebhookPods(api: ApiClient): Promise<RunningWebhookPod[]> {
  const list = await api.json<{ items: any[] }>('GET', WEBHOOK_PODS);
  return list.items
    .filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp)
    .map((p) => {
      const port = (p.spec.containers[0].ports as { name?: string; containerPort: number }[]).find((x) => x.name === 'metrics');
      if (!port) throw new Error(`webhook pod ${p.metadata.name} has no metrics port`);
      return { name: p.metadata.name, uid: p.metadata.uid, nodeName: p.spec.nodeName, qosClass: p.status.qosClass, metricsPort: port.containerPort };
    });
}

/** A webhook pod's Prometheus text, through the API server's pod proxy. */
export async function webhookMetrics(api: ApiClient, pod: { name: string; metricsPort: number }): Promise<string> {
  const r = await api.send('GET', `/api/v1/namespaces/${WebhookNames.namespace}/pods/${pod.name}:${pod.metricsPort}/proxy/metrics`);
  if (r.status !== 200) throw new Error(`the metrics of ${pod.name}: ${r.status} ${r.body.slice(0, 200)}`);
  return r.body;
}

/** The admissions some pods have counted so far (each one's paas_webhook_admissions_total). */
export async function podsAdmissions(api: ApiClient, pods: readonly { name: string; metricsPort: number }[]): Promise<number> {
  let sum = 0;
  for (const p of pods) sum += counterSum(await webhookMetrics(api, p), 'paas_webhook_admissions_total');
  return sum;
}

/** The Deployment's resourceVersion once its controller has observed its last spec
 * (status.observedGeneration = metadata.generation), polled every `pollMs`, bounded: 30 s. */
export async function observedVersion(api: ApiClient, ns: string, name: string, pollMs = 50): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const d = await api.json<any>('GET', deploymentsPath(ns, name));
    if (d.status?.observedGeneration === d.metadata.generation) return d.metadata.resourceVersion as string;
    if (Date.now() > deadline) throw new Error(`${ns}/${name}: the Deployment controller did not observe generation ${d.metadata.generation} in 30 s`);
    await new Promise((ok) => setTimeout(ok, pollMs));
  }
}

/** The webhook's pods: where their CPU and memory are counted, and where their metrics are read. */
export interface WebhookPod {
  name: string;
  cgroup: string;
  memory: string;
  metricsPort: number;
}

/** The webhook's pods on the real node, each with its cgroup (checked to exist) and metrics port. */
export async function webhookPodCgroups(api: ApiClient): Promise<WebhookPod[]> {
  const pods = await runningWebhookPods(api);
  if (pods.length === 0) throw new Error('no running webhook pod');
  return pods.map((p) => {
    const node = NodeSpecs.find((n) => n.name === p.nodeName);
    if (!node) throw new Error(`webhook pod ${p.name} runs on ${p.nodeName}, not a real node`);
    const cgroup = podCgroupDir(CPUACCT, node.cgroupRoot, p.qosClass, p.uid);
    const memory = podCgroupDir(MEMORY, node.cgroupRoot, p.qosClass, p.uid);
    for (const f of [join(cgroup, 'cpuacct.usage'), join(memory, 'memory.stat')]) {
      if (!existsSync(f)) throw new Error(`webhook pod ${p.name}: no ${f}`);
    }
    return { name: p.name, cgroup, memory, metricsPort: p.metricsPort };
  });
}
