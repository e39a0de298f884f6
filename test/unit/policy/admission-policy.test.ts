// The rendered MutatingAdmissionPolicy and its binding: their structure for the default paas.toml
// and for each knob, held to literal expectations and to the webhook's own shipped configuration.
// What the CEL does on real Deployments is proven against the API server, in
// test/e2e/admission-policy.test.ts (server-side dry runs compared with the engine, field by field).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Entry, policyEntries } from '../../../webhook/server/arming.js';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG, Mode, NamespaceSelection, type WebhookSettings } from '../../../core/config.js';
import {
  ADMISSION_POLICY_GAPS,
  admissionPolicyObjects,
  DEFAULT_ADMISSION_POLICY_SCOPE,
  admissionPolicyPage,
  DEFAULT_POLICY,
  PolicyFormat,
  renderAdmissionPolicy,
  type AdmissionPolicyScope,
  type ClusterFacts,
  type Policy,
} from '../../../core/policy/index.js';
import { OVERLAY_POLICY_FILE, overlayPolicyText } from '../../../plugin/release/admission-policy-overlay.js';
import { kubectlRead, SKIP_KUBECTL, warnIfNoKubectl } from '../kubectl-oracle.js';

type Obj = Record<string, any>;
const ROOT = resolve(import.meta.dirname, '../../..');
const NATIVE: ClusterFacts = { nativeSleep: true };

function render(deploy: Partial<Policy> = {}, facts = NATIVE, scope?: AdmissionPolicyScope): { policy: Obj; binding: Obj } {
  const [policy, binding] = admissionPolicyObjects({ deploy: { ...DEFAULT_POLICY, ...deploy } }, facts, scope);
  return { policy: policy as Obj, binding: binding as Obj };
}
const variable = (policy: Obj, name: string): string | undefined => (policy.spec.variables as Obj[]).find((v) => v.name === name)?.expression;
const variableNames = (policy: Obj): string[] => (policy.spec.variables as Obj[]).map((v) => v.name as string);
const expressions = (policy: Obj, type: string): string[] =>
  (policy.spec.mutations as Obj[]).filter((m) => m.patchType === type).map((m) => (m.jsonPatch ?? m.applyConfiguration).expression as string);
/** The mutation whose expression mentions `marker`, or undefined. */
const mutation = (policy: Obj, marker: string): string | undefined =>
  (policy.spec.mutations as Obj[]).map((m) => (m.jsonPatch ?? m.applyConfiguration).expression as string).find((e) => e.includes(marker));

/** The webhook's enforce entry as its elected replica arms it, from the configuration manifests/
 * installs (its self-check entry) and [webhook] settings (the shipped ones by default): the oracle
 * for what the policy must match. */
function armedEnforceEntry(settings: Partial<WebhookSettings> = {}): Obj {
  const config = parseAllDocuments(readFileSync(resolve(ROOT, 'manifests/base/mutating-webhook.yaml'), 'utf8'))[0]!.toJS() as Obj;
  const selfCheck = (config.webhooks as Obj[]).find((w) => w.name === Entry.selfCheck)!;
  const entries = policyEntries({ ...DEFAULT_CONFIG.webhook, ...settings, ownNamespace: 'paas-system' }, selfCheck);
  if (typeof entries === 'string') throw new Error(entries);
  return entries.find((e) => e.name === Entry.enforce) as Obj;
}
const webhook = armedEnforceEntry();

describe('the policy for the default paas.toml', () => {
  const { policy, binding } = render();

  it('is an admissionregistration.k8s.io/v1 MutatingAdmissionPolicy that fails closed and runs again after later mutations', () => {
    expect({ apiVersion: policy.apiVersion, kind: policy.kind, metadata: policy.metadata }).toEqual({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicy',
      metadata: { name: 'paas-rollout-policy' },
    });
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.reinvocationPolicy).toBe('IfNeeded');
  });

  it("matches what the webhook's MutatingWebhookConfiguration matches: the same rules, namespaces and opt-out label", () => {
    const m = policy.spec.matchConstraints;
    expect(m.resourceRules).toEqual(webhook.rules);
    expect(m.namespaceSelector).toEqual(webhook.namespaceSelector);
    expect(m.objectSelector).toEqual(webhook.objectSelector);
    expect(m.matchPolicy).toBe(webhook.matchPolicy);
  });

  it("skips what the engine skips: a Deployment being deleted (the webhook's condition) and one the incoming object opts out", () => {
    expect(policy.spec.matchConditions).toEqual([
      ...webhook.matchConditions,
      {
        name: 'not-opted-out',
        expression:
          '!has(object.metadata.labels) || !("paas.io/rollout-policy" in object.metadata.labels) || object.metadata.labels["paas.io/rollout-policy"] != "disabled"',
      },
    ]);
  });

  it("mutates in the engine's order: refusals, strategy and deadline, preStop, grace period, readiness probe, topology spread, deploy-id", () => {
    expect((policy.spec.mutations as Obj[]).map((m) => [m.patchType, Object.keys(m).sort()])).toEqual([
      ['JSONPatch', ['jsonPatch', 'patchType']],
      ['ApplyConfiguration', ['applyConfiguration', 'patchType']],
      ['JSONPatch', ['jsonPatch', 'patchType']],
      ['ApplyConfiguration', ['applyConfiguration', 'patchType']],
      ['JSONPatch', ['jsonPatch', 'patchType']],
      ['JSONPatch', ['jsonPatch', 'patchType']],
      ['JSONPatch', ['jsonPatch', 'patchType']],
    ]);
    expect(mutation(policy, 'topologySpreadConstraints"')).toBe((policy.spec.mutations as Obj[])[5]!.jsonPatch.expression);
    expect(expressions(policy, 'ApplyConfiguration')).toEqual([
      [
        'Object{spec: Object.spec{',
        '  strategy: Object.spec.strategy{type: "RollingUpdate", rollingUpdate: Object.spec.strategy.rollingUpdate{maxSurge: variables.surge, maxUnavailable: variables.maxUnavailable}},',
        '  progressDeadlineSeconds: variables.timeout',
        '}}',
      ].join('\n'),
      'Object{spec: Object.spec{template: Object.spec.template{spec: Object.spec.template.spec{terminationGracePeriodSeconds: variables.grace}}}}',
    ]);
    expect(expressions(policy, 'JSONPatch')[0]).toBe('variables.problems.map(m, {"": JSONPatch{op: "test", path: "/kind", value: "Deployment"}}[m])');
  });

  it('writes the atomic lists (exec.command, httpGet.httpHeaders, topologySpreadConstraints) only with JSON Patch: an apply configuration may not set them', () => {
    for (const e of expressions(policy, 'ApplyConfiguration')) expect(e).not.toMatch(/command:|httpHeaders:|topologySpreadConstraints|\[/);
    expect(mutation(policy, 'httpHeaders:')).toContain('JSONPatch{op: "add", path: "/spec/template/spec/containers/" + string(i) + "/readinessProbe"');
    expect(render({ prestopMode: 'exec' }).policy.spec.mutations[2].patchType).toBe('JSONPatch');
  });

  it('defines every variable before the expressions that read it', () => {
    const names = variableNames(policy);
    const all = [
      ...(policy.spec.variables as Obj[]).map((v) => ({ at: names.indexOf(v.name), text: v.expression as string })),
      ...expressions(policy, 'JSONPatch'),
      ...expressions(policy, 'ApplyConfiguration'),
    ].map((x) => (typeof x === 'string' ? { at: names.length, text: x } : x));
    for (const { at, text } of all) {
      for (const [, used] of text.matchAll(/variables\.([A-Za-z]+)/g)) {
        expect(names.indexOf(used!), `variables.${used} in ${text.slice(0, 40)}`).toBeGreaterThanOrEqual(0);
        expect(names.indexOf(used!), `variables.${used} read before it is defined`).toBeLessThan(at);
      }
    }
  });

  it('binds the policy with no further scope', () => {
    expect(binding).toEqual({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicyBinding',
      metadata: { name: 'paas-rollout-policy' },
      spec: { policyName: 'paas-rollout-policy' },
    });
  });
});

describe('each knob of [deploy] lands in the CEL', () => {
  it.each([
    { name: 'surge and max_unavailable as integers (default)', deploy: {}, variable: 'surge', tail: ': dyn(1)' },
    { name: 'max_unavailable as an integer (default)', deploy: {}, variable: 'maxUnavailable', tail: ': dyn(0)' },
    { name: 'surge as a percentage', deploy: { surge: '50%' }, variable: 'surge', tail: ': dyn("50%")' },
    { name: 'max_unavailable as a percentage', deploy: { maxUnavailable: '10%' }, variable: 'maxUnavailable', tail: ': dyn("10%")' },
    { name: 'timeout (default)', deploy: {}, variable: 'timeout', tail: ' ? int(variables.annotations["paas.io/timeout"]) : 600' },
    { name: 'timeout', deploy: { timeout: 300 }, variable: 'timeout', tail: ' : 300' },
    { name: 'readiness_probe_path', deploy: { readinessProbePath: '/healthz' }, variable: 'probePath', tail: ' : "/healthz"' },
    { name: 'no readiness_probe_headers (default)', deploy: {}, variable: 'probeHeaders', tail: '\n  : []' },
    { name: 'topology_spread (default)', deploy: {}, variable: 'spreadKey', tail: ' : "kubernetes.io/hostname"' },
    {
      name: 'topology_spread across zones',
      deploy: { topologySpread: 'topology.kubernetes.io/zone' },
      variable: 'spreadKey',
      tail: ' : "topology.kubernetes.io/zone"',
    },
    // The annotation can turn it on again: the mutation stays, and reads "off" from the variable.
    { name: 'topology_spread off', deploy: { topologySpread: 'off' }, variable: 'spreadKey', tail: ' : "off"' },
    {
      name: 'readiness_probe_headers',
      deploy: { readinessProbeHeaders: [{ name: 'X-Forwarded-Proto', value: 'https' }] },
      variable: 'probeHeaders',
      tail: '\n  : [["X-Forwarded-Proto", "https"]]',
    },
    {
      name: 'termination_grace_period (default) with prestop_sleep 5',
      deploy: {},
      variable: 'graceCandidates',
      tail: ': 30), 30] + variables.hookSleeps.filter(s, s > 0).map(s, s + 25)',
    },
    {
      name: 'termination_grace_period 90',
      deploy: { terminationGracePeriod: 90 },
      variable: 'graceCandidates',
      tail: ': 30), 90] + variables.hookSleeps.filter(s, s > 0).map(s, s + 25)',
    },
    {
      name: 'a prestop_sleep of 40 raises the grace period to 65',
      deploy: { prestopSleep: 40 },
      variable: 'graceCandidates',
      tail: ': 30), 65] + variables.hookSleeps.filter(s, s > 0).map(s, s + 25)',
    },
    {
      name: 'prestop_sleep 0 and a grace period of 10',
      deploy: { prestopSleep: 0, terminationGracePeriod: 10 },
      variable: 'graceCandidates',
      tail: ': 30), 10] + variables.hookSleeps.filter(s, s > 0).map(s, s + 25)',
    },
  ])('$name', ({ deploy, variable: name, tail }) => {
    expect(variable(render(deploy).policy, name)?.endsWith(tail), variable(render(deploy).policy, name)).toBe(true);
  });

  it.each([
    {
      name: 'auto on a cluster with the sleep action: native sleep',
      deploy: {},
      facts: { nativeSleep: true },
      hook: 'preStop{sleep: Object.spec.template.spec.containers.lifecycle.preStop.sleep{seconds: 5}}',
    },
    {
      name: 'auto on a cluster without it: exec sleep',
      deploy: {},
      facts: { nativeSleep: false },
      hook: 'preStop{exec: Object.spec.template.spec.containers.lifecycle.preStop.exec{command: ["sleep", "5"]}}',
    },
    {
      name: 'prestop_mode exec',
      deploy: { prestopMode: 'exec' as const },
      facts: NATIVE,
      hook: 'preStop{exec: Object.spec.template.spec.containers.lifecycle.preStop.exec{command: ["sleep", "5"]}}',
    },
    { name: 'prestop_mode sleep on any cluster', deploy: { prestopMode: 'sleep' as const }, facts: { nativeSleep: false }, hook: 'preStop.sleep{seconds: 5}}' },
    { name: 'prestop_sleep 12', deploy: { prestopSleep: 12 }, facts: NATIVE, hook: 'preStop.sleep{seconds: 12}}' },
    {
      name: 'native sidecars get the same hook',
      deploy: {},
      facts: NATIVE,
      hook: 'Object.spec.template.spec.initContainers.lifecycle.preStop{sleep: Object.spec.template.spec.initContainers.lifecycle.preStop.sleep{seconds: 5}}',
    },
  ])('preStop: $name', ({ deploy, facts, hook }) => {
    const { policy } = render(deploy, facts);
    const prestop = mutation(policy, '/lifecycle"');
    expect(prestop).toContain(hook);
    expect(prestop).toContain('(!has(c.lifecycle) || !has(c.lifecycle.preStop))');
  });

  it('prestop_sleep 0: no preStop mutation at all', () => {
    const { policy } = render({ prestopSleep: 0 });
    expect(mutation(policy, '/lifecycle')).toBeUndefined();
    expect(policy.spec.mutations).toHaveLength(6);
  });

  it.each([
    {
      name: 'http: GET on the chosen port, HTTPS where the engine would',
      kind: 'http' as const,
      handler:
        'httpGet: Object.spec.template.spec.containers.readinessProbe.httpGet{path: variables.probePath, port: variables.probePortValues[i], scheme: variables.probeHttps[i] ? "HTTPS" : "HTTP", httpHeaders: variables.probeHeaders.map(h, Object.spec.template.spec.containers.readinessProbe.httpGet.httpHeaders{name: h[0], value: h[1]})},',
      variables: ['tcpPorts', 'probePorts', 'probePortValues', 'probeInfos', 'probeHttps', 'undeclaredPorts'],
    },
    {
      name: 'tcp: a socket on the chosen port',
      kind: 'tcp' as const,
      handler: 'tcpSocket: Object.spec.template.spec.containers.readinessProbe.tcpSocket{port: variables.probePortValues[i]},',
      variables: ['tcpPorts', 'probePorts', 'probePortValues', 'undeclaredPorts'],
    },
  ])('readiness_probe $name, only where a container has none', ({ kind, handler, variables }) => {
    const { policy } = render({ readinessProbe: kind });
    const probe = mutation(policy, '/readinessProbe"');
    expect(probe).toContain('transformList(i, c, !has(c.readinessProbe) && variables.probePorts[i] != "",');
    expect(probe).toContain(handler);
    expect(probe).toContain('initialDelaySeconds: 5, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3}');
    expect(variableNames(policy).filter((n) => /^(tcp|probe|undeclared)(Ports|PortValues|Infos|Https)$/.test(n))).toEqual(variables);
  });

  it('readiness_probe off: no probe mutation, and no refusal for a port name only a probe would use', () => {
    const { policy } = render({ readinessProbe: 'off' });
    expect(mutation(policy, 'readinessProbe"')).toBeUndefined();
    expect(variableNames(policy).filter((n) => /Ports|Https|Infos/.test(n))).toEqual([]);
    // The container-name check of paas.io/readiness-probe-port stays: the engine runs it first.
    expect(variable(policy, 'problems')).toContain('no regular container has that name');
    expect(variable(policy, 'problems')).not.toContain('undeclaredPorts');
  });
});

describe('the topology spread (spreadRule in rules.ts)', () => {
  const { policy } = render();
  const spread = mutation(policy, '/spec/template/spec/topologySpreadConstraints"')!;

  it('adds the whole list, only where the template has none and the selector reads a key, and never when the key is "off"', () => {
    expect(spread.split('\n').slice(0, 3)).toEqual([
      'variables.spreadKey == "off" || size(variables.selectorKeys) == 0',
      '  || (has(variables.pod.topologySpreadConstraints) && size(variables.pod.topologySpreadConstraints) > 0) ? []',
      ': [JSONPatch{op: "add", path: "/spec/template/spec/topologySpreadConstraints", value: [',
    ]);
    expect(variable(policy, 'selectorKeys')).toBe(
      '(has(object.spec.selector) && has(object.spec.selector.matchLabels) ? object.spec.selector.matchLabels.map(k, k) : [])\n' +
        '+ (has(object.spec.selector) && has(object.spec.selector.matchExpressions) ? object.spec.selector.matchExpressions.map(e, e.key) : [])',
    );
  });

  it('maxSkew 1, ScheduleAnyway, the key in force; matchLabelKeys pod-template-hash unless the selector reads that key', () => {
    const head = 'Object.spec.template.spec.topologySpreadConstraints{maxSkew: 1, topologyKey: variables.spreadKey, whenUnsatisfiable: "ScheduleAnyway",';
    expect(spread.split(head)).toHaveLength(3);
    expect(spread).toContain('  variables.selectorKeys.exists(k, k == "pod-template-hash")\n  ? Object.spec');
    expect(spread.match(/matchLabelKeys: \["pod-template-hash"\]/g)).toHaveLength(1);
  });

  it("copies the selector's requirements as the field's own type, values only where there are some", () => {
    const requirement =
      'object.spec.selector.matchExpressions.map(e, has(e.values) ? Object.spec.template.spec.topologySpreadConstraints.labelSelector.matchExpressions{key: e.key, operator: e.operator, values: e.values} : Object.spec.template.spec.topologySpreadConstraints.labelSelector.matchExpressions{key: e.key, operator: e.operator})';
    expect(spread.split(requirement)).toHaveLength(5);
    expect(spread).toContain(
      'has(object.spec.selector.matchLabels) ? Object.spec.template.spec.topologySpreadConstraints.labelSelector{matchLabels: object.spec.selector.matchLabels}',
    );
  });

  it.each([
    {
      variable: 'spreadReason',
      want: '"expected \\"off\\" or a node label key such as \\"kubernetes.io/hostname\\" or \\"topology.kubernetes.io/zone\\""',
    },
    { variable: 'budgetReason', want: '"expected one of \\"auto\\", \\"off\\""' },
  ])("$variable refuses with the engine's words", ({ variable: name, want }) => {
    expect(variable(policy, name)!.endsWith(` ? "" : ${want}`)).toBe(true);
  });

  it("refuses an invalid annotation in the engine's order: after the headers, before the port", () => {
    const problems = variable(policy, 'problems')!;
    const at = (reason: string) => problems.indexOf(`variables.${reason} == ""`);
    expect(at('headerReason')).toBeLessThan(at('spreadReason'));
    expect(at('spreadReason')).toBeLessThan(at('budgetReason'));
    expect(at('budgetReason')).toBeLessThan(at('portReason'));
  });
});

describe('where the policy applies', () => {
  it("never in the namespace the webhook would run in, listed once (the webhook entry's order: core/policy/scope.ts)", () => {
    const { policy } = render({}, NATIVE, { name: 'p', ownNamespace: 'platform', excludedNamespaces: ['kube-system', 'platform', 'infra'] });
    expect(policy.spec.matchConstraints.namespaceSelector.matchExpressions[0]).toEqual({
      key: 'kubernetes.io/metadata.name',
      operator: 'NotIn',
      values: ['kube-system', 'platform', 'infra'],
    });
  });

  it.each([
    { name: 'mode warn: only namespaces labelled paas.io/mode=enforce', mode: Mode.warn, namespaces: NamespaceSelection.optOut },
    { name: 'opt-in: only namespaces labelled paas.io/mode=enforce', mode: Mode.enforce, namespaces: NamespaceSelection.optIn },
    { name: 'warn and opt-in', mode: Mode.warn, namespaces: NamespaceSelection.optIn },
    { name: 'enforce and opt-out (the default, said)', mode: Mode.enforce, namespaces: NamespaceSelection.optOut },
  ])("[webhook] $name: where the webhook's armed enforce entry applies", ({ mode, namespaces }) => {
    const excludedNamespaces = ['kube-system', 'infra'];
    const { policy } = render({}, NATIVE, { name: 'p', ownNamespace: 'paas-system', excludedNamespaces, mode, namespaces });
    expect(policy.spec.matchConstraints.namespaceSelector).toEqual(armedEnforceEntry({ mode, namespaces, excludedNamespaces }).namespaceSelector);
  });

  it('mode warn in literal terms: the paas.io/mode requirement becomes In [enforce]', () => {
    const { policy } = render({}, NATIVE, { ...DEFAULT_ADMISSION_POLICY_SCOPE, mode: Mode.warn });
    expect(policy.spec.matchConstraints.namespaceSelector.matchExpressions[2]).toEqual({ key: 'paas.io/mode', operator: 'In', values: ['enforce'] });
  });

  it('a scope narrowed to labelled namespaces goes in the binding, on top of the policy', () => {
    const { policy, binding } = render({}, NATIVE, { name: 'trial', ownNamespace: 'paas-system', excludedNamespaces: [], namespaceLabels: { 'team': 'shop' } });
    expect(policy.metadata.name).toBe('trial');
    expect(binding).toEqual({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicyBinding',
      metadata: { name: 'trial' },
      spec: { policyName: 'trial', matchResources: { namespaceSelector: { matchLabels: { team: 'shop' } } } },
    });
  });
});

describe('the rendered text', () => {
  const objects = admissionPolicyObjects(DEFAULT_CONFIG, NATIVE);
  warnIfNoKubectl('the rendered policy read by kubectl');

  it.skipIf(SKIP_KUBECTL)('YAML: kubectl reads back exactly the two objects', () => {
    const read = kubectlRead(renderAdmissionPolicy(objects, PolicyFormat.yaml));
    expect(read).toEqual({ objects: objects.map((o) => ({ ...o, metadata: { ...(o.metadata as Obj), labels: {} } })) });
  });

  it('YAML: every multi-line expression is a literal block (the CEL as written, never folded)', () => {
    const text = renderAdmissionPolicy(objects, PolicyFormat.yaml);
    expect(text).toMatch(/^\s+expression: \|-$/m);
    expect(text).not.toMatch(/: >/);
    expect(text.split('\n---\n')).toHaveLength(2);
  });

  it('JSON: one v1 List holding both objects', () => {
    expect(JSON.parse(renderAdmissionPolicy(objects, PolicyFormat.json))).toEqual({ apiVersion: 'v1', kind: 'List', items: objects });
  });

  it(`${OVERLAY_POLICY_FILE} is the renderer's output for the default paas.toml (make admission-policy-overlay)`, () => {
    expect(readFileSync(resolve(ROOT, OVERLAY_POLICY_FILE), 'utf8')).toBe(overlayPolicyText());
  });
});

describe('what CEL cannot do', () => {
  const page = admissionPolicyPage();

  it('the docs page lists each difference in a row: the webhook, why the policy cannot, what it does instead', () => {
    for (const g of ADMISSION_POLICY_GAPS) expect(page).toContain(`| ${g.rule} | ${g.reason} | ${g.instead} |`);
    expect(page.match(/^\| /gm)).toHaveLength(ADMISSION_POLICY_GAPS.length + 1);
  });

  it('names the deploy-id first, with what logs and history do without one', () => {
    expect(ADMISSION_POLICY_GAPS[0]!.rule).toContain('paas.io/deploy-id');
    expect(ADMISSION_POLICY_GAPS[0]!.instead).toMatch(/rollout history.*logs --deploy-id.*--revision N/s);
  });

  it('names warn mode, with where the policy applies instead', () => {
    const warn = ADMISSION_POLICY_GAPS.find((g) => g.rule.startsWith('Warn mode'));
    expect(warn?.instead).toContain('only namespaces labelled paas.io/mode=enforce are mutated');
  });

  it('has a one-line note for each difference (policy render prints them on stderr)', () => {
    for (const g of ADMISSION_POLICY_GAPS) {
      expect(g.note).not.toMatch(/\n/);
      expect(g.note.length, g.note).toBeLessThanOrEqual(140);
    }
    expect(new Set(ADMISSION_POLICY_GAPS.map((g) => g.note)).size).toBe(ADMISSION_POLICY_GAPS.length);
  });

  it('the README points to the page', () => {
    expect(readFileSync(resolve(ROOT, 'README.md'), 'utf8')).toContain('[docs/admission-policy.md](docs/admission-policy.md)');
  });
});
