// Node drains are disruptions too, observed on the two real nodes: through the webhook (the
// topology spread it adds puts the replicas on both nodes; the PodDisruptionBudget its elected
// replica keeps lets a drain evict one pod at a time), `kubectl drain paas-node-2` loses no
// request, new connections and kept-alive ones alike, for 2 and 3 replicas, during steady load
// and during a rolling update. The control, same app, same load, opted out of the policy (no
// spread, no budget) and placed on paas-node-2 as the scheduler is free to place it: the same
// drain loses requests, and this file must see them. Then what diagnose says of a drain a budget
// of the user's holds, and of a DoNotSchedule spread a drain cannot meet, on the real objects.
//
// Given the webhook (a process, --disruption-budgets, opt-in namespaces) and the test app's
// Deployment as a user writes it, placed on either real node (`paas.io/node=real`), when
// paas-node-2 is drained while a bounded load crosses the app's ClusterIP Service from inside the
// first node's namespace, then no request fails and the ready endpoints never drop below the
// replicas less one. The node is uncordoned after every test, whatever happens.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NodeSpecs, RealNode } from './cluster/node.js';
import { apply, binDir, getJson, kubeClient, kubeconfig, kubectl, kubectlOk, listJson, newNamespace, waitFor } from './lib/cluster.js';
import { ownClusterForThisFile } from './lib/locks.js';
import {
  appDeployment,
  E2E_REQUEST_TIMEOUT_S,
  appService,
  drainUnderLoad,
  onRealNodes,
  serviceUrl,
  TestImage,
  type DrainUnderLoadResult,
} from './lib/real-node.js';
import { startWebhook, type WebhookProcess } from './lib/webhook-process.js';

// Draining a node disturbs every pod on it: no other file runs beside this one (lib/locks.ts).
ownClusterForThisFile();

type Obj = Record<string, any>;
const ROOT = resolve(import.meta.dirname, '../..');
const PLUGIN = join(ROOT, 'dist/bin/kubectl-paas.js');
const DRAINED = NodeSpecs[1].name; // paas-node-2
// paas-node (RealNode), where the load runs: its namespace reaches every ClusterIP, and it stays.
const KEPT = RealNode.name;
const SCOPE = { key: 'e2e.paas.io/drain', value: `run-${process.pid}` };
const RATE = 100; // per load; two loads (new connections, keep-alive)
const LOADS = ['new', 'keepalive'] as const;
const DRAIN_TIMEOUT_S = 180;

let webhook: WebhookProcess;
let ns: string;

beforeAll(async () => {
  // The webhook's Lease lives in a namespace of its own (its own namespace is never covered).
  const leaseNs = await newNamespace('drain-lease');
  ns = await newNamespace('drain', { [SCOPE.key]: SCOPE.value, 'paas.io/mode': 'enforce' });
  webhook = await startWebhook({
    kubeconfig: kubeconfig(),
    kubectl: join(binDir(), 'kubectl'),
    scope: SCOPE,
    name: `paas-e2e-drain-${process.pid}`,
    // opt-in: the budgets are kept in this file's namespace only (it is labelled paas.io/mode=enforce).
    configToml: '[webhook]\nnamespaces = "opt-in"\n',
    args: ['--disruption-budgets', '--secret-namespace', leaseNs, '--lease-name', 'paas-e2e-drain', '--identity', `e2e-drain-${process.pid}`],
  });
}, 120_000);

afterAll(async () => {
  await kubectl(['uncordon', DRAINED], { timeoutMs: 30_000 });
  await webhook?.stop();
});

// Whatever a test did, the node takes pods again before the next one (and the next file).
afterEach(async () => {
  const r = await kubectl(['uncordon', DRAINED], { timeoutMs: 30_000 });
  expect(r.code, r.stderr).toBe(0);
});

/** `kubectl drain` of the second node, bounded by its own --timeout and by the process's. */
function drainNode(timeoutS = DRAIN_TIMEOUT_S) {
  return () => kubectl(['drain', DRAINED, '--ignore-daemonsets', '--delete-emptydir-data', `--timeout=${timeoutS}s`], { timeoutMs: (timeoutS + 20) * 1000 });
}

const listApp = async (name: string): Promise<Obj[]> =>
  (JSON.parse(await kubectlOk(['get', 'deployments,replicasets,pods', '-n', ns, '-l', `app=${name}`, '-o', 'json'])) as { items: Obj[] }).items;

/** Every replica updated, available and Ready, none left on the drained node, none terminating. */
async function runsAwayFromDrained(name: string): Promise<boolean> {
  const items = await listApp(name);
  const d = items.find((o) => o.kind === 'Deployment');
  const pods = items.filter((o) => o.kind === 'Pod');
  const want = d?.spec?.replicas ?? 0;
  const s = d?.status ?? {};
  if ((s.observedGeneration ?? 0) < (d?.metadata?.generation ?? 1)) return false;
  if (s.updatedReplicas !== want || s.availableReplicas !== want || s.replicas !== want) return false;
  return pods.length === want && pods.every((p) => !p.metadata.deletionTimestamp && p.spec.nodeName !== DRAINED);
}

/** The app's Deployment and Service, rolled out; the URL of the Service. */
async function deploy(name: string, replicas: number, o: { optOut?: boolean; podSpec?: Obj } = {}): Promise<string> {
  await apply(appDeployment(name, { replicas, optOut: o.optOut ?? false, podSpec: o.podSpec ?? onRealNodes() }), ns);
  await apply(appService(name), ns);
  await kubectlOk(['rollout', 'status', `deployment/${name}`, '-n', ns, '--timeout=150s'], { timeoutMs: 160_000 });
  return serviceUrl(await getJson('service', name, ns));
}

/** The nodes the app's pods run on, by node. */
async function placement(name: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of await listJson('pods', ns, `app=${name}`)) out[p.spec.nodeName] = (out[p.spec.nodeName] ?? 0) + 1;
  return out;
}

/** The budget the webhook keeps beside `name`, once it is there. */
function budgetOf(name: string): Promise<Obj> {
  return waitFor(
    async () => {
      const r = await kubectl(['get', 'pdb', `${name}-paas`, '-n', ns, '-o', 'json']);
      return r.code === 0 ? (JSON.parse(r.stdout) as Obj) : undefined;
    },
    { timeoutMs: 60_000, what: `the PodDisruptionBudget the webhook keeps beside ${name}` },
  );
}

async function remove(name: string): Promise<void> {
  await kubectl(['delete', 'deployment,service', name, '-n', ns, '--wait=true', '--timeout=90s'], { timeoutMs: 100_000 });
  await waitFor(async () => (await listJson('pods', ns, `app=${name}`)).length === 0, { timeoutMs: 90_000, what: `the pods of ${name} gone` });
}

const describeRun = (r: DrainUnderLoadResult) =>
  `${r.loads.map((l) => `${l.kind} ${l.summary.failed}/${l.summary.requests} failed ${JSON.stringify(l.summary.errors)}`).join('; ')}; ` +
  `drain exit ${r.drain.code} in ${r.drain.durationMs} ms; recovered after ${r.recoveredMs ?? '-'} ms; ready endpoints ${r.endpoints?.min}..${r.endpoints?.max}`;

describe('through the webhook, draining a node drops no request', () => {
  it.each([2, 3])('%i replicas spread across both nodes: kubectl drain during steady load, new and kept-alive connections', async (replicas) => {
    const name = `steady-${replicas}`;
    const url = await deploy(name, replicas);
    const stored = await getJson('deployment', name, ns);
    // The policy's spread and budget, as the webhook and its reconciler wrote them.
    expect(stored.spec.template.spec.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { app: name } },
        matchLabelKeys: ['pod-template-hash'],
      },
    ]);
    expect((await budgetOf(name)).spec).toEqual({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { app: name } } });
    const before = await placement(name);
    expect(Object.keys(before).sort(), JSON.stringify(before)).toEqual([KEPT, DRAINED].sort());

    const r = await drainUnderLoad({
      kc: kubeClient(),
      namespace: ns,
      url,
      drain: drainNode(),
      recovered: () => runsAwayFromDrained(name),
      rate: RATE,
      loads: LOADS,
      timeoutMs: 240_000,
      requestTimeoutS: E2E_REQUEST_TIMEOUT_S,
      serviceForEndpoints: name,
    });
    expect(r.drain.code, `${r.drain.stderr}\n${describeRun(r)}`).toBe(0);
    expect(r.recoveredMs, describeRun(r)).toBeDefined();
    for (const l of r.loads) {
      expect(l.summary.requests, describeRun(r)).toBeGreaterThan(RATE * 5);
      expect(l.summary.failed, describeRun(r)).toBe(0);
    }
    // The budget let one pod go at a time: capacity never fell by more than one.
    expect(r.endpoints?.min, describeRun(r)).toBeGreaterThanOrEqual(replicas - 1);
    expect(Object.keys(await placement(name))).toEqual([KEPT]);
    await remove(name);
  });

  it('3 replicas: kubectl drain during a rolling update (a new image), new and kept-alive connections', async () => {
    const name = 'rolling-3';
    const url = await deploy(name, 3);
    await budgetOf(name);
    const r = await drainUnderLoad({
      kc: kubeClient(),
      namespace: ns,
      url,
      drain: drainNode(),
      alongside: () =>
        kubectlOk([
          'patch',
          'deployment',
          name,
          '-n',
          ns,
          '--type',
          'strategic',
          '-p',
          JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'app', image: TestImage.app2 }] } } } }),
        ]).then(() => undefined),
      recovered: async () =>
        (await runsAwayFromDrained(name)) && (await listApp(name)).filter((o) => o.kind === 'Pod').every((p) => p.spec.containers[0].image === TestImage.app2),
      rate: RATE,
      loads: LOADS,
      timeoutMs: 300_000,
      requestTimeoutS: E2E_REQUEST_TIMEOUT_S,
      serviceForEndpoints: name,
    });
    expect(r.drain.code, `${r.drain.stderr}\n${describeRun(r)}`).toBe(0);
    expect(r.recoveredMs, describeRun(r)).toBeDefined();
    const versions = r.loads.flatMap((l) => Object.keys(l.summary.byVersion));
    expect(new Set(versions).size, `traffic moved between versions: ${describeRun(r)}`).toBeGreaterThan(1);
    for (const l of r.loads) expect(l.summary.failed, describeRun(r)).toBe(0);
    expect(r.endpoints?.min, describeRun(r)).toBeGreaterThanOrEqual(2);
    await remove(name);
  });
});

describe('the control: the same app and manifest opted out of the policy', () => {
  it('no spread, no budget, its pods on paas-node-2 (as the scheduler is free to place them): the same drain loses requests', async () => {
    const name = 'control-2';
    // Opted out: the webhook changes nothing and its reconciler keeps no budget. Nothing pins the
    // pods: the first node is cordoned only while they are created, so all of them land on the
    // second (as the scheduler may place them), and their replacements are free to run on the first.
    await kubectlOk(['cordon', KEPT]);
    let url: string;
    try {
      url = await deploy(name, 2, { optOut: true });
    } finally {
      await kubectlOk(['uncordon', KEPT]);
    }
    const stored = await getJson('deployment', name, ns);
    expect(stored.spec.template.spec.topologySpreadConstraints).toBeUndefined();
    expect(await placement(name)).toEqual({ [DRAINED]: 2 });
    expect((await kubectl(['get', 'pdb', '-n', ns, '-o', 'name'])).stdout).not.toContain(`${name}-paas`);

    const r = await drainUnderLoad({
      kc: kubeClient(),
      namespace: ns,
      url,
      drain: drainNode(),
      recovered: () => runsAwayFromDrained(name),
      untilEveryLoadFails: true,
      rate: RATE,
      loads: LOADS,
      timeoutMs: 120_000,
      requestTimeoutS: E2E_REQUEST_TIMEOUT_S,
      serviceForEndpoints: name,
    });
    expect(r.drain.code, r.drain.stderr).toBe(0);
    const failed = r.loads.reduce((n, l) => n + l.summary.failed, 0);
    expect(failed, describeRun(r)).toBeGreaterThan(0);
    // Nothing served while the node was drained: the endpoint watch saw none ready.
    expect(r.endpoints?.min, describeRun(r)).toBe(0);
    await remove(name);
  });
});

/** `kubectl paas diagnose NAME -o json` through the built plugin, with the admin kubeconfig. */
function diagnose(name: string): Promise<{ code: number; doc: Obj }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [PLUGIN, 'diagnose', name, '-n', ns, '-o', 'json'],
      { env: { ...process.env, KUBECONFIG: kubeconfig() }, timeout: 60_000, killSignal: 'SIGKILL' },
      (err, stdout) => done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, doc: JSON.parse(String(stdout) || '{}') as Obj }),
    );
  });
}

describe('diagnose, on what drains and spreads break', () => {
  it("DrainBlocked: a budget of the user's (minAvailable 2 of 2) holds the drain; diagnose names it, its figures and the pod it keeps", async () => {
    const name = 'held';
    await deploy(name, 2);
    await apply(
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'held-pdb' },
        spec: { minAvailable: 2, selector: { matchLabels: { app: name } } },
      },
      ns,
    );
    // A budget of the user's selects the pods: the webhook keeps none of its own.
    await waitFor(async () => (await kubectl(['get', 'pdb', `${name}-paas`, '-n', ns])).code !== 0, {
      timeoutMs: 60_000,
      what: 'no budget of ours beside held',
    });
    await waitFor(async () => (await getJson('pdb', 'held-pdb', ns)).status?.expectedPods === 2, {
      timeoutMs: 60_000,
      what: 'the disruption controller to count held-pdb',
    });
    const onDrained = (await listJson('pods', ns, `app=${name}`)).filter((p) => p.spec.nodeName === DRAINED).map((p) => p.metadata.name as string);
    expect(onDrained).toHaveLength(1);

    const drain = await drainNode(20)();
    expect(drain.code, drain.stdout + drain.stderr).not.toBe(0);
    expect(drain.stderr).toContain('disruption budget');
    const { code, doc } = await diagnose(name);
    const f = (doc.findings as Obj[]).find((x) => x.code === 'DrainBlocked');
    expect(f, JSON.stringify(doc.findings)).toBeDefined();
    expect(f!.details).toMatchObject({ nodes: [DRAINED], budget: 'held-pdb', ours: false, disruptionsAllowed: 0, minAvailable: 2, protectedPods: onDrained });
    expect(code).toBe(0); // rolled out: healthy, with the warning
    await kubectl(['delete', 'pdb', 'held-pdb', '-n', ns]);
    await remove(name);
  });

  it('TopologySpreadUnsatisfiable: a DoNotSchedule spread of its own, the node of one pod drained: the replacement waits, and diagnose names the constraint and the skew', async () => {
    const name = 'rigid';
    const spread = { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: name } } };
    await deploy(name, 2, { podSpec: { ...onRealNodes(), topologySpreadConstraints: [spread] } });
    // The policy keeps a spread of the user's as it is.
    expect((await getJson('deployment', name, ns)).spec.template.spec.topologySpreadConstraints).toEqual([spread]);
    expect(await placement(name)).toEqual({ [KEPT]: 1, [DRAINED]: 1 });
    await budgetOf(name);

    const drain = await drainNode()();
    expect(drain.code, drain.stderr).toBe(0);
    await waitFor(
      async () =>
        (await listJson('pods', ns, `app=${name}`)).some((p) =>
          (p.status?.conditions ?? []).some((c: Obj) => c.type === 'PodScheduled' && c.status === 'False' && /topology spread/.test(c.message ?? '')),
        ),
      { timeoutMs: 60_000, what: 'the replacement pod held back by the spread' },
    );
    const { code, doc } = await diagnose(name);
    expect(code).toBe(1);
    const f = doc.findings[0] as Obj;
    expect(f.code).toBe('TopologySpreadUnsatisfiable');
    expect(f.details).toMatchObject({
      constraint: { topologyKey: 'kubernetes.io/hostname', maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Ignore' },
      domains: [
        { domain: KEPT, pods: 1, schedulable: true },
        { domain: DRAINED, pods: 0, schedulable: false },
      ],
      skewIfPlaced: 2,
    });
    expect(f.details.reasons).toContainEqual(expect.objectContaining({ kind: 'topology-spread' }));
    await remove(name);
  });
});
