// The local control plane itself: a real kube-apiserver, kube-controller-manager and
// kube-scheduler with kwok nodes, behaving as the webhook and the plugin expect.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Watch } from '@kubernetes/client-node';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apply,
  binDir,
  getJson,
  kubeClient,
  kubectl,
  kubectlOk,
  listJson,
  MissingConfigMap,
  newNamespace,
  Scenario,
  ScenarioLabel,
  waitFor,
} from './lib/cluster.js';
import { parseConfigMessage, parseProbeMessage } from '../../plugin/diagnose/messages.js';
import { parsePullError, pullFailureOf } from '../../plugin/kube/image-pull.js';
import { DEFAULT_K8S_VERSION } from './cluster/control-plane.js';
import { NodeSpecs, RealNode } from './cluster/node.js';

/** The real kubelet nodes the e2e cluster runs (both, unless PAAS_E2E_REAL_NODES says 1). */
const REAL_NODES = NodeSpecs.slice(0, Number(process.env.PAAS_E2E_REAL_NODES ?? NodeSpecs.length)).map((n) => n.name);
import { appDeployment } from './lib/real-node.js';

type Obj = Record<string, any>;

function deployment(name: string, opts: { replicas?: number; labels?: Record<string, string>; image?: string; extra?: Obj } = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: opts.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...opts.labels } },
        spec: { containers: [{ name: 'app', image: opts.image ?? 'registry.example/shop/web:1.0' }] },
      },
      ...opts.extra,
    },
  };
}

async function rolloutStatus(ns: string, name: string): Promise<void> {
  await kubectlOk(['rollout', 'status', `deployment/${name}`, '-n', ns, '--timeout=90s'], { timeoutMs: 100_000 });
}

async function eventsOf(ns: string, pod: string): Promise<Obj[]> {
  return listJson('events', ns).then((items) => items.filter((e) => e.involvedObject?.name === pod));
}

async function onePod(ns: string, app: string): Promise<Obj> {
  return waitFor(async () => (await listJson('pods', ns, `app=${app}`))[0], { what: `a pod of ${app}` });
}

describe('the control plane', () => {
  it('reports /readyz healthy', async () => {
    const r = await kubectl(['get', '--raw', '/readyz?verbose']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('readyz check passed');
  });

  it('serves the pinned Kubernetes release', async () => {
    const version = JSON.parse(await kubectlOk(['get', '--raw', '/version']));
    expect(version.gitVersion).toBe(process.env.K8S_VERSION ?? DEFAULT_K8S_VERSION);
    expect(binDir()).toContain(version.gitVersion);
  });

  it('has three schedulable kwok nodes with 4 CPU, 8Gi and 110 pods each', async () => {
    const nodes = await listJson('nodes', undefined, 'type=kwok');
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(['kwok-node-1', 'kwok-node-2', 'kwok-node-3']);
    for (const n of nodes) {
      expect(n.status.allocatable).toMatchObject({ cpu: '4', memory: '8Gi', pods: '110' });
      expect(n.spec.taints ?? []).toEqual([]);
      expect(n.status.conditions.find((c: Obj) => c.type === 'Ready').status).toBe('True');
    }
  });

  it('keeps the nodes Ready: kwok holds and renews a Lease for each, as kubelets do', async () => {
    const leases = await listJson('leases', 'kube-node-lease');
    expect(leases.map((l) => l.metadata.name).sort()).toEqual(['kwok-node-1', 'kwok-node-2', 'kwok-node-3', ...REAL_NODES]);
    const kwoks = leases.filter((x) => !REAL_NODES.includes(x.metadata.name));
    for (const l of kwoks) {
      expect(l.spec.holderIdentity).toBeTruthy();
      expect(l.spec.leaseDurationSeconds).toBe(40);
    }
    // Renewed, as an order of events: each renewTime moves past the one read above. kwok renews
    // every 10 s (a quarter of the duration); the wait allows the Lease's whole 40 s, past which
    // the holder has let it expire and the node-lifecycle controller may call the node gone.
    const renewed = (l: Obj, now: Obj[]) => Date.parse(now.find((n) => n.metadata.name === l.metadata.name)?.spec.renewTime) > Date.parse(l.spec.renewTime);
    await waitFor(
      async () => {
        const now = await listJson('leases', 'kube-node-lease');
        return kwoks.every((l) => renewed(l, now));
      },
      { what: 'every kwok node Lease renewed again', timeoutMs: 40_000 },
    );
  });

  it('answers @kubernetes/client-node through kubeClient()', async () => {
    const { CoreV1Api } = await import('@kubernetes/client-node');
    const nodes = await kubeClient().makeApiClient(CoreV1Api).listNode();
    expect(nodes.items.map((n) => n.metadata?.name).sort()).toEqual(['kwok-node-1', 'kwok-node-2', 'kwok-node-3', ...REAL_NODES]);
  });
});

describe('the real node', () => {
  it('is Ready, run by its own kubelet (not kwok), tainted so that only pods that ask land on it', async () => {
    const node = await getJson('node', RealNode.name);
    expect(node.status.conditions.find((c: Obj) => c.type === 'Ready').status).toBe('True');
    expect(node.metadata.annotations?.['kwok.x-k8s.io/node']).toBeUndefined();
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\/2\./);
    expect(node.status.nodeInfo.kubeletVersion).toBe(process.env.K8S_VERSION ?? DEFAULT_K8S_VERSION);
    expect(node.status.addresses).toContainEqual({ type: 'InternalIP', address: RealNode.nodeIp });
    expect(node.spec.taints).toContainEqual(RealNode.taint);
    expect(node.metadata.labels[RealNode.label.key]).toBe(RealNode.label.value);
    const lease = await getJson('lease', RealNode.name, 'kube-node-lease');
    expect(lease.spec.holderIdentity).toBe(RealNode.name);
  });

  it("runs the controller-manager's default controllers: Services get EndpointSlices, `view` aggregates rules", async () => {
    const slices = await listJson('endpointslices', 'default', 'kubernetes.io/service-name=kubernetes');
    expect(slices.flatMap((s) => s.endpoints.map((e: Obj) => e.addresses[0]))).toEqual([RealNode.hostIp]);
    const view = await getJson('clusterrole', 'view');
    expect((view.rules ?? []).length).toBeGreaterThan(0);
  });
});

describe('Deployments on kwok nodes', () => {
  let ns: string;
  beforeAll(async () => {
    ns = await newNamespace('e2e-cluster');
  });

  it('rolls a Deployment out to Ready pods spread over the nodes', async () => {
    await apply(deployment('web', { replicas: 3 }), ns);
    await rolloutStatus(ns, 'web');
    const pods = await listJson('pods', ns, 'app=web');
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      expect(p.status.phase).toBe('Running');
      expect(p.spec.nodeName).toMatch(/^kwok-node-\d$/);
      expect(p.status.conditions.find((c: Obj) => c.type === 'Ready').status).toBe('True');
      expect(p.status.podIP).toMatch(/^198\.19\./); // kwok's fake range, routed nowhere but the node's namespace
    }
  });

  it('makes pods with a readiness probe Ready under the default scenario', async () => {
    const d = deployment('probed');
    d.spec.template.spec.containers[0].readinessProbe = { httpGet: { path: '/', port: 8080 }, periodSeconds: 5 };
    await apply(d, ns);
    await rolloutStatus(ns, 'probed');
    const dep = await getJson('deployment', 'probed', ns);
    expect(dep.status.readyReplicas).toBe(1);
  });

  it('creates a new ReplicaSet for a pod-template change and completes the rollout', async () => {
    await apply(deployment('shop', { replicas: 3 }), ns);
    await rolloutStatus(ns, 'shop');
    const before = await listJson('replicasets', ns, 'app=shop');
    expect(before).toHaveLength(1);

    await apply(deployment('shop', { replicas: 3, image: 'registry.example/shop/web:2.0' }), ns);
    await rolloutStatus(ns, 'shop');

    const after = await listJson('replicasets', ns, 'app=shop');
    expect(after).toHaveLength(2);
    const current = after.find((rs) => rs.metadata.annotations['deployment.kubernetes.io/revision'] === '2');
    expect(current?.spec.template.spec.containers[0].image).toBe('registry.example/shop/web:2.0');
    expect(current?.status.readyReplicas).toBe(3);
    const old = after.find((rs) => rs.metadata.annotations['deployment.kubernetes.io/revision'] === '1');
    expect(old?.spec.replicas).toBe(0);
    // The old pods are gone, not stuck terminating.
    await waitFor(async () => (await listJson('pods', ns, 'app=shop')).length === 3, { what: 'old shop pods to go away' });
    const pods = await listJson('pods', ns, 'app=shop');
    expect(pods.every((p) => p.spec.containers[0].image.endsWith(':2.0'))).toBe(true);
  });

  it('marks a rollout that cannot progress with ProgressDeadlineExceeded', async () => {
    await apply(deployment('stuck', { labels: { [ScenarioLabel]: Scenario.NeverReady }, extra: { progressDeadlineSeconds: 3 } }), ns);
    const cond = await waitFor(
      async () => {
        const d = await getJson('deployment', 'stuck', ns);
        const c = (d.status?.conditions ?? []).find((x: Obj) => x.type === 'Progressing');
        return c?.reason === 'ProgressDeadlineExceeded' ? c : undefined;
      },
      { what: 'Progressing=False ProgressDeadlineExceeded', timeoutMs: 60_000 },
    );
    expect(cond.status).toBe('False');
    expect(cond.message).toContain('has timed out progressing');
  });

  it('refuses pods over a ResourceQuota and the ReplicaSet reports it', async () => {
    const qns = await newNamespace('e2e-quota');
    await apply({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'pods' }, spec: { hard: { pods: '1' } } }, qns);
    await waitFor(async () => (await getJson('resourcequota', 'pods', qns)).status?.hard?.pods === '1', {
      what: 'the quota controller to fill in the quota status',
    });
    await apply(deployment('big', { replicas: 2 }), qns);
    const event = await waitFor(async () => (await listJson('events', qns)).find((e) => e.reason === 'FailedCreate' && e.message.includes('exceeded quota')), {
      what: 'a FailedCreate event for the quota',
      timeoutMs: 60_000,
    });
    expect(event.involvedObject.kind).toBe('ReplicaSet');
    expect(event.message).toContain('forbidden: exceeded quota: pods');
  });
});

// The kwok scenarios stand in for a kubelet in most e2e tests. They are held to the real kubelet
// of the real node, running the same failure for real: what rollout status and diagnose read (the
// waiting reason, the last termination, the events and how their words classify) must match.
describe('kwok scenarios (pod label paas.io/kwok-scenario) against the real kubelet', () => {
  let ns: string;
  beforeAll(async () => {
    ns = await newNamespace('e2e-scenario');
  });

  const image = 'registry.example/shop/web:9.9';
  /** The pod's names and ids masked, so two pods' words compare. */
  const masked = (text: string, pod: Obj) =>
    text.replaceAll(pod.metadata.uid, '<uid>').replaceAll(pod.metadata.name, '<pod>').replaceAll(pod.metadata.namespace, '<ns>').replaceAll(image, '<image>');
  /** The kwok pod of a scenario, and the same failure on the real node. */
  async function both(scenario: string, real: Obj): Promise<void> {
    await apply(deployment(scenario, { labels: { [ScenarioLabel]: scenario }, image }), ns);
    await apply(real, ns);
  }
  /** The app's pod once its first container status passes `done`. */
  async function statusOf(app: string, done: (cs: Obj, pod: Obj) => boolean, what: string): Promise<{ pod: Obj; cs: Obj }> {
    return waitFor(
      async () => {
        const pod = (await listJson('pods', ns, `app=${app}`))[0];
        const cs = pod?.status?.containerStatuses?.[0];
        return pod && cs && done(cs, pod) ? { pod, cs } : undefined;
      },
      { what: `${app}: ${what}`, timeoutMs: 120_000 },
    );
  }
  /** The pod's events (reason and masked message), once those `wanted` have all arrived. */
  async function eventsOfPod(pod: Obj, wanted: string[]): Promise<{ reason: string; message: string }[]> {
    return waitFor(
      async () => {
        const events = (await eventsOf(ns, pod.metadata.name)).map((e) => ({ reason: e.reason as string, message: masked(e.message as string, pod) }));
        return wanted.every((r) => events.some((e) => e.reason === r)) ? events : undefined;
      },
      { what: `${pod.metadata.name}: events ${wanted.join(', ')}`, timeoutMs: 120_000 },
    );
  }
  /** The kubelet's event reasons (the scheduler's Scheduled names the node, which differs). */
  const KUBELET = new Set(['Pulling', 'Pulled', 'Failed', 'BackOff', 'Created', 'Started', 'Killing', 'Unhealthy']);
  const reasons = (events: { reason: string }[]) => [...new Set(events.map((e) => e.reason).filter((r) => KUBELET.has(r)))].sort();

  it('never-ready: Running, not Ready, and the same Unhealthy message as the real prober', async () => {
    const real = appDeployment('real-never-ready', {
      args: ['-status', '503'],
      container: { readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 2 } },
    });
    await both(Scenario.NeverReady, real);
    const ready = (cs: Obj) => cs.state.running !== undefined && cs.ready === false;
    const [kwok, node] = await Promise.all([
      statusOf(Scenario.NeverReady, ready, 'running, not ready'),
      statusOf('real-never-ready', ready, 'running, not ready'),
    ]);
    for (const { pod } of [kwok, node])
      expect(pod.status.conditions.find((c: Obj) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    const unhealthy = async (pod: Obj) => (await eventsOfPod(pod, ['Unhealthy'])).filter((e) => e.reason === 'Unhealthy').map((e) => e.message);
    const fromKwok = await unhealthy(kwok.pod);
    // The real prober may also have met the app before it listened (connection refused): kwok's
    // words must be among its own once it answers 503, and nothing else besides that refusal.
    const fromNode = await waitFor(
      async () => {
        const m = await unhealthy(node.pod);
        return fromKwok.every((k) => m.includes(k)) ? m : undefined;
      },
      { what: 'the real prober to report the 503', timeoutMs: 120_000 },
    );
    expect(fromNode.filter((m) => !fromKwok.includes(m)).every((m) => /connect: connection refused$/.test(m))).toBe(true);
    expect(parseProbeMessage(fromKwok[0]!)).toMatchObject({ probe: 'readiness', statusCode: 503, kind: 'status' });
  });

  it('image-not-found: ErrImagePull then ImagePullBackOff, events and pull failure as the real kubelet reports a missing image', async () => {
    await both(Scenario.ImageNotFound, appDeployment('real-image-not-found', { image }));
    const backOff = (cs: Obj) => cs.state.waiting?.reason === 'ImagePullBackOff';
    const [kwok, node] = await Promise.all([
      statusOf(Scenario.ImageNotFound, backOff, 'ImagePullBackOff'),
      statusOf('real-image-not-found', backOff, 'ImagePullBackOff'),
    ]);
    const wanted = ['Pulling', 'Failed', 'BackOff'];
    const kwokEvents = await eventsOfPod(kwok.pod, wanted);
    const nodeEvents = await eventsOfPod(node.pod, wanted);
    expect(reasons(kwokEvents)).toEqual(reasons(nodeEvents));
    // The runtimes word the registry's answer differently (Docker's in kwok, containerd's on the
    // node); what both commands read from it must be the same.
    for (const { cs } of [kwok, node]) expect(pullFailureOf(cs.state.waiting.reason, cs.state.waiting.message).kind).toBe('not-found');
    const pullFailed = (events: { reason: string; message: string }[]) =>
      events.filter((e) => e.reason === 'Failed' && e.message.startsWith('Failed to pull image "<image>": '));
    for (const events of [kwokEvents, nodeEvents]) {
      expect(pullFailed(events).length).toBeGreaterThan(0);
      for (const e of pullFailed(events)) expect(parsePullError(e.message)).toMatchObject({ kind: 'not-found', image: '<image>' });
    }
    const sameWords = (events: { reason: string; message: string }[]) =>
      new Set(events.filter((e) => KUBELET.has(e.reason) && pullFailed([e]).length === 0).map((e) => `${e.reason}: ${e.message}`));
    expect(sameWords(kwokEvents)).toEqual(sameWords(nodeEvents));
  });

  it("crashloop: CrashLoopBackOff after exit code 1, with the real kubelet's back-off words", async () => {
    // The real kubelet (v1.37) reports waiting CrashLoopBackOff only during the first back-off
    // (10 s); from the second crash on it reports the container terminated (Error, exit 1) while it
    // backs off, where kwok keeps the waiting state. A poll can miss that window on a loaded
    // machine; a watch opened before the pod exists sees every status the kubelet writes.
    const seen: { pod: Obj; cs: Obj }[] = [];
    const watching = await new Watch(kubeClient()).watch(
      `/api/v1/namespaces/${ns}/pods`,
      { labelSelector: 'app=real-crashloop' },
      (_phase, pod: Obj) => {
        const cs = pod.status?.containerStatuses?.[0] as Obj | undefined;
        if (cs) seen.push({ pod, cs });
      },
      () => undefined,
    );
    try {
      await both(Scenario.CrashLoop, appDeployment('real-crashloop', { args: ['-exit-after', '0s', '-exit-code', '1'] }));
      const backingOff = (cs: Obj) => cs.state.waiting?.reason === 'CrashLoopBackOff';
      const kwok = await statusOf(Scenario.CrashLoop, (cs) => backingOff(cs) && cs.restartCount > 0, 'CrashLoopBackOff');
      const node = await waitFor(() => seen.find(({ cs }) => backingOff(cs)), {
        what: 'real-crashloop: waiting CrashLoopBackOff, seen by the watch',
        timeoutMs: 120_000,
      });
      for (const { cs } of [kwok, node]) expect(cs.lastState.terminated).toMatchObject({ reason: 'Error', exitCode: 1 });
      const waiting = (r: { pod: Obj; cs: Obj }) => masked(r.cs.state.waiting.message as string, r.pod).replace(/back-off \d+s/, 'back-off <n>s');
      expect(waiting(kwok)).toBe(waiting(node));
      const backOff = async (pod: Obj) => new Set((await eventsOfPod(pod, ['BackOff'])).filter((e) => e.reason === 'BackOff').map((e) => e.message));
      expect(await backOff(kwok.pod)).toEqual(await backOff(node.pod));
    } finally {
      watching.abort();
    }
  });

  it("config-error: CreateContainerConfigError with the real kubelet's words for a missing ConfigMap", async () => {
    const real = appDeployment('real-config-error', { container: { envFrom: [{ configMapRef: { name: MissingConfigMap } }] } });
    await both(Scenario.ConfigError, real);
    const failing = (cs: Obj) => cs.state.waiting?.reason === 'CreateContainerConfigError';
    const [kwok, node] = await Promise.all([
      statusOf(Scenario.ConfigError, failing, 'CreateContainerConfigError'),
      statusOf('real-config-error', failing, 'CreateContainerConfigError'),
    ]);
    expect(kwok.cs.state.waiting.message).toBe(node.cs.state.waiting.message);
    const failed = async (pod: Obj) => new Set((await eventsOfPod(pod, ['Failed'])).filter((e) => e.reason === 'Failed').map((e) => e.message));
    expect(await failed(kwok.pod)).toEqual(await failed(node.pod));
    expect(parseConfigMessage(kwok.cs.state.waiting.message as string)).toMatchObject({ kind: 'configmap', name: MissingConfigMap });
  });

  it('ready (explicit label) behaves like no label', async () => {
    await apply(deployment('explicit', { labels: { [ScenarioLabel]: Scenario.Ready }, replicas: 2 }), ns);
    await rolloutStatus(ns, 'explicit');
    expect((await getJson('deployment', 'explicit', ns)).status.readyReplicas).toBe(2);
  });

  it('takes a Stage added at run time through the Stage CRD', async () => {
    const label = `runtime-${ns}`;
    const stage = {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Stage',
      metadata: { name: `e2e-${ns}` },
      spec: {
        resourceRef: { apiGroup: 'v1', kind: 'Pod' },
        selector: {
          matchExpressions: [
            { key: `.metadata.labels["${ScenarioLabel}"]`, operator: 'In', values: [label] },
            { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
            { key: '.status.phase', operator: 'In', values: ['Pending'] },
          ],
        },
        next: { statusTemplate: 'phase: Failed\nreason: Evicted\nmessage: "runtime stage from the e2e suite"\n' },
      },
    };
    await apply(stage);
    try {
      await waitFor(async () => (await kubectl(['get', 'stage', stage.metadata.name])).code === 0, { what: 'the Stage' });
      await apply(
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'runtime', labels: { [ScenarioLabel]: label } }, spec: { containers: [{ name: 'app', image }] } },
        ns,
      );
      const pod = await waitFor(
        async () => {
          const p = await getJson('pod', 'runtime', ns);
          return p.status?.phase === 'Failed' ? p : undefined;
        },
        { what: 'the runtime Stage to fail the pod' },
      );
      expect(pod.status).toMatchObject({ reason: 'Evicted', message: 'runtime stage from the e2e suite' });
    } finally {
      await kubectl(['delete', 'stage', stage.metadata.name, '--ignore-not-found']);
    }
  });

  it('deletes terminating scenario pods', async () => {
    const pod = await onePod(ns, Scenario.ConfigError);
    await kubectlOk(['delete', 'pod', pod.metadata.name, '-n', ns, '--wait=false']);
    await waitFor(async () => (await kubectl(['get', 'pod', pod.metadata.name, '-n', ns])).code !== 0, {
      what: 'the deleted pod to disappear',
    });
  });
});

describe('admission', () => {
  const scope = 'e2e-cluster-test';
  let ns: string;
  let server: Server;
  const reviews: Obj[] = [];
  const hook = `e2e-cluster-${Date.now()}`;

  beforeAll(async () => {
    ns = await newNamespace('e2e-admission', { [scope]: 'true' });
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      curve: 'P-256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
      const body: Buffer[] = [];
      req.on('data', (d: Buffer) => body.push(d));
      req.on('end', () => {
        const review = JSON.parse(Buffer.concat(body).toString());
        reviews.push({ path: req.url, review });
        const patch = [{ op: 'add', path: '/metadata/annotations', value: { 'e2e.paas.io/mutated': 'yes' } }];
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response: {
              uid: review.request.uid,
              allowed: true,
              patchType: 'JSONPatch',
              patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
              warnings: ['e2e webhook was here'],
            },
          }),
        );
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as AddressInfo).port;
    await apply({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: hook },
      webhooks: [
        {
          name: 'e2e.cluster.paas.io',
          clientConfig: { url: `https://127.0.0.1:${port}/mutate`, caBundle: Buffer.from(pems.cert).toString('base64') },
          rules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }],
          namespaceSelector: { matchLabels: { [scope]: 'true' } },
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          timeoutSeconds: 5,
        },
      ],
    });
  });

  afterAll(async () => {
    await kubectl(['delete', 'mutatingwebhookconfiguration', hook, '--ignore-not-found']);
    await kubectl(['delete', 'validatingadmissionpolicybinding', hook, '--ignore-not-found']);
    await kubectl(['delete', 'validatingadmissionpolicy', hook, '--ignore-not-found']);
    await new Promise((ok) => server?.close(ok));
  });

  it('calls a MutatingWebhookConfiguration at https://127.0.0.1:<port>/mutate and applies its patch', async () => {
    // The webhook configuration takes a moment to reach the apiserver's admission chain.
    const out = await waitFor(
      async () => {
        const r = await kubectl(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(deployment(`hooked-${reviews.length}`)) });
        return r.code === 0 && r.stderr.includes('e2e webhook was here') ? r : undefined;
      },
      { what: 'the apiserver to call the webhook' },
    );
    expect(out.stderr).toContain('Warning: e2e webhook was here');
    const name = reviews.at(-1)?.review.request.name as string;
    const stored = await getJson('deployment', name, ns);
    expect(stored.metadata.annotations['e2e.paas.io/mutated']).toBe('yes');
    // The apiserver appends its own timeout to the configured URL: /mutate?timeout=5s.
    expect(new URL(reviews.at(-1)?.path, 'https://127.0.0.1').pathname).toBe('/mutate');
    expect(reviews.at(-1)).toMatchObject({
      review: { kind: 'AdmissionReview', request: { kind: { group: 'apps', kind: 'Deployment' }, namespace: ns, operation: 'CREATE' } },
    });
  });

  it('does not call the webhook for namespaces outside its selector', async () => {
    const other = await newNamespace('e2e-unhooked');
    const before = reviews.length;
    const r = await kubectl(['apply', '-n', other, '-f', '-'], { input: JSON.stringify(deployment('plain')) });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('e2e webhook was here');
    expect(reviews.length).toBe(before);
  });

  it('enforces a ValidatingAdmissionPolicy', async () => {
    await apply({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: hook },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }],
        },
        validations: [{ expression: 'object.spec.replicas <= 5', message: 'at most 5 replicas' }],
      },
    });
    await apply({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: hook },
      spec: { policyName: hook, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { [scope]: 'true' } } } },
    });
    const denied = await waitFor(
      async () => {
        const r = await kubectl(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(deployment('wide', { replicas: 9 })) });
        return r.code !== 0 ? r : undefined;
      },
      { what: 'the policy to deny 9 replicas' },
    );
    expect(denied.stderr).toContain('at most 5 replicas');
  });
});
