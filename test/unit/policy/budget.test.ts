// The PodDisruptionBudget each Deployment wants, and the writes that keep a namespace's budgets in
// step: tables of Deployments and budgets as the API server lists them, literal decisions out.
import { describe, expect, it } from 'vitest';
import {
  budgetDecision,
  budgetWanted,
  drainNotes,
  enforcedIn,
  ownerOfBudget,
  planBudgets,
  selectorMatches,
  type JsonObject,
  type NamespaceView,
} from '../../../core/policy/index.js';
import { DEFAULT_CONFIG } from '../../../core/config.js';
import { policy } from './fixtures.js';

/** A Deployment as a list's item carries it (uid, replicas, selector, template labels). */
function dep(
  name: string,
  o: { replicas?: number | null; labels?: object; annotations?: object; selector?: object | null; templateLabels?: object; deleting?: boolean } = {},
): JsonObject {
  return {
    metadata: {
      name,
      namespace: 'shop',
      uid: `uid-${name}`,
      labels: { app: name, ...o.labels },
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.deleting ? { deletionTimestamp: '2026-11-28T07:39:00Z' } : {}),
    },
    spec: {
      ...(o.replicas === null ? {} : { replicas: o.replicas ?? 3 }),
      ...(o.selector === null ? {} : { selector: o.selector ?? { matchLabels: { app: name } } }),
      template: { metadata: { labels: o.templateLabels ?? { app: name, tier: 'fe' } }, spec: { containers: [] } },
    },
  } as JsonObject;
}

/** One of our budgets for the Deployment `owner` (as created, then stored). */
function ours(
  owner: string,
  spec: object = { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { app: owner } } },
  name = `${owner}-paas`,
): JsonObject {
  return {
    metadata: {
      name,
      namespace: 'shop',
      uid: `pdb-${name}`,
      resourceVersion: '41',
      labels: { 'app.kubernetes.io/managed-by': 'paas-webhook' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: owner, uid: `uid-${owner}`, controller: true }],
    },
    spec,
  } as JsonObject;
}

/** A budget of the user's. */
function users(name: string, selector: object | undefined): JsonObject {
  return {
    metadata: { name, namespace: 'shop', uid: `pdb-${name}`, resourceVersion: '7' },
    spec: { minAvailable: 1, ...(selector ? { selector } : {}) },
  } as JsonObject;
}

const SPEC = (app: string) => ({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { app } } });

describe('budgetWanted: what a Deployment asks for by itself', () => {
  it.each([
    { name: '3 replicas', d: dep('web'), want: { want: true, spec: SPEC('web') } },
    { name: '2 replicas', d: dep('web', { replicas: 2 }), want: { want: true, spec: SPEC('web') } },
    {
      name: '1 replica: none (it would block every drain)',
      d: dep('web', { replicas: 1 }),
      want: { want: false, reason: 'few-replicas', detail: '1 replica' },
    },
    { name: 'replicas unset (the API default, 1)', d: dep('web', { replicas: null }), want: { want: false, reason: 'few-replicas', detail: '1 replica' } },
    { name: 'scaled to 0', d: dep('web', { replicas: 0 }), want: { want: false, reason: 'few-replicas', detail: '0 replicas' } },
    { name: 'opted out by label', d: dep('web', { labels: { 'paas.io/rollout-policy': 'disabled' } }), want: { want: false, reason: 'opted-out' } },
    { name: 'being deleted', d: dep('web', { deleting: true }), want: { want: false, reason: 'deleting' } },
    { name: 'the annotation off', d: dep('web', { annotations: { 'paas.io/disruption-budget': 'off' } }), want: { want: false, reason: 'off' } },
    { name: 'no selector', d: dep('web', { selector: null }), want: { want: false, reason: 'no-selector' } },
    { name: 'an empty selector (every pod of the namespace)', d: dep('web', { selector: {} }), want: { want: false, reason: 'no-selector' } },
    {
      name: 'an invalid paas.io annotation',
      d: dep('web', { annotations: { 'paas.io/surge': 'lots' } }),
      want: {
        want: false,
        reason: 'invalid',
        detail: 'metadata.annotations["paas.io/surge"]: expected an integer >= 0 or a percentage like "25%", got "lots"',
      },
    },
    {
      name: 'matchExpressions kept as they are',
      d: dep('web', { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] } }),
      want: {
        want: true,
        spec: {
          maxUnavailable: 1,
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
          selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
        },
      },
    },
  ])('$name', ({ d, want }) => {
    expect(budgetWanted(d, policy())).toEqual(want);
  });

  it('disruption_budget = "off" turns it off; the annotation "auto" turns it back on for one Deployment', () => {
    expect(budgetWanted(dep('web'), policy({ disruptionBudget: 'off' }))).toEqual({ want: false, reason: 'off' });
    expect(budgetWanted(dep('web', { annotations: { 'paas.io/disruption-budget': 'auto' } }), policy({ disruptionBudget: 'off' }))).toEqual({
      want: true,
      spec: SPEC('web'),
    });
  });
});

describe('selectorMatches, as the API server reads a label selector', () => {
  const labels = { app: 'web', tier: 'fe' };
  it.each([
    { name: 'matchLabels, all present', sel: { matchLabels: { app: 'web' } }, want: true },
    { name: 'matchLabels, one differs', sel: { matchLabels: { app: 'web', tier: 'be' } }, want: false },
    { name: 'In', sel: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] }, want: true },
    { name: 'In, label absent', sel: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, want: false },
    { name: 'NotIn, label absent', sel: { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, want: true },
    { name: 'NotIn, value listed', sel: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['fe'] }] }, want: false },
    { name: 'Exists', sel: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, want: true },
    { name: 'DoesNotExist', sel: { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, want: false },
    { name: 'an operator unknown here', sel: { matchExpressions: [{ key: 'tier', operator: 'Gt', values: ['1'] }] }, want: false },
    { name: 'empty: every pod (policy/v1)', sel: {}, want: true },
    { name: 'missing: none', sel: undefined, want: false },
  ])('$name: $want', ({ sel, want }) => {
    expect(selectorMatches(sel as JsonObject | undefined, labels)).toBe(want);
  });
});

describe('ownerOfBudget: ours are labelled and controlled by a Deployment', () => {
  it.each([
    { name: 'ours', pdb: ours('web'), want: 'uid-web' },
    { name: 'no label (a copy by hand)', pdb: { ...ours('web'), metadata: { ...(ours('web').metadata as JsonObject), labels: {} } }, want: undefined },
    {
      name: 'our label, no controller reference (taken over by its user)',
      pdb: { ...ours('web'), metadata: { ...(ours('web').metadata as JsonObject), ownerReferences: [] } },
      want: undefined,
    },
    { name: "a user's", pdb: users('web-pdb', { matchLabels: { app: 'web' } }), want: undefined },
  ])('$name', ({ pdb, want }) => {
    expect(ownerOfBudget(pdb as JsonObject)).toBe(want);
  });
});

describe('budgetDecision: what the cluster adds to it', () => {
  it.each([
    { name: 'in scope, no budget around', budgets: [], inScope: true, want: { want: true, spec: SPEC('web') } },
    { name: 'out of scope', budgets: [], inScope: false, want: { want: false, reason: 'out-of-scope' } },
    {
      name: "a user's budget selecting its pods by a template label",
      budgets: [users('fe-pdb', { matchLabels: { tier: 'fe' } })],
      inScope: true,
      want: { want: false, reason: 'user-budget', detail: 'fe-pdb' },
    },
    {
      name: "a user's budget with an empty selector (every pod)",
      budgets: [users('all', {})],
      inScope: true,
      want: { want: false, reason: 'user-budget', detail: 'all' },
    },
    {
      name: "a user's budget selecting other pods",
      budgets: [users('db-pdb', { matchLabels: { app: 'db' } })],
      inScope: true,
      want: { want: true, spec: SPEC('web') },
    },
    {
      name: "a user's budget without a selector (selects nothing)",
      budgets: [users('none', undefined)],
      inScope: true,
      want: { want: true, spec: SPEC('web') },
    },
    { name: 'our own budget is no user budget', budgets: [ours('web')], inScope: true, want: { want: true, spec: SPEC('web') } },
  ])('$name', ({ budgets, inScope, want }) => {
    expect(budgetDecision(dep('web'), budgets, inScope, policy())).toEqual(want);
  });
});

describe("enforcedIn: the enforce entry's own namespace selector", () => {
  const settings = { ...DEFAULT_CONFIG.webhook, ownNamespace: 'paas-system' };
  it.each<{ name: string; ns: string; labels: Record<string, string>; s: typeof settings | (typeof settings & { namespaces: 'opt-in' }); want: boolean }>([
    { name: 'a plain namespace', ns: 'shop', labels: {}, s: settings, want: true },
    { name: 'kube-system', ns: 'kube-system', labels: {}, s: settings, want: false },
    { name: "the webhook's own", ns: 'paas-system', labels: {}, s: settings, want: false },
    { name: 'opted out', ns: 'legacy', labels: { 'paas.io/rollout-policy': 'disabled' }, s: settings, want: false },
    { name: 'warn mode by label', ns: 'trial', labels: { 'paas.io/mode': 'warn' }, s: settings, want: false },
    { name: 'opt-in, unlabelled', ns: 'shop', labels: {}, s: { ...settings, namespaces: 'opt-in' as const }, want: false },
    { name: 'opt-in, labelled enforce', ns: 'shop', labels: { 'paas.io/mode': 'enforce' }, s: { ...settings, namespaces: 'opt-in' as const }, want: true },
    { name: 'warn by default, unlabelled', ns: 'shop', labels: {}, s: { ...settings, mode: 'warn' as const }, want: false },
  ])('$name: $want', ({ ns, labels, s, want }) => {
    expect(enforcedIn(ns, labels, s)).toBe(want);
  });
});

describe('planBudgets: the writes that bring a namespace in step', () => {
  const view = (deployments: JsonObject[], budgets: JsonObject[], inScope = true): NamespaceView => ({ namespace: 'shop', inScope, deployments, budgets });

  it('creates the missing budget: our label, a controller reference, no blockOwnerDeletion', () => {
    expect(planBudgets(view([dep('web')], []), policy())).toEqual([
      {
        op: 'create',
        namespace: 'shop',
        deployment: 'web',
        body: {
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: {
            name: 'web-paas',
            namespace: 'shop',
            labels: { 'app.kubernetes.io/managed-by': 'paas-webhook' },
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web', controller: true }],
          },
          spec: SPEC('web'),
        },
      },
    ]);
  });

  it('writes nothing when the budget is as wanted', () => {
    expect(planBudgets(view([dep('web')], [ours('web')]), policy())).toEqual([]);
  });

  it.each([
    {
      name: 'the selector changed',
      d: dep('web', { selector: { matchLabels: { app: 'web', v: '2' } }, templateLabels: { app: 'web', v: '2' } }),
      spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { app: 'web', v: '2' } } },
    },
    { name: 'someone set minAvailable on ours', d: dep('web'), spec: SPEC('web') },
  ])('updates ours when $name, guarded by its resourceVersion', ({ d, spec }) => {
    const drifted = ours('web', { minAvailable: 2, selector: { matchLabels: { app: 'web' } } });
    expect(planBudgets(view([d], [drifted]), policy())).toEqual([
      { op: 'update', namespace: 'shop', deployment: 'web', name: 'web-paas', resourceVersion: '41', spec },
    ]);
  });

  it.each([
    { name: 'scaled to 1', d: dep('web', { replicas: 1 }), budgets: [ours('web')], inScope: true, reason: 'few-replicas' },
    { name: 'opted out', d: dep('web', { labels: { 'paas.io/rollout-policy': 'disabled' } }), budgets: [ours('web')], inScope: true, reason: 'opted-out' },
    { name: 'its namespace left the enforce entry', d: dep('web'), budgets: [ours('web')], inScope: false, reason: 'out-of-scope' },
    { name: 'annotated off', d: dep('web', { annotations: { 'paas.io/disruption-budget': 'off' } }), budgets: [ours('web')], inScope: true, reason: 'off' },
    {
      name: "a user's budget now selects its pods",
      d: dep('web'),
      budgets: [ours('web'), users('web-pdb', { matchLabels: { app: 'web' } })],
      inScope: true,
      reason: 'user-budget',
    },
  ])('deletes ours when $name, by uid', ({ d, budgets, inScope, reason }) => {
    expect(planBudgets(view([d], budgets, inScope), policy())).toEqual([
      { op: 'delete', namespace: 'shop', deployment: 'web', name: 'web-paas', uid: 'pdb-web-paas', reason },
    ]);
  });

  it('keeps one budget of ours per Deployment, the one of its name', () => {
    expect(planBudgets(view([dep('web')], [ours('web', SPEC('web'), 'a-copy'), ours('web')]), policy())).toEqual([
      { op: 'delete', namespace: 'shop', deployment: 'web', name: 'a-copy', uid: 'pdb-a-copy', reason: 'duplicate' },
    ]);
  });

  it("never creates over a budget of that name that is not this Deployment's (one selecting other pods)", () => {
    expect(planBudgets(view([dep('web')], [users('web-paas', { matchLabels: { app: 'db' } })]), policy())).toEqual([
      {
        op: 'blocked',
        namespace: 'shop',
        deployment: 'web',
        name: 'web-paas',
        reason: "a PodDisruptionBudget named web-paas exists and is not this Deployment's",
      },
    ]);
  });

  it("leaves ours whose Deployment is gone to the garbage collector, and every budget of the user's alone", () => {
    expect(planBudgets(view([], [ours('gone'), users('db-pdb', { matchLabels: { app: 'db' } })]), policy())).toEqual([]);
  });

  it('writes nothing in a namespace being deleted, where it would create, update and delete: all of it goes with the namespace', () => {
    const drifted = { ...ours('api'), spec: { maxUnavailable: 2, selector: { matchLabels: { app: 'api' } } } };
    const deployments = [dep('web'), dep('api'), dep('batch', { replicas: 1 })];
    const budgets = [drifted, ours('batch')];
    expect(planBudgets(view(deployments, budgets), policy()).map((a) => [a.op, a.deployment])).toEqual([
      ['update', 'api'],
      ['delete', 'batch'],
      ['create', 'web'],
    ]);
    expect(planBudgets({ ...view(deployments, budgets), terminating: true }, policy())).toEqual([]);
  });

  it('plans each Deployment of the namespace, by name', () => {
    const actions = planBudgets(view([dep('web'), dep('api', { replicas: 1 }), dep('batch')], [ours('api')]), policy());
    expect(actions.map((a) => [a.op, a.deployment])).toEqual([
      ['delete', 'api'],
      ['create', 'batch'],
      ['create', 'web'],
    ]);
  });
});

describe('drainNotes: what the audit and warn mode say of drains', () => {
  it.each([
    {
      name: '1 replica',
      d: dep('web', { replicas: 1 }),
      warn: false,
      want: [
        'paas: 1 replica cannot survive a node drain (no ready pod until its replacement is; no PodDisruptionBudget is kept: it would block every drain); run 2 or more',
      ],
    },
    { name: '3 replicas, enforce mode (the webhook keeps its budget)', d: dep('web'), warn: false, want: [] },
    {
      name: '3 replicas, warn mode',
      d: dep('web'),
      warn: true,
      want: ['paas: would keep PodDisruptionBudget web-paas (maxUnavailable 1) unless one of yours selects its pods'],
    },
    { name: '3 replicas, warn mode, budget off', d: dep('web', { annotations: { 'paas.io/disruption-budget': 'off' } }), warn: true, want: [] },
    { name: 'scaled to 0', d: dep('web', { replicas: 0 }), warn: false, want: [] },
  ])('$name', ({ d, warn, want }) => {
    expect(drainNotes(d, policy(), warn)).toEqual(want);
  });
});
