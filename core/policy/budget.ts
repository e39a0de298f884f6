// The PodDisruptionBudget the webhook keeps beside each Deployment under the policy, decided here
// and made elsewhere: an admission webhook must not create objects as a side effect of admission
// (dry runs, refused requests), so the elected replica's reconciler (webhook/server/budgets.ts)
// asks these functions what each Deployment wants, given the cluster's budgets, and writes it.
// One budget per Deployment of 2 or more replicas: maxUnavailable 1 (a drain evicts one pod at a
// time, each replaced before the next goes), unhealthyPodEvictionPolicy AlwaysAllow (a broken
// pod never blocks a drain), the Deployment's own selector, owned by the Deployment (the garbage
// collector removes it with it). None for one replica: its budget would allow no eviction at all
// and block every drain. None where a budget of the user's already selects the pods. Pure.
import { LABEL, OPT_OUT_VALUE } from '../names.js';
import { deepEqual, isObject } from './json.js';
import { effectivePolicy } from './overrides.js';
import { namespaceSelectors, unmet, type ScopeSettings } from './scope.js';
import { BudgetMode, type JsonObject, type JsonValue, type Policy } from './types.js';
import { PolicyInputError } from './errors.js';

/** What marks a budget as the webhook's (with its controller reference to the Deployment). */
export const BUDGET_MANAGED_BY = { key: 'app.kubernetes.io/managed-by', value: 'paas-webhook' } as const;

/** The name of a Deployment's budget: its own, with this suffix. */
export const BUDGET_SUFFIX = '-paas';

/** The fewest replicas that get a budget: with one, maxUnavailable 1 leaves nothing to protect
 * and minAvailable 1 would refuse every eviction. */
export const MIN_BUDGET_REPLICAS = 2;

/** Why a Deployment has no budget of ours. */
export const NoBudget = {
  /** disruption_budget = "off", or the annotation paas.io/disruption-budget: "off". */
  off: 'off',
  /** A paas.io/* annotation the engine refuses: the webhook refuses its writes too. */
  invalid: 'invalid',
  /** Fewer than 2 replicas (one replica cannot survive a drain; a budget would block it). */
  fewReplicas: 'few-replicas',
  /** No selector: nothing to count its pods by (the API server refuses such a Deployment). */
  noSelector: 'no-selector',
  /** A budget of the user's already selects its pods. */
  userBudget: 'user-budget',
  /** Its namespace is not under the enforce entry (excluded, opted out, warn mode, not opted in). */
  outOfScope: 'out-of-scope',
  /** Labelled paas.io/rollout-policy=disabled. */
  optedOut: 'opted-out',
  /** Being deleted: the garbage collector takes its budget. */
  deleting: 'deleting',
  /** A second budget of ours for the same Deployment: one is kept. */
  duplicate: 'duplicate',
} as const;
export type NoBudget = (typeof NoBudget)[keyof typeof NoBudget];

/** What one Deployment wants: a budget with this spec, or none and why. */
export type BudgetWant = { want: true; spec: JsonObject } | { want: false; reason: NoBudget; detail?: string };

const metaOf = (o: JsonObject): JsonObject => (isObject(o.metadata) ? o.metadata : {});
const stringOf = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : '');
const labelsOf = (o: JsonObject): Record<string, string> => {
  const l = metaOf(o).labels;
  return isObject(l) ? Object.fromEntries(Object.entries(l).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
};

/** A Deployment's spec.replicas as the API server defaults it (absent: 1). */
export function replicasOf(d: JsonObject): number {
  const spec = isObject(d.spec) ? d.spec : {};
  return typeof spec.replicas === 'number' ? spec.replicas : 1;
}

/** The budget's spec for a Deployment's selector. */
export function budgetSpec(selector: JsonObject): JsonObject {
  return { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: structuredClone(selector) };
}

/** The name of the Deployment's budget. */
export function budgetName(deployment: string): string {
  return `${deployment}${BUDGET_SUFFIX}`;
}

/** What a Deployment asks for by itself, whatever the cluster holds: its knobs, replicas, selector. */
export function budgetWanted(d: JsonObject, base: Policy): BudgetWant {
  const meta = metaOf(d);
  if (labelsOf(d)[LABEL.rolloutPolicy] === OPT_OUT_VALUE) return { want: false, reason: NoBudget.optedOut };
  if (meta.deletionTimestamp) return { want: false, reason: NoBudget.deleting };
  let mode: BudgetMode;
  try {
    mode = effectivePolicy(isObject(meta.annotations) ? meta.annotations : undefined, base).policy.disruptionBudget;
  } catch (err) {
    if (err instanceof PolicyInputError) return { want: false, reason: NoBudget.invalid, detail: err.message };
    throw err;
  }
  if (mode === BudgetMode.off) return { want: false, reason: NoBudget.off };
  const replicas = replicasOf(d);
  if (replicas < MIN_BUDGET_REPLICAS) return { want: false, reason: NoBudget.fewReplicas, detail: `${replicas} replica${replicas === 1 ? '' : 's'}` };
  const spec = isObject(d.spec) ? d.spec : {};
  const selector = isObject(spec.selector) ? spec.selector : undefined;
  if (!selector || !selectsSomething(selector)) return { want: false, reason: NoBudget.noSelector };
  return { want: true, spec: budgetSpec(selector) };
}

/** A selector with at least one requirement (policy/v1 reads `{}` as every pod of the namespace). */
function selectsSomething(selector: JsonObject): boolean {
  const labels = isObject(selector.matchLabels) ? Object.keys(selector.matchLabels).length : 0;
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.length : 0;
  return labels + exprs > 0;
}

/** Whether a label selector selects an object with these labels, as the API server reads one:
 * matchLabels and every matchExpression (In, NotIn, Exists, DoesNotExist) must hold; an empty
 * selector selects everything (policy/v1), a missing one nothing; an operator unknown here
 * selects nothing (never taken for a match). */
export function selectorMatches(selector: JsonValue | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!isObject(selector)) return false;
  const ml = isObject(selector.matchLabels) ? selector.matchLabels : {};
  if (!Object.entries(ml).every(([k, v]) => labels[k] === v)) return false;
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  return exprs.every((e) => {
    if (!isObject(e) || typeof e.key !== 'string') return false;
    const values = Array.isArray(e.values) ? e.values : [];
    const has = Object.hasOwn(labels, e.key);
    switch (e.operator) {
      case 'In':
        return has && values.includes(labels[e.key]!);
      case 'NotIn':
        return !has || !values.includes(labels[e.key]!);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}

/** The uid of the Deployment a budget is the webhook's for, or undefined when it is not ours
 * (our label and a controller reference to an apps/v1 Deployment, both). */
export function ownerOfBudget(pdb: JsonObject): string | undefined {
  if (labelsOf(pdb)[BUDGET_MANAGED_BY.key] !== BUDGET_MANAGED_BY.value) return undefined;
  const refs = metaOf(pdb).ownerReferences;
  const ref = Array.isArray(refs) ? refs.find((r) => isObject(r) && r.controller === true && r.kind === 'Deployment' && r.apiVersion === 'apps/v1') : undefined;
  return isObject(ref) && typeof ref.uid === 'string' ? ref.uid : undefined;
}

/** The pod template's labels: what every pod of the Deployment carries (besides pod-template-hash). */
function templateLabels(d: JsonObject): Record<string, string> {
  const spec = isObject(d.spec) ? d.spec : {};
  const template = isObject(spec.template) ? spec.template : {};
  return labelsOf(template);
}

/** Whether the namespace, with these labels, is where the enforce entry applies (the webhook's
 * own selector, core/policy/scope.ts). */
export function enforcedIn(namespace: string, labels: Readonly<Record<string, string>>, settings: ScopeSettings & { ownNamespace: string }): boolean {
  const sel = namespaceSelectors(settings);
  return unmet(sel.enforce, { ...labels, 'kubernetes.io/metadata.name': namespace }) === undefined;
}

/** The budgets of the user's (any not the webhook's) that select the Deployment's pods, by name. */
export function userBudgetsOf(d: JsonObject, budgets: readonly JsonObject[]): string[] {
  const labels = templateLabels(d);
  return budgets
    .filter((b) => ownerOfBudget(b) === undefined && selectorMatches(isObject(b.spec) ? b.spec.selector : undefined, labels))
    .map((b) => stringOf(metaOf(b).name))
    .sort();
}

/** What one Deployment wants, given its namespace's scope and the budgets of the namespace. */
export function budgetDecision(d: JsonObject, budgets: readonly JsonObject[], inScope: boolean, policy: Policy): BudgetWant {
  const own = budgetWanted(d, policy);
  if (!own.want) return own;
  if (!inScope) return { want: false, reason: NoBudget.outOfScope };
  const users = userBudgetsOf(d, budgets);
  if (users.length > 0) return { want: false, reason: NoBudget.userBudget, detail: users.join(', ') };
  return own;
}

/** A write the reconciler makes (or, blocked, logs). */
export type BudgetAction =
  | { op: 'create'; namespace: string; deployment: string; body: JsonObject }
  | { op: 'update'; namespace: string; deployment: string; name: string; resourceVersion: string; spec: JsonObject }
  | { op: 'delete'; namespace: string; deployment: string; name: string; uid: string; reason: NoBudget }
  | { op: 'blocked'; namespace: string; deployment: string; name: string; reason: string };

/** The budget to create for a Deployment: its name, our label, a controller reference to it. */
export function budgetBody(d: JsonObject, spec: JsonObject): JsonObject {
  const meta = metaOf(d);
  const name = stringOf(meta.name);
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: budgetName(name),
      namespace: stringOf(meta.namespace),
      labels: { [BUDGET_MANAGED_BY.key]: BUDGET_MANAGED_BY.value },
      // No blockOwnerDeletion: it would need update on deployments/finalizers, and nothing waits on it.
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: stringOf(meta.uid), controller: true }],
    },
    spec,
  };
}

/** Where the namespace stands and what it holds, as the reconciler's cache sees it. */
export interface NamespaceView {
  namespace: string;
  /** Whether the enforce entry applies there (enforcedIn). */
  inScope: boolean;
  /** Being deleted: the namespace controller removes everything in it, and the API server
   * refuses new objects there. */
  terminating?: boolean;
  deployments: readonly JsonObject[];
  budgets: readonly JsonObject[];
}

/**
 * The writes that bring one namespace's budgets in step with its Deployments: create the missing,
 * update those whose spec drifted (replicas or selector changed, someone edited ours), delete
 * ours that are no longer wanted (one replica, opted out, out of scope, a budget of the user's
 * now covers the pods, turned off) and any second one of a Deployment. Ours whose Deployment is
 * gone are the garbage collector's (their owner reference). Nothing in a namespace being deleted:
 * whatever is there goes with it.
 */
export function planBudgets(view: NamespaceView, policy: Policy): BudgetAction[] {
  const actions: BudgetAction[] = [];
  if (view.terminating === true) return actions;
  const { namespace } = view;
  const byName = new Map(view.budgets.map((b) => [stringOf(metaOf(b).name), b]));
  const sorted = [...view.deployments].sort((a, b) => stringOf(metaOf(a).name).localeCompare(stringOf(metaOf(b).name)));
  for (const d of sorted) {
    const meta = metaOf(d);
    const deployment = stringOf(meta.name);
    const uid = stringOf(meta.uid);
    const ours = view.budgets.filter((b) => uid !== '' && ownerOfBudget(b) === uid);
    const want = budgetDecision(d, view.budgets, view.inScope, policy);
    const name = budgetName(deployment);
    const remove = (b: JsonObject, reason: NoBudget) =>
      actions.push({ op: 'delete', namespace, deployment, name: stringOf(metaOf(b).name), uid: stringOf(metaOf(b).uid), reason });
    if (!want.want) {
      for (const b of ours) remove(b, want.reason);
      continue;
    }
    // Keep the one of the canonical name when there are several (a copy made by hand, say).
    const keep = ours.find((b) => stringOf(metaOf(b).name) === name) ?? ours[0];
    for (const b of ours) if (b !== keep) remove(b, NoBudget.duplicate);
    if (keep) {
      if (!deepEqual(keep.spec, want.spec)) {
        actions.push({
          op: 'update',
          namespace,
          deployment,
          name: stringOf(metaOf(keep).name),
          resourceVersion: stringOf(metaOf(keep).resourceVersion),
          spec: want.spec,
        });
      }
      continue;
    }
    if (byName.has(name)) {
      actions.push({ op: 'blocked', namespace, deployment, name, reason: `a PodDisruptionBudget named ${name} exists and is not this Deployment's` });
      continue;
    }
    actions.push({ op: 'create', namespace, deployment, body: budgetBody(d, want.spec) });
  }
  return actions;
}

/** The note the audit and warn mode give a Deployment that one node drain leaves with no pod. */
export const SINGLE_REPLICA_NOTE =
  'paas: 1 replica cannot survive a node drain (no ready pod until its replacement is; no PodDisruptionBudget is kept: it would block every drain); run 2 or more';

/** Warn mode's line for a Deployment that would get a budget: what enforce mode keeps. */
export function budgetWouldLine(deployment: string): string {
  return `paas: would keep PodDisruptionBudget ${budgetName(deployment)} (maxUnavailable 1) unless one of yours selects its pods`;
}

/** The drain advice for one Deployment of a namespace in `mode` (enforce, warn or none), from
 * what it asks for by itself: the single-replica note, and in warn mode the budget it would get. */
export function drainNotes(d: JsonObject, policy: Policy, warnMode: boolean): string[] {
  const want = budgetWanted(d, policy);
  if (!want.want && want.reason === NoBudget.fewReplicas && replicasOf(d) === 1) return [SINGLE_REPLICA_NOTE];
  if (want.want && warnMode) return [budgetWouldLine(stringOf(metaOf(d).name))];
  return [];
}
