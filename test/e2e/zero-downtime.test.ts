// The promise, observed on the real node: a rolling update through the webhook, of one replica
// or of three, drops no request, rollout after rollout (a new image, a new env, `kubectl rollout
// undo`), whether clients open a new connection per request or keep connections alive. The
// control, same app, same manifest, same load, with the policy opted out, must lose requests:
// a zero that could not fail would prove nothing.
//
// Given the webhook in front of the apiserver and the test app's Deployment as a user writes it
// (no strategy, no probe, no preStop), when it rolls while a bounded load crosses its ClusterIP
// Service from inside the node's namespace, then no request fails and the ready endpoints never
// drop below the desired count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appDeployment,
  E2E_REQUEST_TIMEOUT_S,
  appService,
  rolloutUnderLoad,
  sampleReadyEndpoints,
  serviceUrl,
  TestImage,
  type RolloutUnderLoadResult,
} from './lib/real-node.js';
import { apply, binDir, getJson, kubeClient, kubeconfig, kubectlOk, listJson, newNamespace, waitFor } from './lib/cluster.js';
import { startWebhook, type WebhookProcess } from './lib/webhook-process.js';
import { join } from 'node:path';

type Obj = Record<string, any>;
const SCOPE = { key: 'e2e.paas.io/zero-downtime', value: `run-${process.pid}` };
const RATE = 100; // per load; two loads (new connections, keep-alive): 200 requests/s in all
const LOADS = ['new', 'keepalive'] as const;

let webhook: WebhookProcess;
let ns: string;

beforeAll(async () => {
  webhook = await startWebhook({ kubeconfig: kubeconfig(), kubectl: join(binDir(), 'kubectl'), scope: SCOPE, name: `paas-e2e-zero-downtime-${process.pid}` });
  ns = await newNamespace('zero-downtime', { [SCOPE.key]: SCOPE.value });
});
afterAll(async () => {
  await webhook?.stop();
});

const listApp = (name: string) => async () =>
  (JSON.parse(await kubectlOk(['get', 'deployments,replicasets,pods', '-n', ns, '-l', `app=${name}`, '-o', 'json'])) as { items: Obj[] }).items;

/** Three rollouts in a row: a new image, a new env value, then `kubectl rollout undo`. */
function triggers(name: string): { what: string; run: () => Promise<void> }[] {
  const patch = (p: Obj) => kubectlOk(['patch', 'deployment', name, '-n', ns, '--type', 'strategic', '-p', JSON.stringify(p)]).then(() => {});
  return [
    { what: 'a new image', run: () => patch({ spec: { template: { spec: { containers: [{ name: 'app', image: TestImage.app2 }] } } } }) },
    { what: 'a new env value', run: () => patch({ spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'VERSION', value: 'v3' }] }] } } } }) },
    { what: 'kubectl rollout undo', run: () => kubectlOk(['rollout', 'undo', `deployment/${name}`, '-n', ns]).then(() => {}) },
  ];
}

async function deploy(name: string, replicas: number, optOut: boolean): Promise<string> {
  await apply(appDeployment(name, { replicas, optOut }), ns);
  await apply(appService(name), ns);
  await kubectlOk(['rollout', 'status', `deployment/${name}`, '-n', ns, '--timeout=120s'], { timeoutMs: 130_000 });
  return serviceUrl(await getJson('service', name, ns));
}

async function rollThreeTimes(name: string, replicas: number, url: string): Promise<(RolloutUnderLoadResult & { what: string })[]> {
  const results = [];
  for (const t of triggers(name)) {
    const r = await rolloutUnderLoad({
      kc: kubeClient(),
      listApp: listApp(name),
      namespace: ns,
      name,
      url,
      trigger: t.run,
      rate: RATE,
      loads: LOADS,
      timeoutMs: 150_000,
      requestTimeoutS: E2E_REQUEST_TIMEOUT_S,
      serviceForEndpoints: name,
    });
    results.push({ ...r, what: t.what });
  }
  return results;
}

const describeResult = (r: RolloutUnderLoadResult & { what: string }) =>
  `${r.what}: ${r.loads.map((l) => `${l.kind} ${l.summary.failed}/${l.summary.requests} failed ${JSON.stringify(l.summary.errors)}`).join('; ')}; ${r.durationMs} ms; ready endpoints ${r.endpoints?.min}..${r.endpoints?.max}`;

describe('through the webhook, a rolling update drops no request', () => {
  it.each([1, 3])('%i replica(s), three rollouts in a row (image, env, rollout undo), new and keep-alive connections', async (replicas) => {
    const name = `promise-${replicas}`;
    const url = await deploy(name, replicas, false);
    const stored = await getJson('deployment', name, ns);
    // The webhook made this plain manifest obey the policy.
    expect(stored.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(stored.spec.template.spec.containers[0].readinessProbe.httpGet.port).toBe('http');

    const results = await rollThreeTimes(name, replicas, url);
    for (const r of results) {
      const versions = r.loads.flatMap((l) => Object.keys(l.summary.byVersion));
      expect(new Set(versions).size, `traffic moved between versions during ${describeResult(r)}`).toBeGreaterThan(1);
      for (const l of r.loads) {
        expect(l.summary.requests, describeResult(r)).toBeGreaterThan(RATE * 5);
        expect(l.summary.failed, describeResult(r)).toBe(0);
      }
      // maxUnavailable 0 with a readiness probe: capacity never dips below the desired count.
      expect(r.endpoints?.min, describeResult(r)).toBeGreaterThanOrEqual(replicas);
    }
  });

  it('the endpoint watch does see capacity dip when a pod is deleted by hand (the control of the capacity check)', async () => {
    const name = 'promise-3';
    const sampler = await sampleReadyEndpoints(kubeClient(), ns, name);
    const [pod] = await listJson('pods', ns, `app=${name}`);
    await kubectlOk(['delete', 'pod', pod?.metadata.name, '-n', ns, '--wait=false']);
    // The replacement becomes ready only after its probe passes; the dip lasts at least that long.
    await waitFor(async () => (await getJson('deployment', name, ns)).status.readyReplicas === 3 && (await listJson('pods', ns, `app=${name}`)).length === 3, {
      what: 'the replacement pod to be ready and the deleted one gone',
      timeoutMs: 90_000,
    });
    const seen = sampler.stop();
    expect(seen.min, JSON.stringify(seen.timeline)).toBeLessThan(3);
  });
});

describe('the control: the same app and manifest with the policy opted out', () => {
  it('loses requests during the same three rollouts (the load can see failures)', async () => {
    const name = 'control-1';
    const url = await deploy(name, 1, true);
    const stored = await getJson('deployment', name, ns);
    // The API's defaults, untouched by the webhook.
    expect(stored.spec.strategy.rollingUpdate).toEqual({ maxSurge: '25%', maxUnavailable: '25%' });
    expect(stored.spec.template.spec.containers[0].readinessProbe).toBeUndefined();

    const results = await rollThreeTimes(name, 1, url);
    const failed = results.flatMap((r) => r.loads).reduce((n, l) => n + l.summary.failed, 0);
    expect(failed, results.map(describeResult).join('\n')).toBeGreaterThan(0);
  });
});
