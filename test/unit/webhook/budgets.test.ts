// The PodDisruptionBudget reconciler over an in-memory API (lists, watches that stay open, writes
// that bump resourceVersions and answer conflicts as the API server does): only the leader
// writes, never before all three kinds are listed; it follows replicas, selectors and scope; its
// metrics count each write. And the cache and informer beneath it, on their own.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../core/config.js';
import { DEFAULT_POLICY, type JsonObject } from '../../../core/policy/index.js';
import type { WatchEvent } from '../../../kube-client/client.js';
import type { KubeClient } from '../../../kube-client/client.js';
import { HttpError } from '../../../kube-client/errors.js';
import { BudgetCache, Kind, slimBudget, slimDeployment, slimNamespace } from '../../../webhook/server/budget-cache.js';
import { COLLECTION, kubeBudgetGateway, WriteOutcome, type BudgetGateway } from '../../../webhook/server/budget-gateway.js';
import { BudgetKeeper } from '../../../webhook/server/budgets.js';
import { relistPauseMs, runInformer, type ListWatch } from '../../../webhook/server/informer.js';
import { sharedRounds } from '../../../webhook/server/leader.js';
import { createMetrics } from '../../../webhook/server/metrics.js';
import { captureLogger, metricValue } from './harness.js';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The API server's answer to a budget created in a namespace being deleted, as it sent it
 * (test/fixtures/kube/capture-real.ts). */
const TERMINATING = JSON.parse(readFileSync(join(resolve(import.meta.dirname, '../../fixtures/kube'), 'namespace-terminating.json'), 'utf8')) as {
  status: number;
  body: string;
};

type Obj = Record<string, any>;
const settings = { ...DEFAULT_CONFIG.webhook, ownNamespace: 'paas-system' };

/** Lets every promise the fakes resolved at once run (no timer: the fakes never wait). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

function deployment(name: string, namespace = 'shop', replicas = 3, extra: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, uid: `uid-${name}`, resourceVersion: '1', labels: { app: name }, ...extra.metadata },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [] } }, ...extra.spec },
    status: { replicas, readyReplicas: replicas },
  };
}

const namespace = (name: string, labels: Record<string, string> = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, resourceVersion: '1', labels: { 'kubernetes.io/metadata.name': name, ...labels } },
});

/** An API server in memory: three collections, a resourceVersion counter, open watches. */
function memoryApi(seed: { deployments?: Obj[]; budgets?: Obj[]; namespaces?: Obj[] } = {}) {
  let rv = 100;
  const store: Record<Kind, Map<string, Obj>> = { deployments: new Map(), budgets: new Map(), namespaces: new Map() };
  const key = (o: Obj) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  for (const [k, items] of [
    [Kind.deployments, seed.deployments ?? []],
    [Kind.budgets, seed.budgets ?? []],
    [Kind.namespaces, seed.namespaces ?? [namespace('shop')]],
  ] as const)
    for (const o of items) store[k].set(key(o), structuredClone(o));
  const watchers = new Map<string, Set<(e: WatchEvent<JsonObject>) => void>>();
  const kindOf = (path: string) => Object.entries(COLLECTION).find(([, p]) => p === path)![0] as Kind;
  const emit = (kind: Kind, type: 'ADDED' | 'MODIFIED' | 'DELETED', o: Obj) => {
    for (const w of watchers.get(COLLECTION[kind]) ?? []) w({ type, object: structuredClone(o) });
  };
  const calls: string[] = [];
  const api = {
    store,
    calls,
    /** A change made by someone else (kubectl scale, a user's budget), as the watch sends it. */
    put(kind: Kind, o: Obj) {
      const had = store[kind].has(key(o));
      const stored = { ...structuredClone(o), metadata: { ...o.metadata, resourceVersion: String(++rv) } };
      store[kind].set(key(o), stored);
      emit(kind, had ? 'MODIFIED' : 'ADDED', stored);
    },
    drop(kind: Kind, o: Obj) {
      store[kind].delete(key(o));
      emit(kind, 'DELETED', o);
    },
  };
  const gateway: BudgetGateway = {
    async list(path) {
      calls.push(`list ${path}`);
      return { items: [...store[kindOf(path)].values()].map((o) => structuredClone(o)), resourceVersion: String(rv) };
    },
    watch(path, _rv, onEvent, signal) {
      const set = watchers.get(path) ?? new Set();
      watchers.set(path, set);
      set.add(onEvent);
      return new Promise((done) => signal.addEventListener('abort', () => (set.delete(onEvent), done()), { once: true }));
    },
    async create(ns, body) {
      calls.push(`create ${ns}/${(body.metadata as Obj).name}`);
      const k = `${ns}/${(body.metadata as Obj).name}`;
      if (store.budgets.has(k)) return WriteOutcome.conflict;
      const made = { ...structuredClone(body), metadata: { ...(body.metadata as Obj), uid: `pdb-uid-${++rv}`, resourceVersion: String(rv) } };
      store.budgets.set(k, made);
      emit(Kind.budgets, 'ADDED', made);
      return structuredClone(made);
    },
    async replaceSpec(ns, name, resourceVersion, spec) {
      calls.push(`update ${ns}/${name}`);
      const cur = store.budgets.get(`${ns}/${name}`);
      if (!cur) return WriteOutcome.gone;
      if (cur.metadata.resourceVersion !== resourceVersion) return WriteOutcome.conflict;
      const made = { ...cur, metadata: { ...cur.metadata, resourceVersion: String(++rv) }, spec: structuredClone(spec) };
      store.budgets.set(`${ns}/${name}`, made);
      emit(Kind.budgets, 'MODIFIED', made);
      return structuredClone(made);
    },
    async remove(ns, name, uid) {
      calls.push(`delete ${ns}/${name}`);
      const cur = store.budgets.get(`${ns}/${name}`);
      if (!cur) return WriteOutcome.gone;
      if (cur.metadata.uid !== uid) return WriteOutcome.conflict;
      store.budgets.delete(`${ns}/${name}`);
      emit(Kind.budgets, 'DELETED', cur);
      return WriteOutcome.done;
    },
  };
  return { api, gateway };
}

function keeper(gateway: BudgetGateway, o: { leader?: () => boolean; policy?: typeof DEFAULT_POLICY; s?: typeof settings } = {}) {
  const { logger, lines } = captureLogger('debug');
  const metrics = createMetrics();
  let flushes = 0;
  const k = new BudgetKeeper({
    gateway,
    policy: o.policy ?? DEFAULT_POLICY,
    settings: o.s ?? settings,
    isLeader: async () => (o.leader ?? (() => true))(),
    logger,
    metrics,
    schedule: () => flushes++,
    sleep: async () => undefined,
    now: () => 0,
  });
  return { k, lines, metrics, scheduled: () => flushes };
}

/** The keeper's first round: it looks at the leadership and, leading, lists the three kinds, then plans and writes. */
async function lead(k: BudgetKeeper): Promise<void> {
  await k.tick();
  await settle();
  await k.flush();
}

const budgetsIn = (api: ReturnType<typeof memoryApi>['api']) =>
  [...api.store.budgets.values()]
    .map((b) => ({ name: b.metadata.name, spec: b.spec, owner: b.metadata.ownerReferences?.[0]?.name }))
    .sort((a, b) => a.name.localeCompare(b.name));

describe('BudgetKeeper', () => {
  it('the leader lists the three kinds, then makes one budget per Deployment of 2+ replicas; the metric counts them', async () => {
    const { api, gateway } = memoryApi({ deployments: [deployment('web'), deployment('api', 'shop', 1), deployment('cart', 'shop', 2)] });
    const { k, metrics } = keeper(gateway);
    await lead(k);
    expect(budgetsIn(api)).toEqual([
      { name: 'cart-paas', owner: 'cart', spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { app: 'cart' } } } },
      { name: 'web-paas', owner: 'web', spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { app: 'web' } } } },
    ]);
    expect(await metricValue(metrics, 'paas_webhook_disruption_budgets_total', { action: 'created' })).toBe(2);
    expect(await metricValue(metrics, 'paas_webhook_disruption_budgets', {})).toBe(2);
    // A second pass has nothing to do: its own writes are in the cache already.
    k.resync();
    await k.flush();
    expect(api.calls.filter((c) => c.startsWith('create'))).toEqual(['create shop/cart-paas', 'create shop/web-paas']);
    k.stop();
  });

  it('a follower reads nothing and writes nothing', async () => {
    const { api, gateway } = memoryApi({ deployments: [deployment('web')] });
    const { k } = keeper(gateway, { leader: () => false });
    await lead(k);
    expect(api.calls).toEqual([]);
    expect(k.active).toBe(false);
  });

  it('follows the Deployment: scaled 3 → 1 deletes its budget, back to 2 makes it again, a new selector updates it', async () => {
    const { api, gateway } = memoryApi({ deployments: [deployment('web')] });
    const { k, metrics, scheduled } = keeper(gateway);
    await lead(k);
    expect(budgetsIn(api).map((b) => b.name)).toEqual(['web-paas']);

    api.put(Kind.deployments, deployment('web', 'shop', 1));
    await k.flush();
    expect(budgetsIn(api)).toEqual([]);

    api.put(Kind.deployments, deployment('web', 'shop', 2));
    await k.flush();
    expect(budgetsIn(api).map((b) => b.name)).toEqual(['web-paas']);

    const relabelled = deployment('web', 'shop', 2, {
      spec: {
        selector: { matchLabels: { app: 'web', track: 'v2' } },
        template: { metadata: { labels: { app: 'web', track: 'v2' } }, spec: { containers: [] } },
      },
    });
    api.put(Kind.deployments, relabelled);
    await k.flush();
    expect(budgetsIn(api)[0]!.spec.selector).toEqual({ matchLabels: { app: 'web', track: 'v2' } });

    expect(
      await Promise.all(['created', 'updated', 'deleted'].map((action) => metricValue(metrics, 'paas_webhook_disruption_budgets_total', { action }))),
    ).toEqual([2, 1, 1]);
    expect(scheduled()).toBeGreaterThan(0);
    k.stop();
  });

  it('a status update (every few seconds during a rollout) marks nothing', async () => {
    const { api, gateway } = memoryApi({ deployments: [deployment('web')] });
    const { k } = keeper(gateway);
    await lead(k);
    const before = api.calls.length;
    api.put(Kind.deployments, { ...deployment('web'), status: { replicas: 4, readyReplicas: 2 } });
    await k.flush();
    expect(api.calls.length).toBe(before);
    k.stop();
  });

  it("a budget of the user's that selects the pods: ours is deleted, and none is made while it stays", async () => {
    const { api, gateway } = memoryApi({ deployments: [deployment('web')] });
    const { k } = keeper(gateway);
    await lead(k);
    api.put(Kind.budgets, {
      metadata: { name: 'web-pdb', namespace: 'shop', uid: 'u-1' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
    });
    await k.flush();
    expect(budgetsIn(api).map((b) => b.name)).toEqual(['web-pdb']);
    k.resync();
    await k.flush();
    expect(api.calls.filter((c) => c.startsWith('create'))).toEqual(['create shop/web-paas']);
    k.stop();
  });

  it('its namespace switched to warn mode: ours is deleted; back to enforce: made again', async () => {
    const { api, gateway } = memoryApi({ deployments: [deployment('web')] });
    const { k } = keeper(gateway);
    await lead(k);
    api.put(Kind.namespaces, namespace('shop', { 'paas.io/mode': 'warn' }));
    await k.flush();
    expect(budgetsIn(api)).toEqual([]);
    api.put(Kind.namespaces, namespace('shop'));
    await k.flush();
    expect(budgetsIn(api).map((b) => b.name)).toEqual(['web-paas']);
    k.stop();
  });

  it('never writes in an excluded namespace, in one not yet seen, or for a Deployment opted out', async () => {
    const { api, gateway } = memoryApi({
      deployments: [
        deployment('dns', 'kube-system'),
        deployment('ghost', 'nowhere'),
        deployment('legacy', 'shop', 3, { metadata: { labels: { 'paas.io/rollout-policy': 'disabled' } } }),
      ],
      namespaces: [namespace('shop'), namespace('kube-system')],
    });
    const { k } = keeper(gateway);
    await lead(k);
    expect(api.calls.filter((c) => !c.startsWith('list'))).toEqual([]);
    k.stop();
  });

  it('a budget of that name that is not the Deployment’s: none made, one warning however often it is looked at', async () => {
    const { api, gateway } = memoryApi({
      deployments: [deployment('web')],
      budgets: [
        {
          metadata: { name: 'web-paas', namespace: 'shop', uid: 'u-9', resourceVersion: '5' },
          spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } },
        },
      ],
    });
    const { k, lines } = keeper(gateway);
    await lead(k);
    k.resync();
    await k.flush();
    expect(api.calls.filter((c) => !c.startsWith('list'))).toEqual([]);
    expect(lines.filter((l) => l.msg === 'disruption budgets: none made').map((l) => [l.deployment, l.reason])).toEqual([
      ['web', "a PodDisruptionBudget named web-paas exists and is not this Deployment's"],
    ]);
    k.stop();
  });

  it('a write the API server refuses is counted as an error and looked at again; the keeper goes on', async () => {
    const { api, gateway } = memoryApi({ deployments: [deployment('web'), deployment('cart')] });
    const refusing: BudgetGateway = {
      ...gateway,
      create: async (ns, body) => {
        if ((body.metadata as Obj).name === 'cart-paas') throw new HttpError(403, '{"message":"forbidden"}', '/apis/policy/v1');
        return gateway.create(ns, body);
      },
    };
    const { k, metrics, lines } = keeper(refusing);
    await lead(k);
    expect(budgetsIn(api).map((b) => b.name)).toEqual(['web-paas']);
    expect(await metricValue(metrics, 'paas_webhook_errors_total', { type: 'disruption-budget' })).toBe(1);
    expect(lines.some((l) => l.msg === 'disruption budgets: create failed; will look again' && l.deployment === 'cart')).toBe(true);
    k.stop();
  });

  it('a namespace being deleted: nothing written there, where a live one gets its budget; no warning', async () => {
    const leaving = { ...namespace('old'), metadata: { ...namespace('old').metadata, deletionTimestamp: '2026-12-07T10:05:00Z' } };
    const { api, gateway } = memoryApi({ deployments: [deployment('web'), deployment('web', 'old')], namespaces: [namespace('shop'), leaving] });
    const { k, metrics, lines } = keeper(gateway);
    await lead(k);
    expect(api.calls.filter((c) => !c.startsWith('list'))).toEqual(['create shop/web-paas']);
    expect(lines.filter((l) => (l.level as number) >= 40)).toEqual([]);
    expect(await metricValue(metrics, 'paas_webhook_errors_total', { type: 'disruption-budget' })).toBe(0);
    k.stop();
  });

  it('a create the API server refuses because the namespace is being deleted (its deletion not yet in the cache): no error, no warning, a debug line', async () => {
    const { api, gateway } = memoryApi({ deployments: [deployment('web'), deployment('cart')] });
    const racing: BudgetGateway = {
      ...gateway,
      create: async (ns, body) => ((body.metadata as Obj).name === 'cart-paas' ? WriteOutcome.gone : gateway.create(ns, body)),
    };
    const { k, metrics, lines } = keeper(racing);
    await lead(k);
    expect(budgetsIn(api).map((b) => b.name)).toEqual(['web-paas']);
    expect(await metricValue(metrics, 'paas_webhook_errors_total', { type: 'disruption-budget' })).toBe(0);
    expect(lines.filter((l) => (l.level as number) >= 40)).toEqual([]);
    expect(lines.some((l) => l.msg === 'disruption budgets: the namespace is being deleted; none made' && l.deployment === 'cart')).toBe(true);
    k.stop();
  });

  it('a replica that stops leading stops watching and forgets; its gauge reads 0', async () => {
    let leading = true;
    const { gateway } = memoryApi({ deployments: [deployment('web')] });
    const { k, metrics } = keeper(gateway, { leader: () => leading });
    await lead(k);
    expect(k.active).toBe(true);
    leading = false;
    await k.tick();
    expect(k.active).toBe(false);
    expect(await metricValue(metrics, 'paas_webhook_disruption_budgets', {})).toBe(0);
  });

  it('writes nothing until the three kinds are listed (a budget of the user’s not yet read must not be doubled)', async () => {
    const { api, gateway } = memoryApi({ deployments: [deployment('web')] });
    let release: () => void = () => undefined;
    const slowBudgets: BudgetGateway = {
      ...gateway,
      list: async (path) => {
        if (path === COLLECTION.budgets) await new Promise<void>((r) => (release = r));
        return gateway.list(path);
      },
    };
    const { k } = keeper(slowBudgets);
    await lead(k);
    expect(api.calls.some((c) => c.startsWith('create'))).toBe(false);
    release();
    await settle();
    await k.flush();
    expect(api.calls.some((c) => c.startsWith('create'))).toBe(true);
    k.stop();
  });
});

describe('BudgetCache', () => {
  it('keeps only what the decisions read: no status, only the policy’s annotations', () => {
    const d = deployment('web', 'shop', 3, {
      metadata: { annotations: { 'paas.io/disruption-budget': 'off', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
    });
    expect(slimDeployment(d)).toEqual({
      metadata: { name: 'web', namespace: 'shop', uid: 'uid-web', labels: { app: 'web' }, annotations: { 'paas.io/disruption-budget': 'off' } },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } } } },
    });
    expect(
      slimBudget({
        metadata: { name: 'b', namespace: 'shop', uid: 'u', resourceVersion: '7' },
        spec: { maxUnavailable: 1 },
        status: { disruptionsAllowed: 1 },
      }),
    ).toEqual({
      metadata: { name: 'b', namespace: 'shop', uid: 'u', resourceVersion: '7' },
      spec: { maxUnavailable: 1 },
    });
  });

  it.each([
    { name: 'a new Deployment', type: 'ADDED' as const, change: deployment('api'), want: 'shop' },
    { name: 'its status only', type: 'MODIFIED' as const, change: { ...deployment('web'), status: { replicas: 9 } }, want: undefined },
    { name: 'its replicas', type: 'MODIFIED' as const, change: deployment('web', 'shop', 5), want: 'shop' },
    { name: 'its deletion', type: 'DELETED' as const, change: deployment('web'), want: 'shop' },
    { name: 'the deletion of one never seen', type: 'DELETED' as const, change: deployment('other'), want: undefined },
  ])('a Deployment event, $name: marks $want', ({ type, change, want }) => {
    const c = new BudgetCache();
    c.reset(Kind.deployments, [deployment('web')]);
    expect(c.apply(Kind.deployments, type, change as JsonObject)).toBe(want);
  });

  it('a namespace keeps its labels and its deletion; the view says it is terminating', () => {
    const leaving = {
      metadata: { name: 'old', resourceVersion: '3', uid: 'x', labels: { a: 'b' }, deletionTimestamp: '2026-12-07T10:05:00Z' },
      status: { phase: 'Terminating' },
    };
    expect(slimNamespace(leaving)).toEqual({ metadata: { name: 'old', labels: { a: 'b' }, deletionTimestamp: '2026-12-07T10:05:00Z' } });
    const c = new BudgetCache();
    c.reset(Kind.namespaces, [leaving, namespace('shop')]);
    expect(c.view('old', settings).terminating).toBe(true);
    expect(c.view('shop', settings).terminating).toBe(false);
    // Its deletion arriving by watch marks the namespace for a look.
    c.reset(Kind.namespaces, [namespace('old')]);
    expect(c.view('old', settings).terminating).toBe(false);
    expect(c.apply(Kind.namespaces, 'MODIFIED', leaving)).toBe('old');
    expect(c.view('old', settings).terminating).toBe(true);
  });

  it('a budget whose status (and so resourceVersion) alone changed marks nothing', () => {
    const c = new BudgetCache();
    const b = { metadata: { name: 'web-paas', namespace: 'shop', uid: 'u', resourceVersion: '7' }, spec: { maxUnavailable: 1 } };
    c.reset(Kind.budgets, [b]);
    expect(c.apply(Kind.budgets, 'MODIFIED', { ...b, metadata: { ...b.metadata, resourceVersion: '8' }, status: { disruptionsAllowed: 0 } })).toBeUndefined();
    // …but its new resourceVersion is kept, for the next guarded write.
    expect((c.view('shop', settings).budgets[0]!.metadata as Obj).resourceVersion).toBe('8');
  });
});

describe('kubeBudgetGateway.create: what the API server answered', () => {
  const refusing = (err: Error) => kubeBudgetGateway({ call: async () => Promise.reject(err) } as unknown as KubeClient);
  const body = { metadata: { name: 'web-paas', namespace: 'old' } };

  it('403 naming the cause NamespaceTerminating (the real answer): gone, not an error', async () => {
    expect(TERMINATING.status).toBe(403);
    await expect(refusing(new HttpError(TERMINATING.status, TERMINATING.body, '/apis/policy/v1')).create('old', body)).resolves.toBe(WriteOutcome.gone);
  });

  it.each([
    // The same answer with its cause removed (RBAC's 403 names none): the error it is.
    { name: '403 without that cause', err: () => new HttpError(403, JSON.stringify({ ...JSON.parse(TERMINATING.body), details: {} }), '/apis/policy/v1') },
    { name: 'a body that is not a Status', err: () => new HttpError(403, 'forbidden', '/apis/policy/v1') },
    { name: 'that cause on another status', err: () => new HttpError(500, TERMINATING.body, '/apis/policy/v1') },
  ])('$name: thrown', async ({ err }) => {
    await expect(refusing(err()).create('old', body)).rejects.toBeInstanceOf(HttpError);
  });

  it('409: conflict', async () => {
    await expect(refusing(new HttpError(409, '{}', '/apis/policy/v1')).create('old', body)).resolves.toBe(WriteOutcome.conflict);
  });
});

describe('runInformer', () => {
  it('lists, watches from the list, resumes a watch the server ended from the last resourceVersion, and lists again after an ERROR event', async () => {
    const seen: string[] = [];
    const watchedFrom: string[] = [];
    const ctl = new AbortController();
    let round = 0;
    const lw: ListWatch = {
      list: async () => {
        seen.push('list');
        return { items: [{ metadata: { name: `a${round}` } }], resourceVersion: `${10 * (round + 1)}` };
      },
      watch: async (_p, rv, onEvent) => {
        watchedFrom.push(rv);
        round++;
        if (round === 1) onEvent({ type: 'ADDED', object: { metadata: { name: 'b', resourceVersion: '11' } } });
        if (round === 2) onEvent({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '15' } } });
        if (round === 3) onEvent({ type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old resource version' } });
        if (round === 4) ctl.abort();
      },
    };
    const errors: string[] = [];
    await runInformer(
      lw,
      '/x',
      { onList: () => seen.push('onList'), onEvent: (t, o) => seen.push(`${t} ${(o.metadata as Obj).name}`), onError: (e) => errors.push((e as Error).name) },
      ctl.signal,
      async () => undefined,
    );
    expect(seen).toEqual(['list', 'onList', 'ADDED b', 'list', 'onList']);
    expect(watchedFrom).toEqual(['10', '11', '15', '40']);
    expect(errors).toEqual(['WatchExpired']);
  });

  it('a failed list is said and tried again after a pause that doubles up to 30 s', async () => {
    const ctl = new AbortController();
    const pauses: number[] = [];
    let n = 0;
    const lw: ListWatch = {
      list: async () => {
        if (++n > 7) ctl.abort();
        throw new HttpError(500, '{}', '/x');
      },
      watch: async () => undefined,
    };
    await runInformer(
      lw,
      '/x',
      { onList: () => undefined, onEvent: () => undefined, onError: () => undefined },
      ctl.signal,
      async (ms) => void pauses.push(ms),
    );
    expect(pauses).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect([1, 2, 6, 7].map(relistPauseMs)).toEqual([1000, 2000, 30000, 30000]);
  });
});

describe('sharedRounds', () => {
  it('one election round for every asker within the interval; a failed round is not remembered', async () => {
    let now = 0;
    let rounds = 0;
    let fail = false;
    const ask = sharedRounds(
      async () => {
        rounds++;
        if (fail) throw new Error('apiserver down');
        return true;
      },
      5000,
      () => now,
    );
    await Promise.all([ask(), ask()]);
    now = 4999;
    await ask();
    expect(rounds).toBe(1);
    now = 5000;
    fail = true;
    await expect(ask()).rejects.toThrow('apiserver down');
    fail = false;
    await ask();
    expect(rounds).toBe(3);
  });
});
