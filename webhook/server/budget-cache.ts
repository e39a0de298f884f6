// What the budget reconciler (budgets.ts) remembers of the cluster between its decisions: the
// Deployments, PodDisruptionBudgets and Namespaces it lists and watches, each cut down to the
// fields the decisions read (core/policy/budget.ts), so that memory stays small however many there
// are, and so that the changes that matter (replicas, selector, labels, a budget's spec) are told
// from those that do not (status, every few seconds). Pure: events in, namespaces to look at out.
import { ANNOTATION } from '../../core/names.js';
import { deepEqual, enforcedIn, type JsonObject, type JsonValue, type NamespaceView } from '../../core/policy/index.js';
import type { ScopeSettings } from '../../core/policy/scope.js';

/** The kinds the reconciler keeps. */
export const Kind = { deployments: 'deployments', budgets: 'budgets', namespaces: 'namespaces' } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const meta = (o: JsonObject): JsonObject => (isObject(o.metadata) ? o.metadata : {});
const str = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : '');
/** The members that are set (a missing one stays missing: the decisions read `has`, not null). */
const present = (o: Record<string, JsonValue | undefined>): JsonObject =>
  Object.fromEntries(Object.entries(o).filter((e): e is [string, JsonValue] => e[1] !== undefined));

/** The paas.io/* annotations of the policy (overrides.ts reads them); others are dropped. */
const OVERRIDES: ReadonlySet<string> = new Set(Object.values(ANNOTATION));

/** A Deployment as the decisions read it: names, labels, the policy's annotations, deletion,
 * replicas, selector and the pod template's labels. */
export function slimDeployment(d: JsonObject): JsonObject {
  const m = meta(d);
  const spec = isObject(d.spec) ? d.spec : {};
  const template = isObject(spec.template) ? spec.template : {};
  const annotations = isObject(m.annotations) ? Object.fromEntries(Object.entries(m.annotations).filter(([k]) => OVERRIDES.has(k))) : {};
  return {
    metadata: present({
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      labels: m.labels,
      annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
      deletionTimestamp: m.deletionTimestamp ?? undefined,
    }),
    spec: present({ replicas: spec.replicas, selector: spec.selector, template: { metadata: { labels: meta(template).labels ?? {} } } }),
  };
}

/** A budget as the decisions read it: names, labels, owners, its spec (not its status). */
export function slimBudget(b: JsonObject): JsonObject {
  const m = meta(b);
  return {
    metadata: present({
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      labels: m.labels,
      ownerReferences: m.ownerReferences,
    }),
    spec: isObject(b.spec) ? b.spec : {},
  };
}

/** A namespace as the decisions read it: its labels, and whether it is being deleted. */
export function slimNamespace(n: JsonObject): JsonObject {
  const m = meta(n);
  return { metadata: present({ name: m.name, labels: m.labels, deletionTimestamp: m.deletionTimestamp ?? undefined }) };
}

const SLIM: Record<Kind, (o: JsonObject) => JsonObject> = { deployments: slimDeployment, budgets: slimBudget, namespaces: slimNamespace };

/** The same object but for its resourceVersion (a budget's changes with every status update). */
function sameBut(a: JsonObject | undefined, b: JsonObject): boolean {
  if (!a) return false;
  const strip = (o: JsonObject) => ({ ...o, metadata: { ...meta(o), resourceVersion: null } });
  return deepEqual(strip(a), strip(b));
}

/** A watch event's type, as the API server sends it. */
export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** The cluster as last listed and watched. */
export class BudgetCache {
  private readonly objects: Record<Kind, Map<string, JsonObject>> = { deployments: new Map(), budgets: new Map(), namespaces: new Map() };

  /** The key of an object: namespace/name (names are unique in a namespace, uids across time). */
  private static key(o: JsonObject): string {
    const m = meta(o);
    return `${str(m.namespace)}/${str(m.name)}`;
  }

  /** The namespace an object is in (a namespace is in itself). */
  private static namespaceOf(kind: Kind, o: JsonObject): string {
    const m = meta(o);
    return kind === Kind.namespaces ? str(m.name) : str(m.namespace);
  }

  /** Replaces every object of a kind (a list); returns every namespace that held or holds one. */
  reset(kind: Kind, items: readonly JsonObject[]): Set<string> {
    const touched = new Set([...this.objects[kind].values()].map((o) => BudgetCache.namespaceOf(kind, o)));
    this.objects[kind] = new Map(items.map((o) => SLIM[kind](o)).map((o) => [BudgetCache.key(o), o]));
    for (const o of this.objects[kind].values()) touched.add(BudgetCache.namespaceOf(kind, o));
    return touched;
  }

  /** Applies one watch event (or the answer to our own write); returns the namespace to look at
   * again, or undefined when nothing the decisions read has changed. */
  apply(kind: Kind, type: EventType, object: JsonObject): string | undefined {
    const slim = SLIM[kind](object);
    const key = BudgetCache.key(slim);
    const before = this.objects[kind].get(key);
    if (type === 'DELETED') {
      if (!before) return undefined;
      this.objects[kind].delete(key);
      return BudgetCache.namespaceOf(kind, slim);
    }
    this.objects[kind].set(key, slim);
    return sameBut(before, slim) ? undefined : BudgetCache.namespaceOf(kind, slim);
  }

  /** Every namespace that holds a Deployment or a budget. */
  namespaces(): Set<string> {
    return new Set([...this.objects.deployments.values(), ...this.objects.budgets.values()].map((o) => str(meta(o).namespace)));
  }

  /** The budgets of ours (the reconciler's gauge). */
  count(kind: Kind, which: (o: JsonObject) => boolean = () => true): number {
    return [...this.objects[kind].values()].filter(which).length;
  }

  /** One namespace as the plan reads it: in the enforce entry's scope or not, its Deployments and
   * budgets. A namespace not seen (yet) is out of scope: nothing is created where nothing is known. */
  view(namespace: string, settings: ScopeSettings & { ownNamespace: string }): NamespaceView {
    const ns = this.objects.namespaces.get(`/${namespace}`);
    const labels = ns && isObject(meta(ns).labels) ? (meta(ns).labels as Record<string, string>) : {};
    const inNamespace = (o: JsonObject) => str(meta(o).namespace) === namespace;
    return {
      namespace,
      inScope: ns !== undefined && enforcedIn(namespace, labels, settings),
      terminating: ns !== undefined && typeof meta(ns).deletionTimestamp === 'string',
      deployments: [...this.objects.deployments.values()].filter(inNamespace),
      budgets: [...this.objects.budgets.values()].filter(inNamespace),
    };
  }

  /** Forgets everything (leadership lost). */
  clear(): void {
    for (const k of Object.values(Kind)) this.objects[k].clear();
  }
}
