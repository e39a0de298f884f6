// Installing paas-webhook from manifests/ on a real control plane: the API server accepts the
// base and its overlays, the ServiceAccount can do exactly what the webhook needs (proven with
// its own token: arming included), the exclusions keep kube-system and paas-system writable while the webhook is
// down, the fail-open overlay's ValidatingAdmissionPolicy refuses what the webhook would have
// fixed (and never what it did fix), two webhook processes sharing one certificate Secret
// rotate it without failing an admission, and in cert-manager mode the webhook needs no API
// access but GET /version.
//
// Here the webhook runs as a local process (dist/webhook/main.js), so a test can hold its token,
// its files and its Lease in hand, and the MutatingWebhookConfiguration is pointed at it with
// clientConfig.url (the pods this file applies land on kwok's nodes, which run nothing). The
// manifests ship the configuration disarmed (the self-check entry only); this file registers the
// policy's entries as the leader arms them (policyEntries, the armer's own function, from the
// manifests' paas.toml and environment), pointed at the local processes. The image itself,
// installed the same way and called through its Service on the real node, is
// webhook-in-cluster.test.ts. Every webhook and policy this file registers also requires the label
// SCOPE on the namespace, which only this file's namespaces carry (and kube-system/paas-system
// while the exclusions are tested), and is deleted in afterAll.
import { X509Certificate } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { AppsV1Api, Watch, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from 'selfsigned';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { parseConfig } from '../../core/config.js';
import { checkDeployment, mutateDeployment } from '../../core/policy/index.js';
import { Entry, policyEntries, type ArmSettings } from '../../webhook/server/arming.js';
import { SKIP_CORPUS } from '../unit/corpus.js';
import { kubectlRead } from '../unit/kubectl-oracle.js';
import { freePort, kubeClient, kubeconfig, kubectl, newNamespace, waitFor } from './lib/cluster.js';
import { serveArgs } from '../unit/webhook/serve-args.js';
import { ownClusterForThisFile } from './lib/locks.js';

// The webhook installed in paas-system covers every namespace: no other file runs beside this one
// (lib/locks.ts).
ownClusterForThisFile();

type Obj = Record<string, any>; // raw Kubernetes objects, read field by field

const ROOT = resolve(import.meta.dirname, '../..');
const MANIFESTS = join(ROOT, 'manifests');
const OVERLAY = { certManager: join(MANIFESTS, 'overlays/cert-manager'), failOpen: join(MANIFESTS, 'overlays/fail-open') };
const CRD_FIXTURE = join(ROOT, 'test/e2e/fixtures/cert-manager-crds.yaml');
const WEBHOOK_MAIN = join(ROOT, 'dist/webhook/main.js');
const CORPUS = resolve(ROOT, '../shared/corpus/deployments');
const SCOPE = 'e2e.paas.io/manifests';
const SYSTEM_NS = 'paas-system';
const HOOK = 'rollout-policy.paas.io';
const SA = 'paas-webhook';
const EXCLUDED = ['kube-system', 'kube-public', 'kube-node-lease', SYSTEM_NS];
/**
 * The corpus' apps/v1 Deployments the API server's own validation refuses, whatever admission
 * does: two kustomize bases with no selector, and a placeholder name (test/e2e/webhook.test.ts
 * holds the same to the reasons).
 */
const INVALID_FOR_THE_API_SERVER = [
  '12-ingress-nginx-grafana-no-template-labels.yaml',
  '13-metrics-server-base-no-template-labels.yaml',
  '26-cloud-sql-proxy-native-sidecar.yaml',
];

let tmp = ''; // this file's scratch folder (kubeconfig, paas.toml)
const started: ChildProcess[] = [];
const labelled: string[] = [];

// ---- kubectl and objects ----------------------------------------------------------------------

/** kubectl against the e2e cluster; throws with stderr unless `allowFail`. */
async function k(args: string[], opts: { input?: string; allowFail?: boolean } = {}) {
  const r = await kubectl(args, opts.input === undefined ? {} : { input: opts.input });
  if (r.code !== 0 && !opts.allowFail) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r;
}

/** kubectl with another kubeconfig (the ServiceAccount's) instead of the admin one. */
function kAs(config: string, args: string[]) {
  return kubectl(args, { env: { KUBECONFIG: config } });
}

async function render(dir: string): Promise<Obj[]> {
  const r = await k(['kustomize', dir]);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Obj)
    .filter((o) => o !== null);
}

function one(docs: Obj[], kind: string, name?: string): Obj {
  const found = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata?.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0] as Obj;
}

const kinds = (docs: Obj[]): string[] => docs.map((d) => `${d.kind}/${d.metadata.name}`).sort();
const toYaml = (docs: Obj[]): string => docs.map((d) => stringify(d)).join('---\n');

/** The settings the webhook of these manifests runs with: paas.toml, then the overlay's
 * PAAS_WEBHOOK_* environment (fail-open sets the failure policy that way). */
function settingsOf(docs: Obj[]): ArmSettings {
  const config = parseConfig(one(docs, 'ConfigMap').data['paas.toml'] as string, 'paas.toml');
  const env = Object.fromEntries((one(docs, 'Deployment').spec.template.spec.containers[0].env as Obj[]).map((e) => [e.name, e.value]));
  return {
    ...config.webhook,
    ...(env.PAAS_WEBHOOK_MODE ? { mode: env.PAAS_WEBHOOK_MODE } : {}),
    ...(env.PAAS_WEBHOOK_NAMESPACES ? { namespaces: env.PAAS_WEBHOOK_NAMESPACES } : {}),
    ...(env.PAAS_WEBHOOK_FAILURE_POLICY ? { failurePolicy: env.PAAS_WEBHOOK_FAILURE_POLICY } : {}),
    ownNamespace: SYSTEM_NS,
  };
}

/**
 * The rendered manifests as this test applies them, armed: the configuration holds the enforce
 * entry the leader would add for these manifests, once per url (so each local process sees every
 * admission), calling `urls` and, like the ValidatingAdmissionPolicy binding, also requiring SCOPE
 * on the namespace. Everything else is applied exactly as rendered.
 */
function forTest(docs: Obj[], urls: readonly string[]): Obj[] {
  const settings = settingsOf(docs);
  return structuredClone(docs).map((d) => {
    if (d.kind === 'MutatingWebhookConfiguration') {
      const [enforce] = policyEntries(settings, (d.webhooks as Obj[])[0]!) as Obj[];
      d.webhooks = urls.map((url, i) => {
        const w = structuredClone(enforce) as Obj;
        if (i > 0) w.name = HOOK.replace('.', `-${i}.`);
        w.clientConfig = { url };
        w.namespaceSelector.matchExpressions.push({ key: SCOPE, operator: 'In', values: ['true'] });
        return w;
      });
    }
    if (d.kind === 'ValidatingAdmissionPolicyBinding') {
      d.spec.matchResources = { namespaceSelector: { matchLabels: { [SCOPE]: 'true' } } };
    }
    return d;
  });
}

/** A Deployment as `kubectl create deployment` writes it: the API defaults break the policy. */
function plainDeployment(name: string, namespace: string, labels: Record<string, string> = {}, image = 'registry.example/web:1'): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name, ...labels } },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
}

async function getJson(args: string[]): Promise<Obj> {
  return JSON.parse((await k([...args, '-o', 'json'])).stdout) as Obj;
}

/**
 * The corpus's apps/v1 Deployments as kubectl reads them (YAML 1.1: `defaultMode: 0644` is 420),
 * moved into `namespace` (status and server fields dropped). Sent back as JSON, so nothing
 * re-reads them as YAML.
 */
function corpusDeployments(namespace: string): Array<{ file: string; obj: Obj }> {
  const files = existsSync(CORPUS)
    ? readdirSync(CORPUS)
        .filter((f) => f.endsWith('.yaml'))
        .sort()
    : [];
  if (files.length === 0) {
    if (process.env.PAAS_REQUIRE_CORPUS === '1') throw new Error(`corpus missing at ${CORPUS} (PAAS_REQUIRE_CORPUS=1)`);
    console.warn(`manifests.test: ${CORPUS} absent; the corpus checks are skipped`);
  }
  return files.flatMap((file) => {
    const read = kubectlRead(readFileSync(join(CORPUS, file), 'utf8'));
    if ('error' in read) throw new Error(`kubectl cannot read ${file}: ${read.error}`);
    const obj = read.objects[0] as Obj;
    if (obj?.kind !== 'Deployment' || obj.apiVersion !== 'apps/v1') return [];
    const annotations = { ...(obj.metadata.annotations ?? {}) } as Record<string, string>;
    delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
    delete obj.status;
    obj.metadata = { name: obj.metadata.name, namespace, labels: obj.metadata.labels ?? {}, annotations };
    return [{ file, obj }];
  });
}

async function secretData(): Promise<Record<string, string>> {
  const s = await getJson(['get', 'secret', 'paas-webhook-tls', '-n', SYSTEM_NS]);
  return Object.fromEntries(Object.entries((s.data ?? {}) as Record<string, string>).map(([key, v]) => [key, Buffer.from(v, 'base64').toString()]));
}

// ---- the webhook as a local process -----------------------------------------------------------

interface Webhook {
  child: ChildProcess;
  port: number;
  metricsPort: number;
  log: string[];
}

/** Starts `paas-webhook serve --self-signed` with the ServiceAccount's kubeconfig. */
function startWebhook(identity: string, config: string, paasToml: string, extra: string[] = []): Promise<Webhook> {
  return startServe(config, paasToml, [
    ...extra,
    '--self-signed',
    '--secret-name',
    'paas-webhook-tls',
    '--secret-namespace',
    SYSTEM_NS,
    '--webhook-config-name',
    'paas-webhook',
    '--service-name',
    'paas-webhook',
    '--lease-name',
    'paas-webhook-cert-leader',
    '--tls-san',
    '127.0.0.1',
    '--identity',
    identity,
    '--sync-seconds',
    '1',
  ]);
}

/** Starts `paas-webhook serve` on free loopback ports with `config` as its kubeconfig. */
async function startServe(config: string, paasToml: string, mode: string[]): Promise<Webhook> {
  const port = await freePort();
  const metricsPort = await freePort();
  const args = [WEBHOOK_MAIN, ...serveArgs({ mode, port, metricsPort, kubeconfig: config, config: paasToml, logLevel: 'info' })];
  const env = { ...process.env };
  delete env.KUBERNETES_SERVICE_HOST;
  delete env.KUBECONFIG;
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  const log: string[] = [];
  child.stdout?.on('data', (d: Buffer) => log.push(...d.toString().split('\n').filter(Boolean)));
  child.stderr?.on('data', (d: Buffer) => log.push(...d.toString().split('\n').filter(Boolean)));
  return { child, port, metricsPort, log };
}

async function ready(w: Webhook): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${w.metricsPort}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

async function waitReady(w: Webhook, what: string): Promise<void> {
  try {
    await waitFor(async () => w.child.exitCode === null && (await ready(w)), { timeoutMs: 60_000, what: `${what} ready` });
  } catch (err) {
    throw new Error(`${(err as Error).message} (exit code ${w.child.exitCode}); its log:\n${w.log.slice(-30).join('\n')}`, { cause: err });
  }
}

async function stopWebhook(w: Webhook): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  const exited = once(w.child, 'exit');
  w.child.kill('SIGTERM');
  await exited;
}

/** The SHA-256 fingerprint of the certificate a webhook process serves now (a new handshake). */
async function servedFingerprint(port: number): Promise<string> {
  const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  const fp = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
  socket.destroy();
  return fp;
}

/** A kubeconfig for the admin's cluster that authenticates with `token` instead. */
function tokenKubeconfig(token: string, path: string): void {
  const admin = parseYaml(readFileSync(kubeconfig(), 'utf8')) as Obj;
  const context = (admin.contexts as Obj[]).find((c) => c.name === admin['current-context']) ?? (admin.contexts as Obj[])[0];
  const cluster = (admin.clusters as Obj[]).find((c) => c.name === context?.context.cluster) ?? (admin.clusters as Obj[])[0];
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'e2e', cluster: cluster?.cluster }],
    users: [{ name: SA, user: { token } }],
    contexts: [{ name: SA, context: { cluster: 'e2e', user: SA } }],
    'current-context': SA,
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}

/** What cert-manager would issue from overlays/cert-manager: a CA and a serving pair it signed. */
async function issueLikeCertManager(ca?: { cert: string; key: string }): Promise<{ ca: { cert: string; key: string }; cert: string; key: string }> {
  const now = Date.now();
  const notBeforeDate = new Date(now - 60_000);
  const root: { cert: string; key: string } =
    ca ??
    (await generate([{ name: 'commonName', value: 'paas-webhook-ca' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate,
      notAfterDate: new Date(now + 86_400_000),
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ],
    }).then((p) => ({ cert: p.cert, key: p.private })));
  const leaf = await generate([{ name: 'commonName', value: `paas-webhook.${SYSTEM_NS}.svc` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(now + 3_600_000),
    ca: root,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: `paas-webhook.${SYSTEM_NS}.svc` },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { ca: root, cert: leaf.cert, key: leaf.private };
}

// ---- the suite --------------------------------------------------------------------------------

describe('manifests/: install in a cluster, safely', () => {
  let base: Obj[];
  let certManager: Obj[];
  let failOpen: Obj[];
  let paasToml: string;
  let config: ReturnType<typeof parseConfig>;
  let saConfig: string;
  let ns: string; // SCOPE-labelled: the webhook applies here
  const closed = { url: '' }; // a URL nothing listens on: the webhook "down"

  beforeAll(async () => {
    if (!existsSync(WEBHOOK_MAIN)) throw new Error(`${WEBHOOK_MAIN} missing: run \`make build\` first`);
    tmp = mkdtempSync(join(tmpdir(), 'paas-manifests-'));
    [base, certManager, failOpen] = await Promise.all([render(MANIFESTS), render(OVERLAY.certManager), render(OVERLAY.failOpen)]);
    paasToml = join(tmp, 'paas.toml');
    writeFileSync(paasToml, one(base, 'ConfigMap', 'paas-webhook-config').data['paas.toml'] as string);
    config = parseConfig(readFileSync(paasToml, 'utf8'), 'manifests/base/config.yaml paas.toml');
    closed.url = `https://127.0.0.1:${await freePort()}/mutate`;
    ns = await newNamespace('paas-manifests', { [SCOPE]: 'true' });
  });

  afterAll(async () => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // The webhook configuration and the policy first, so nothing else in the cluster meets them.
    await k(['delete', 'mutatingwebhookconfiguration', 'paas-webhook', '--ignore-not-found'], { allowFail: true });
    await k(['delete', 'validatingadmissionpolicybinding,validatingadmissionpolicy', 'paas-rollout-policy', '--ignore-not-found'], { allowFail: true });
    for (const n of labelled) await k(['label', 'namespace', n, `${SCOPE}-`], { allowFail: true });
    await k(['delete', 'deployment', 'paas-e2e-excluded', '-n', 'kube-system', '--ignore-not-found'], { allowFail: true });
    await k(['delete', '-f', CRD_FIXTURE, '--ignore-not-found', '--wait=false'], { allowFail: true });
    await k(['delete', '-k', MANIFESTS, '--ignore-not-found', '--wait=false'], { allowFail: true });
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('renders the base and its overlays with the objects an install needs', async () => {
    expect(kinds(base)).toEqual([
      'ClusterRole/paas-webhook-ca-bundle',
      'ClusterRole/paas-webhook-disruption-budgets',
      'ClusterRole/paas-webhook-version',
      'ClusterRoleBinding/paas-webhook-ca-bundle',
      'ClusterRoleBinding/paas-webhook-disruption-budgets',
      'ClusterRoleBinding/paas-webhook-version',
      'ConfigMap/paas-webhook-config',
      'Deployment/paas-webhook',
      'Lease/paas-webhook-cert-leader',
      'MutatingWebhookConfiguration/paas-webhook',
      'Namespace/paas-system',
      'PodDisruptionBudget/paas-webhook',
      'PriorityClass/paas-webhook-critical',
      'Role/paas-webhook-certificates',
      'Role/paas-webhook-leader',
      'RoleBinding/paas-webhook-certificates',
      'RoleBinding/paas-webhook-leader',
      'Secret/paas-webhook-tls',
      'Service/paas-webhook',
      'ServiceAccount/paas-webhook',
    ]);
    // Installed disarmed: one entry, matching the self-check probe in paas-system and nothing else.
    const mwc = one(base, 'MutatingWebhookConfiguration');
    expect(mwc.webhooks).toHaveLength(1);
    const probe = mwc.webhooks[0] as Obj;
    expect(probe).toMatchObject({
      name: Entry.selfCheck,
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      clientConfig: { service: { namespace: SYSTEM_NS, name: 'paas-webhook', path: '/mutate', port: 443 } },
      rules: [{ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], operations: ['CREATE'] }],
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [SYSTEM_NS] }] },
      objectSelector: { matchExpressions: [{ key: 'paas.io/self-check', operator: 'In', values: ['probe'] }] },
    });
    expect(probe.timeoutSeconds).toBeLessThanOrEqual(5);
    expect(probe.clientConfig.caBundle).toBeUndefined(); // written in the cluster, never by an apply
    expect(one(base, 'Deployment').spec.template.spec.containers[0].args).toContain('--arm');
    expect(one(base, 'Deployment').spec.template.spec.containers[0].args).toContain('--disruption-budgets');
    // What the leader will arm for these manifests: fail closed, every namespace but the excluded.
    const [hook] = policyEntries(settingsOf(base), probe) as Obj[];
    expect(hook).toMatchObject({
      name: HOOK,
      failurePolicy: 'Fail',
      reinvocationPolicy: 'IfNeeded',
      rules: [{ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], operations: ['CREATE', 'UPDATE'] }],
      objectSelector: { matchExpressions: [{ key: 'paas.io/rollout-policy', operator: 'NotIn', values: ['disabled'] }] },
    });
    expect(hook!.namespaceSelector.matchExpressions).toContainEqual({ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: EXCLUDED });

    // The Secret and the Lease exist empty, so the webhook needs no `create` on either.
    expect(one(base, 'Secret').data).toBeUndefined();
    expect(one(base, 'Lease').spec).toBeUndefined();

    const dep = one(base, 'Deployment');
    expect(dep.spec.replicas).toBe(2);
    expect(one(base, 'PodDisruptionBudget').spec.minAvailable).toBe(1);
    const pod = dep.spec.template.spec as Obj;
    expect(pod.priorityClassName).toBe('paas-webhook-critical');
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    const c = pod.containers[0] as Obj;
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // manifests/base/deployment.yaml's values, as written there.
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } });
    expect(c.livenessProbe).toEqual({
      httpGet: { path: '/healthz', port: 'metrics', scheme: 'HTTP' },
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    });

    // The webhook obeys its own policy: the engine, with the shipped paas.toml, changes nothing.
    const result = mutateDeployment({ object: dep, policy: config.deploy, facts: { nativeSleep: true }, newId: () => 'unused', stampId: false });
    expect(result.patch).toEqual([]);

    // cert-manager: certificates from cert-manager, and no access to Secrets at all; the Lease and
    // the configuration stay, for arming.
    const cmKinds = kinds(certManager);
    expect(cmKinds).toEqual(
      expect.arrayContaining(['Certificate/paas-webhook', 'Certificate/paas-webhook-ca', 'Issuer/paas-webhook-ca', 'Issuer/paas-webhook-selfsigned']),
    );
    for (const gone of ['Secret/paas-webhook-tls', 'Role/paas-webhook-certificates']) expect(cmKinds).not.toContain(gone);
    for (const kept of ['Lease/paas-webhook-cert-leader', 'Role/paas-webhook-leader', 'ClusterRole/paas-webhook-ca-bundle']) expect(cmKinds).toContain(kept);
    expect(one(certManager, 'MutatingWebhookConfiguration').metadata.annotations['cert-manager.io/inject-ca-from']).toBe(`${SYSTEM_NS}/paas-webhook`);
    const cmArgs = one(certManager, 'Deployment').spec.template.spec.containers[0].args as string[];
    expect(cmArgs).toContain('--tls-cert=/etc/paas/tls/tls.crt');
    expect(cmArgs).toContain('--arm');
    expect(cmArgs).not.toContain('--self-signed');
    expect(one(certManager, 'Certificate', 'paas-webhook').spec.secretName).toBe('paas-webhook-tls');

    // fail-open: armed with Ignore, plus the policy that keeps enforcing, following the armed entry.
    expect(settingsOf(failOpen).failurePolicy).toBe('Ignore');
    expect(one(failOpen, 'ValidatingAdmissionPolicyBinding').spec).toMatchObject({
      validationActions: ['Deny'],
      paramRef: { name: 'paas-webhook', parameterNotFoundAction: 'Allow' },
    });
    expect(one(failOpen, 'ValidatingAdmissionPolicy').spec.paramKind).toEqual({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
    });
  });

  it('the API server accepts the base and both overlays (server-side dry run)', async () => {
    // Namespaced objects cannot be dry-run into a namespace that does not exist yet.
    await k(['apply', '-f', '-'], { input: toYaml([one(base, 'Namespace')]) });
    const baseRun = await k(['apply', '--dry-run=server', '-k', MANIFESTS]);
    expect(baseRun.stdout).toContain('mutatingwebhookconfiguration.admissionregistration.k8s.io/paas-webhook created (server dry run)');
    const open = await k(['apply', '--dry-run=server', '-k', OVERLAY.failOpen]);
    expect(open.stdout).toContain('validatingadmissionpolicy.admissionregistration.k8s.io/paas-rollout-policy created (server dry run)');
    // cert-manager's kinds need its CRDs: a minimal stand-in (test/e2e/fixtures), which checks
    // field names, types and required fields, not cert-manager's behaviour.
    await k(['apply', '-f', CRD_FIXTURE]);
    await k(['wait', '--for=condition=Established', '--timeout=60s', 'crd/certificates.cert-manager.io', 'crd/issuers.cert-manager.io']);
    const cm = await k(['apply', '--dry-run=server', '-k', OVERLAY.certManager]);
    expect(cm.stdout).toContain('certificate.cert-manager.io/paas-webhook created (server dry run)');
    // A control: the same dry run refuses a misspelt field, so the acceptance above means something.
    const typo = toYaml(certManager).replace('renewBefore: 720h', 'renewBfore: 720h');
    const refused = await k(['apply', '--dry-run=server', '-f', '-'], { input: typo, allowFail: true });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('unknown field "spec.renewBfore"');
  });

  it('applies the base for real: 2 webhook pods Ready on different nodes, under the restricted Pod Security profile', async () => {
    await k(['apply', '-f', '-'], { input: toYaml(forTest(base, [closed.url])) });
    await k(['rollout', 'status', 'deployment/paas-webhook', '-n', SYSTEM_NS, '--timeout=120s']);
    const pods = await getJson(['get', 'pods', '-n', SYSTEM_NS, '-l', 'app.kubernetes.io/name=paas-webhook']);
    const running = (pods.items as Obj[]).filter((p) => !p.metadata.deletionTimestamp);
    expect(running).toHaveLength(2);
    expect(new Set(running.map((p) => p.spec.nodeName)).size).toBe(2);
    expect(running.every((p) => p.spec.priority === 1_000_000)).toBe(true);
    const nsLabels = (await getJson(['get', 'namespace', SYSTEM_NS])).metadata.labels as Obj;
    expect(nsLabels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('least privilege: with its own token the webhook writes its Secret, Lease and caBundle, and is refused the rest', async () => {
    const token = (await k(['create', 'token', SA, '-n', SYSTEM_NS, '--duration=1h'])).stdout.trim();
    saConfig = join(tmp, 'sa.kubeconfig');
    tokenKubeconfig(token, saConfig);

    const can = async (...args: string[]) => (await kAs(saConfig, ['auth', 'can-i', ...args])).stdout.trim();
    const allowed: string[][] = [
      ['get', 'secret/paas-webhook-tls', '-n', SYSTEM_NS],
      ['update', 'secret/paas-webhook-tls', '-n', SYSTEM_NS],
      ['get', 'lease.coordination.k8s.io/paas-webhook-cert-leader', '-n', SYSTEM_NS],
      ['update', 'lease.coordination.k8s.io/paas-webhook-cert-leader', '-n', SYSTEM_NS],
      ['get', 'mutatingwebhookconfiguration/paas-webhook'],
      ['patch', 'mutatingwebhookconfiguration/paas-webhook'],
      // The self-check's server-side dry run, in its own namespace only.
      ['create', 'deployments.apps', '-n', SYSTEM_NS],
      ['get', '/version'],
      // The disruption budgets it keeps (--disruption-budgets): what it watches, what it writes.
      ['list', 'deployments.apps', '--all-namespaces'],
      ['watch', 'deployments.apps', '--all-namespaces'],
      ['list', 'namespaces'],
      ['watch', 'namespaces'],
      ['list', 'poddisruptionbudgets.policy', '--all-namespaces'],
      ['watch', 'poddisruptionbudgets.policy', '--all-namespaces'],
      ['create', 'poddisruptionbudgets.policy', '-n', ns],
      ['patch', 'poddisruptionbudgets.policy', '-n', ns],
      ['delete', 'poddisruptionbudgets.policy', '-n', ns],
    ];
    const forbidden: string[][] = [
      ['create', 'secrets', '-n', SYSTEM_NS],
      ['list', 'secrets', '-n', SYSTEM_NS],
      ['get', 'secret/some-other-secret', '-n', SYSTEM_NS],
      ['get', 'secrets', '-n', 'kube-system'],
      ['delete', 'secret/paas-webhook-tls', '-n', SYSTEM_NS],
      ['create', 'leases.coordination.k8s.io', '-n', SYSTEM_NS],
      ['update', 'lease.coordination.k8s.io/kube-scheduler', '-n', 'kube-system'],
      ['patch', 'mutatingwebhookconfiguration/some-other-webhook'],
      ['update', 'mutatingwebhookconfiguration/paas-webhook'],
      ['delete', 'mutatingwebhookconfiguration/paas-webhook'],
      ['create', 'mutatingwebhookconfigurations'],
      ['patch', 'validatingwebhookconfigurations'],
      ['get', 'deployments.apps', '-n', ns],
      ['patch', 'deployments.apps', '-n', ns],
      ['get', 'namespace/kube-system'],
      ['patch', 'namespace/kube-system'],
      ['get', 'poddisruptionbudgets.policy', '-n', ns],
      ['update', 'poddisruptionbudgets.policy', '-n', ns],
      ['deletecollection', 'poddisruptionbudgets.policy', '-n', ns],
      ['create', 'pods/eviction', '-n', ns],
      ['list', 'pods', '--all-namespaces'],
      ['create', 'deployments', '-n', ns],
      ['create', 'deployments', '-n', 'kube-system'],
      ['update', 'deployments', '-n', SYSTEM_NS],
      ['delete', 'deployments', '-n', SYSTEM_NS],
      ['get', 'pods', '-n', SYSTEM_NS],
      ['create', 'clusterrolebindings'],
      ['get', '/metrics'],
    ];
    for (const a of allowed) expect(`${a.join(' ')}: ${await can(...a)}`).toBe(`${a.join(' ')}: yes`);
    for (const a of forbidden) expect(`${a.join(' ')}: ${await can(...a)}`).toBe(`${a.join(' ')}: no`);

    // Real calls, not only `can-i`: the API server refuses them.
    const secrets = await kAs(saConfig, ['get', 'secrets', '-n', 'kube-system']);
    expect(secrets.code).not.toBe(0);
    expect(secrets.stderr).toContain(`User "system:serviceaccount:${SYSTEM_NS}:${SA}" cannot list resource "secrets"`);
    const create = await kAs(saConfig, ['create', 'secret', 'generic', 'stolen', '-n', SYSTEM_NS, '--from-literal=a=b']);
    expect(create.code).not.toBe(0);
    expect(create.stderr).toContain('cannot create resource "secrets"');

    // Now the webhook itself, with that token and nothing else.
    const w = await startWebhook('e2e-a', saConfig, paasToml, ['--disruption-budgets']);
    // Stopped whatever happens: a leader left running would hold the Lease the next tests elect on.
    try {
      await waitReady(w, 'webhook a');
      const data = await secretData();
      expect(Object.keys(data).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
      const leaf = new X509Certificate(data['tls.crt'] as string);
      expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
      expect(leaf.subjectAltName).toContain(`DNS:paas-webhook.${SYSTEM_NS}.svc`);
      expect(await servedFingerprint(w.port)).toBe(leaf.fingerprint256);
      const lease = await getJson(['get', 'lease', 'paas-webhook-cert-leader', '-n', SYSTEM_NS]);
      expect(lease.spec.holderIdentity).toBe('e2e-a');
      // The webhook's writes replace data and spec only: the GitOps annotations the manifests put
      // on the Secret (Flux: never overwrite; Argo CD: never prune) survive them.
      const secret = await getJson(['get', 'secret', 'paas-webhook-tls', '-n', SYSTEM_NS]);
      expect(secret.metadata.annotations?.['kustomize.toolkit.fluxcd.io/ssa']).toBe('IfNotPresent');
      expect(secret.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe('Prune=false');
      expect(secret.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('paas-webhook');
      await waitFor(
        async () => {
          const mwc = await getJson(['get', 'mutatingwebhookconfiguration', 'paas-webhook']);
          return mwc.webhooks[0].clientConfig.caBundle === Buffer.from(data['ca.crt'] as string).toString('base64');
        },
        { timeoutMs: 30_000, what: 'caBundle written by the webhook' },
      );

      // The API server trusts what the webhook wrote: point the configuration at the process and
      // create a Deployment. It is mutated, with the native preStop sleep that /version allowed.
      await k(['apply', '-f', '-'], { input: toYaml([one(forTest(base, [`https://127.0.0.1:${w.port}/mutate`]), 'MutatingWebhookConfiguration')]) });
      await waitFor(
        async () => {
          const r = await k(['apply', '-f', '-'], { input: stringify(plainDeployment('mutated', ns)), allowFail: true });
          return r.code === 0;
        },
        { timeoutMs: 30_000, what: 'a Deployment admitted through the webhook' },
      );
      const held = { ...plainDeployment('held', ns), metadata: { ...plainDeployment('held', ns).metadata, finalizers: ['e2e.paas.io/hold'] } };
      await k(['apply', '-f', '-'], { input: stringify(held) });
      const stored = await getJson(['get', 'deployment', 'mutated', '-n', ns]);
      expect(stored.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
      expect(stored.spec.template.metadata.labels['paas.io/deploy-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(stored.spec.template.spec.containers[0].lifecycle.preStop).toEqual({ sleep: { seconds: 5 } });

      // The elected replica keeps a budget beside a Deployment of 2 replicas, with its own token;
      // scaled to 1, the budget goes (one replica gets none: it would block every drain).
      await k(['apply', '-f', '-'], { input: stringify({ ...plainDeployment('guarded', ns), spec: { ...plainDeployment('guarded', ns).spec, replicas: 2 } }) });
      const budget = await waitFor(
        async () => {
          const r = await k(['get', 'pdb', 'guarded-paas', '-n', ns, '-o', 'json'], { allowFail: true });
          return r.code === 0 ? (JSON.parse(r.stdout) as Obj) : undefined;
        },
        { timeoutMs: 60_000, what: 'the budget the webhook keeps beside deployment guarded' },
      );
      expect(budget.spec).toEqual({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { app: 'guarded' } } });
      expect(budget.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'paas-webhook' });
      const guarded = await getJson(['get', 'deployment', 'guarded', '-n', ns]);
      expect(budget.metadata.ownerReferences).toEqual([
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'guarded', uid: guarded.metadata.uid, controller: true },
      ]);
      await k(['scale', 'deployment', 'guarded', '-n', ns, '--replicas=1']);
      await waitFor(async () => (await k(['get', 'pdb', 'guarded-paas', '-n', ns], { allowFail: true })).code !== 0, {
        timeoutMs: 60_000,
        what: 'the budget of guarded removed once it has one replica',
      });
      // Every refusal it met, by line (none: its RBAC covers what it does).
      expect(w.log.filter((l) => /forbidden/i.test(l))).toEqual([]);

      // Upgrading is re-applying: it must not erase what the webhook wrote in the cluster, whether
      // by client-side apply (kubectl) or server-side apply (Flux, Argo CD's ServerSideApply).
      const caBundle = (await getJson(['get', 'mutatingwebhookconfiguration', 'paas-webhook'])).webhooks[0].clientConfig.caBundle as string;
      for (const mode of [[], ['--server-side', '--field-manager=e2e-gitops']]) {
        await k(['apply', ...mode, '-f', '-'], { input: toYaml(forTest(base, [`https://127.0.0.1:${w.port}/mutate`])) });
        expect(await secretData()).toEqual(data);
        expect((await getJson(['get', 'mutatingwebhookconfiguration', 'paas-webhook'])).webhooks[0].clientConfig.caBundle).toBe(caBundle);
      }
    } finally {
      await stopWebhook(w);
    }
  });

  it('arming with its own token: disarmed while its self-check cannot reach it (nothing refused), then armed as its paas.toml asks, kept by re-applies, put back after a replace', async () => {
    // opt-in, so that what this process arms only ever sees this file's labelled namespaces.
    const armToml = join(tmp, 'arm.toml');
    writeFileSync(armToml, readFileSync(paasToml, 'utf8').replace('namespaces = "opt-out"', 'namespaces = "opt-in"'));
    const enforced = await newNamespace('paas-manifests-enforce', { [SCOPE]: 'true', 'paas.io/mode': 'enforce' });
    const warned = await newNamespace('paas-manifests-warn', { [SCOPE]: 'true', 'paas.io/mode': 'warn' });
    const w = await startWebhook('e2e-arm', saConfig, armToml, ['--arm']);
    // Stopped whatever happens: a leader left running would hold the Lease the next tests elect on.
    try {
      await waitReady(w, 'webhook (arming)');
      // As installed (disarmed), its self-check entry pointed at nothing first: the webhook never
      // reached, as with an image that cannot be pulled.
      const installed = structuredClone(one(base, 'MutatingWebhookConfiguration'));
      installed.webhooks[0].clientConfig = { url: closed.url };
      await k(['delete', 'mutatingwebhookconfiguration', 'paas-webhook', '--ignore-not-found']);
      await k(['apply', '-f', '-'], { input: stringify(installed) });
      await waitFor(() => w.log.some((l) => l.includes('arming: self-check failed') && l.includes('connection refused')), {
        timeoutMs: 30_000,
        what: "a failed self-check in the leader's log",
      });
      const names = async () => ((await getJson(['get', 'mutatingwebhookconfiguration', 'paas-webhook'])).webhooks as Obj[]).map((h) => h.name as string);
      expect(await names()).toEqual([Entry.selfCheck]);
      const plain = plainDeployment('before-armed', enforced);
      const before = await k(['apply', '-f', '-'], { input: stringify(plain) });
      expect(before.stderr).not.toContain('paas');
      expect((await getJson(['get', 'deployment', 'before-armed', '-n', enforced])).spec.strategy.rollingUpdate.maxSurge).toBe('25%');
      // Now the self-check entry reaches the process: the leader arms.
      installed.webhooks[0].clientConfig = { url: `https://127.0.0.1:${w.port}/mutate` };
      await k(['apply', '-f', '-'], { input: stringify(installed) });
      const armed = [Entry.selfCheck, Entry.enforce, Entry.warn];
      await waitFor(async () => (await names()).join() === armed.join(), { timeoutMs: 60_000, what: 'the leader arming the configuration' });
      const mwc = await getJson(['get', 'mutatingwebhookconfiguration', 'paas-webhook']);
      const [probe, enforce, warn] = mwc.webhooks as Obj[];
      expect(enforce).toMatchObject({
        failurePolicy: 'Fail',
        clientConfig: { url: `https://127.0.0.1:${w.port}/mutate`, caBundle: probe!.clientConfig.caBundle },
      });
      expect(warn).toMatchObject({ failurePolicy: 'Ignore', clientConfig: { url: `https://127.0.0.1:${w.port}/warn` } });
      expect(enforce!.namespaceSelector.matchExpressions).toContainEqual({ key: 'paas.io/mode', operator: 'In', values: ['enforce'] });
      const line = w.log.find((l) => l.includes('arming: policy entries registered'));
      expect(line).toBeDefined();
      expect(JSON.parse(line!).selfCheck).toMatch(/came back mutated/);
      expect(plain.metadata.namespace).toBe(enforced);

      // enforce: the same Deployment, written again, is mutated. warn: kubectl prints what would
      // change; the stored object is the one sent.
      await k(['apply', '-f', '-'], { input: stringify({ ...plain, metadata: { ...plain.metadata, annotations: { again: 'once-more' } } }) });
      expect((await getJson(['get', 'deployment', 'before-armed', '-n', enforced])).spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
      const warnApply = await k(['apply', '-f', '-'], { input: stringify(plainDeployment('warned', warned)) });
      expect(warnApply.stderr).toContain('Warning: paas: would change maxSurge 25% -> 1');
      expect(warnApply.stderr).toContain('Warning: paas: would add preStop sleep 5 to container web');
      const stored = await getJson(['get', 'deployment', 'warned', '-n', warned]);
      expect(stored.spec.strategy.rollingUpdate).toEqual({ maxSurge: '25%', maxUnavailable: '25%' });
      expect(stored.spec.template.spec.containers[0].lifecycle).toBeUndefined();
      expect(stored.spec.template.metadata.labels['paas.io/deploy-id']).toBeUndefined();
      // opt-in: a namespace without paas.io/mode is left alone (the control: the same Deployment was mutated above).
      const untouched = await k(['apply', '-f', '-'], { input: stringify(plainDeployment('untouched', ns)) });
      expect(untouched.stderr).not.toContain('paas:');
      expect((await getJson(['get', 'deployment', 'untouched', '-n', ns])).spec.strategy.rollingUpdate.maxSurge).toBe('25%');

      // Re-applying the installed configuration, client-side or server-side, leaves the armed entries in place.
      for (const mode of [[], ['--server-side', '--field-manager=e2e-gitops', '--force-conflicts']]) {
        await k(['apply', ...mode, '-f', '-'], { input: stringify(installed) });
        expect(await names()).toEqual(armed);
      }
      // Its rounds since (one a second) found the entries as they want them: registered once, no
      // second self-check (what it wrote compares equal to what the API server stored).
      expect(w.log.filter((l) => l.includes('arming: policy entries registered'))).toHaveLength(1);
      // A replace drops them; the leader puts them back.
      const current = await getJson(['get', 'mutatingwebhookconfiguration', 'paas-webhook']);
      current.webhooks = (current.webhooks as Obj[]).slice(0, 1);
      delete current.metadata.managedFields;
      await k(['replace', '-f', '-'], { input: JSON.stringify(current) });
      await waitFor(async () => (await names()).join() === armed.join(), { timeoutMs: 30_000, what: 'the leader re-arming after a replace' });
      // Every refusal it met, by line (none: its RBAC covers what it does).
      expect(w.log.filter((l) => /forbidden/i.test(l))).toEqual([]);
    } finally {
      await stopWebhook(w);
    }
    await k(['delete', 'mutatingwebhookconfiguration', 'paas-webhook']);
  });

  it('webhook down, failurePolicy Fail: kube-system and paas-system still take Deployments; other namespaces are refused with a clear message', async () => {
    // The configuration matches kube-system and paas-system but for the exclusions: they carry
    // SCOPE too, so only the kubernetes.io/metadata.name NotIn rule lets them through.
    await k(['apply', '-f', '-'], { input: toYaml([one(forTest(base, [closed.url]), 'MutatingWebhookConfiguration')]) });
    for (const n of ['kube-system', SYSTEM_NS]) {
      labelled.push(n);
      await k(['label', 'namespace', n, `${SCOPE}=true`, '--overwrite']);
    }
    const refused = await k(['apply', '-f', '-'], { input: stringify(plainDeployment('refused', ns)), allowFail: true });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`failed calling webhook "${HOOK}"`);
    expect(refused.stderr).toMatch(/connection refused/);

    const system = await k(['apply', '-f', '-'], { input: stringify(plainDeployment('paas-e2e-excluded', 'kube-system')), allowFail: true });
    expect(system.stderr).toBe('');
    expect(system.code).toBe(0);
    // The webhook can always be rolled or repaired while it is down.
    const restart = await k(['rollout', 'restart', 'deployment/paas-webhook', '-n', SYSTEM_NS], { allowFail: true });
    expect(restart.stderr).toBe('');
    expect(restart.code).toBe(0);
    await k(['rollout', 'status', 'deployment/paas-webhook', '-n', SYSTEM_NS, '--timeout=120s']);

    // Opting out: a Deployment by label, a namespace by label.
    const optedOut = await k(['apply', '-f', '-'], {
      input: stringify(plainDeployment('opted-out', ns, { 'paas.io/rollout-policy': 'disabled' })),
      allowFail: true,
    });
    expect(optedOut.code).toBe(0);
    const quiet = await newNamespace('paas-manifests-optout', { [SCOPE]: 'true', 'paas.io/rollout-policy': 'disabled' });
    const inQuiet = await k(['apply', '-f', '-'], { input: stringify(plainDeployment('anything', quiet)), allowFail: true });
    expect(inQuiet.code).toBe(0);
    // An UPDATE is refused like a CREATE...
    const label = await k(['label', 'deployment', 'mutated', '-n', ns, 'touched=yes'], { allowFail: true });
    expect(label.code).not.toBe(0);
    expect(label.stderr).toContain(`failed calling webhook "${HOOK}"`);
    // ...but deleting is never blocked, nor is removing the finalizers of a Deployment being deleted.
    const del = await k(['delete', 'deployment', 'mutated', '-n', ns], { allowFail: true });
    expect(del.code).toBe(0);
    expect((await k(['delete', 'deployment', 'held', '-n', ns, '--wait=false'])).code).toBe(0);
    const release = await k(['patch', 'deployment', 'held', '-n', ns, '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]'], {
      allowFail: true,
    });
    expect(release.stderr).toBe('');
    expect(release.code).toBe(0);
    await waitFor(async () => (await k(['get', 'deployment', 'held', '-n', ns], { allowFail: true })).code !== 0, {
      timeoutMs: 30_000,
      what: 'the held Deployment gone',
    });
  });

  it('fail-open overlay, webhook down: admitted unless it breaks the policy, then refused by the ValidatingAdmissionPolicy', async () => {
    await k(['apply', '-f', '-'], { input: toYaml(forTest(failOpen, [closed.url])) });
    const broken = plainDeployment('broken', ns);
    // The policy takes a moment to reach the admission chain; until then the create passes.
    await waitFor(
      async () => {
        const r = await k(['apply', '--dry-run=server', '-f', '-'], { input: stringify(broken), allowFail: true });
        return r.code !== 0;
      },
      { timeoutMs: 30_000, what: 'the ValidatingAdmissionPolicy in force' },
    );
    const r = await k(['apply', '-f', '-'], { input: stringify(broken), allowFail: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("ValidatingAdmissionPolicy 'paas-rollout-policy'");
    expect(r.stderr).toContain('spec.strategy.rollingUpdate.maxSurge must be 1, not 25%');

    // A compliant Deployment goes through with the webhook down: the webhook's own Deployment.
    const own = structuredClone(one(base, 'Deployment'));
    own.metadata = { name: 'own-policy', namespace: ns };
    own.spec.replicas = 0;
    const ok = await k(['apply', '-f', '-'], { input: stringify(own), allowFail: true });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    // The exclusions and opt-outs hold for the policy too.
    const system = await k(['apply', '-f', '-'], {
      input: stringify(plainDeployment('paas-e2e-excluded', 'kube-system', {}, 'registry.example/web:2')),
      allowFail: true,
    });
    expect(system.stderr).toBe('');
    expect(system.code).toBe(0);
    const optedOut = await k(['apply', '-f', '-'], {
      input: stringify(plainDeployment('opted-out-2', ns, { 'paas.io/rollout-policy': 'disabled' })),
      allowFail: true,
    });
    expect(optedOut.code).toBe(0);
  });

  it.skipIf(SKIP_CORPUS)(
    'fail-open overlay, webhook down: on the corpus of real Deployments, the policy refuses exactly those the webhook would have changed',
    async () => {
      const corpus = corpusDeployments(ns);
      expect(corpus).toHaveLength(34);
      const mismatches: string[] = [];
      const invalid: string[] = [];
      let refusedCount = 0;
      for (const { file, obj } of corpus) {
        const c = checkDeployment(obj, config.deploy, { nativeSleep: true });
        const changes = c.skipped ? [] : c.violations.map((v) => v.message);
        const r = await k(['create', '--dry-run=server', '-f', '-'], { input: JSON.stringify(obj), allowFail: true });
        const refused = r.stderr.includes('ValidatingAdmissionPolicy');
        if (r.code !== 0 && !refused) {
          // Refused by the API server's own validation, before any policy: counted, named below.
          if (/ is invalid: /.test(r.stderr)) invalid.push(file);
          else mismatches.push(`${file}: refused, not by the policy nor as invalid: ${r.stderr.trim()}`);
          continue;
        }
        if (refused) refusedCount++;
        if (refused !== changes.length > 0) {
          mismatches.push(`${file}: webhook would change [${changes.join('; ')}], policy ${refused ? `refused: ${r.stderr.trim()}` : 'admitted'}`);
        }
      }
      expect(mismatches).toEqual([]);
      // Every valid one breaks the policy as written (the engine finds 1 to 7 violations in each).
      expect({ invalid, refused: refusedCount }).toEqual({ invalid: INVALID_FOR_THE_API_SERVER, refused: 31 });
    },
  );

  it.skipIf(SKIP_CORPUS)('fail-open overlay, webhook up: the policy never refuses what the webhook fixed (the corpus of real Deployments)', async () => {
    const w = await startWebhook('e2e-b', saConfig, paasToml);
    try {
      await waitReady(w, 'webhook b');
      await k(['apply', '-f', '-'], { input: toYaml([one(forTest(failOpen, [`https://127.0.0.1:${w.port}/mutate`]), 'MutatingWebhookConfiguration')]) });
      await waitFor(async () => (await k(['apply', '-f', '-'], { input: stringify(plainDeployment('fixed', ns)), allowFail: true })).code === 0, {
        timeoutMs: 30_000,
        what: 'the non-compliant Deployment admitted once the webhook fixes it',
      });
      const fixed = await getJson(['get', 'deployment', 'fixed', '-n', ns]);
      expect(fixed.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });

      const corpus = corpusDeployments(ns);
      const refusedByPolicy: string[] = [];
      const notAdmitted: string[] = [];
      for (const { file, obj } of corpus) {
        const r = await k(['create', '--dry-run=server', '-f', '-'], { input: JSON.stringify(obj), allowFail: true });
        if (r.stderr.includes('ValidatingAdmissionPolicy')) refusedByPolicy.push(`${file}: ${r.stderr.trim()}`);
        else if (r.code !== 0) notAdmitted.push(`${file}${/ is invalid: /.test(r.stderr) ? '' : `: ${r.stderr.trim()}`}`);
      }
      expect(refusedByPolicy).toEqual([]);
      // Only those the API server's validation refuses whatever the webhook does; the other 31 pass.
      expect(notAdmitted).toEqual(INVALID_FOR_THE_API_SERVER);
    } finally {
      await stopWebhook(w);
    }
  });

  it('two webhook processes share one certificate Secret; rotating it fails no admission in a steady stream', async () => {
    // Back to failurePolicy Fail and no policy: a failed call is a failed admission.
    await k(['delete', 'validatingadmissionpolicybinding,validatingadmissionpolicy', 'paas-rollout-policy', '--ignore-not-found']);
    // Start from an empty Secret and Lease: both processes race for them.
    await k(['apply', '-f', '-'], { input: toYaml([one(base, 'Secret'), one(base, 'Lease')]) });
    await k(['patch', 'secret', 'paas-webhook-tls', '-n', SYSTEM_NS, '--type=json', '-p', '[{"op":"remove","path":"/data"}]'], { allowFail: true });
    await k(['patch', 'lease', 'paas-webhook-cert-leader', '-n', SYSTEM_NS, '--type=json', '-p', '[{"op":"remove","path":"/spec"}]'], { allowFail: true });
    expect(await secretData()).toEqual({});
    const [a, b] = await Promise.all([startWebhook('e2e-one', saConfig, paasToml), startWebhook('e2e-two', saConfig, paasToml)]);
    await Promise.all([waitReady(a, 'webhook one'), waitReady(b, 'webhook two')]);
    // One CA, one serving pair, served by both; exactly one holds the Lease.
    const first = await secretData();
    const firstFp = new X509Certificate(first['tls.crt'] as string).fingerprint256;
    expect(await servedFingerprint(a.port)).toBe(firstFp);
    expect(await servedFingerprint(b.port)).toBe(firstFp);
    const holder = (await getJson(['get', 'lease', 'paas-webhook-cert-leader', '-n', SYSTEM_NS])).spec.holderIdentity;
    expect(['e2e-one', 'e2e-two']).toContain(holder);

    // One webhook entry per process: every admission goes through both.
    await k(['apply', '-f', '-'], {
      input: toYaml([one(forTest(base, [`https://127.0.0.1:${a.port}/mutate`, `https://127.0.0.1:${b.port}/mutate`]), 'MutatingWebhookConfiguration')]),
    });
    await waitFor(
      async () => {
        const mwc = await getJson(['get', 'mutatingwebhookconfiguration', 'paas-webhook']);
        return (mwc.webhooks as Obj[]).every((h) => h.clientConfig.caBundle === Buffer.from(first['ca.crt'] as string).toString('base64'));
      },
      { timeoutMs: 30_000, what: 'caBundle on both webhook entries' },
    );

    const apps = kubeClient().makeApiClient(AppsV1Api);
    const failures: string[] = [];
    let done = 0;
    let stop = false;
    const stream = (async () => {
      for (let i = 0; !stop && i < 2000; i++) {
        const body = plainDeployment(`stream-${i}`, ns) as V1Deployment;
        try {
          const created = await apps.createNamespacedDeployment({ namespace: ns, body, dryRun: 'All' });
          if (created.spec?.strategy?.rollingUpdate?.maxSurge !== 1) failures.push(`stream-${i}: not mutated`);
        } catch (err) {
          failures.push(`stream-${i}: ${(err as Error).message}`);
        }
        done++;
      }
    })();
    const after = async (n: number, what: string) => {
      const target = done + n;
      await waitFor(() => done >= target || failures.length > 0, { timeoutMs: 60_000, what });
    };

    try {
      await after(5, 'admissions before rotation');
      // 1. The serving pair: the leader issues a new one from the same CA; both reload it.
      await k([
        'patch',
        'secret',
        'paas-webhook-tls',
        '-n',
        SYSTEM_NS,
        '--type=json',
        '-p',
        '[{"op":"remove","path":"/data/tls.crt"},{"op":"remove","path":"/data/tls.key"}]',
      ]);
      let second = first;
      await waitFor(
        async () => {
          second = await secretData();
          const fp = second['tls.crt'] ? new X509Certificate(second['tls.crt']).fingerprint256 : '';
          return fp !== '' && fp !== firstFp && (await servedFingerprint(a.port)) === fp && (await servedFingerprint(b.port)) === fp;
        },
        { timeoutMs: 60_000, what: 'both processes serving the new serving certificate' },
      );
      expect(second['ca.crt']).toBe(first['ca.crt']);
      await after(5, 'admissions after the serving rotation');

      // 2. The CA: without its key it is replaced; the bundle keeps the old CA beside the new one.
      await k(['patch', 'secret', 'paas-webhook-tls', '-n', SYSTEM_NS, '--type=json', '-p', '[{"op":"remove","path":"/data/ca.key"}]']);
      let third = second;
      await waitFor(
        async () => {
          third = await secretData();
          if (!third['ca.key'] || third['ca.crt'] === second['ca.crt'] || !third['tls.crt']) return false;
          const fp = new X509Certificate(third['tls.crt']).fingerprint256;
          const mwc = await getJson(['get', 'mutatingwebhookconfiguration', 'paas-webhook']);
          const bundle = Buffer.from(third['ca.crt'] as string).toString('base64');
          return (
            (mwc.webhooks as Obj[]).every((h) => h.clientConfig.caBundle === bundle) &&
            (await servedFingerprint(a.port)) === fp &&
            (await servedFingerprint(b.port)) === fp
          );
        },
        { timeoutMs: 60_000, what: 'a new CA in the bundle and both processes serving its certificate' },
      );
      expect(third['ca.crt']).toContain((second['ca.crt'] as string).trim());
      await after(10, 'admissions after the CA rotation');
    } finally {
      stop = true;
      await stream;
    }
    expect(failures).toEqual([]);
    expect(done).toBeGreaterThanOrEqual(20);
    await Promise.all([stopWebhook(a), stopWebhook(b)]);
  });

  it('on SIGTERM the leader releases the Lease: it shows no holder, and the other process takes it long before 60 s', async () => {
    const [a, b] = await Promise.all([startWebhook('e2e-first', saConfig, paasToml), startWebhook('e2e-second', saConfig, paasToml)]);
    await Promise.all([waitReady(a, 'webhook first'), waitReady(b, 'webhook second')]);
    const byId = { 'e2e-first': a, 'e2e-second': b } as const;
    let lease: Obj = {};
    await waitFor(
      async () => {
        lease = await getJson(['get', 'lease', 'paas-webhook-cert-leader', '-n', SYSTEM_NS]);
        return lease.spec?.holderIdentity in byId;
      },
      { timeoutMs: 30_000, what: 'one of the two processes holding the Lease' },
    );
    const leaderId = lease.spec.holderIdentity as keyof typeof byId;
    const followerId = leaderId === 'e2e-first' ? 'e2e-second' : 'e2e-first';
    expect(lease.spec.leaseDurationSeconds).toBe(60);

    // Every write to the Lease from here on, in order: the follower syncs every second, so a
    // plain GET after the exit could already see it holding the Lease.
    const holders: string[] = [];
    const watching = await new Watch(kubeClient()).watch(
      `/apis/coordination.k8s.io/v1/namespaces/${SYSTEM_NS}/leases`,
      { fieldSelector: 'metadata.name=paas-webhook-cert-leader', resourceVersion: lease.metadata.resourceVersion },
      (_phase, obj: Obj) => holders.push(obj.spec?.holderIdentity ?? ''),
      () => undefined,
    );
    try {
      await stopWebhook(byId[leaderId]);
      expect(byId[leaderId].child.exitCode).toBe(0);
      expect(byId[leaderId].log.some((l) => l.includes('self-signed: Lease released'))).toBe(true);
      await waitFor(async () => (await getJson(['get', 'lease', 'paas-webhook-cert-leader', '-n', SYSTEM_NS])).spec.holderIdentity === followerId, {
        timeoutMs: 20_000,
        what: `${followerId} taking over the released Lease (it would wait 60 s for an unreleased one)`,
      });
      await waitFor(() => holders.includes(followerId), { timeoutMs: 10_000, what: 'the takeover seen by the watch' });
    } finally {
      watching.abort();
    }
    // The release itself was a write of its own: no holder, between the leader's last renewal
    // and the follower's takeover.
    const released = holders.indexOf('');
    expect(released).toBeGreaterThanOrEqual(0);
    expect(holders.slice(0, released).every((h) => h === leaderId)).toBe(true);
    expect(holders.slice(released + 1)[0]).toBe(followerId);
    expect(byId[followerId].log.some((l) => l.includes('self-signed: this replica now manages the certificates'))).toBe(true);
    await stopWebhook(byId[followerId]);
  });

  it('cert-manager overlay: the webhook serves the mounted pair and reloads it, with no access to Secrets', async () => {
    // Switch the install to the overlay: remove what it drops, then apply it. No cert-manager
    // runs in e2e, so the test does its two jobs: write the Secret, inject the caBundle.
    const dropped = kinds(base).filter((o) => !kinds(certManager).includes(o));
    expect(dropped.sort()).toEqual(['Role/paas-webhook-certificates', 'RoleBinding/paas-webhook-certificates', 'Secret/paas-webhook-tls']);
    for (const o of dropped) await k(['delete', o.toLowerCase(), '-n', SYSTEM_NS, '--ignore-not-found']);
    await k(['apply', '-f', '-'], { input: toYaml(forTest(certManager, [closed.url])) });
    const issued = await issueLikeCertManager();
    const tlsSecret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'paas-webhook-tls', namespace: SYSTEM_NS },
      stringData: { 'ca.crt': issued.ca.cert, 'tls.crt': issued.cert, 'tls.key': issued.key },
    };
    await k(['apply', '-f', '-'], { input: stringify(tlsSecret) });

    const can = async (...args: string[]) => (await kAs(saConfig, ['auth', 'can-i', ...args])).stdout.trim();
    for (const a of [
      ['get', 'secret/paas-webhook-tls', '-n', SYSTEM_NS],
      ['update', 'secret/paas-webhook-tls', '-n', SYSTEM_NS],
    ]) {
      expect(`${a.join(' ')}: ${await can(...a)}`).toBe(`${a.join(' ')}: no`);
    }
    // Arming still needs the Lease, the self-check's dry run and the configuration.
    for (const a of [
      ['update', 'lease.coordination.k8s.io/paas-webhook-cert-leader', '-n', SYSTEM_NS],
      ['create', 'deployments.apps', '-n', SYSTEM_NS],
      ['patch', 'mutatingwebhookconfiguration/paas-webhook'],
      ['get', '/version'],
    ]) {
      expect(`${a.join(' ')}: ${await can(...a)}`).toBe(`${a.join(' ')}: yes`);
    }

    // The kubelet would mount the Secret at /etc/paas/tls; here the files are written by hand.
    const args = one(certManager, 'Deployment').spec.template.spec.containers[0].args as string[];
    const certFile = join(tmp, 'tls.crt');
    const keyFile = join(tmp, 'tls.key');
    writeFileSync(certFile, issued.cert);
    writeFileSync(keyFile, issued.key);
    expect(args).toEqual(expect.arrayContaining(['--tls-cert=/etc/paas/tls/tls.crt', '--tls-key=/etc/paas/tls/tls.key']));
    const w = await startServe(saConfig, paasToml, ['--tls-cert', certFile, '--tls-key', keyFile, '--cert-poll-seconds', '1']);
    await waitReady(w, 'webhook (cert-manager mode)');
    const caBundle = Buffer.from(issued.ca.cert).toString('base64');
    const mwc = forTest(certManager, [`https://127.0.0.1:${w.port}/mutate`]);
    one(mwc, 'MutatingWebhookConfiguration').webhooks[0].clientConfig.caBundle = caBundle;
    await k(['apply', '-f', '-'], { input: toYaml([one(mwc, 'MutatingWebhookConfiguration')]) });
    await waitFor(async () => (await k(['apply', '-f', '-'], { input: stringify(plainDeployment('via-cert-manager', ns)), allowFail: true })).code === 0, {
      timeoutMs: 30_000,
      what: 'a Deployment admitted through the webhook in cert-manager mode',
    });
    expect((await getJson(['get', 'deployment', 'via-cert-manager', '-n', ns])).spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });

    // Renewal: a new pair from the same CA lands in the files; the webhook swaps it in.
    const renewed = await issueLikeCertManager(issued.ca);
    writeFileSync(keyFile, renewed.key);
    writeFileSync(certFile, renewed.cert);
    const fp = new X509Certificate(renewed.cert).fingerprint256;
    await waitFor(async () => (await servedFingerprint(w.port)) === fp, { timeoutMs: 30_000, what: 'the renewed certificate served' });
    const after = await k(['apply', '-f', '-'], { input: stringify(plainDeployment('after-renewal', ns)), allowFail: true });
    expect(after.code).toBe(0);
    expect(after.stderr).toContain('paas: maxSurge 25% -> 1'); // the webhook's admission warning
    // Every refusal it met, by line (none: its RBAC covers what it does).
    expect(w.log.filter((l) => /forbidden/i.test(l))).toEqual([]);
    await stopWebhook(w);
  });
});
