// Adopting paas-webhook on a live cluster without risk, on the real node, by both install paths
// (kubectl apply -k of the shipped manifests through test/e2e/overlays/, and the Helm chart):
//   given an install whose image tag does not exist (its pods never start), Deployment writes in a
//   covered namespace succeed, unmutated, from the first seconds and for minutes after, and the
//   configuration stays disarmed;
//   when the image is fixed, enforcement begins (a server-side dry run comes back mutated) within
//   ENFORCE_BOUND_MS, the configuration armed with failurePolicy Fail;
//   the modes, on the real API server: opt-in (kustomize) and warn (Helm), kubectl printing the
//   "paas: would ..." warnings and the stored object unchanged in warn;
//   with every webhook pod gone, the documented failure policy holds: enforced namespaces refuse
//   writes (Fail), warn and unselected namespaces, kube-system and paas-system take them;
//   and uninstalling, with the pods already gone, leaves no MutatingWebhookConfiguration of ours:
//   writes succeed, unmutated.
// What it should cost on this 2-core machine (estimated, not yet run): about 5 min for kustomize
// (two minutes of it the broken install, written to once a second; a re-arm after each rollout
// within about a minute) and 4 min for Helm (one minute broken).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyWebhook, buildWebhookImage, loadWebhookImage, nodeOf, Overlay, uninstallWebhook, WebhookNames as W } from './cluster/webhook-install.js';
import { startApplyStream, type StreamSummary } from './lib/apply-stream.js';
import { binDir, getJson, kubeconfig, kubectl, kubectlOk, listJson, newNamespace, waitFor, type KubectlResult } from './lib/cluster.js';
import { ownClusterForThisFile } from './lib/locks.js';

// The webhook installed in paas-system covers every namespace: no other file runs beside this one
// (lib/locks.ts).
ownClusterForThisFile();

type Obj = Record<string, any>; // raw Kubernetes objects, read field by field

const ROOT = resolve(import.meta.dirname, '../..');
const HELM = join(ROOT, '.cache/bin/helm-v4.3.1/helm');
const CHART = join(ROOT, 'manifests/helm/paas-webhook');
const K = () => join(binDir(), 'kubectl');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** From the fix of the image to the first mutated dry run: a rollout of a present image, the
 * readiness probe, the leader's first certificate and self-check (about 30 s here). */
const ENFORCE_BOUND_MS = 120_000;
/** The first write after the broken install returns within this (it takes a fraction of a second). */
const FIRST_WRITE_MS = 15_000;
const ENTRY = { selfCheck: 'self-check.paas.io', enforce: 'rollout-policy.paas.io', warn: 'rollout-policy-warn.paas.io' } as const;
const ARMED = [`${ENTRY.selfCheck} Fail`, `${ENTRY.enforce} Fail`, `${ENTRY.warn} Ignore`];

const plain = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'paas.local/testapp:1', ports: [{ containerPort: 8080 }] }] } },
  },
});

/** `kubectl apply` of a plain Deployment: what a user sees (kubectl's warnings on stderr). */
const write = (ns: string, name: string) => kubectl(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(plain(name)) });

/** What the API server would store for a plain Deployment in `ns` (a server-side dry run). */
async function dryRun(ns: string): Promise<KubectlResult & { stored?: Obj }> {
  const r = await kubectl(['create', '--dry-run=server', '-o', 'json', '-n', ns, '-f', '-'], { input: JSON.stringify(plain('probe')) });
  return r.code === 0 ? { ...r, stored: JSON.parse(r.stdout) as Obj } : r;
}

const deployId = (d: Obj | undefined): unknown => d?.spec?.template?.metadata?.labels?.['paas.io/deploy-id'];

/** The entries of our configuration as `name failurePolicy`; [] when it does not exist. */
async function entries(): Promise<string[]> {
  const r = await kubectl(['get', 'mutatingwebhookconfiguration', W.configuration, '-o', 'json', '--ignore-not-found']);
  if (r.stdout.trim() === '') return [];
  return ((JSON.parse(r.stdout) as Obj).webhooks as Obj[]).map((w) => `${w.name} ${w.failurePolicy}`);
}

/** Every MutatingWebhookConfiguration with a paas.io entry or our name. */
async function ourConfigurations(): Promise<string[]> {
  const all = await listJson('mutatingwebhookconfigurations');
  return all
    .filter((c) => c.metadata.name === W.configuration || ((c.webhooks ?? []) as Obj[]).some((w) => String(w.name).endsWith('.paas.io')))
    .map((c) => c.metadata.name);
}

/** The enforce entry's namespace requirement on paas.io/mode, once the leader has (re-)armed it. */
async function enforceModeRequirement(): Promise<Obj | undefined> {
  const mwc = await getJson('mutatingwebhookconfiguration', W.configuration);
  const enforce = (mwc.webhooks as Obj[]).find((w) => w.name === ENTRY.enforce);
  return (enforce?.namespaceSelector?.matchExpressions as Obj[] | undefined)?.find((e) => e.key === 'paas.io/mode');
}

/** The webhook's pods, each waiting on an image the node does not hold (imagePullPolicy Never). */
async function podsCannotStart(): Promise<boolean> {
  const pods = await listJson('pods', W.namespace, W.podSelector);
  return pods.length > 0 && pods.every((p) => (p.status?.containerStatuses ?? []).some((c: Obj) => c.state?.waiting?.reason === 'ErrImageNeverPull'));
}

const report = (s: StreamSummary) =>
  `${s.applies} kubectl applies in ${(s.durationMs / 1000).toFixed(0)} s, ${s.failed} failed` +
  (s.messages.length ? `: ${s.messages.map((m) => `${m.count}x ${m.message}`).join(' | ')}` : '');

/**
 * The broken install, observed: one kubectl apply a second into `ns` from the moment the install
 * returned, until `writes` have succeeded with the webhook's pods still unable to start. Every
 * write must succeed, the first within FIRST_WRITE_MS, and the configuration must stay disarmed.
 */
async function writesWhileBroken(ns: string, writes: number, installedAt: number): Promise<void> {
  const stream = startApplyStream({
    kubectl: K(),
    kubeconfig: kubeconfig(),
    namespace: ns,
    prefix: 'broken',
    writers: 1,
    rate: 1,
    maxSeconds: writes * 2 + 60,
  });
  let summary: StreamSummary | undefined;
  try {
    await waitFor(() => stream.ok() + stream.failed().length > 0, { timeoutMs: FIRST_WRITE_MS, what: 'the first write after the install' });
    await waitFor(async () => stream.failed().length > 0 || (stream.ok() >= writes && (await podsCannotStart())), {
      timeoutMs: writes * 2000 + 60_000,
      intervalMs: 1000,
      what: `${writes} writes while the webhook's pods cannot start`,
    });
  } finally {
    summary = await stream.stop();
  }
  console.log(`broken install: ${report(summary)}; first write answered ${summary.records[0]!.endedAt - installedAt} ms after the install returned`);
  expect(summary.failed, report(summary)).toBe(0);
  expect(summary.records[0]!.endedAt - installedAt).toBeLessThan(FIRST_WRITE_MS);
  expect(await podsCannotStart()).toBe(true);
  // Unmutated, and nothing armed: the installed configuration matches nothing but the probe.
  const stored = await getJson('deployment', 'broken-0', ns);
  expect(stored.spec.strategy.rollingUpdate).toEqual({ maxSurge: '25%', maxUnavailable: '25%' });
  expect(deployId(stored)).toBeUndefined();
  expect(await entries()).toEqual([`${ENTRY.selfCheck} Fail`]);
}

/** Enforcement after the fix, within the bound: a dry run in `ns` comes back mutated. */
async function enforcedWithinBound(ns: string, fixedAt: number): Promise<void> {
  const stored = await waitFor(
    async () => {
      const s = (await dryRun(ns)).stored;
      return deployId(s) !== undefined ? s : undefined;
    },
    { timeoutMs: ENFORCE_BOUND_MS, intervalMs: 1000, what: 'a mutated dry run once the image is fixed' },
  );
  console.log(`image fixed: enforcement began ${((Date.now() - fixedAt) / 1000).toFixed(1)} s later (bound ${ENFORCE_BOUND_MS / 1000} s)`);
  expect(stored.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  expect(await entries()).toEqual(ARMED);
  // The logs of the pods that run: those of the missing image never started a container (they
  // may linger a moment after the rollout), so they have no log to read.
  const running = (await listJson('pods', W.namespace, W.podSelector)).filter((p) =>
    (p.status?.containerStatuses ?? []).some((c: Obj) => c.state?.running !== undefined),
  );
  expect(running.length).toBeGreaterThan(0);
  const logs = (await Promise.all(running.map((p) => kubectlOk(['logs', '-n', W.namespace, p.metadata.name as string, '--tail=-1'])))).join('\n');
  const armedLine = logs.split('\n').find((l) => l.includes('arming: policy entries registered'));
  expect(armedLine, logs.slice(-2000)).toBeDefined();
  expect(JSON.parse(armedLine!).selfCheck).toMatch(/came back mutated/);
}

/** Scales the webhook to 0 and waits until no pod of it is left. */
async function everyPodGone(): Promise<void> {
  await kubectlOk(['scale', `deployment/${W.deployment}`, '-n', W.namespace, '--replicas=0']);
  await waitFor(async () => (await listJson('pods', W.namespace, W.podSelector)).length === 0, { timeoutMs: 90_000, what: 'no webhook pod left' });
}

/** With every pod gone: refused where enforced (failurePolicy Fail), taken everywhere else it names. */
async function failurePolicyHolds(enforced: string, admitting: string[]): Promise<void> {
  const refused = await write(enforced, 'while-down');
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain(`failed calling webhook "${ENTRY.enforce}"`);
  console.log(`every webhook pod gone, ${enforced}: ${refused.stderr.trim().split('\n')[0]}`);
  for (const ns of [...admitting, 'kube-system', W.namespace]) {
    const r = await write(ns, 'paas-e2e-while-down');
    expect(r.stderr, ns).not.toContain('failed calling webhook');
    expect(r.code, `${ns}: ${r.stderr}`).toBe(0);
    if (ns === 'kube-system' || ns === W.namespace) await kubectlOk(['delete', 'deployment', 'paas-e2e-while-down', '-n', ns]);
  }
}

/** After the uninstall: no configuration of ours, and writes succeed unmutated where they were enforced. */
async function goneCleanly(enforced: string): Promise<void> {
  expect(await ourConfigurations()).toEqual([]);
  const r = await write(enforced, 'after-uninstall');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const stored = await getJson('deployment', 'after-uninstall', enforced);
  expect(stored.spec.strategy.rollingUpdate.maxSurge).toBe('25%');
  expect(deployId(stored)).toBeUndefined();
}

let goodImage = '';

beforeAll(async () => {
  // Built by `make test` beforehand (make webhook-image); here it is only checked and reused.
  const image = await buildWebhookImage((l) => console.log(l));
  await loadWebhookImage(nodeOf(kubeconfig()), image, (l) => console.log(l));
  goodImage = image.image;
}, 600_000);

/** The built image's name with a tag no node holds. */
const missingImage = () => `${goodImage.slice(0, goodImage.lastIndexOf(':'))}:missing-${randomBytes(4).toString('hex')}`;

describe('adopting with kubectl apply -k', () => {
  const install = (overlay: Overlay, image: string) => applyWebhook({ kubeconfig: kubeconfig(), kubectl: K(), overlay, image, log: (l) => console.log(l) });
  let installed: { overlay: Overlay; image: string } | undefined;
  let ns: string; // no paas.io/mode label: covered with the default (opt-out), not with opt-in
  let warnNs: string;
  let enforceNs: string;

  beforeAll(async () => {
    ns = await newNamespace('adopt-k');
    warnNs = await newNamespace('adopt-k-warn', { 'paas.io/mode': 'warn' });
    enforceNs = await newNamespace('adopt-k-enforce', { 'paas.io/mode': 'enforce' });
  });

  afterAll(async () => {
    if (installed) await uninstallWebhook({ kubeconfig: kubeconfig(), kubectl: K(), ...installed });
  }, 200_000);

  it('an image tag that does not exist: writes succeed, unmutated, from the first seconds and for two minutes; nothing is armed', async () => {
    const image = missingImage();
    await install(Overlay.default, image);
    installed = { overlay: Overlay.default, image };
    await writesWhileBroken(ns, 120, Date.now());
  }, 300_000);

  it(`the image fixed: enforcement begins within ${ENFORCE_BOUND_MS / 1000} s, the configuration armed with failurePolicy Fail`, async () => {
    const fixedAt = Date.now();
    await install(Overlay.default, goodImage);
    installed = { overlay: Overlay.default, image: goodImage };
    await enforcedWithinBound(ns, fixedAt);
  }, 240_000);

  it('the opt-in overlay: only labelled namespaces, each in its mode; in warn kubectl prints what would change and the stored object is the one sent', async () => {
    await install(Overlay.optIn, goodImage);
    installed = { overlay: Overlay.optIn, image: goodImage };
    await waitFor(async () => (await enforceModeRequirement())?.operator === 'In', {
      timeoutMs: 180_000,
      intervalMs: 1000,
      what: 'the leader re-arming for opt-in',
    });
    await kubectlOk(['rollout', 'status', `deployment/${W.deployment}`, '-n', W.namespace, '--timeout=120s'], { timeoutMs: 130_000 });

    const unlabelled = await write(ns, 'opt-in-unlabelled');
    expect(unlabelled.code, unlabelled.stderr).toBe(0);
    expect(unlabelled.stderr).not.toContain('paas:');
    expect((await getJson('deployment', 'opt-in-unlabelled', ns)).spec.strategy.rollingUpdate.maxSurge).toBe('25%');

    const warned = await write(warnNs, 'opt-in-warned');
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toContain('Warning: paas: would change maxSurge 25% -> 1');
    expect(warned.stderr).toContain('Warning: paas: would add preStop sleep 5 to container app');
    const asSent = await getJson('deployment', 'opt-in-warned', warnNs);
    expect(asSent.spec.strategy.rollingUpdate).toEqual({ maxSurge: '25%', maxUnavailable: '25%' });
    expect(asSent.spec.template.spec.containers[0].lifecycle).toBeUndefined();
    expect(deployId(asSent)).toBeUndefined();

    const enforced = await write(enforceNs, 'opt-in-enforced');
    expect(enforced.code, enforced.stderr).toBe(0);
    expect(enforced.stderr).toContain('Warning: paas: maxSurge 25% -> 1');
    expect((await getJson('deployment', 'opt-in-enforced', enforceNs)).spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  }, 360_000);

  it('every webhook pod gone: the enforced namespace refuses writes (Fail); the warn, unselected, kube-system and paas-system namespaces take them', async () => {
    await everyPodGone();
    await failurePolicyHolds(enforceNs, [warnNs, ns]);
  }, 180_000);

  it('kubectl delete -k with the pods already gone: no MutatingWebhookConfiguration of ours remains, writes succeed unmutated', async () => {
    await uninstallWebhook({ kubeconfig: kubeconfig(), kubectl: K(), ...installed! });
    installed = undefined;
    await goneCleanly(enforceNs);
  }, 240_000);
});

describe('adopting with helm install', () => {
  const RELEASE = 'paas-webhook';
  const RELEASE_NS = 'default';
  const tmp = mkdtempSync(join(tmpdir(), 'paas-adopt-helm-'));
  let installed = false;
  let ns: string; // unlabelled: enforced by default, warned in warn mode
  let enforceNs: string;

  const helm = (args: string[], timeoutMs = 180_000): Promise<KubectlResult> =>
    new Promise((res) => {
      execFile(
        HELM,
        args,
        {
          env: {
            ...process.env,
            KUBECONFIG: kubeconfig(),
            HELM_CACHE_HOME: join(tmp, 'cache'),
            HELM_CONFIG_HOME: join(tmp, 'config'),
            HELM_DATA_HOME: join(tmp, 'data'),
          },
          timeout: timeoutMs,
          maxBuffer: 64 << 20,
        },
        (err, stdout, stderr) => res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
      );
    });
  const helmOk = async (args: string[]) => {
    const r = await helm(args);
    if (r.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  };

  beforeAll(async () => {
    mkdirSync(join(tmp, 'cache'), { recursive: true });
    const at = goodImage.lastIndexOf(':');
    // The image only the node's containerd holds, on the real node (as test/e2e/overlays/local-image).
    writeFileSync(
      join(tmp, 'node-values.yaml'),
      [
        'image:',
        `  repository: ${goodImage.slice(0, at)}`,
        '  pullPolicy: Never',
        'nodeSelector:',
        '  kubernetes.io/hostname: paas-node',
        'tolerations:',
        '  - key: paas.io/real-node',
        '    operator: Equal',
        '    value: "true"',
        '    effect: NoSchedule',
        '',
      ].join('\n'),
    );
    ns = await newNamespace('adopt-h');
    enforceNs = await newNamespace('adopt-h-enforce', { 'paas.io/mode': 'enforce' });
  });

  afterAll(async () => {
    if (installed) await helm(['uninstall', RELEASE, '-n', RELEASE_NS, '--wait', '--timeout', '150s']);
    await kubectl(['wait', '--for=delete', `namespace/${W.namespace}`, '--timeout=150s'], { timeoutMs: 180_000 });
    rmSync(tmp, { recursive: true, force: true });
  }, 200_000);

  it('helm install with an image tag that does not exist: writes succeed, unmutated, from the first seconds and for a minute; nothing is armed', async () => {
    // A paas-system left Terminating by the previous install cannot take new objects.
    await kubectl(['wait', '--for=delete', `namespace/${W.namespace}`, '--timeout=150s'], { timeoutMs: 180_000 });
    const tag = missingImage().split(':').at(-1)!;
    const r = await helm(['install', RELEASE, CHART, '-n', RELEASE_NS, '-f', join(tmp, 'node-values.yaml'), '--set', `image.tag=${tag}`]);
    expect(r.code, r.stderr).toBe(0);
    installed = true;
    // NOTES.txt says the install starts disarmed, and how to see it work and to remove it.
    expect(r.stdout).toContain('It starts disarmed');
    expect(r.stdout).toContain(`helm uninstall ${RELEASE} -n ${RELEASE_NS}`);
    await writesWhileBroken(ns, 60, Date.now());
  }, 240_000);

  it(`helm upgrade to an image that exists: enforcement begins within ${ENFORCE_BOUND_MS / 1000} s, the configuration armed with failurePolicy Fail`, async () => {
    const fixedAt = Date.now();
    await helmOk(['upgrade', RELEASE, CHART, '-n', RELEASE_NS, '--reuse-values', '--set', `image.tag=${goodImage.slice(goodImage.lastIndexOf(':') + 1)}`]);
    await enforcedWithinBound(ns, fixedAt);
  }, 240_000);

  it('config.webhook.mode=warn: unlabelled namespaces get the warnings and keep their object; a namespace labelled enforce is mutated', async () => {
    await helmOk(['upgrade', RELEASE, CHART, '-n', RELEASE_NS, '--reuse-values', '--set', 'config.webhook.mode=warn']);
    await waitFor(async () => (await enforceModeRequirement())?.operator === 'In', {
      timeoutMs: 180_000,
      intervalMs: 1000,
      what: 'the leader re-arming for warn mode',
    });
    await kubectlOk(['rollout', 'status', `deployment/${W.deployment}`, '-n', W.namespace, '--timeout=120s'], { timeoutMs: 130_000 });
    const warned = await write(ns, 'warn-mode');
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toContain('Warning: paas: would change maxUnavailable 25% -> 0');
    expect(warned.stderr).toContain('Warning: paas: would add readinessProbe GET / on port 8080 to container app');
    const asSent = await getJson('deployment', 'warn-mode', ns);
    expect(asSent.spec.strategy.rollingUpdate).toEqual({ maxSurge: '25%', maxUnavailable: '25%' });
    expect(asSent.spec.template.spec.containers[0].readinessProbe).toBeUndefined();
    const enforced = await write(enforceNs, 'warn-mode-enforced');
    expect(enforced.code, enforced.stderr).toBe(0);
    expect((await getJson('deployment', 'warn-mode-enforced', enforceNs)).spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    // The replicas' metrics ports: the Deployment that fell short is counted by the one that
    // answered, and each says which release it runs (package.json's version, the one source).
    const pods = (await listJson('pods', W.namespace, W.podSelector)).filter((p) => !p.metadata.deletionTimestamp && p.status?.podIP);
    let wouldMutate = 0;
    for (const p of pods) {
      const text = await (await fetch(`http://${p.status.podIP}:9090/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('paas_webhook_admissions_total{operation="CREATE",result="would-mutate"}'));
      wouldMutate += line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
      expect(text).toContain(`paas_webhook_build_info{version="${VERSION}",node_version="`);
      expect(await (await fetch(`http://${p.status.podIP}:9090/version`)).json()).toMatchObject({ version: VERSION });
    }
    expect(wouldMutate).toBeGreaterThanOrEqual(1);
  }, 360_000);

  it('every webhook pod gone: the namespace labelled enforce refuses writes (Fail); the warn namespace, kube-system and paas-system take them', async () => {
    await everyPodGone();
    await failurePolicyHolds(enforceNs, [ns]);
  }, 180_000);

  it('helm uninstall with the pods already gone: no MutatingWebhookConfiguration of ours remains, writes succeed unmutated', async () => {
    const r = await helm(['uninstall', RELEASE, '-n', RELEASE_NS, '--wait', '--timeout', '150s']);
    expect(r.code, r.stderr).toBe(0);
    installed = false;
    await goneCleanly(enforceNs);
  }, 240_000);
});
