// docs/sigterm.md's three example servers (docs/examples/sigterm/), proven on the real node as the
// page claims: each rolled out through the webhook, 2 replicas, while the naive kept-alive client
// (reuses without checking, never retries: the one the policy alone cannot protect) and the
// checking one cross the Service, and no request fails. The control is the Node example with
// its drain off (DRAIN_SECONDS=0: it closes its idle kept-alive connections at once, without a
// word, as most servers' shutdown does): the naive client loses requests.
//
// The images: Go, the example binary built as written into the test app's image (build-node.sh,
// `/sigterm-example`); Node, the webhook's own image (webhook-image.sh: it has node), running
// the file from a ConfigMap; Python, Debian's Python 3.11 and uvicorn 0.17.6 packed by
// python-image.sh, running the file from the same ConfigMap.
//
// Expected on 2 cores, the images built (make test builds the webhook's; the Python one takes
// ~15 s the first time): the four Deployments roll out together (~15 s), then one rollout each
// at 100 requests/s per client: ~25 s for each example (two surge steps: the probe's 5 s
// initial delay, the preStop's 5 s, the 3 s drain), ~20 s for the control: about 2 minutes.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebhookImage, loadImage, nodeOf } from './cluster/webhook-install.js';
import { buildPythonImage } from './cluster/python-image.js';
import { appDeployment, appService, LoadClient, serviceUrl, TestImage, type LoadSummary, type RolloutUnderLoadResult } from './lib/real-node.js';
import { apply, binDir, getJson, kubeconfig, kubectlOk, newNamespace } from './lib/cluster.js';
import { rollEnvUnderLoad } from './lib/roll-env.js';
import { startWebhook, type WebhookProcess } from './lib/webhook-process.js';

type Obj = Record<string, any>;
const EXAMPLES = resolve(import.meta.dirname, '../../docs/examples/sigterm');
const SCOPE = { key: 'e2e.paas.io/sigterm-examples', value: `run-${process.pid}` };
const RATE = 100; // per client
const REPLICAS = 2;
const DRAIN_SECONDS = 3;
const CLIENTS = [LoadClient.naive, LoadClient.checking] as const;
const CONFIG_MAP = 'sigterm-examples';

/** How each example runs: the image and the command; the example's file comes from the ConfigMap at /example. */
type Example = { image: () => string; command: string[]; drain: number };

let webhook: WebhookProcess;
let ns: string;
let images: { node: string; python: string };
const urls: Record<string, string> = {};

const EXAMPLE_RUNS: Record<string, Example> = {
  go: { image: () => TestImage.app, command: ['/sigterm-example'], drain: DRAIN_SECONDS },
  node: { image: () => images.node, command: ['node', '/example/server.mjs'], drain: DRAIN_SECONDS },
  python: { image: () => images.python, command: ['/usr/bin/python3', '/example/app.py'], drain: DRAIN_SECONDS },
  // The control: the Node example, its drain off.
  'node-no-drain': { image: () => images.node, command: ['node', '/example/server.mjs'], drain: 0 },
};

/** The example's Deployment as a user writes it (no probe, no preStop: the policy adds them). */
function exampleDeployment(name: string, e: Example): Obj {
  return appDeployment(name, {
    replicas: REPLICAS,
    image: e.image(),
    env: { PORT: '8080', DRAIN_SECONDS: String(e.drain) },
    podSpec: { volumes: [{ name: 'example', configMap: { name: CONFIG_MAP } }] },
    container: { command: e.command, args: [], volumeMounts: [{ name: 'example', mountPath: '/example', readOnly: true }] },
  });
}

beforeAll(async () => {
  const node = nodeOf(kubeconfig());
  const [webhookImage, pythonImage] = await Promise.all([buildWebhookImage((l) => console.log(l)), buildPythonImage((l) => console.log(l))]);
  await loadImage(node, webhookImage, (l) => console.log(l));
  await loadImage(node, pythonImage, (l) => console.log(l));
  images = { node: webhookImage.image, python: pythonImage.image };

  webhook = await startWebhook({
    kubeconfig: kubeconfig(),
    kubectl: join(binDir(), 'kubectl'),
    scope: SCOPE,
    name: `paas-e2e-sigterm-examples-${process.pid}`,
  });
  ns = await newNamespace('sigterm-examples', { [SCOPE.key]: SCOPE.value });
  await apply(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: CONFIG_MAP },
      data: { 'server.mjs': readFileSync(join(EXAMPLES, 'server.mjs'), 'utf8'), 'app.py': readFileSync(join(EXAMPLES, 'app.py'), 'utf8') },
    },
    ns,
  );
  await Promise.all(
    Object.entries(EXAMPLE_RUNS).map(async ([name, e]) => {
      await apply(exampleDeployment(name, e), ns);
      await apply(appService(name), ns);
      await kubectlOk(['rollout', 'status', `deployment/${name}`, '-n', ns, '--timeout=120s'], { timeoutMs: 130_000 });
      urls[name] = serviceUrl(await getJson('service', name, ns));
    }),
  );
}, 600_000);
afterAll(async () => {
  await webhook?.stop();
});

async function roll(name: string): Promise<RolloutUnderLoadResult> {
  return rollEnvUnderLoad({ namespace: ns, name, url: urls[name]!, rate: RATE, clients: CLIENTS });
}

const byClient = (r: RolloutUnderLoadResult): Record<string, LoadSummary> => Object.fromEntries(r.loads.map((l) => [l.kind, l.summary]));
const describeResult = (r: RolloutUnderLoadResult) =>
  `rollout ${r.durationMs} ms; ` +
  r.loads
    .map(
      (l) =>
        `${l.kind}: ${l.summary.failed}/${l.summary.requests} failed ${JSON.stringify(l.summary.errors)} connections ${JSON.stringify(l.summary.connections)}`,
    )
    .join('; ');

describe('each example of docs/sigterm.md, rolled through the webhook: kept-alive clients lose nothing', () => {
  it.each(['go', 'node', 'python'])('%s', async (name) => {
    const stored = await getJson('deployment', name, ns);
    expect(stored.spec.template.spec.containers[0].readinessProbe, 'the policy applies').toBeDefined();
    const r = await roll(name);
    const c = byClient(r);
    for (const kind of CLIENTS) {
      expect(c[kind]!.requests, describeResult(r)).toBeGreaterThan(RATE * 5);
      expect(c[kind]!.failed, `${kind}: ${describeResult(r)}`).toBe(0);
    }
    // The announcement was heard: the naive client left the old pods' connections when told to.
    expect(c.naive!.connections.announced, describeResult(r)).toBeGreaterThan(0);
  });
});

describe('the control: the Node example with its drain off', () => {
  it('closes its idle kept-alive connections at once, without a word: the naive client loses requests on them', async () => {
    const r = await roll('node-no-drain');
    const c = byClient(r);
    expect(c.naive!.failed, describeResult(r)).toBeGreaterThan(0);
    expect(
      Object.keys(c.naive!.errors).filter((e) => !e.endsWith(' on a reused connection')),
      describeResult(r),
    ).toEqual([]);
  });
});
