// The Helm chart's `mode: admission-policy`: its MutatingAdmissionPolicy template is generated from
// core/policy (plugin/release/helm-admission-policy.ts), and rendered by the real Helm (`helm
// template`, no cluster) it is admissionPolicyObjects for the policy the same values give the
// webhook: the paas.toml the chart writes in webhook mode, read by the webhook's own parser, and
// the webhook's namespace and excluded namespaces. What the CEL does on real Deployments is proven
// on the API server by test/e2e/admission-policy.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../../../core/config.js';
import { admissionPolicyObjects, DEFAULT_ADMISSION_POLICY_SCOPE } from '../../../core/policy/index.js';
import { CHART_POLICY_FILE, chartPolicyTemplate } from '../../../plugin/release/helm-admission-policy.js';
import { helm, SKIP_HELM, warnIfNoHelm } from '../helm-oracle.js';

type Obj = Record<string, any>; // objects as Helm renders them, read field by field

const ROOT = resolve(import.meta.dirname, '../../..');
const CHART = join(ROOT, 'manifests/helm/paas-webhook');
const tmp = mkdtempSync(join(tmpdir(), 'paas-chart-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The labels templates/_helpers.tpl's paas.labels puts on every object (commonLabels are not set here). */
const CHART_LABELS = ['app.kubernetes.io/part-of', 'helm.sh/chart', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/instance', 'app.kubernetes.io/version'];

type Values = { set?: string[]; values?: string };

/** `helm template` of the chart with these values (and `extra` flags); its objects, or Helm's error. */
async function template(v: Values, extra: string[] = []): Promise<{ objects: Obj[] } | { error: string }> {
  const args = ['template', 'paas-webhook', CHART, '--skip-tests', ...(v.set ?? []).flatMap((s) => ['--set', s]), ...extra];
  if (v.values !== undefined) {
    const file = join(tmp, `values-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, v.values);
    args.push('-f', file);
  }
  const r = await helm(args);
  if (r.code !== 0) return { error: r.stderr.trim() };
  return { objects: parseAllDocuments(r.stdout).flatMap((d) => (d.toJS() ? [d.toJS() as Obj] : [])) };
}

async function objectsOf(v: Values, extra: string[] = []): Promise<Obj[]> {
  const r = await template(v, extra);
  if ('error' in r) throw new Error(r.error);
  return r.objects;
}

/** The object without the chart's own labels (and its labels, when nothing else is left). */
function withoutChartLabels(o: Obj): Obj {
  const c = structuredClone(o);
  for (const l of CHART_LABELS) expect(c.metadata.labels, `${o.kind} ${o.metadata.name}: ${l}`).toHaveProperty([l]);
  for (const l of CHART_LABELS) delete c.metadata.labels[l];
  if (Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
  return c;
}

/** What admissionPolicyObjects renders for the policy the same values give the webhook: the
 * paas.toml of the chart's ConfigMap in webhook mode, its namespace as the webhook's own. */
async function expected(v: Values): Promise<Obj[]> {
  const map = (await objectsOf(v)).find((o) => o.kind === 'ConfigMap')!;
  const config = parseConfig(map.data['paas.toml'], 'paas.toml');
  return admissionPolicyObjects(
    config,
    { nativeSleep: true },
    {
      name: DEFAULT_ADMISSION_POLICY_SCOPE.name,
      ownNamespace: map.metadata.namespace,
      excludedNamespaces: config.webhook.excludedNamespaces,
      mode: config.webhook.mode,
      namespaces: config.webhook.namespaces,
    },
  );
}

const ADMISSION_POLICY = ['mode=admission-policy'];
const with_ = (v: Values): Values => ({ ...v, set: [...ADMISSION_POLICY, ...(v.set ?? [])] });

describe(`${CHART_POLICY_FILE}`, () => {
  it('is what `make admission-policy-overlay` generates from core/policy', () => {
    expect(readFileSync(join(ROOT, CHART_POLICY_FILE), 'utf8'), `${CHART_POLICY_FILE} is stale: run make admission-policy-overlay`).toBe(chartPolicyTemplate());
  });
});

warnIfNoHelm("the chart's mode admission-policy through helm template");

describe.skipIf(SKIP_HELM)('helm template with mode admission-policy is admissionPolicyObjects for the same values', () => {
  it.each<{ name: string } & Values>([
    { name: 'the defaults' },
    {
      name: 'every literal knob moved, a TCP probe and an exec hook',
      set: [
        'config.deploy.surge=50%',
        'config.deploy.max_unavailable=25%',
        'config.deploy.timeout=300',
        'config.deploy.readiness_probe=tcp',
        'config.deploy.prestop_sleep=20',
        'config.deploy.prestop_mode=exec',
        'config.deploy.termination_grace_period=60',
      ],
    },
    {
      name: "an HTTP probe's path and headers with characters JSON and HTML quote differently, surge 0",
      values: [
        'config:',
        '  deploy:',
        '    surge: 0',
        '    max_unavailable: 1',
        '    readiness_probe_path: /health?full=1&x=<a>',
        '    readiness_probe_headers:',
        '      X-Forwarded-Proto: https',
        '      Authorization: \'Bearer "t" \\ é <&>\'',
        '',
      ].join('\n'),
    },
    {
      name: 'no probe, no hook, a short grace period',
      set: ['config.deploy.readiness_probe=off', 'config.deploy.prestop_sleep=0', 'config.deploy.termination_grace_period=10'],
    },
    { name: 'prestop_mode sleep and a sleep that raises the grace period', set: ['config.deploy.prestop_mode=sleep', 'config.deploy.prestop_sleep=40'] },
    { name: 'mode warn: only namespaces labelled paas.io/mode=enforce', set: ['config.webhook.mode=warn'] },
    { name: 'opt-in', set: ['config.webhook.namespaces=opt-in'] },
    {
      name: 'another namespace, listed among the excluded ones',
      set: ['namespace.name=platform', 'excludedNamespaces={kube-system,platform,infra}'],
    },
  ])('$name', async (v) => {
    const objects = await objectsOf(with_(v));
    const policy = objects.filter((o) => o.apiVersion === 'admissionregistration.k8s.io/v1').map(withoutChartLabels);
    expect(policy).toEqual(await expected(v));
  });

  it('installs only the policy, its binding, the namespace and paas.toml: no pods, Service, webhook configuration, Secret, Lease, RBAC, PDB or PriorityClass', async () => {
    const kinds = (os: Obj[]) => os.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds(await objectsOf(with_({ set: ['serviceMonitor.enabled=true', 'certificates.mode=cert-manager'] })))).toEqual([
      'Namespace/paas-system',
      'ConfigMap/paas-webhook-config',
      'MutatingAdmissionPolicy/paas-rollout-policy',
      'MutatingAdmissionPolicyBinding/paas-rollout-policy',
    ]);
    // The control: the same values in webhook mode install the webhook and no policy.
    const webhook = kinds(await objectsOf({ set: ['serviceMonitor.enabled=true', 'certificates.mode=cert-manager'] }));
    expect(webhook).toEqual(expect.arrayContaining(['Deployment/paas-webhook', 'MutatingWebhookConfiguration/paas-webhook', 'Lease/paas-webhook-cert-leader']));
    expect(webhook.filter((k) => k.startsWith('MutatingAdmissionPolicy'))).toEqual([]);
  });

  it.each([
    { name: 'a mode of neither', set: ['mode=both'], says: "at '/mode': value must be one of 'webhook', 'admission-policy'" },
    {
      name: 'the fail-open ValidatingAdmissionPolicy, which has no webhook to stand in for',
      set: [...ADMISSION_POLICY, 'validatingAdmissionPolicy.enabled=true'],
      says: 'validatingAdmissionPolicy.enabled: it refuses what the webhook would have fixed while the webhook is down',
    },
    {
      name: 'a Kubernetes before 1.36',
      set: ADMISSION_POLICY,
      extra: ['--kube-version', '1.35'],
      says: 'mode admission-policy: a MutatingAdmissionPolicy (admissionregistration.k8s.io/v1) needs Kubernetes >= 1.36, not v1.35',
    },
  ])('refuses $name', async ({ set, extra, says }) => {
    const r = await template({ set }, extra);
    expect(r).toEqual({ error: expect.stringContaining(says) });
  });

  it('helm lint passes with mode admission-policy', async () => {
    const r = await helm(['lint', CHART, '--set', 'mode=admission-policy']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
  });
});
