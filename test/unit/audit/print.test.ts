// What the audit writes: the text report written out in full by hand (table, changes, summary
// line, notes), and the -o json document held to AUDIT_SCHEMA by Ajv (a JSON Schema 2020-12
// validator this project did not write), with a control that Ajv refuses a broken document.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../core/config.js';
import { auditAll, type AuditPolicy } from '../../../plugin/audit/audit.js';
import { AUDIT_SCHEMA, auditDocument, auditText, summaryLine, type Audit, type PolicyUsed } from '../../../plugin/audit/print.js';
import { compliant, plain } from './fixtures.js';

const native: AuditPolicy = { config: DEFAULT_CONFIG, facts: { nativeSleep: true } };
const POLICY: PolicyUsed = {
  source: 'configmap',
  from: 'ConfigMap paas-system/paas-webhook-config (paas.toml)',
  mode: 'enforce',
  namespaces: 'opt-out',
  excludedNamespaces: ['kube-system', 'kube-public', 'kube-node-lease'],
  nativeSleep: true,
};

const invalid = plain('bad', 'shop');
(invalid.metadata as Record<string, unknown>).annotations = { 'paas.io/timeout': 'soon' };

const rows = auditAll(
  [
    plain('web', 'shop'),
    compliant('api', 'shop', 'id-1'),
    invalid,
    plain('old', 'legacy'),
    plain('coredns', 'kube-system'),
    plain('cart', 'orders', { 'paas.io/rollout-policy': 'disabled' }),
  ],
  new Map<string, Record<string, string>>([
    ['shop', {}],
    ['legacy', { 'paas.io/rollout-policy': 'disabled' }],
    ['kube-system', {}],
    ['orders', {}],
  ]),
  native,
);
const everywhere: Audit = { policy: POLICY, rows, notes: [] };

describe('auditText', () => {
  it('across namespaces: the table with NAMESPACE, the changes of each Deployment but kube-system, the summary', () => {
    const text = auditText(everywhere, false);
    const error = rows.find((r) => r.name === 'bad')!.error!;
    expect(text).toBe(
      [
        'NAMESPACE     NAME      POLICY        WEBHOOK                    ADMITTED   CHANGES',
        'kube-system   coredns   opted out     off (excluded-namespace)   no         5',
        'legacy        old       opted out     off (namespace-label)      no         5',
        'orders        cart      opted out     off (deployment-label)     no         5',
        'shop          api       meets         enforce                    yes        0',
        'shop          bad       invalid       enforce                    no         -',
        'shop          web       falls short   enforce                    no         5',
        '',
        "legacy/old is opted out (namespace legacy is labelled paas.io/rollout-policy=disabled); in the webhook's scope, the policy would:",
        '  paas: would change maxSurge 25% -> 1',
        '  paas: would change maxUnavailable 25% -> 0',
        '  paas: would add preStop sleep 5 to container app',
        '  paas: would add readinessProbe GET / on port 8080 to container app',
        '  paas: would add topology spread across kubernetes.io/hostname (maxSkew 1, ScheduleAnyway) to pod template',
        '  note: paas: 1 replica cannot survive a node drain (no ready pod until its replacement is; no PodDisruptionBudget is kept: it would block every drain); run 2 or more',
        "orders/cart is opted out (labelled paas.io/rollout-policy=disabled); in the webhook's scope, the policy would:",
        '  paas: would change maxSurge 25% -> 1',
        '  paas: would change maxUnavailable 25% -> 0',
        '  paas: would add preStop sleep 5 to container app',
        '  paas: would add readinessProbe GET / on port 8080 to container app',
        '  paas: would add topology spread across kubernetes.io/hostname (maxSkew 1, ScheduleAnyway) to pod template',
        '  note: paas: 1 replica cannot survive a node drain (no ready pod until its replacement is; no PodDisruptionBudget is kept: it would block every drain); run 2 or more',
        `shop/bad is invalid (enforce): ${error}`,
        'shop/web falls short (enforce):',
        '  paas: would change maxSurge 25% -> 1',
        '  paas: would change maxUnavailable 25% -> 0',
        '  paas: would add preStop sleep 5 to container app',
        '  paas: would add readinessProbe GET / on port 8080 to container app',
        '  paas: would add topology spread across kubernetes.io/hostname (maxSkew 1, ScheduleAnyway) to pod template',
        '  note: paas: 1 replica cannot survive a node drain (no ready pod until its replacement is; no PodDisruptionBudget is kept: it would block every drain); run 2 or more',
        '',
        '6 Deployments: 1 meets the policy, 1 falls short, 1 invalid, 3 opted out; 1 admitted by the webhook (deploy-id on the pod template); policy from ConfigMap paas-system/paas-webhook-config (paas.toml)',
        '',
      ].join('\n'),
    );
    expect(error).toContain('paas.io/timeout');
  });

  it('in one namespace: no NAMESPACE column; the notes after the summary', () => {
    const shop: Audit = {
      policy: { ...POLICY, source: 'defaults', from: 'built-in defaults' },
      rows: rows.filter((r) => r.name === 'api'),
      notes: ['ConfigMap paas-system/paas-webhook-config not found'],
      namespace: 'shop',
    };
    expect(auditText(shop, false)).toBe(
      [
        'NAME   POLICY   WEBHOOK   ADMITTED   CHANGES',
        'api    meets    enforce   yes        0',
        '',
        '1 Deployment: 1 meets the policy, 0 fall short, 0 invalid, 0 opted out; 1 admitted by the webhook (deploy-id on the pod template); policy from built-in defaults',
        'Note: ConfigMap paas-system/paas-webhook-config not found',
        '',
      ].join('\n'),
    );
  });

  it('none found: says where, then the summary', () => {
    expect(auditText({ policy: POLICY, rows: [], notes: [], namespace: 'empty' }, false).split('\n')[0]).toBe('No Deployments found in namespace empty.');
    expect(auditText({ policy: POLICY, rows: [], notes: [] }, false).split('\n')[0]).toBe('No Deployments found in any namespace.');
  });

  it('colours the verdicts only when asked: green meets, red falls short, dim opted out', () => {
    const coloured = auditText(everywhere, true);
    expect(coloured).toContain('\x1b[32mmeets');
    expect(coloured).toContain('\x1b[31mfalls short');
    expect(coloured).toContain('\x1b[2mopted out');
    expect(auditText(everywhere, false)).not.toContain('\x1b[');
  });

  it.each([
    {
      counts: { deployments: 1, meets: 1, fallsShort: 0, invalid: 0, optedOut: 0, admitted: 0, modeUnknown: 0 },
      starts: '1 Deployment: 1 meets the policy, 0 fall short,',
    },
    {
      counts: { deployments: 3, meets: 2, fallsShort: 1, invalid: 0, optedOut: 0, admitted: 3, modeUnknown: 0 },
      starts: '3 Deployments: 2 meet the policy, 1 falls short,',
    },
  ])('summaryLine: $starts', ({ counts, starts }) => {
    expect(summaryLine(counts, 'x')).toMatch(new RegExp(`^${starts}`));
  });
});

describe('-o json', () => {
  const validate = new Ajv2020({ strict: true }).compile(AUDIT_SCHEMA);

  it('matches the documented schema, every verdict present', () => {
    const doc = JSON.parse(JSON.stringify(auditDocument(everywhere))) as Record<string, unknown>;
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(new Set((doc.deployments as { verdict: string }[]).map((d) => d.verdict))).toEqual(new Set(['Meets', 'FallsShort', 'Invalid', 'OptedOut']));
    expect(doc).toMatchObject({
      apiVersion: 'paas.io/v1',
      kind: 'Audit',
      exitCode: 1,
      summary: { deployments: 6, meets: 1, fallsShort: 1, invalid: 1, optedOut: 3, admitted: 1, modeUnknown: 0 },
    });
  });

  it('exit code 0 in the document when none in scope falls short', () => {
    expect(auditDocument({ policy: POLICY, rows: rows.filter((r) => r.verdict !== 'FallsShort' && r.verdict !== 'Invalid'), notes: [] }).exitCode).toBe(0);
  });

  it('the validator refuses a document that breaks the schema (the control)', () => {
    const doc = JSON.parse(JSON.stringify(auditDocument(everywhere))) as { deployments: Record<string, unknown>[]; extra?: number };
    doc.deployments[0]!.verdict = 'Fine';
    expect(validate(doc)).toBe(false);
    const doc2 = JSON.parse(JSON.stringify(auditDocument(everywhere))) as { extra?: number };
    doc2.extra = 1;
    expect(validate(doc2)).toBe(false);
  });
});
