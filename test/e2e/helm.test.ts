// The Helm chart (manifests/helm/paas-webhook) with real Helm (v4, built from the Go module proxy
// by `make tools`):
//   - `helm lint`, and values.schema.json refusing bad values with the key named;
//   - `helm template` against `kubectl kustomize` of manifests/ and its overlays, object by object,
//     after taking away only what Helm adds (its labels, the config checksum that rolls the pods);
//   - the paas.toml it writes, read by the webhook's own parser, and its ValidatingAdmissionPolicy
//     kept in step with the same values, judged by the API server;
//   - `helm install` (it arms itself; `helm test` passes), `helm upgrade` (a [deploy] value changed:
//     the webhook's answers change, the certificates and the armed entries stay, whatever Helm's
//     server-side apply owns) and `helm uninstall` on the real node, admissions checked after each.
// The install of an image that does not exist (nothing refused) is adopt-helm.test.ts.
// Helm keeps its cache, config and data in a temporary directory; it reaches only the e2e API server.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG, parseConfig, type PaasConfig } from '../../core/config.js';
import { Entry, policyEntries } from '../../webhook/server/arming.js';
import { buildWebhookImage, loadWebhookImage, nodeOf, waitServing, WebhookNames as W } from './cluster/webhook-install.js';
import { getJson, kubeconfig, kubectl, kubectlOk, newNamespace, waitFor, type KubectlResult } from './lib/cluster.js';
import { ownClusterForThisFile } from './lib/locks.js';

// The webhook installed in paas-system covers every namespace: no other file runs beside this one
// (lib/locks.ts).
ownClusterForThisFile();

type Obj = Record<string, any>; // raw Kubernetes objects, read field by field

const ROOT = resolve(import.meta.dirname, '../..');
const HELM = join(ROOT, '.cache/bin/helm-v4.3.1/helm');
const CHART = join(ROOT, 'manifests/helm/paas-webhook');
const PLUGIN = join(ROOT, 'dist/bin/kubectl-paas.js');
const RELEASE = 'paas-webhook';
const RELEASE_NS = 'default'; // where Helm keeps the release record; the chart's objects go to paas-system
const tmp = mkdtempSync(join(tmpdir(), 'paas-helm-'));

/** Labels Helm puts on every object; kustomize has none of them. */
const HELM_LABELS = ['helm.sh/chart', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/instance', 'app.kubernetes.io/version'];

function run(cmd: string, args: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<KubectlResult> {
  return new Promise((res) => {
    const child = execFile(
      cmd,
      args,
      { env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
    child.stdin?.end(opts.input ?? '');
  });
}

const helmEnv = () => ({
  KUBECONFIG: kubeconfig(),
  HELM_CACHE_HOME: join(tmp, 'cache'),
  HELM_CONFIG_HOME: join(tmp, 'config'),
  HELM_DATA_HOME: join(tmp, 'data'),
});
const helm = (args: string[], timeoutMs?: number) => run(HELM, args, { env: helmEnv(), timeoutMs });
async function helmOk(args: string[], timeoutMs?: number): Promise<string> {
  const r = await helm(args, timeoutMs);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}
/** `helm template` without the test hook (kustomize has no `helm test` pod). */
const template = (set: string[] = []) => helmOk(['template', RELEASE, CHART, '--skip-tests', ...set.flatMap((s) => ['--set', s])]);

/** Sorted keys all the way down, so that two objects compare by content alone. */
const canon = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(canon)
    : v !== null && typeof v === 'object'
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, canon((v as Obj)[k])]),
        )
      : v;

/** kind/namespace/name -> object, from a multi-document YAML stream. */
function objects(text: string): Map<string, Obj> {
  const out = new Map<string, Obj>();
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(doc.errors[0]!.message);
    const o = doc.toJS() as Obj | null;
    if (o) out.set(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
  }
  return out;
}

/** What Helm adds and kustomize has not: its labels, and the checksum that rolls pods on a config change. */
function withoutHelm(o: Obj): Obj {
  const c = structuredClone(o);
  for (const l of HELM_LABELS) delete c.metadata.labels?.[l];
  const pod = c.spec?.template?.metadata;
  if (pod?.annotations) {
    expect(pod.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    delete pod.annotations['checksum/config'];
    if (Object.keys(pod.annotations).length === 0) delete pod.annotations;
  }
  return c;
}

/** The settings the webhook runs with: paas.toml, then the PAAS_WEBHOOK_* environment over [webhook]
 * (kustomize's overlays set mode, namespaces and failure policy that way; Helm writes paas.toml). */
function effectiveConfig(docs: Map<string, Obj>): PaasConfig {
  const cm = [...docs.values()].find((o) => o.kind === 'ConfigMap')!;
  const config = parseConfig(cm.data['paas.toml'], 'paas.toml');
  const env = Object.fromEntries(
    ([...docs.values()].find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env as Obj[]).map((e) => [e.name, e.value]),
  );
  return {
    ...config,
    webhook: {
      ...config.webhook,
      ...(env.PAAS_WEBHOOK_MODE ? { mode: env.PAAS_WEBHOOK_MODE } : {}),
      ...(env.PAAS_WEBHOOK_NAMESPACES ? { namespaces: env.PAAS_WEBHOOK_NAMESPACES } : {}),
      ...(env.PAAS_WEBHOOK_FAILURE_POLICY ? { failurePolicy: env.PAAS_WEBHOOK_FAILURE_POLICY } : {}),
    },
  };
}

/** The objects without the settings effectiveConfig reads (compared apart): the ConfigMap's
 * paas.toml and the Deployment's PAAS_WEBHOOK_* variables. */
function withoutSettings(o: Obj): Obj {
  const c = structuredClone(o);
  if (c.kind === 'ConfigMap') delete c.data;
  if (c.kind === 'Deployment') {
    const container = c.spec.template.spec.containers[0];
    container.env = (container.env as Obj[]).filter((e) => !String(e.name).startsWith('PAAS_WEBHOOK_'));
  }
  return c;
}

/** Every CEL `expression`/`messageExpression` with runs of whitespace made one space. */
function celSpacing(o: Obj): Obj {
  const walk = (v: unknown, key = ''): unknown =>
    Array.isArray(v)
      ? v.map((x) => walk(x))
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]))
        : typeof v === 'string' && (key === 'expression' || key === 'messageExpression')
          ? v.replace(/\s+/g, ' ')
          : v;
  return walk(o) as Obj;
}

const plainDeployment = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'app', image: 'registry.example/shop/web:1.0', ports: [{ containerPort: 8080 }] }] },
    },
  },
});

/** What the API server would store for a plain Deployment in `ns` (a server-side dry run). */
async function admitted(ns: string, object: object = plainDeployment('probe')): Promise<KubectlResult & { stored?: Obj }> {
  const r = await kubectl(['create', '--dry-run=server', '-o', 'json', '-n', ns, '-f', '-'], { input: JSON.stringify(object) });
  return r.code === 0 ? { ...r, stored: JSON.parse(r.stdout) as Obj } : r;
}

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('helm lint and values.schema.json', () => {
  it.each([
    { name: 'the defaults', set: [] },
    { name: 'fail open', set: ['failurePolicy=Ignore', 'validatingAdmissionPolicy.enabled=true'] },
    { name: 'cert-manager', set: ['certificates.mode=cert-manager'] },
    {
      name: 'warn, opt-in, a ServiceMonitor and another name',
      set: ['config.webhook.mode=warn', 'config.webhook.namespaces=opt-in', 'serviceMonitor.enabled=true', 'fullnameOverride=admission'],
    },
  ])('helm lint passes with $name', async ({ set }) => {
    const r = await helm(['lint', CHART, ...set.flatMap((s) => ['--set', s])]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
  });

  it.each([
    { set: 'config.deploy.surge=abc', says: "at '/config/deploy/surge'" },
    { set: 'config.deploy.surgee=1', says: "additional properties 'surgee' not allowed" },
    { set: 'config.deploy.max_unavailable=150%', says: "at '/config/deploy/max_unavailable'" },
    { set: 'config.deploy.timeout=0', says: "at '/config/deploy/timeout'" },
    { set: 'config.deploy.readiness_probe=grpc', says: "at '/config/deploy/readiness_probe': value must be one of 'http', 'tcp', 'off'" },
    { set: 'config.deploy.readiness_probe_path=healthz', says: "at '/config/deploy/readiness_probe_path'" },
    { set: 'config.deploy.topology_spread=Kubernetes.io/hostname', says: "at '/config/deploy/topology_spread'" },
    { set: 'config.deploy.disruption_budget=on', says: "at '/config/deploy/disruption_budget': value must be one of 'auto', 'off'" },
    { set: 'config.webhook.on_error=retry', says: "at '/config/webhook/on_error'" },
    { set: 'config.webhook.max_body_bytes=10', says: "at '/config/webhook/max_body_bytes'" },
    { set: 'replicas=0', says: "at '/replicas'" },
    { set: 'image.pullPolicy=Sometimes', says: "at '/image/pullPolicy'" },
    { set: 'failurePolicy=Maybe', says: "at '/failurePolicy'" },
    { set: 'certificates.mode=acme', says: "at '/certificates/mode'" },
    { set: 'namespace.name=Paas_System', says: "at '/namespace/name'" },
    { set: 'excludedNamespaces[0]=Kube-System', says: "at '/excludedNamespaces/0'" },
    { set: 'podDisruptionBudget.minAvailable=half', says: "at '/podDisruptionBudget/minAvailable'" },
    { set: 'config.deploy.surge=0', says: 'config.deploy.max_unavailable: surge and max_unavailable cannot both be 0' },
    { set: 'config.webhook.mode=audit', says: "at '/config/webhook/mode': value must be one of 'enforce', 'warn'" },
    { set: 'config.webhook.namespaces=all', says: "at '/config/webhook/namespaces'" },
    { set: 'ports.https=443', says: "at '/ports/https'" },
    { set: 'service.port=0', says: "at '/service/port'" },
    { set: 'fullnameOverride=Platform', says: "at '/fullnameOverride'" },
    { set: 'serviceMonitor.interval=often', says: "at '/serviceMonitor/interval'" },
    { set: 'topologySpreadConstraints[0].maxSkew=1', says: "at '/topologySpreadConstraints/0'" },
  ])('refuses --set $set, naming the key', async ({ set, says }) => {
    const r = await helm(['template', RELEASE, CHART, '--set', set]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(says);
    expect(r.stdout).toBe('');
  });
});

describe('helm template against kubectl kustomize, object by object', () => {
  // The overlays' own resources (the VAP, cert-manager's Issuers and Certificates) carry no
  // app.kubernetes.io/part-of in kustomize: its labels transformer sits in base. The chart labels
  // everything it renders; that one label is taken off those objects before comparing.
  const OVERLAY_KINDS = ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'Issuer', 'Certificate'];
  it.each([
    { name: 'the defaults = manifests/', dir: 'manifests', set: [] as string[] },
    {
      name: 'fail open = manifests/overlays/fail-open',
      dir: 'manifests/overlays/fail-open',
      set: ['failurePolicy=Ignore', 'validatingAdmissionPolicy.enabled=true'],
    },
    { name: 'cert-manager = manifests/overlays/cert-manager', dir: 'manifests/overlays/cert-manager', set: ['certificates.mode=cert-manager'] },
    { name: 'warn mode = manifests/overlays/warn', dir: 'manifests/overlays/warn', set: ['config.webhook.mode=warn'] },
    { name: 'opt-in = manifests/overlays/opt-in', dir: 'manifests/overlays/opt-in', set: ['config.webhook.namespaces=opt-in'] },
  ])('$name', async ({ dir, set }) => {
    const fromKustomize = objects(await kubectlOk(['kustomize', join(ROOT, dir)]));
    const fromHelm = objects(await template(set));
    expect([...fromHelm.keys()].sort()).toEqual([...fromKustomize.keys()].sort());
    // The same settings, whether from paas.toml (Helm) or from the overlay's environment (kustomize);
    // where the overlay sets none, paas.toml itself is compared, byte for byte.
    expect(effectiveConfig(fromHelm)).toEqual(effectiveConfig(fromKustomize));
    const bySettings = JSON.stringify([...fromKustomize.values()]).includes('PAAS_WEBHOOK_');
    const settingsApart = (o: Obj) => (bySettings ? withoutSettings(o) : o);
    for (const [key, h] of fromHelm) {
      const o = settingsApart(withoutHelm(h));
      let k = settingsApart(fromKustomize.get(key)!);
      if (OVERLAY_KINDS.includes(o.kind)) {
        expect(o.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'kubectl-paas' });
        delete o.metadata.labels;
      }
      if (o.kind === 'ValidatingAdmissionPolicy') {
        // kustomize re-emits a folded CEL scalar whose continuation lines are more indented with
        // one more line break (the source has `>-` with such lines); CEL ignores whitespace outside
        // string literals, and no literal here holds a run of it.
        k = celSpacing(k);
        Object.assign(o, celSpacing(o));
      }
      expect(canon(o), key).toEqual(canon(k));
    }
  });

  it('adds what the values ask: labels and annotations everywhere, placement, PriorityClass and PDB choices, image by digest', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const out = objects(
      await template([
        'commonLabels.team=platform',
        'commonAnnotations.owner=sre',
        'podLabels.tier=admission',
        'nodeSelector.pool=system',
        'tolerations[0].key=dedicated',
        'tolerations[0].operator=Exists',
        'priorityClass.create=false',
        'priorityClass.name=system-cluster-critical',
        'podDisruptionBudget.enabled=false',
        `image.digest=${digest}`,
        'replicas=3',
        'resources.limits.memory=512Mi',
      ]),
    );
    for (const o of out.values()) {
      expect(o.metadata.labels, o.kind).toMatchObject({ team: 'platform', 'app.kubernetes.io/part-of': 'kubectl-paas' });
      expect(o.metadata.annotations, o.kind).toMatchObject({ owner: 'sre' });
    }
    expect([...out.keys()].filter((k) => k.startsWith('PriorityClass/') || k.startsWith('PodDisruptionBudget/'))).toEqual([]);
    const d = out.get('Deployment/paas-system/paas-webhook')!;
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'paas-webhook', tier: 'admission' });
    expect(d.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'paas-webhook' });
    expect(d.spec.template.spec).toMatchObject({
      nodeSelector: { pool: 'system' },
      tolerations: [{ key: 'dedicated', operator: 'Exists' }],
      priorityClassName: 'system-cluster-critical',
    });
    expect(d.spec.template.spec.containers[0].image).toBe(`ghcr.io/kubectl-paas/paas-webhook@${digest}`);
    expect(d.spec.template.spec.containers[0].resources.limits).toEqual({ cpu: '1', memory: '512Mi' });
    // The Secret keeps its own annotations next to the common one.
    expect(out.get('Secret/paas-system/paas-webhook-tls')!.metadata.annotations).toMatchObject({
      owner: 'sre',
      'argocd.argoproj.io/sync-options': 'Prune=false',
    });
  });

  it('excludes the namespaces asked, and always its own, in the entries the webhook arms and the policy alike', async () => {
    const out = objects(await template(['excludedNamespaces={kube-system,legacy}', 'namespace.name=admission', 'validatingAdmissionPolicy.enabled=true']));
    const mwc = out.get('MutatingWebhookConfiguration//paas-webhook')!;
    const vap = out.get('ValidatingAdmissionPolicy//paas-rollout-policy')!;
    const want = { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'legacy', 'admission'] };
    const config = parseConfig(out.get('ConfigMap/admission/paas-webhook-config')!.data['paas.toml'], 'paas.toml');
    expect(config.webhook.excludedNamespaces).toEqual(['kube-system', 'legacy']);
    // What the leader will arm, from that paas.toml and the chart's self-check entry.
    const [enforce, warn] = policyEntries({ ...config.webhook, ownNamespace: 'admission' }, mwc.webhooks[0]) as Obj[];
    expect(enforce!.namespaceSelector.matchExpressions[0]).toEqual(want);
    expect(warn!.namespaceSelector.matchExpressions[0]).toEqual(want);
    expect(vap.spec.matchConstraints.namespaceSelector.matchExpressions[0]).toEqual(want);
    // The installed configuration matches the self-check probe in its own namespace, nothing else.
    expect(mwc.webhooks).toHaveLength(1);
    expect(mwc.webhooks[0]).toMatchObject({
      name: Entry.selfCheck,
      clientConfig: { service: { namespace: 'admission', name: 'paas-webhook', port: 443, path: '/mutate' } },
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['admission'] }] },
      objectSelector: { matchExpressions: [{ key: 'paas.io/self-check', operator: 'In', values: ['probe'] }] },
    });
    expect([...out.values()].filter((o) => o.metadata.namespace !== undefined).every((o) => o.metadata.namespace === 'admission')).toBe(true);
  });

  it('fullnameOverride names every object, and every reference follows: flags, RBAC resourceNames, Service, paramRef, test pod', async () => {
    const out = objects(
      await helmOk(['template', 'any-release', CHART, '--set', 'fullnameOverride=platform-admission', '--set', 'validatingAdmissionPolicy.enabled=true']),
    );
    const names = [...out.keys()];
    for (const kind of ['Deployment', 'Service', 'ServiceAccount', 'MutatingWebhookConfiguration', 'PodDisruptionBudget']) {
      expect(
        names.filter((n) => n.startsWith(`${kind}/`)).map((n) => n.split('/')[2]),
        kind,
      ).toEqual(['platform-admission']);
    }
    // Only the PriorityClass keeps its name: it is a value of its own (priorityClass.name).
    expect(names.filter((n) => n.includes('/paas-webhook'))).toEqual(['PriorityClass//paas-webhook-critical']);
    const d = [...out.values()].find((o) => o.kind === 'Deployment')!;
    const args = d.spec.template.spec.containers[0].args as string[];
    for (const flag of ['--secret-name', '--webhook-config-name', '--service-name', '--lease-name']) {
      const value = args.find((a) => a.startsWith(`${flag}=`))!.split('=')[1]!;
      expect(
        names.some((n) => n.endsWith(`/${value}`)),
        `${flag}=${value} names an object`,
      ).toBe(true);
    }
    for (const role of [...out.values()].filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')) {
      for (const r of role.rules as Obj[])
        for (const n of (r.resourceNames as string[] | undefined) ?? [])
          expect(
            names.some((k) => k.endsWith(`/${n}`)),
            n,
          ).toBe(true);
    }
    const mwc = out.get('MutatingWebhookConfiguration//platform-admission')!;
    expect(mwc.webhooks[0].clientConfig.service.name).toBe('platform-admission');
    expect(out.get('ValidatingAdmissionPolicyBinding//paas-rollout-policy')!.spec.paramRef.name).toBe('platform-admission');
    const test = out.get('Pod/paas-system/platform-admission-test')!;
    expect(test.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'test', 'helm.sh/hook-delete-policy': 'before-hook-creation' });
    expect(test.spec.serviceAccountName).toBe('platform-admission');
    expect(test.spec.containers[0].args).toEqual(
      expect.arrayContaining(['self-check', '--webhook-config-name=platform-admission', '--namespace=paas-system', '--expect-armed']),
    );
    expect(test.spec.containers[0].image).toBe(d.spec.template.spec.containers[0].image);
  });

  it('ports, security contexts, spread and the ServiceMonitor as values', async () => {
    const out = objects(
      await template([
        'ports.https=9443',
        'ports.metrics=9091',
        'service.port=8443',
        'service.metricsPort=9100',
        'podSecurityContext.runAsUser=2000',
        'securityContext.readOnlyRootFilesystem=false',
        'topologySpreadConstraints[0].maxSkew=2',
        'topologySpreadConstraints[0].topologyKey=topology.kubernetes.io/zone',
        'topologySpreadConstraints[0].whenUnsatisfiable=DoNotSchedule',
        'serviceMonitor.enabled=true',
        'serviceMonitor.labels.release=prometheus',
      ]),
    );
    const pod = out.get('Deployment/paas-system/paas-webhook')!.spec.template.spec;
    const c = pod.containers[0];
    expect(c.args).toEqual(expect.arrayContaining(['--port=9443', '--metrics-port=9091']));
    expect(c.ports).toEqual([
      { name: 'https', containerPort: 9443, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9091, protocol: 'TCP' },
    ]);
    expect(pod.securityContext.runAsUser).toBe(2000);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(false);
    expect(pod.topologySpreadConstraints).toEqual([{ maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' }]);
    expect(out.get('Service/paas-system/paas-webhook')!.spec.ports.map((p: Obj) => [p.name, p.port, p.targetPort])).toEqual([
      ['https', 8443, 'https'],
      ['metrics', 9100, 'metrics'],
    ]);
    // The API server calls the Service's port: the armed entries copy it from the self-check entry.
    expect(out.get('MutatingWebhookConfiguration//paas-webhook')!.webhooks[0].clientConfig.service.port).toBe(8443);
    const sm = out.get('ServiceMonitor/paas-system/paas-webhook')!;
    expect(sm.metadata.labels.release).toBe('prometheus');
    expect(sm.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', scheme: 'http', interval: '30s', scrapeTimeout: '10s' }]);
    expect(sm.spec.selector.matchLabels).toEqual(out.get('Service/paas-system/paas-webhook')!.spec.selector);
    // Off by default.
    expect([...objects(await template()).keys()].filter((k) => k.startsWith('ServiceMonitor/'))).toEqual([]);
  });

  it.each([
    { name: 'the defaults', set: [], want: DEFAULT_CONFIG },
    {
      name: 'every key changed',
      set: [
        'config.deploy.surge=25%',
        'config.deploy.max_unavailable=10%',
        'config.deploy.timeout=900',
        'config.deploy.readiness_probe=tcp',
        'config.deploy.readiness_probe_path=/healthz',
        'config.deploy.readiness_probe_headers.X-Forwarded-Proto=https',
        'config.deploy.prestop_sleep=0',
        'config.deploy.prestop_mode=exec',
        'config.deploy.termination_grace_period=45',
        'config.deploy.topology_spread=topology.kubernetes.io/zone',
        'config.deploy.disruption_budget=off',
        'config.webhook.on_error=allow',
        'config.webhook.drain_seconds=3',
        'config.webhook.max_body_bytes=1048576',
        'config.webhook.mode=warn',
        'config.webhook.namespaces=opt-in',
        'failurePolicy=Ignore',
        'excludedNamespaces={kube-system,legacy}',
      ],
      want: {
        deploy: {
          surge: '25%',
          maxUnavailable: '10%',
          timeout: 900,
          readinessProbe: 'tcp',
          readinessProbePath: '/healthz',
          readinessProbeHeaders: [{ name: 'X-Forwarded-Proto', value: 'https' }],
          prestopSleep: 0,
          prestopMode: 'exec',
          terminationGracePeriod: 45,
          topologySpread: 'topology.kubernetes.io/zone',
          disruptionBudget: 'off',
        },
        webhook: {
          onError: 'allow',
          drainSeconds: 3,
          maxBodyBytes: 1_048_576,
          mode: 'warn',
          namespaces: 'opt-in',
          failurePolicy: 'Ignore',
          excludedNamespaces: ['kube-system', 'legacy'],
        },
      },
    },
  ])('writes a paas.toml the webhook reads as the values given: $name', async ({ set, want }) => {
    const cm = objects(await template(set)).get('ConfigMap/paas-system/paas-webhook-config')!;
    expect(parseConfig(cm.data['paas.toml'], 'paas.toml')).toEqual(want);
  });
});

describe('the ValidatingAdmissionPolicy in step with config.deploy and the armed configuration, judged by the API server', () => {
  const set = ['validatingAdmissionPolicy.enabled=true', 'config.deploy.surge=2', 'config.deploy.timeout=900', 'config.deploy.prestop_sleep=10'];
  let policy = '';
  let ns: string; // selected by the armed enforce entry
  let warnNs: string; // labelled paas.io/mode=warn: the enforce entry does not select it
  let configuration: Obj; // the chart's MutatingWebhookConfiguration, as installed (disarmed)
  let settings: PaasConfig['webhook'];

  /**
   * The configuration as the leader arms it (policyEntries, the armer's own function) with fail-open's
   * Ignore: no webhook runs here, so every call fails and is ignored, as when the webhook is down.
   * Both entries are scoped to this file's namespaces (the CEL in the policy evaluates that In too).
   */
  function armed(): Obj {
    const mwc = structuredClone(configuration);
    const entries = policyEntries({ ...settings, failurePolicy: 'Ignore', ownNamespace: 'paas-system' }, mwc.webhooks[0]) as Obj[];
    for (const e of entries) e.namespaceSelector.matchExpressions.push({ key: 'kubernetes.io/metadata.name', operator: 'In', values: [ns, warnNs] });
    mwc.webhooks.push(...entries);
    return mwc;
  }
  const refusedIn = (namespace: string) => async () => {
    const r = await admitted(namespace);
    return r.code !== 0 ? r : undefined;
  };
  const admittedIn = (namespace: string) => async () => {
    const r = await admitted(namespace);
    return r.code === 0 ? r : undefined;
  };

  beforeAll(async () => {
    ns = await newNamespace('helm-vap');
    warnNs = await newNamespace('helm-vap-warn', { 'paas.io/mode': 'warn' });
    const out = objects(await template(set));
    configuration = out.get('MutatingWebhookConfiguration//paas-webhook')!;
    settings = parseConfig(out.get('ConfigMap/paas-system/paas-webhook-config')!.data['paas.toml'], 'paas.toml').webhook;
    policy = await helmOk(['template', RELEASE, CHART, ...set.flatMap((s) => ['--set', s]), '--show-only', 'templates/validating-admission-policy.yaml']);
    await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(armed()) });
    await kubectlOk(['apply', '-f', '-'], { input: policy });
  }, 60_000);

  afterAll(async () => {
    if (policy) await kubectl(['delete', '-f', '-', '--ignore-not-found'], { input: policy });
    await kubectl(['delete', 'mutatingwebhookconfiguration', 'paas-webhook', '--ignore-not-found']);
  }, 60_000);

  it("refuses a plain Deployment naming the values, and admits it as kubectl paas policy apply renders it with the chart's paas.toml", async () => {
    // Policies take effect a moment after they are created: wait for the first refusal.
    const refused = await waitFor(refusedIn(ns), { timeoutMs: 30_000, what: 'the ValidatingAdmissionPolicy to refuse a plain Deployment' });
    expect(refused.stderr).toContain('paas: spec.strategy.rollingUpdate.maxSurge must be 2, not 25%');
    // The same Deployment, the same moment, in a namespace in warn mode: admitted, unmutated.
    const inWarn = await admitted(warnNs);
    expect(inWarn.stderr).not.toContain('ValidatingAdmissionPolicy');
    expect(inWarn.code).toBe(0);
    expect(inWarn.stored?.spec.strategy.rollingUpdate.maxSurge).toBe('25%');

    const toml = objects(await template(set)).get('ConfigMap/paas-system/paas-webhook-config')!.data['paas.toml'] as string;
    writeFileSync(join(tmp, 'paas.toml'), toml);
    writeFileSync(join(tmp, 'plain.json'), JSON.stringify(plainDeployment('probe')));
    const rendered = await run(process.execPath, [PLUGIN, 'policy', 'apply', '--config', join(tmp, 'paas.toml'), '-f', join(tmp, 'plain.json'), '-o', 'json']);
    expect(rendered.code, rendered.stderr).toBe(0);
    const r = await admitted(ns, JSON.parse(rendered.stdout) as object);
    expect(r.stderr).toBe('');
    expect(r.stored?.spec).toMatchObject({ progressDeadlineSeconds: 900, strategy: { rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } } });
    expect(r.stored?.spec.template.spec.terminationGracePeriodSeconds).toBe(35); // prestop_sleep 10 + 25
  });

  it('refuses a grace period below prestop_sleep + 25 and a missing preStop, as the webhook would fix them', async () => {
    const d = plainDeployment('probe') as Obj;
    d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } };
    d.spec.progressDeadlineSeconds = 900;
    d.spec.template.spec.terminationGracePeriodSeconds = 30;
    d.spec.template.spec.containers[0].readinessProbe = { tcpSocket: { port: 8080 } };
    const r = await admitted(ns, d);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('terminationGracePeriodSeconds must be at least 35, not 30');
    d.spec.template.spec.terminationGracePeriodSeconds = 35;
    const again = await admitted(ns, d);
    expect(again.stderr).toContain('containers without a preStop hook (a 10 s sleep lets endpoints drain): app');
  });

  it('refuses nothing while the configuration is disarmed (an install that never served), and enforces again once armed', async () => {
    await waitFor(refusedIn(ns), { timeoutMs: 30_000, what: 'the policy in force (the control)' });
    // As installed: the self-check entry only, no enforce entry.
    await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(configuration) });
    const mwc = await getJson('mutatingwebhookconfiguration', 'paas-webhook');
    expect((mwc.webhooks as Obj[]).map((w) => w.name)).toEqual([Entry.selfCheck]);
    const ok = await waitFor(admittedIn(ns), { timeoutMs: 30_000, what: 'a plain Deployment admitted with the configuration disarmed' });
    expect(ok.stored?.spec.strategy.rollingUpdate.maxSurge).toBe('25%');
    await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(armed()) });
    const again = await waitFor(refusedIn(ns), { timeoutMs: 30_000, what: 'the policy enforcing again once armed' });
    expect(again.stderr).toContain("ValidatingAdmissionPolicy 'paas-rollout-policy'");
  });
});

describe('helm install, upgrade and uninstall on the real node', () => {
  let installed = false;
  let ns: string; // covered by the webhook
  let ca = '';

  const kubectlJson = async (args: string[]) => JSON.parse(await kubectlOk([...args, '-o', 'json'])) as Obj;
  /** The CA in the Secret the webhook filled, and the caBundle it wrote into every entry of its configuration. */
  async function certificates(): Promise<{ secretCa: string; caBundle: string }> {
    const secret = await getJson('secret', W.secret, W.namespace);
    const mwc = await getJson('mutatingwebhookconfiguration', W.configuration);
    const bundles = new Set((mwc.webhooks as Obj[]).map((w) => w.clientConfig.caBundle ?? ''));
    expect(bundles.size).toBe(1);
    return { secretCa: secret.data?.['ca.crt'] ?? '', caBundle: [...bundles][0]! };
  }
  /** The configuration's entries as `name failurePolicy`. */
  const entries = async () => ((await getJson('mutatingwebhookconfiguration', W.configuration)).webhooks as Obj[]).map((w) => `${w.name} ${w.failurePolicy}`);

  beforeAll(async () => {
    // Built by `make test` beforehand (make webhook-image); here it is only checked and reused.
    const image = await buildWebhookImage((l) => console.log(l));
    await loadWebhookImage(nodeOf(kubeconfig()), image, (l) => console.log(l));
    const at = image.image.lastIndexOf(':');
    // The image that exists only in the node's containerd, on the real node (see
    // test/e2e/overlays/local-image: the same three changes, here as values).
    writeFileSync(
      join(tmp, 'node-values.yaml'),
      [
        'image:',
        `  repository: ${image.image.slice(0, at)}`,
        `  tag: "${image.image.slice(at + 1)}"`,
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
    mkdirSync(join(tmp, 'cache'), { recursive: true });
    ns = await newNamespace('helm');
  }, 600_000);

  afterAll(async () => {
    if (!installed) return;
    await helm(['uninstall', RELEASE, '-n', RELEASE_NS, '--wait', '--timeout', '150s'], 180_000);
    await kubectl(['wait', '--for=delete', `namespace/${W.namespace}`, '--timeout=150s'], { timeoutMs: 180_000 });
  }, 200_000);

  it('helm install: the webhook rolls out and the API server has it mutate a plain Deployment', async () => {
    // A paas-system left Terminating by an earlier file cannot take new objects.
    await kubectl(['wait', '--for=delete', `namespace/${W.namespace}`, '--timeout=150s'], { timeoutMs: 180_000 });
    const r = await helm(['install', RELEASE, CHART, '-n', RELEASE_NS, '-f', join(tmp, 'node-values.yaml')], 180_000);
    expect(r.code, r.stderr).toBe(0);
    installed = true;
    await kubectlOk(['rollout', 'status', `deployment/${W.deployment}`, '-n', W.namespace, '--timeout=180s'], { timeoutMs: 190_000 });
    await waitServing((args, input) => kubectl(args, { input }), Date.now() + 60_000);

    const stored = (await admitted(ns)).stored!;
    expect(stored.spec).toMatchObject({ progressDeadlineSeconds: 600, strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } });
    expect(stored.spec.template.metadata.labels['paas.io/deploy-id']).toMatch(/./);
    const namespace = await getJson('namespace', W.namespace);
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const list = JSON.parse(await helmOk(['list', '-n', RELEASE_NS, '-o', 'json'])) as Obj[];
    expect(list.map((l) => [l.name, l.status, l.revision])).toEqual([[RELEASE, 'deployed', '1']]);
    const certs = await certificates();
    expect(certs.caBundle).not.toBe('');
    // Armed by the leader (the dry run above needed it): the policy's entries beside the chart's one.
    expect(await entries()).toEqual([`${Entry.selfCheck} Fail`, `${Entry.enforce} Fail`, `${Entry.warn} Ignore`]);
    // The webhook filled the Secret and kept Helm's ownership label on it (Helm's next apply needs it).
    const secret = await getJson('secret', W.secret, W.namespace);
    expect(secret.metadata.labels['app.kubernetes.io/managed-by']).toBe('Helm');
    expect(Buffer.from(certs.secretCa, 'base64').toString()).toBe(Buffer.from(certs.caBundle, 'base64').toString());
    ca = certs.caBundle;
  });

  it('the installed webhook keeps a PodDisruptionBudget with its own ServiceAccount, and its RBAC allows that and no more', async () => {
    const sa = `system:serviceaccount:${W.namespace}:${W.deployment}`;
    const can = async (...args: string[]) => (await kubectl(['auth', 'can-i', '--as', sa, ...args])).stdout.trim();
    for (const a of [
      ['list', 'deployments.apps', '--all-namespaces'],
      ['watch', 'namespaces'],
      ['list', 'poddisruptionbudgets.policy', '--all-namespaces'],
      ['create', 'poddisruptionbudgets.policy', '-n', ns],
      ['patch', 'poddisruptionbudgets.policy', '-n', ns],
      ['delete', 'poddisruptionbudgets.policy', '-n', ns],
    ])
      expect(`${a.join(' ')}: ${await can(...a)}`).toBe(`${a.join(' ')}: yes`);
    for (const a of [
      ['get', 'deployments.apps', '-n', ns],
      ['update', 'poddisruptionbudgets.policy', '-n', ns],
      ['create', 'pods/eviction', '-n', ns],
      ['list', 'pods', '--all-namespaces'],
    ])
      expect(`${a.join(' ')}: ${await can(...a)}`).toBe(`${a.join(' ')}: no`);
    // The real thing: the webhook's pods run as that ServiceAccount and nothing else.
    const guarded = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'guarded', namespace: ns, labels: { app: 'guarded' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'guarded' } },
        template: { metadata: { labels: { app: 'guarded' } }, spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] } },
      },
    };
    await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(guarded) });
    const budget = await waitFor(
      async () => {
        const r = await kubectl(['get', 'pdb', 'guarded-paas', '-n', ns, '-o', 'json']);
        return r.code === 0 ? (JSON.parse(r.stdout) as Obj) : undefined;
      },
      { timeoutMs: 90_000, what: 'the budget the installed webhook keeps beside deployment guarded' },
    );
    expect(budget.spec).toEqual({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { app: 'guarded' } } });
    await kubectlOk(['delete', 'deployment', 'guarded', '-n', ns, '--wait=true', '--timeout=60s'], { timeoutMs: 70_000 });
    // The garbage collector takes it with its owner.
    await waitFor(async () => (await kubectl(['get', 'pdb', 'guarded-paas', '-n', ns])).code !== 0, {
      timeoutMs: 60_000,
      what: 'the budget of guarded gone with its Deployment',
    });
  });

  it("helm test: its pod, in the webhook's own image, proves a server-side dry run comes back mutated and the configuration armed", async () => {
    const r = await helm(['test', RELEASE, '-n', RELEASE_NS, '--timeout', '180s'], 200_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('TEST SUITE:     paas-webhook-test');
    expect(r.stdout).toContain('Phase:          Succeeded');
    // The pod stays (in paas-system, beside its ServiceAccount) until the next helm test.
    const logs = await kubectlOk(['logs', '-n', W.namespace, 'paas-webhook-test']);
    expect(logs).toMatch(
      /paas-webhook self-check: a server-side dry run of Deployment paas-system\/paas-webhook-self-check came back mutated \(paas\.io\/deploy-id [0-9a-f-]{36}\)/,
    );
    expect(logs).toContain(`paas-webhook self-check: armed: ${Entry.enforce} (failurePolicy Fail), ${Entry.warn} (failurePolicy Ignore)`);
  });

  it('helm upgrade --set config.deploy.surge=2: the pods roll, the webhook now writes maxSurge 2, the same CA stays', async () => {
    const before = await kubectlJson(['get', 'deployment', W.deployment, '-n', W.namespace]);
    const r = await helm(
      ['upgrade', RELEASE, CHART, '-n', RELEASE_NS, '--reuse-values', '--set', 'config.deploy.surge=2', '--set', 'config.deploy.timeout=900'],
      180_000,
    );
    expect(r.code, r.stderr).toBe(0);
    const after = await kubectlJson(['get', 'deployment', W.deployment, '-n', W.namespace]);
    expect(after.spec.template.metadata.annotations['checksum/config']).not.toBe(before.spec.template.metadata.annotations['checksum/config']);
    await kubectlOk(['rollout', 'status', `deployment/${W.deployment}`, '-n', W.namespace, '--timeout=180s'], { timeoutMs: 190_000 });
    // Old pods drain for a few seconds after the rollout: wait until every answer is the new one.
    const stored = await waitFor(
      async () => {
        const s = (await admitted(ns)).stored;
        return s?.spec.strategy.rollingUpdate.maxSurge === 2 ? s : undefined;
      },
      { timeoutMs: 60_000, what: 'the upgraded webhook to answer with maxSurge 2' },
    );
    expect(stored.spec.progressDeadlineSeconds).toBe(900);
    for (let i = 0; i < 3; i++) expect((await admitted(ns)).stored?.spec.strategy.rollingUpdate.maxSurge).toBe(2);
    const certs = await certificates();
    expect(certs.caBundle).toBe(ca);
    expect(Buffer.from(certs.secretCa, 'base64').toString()).toBe(Buffer.from(ca, 'base64').toString());
    // Helm's apply (server-side for a release Helm 4 installed) left the armed entries alone: it
    // owns the self-check entry only, the webhook owns its own.
    expect(await entries()).toEqual([`${Entry.selfCheck} Fail`, `${Entry.enforce} Fail`, `${Entry.warn} Ignore`]);
    // kubectl get leaves managedFields out unless asked.
    const mwc = JSON.parse(await kubectlOk(['get', 'mutatingwebhookconfiguration', W.configuration, '-o', 'json', '--show-managed-fields'])) as Obj;
    const helmFields = JSON.stringify((mwc.metadata.managedFields as Obj[]).filter((m) => m.manager === 'helm').map((m) => m.fieldsV1));
    expect(helmFields).toContain(`"k:{\\"name\\":\\"${Entry.selfCheck}\\"}"`);
    expect(helmFields).not.toContain(Entry.enforce);
    const cm = await getJson('configmap', 'paas-webhook-config', W.namespace);
    expect(parseConfig(cm.data['paas.toml'], 'paas.toml').deploy).toMatchObject({ surge: 2, timeout: 900 });
  });

  it('helm uninstall: every object goes, paas-system too, and Deployments are admitted unmutated', async () => {
    const r = await helm(['uninstall', RELEASE, '-n', RELEASE_NS, '--wait', '--timeout', '150s'], 180_000);
    expect(r.code, r.stderr).toBe(0);
    installed = false;
    await kubectlOk(['wait', '--for=delete', `namespace/${W.namespace}`, '--timeout=150s'], { timeoutMs: 180_000 });
    for (const [kind, name] of [
      ['mutatingwebhookconfiguration', 'paas-webhook'],
      ['clusterrole', 'paas-webhook-ca-bundle'],
      ['clusterrole', 'paas-webhook-version'],
      ['clusterrole', 'paas-webhook-disruption-budgets'],
      ['clusterrolebinding', 'paas-webhook-ca-bundle'],
      ['clusterrolebinding', 'paas-webhook-version'],
      ['clusterrolebinding', 'paas-webhook-disruption-budgets'],
      ['priorityclass', 'paas-webhook-critical'],
    ]) {
      const g = await kubectl(['get', kind!, name!, '--ignore-not-found', '-o', 'name']);
      expect(g.stdout.trim(), `${kind}/${name}`).toBe('');
    }
    const stored = (await admitted(ns)).stored!;
    expect(stored.spec.strategy.rollingUpdate).toEqual({ maxSurge: '25%', maxUnavailable: '25%' });
    expect(stored.spec.template.metadata.labels['paas.io/deploy-id']).toBeUndefined();
    expect(JSON.parse(await helmOk(['list', '-n', RELEASE_NS, '-o', 'json']))).toEqual([]);
  });
});
