// paas-webhook as users run it: its image built from the Dockerfile (buildah, no Docker, no
// registry), imported into the real node's containerd, installed by `kubectl apply -k` of the
// shipped manifests/ (through test/e2e/overlays/, which only set the local image and the real
// node's placement), and reached by the API server through its Service, as in any cluster.
//
// Given that install, and a steady stream of Deployment writes by kubectl (STREAM below), when an
// operator rolls the webhook to a new image tag, evicts its pods through the Eviction API,
// SIGKILLs one container, or takes it all down (default and fail-open overlays), then every
// failed admission is counted with its message: none for the upgrade and the evictions.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { createHash, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctr, RealNode, type NodeState } from './cluster/node.js';
import {
  buildWebhookImage,
  installWebhook,
  loadWebhookImage,
  nodeOf,
  Overlay,
  tagWebhookImage,
  uninstallWebhook,
  WebhookNames as W,
  type WebhookImage,
} from './cluster/webhook-install.js';
import { startApplyStream, type ApplyStream, type StreamSummary } from './lib/apply-stream.js';
import { binDir, getJson, kubeconfig, kubectl, kubectlOk, listJson, newNamespace, waitFor } from './lib/cluster.js';
import { ownClusterForThisFile } from './lib/locks.js';

// The webhook installed in paas-system covers every namespace: no other file runs beside this one
// (lib/locks.ts).
ownClusterForThisFile();

type Obj = Record<string, any>; // raw Kubernetes objects, read field by field

/** 4 writers, 15 applies/s in all: each writer's apply takes well under its 267 ms slot. */
const STREAM = { writers: 4, rate: 15 } as const;
const HOOK = 'rollout-policy.paas.io';

let image: WebhookImage;
let node: NodeState;
let running: string; // the image reference the Deployment runs now
let overlay: Overlay = Overlay.default;
let ns: string; // covered by the webhook: the stream writes here
const followers: ChildProcess[] = [];

const K = () => join(binDir(), 'kubectl');
const install = (o: { overlay?: Overlay; image?: string } = {}) =>
  installWebhook({
    kubeconfig: kubeconfig(),
    kubectl: K(),
    overlay: o.overlay ?? overlay,
    image: o.image ?? running,
    log: (l) => console.log(`install: ${l}`),
  });

beforeAll(async () => {
  // Built by `make test` beforehand (make webhook-image); here it is only checked and reused.
  image = await buildWebhookImage((l) => console.log(l));
  node = nodeOf(kubeconfig());
  await loadWebhookImage(node, image, (l) => console.log(l));
  running = image.image;
  await install();
  ns = await newNamespace('in-cluster');
}, 600_000);

afterAll(async () => {
  for (const f of followers) if (f.exitCode === null) f.kill('SIGKILL');
  // Everything the overlay made goes, paas-system included, so the next file starts clean.
  if (running) await uninstallWebhook({ kubeconfig: kubeconfig(), kubectl: K(), overlay, image: running });
}, 200_000);

// ---- reading the webhook's pods ----------------------------------------------------------------

async function webhookPods(): Promise<Obj[]> {
  return (await listJson('pods', W.namespace, W.podSelector)).filter((p) => !p.metadata.deletionTimestamp);
}

const isReady = (p: Obj) => (p.status?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');

/** Two pods, both Ready, none terminating, all from the Deployment's current ReplicaSet. */
async function twoReady(exclude: string[] = []): Promise<Obj[] | false> {
  const all = await listJson('pods', W.namespace, W.podSelector);
  const live = all.filter((p) => !p.metadata.deletionTimestamp);
  if (all.length !== 2 || live.length !== 2 || !live.every(isReady)) return false;
  return live.some((p) => exclude.includes(p.metadata.name)) ? false : live;
}

/** Ready endpoints of the webhook Service, from its EndpointSlices (what kube-proxy programs). */
async function readyEndpoints(): Promise<string[]> {
  const slices = await listJson('endpointslices', W.namespace, `kubernetes.io/service-name=${W.service}`);
  return slices.flatMap((s) => (s.endpoints ?? []).filter((e: Obj) => e.conditions?.ready === true).flatMap((e: Obj) => e.addresses as string[]));
}

type LogLine = { time: number; msg: string; [k: string]: unknown };

/** `kubectl logs -f` of one pod: its JSON lines as they come, until the container exits. */
function followLogs(pod: string): { lines: LogLine[]; done: Promise<void> } {
  const child = spawn(K(), ['logs', '-f', pod, '-n', W.namespace], { env: { ...process.env, KUBECONFIG: kubeconfig() }, stdio: ['ignore', 'pipe', 'pipe'] });
  followers.push(child);
  const lines: LogLine[] = [];
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    for (const l of parts) {
      try {
        lines.push(JSON.parse(l) as LogLine);
      } catch {
        // not a log line of the webhook
      }
    }
  });
  return { lines, done: once(child, 'exit').then(() => {}) };
}

/** POST the pod's eviction subresource, as `kubectl drain` does. */
function evict(pod: string) {
  const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: W.namespace } };
  return kubectl(['create', '--raw', `/api/v1/namespaces/${W.namespace}/pods/${pod}/eviction`, '-f', '-'], { input: JSON.stringify(body) });
}

/** The SHA-256 fingerprint of the certificate a pod serves on its webhook port (a new handshake). */
async function servedFingerprint(ip: string): Promise<string> {
  const socket = tlsConnect({ host: ip, port: 8443, rejectUnauthorized: false, servername: `${W.service}.${W.namespace}.svc` });
  await once(socket, 'secureConnect');
  const fp = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
  socket.destroy();
  return fp;
}

/** Admissions a pod has answered so far (its own counter, read from its metrics port). */
async function admissionsServed(ip: string): Promise<number> {
  const text = await (await fetch(`http://${ip}:9090/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('paas_webhook_admissions_total{'))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** A stream of kubectl applies into `ns`, started and answered for a while before `act` runs. */
async function underStream(prefix: string, act: (stream: ApplyStream) => Promise<void>): Promise<StreamSummary> {
  const stream = startApplyStream({
    kubectl: K(),
    kubeconfig: kubeconfig(),
    namespace: ns,
    prefix,
    writers: STREAM.writers,
    rate: STREAM.rate,
    maxSeconds: 240,
  });
  let failed: unknown;
  try {
    await waitFor(() => stream.ok() >= 2 * STREAM.rate, { timeoutMs: 60_000, what: 'two seconds of applies before acting' });
    await act(stream);
    // Then two more seconds' worth of successful applies: the stream flows again.
    const after = stream.ok() + 2 * STREAM.rate;
    await waitFor(() => stream.ok() >= after, { timeoutMs: 60_000, what: 'applies flowing after the act' });
  } catch (err) {
    failed = err;
  }
  const summary = await stream.stop();
  if (failed) throw new Error(`${(failed as Error).message}\n${report(prefix, summary)}`, { cause: failed });
  return summary;
}

const report = (what: string, s: StreamSummary) =>
  `${what}: ${s.applies} kubectl applies in ${(s.durationMs / 1000).toFixed(1)} s (${s.rate.toFixed(1)}/s), ${s.failed} failed` +
  (s.messages.length ? `: ${s.messages.map((m) => `${m.count}x ${m.message}`).join(' | ')}` : '');

/** The image ID a docker-archive carries: the sha256 of the config blob its manifest.json names. */
function archiveImageId(tar: string): string {
  const member = (name: string) => execFileSync('tar', ['-xOf', tar, name], { maxBuffer: 64 * 1024 * 1024 });
  const [entry] = JSON.parse(member('manifest.json').toString()) as { Config: string }[];
  if (!entry) throw new Error(`${tar}: manifest.json names no image`);
  return `sha256:${createHash('sha256').update(member(entry.Config)).digest('hex')}`;
}

// ---- the suite -----------------------------------------------------------------------------------

describe('paas-webhook installed with kubectl apply -k, on the real node', () => {
  it('runs the image built from the Dockerfile: its Node, its user, production dependencies only', async () => {
    const pods = await webhookPods();
    expect(pods).toHaveLength(2);
    // The node's containerd holds the image the archive carried, and the pods run exactly it: the
    // kubelet names an image imported without a repo digest by its ID, the sha256 of its config,
    // which the archive's manifest.json points at.
    const listed = await ctr(node, ['images', 'ls', '-q', `name==${image.image}`]);
    expect(listed.stdout.split('\n')).toContain(image.image);
    const id = archiveImageId(image.tar);
    for (const p of pods) {
      const c = (p.status.containerStatuses as Obj[]).find((s) => s.name === 'webhook');
      expect(c?.image).toBe(image.image);
      expect(c?.imageID).toBe(id);
      expect(p.spec.containers[0].imagePullPolicy).toBe('Never');
    }
    expect(image.nodeVersion).toMatch(/^v24\./);
    expect(image.user).toBe('1000:1000');
    console.log(
      `image ${image.image}: ${(image.bytes / 1e6).toFixed(0)} MB (uncompressed layers), node ${image.nodeVersion}, user ${image.user}, base ${image.base}`,
    );
  });

  it('is installed as the manifests say: restricted Pod Security admits it, probes pass, PriorityClass set, two replicas on the one real node share one certificate', async () => {
    const namespace = await getJson('namespace', W.namespace);
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    // The control: the same admission refuses a pod that breaks `restricted` in this namespace.
    const loose = await kubectl(['run', 'loose', '-n', W.namespace, '--image=paas.local/testapp:1', '--restart=Never', '--dry-run=server']);
    expect(loose.code).not.toBe(0);
    expect(loose.stderr).toContain('violates PodSecurity "restricted:latest"');

    const pods = await webhookPods();
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.spec.nodeName).toBe(RealNode.name);
      expect(p.spec.priorityClassName).toBe('paas-webhook-critical');
      expect(p.spec.priority).toBe(1_000_000);
      const c = (p.status.containerStatuses as Obj[])[0] as Obj;
      // Startup, liveness and readiness probes all pass: started, Ready, never restarted.
      expect(c).toMatchObject({ ready: true, started: true, restartCount: 0 });
      expect(isReady(p)).toBe(true);
      expect(p.status.podIP).toMatch(/^198\.18\.16\./);
    }
    // The readiness probe may fail while a replica waits for the leader's first certificate (it
    // listens on 8443 only with one), and the startup probe while the process starts (what it is
    // for: on a loaded node the first probe can come before the metrics port listens); the
    // liveness probe never fails, and no container restarted (restartCount 0 above).
    const events = await listJson('events', W.namespace);
    const bad = events.filter((e) => e.reason === 'FailedPreStopHook' || (e.reason === 'Unhealthy' && !/^(Readiness|Startup) probe failed/.test(e.message)));
    expect(bad.map((e) => `${e.reason}: ${e.message}`)).toEqual([]);

    // One Secret, one serving certificate: both pods serve it, the caBundle trusts its CA.
    const secret = await getJson('secret', W.secret, W.namespace);
    const cert = new X509Certificate(Buffer.from(secret.data['tls.crt'], 'base64'));
    expect(cert.subjectAltName).toContain(`DNS:${W.service}.${W.namespace}.svc`);
    for (const p of pods) expect(await servedFingerprint(p.status.podIP)).toBe(cert.fingerprint256);
    const mwc = await getJson('mutatingwebhookconfiguration', W.configuration);
    // Armed by the leader: the policy's entries beside the installed self-check entry, every one
    // with the Service and the caBundle the self-check proved.
    expect((mwc.webhooks as Obj[]).map((w) => `${w.name} ${w.failurePolicy}`)).toEqual([
      'self-check.paas.io Fail',
      `${HOOK} Fail`,
      'rollout-policy-warn.paas.io Ignore',
    ]);
    for (const w of mwc.webhooks as Obj[]) {
      expect(w.clientConfig.caBundle).toBe(secret.data['ca.crt']);
      expect(w.clientConfig.service).toMatchObject({ name: W.service, namespace: W.namespace, port: 443 });
    }
    const lease = await getJson('lease', 'paas-webhook-cert-leader', W.namespace);
    expect(pods.map((p) => p.metadata.name)).toContain(lease.spec.holderIdentity);
    expect((await readyEndpoints()).sort()).toEqual(pods.map((p) => p.status.podIP).sort());

    // And the API server reaches it through the Service: a write in a covered namespace is mutated.
    await kubectlOk(['apply', '-n', ns, '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'plain' },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'plain' } },
          template: {
            metadata: { labels: { app: 'plain' } },
            spec: { containers: [{ name: 'app', image: 'paas.local/testapp:1', ports: [{ containerPort: 8080 }] }] },
          },
        },
      }),
    });
    const stored = await getJson('deployment', 'plain', ns);
    expect(stored.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(stored.spec.template.spec.containers[0].lifecycle.preStop).toEqual({ sleep: { seconds: 5 } });
  });

  it('a rolling upgrade to a new image tag, under a steady stream of kubectl applies: 0 failed admissions; the old pods drain', async () => {
    const next = `${image.image}-upgrade`;
    await tagWebhookImage(node, image.image, next);
    const before = await webhookPods();
    const logs = before.map((p) => followLogs(p.metadata.name));
    const summary = await underStream('upgrade', async () => {
      await install({ image: next });
      running = next;
      await waitFor(() => twoReady(before.map((p) => p.metadata.name)), { timeoutMs: 120_000, what: 'two Ready pods of the new tag, no old pod left' });
    });
    console.log(report('rolling upgrade', summary));
    expect(summary.failed, report('rolling upgrade', summary)).toBe(0);
    expect(summary.applies).toBeGreaterThan(10 * STREAM.rate);
    for (const p of await webhookPods()) expect(p.spec.containers[0].image).toBe(next);
    // Each old pod got SIGTERM after its preStop sleep, drained, and stopped cleanly.
    await Promise.all(logs.map((l) => l.done));
    for (const l of logs) {
      const draining = l.lines.find((x) => x.msg.startsWith('draining'));
      const over = l.lines.find((x) => x.msg.startsWith('drain period over'));
      expect(draining, JSON.stringify(l.lines.slice(-5))).toBeDefined();
      expect(over!.time - draining!.time).toBeGreaterThanOrEqual(5000); // [webhook] drain_seconds
      expect(l.lines.at(-1)?.msg).toBe('paas-webhook stopped');
    }
  });

  it('voluntary evictions through the Eviction API: the PDB refuses the second while the first is not back; 0 failed admissions', async () => {
    const [a, b] = (await webhookPods()).map((p) => p.metadata.name as string) as [string, string];
    const logA = followLogs(a);
    let evictedAt = 0;
    const summary = await underStream('evict', async () => {
      evictedAt = Date.now();
      const first = await evict(a);
      expect(first.code, first.stderr).toBe(0);
      // a is terminating and its replacement not Ready: minAvailable 1 leaves no disruption.
      const second = await evict(b);
      expect(second.code).not.toBe(0);
      expect(second.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget");
      const back = await waitFor(() => twoReady([a]), { timeoutMs: 120_000, what: `a replacement for ${a} Ready` });
      // Back to two: now b may go.
      const third = await waitFor(
        async () => {
          const r = await evict(b);
          return r.code === 0 ? r : undefined;
        },
        { timeoutMs: 30_000, what: `the eviction of ${b} allowed once ${a} is replaced` },
      );
      expect(third.code).toBe(0);
      await waitFor(() => twoReady([a, b]), { timeoutMs: 120_000, what: `a replacement for ${b} Ready` });
      expect(back.map((p) => p.metadata.name)).toContain(b);
    });
    console.log(report('two evictions', summary));
    expect(summary.failed, report('two evictions', summary)).toBe(0);
    // The evicted pod's preStop sleep (5 s) ran before SIGTERM started the drain.
    await logA.done;
    const draining = logA.lines.find((x) => x.msg.startsWith('draining'));
    expect(draining, JSON.stringify(logA.lines.slice(-5))).toBeDefined();
    expect(draining!.time - evictedAt).toBeGreaterThanOrEqual(5000);
    expect(logA.lines.at(-1)?.msg).toBe('paas-webhook stopped');
  });

  it('SIGKILL of one webhook container: the failed admissions and how long the API server kept calling the dead endpoint', async () => {
    const pods = await webhookPods();
    let victim: Obj | undefined;
    let share = '';
    let killedAt = 0;
    let endpointGoneAt = 0;
    let readyAgainAt = 0;
    const summary = await underStream('sigkill', async (stream) => {
      // The victim is the replica the API server is calling most now (its connections are kept
      // alive, so one replica may take all the admissions for a while): killing an idle one
      // would prove nothing.
      const before = await Promise.all(pods.map((p) => admissionsServed(p.status.podIP)));
      const seen = stream.ok();
      await waitFor(() => stream.ok() >= seen + STREAM.rate, { timeoutMs: 30_000, what: 'one more second of applies' });
      const served = (await Promise.all(pods.map((p) => admissionsServed(p.status.podIP)))).map((n, i) => n - (before[i] ?? 0));
      const busiest = served.indexOf(Math.max(...served));
      victim = pods[busiest];
      share = `${served[busiest]} of the ${served.reduce((a, b) => a + b, 0)} admissions of the last second`;
      expect(served[busiest]).toBeGreaterThan(0);
      const id = String(victim!.status.containerStatuses[0].containerID).replace(/^containerd:\/\//, '');
      killedAt = Date.now();
      const killed = await ctr(node, ['tasks', 'kill', '--signal', 'SIGKILL', id]);
      expect(killed.code, killed.stderr).toBe(0);
      await waitFor(
        async () =>
          !(await readyEndpoints()).includes(victim!.status.podIP) ||
          (await getJson('pod', victim!.metadata.name, W.namespace)).status.containerStatuses[0].restartCount > 0,
        { timeoutMs: 60_000, intervalMs: 100, what: 'the kill noticed' },
      );
      endpointGoneAt = Date.now();
      await waitFor(
        async () => {
          const p = await getJson('pod', victim!.metadata.name, W.namespace);
          return p.status.containerStatuses[0].restartCount === 1 && isReady(p) && (await readyEndpoints()).length === 2;
        },
        { timeoutMs: 120_000, what: 'the container restarted and Ready again' },
      );
      readyAgainAt = Date.now();
    });
    const p = await getJson('pod', victim!.metadata.name, W.namespace);
    // The kubelet saw a SIGKILL (137) and restarted the same pod's container.
    expect(p.status.containerStatuses[0].lastState.terminated.exitCode).toBe(137);
    const failures = summary.records.filter((r) => !r.ok);
    const window = failures.length ? `${failures[0]!.startedAt - killedAt}..${failures.at(-1)!.endedAt - killedAt} ms after the kill` : 'none';
    console.log(
      `${report('SIGKILL of one container', summary)}; failures ${window}; the victim had served ${share}; its endpoint left the Service (or the container restarted) ${endpointGoneAt - killedAt} ms after the kill, Ready again after ${readyAgainAt - killedAt} ms`,
    );
    // Every failure is the API server failing to call the webhook (fail closed), nothing else.
    for (const f of failures) expect(f.message).toContain(`failed calling webhook "${HOOK}"`);
    expect(summary.applies - summary.failed).toBeGreaterThan(4 * STREAM.rate);
  });

  it('the whole webhook down, default overlay: writes in covered namespaces refused; kube-system and paas-system unaffected', async () => {
    await kubectlOk(['scale', `deployment/${W.deployment}`, '-n', W.namespace, '--replicas=0']);
    await waitFor(async () => (await listJson('pods', W.namespace, W.podSelector)).length === 0, { timeoutMs: 90_000, what: 'no webhook pod left' });
    const write = (namespace: string, name: string) =>
      kubectl(['apply', '-n', namespace, '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name },
          spec: {
            replicas: 0,
            selector: { matchLabels: { app: name } },
            template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'paas.local/testapp:1' }] } },
          },
        }),
      });
    const covered = await write(ns, 'while-down');
    expect(covered.code).not.toBe(0);
    expect(covered.stderr).toContain(`failed calling webhook "${HOOK}"`);
    console.log(`webhook down, default overlay: ${covered.stderr.trim()}`);
    for (const excluded of ['kube-system', W.namespace]) {
      const r = await write(excluded, 'paas-e2e-while-down');
      // (paas-system's Pod Security may warn about the template; the webhook is never called.)
      expect(r.stderr).not.toContain('webhook');
      expect(r.code, r.stderr).toBe(0);
      await kubectlOk(['delete', 'deployment', 'paas-e2e-while-down', '-n', excluded]);
    }
    // It can always be brought back (paas-system is excluded from it).
    await kubectlOk(['scale', `deployment/${W.deployment}`, '-n', W.namespace, '--replicas=2']);
    await waitFor(() => twoReady(), { timeoutMs: 120_000, what: 'the webhook back' });
    expect((await write(ns, 'after-down')).code).toBe(0);
  });

  it('the whole webhook down, fail-open overlay: admitted unless it breaks the policy, then refused by the ValidatingAdmissionPolicy', async () => {
    overlay = Overlay.failOpen;
    await install();
    // The overlay changed the webhook's environment: the pods rolled, and the new leader re-arms
    // the enforce entry with Ignore (an old pod may have answered the install's dry run).
    await waitFor(
      async () => ((await getJson('mutatingwebhookconfiguration', W.configuration)).webhooks as Obj[]).find((w) => w.name === HOOK)?.failurePolicy === 'Ignore',
      { timeoutMs: 120_000, what: `the leader re-arming ${HOOK} with failurePolicy Ignore` },
    );
    await kubectlOk(['scale', `deployment/${W.deployment}`, '-n', W.namespace, '--replicas=0']);
    await waitFor(async () => (await listJson('pods', W.namespace, W.podSelector)).length === 0, { timeoutMs: 90_000, what: 'no webhook pod left' });
    const plain = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'plain-open' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'p' } },
        template: {
          metadata: { labels: { app: 'p' } },
          spec: { containers: [{ name: 'app', image: 'paas.local/testapp:1', ports: [{ containerPort: 8080 }] }] },
        },
      },
    };
    const broken = await kubectl(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(plain) });
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toContain("ValidatingAdmissionPolicy 'paas-rollout-policy'");
    expect(broken.stderr).toContain('spec.strategy.rollingUpdate.maxSurge must be 1, not 25%');
    console.log(`webhook down, fail-open overlay: ${broken.stderr.trim().split('\n')[0]}`);
    // A Deployment the webhook fixed earlier (one of the stream's), written again: it obeys the
    // policy, so it is admitted with no webhook.
    const fixed = await getJson('deployment', 'upgrade-0', ns);
    expect(fixed.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    fixed.metadata = { name: 'fixed-open', annotations: { 'e2e.paas.io/copy-of': 'upgrade-0' } };
    delete fixed.status;
    const ok = await kubectl(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(fixed) });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    await kubectlOk(['scale', `deployment/${W.deployment}`, '-n', W.namespace, '--replicas=2']);
    await waitFor(() => twoReady(), { timeoutMs: 120_000, what: 'the webhook back' });
  });
});
