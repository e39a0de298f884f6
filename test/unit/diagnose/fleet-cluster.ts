// A cluster for `diagnose` and `rollout status` over many workloads, in-process: the fixtures' snapshots (Deployments,
// StatefulSets, DaemonSets) each put in a namespace of its own, answered by path as the API
// server answers (lists paged by limit and continue, label and field selectors, 404 for what is
// not there, a status where one is set; PodDisruptionBudgets of policy/v1 and the cordoned nodes
// by spec.unschedulable, as diagnose reads them for a drain), every call recorded; and the CLI's dependencies pointed at it.
import { createHash } from 'node:crypto';
import type { CliDeps } from '../../../plugin/deps.js';
import type { DaemonSetSnapshot, Snapshot, StatefulSetSnapshot } from '../../../plugin/diagnose/model.js';
import { describeError, HttpError, type Kube, type Rest } from '../../../plugin/kube/rest.js';
import { cliRun } from '../plugin/cli-harness.js';

type Query = Record<string, string | undefined>;
type Obj = {
  metadata?: { name?: string; namespace?: string; uid?: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean };
  involvedObject?: { uid?: string; kind?: string };
  reason?: string;
};

/** What the cluster holds, by collection (`deployments`, `pods`, ...), every object with its namespace. */
export interface Held {
  objects: Record<string, Obj[]>;
  nodes: Obj[];
  /** An HTTP status for a collection's every read, e.g. `{ statefulsets: 403 }`. */
  refuse?: Record<string, number>;
}

type AnySnapshot = Snapshot | StatefulSetSnapshot | DaemonSetSnapshot;

/** A copy of a snapshot in namespace `ns`: every namespaced object's namespace rewritten, and every
 * uid (objects' and their references') made the namespace's own, as a cluster's uids are unique;
 * the rest as captured. */
export function inNamespace<S extends AnySnapshot>(ns: string, s: S): S {
  const text = JSON.stringify(s).replace(/"uid":"([0-9a-f-]{24})([0-9a-f]{12})"/g, (_m, head: string, tail: string) => {
    const own = createHash('sha256').update(`${ns}/${head}${tail}`).digest('hex').slice(0, 12);
    return `"uid":"${head}${own}"`;
  });
  const copy = JSON.parse(text) as Record<string, unknown>;
  const re = (o: Obj): void => {
    o.metadata = { ...o.metadata, namespace: ns };
    if (o.involvedObject) (o.involvedObject as { namespace?: string }).namespace = ns;
  };
  for (const [k, v] of Object.entries(copy)) {
    if (k === 'nodes' || k === 'cordoned' || k === 'logs' || k === 'sampled') continue;
    if (Array.isArray(v)) (v as Obj[]).forEach(re);
    else if (v && typeof v === 'object') re(v);
  }
  return copy as unknown as S;
}

/** Puts a snapshot's objects in `ns` (inNamespace's copy). */
export function place(held: Held, ns: string, original: AnySnapshot): void {
  const s = inNamespace(ns, original);
  const add = (kind: string, items: unknown[]) => (held.objects[kind] ??= []).push(...(items as Obj[]));
  if ('deployment' in s) {
    add('deployments', [s.deployment]);
    add('replicasets', s.replicaSets);
  }
  if ('statefulSet' in s) {
    add('statefulsets', [s.statefulSet]);
    add('controllerrevisions', s.revisions);
    add('persistentvolumeclaims', s.claims);
  }
  if ('daemonSet' in s) {
    add('daemonsets', [s.daemonSet]);
    add('controllerrevisions', s.revisions);
  }
  add('pods', s.pods);
  add('events', s.events);
  add('resourcequotas', s.quotas);
  if ('budgets' in s) add('poddisruptionbudgets', s.budgets ?? []);
  for (const n of [...(s.nodes ?? []), ...('cordoned' in s ? (s.cordoned ?? []) : [])])
    if (!held.nodes.some((x) => x.metadata?.name === n.metadata.name)) held.nodes.push(structuredClone(n));
}

/** `a=b`, `a!=b`, `key`, `!key` terms, comma-separated, as the API server reads them. */
function matches(labels: Record<string, string>, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const ne = /^([^!=]+)!=(.*)$/.exec(term);
    if (ne) return labels[ne[1]!] !== ne[2];
    const eq = /^([^=]+)=(.*)$/.exec(term);
    if (eq) return labels[eq[1]!] === eq[2];
    return term.startsWith('!') ? !(term.slice(1) in labels) : term in labels;
  });
}

/** `involvedObject.uid=x` and `involvedObject.kind=Pod,reason=R`, as the API server reads them for events. */
function eventMatches(e: Obj, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    if (k === 'involvedObject.uid') return e.involvedObject?.uid === v;
    if (k === 'involvedObject.kind') return e.involvedObject?.kind === v;
    if (k === 'reason') return e.reason === v;
    return false;
  });
}

function page<T>(items: T[], q: Query) {
  const from = Number(q.continue ?? 0);
  const limit = Number(q.limit ?? items.length);
  const next = from + limit < items.length ? String(from + limit) : undefined;
  return { items: items.slice(from, from + limit), metadata: { resourceVersion: '7', ...(next ? { continue: next } : {}) } };
}

const status = (code: number, path: string, message: string) => new HttpError(code, JSON.stringify({ kind: 'Status', status: 'Failure', message, code }), path);

function answer(held: Held, path: string, q: Query): unknown {
  if (path === '/api/v1/nodes') {
    const cordoned = q.fieldSelector === 'spec.unschedulable=true';
    if (q.fieldSelector && !cordoned) throw new Error(`unexpected node field selector ${q.fieldSelector}`);
    return page(
      held.nodes.filter((n) => !cordoned || n.spec?.unschedulable === true),
      q,
    );
  }
  const node = /^\/api\/v1\/nodes\/([^/]+)$/.exec(path);
  if (node) {
    const n = held.nodes.find((x) => x.metadata?.name === node[1]);
    if (!n) throw status(404, path, `nodes "${node[1]}" not found`);
    return n;
  }
  const m = /^\/apis?\/(?:(?:apps|policy)\/)?v1(?:\/namespaces\/([^/]+))?\/([a-z]+)(?:\/([^/]+))?$/.exec(path);
  if (!m) throw new Error(`unexpected GET ${path}`);
  const [, ns, kind, name] = m;
  const refused = held.refuse?.[kind!];
  if (refused) throw status(refused, path, `${kind}.apps is forbidden: User "dev" cannot list resource "${kind}"`);
  const inNs = (held.objects[kind!] ?? []).filter((o) => ns === undefined || o.metadata?.namespace === ns);
  if (name !== undefined) {
    const one = inNs.find((o) => o.metadata?.name === name);
    if (!one) throw status(404, path, `${kind} "${name}" not found`);
    return structuredClone(one);
  }
  const selected =
    kind === 'events' ? inNs.filter((e) => eventMatches(e, q.fieldSelector)) : inNs.filter((o) => matches(o.metadata?.labels ?? {}, q.labelSelector));
  return page(structuredClone(selected), q);
}

/** A Rest over `held` that records every GET. */
export function heldRest(held: Held): { rest: Rest; calls: { path: string; query: Query }[] } {
  const calls: { path: string; query: Query }[] = [];
  const rest: Rest = {
    async get<T>(path: string, query: Query = {}): Promise<T> {
      calls.push({ path, query });
      return answer(held, path, query) as T;
    },
    getText: (path) => Promise.reject(status(400, path, 'no logs here')),
    // A watch that stays open and quiet until the command stops it (rollout status at its verdict).
    watch: (_path, _query, _onEvent, signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
    stream: () => Promise.reject(new Error('diagnose reads no stream')),
    patch: () => Promise.reject(new Error('diagnose never writes')),
    close: () => undefined,
  };
  return { rest, calls };
}

/** The CLI's dependencies against `held`, the context's namespace `namespace`, the clock at `now`. */
export function againstHeld(held: Held, namespace: string, now: Date) {
  const r = cliRun({ now: now.getTime() });
  const { rest, calls } = heldRest(held);
  const kube: Kube = { namespace, server: 'https://127.0.0.1:6443', context: 'held' };
  const deps: CliDeps = {
    ...r.deps,
    kube: (flags) =>
      Promise.resolve({ connect: () => Promise.resolve({ kube: { ...kube, namespace: flags.namespace ?? kube.namespace }, rest }), describeError }),
  };
  return { deps, calls, out: r.out, err: r.err };
}
