// The audit's decisions over one Deployment and over many: the verdict, the "would" lines, the
// scope and the deploy-id, with expectations written out by hand; and over every Deployment
// captured from the real cluster (and the corpus of public manifests), "meets the policy" held to
// test/fixtures/policy-gaps.ts, which reads the rules off the object without the engine.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type PaasConfig } from '../../../core/config.js';
import { DEFAULT_POLICY, type JsonObject } from '../../../core/policy/index.js';
import { auditAll, auditDeployment, exitCodeOf, summarize, Verdict, type AuditPolicy, type AuditRow } from '../../../plugin/audit/audit.js';
import { parseManifests } from '../../../plugin/policy/manifests.js';
import { policyGaps } from '../../fixtures/policy-gaps.js';
import { CORPUS_FILES, corpusText, SKIP_CORPUS, warnIfNoCorpus } from '../corpus.js';
import { asListItem, captured, capturedDeployments, compliant, placed, plain } from './fixtures.js';

const native: AuditPolicy = { config: DEFAULT_CONFIG, facts: { nativeSleep: true } };
const withConfig = (over: { deploy?: Partial<PaasConfig['deploy']>; webhook?: Partial<PaasConfig['webhook']> }, nativeSleep = true): AuditPolicy => ({
  config: { deploy: { ...DEFAULT_CONFIG.deploy, ...over.deploy }, webhook: { ...DEFAULT_CONFIG.webhook, ...over.webhook } },
  facts: { nativeSleep },
});

const PLAIN_LINES = [
  'paas: would change maxSurge 25% -> 1',
  'paas: would change maxUnavailable 25% -> 0',
  'paas: would add preStop sleep 5 to container app',
  'paas: would add readinessProbe GET / on port 8080 to container app',
  'paas: would add topology spread across kubernetes.io/hostname (maxSkew 1, ScheduleAnyway) to pod template',
];

/** What the audit says of a Deployment of one replica (plain() has one). */
const ONE_REPLICA =
  'paas: 1 replica cannot survive a node drain (no ready pod until its replacement is; no PodDisruptionBudget is kept: it would block every drain); run 2 or more';

const lines = (r: AuditRow) => r.changes.map((c) => c.message);

describe('auditDeployment', () => {
  it('a Deployment as the API server defaults it falls short by five changes, each worded as warn mode words it; one replica is said', () => {
    const r = auditDeployment(plain('web', 'shop'), {}, native);
    expect(r).toMatchObject({ namespace: 'shop', name: 'web', verdict: Verdict.FallsShort, mode: 'enforce', admitted: false, notes: [ONE_REPLICA] });
    expect(lines(r)).toEqual(PLAIN_LINES);
    expect(r.changes[1]).toEqual({
      kind: 'strategy',
      field: 'spec.strategy.rollingUpdate.maxUnavailable',
      actual: '25%',
      expected: '0',
      message: 'paas: would change maxUnavailable 25% -> 0',
    });
    expect(r.deployId).toBeUndefined();
  });

  it("a list's item (no kind, no apiVersion) is judged as the Deployment it is, not skipped", () => {
    expect(lines(auditDeployment(asListItem(plain('web', 'shop')), {}, native))).toEqual(PLAIN_LINES);
  });

  it('a Deployment written to the policy, its template admitted, meets it', () => {
    const r = auditDeployment(compliant('api', 'shop', '5f0c2a9e-7b1d-4c3e-9a8f-6e5d4c3b2a10'), {}, native);
    expect(r).toEqual({
      namespace: 'shop',
      name: 'api',
      verdict: Verdict.Meets,
      mode: 'enforce',
      admitted: true,
      deployId: '5f0c2a9e-7b1d-4c3e-9a8f-6e5d4c3b2a10',
      changes: [],
      notes: [],
    });
  });

  it('meeting the policy and being admitted are told apart: compliant, never through the webhook', () => {
    expect(auditDeployment(compliant('api', 'shop'), {}, native)).toMatchObject({ verdict: Verdict.Meets, admitted: false });
  });

  it('without the native sleep (an API server before 1.30), the preStop line is the exec one', () => {
    expect(lines(auditDeployment(plain('web', 'shop'), {}, withConfig({}, false)))[2]).toBe(
      'paas: would add preStop exec "sleep 5" (image needs a sleep binary) to container app',
    );
  });

  it("paas.toml's [deploy] is the policy judged by", () => {
    // The container's own preStop hook is kept; the grace period must cover the policy's sleep + 25 s.
    const r = auditDeployment(compliant('api', 'shop'), {}, withConfig({ deploy: { surge: 2, prestopSleep: 10 } }));
    expect(lines(r)).toEqual(['paas: would change maxSurge 1 -> 2', 'paas: would change terminationGracePeriodSeconds 30 -> 35']);
    expect(r.verdict).toBe(Verdict.FallsShort);
  });

  it('Recreate, a short deadline and a short grace period: one line each', () => {
    const d = plain('batch', 'shop');
    const spec = d.spec as JsonObject;
    spec.strategy = { type: 'Recreate' };
    spec.progressDeadlineSeconds = 120;
    ((spec.template as JsonObject).spec as JsonObject).terminationGracePeriodSeconds = 10;
    expect(lines(auditDeployment(d, {}, native))).toEqual([
      'paas: would change strategy Recreate -> RollingUpdate (maxSurge 1, maxUnavailable 0)',
      'paas: would change progressDeadlineSeconds 120 -> 600',
      'paas: would add preStop sleep 5 to container app',
      'paas: would change terminationGracePeriodSeconds 10 -> 30',
      'paas: would add readinessProbe GET / on port 8080 to container app',
      'paas: would add topology spread across kubernetes.io/hostname (maxSkew 1, ScheduleAnyway) to pod template',
    ]);
  });

  it('in warn mode, 2 or more replicas: the budget enforce mode would keep is said', () => {
    const d = plain('web', 'shop');
    (d.spec as JsonObject).replicas = 3;
    expect(auditDeployment(d, { 'paas.io/mode': 'warn' }, native).notes).toEqual([
      'paas: would keep PodDisruptionBudget web-paas (maxUnavailable 1) unless one of yours selects its pods',
    ]);
    expect(auditDeployment(d, {}, native).notes).toEqual([]);
  });

  it('an invalid override annotation is Invalid, with the field and the value named', () => {
    const d = plain('web', 'shop');
    (d.metadata as JsonObject).annotations = { 'paas.io/surge': 'lots' };
    const r = auditDeployment(d, {}, native);
    expect(r.verdict).toBe(Verdict.Invalid);
    expect(r.changes).toEqual([]);
    expect(r.error).toMatch(/^metadata\.annotations\["paas\.io\/surge"\]: .*, got "lots"$/);
  });

  it('opted out by its label: OptedOut, and still what the policy would change were it in scope', () => {
    const r = auditDeployment(plain('legacy', 'shop', { 'paas.io/rollout-policy': 'disabled' }), {}, native);
    expect(r).toMatchObject({ verdict: Verdict.OptedOut, mode: 'none', optOut: 'deployment-label', reason: 'labelled paas.io/rollout-policy=disabled' });
    expect(lines(r)).toEqual(PLAIN_LINES);
  });

  it('in an excluded namespace: OptedOut', () => {
    expect(auditDeployment(plain('coredns', 'kube-system'), {}, native)).toMatchObject({ verdict: Verdict.OptedOut, optOut: 'excluded-namespace' });
  });

  it('opt-in, its namespace not labelled: OptedOut; labelled warn: FallsShort in warn mode', () => {
    const optIn = withConfig({ webhook: { namespaces: 'opt-in' } });
    expect(auditDeployment(plain('web', 'shop'), {}, optIn)).toMatchObject({ verdict: Verdict.OptedOut, optOut: 'not-opted-in' });
    expect(auditDeployment(plain('web', 'shop'), { 'paas.io/mode': 'warn' }, optIn)).toMatchObject({ verdict: Verdict.FallsShort, mode: 'warn' });
  });

  it('its namespace unreadable: judged all the same, the mode unknown', () => {
    expect(auditDeployment(plain('web', 'shop'), undefined, native)).toMatchObject({ verdict: Verdict.FallsShort, mode: 'unknown' });
  });

  it('being deleted: OptedOut (the webhook is not called), still judged', () => {
    const d = plain('web', 'shop');
    (d.metadata as JsonObject).deletionTimestamp = '2026-11-23T06:00:00Z';
    const r = auditDeployment(d, {}, native);
    expect(r).toMatchObject({ verdict: Verdict.OptedOut, optOut: 'deleting' });
    expect(lines(r)).toEqual(PLAIN_LINES);
  });

  it('a Deployment captured from the real cluster: the one preStop line, and its deploy-id', () => {
    const r = auditDeployment(captured('readiness-503'), {}, native);
    // Captured before the spread rule: it falls short of it too.
    expect(lines(r)).toEqual([
      'paas: would add preStop sleep 5 to container app',
      'paas: would add topology spread across kubernetes.io/hostname (maxSkew 1, ScheduleAnyway) to pod template',
    ]);
    expect(r).toMatchObject({ verdict: Verdict.FallsShort, admitted: true, deployId: 'v2-readiness-503' });
  });

  it('leaves the object it was given as it was', () => {
    const d = plain('legacy', 'shop', { 'paas.io/rollout-policy': 'disabled' });
    const before = structuredClone(d);
    auditDeployment(d, {}, native);
    expect(d).toEqual(before);
  });
});

describe('meets the policy, against the rules read without the engine (policy-gaps)', () => {
  // The captures predate the spread rule (every one falls short of it now); one Deployment written
  // to the policy by hand stands beside them, so that both answers are asked of the oracle.
  const real = [...capturedDeployments(), { file: 'compliant (by hand)', deployment: compliant('api', 'shop', 'id-1') }];
  it('the Deployments hold both answers (the oracle can disagree)', () => {
    const verdicts = new Set(real.map((c) => policyGaps(c.deployment).length === 0));
    expect(verdicts).toEqual(new Set([true, false]));
  });

  it.each(real)('$file', ({ deployment }) => {
    const r = auditDeployment(asListItem(deployment), {}, { config: { ...DEFAULT_CONFIG, deploy: DEFAULT_POLICY }, facts: { nativeSleep: true } });
    expect(r.verdict === Verdict.Meets).toBe(policyGaps(deployment).length === 0);
  });

  warnIfNoCorpus('the audit corpus suite');
  it.skipIf(SKIP_CORPUS).each(CORPUS_FILES)('corpus %s', (file) => {
    const d = parseManifests(corpusText(file), file)[0]!.value as JsonObject;
    const r = auditDeployment(placed(asListItem(d), 'shop', 'x'), {}, native);
    expect(r.verdict === Verdict.Meets, JSON.stringify(policyGaps(d))).toBe(policyGaps(d).length === 0);
  });
});

describe('auditAll, summarize, exitCodeOf', () => {
  const deployments = [
    plain('web', 'shop'),
    compliant('api', 'shop', 'id-1'),
    plain('old', 'legacy'),
    plain('coredns', 'kube-system'),
    plain('cart', 'orders'),
    compliant('admin', 'backoffice'),
  ];
  const namespaces = new Map<string, Record<string, string> | undefined>([
    ['shop', {}],
    ['legacy', { 'paas.io/rollout-policy': 'disabled' }],
    ['kube-system', {}],
    ['backoffice', {}],
    // orders: not read
  ]);

  it('one row per Deployment, by namespace then name, each with its namespace labels', () => {
    const rows = auditAll(deployments, namespaces, native);
    expect(rows.map((r) => [`${r.namespace}/${r.name}`, r.verdict, r.mode])).toEqual([
      ['backoffice/admin', 'Meets', 'enforce'],
      ['kube-system/coredns', 'OptedOut', 'none'],
      ['legacy/old', 'OptedOut', 'none'],
      ['orders/cart', 'FallsShort', 'unknown'],
      ['shop/api', 'Meets', 'enforce'],
      ['shop/web', 'FallsShort', 'enforce'],
    ]);
  });

  it('counts each verdict, the admitted ones and the unknown modes', () => {
    expect(summarize(auditAll(deployments, namespaces, native))).toEqual({
      deployments: 6,
      meets: 2,
      fallsShort: 2,
      invalid: 0,
      optedOut: 2,
      admitted: 1,
      modeUnknown: 1,
    });
  });

  it.each([
    { name: 'none found', counts: {}, want: 0 },
    { name: 'all meet', counts: { deployments: 3, meets: 3 }, want: 0 },
    { name: 'only opted-out ones fall short', counts: { deployments: 2, optedOut: 2 }, want: 0 },
    { name: 'one falls short', counts: { deployments: 2, meets: 1, fallsShort: 1 }, want: 1 },
    { name: 'one is invalid', counts: { deployments: 1, invalid: 1 }, want: 1 },
  ])('exit code: $name → $want', ({ counts, want }) => {
    expect(exitCodeOf({ deployments: 0, meets: 0, fallsShort: 0, invalid: 0, optedOut: 0, admitted: 0, modeUnknown: 0, ...counts })).toBe(want);
  });
});
