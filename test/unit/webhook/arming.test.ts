// Arming's decisions, table-driven: where each mode applies (evaluated with Kubernetes' label
// selector rules, written out here), which entries the configuration must hold, and the JSON Patch
// that gets them there (applied with fast-json-patch, an RFC 6902 implementation we did not write,
// whose `test` fails on a stale resourceVersion as the API server's does).
import jsonpatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../core/config.js';
import type { JsonObject } from '../../../core/policy/index.js';
import {
  ArmAction,
  armDecision,
  covers,
  Entry,
  namespaceSelectors,
  policyEntries,
  type ArmSettings,
  type Requirement,
} from '../../../webhook/server/arming.js';
import { armedLine } from '../../../webhook/server/self-check-command.js';

const OWN = 'paas-system';
const settings = (over: Partial<ArmSettings> = {}): ArmSettings => ({ ...DEFAULT_CONFIG.webhook, ownNamespace: OWN, ...over });

/** Kubernetes' matchExpressions semantics (In: the key is there with one of the values; NotIn: it
 * is not, or has another value), all requirements ANDed. */
function matches(reqs: Requirement[], labels: Record<string, string>): boolean {
  return reqs.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    if (r.operator === 'In') return has && r.values.includes(labels[r.key]!);
    return !has || !r.values.includes(labels[r.key]!);
  });
}

/** The namespaces of the table: the API server labels each with its own name. */
const NAMESPACES: Record<string, Record<string, string>> = {
  unlabelled: {},
  'labelled warn': { 'paas.io/mode': 'warn' },
  'labelled enforce': { 'paas.io/mode': 'enforce' },
  'labelled with a typo': { 'paas.io/mode': 'enfroce' },
  'opted out, labelled enforce': { 'paas.io/mode': 'enforce', 'paas.io/rollout-policy': 'disabled' },
  'kube-system, labelled enforce': { 'paas.io/mode': 'enforce' },
  'its own, labelled enforce': { 'paas.io/mode': 'enforce' },
};
const nameOf = (row: string) => (row.startsWith('kube-system') ? 'kube-system' : row.startsWith('its own') ? OWN : `ns-${row.length}`);

/** Which entry calls the webhook for a Deployment in each namespace of the table. */
function modeMap(s: ArmSettings): Record<string, string> {
  const sel = namespaceSelectors(s);
  return Object.fromEntries(
    Object.entries(NAMESPACES).map(([row, labels]) => {
      const all = { ...labels, 'kubernetes.io/metadata.name': nameOf(row) };
      const hits = [matches(sel.enforce, all) ? 'enforce' : '', matches(sel.warn, all) ? 'warn' : ''].filter(Boolean);
      return [row, hits.length === 0 ? 'none' : hits.join('+')];
    }),
  );
}

describe('namespaceSelectors: which mode a namespace gets', () => {
  const never = { 'opted out, labelled enforce': 'none', 'kube-system, labelled enforce': 'none', 'its own, labelled enforce': 'none' };
  it.each([
    {
      name: 'enforce, opt-out (today): everything enforced but what opts into warn',
      s: settings(),
      want: { unlabelled: 'enforce', 'labelled warn': 'warn', 'labelled enforce': 'enforce', 'labelled with a typo': 'enforce', ...never },
    },
    {
      name: 'warn, opt-out: everything warned but what opts into enforce',
      s: settings({ mode: 'warn' }),
      want: { unlabelled: 'warn', 'labelled warn': 'warn', 'labelled enforce': 'enforce', 'labelled with a typo': 'warn', ...never },
    },
    {
      name: 'opt-in: only labelled namespaces, each in its mode',
      s: settings({ namespaces: 'opt-in' }),
      want: { unlabelled: 'none', 'labelled warn': 'warn', 'labelled enforce': 'enforce', 'labelled with a typo': 'none', ...never },
    },
    {
      name: 'opt-in with warn as the default: the same (no namespace goes without a label)',
      s: settings({ namespaces: 'opt-in', mode: 'warn' }),
      want: { unlabelled: 'none', 'labelled warn': 'warn', 'labelled enforce': 'enforce', 'labelled with a typo': 'none', ...never },
    },
    {
      name: 'no excluded namespace configured: kube-system is then covered, its own namespace still never',
      s: settings({ excludedNamespaces: [] }),
      want: {
        unlabelled: 'enforce',
        'labelled warn': 'warn',
        'labelled enforce': 'enforce',
        'labelled with a typo': 'enforce',
        'opted out, labelled enforce': 'none',
        'kube-system, labelled enforce': 'enforce',
        'its own, labelled enforce': 'none',
      },
    },
  ])('$name', ({ s, want }) => {
    expect(modeMap(s)).toEqual(want);
  });

  it('lists its own namespace once, after the excluded ones', () => {
    const [names] = namespaceSelectors(settings({ excludedNamespaces: ['kube-system', OWN] })).enforce;
    expect(names).toEqual({ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', OWN] });
  });
});

/** The installer's configuration: the self-check entry only, as the API server stores it. */
function installed(over: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: 'paas-webhook', resourceVersion: '41' },
    webhooks: [
      {
        name: Entry.selfCheck,
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        timeoutSeconds: 7,
        failurePolicy: 'Fail',
        matchPolicy: 'Equivalent',
        reinvocationPolicy: 'Never',
        clientConfig: { service: { namespace: OWN, name: 'paas-webhook', path: '/mutate', port: 443 }, caBundle: 'Q0EK' },
        rules: [{ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], operations: ['CREATE'], scope: 'Namespaced' }],
        namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [OWN] }] },
        objectSelector: { matchLabels: { 'paas.io/self-check': 'probe' } },
        ...over,
      },
    ],
  };
}

/** The configuration after applying a decision's patch, as an RFC 6902 implementation applies it. */
function applied(config: JsonObject, patch: jsonpatch.Operation[]): JsonObject {
  return jsonpatch.applyPatch(structuredClone(config), patch, true, false).newDocument;
}

describe('armDecision', () => {
  it("adds both policy entries to the installed configuration, copying the self-check entry's Service, port, caBundle and timeout", () => {
    const d = armDecision(installed(), settings());
    expect(d.action).toBe(ArmAction.Write);
    if (d.action !== ArmAction.Write) return;
    expect(d.patch[0]).toEqual({ op: 'test', path: '/metadata/resourceVersion', value: '41' });
    expect(d.reasons).toEqual([`${Entry.enforce} missing`, `${Entry.warn} missing`]);
    const after = applied(installed(), d.patch as jsonpatch.Operation[]);
    const [probe, enforce, warn] = after.webhooks as JsonObject[];
    expect(probe).toEqual((installed().webhooks as JsonObject[])[0]);
    expect(enforce).toMatchObject({
      name: Entry.enforce,
      failurePolicy: 'Fail',
      timeoutSeconds: 7,
      reinvocationPolicy: 'IfNeeded',
      clientConfig: { service: { namespace: OWN, name: 'paas-webhook', path: '/mutate', port: 443 }, caBundle: 'Q0EK' },
      rules: [{ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' }],
      objectSelector: { matchExpressions: [{ key: 'paas.io/rollout-policy', operator: 'NotIn', values: ['disabled'] }] },
      matchConditions: [{ name: 'not-being-deleted', expression: '!has(object.metadata.deletionTimestamp)' }],
    });
    expect(warn).toMatchObject({ name: Entry.warn, failurePolicy: 'Ignore', reinvocationPolicy: 'Never', clientConfig: { service: { path: '/warn' } } });
    // Applied, the configuration is armed: the decision's fixed point.
    expect(armDecision({ ...after, metadata: { name: 'paas-webhook', resourceVersion: '42' } }, settings()).action).toBe(ArmAction.Armed);
  });

  it('writes nothing once armed, even with fields the API server added to our entries', () => {
    const d = armDecision(installed(), settings());
    if (d.action !== ArmAction.Write) throw new Error('expected a write');
    const after = applied(installed(), d.patch as jsonpatch.Operation[]);
    for (const h of after.webhooks as JsonObject[]) h.futureField = { defaulted: true };
    expect(armDecision(after, settings())).toEqual({ action: ArmAction.Armed });
  });

  it.each([
    {
      name: 'the failure policy changed (fail-open after fail-closed)',
      from: settings(),
      to: settings({ failurePolicy: 'Ignore' }),
      differs: [`${Entry.enforce} differs in failurePolicy`],
    },
    {
      name: 'the default mode changed (warn)',
      from: settings(),
      to: settings({ mode: 'warn' }),
      differs: [`${Entry.enforce} differs in namespaceSelector`, `${Entry.warn} differs in namespaceSelector`],
    },
    // Only unlabelled namespaces change hands, and in opt-out enforce mode only the enforce entry had them.
    {
      name: 'the namespace selection changed (opt-in)',
      from: settings(),
      to: settings({ namespaces: 'opt-in' }),
      differs: [`${Entry.enforce} differs in namespaceSelector`],
    },
  ])('replaces the entries in place when $name', ({ from, to, differs }) => {
    const first = armDecision(installed(), from);
    if (first.action !== ArmAction.Write) throw new Error('expected a write');
    const armed = applied(installed(), first.patch as jsonpatch.Operation[]);
    const d = armDecision(armed, to);
    if (d.action !== ArmAction.Write) throw new Error('expected a write');
    expect(d.reasons).toEqual(differs);
    expect(d.patch.slice(1).every((op) => op.op === 'replace' && /^\/webhooks\/[12]$/.test(op.path))).toBe(true);
    expect(d.patch).toHaveLength(1 + differs.length);
    const after = applied(armed, d.patch as jsonpatch.Operation[]);
    expect((after.webhooks as JsonObject[]).map((h) => h.name)).toEqual([Entry.selfCheck, Entry.enforce, Entry.warn]);
    expect(armDecision(after, to).action).toBe(ArmAction.Armed);
  });

  it('puts back an entry an installer (or a person) removed, keeping the other', () => {
    const first = armDecision(installed(), settings());
    if (first.action !== ArmAction.Write) throw new Error('expected a write');
    const armed = applied(installed(), first.patch as jsonpatch.Operation[]);
    (armed.webhooks as JsonObject[]).splice(1, 1); // the enforce entry gone
    const d = armDecision(armed, settings());
    if (d.action !== ArmAction.Write) throw new Error('expected a write');
    expect(d.reasons).toEqual([`${Entry.enforce} missing`]);
  });

  it('its patch fails, as a whole, against a configuration written since it was read', () => {
    const d = armDecision(installed(), settings());
    if (d.action !== ArmAction.Write) throw new Error('expected a write');
    const newer = installed();
    (newer.metadata as JsonObject).resourceVersion = '43';
    expect(() => applied(newer, d.patch as jsonpatch.Operation[])).toThrow(/Test operation failed/);
  });

  it('copies a url clientConfig with the path of each mode', () => {
    const d = armDecision(installed({ clientConfig: { url: 'https://127.0.0.1:8443/mutate', caBundle: 'Q0EK' } }), settings());
    if (d.action !== ArmAction.Write) throw new Error('expected a write');
    const added = d.patch.slice(1).map((op) => (op as { value: JsonObject }).value.clientConfig);
    expect(added).toEqual([
      { url: 'https://127.0.0.1:8443/mutate', caBundle: 'Q0EK' },
      { url: 'https://127.0.0.1:8443/warn', caBundle: 'Q0EK' },
    ]);
  });

  it.each([
    { name: 'no configuration', config: undefined, says: 'does not exist' },
    {
      name: 'no self-check entry',
      config: { metadata: { resourceVersion: '1' }, webhooks: [{ name: 'other.example.com' }] },
      says: `no ${Entry.selfCheck} entry`,
    },
    { name: 'a self-check entry with no clientConfig', config: installed({ clientConfig: {} }), says: 'no clientConfig service or url' },
  ])('cannot arm with $name', ({ config, says }) => {
    const d = armDecision(config, settings());
    expect(d.action).toBe(ArmAction.Cannot);
    expect(d.action === ArmAction.Cannot && d.reason).toContain(says);
  });
});

describe('covers', () => {
  it.each([
    { name: 'the same', live: { a: 1, b: { c: [1] } }, want: { a: 1, b: { c: [1] } }, ok: true },
    { name: 'live has more keys', live: { a: 1, extra: 2 }, want: { a: 1 }, ok: true },
    { name: 'a nested value differs', live: { b: { c: [1, 2] } }, want: { b: { c: [1] } }, ok: false },
    { name: 'a key is missing', live: {}, want: { a: 1 }, ok: false },
  ])('$name', ({ live, want, ok }) => {
    expect(covers(live as JsonObject, want as JsonObject)).toBe(ok);
  });
});

describe('policyEntries and armedLine', () => {
  it('says which entries an armed configuration holds, and nothing for a disarmed one', () => {
    const probe = (installed().webhooks as JsonObject[])[0]!;
    const entries = policyEntries(settings({ failurePolicy: 'Ignore' }), probe) as JsonObject[];
    expect(armedLine({ webhooks: [probe, ...entries] })).toBe(`${Entry.enforce} (failurePolicy Ignore), ${Entry.warn} (failurePolicy Ignore)`);
    expect(armedLine({ webhooks: [probe, entries[1]!] })).toBeUndefined();
    expect(armedLine(undefined)).toBeUndefined();
  });
});
