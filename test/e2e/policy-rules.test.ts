// Each rule of the policy, observed on the real node rather than read back from the stored
// object: the kubelet really probes the port the webhook chose, the probe really holds traffic
// back, the preStop sleep really delays SIGTERM, the grace period really covers the app's
// shutdown, and on an image with no `sleep` binary only the native sleep action drains. Each
// with its control: the same app and manifest with the policy opted out (or the exec mode)
// behaves differently, under the same harness.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appDeployment, E2E_REQUEST_TIMEOUT_S, appService, rolloutUnderLoad, serviceUrl, TestImage, type AppOptions } from './lib/real-node.js';
import { apply, binDir, getJson, kubeClient, kubeconfig, kubectl, kubectlOk, listJson, newNamespace, waitFor } from './lib/cluster.js';
import { startWebhook, type WebhookProcess } from './lib/webhook-process.js';

type Obj = Record<string, any>;
const SCOPE = { key: 'e2e.paas.io/policy-rules', value: `run-${process.pid}` };
const EXEC_SCOPE = { key: 'e2e.paas.io/policy-rules-exec', value: `run-${process.pid}` };

let webhook: WebhookProcess;
let execWebhook: WebhookProcess;
let ns: string;
let execNs: string;

/** The apps of this file, all applied up front so their pods start together. */
const apps: Record<string, { namespace: () => string; options: AppOptions; service?: boolean }> = {
  'named-port': { namespace: () => ns, options: { port: { number: 8080, name: 'http' } } },
  'numbered-port': { namespace: () => ns, options: { port: { number: 9090 } } },
  'slow-start': { namespace: () => ns, options: { args: ['-ready-after', '8s'] }, service: true },
  'slow-start-control': { namespace: () => ns, options: { args: ['-ready-after', '8s'], optOut: true }, service: true },
  'prestop': { namespace: () => ns, options: {} },
  'prestop-control': { namespace: () => ns, options: { optOut: true } },
  // The user asked for 10 s of grace; the app needs 12 s after SIGTERM to finish.
  'grace': { namespace: () => ns, options: { args: ['-drain-delay', '12s'], podSpec: { terminationGracePeriodSeconds: 10 } } },
  'grace-control': { namespace: () => ns, options: { args: ['-drain-delay', '12s'], podSpec: { terminationGracePeriodSeconds: 10 }, optOut: true } },
  'distroless-native': { namespace: () => ns, options: { image: TestImage.distroless }, service: true },
  'distroless-exec': { namespace: () => execNs, options: { image: TestImage.distroless }, service: true },
};

beforeAll(async () => {
  const kc = { kubeconfig: kubeconfig(), kubectl: join(binDir(), 'kubectl') };
  webhook = await startWebhook({ ...kc, scope: SCOPE, name: `paas-e2e-rules-${process.pid}` });
  execWebhook = await startWebhook({ ...kc, scope: EXEC_SCOPE, name: `paas-e2e-rules-exec-${process.pid}`, configToml: '[deploy]\nprestop_mode = "exec"\n' });
  ns = await newNamespace('policy-rules', { [SCOPE.key]: SCOPE.value });
  execNs = await newNamespace('policy-rules-exec', { [EXEC_SCOPE.key]: EXEC_SCOPE.value });
  for (const [name, app] of Object.entries(apps)) {
    await apply(appDeployment(name, app.options), app.namespace());
    if (app.service) await apply(appService(name, app.options.port?.name ?? app.options.port?.number ?? 'http'), app.namespace());
  }
  await Promise.all(
    Object.entries(apps).map(([name, app]) =>
      kubectlOk(['rollout', 'status', `deployment/${name}`, '-n', app.namespace(), '--timeout=150s'], { timeoutMs: 160_000 }),
    ),
  );
}, 300_000);
afterAll(async () => {
  await webhook?.stop();
  await execWebhook?.stop();
});

async function podsOf(name: string, namespace = ns): Promise<Obj[]> {
  return (await listJson('pods', namespace, `app=${name}`)).filter((p) => !p.metadata.deletionTimestamp);
}

/**
 * Deletes the apps' pods with one kubectl delete while following their logs, and returns each
 * one's log lines (each starts with the app's RFC 3339 timestamp) with the moment the delete was
 * sent. Deleted together, two pods meet the same kubelet under the same load.
 */
async function deleteAndFollow(...names: string[]): Promise<{ deletedAt: number; lines: string[] }[]> {
  const pods = await Promise.all(
    names.map(async (name) => {
      const [pod] = await podsOf(name);
      if (!pod) throw new Error(`no pod of ${name}`);
      return pod.metadata.name as string;
    }),
  );
  const follows = pods.map((pod) => {
    const child = spawn(join(binDir(), 'kubectl'), ['logs', '-f', pod, '-n', ns], { env: { ...process.env, KUBECONFIG: kubeconfig() } });
    const f = { pod, child, out: '', ended: new Promise<void>((ok) => child.once('exit', () => ok())) };
    child.stdout.on('data', (d: Buffer) => (f.out += d.toString()));
    return f;
  });
  try {
    // A stream is open once the app's first lines have come through it.
    for (const f of follows) await waitFor(() => f.out.includes('listening on'), { what: `the log stream of ${f.pod}`, timeoutMs: 30_000 });
    const deletedAt = Date.now();
    await kubectlOk(['delete', 'pod', ...pods, '-n', ns, '--wait=false']);
    await Promise.race([
      Promise.all(follows.map((f) => f.ended)),
      new Promise((_, no) => setTimeout(() => no(new Error(`the log streams of ${pods.join(', ')} did not end within 60 s`)), 60_000)),
    ]);
    return follows.map((f) => ({ deletedAt, lines: f.out.split('\n').filter(Boolean) }));
  } finally {
    for (const f of follows) if (f.child.exitCode === null) f.child.kill('SIGKILL');
  }
}

/** The time the app logged a line matching `re`, or undefined. */
function loggedAt(lines: string[], re: RegExp): number | undefined {
  const line = lines.find((l) => re.test(l));
  return line ? Date.parse(line.split(' ')[0] ?? '') : undefined;
}

describe('the readiness probe the policy adds', () => {
  it.each([
    ['named-port', 'http'],
    ['numbered-port', 9090],
  ])("%s: targets the app's real port (%s), and the kubelet holds the pod back until it passes", async (name, port) => {
    const stored = await getJson('deployment', name, ns);
    const probe = stored.spec.template.spec.containers[0].readinessProbe;
    expect(probe.httpGet.port).toBe(port);
    const [pod] = await podsOf(name);
    const started = Date.parse(pod?.status.containerStatuses[0].state.running.startedAt);
    const ready = pod?.status.conditions.find((c: Obj) => c.type === 'Ready');
    expect(ready.status).toBe('True');
    // Ready came from a probe that passed after its initial delay, not from the container starting.
    expect(Date.parse(ready.lastTransitionTime) - started).toBeGreaterThanOrEqual((probe.initialDelaySeconds - 1) * 1000);
  });

  it('holds traffic back from a pod that is not ready yet: no request lost; without the policy, 503s reach clients', async () => {
    const roll = (name: string) =>
      getJson('service', name, ns).then((svc) =>
        rolloutUnderLoad({
          kc: kubeClient(),
          listApp: async () =>
            (JSON.parse(await kubectlOk(['get', 'deployments,replicasets,pods', '-n', ns, '-l', `app=${name}`, '-o', 'json'])) as { items: Obj[] }).items,
          namespace: ns,
          name,
          url: serviceUrl(svc),
          trigger: () => kubectlOk(['set', 'image', `deployment/${name}`, `app=${TestImage.app2}`, '-n', ns]).then(() => {}),
          rate: 100,
          loads: ['new'],
          timeoutMs: 120_000,
          requestTimeoutS: E2E_REQUEST_TIMEOUT_S,
        }),
      );
    const withPolicy = await roll('slow-start');
    const without = await roll('slow-start-control');
    expect(withPolicy.loads[0]?.summary.failed, JSON.stringify(withPolicy.loads[0]?.summary.errors)).toBe(0);
    expect(without.loads[0]?.summary.errors['HTTP 503'] ?? 0, JSON.stringify(without.loads[0]?.summary.errors)).toBeGreaterThan(0);
  });
});

describe('the preStop sleep and the grace period', () => {
  it('the preStop sleep delays SIGTERM by its 5 s; without it SIGTERM comes first', async () => {
    // Both pods deleted at once: the control is an order of events, not a time. The app without
    // the sleep logs SIGTERM before the app whose preStop sleeps first (both on the node's clock).
    const [withPolicy, without] = await deleteAndFollow('prestop', 'prestop-control');
    const sigterm = (r: { lines: string[] }) => loggedAt(r.lines, /SIGTERM received/) ?? NaN;
    const logs = `with the policy:\n${withPolicy!.lines.join('\n')}\nwithout:\n${without!.lines.join('\n')}`;
    // The sleep's promise, a lower bound: never before its 5 s.
    expect(sigterm(withPolicy!) - withPolicy!.deletedAt, logs).toBeGreaterThanOrEqual(5000);
    expect(sigterm(without!), logs).toBeLessThan(sigterm(withPolicy!));
  });

  it("the grace period covers the sleep plus the app's shutdown: the app finishes; with the user's 10 s it is killed first", async () => {
    const stored = await getJson('deployment', 'grace', ns);
    expect(stored.spec.template.spec.terminationGracePeriodSeconds).toBe(30);
    const [withPolicy] = await deleteAndFollow('grace');
    const [without] = await deleteAndFollow('grace-control');
    expect(
      withPolicy!.lines.some((l) => /shut down/.test(l)),
      withPolicy!.lines.join('\n'),
    ).toBe(true);
    expect(
      without!.lines.some((l) => /SIGTERM received/.test(l)),
      without!.lines.join('\n'),
    ).toBe(true);
    expect(
      without!.lines.some((l) => /shut down/.test(l)),
      without!.lines.join('\n'),
    ).toBe(false);
  });
});

describe('an app that redirects plain HTTP to HTTPS (Rails force_ssl)', () => {
  it('rolls out with the probe headers the annotation adds; without them the kubelet follows the redirect and the pods never turn Ready', async () => {
    const headers = 'X-Forwarded-Proto=https';
    await apply(appDeployment('redirect-headers', { args: ['-redirect-https'], annotations: { 'paas.io/readiness-probe-headers': headers } }), ns);
    await apply(appDeployment('redirect-plain', { args: ['-redirect-https'] }), ns);
    const stored = await getJson('deployment', 'redirect-headers', ns);
    expect(stored.spec.template.spec.containers[0].readinessProbe.httpGet.httpHeaders).toEqual([{ name: 'X-Forwarded-Proto', value: 'https' }]);
    await kubectlOk(['rollout', 'status', 'deployment/redirect-headers', '-n', ns, '--timeout=120s'], { timeoutMs: 130_000 });
    // Without the headers: the kubelet's probe is redirected to https:// on a plain-HTTP port.
    const unhealthy = await waitFor(
      async () => {
        const r = await kubectl(['get', 'events', '-n', ns, '--field-selector', 'reason=Unhealthy', '-o', 'json']);
        const e = (JSON.parse(r.stdout) as { items: Obj[] }).items.find((x) => String(x.involvedObject.name).startsWith('redirect-plain-'));
        return e?.message as string | undefined;
      },
      { what: 'the kubelet to report the redirected probe', timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(unhealthy).toMatch(/^Readiness probe failed: Get "https:\/\/[0-9.]+:8080\/": http: server gave HTTP response to HTTPS client$/);
    const plain = await getJson('deployment', 'redirect-plain', ns);
    expect(plain.status.availableReplicas ?? 0).toBe(0);
  });
});

describe('a distroless image (no shell, no sleep binary)', () => {
  const rollDistroless = async (name: string, namespace: string) => {
    const svc = await getJson('service', name, namespace);
    const [oldPod] = await podsOf(name, namespace);
    const result = await rolloutUnderLoad({
      kc: kubeClient(),
      listApp: async () =>
        (JSON.parse(await kubectlOk(['get', 'deployments,replicasets,pods', '-n', namespace, '-l', `app=${name}`, '-o', 'json'])) as { items: Obj[] }).items,
      namespace,
      name,
      url: serviceUrl(svc),
      trigger: () => kubectlOk(['set', 'env', `deployment/${name}`, 'VERSION=v2', '-n', namespace]).then(() => {}),
      // New connections at 200/s: without a drain, kube-proxy drops the old pod's endpoint up to
      // its one-second sync period after the app closed its listener; enough requests fall there.
      rate: 200,
      loads: ['new'],
      timeoutMs: 120_000,
      requestTimeoutS: E2E_REQUEST_TIMEOUT_S,
    });
    const events = await kubectl([
      'get',
      'events',
      '-n',
      namespace,
      '--field-selector',
      `involvedObject.name=${oldPod?.metadata.name},reason=FailedPreStopHook`,
      '-o',
      'json',
    ]);
    return { result, hookFailures: (JSON.parse(events.stdout) as { items: Obj[] }).items };
  };

  it('prestop_mode "exec": the kubelet reports FailedPreStopHook and requests are lost; the native sleep action drains cleanly', async () => {
    const execStored = await getJson('deployment', 'distroless-exec', execNs);
    expect(execStored.spec.template.spec.containers[0].lifecycle.preStop).toEqual({ exec: { command: ['sleep', '5'] } });
    const nativeStored = await getJson('deployment', 'distroless-native', ns);
    expect(nativeStored.spec.template.spec.containers[0].lifecycle.preStop).toEqual({ sleep: { seconds: 5 } });

    const exec = await rollDistroless('distroless-exec', execNs);
    const native = await rollDistroless('distroless-native', ns);
    expect(exec.hookFailures.length).toBeGreaterThan(0);
    // What kubelet 1.37 says (the exec error itself is only in its own log).
    expect(exec.hookFailures[0]?.message).toMatch(/PreStopHook failed/);
    expect(exec.result.loads[0]?.summary.failed, JSON.stringify(exec.result.loads[0]?.summary.errors)).toBeGreaterThan(0);
    expect(native.hookFailures).toEqual([]);
    expect(native.result.loads[0]?.summary.failed, JSON.stringify(native.result.loads[0]?.summary.errors)).toBe(0);
  });
});
