// The request plan of gather(): what it asks the API server for, checked against a recording
// Rest that answers from a fixture. (The real API server is exercised by test/e2e/diagnose.test.ts.)
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, gather, logWanted } from '../../../plugin/diagnose/gather.js';
import { diagnose } from '../../../plugin/diagnose/analyse.js';
import { HttpError, type Rest } from '../../../plugin/kube/rest.js';
import type { Snapshot } from '../../../plugin/diagnose/model.js';
import { loadFixture } from './fixtures.js';

type Query = Record<string, string | undefined>;

/** The one events list not by object: the kubelet's FailedPreStopHook events, which outlive their pods. */
const HOOK_EVENTS = 'involvedObject.kind=Pod,reason=FailedPreStopHook';

function recordingRest(s: Snapshot, pageSize = 500): { rest: Rest; calls: { path: string; query: Query }[] } {
  const calls: { path: string; query: Query }[] = [];
  const page = <T>(items: T[], q: Query) => {
    const from = Number(q.continue ?? 0);
    const limit = Number(q.limit ?? pageSize);
    const next = from + limit < items.length ? String(from + limit) : undefined;
    return { items: items.slice(from, from + limit), metadata: next ? { continue: next } : {} };
  };
  const podMatches = (labels: Record<string, string>, selector: string) =>
    selector.split(',').every((term) => {
      const ne = /^([^!=]+)!=(.*)$/.exec(term);
      if (ne) return labels[ne[1]!] !== ne[2];
      const eq = /^([^=]+)=(.*)$/.exec(term);
      return eq ? labels[eq[1]!] === eq[2] : true;
    });
  const rest: Rest = {
    async get<T>(path: string, query: Query = {}): Promise<T> {
      calls.push({ path, query });
      if (/\/deployments\/[^/]+$/.test(path)) return s.deployment as T;
      if (path.endsWith('/replicasets')) return page(s.replicaSets, query) as T;
      if (path.endsWith('/resourcequotas')) return page(s.quotas, query) as T;
      if (path === '/api/v1/nodes' && query.fieldSelector === 'spec.unschedulable=true')
        return page(
          [...(s.cordoned ?? []), ...(s.nodes ?? [])].filter((n) => n.spec?.unschedulable),
          query,
        ) as T;
      if (path === '/api/v1/nodes') return page(s.nodes ?? [], query) as T;
      if (path.endsWith('/poddisruptionbudgets')) return page(s.budgets ?? [], query) as T;
      if (path.endsWith('/pods'))
        return page(
          s.pods.filter((p) => podMatches(p.metadata.labels ?? {}, query.labelSelector ?? '')),
          query,
        ) as T;
      if (path.endsWith('/events')) {
        if (query.fieldSelector === HOOK_EVENTS)
          return page(
            s.events.filter((e) => e.involvedObject.kind === 'Pod' && e.reason === 'FailedPreStopHook'),
            query,
          ) as T;
        const uid = /^involvedObject\.uid=(.+)$/.exec(query.fieldSelector ?? '')?.[1];
        return page(
          s.events.filter((e) => e.involvedObject.uid === uid),
          query,
        ) as T;
      }
      throw new Error(`unexpected GET ${path}`);
    },
    async getText(path: string, query: Query = {}): Promise<string> {
      calls.push({ path, query });
      const pod = /\/pods\/([^/]+)\/log$/.exec(path)?.[1];
      const log = s.logs?.find((l) => l.pod === pod && l.container === query.container && l.previous === (query.previous === 'true'));
      if (!log) throw new Error(`no log of ${pod}/${query.container}`);
      return log.lines.map((l) => `${l}\n`).join('');
    },
    watch: () => Promise.reject(new Error('gather never watches')),
    async stream() {},
    patch: () => Promise.reject(new Error('gather never writes')),
    close() {},
  };
  return { rest, calls };
}

describe('gather', () => {
  it('asks for events only by involved object uid, pods only by label selector', async () => {
    const { snapshot } = loadFixture('image-not-found');
    const { rest, calls } = recordingRest(snapshot);
    const got = await gather(rest, 'shop', 'web', { timeline: true });
    const events = calls.filter((c) => c.path.endsWith('/events'));
    expect(events.length).toBeGreaterThan(0);
    for (const c of events) expect(c.query.fieldSelector).toMatch(/^involvedObject\.uid=[0-9a-f-]+$/); // one ReplicaSet: no earlier rollout's hooks to read
    for (const c of calls.filter((x) => x.path.endsWith('/pods'))) expect(c.query.labelSelector).toMatch(/^app=web,pod-template-hash(!=|=)7d4f8b9c6$/);
    expect(calls.some((c) => c.path === '/api/v1/nodes')).toBe(false);
    // Everything the fixture holds about this rollout comes back.
    expect(got.events).toHaveLength(snapshot.events.length);
    expect(got.pods.map((p) => p.metadata.name).sort()).toEqual(snapshot.pods.map((p) => p.metadata.name).sort());
  });

  it('reads nodes only when a new pod cannot be scheduled', async () => {
    const { snapshot } = loadFixture('unschedulable-cpu');
    const { rest, calls } = recordingRest(snapshot);
    const got = await gather(rest, 'shop', 'web');
    expect(calls.filter((c) => c.path === '/api/v1/nodes')).toHaveLength(1);
    expect(got.nodes).toHaveLength(3);
  });

  it('follows continue tokens so every event of an object is read, not only the first page', async () => {
    const { snapshot } = loadFixture('image-not-found');
    const { rest, calls } = recordingRest(snapshot);
    const got = await gather(rest, 'shop', 'web', { timeline: true }, { ...DEFAULT_LIMITS, podEventQueries: 40, perKind: 3, concurrency: 2, pageSize: 2 });
    expect(got.events).toHaveLength(snapshot.events.length);
    expect(calls.some((c) => c.path.endsWith('/events') && c.query.continue)).toBe(true);
  });

  it('reads events of a few pods of each kind of failure, and the analysis extends their findings to the rest', async () => {
    const { snapshot, now } = loadFixture('image-not-found');
    const { rest, calls } = recordingRest(snapshot);
    const got = await gather(rest, 'shop', 'web', { timeline: false }, { ...DEFAULT_LIMITS, podEventQueries: 12, perKind: 1, concurrency: 8, pageSize: 500 });
    const podUids = new Set(snapshot.pods.map((p) => p.metadata.uid));
    const podEventCalls = calls.filter((c) => c.path.endsWith('/events') && podUids.has(c.query.fieldSelector!.split('=')[1]));
    expect(podEventCalls).toHaveLength(1); // the three pods fail alike
    expect(got.sampled).toEqual({ pods: ['web-7d4f8b9c6-x2k4p'], of: 3 });
    const d = diagnose(got, now);
    expect(d.findings.map((f) => f.summary)).toEqual(['3/3 new pods: ImagePullBackOff (manifest unknown)']);
    expect(d.notes[0]).toMatch(/^events read for 1 of the 3 pods that need a look/);
  });

  it('without --events, reads events only of what can explain a stuck rollout', async () => {
    // Each events list costs a scan of the namespace's events in etcd (no watch cache for events).
    const { snapshot } = loadFixture('image-not-found');
    const { rest, calls } = recordingRest(snapshot);
    await gather(rest, 'shop', 'web');
    const uids = calls
      .filter((c) => c.path.endsWith('/events'))
      .map((c) => c.query.fieldSelector!.split('=')[1])
      .sort();
    expect(uids).toEqual(snapshot.pods.map((p) => p.metadata.uid).sort()); // the three failing pods, not the Deployment or its ReplicaSet
    // A finished rollout: the FailedPreStopHook events (a hook that failed as the old pods went),
    // and one ready new pod's own (web-7d4f8b9c6-x2k4p): what only events say of a running pod.
    const healthy = recordingRest(loadFixture('healthy').snapshot);
    await gather(healthy.rest, 'shop', 'web');
    expect(
      healthy.calls
        .filter((c) => c.path.endsWith('/events'))
        .map((c) => c.query.fieldSelector)
        .sort(),
    ).toEqual([HOOK_EVENTS, 'involvedObject.uid=7c1e0a2b-1111-4aaa-9bbb-000000000001'].sort());
  });

  it("reads the ReplicaSet's events when it is short of pods (FailedCreate)", async () => {
    const { snapshot } = loadFixture('quota-exceeded');
    const { rest, calls } = recordingRest(snapshot);
    const got = await gather(rest, 'shop', 'web');
    expect(calls.filter((c) => c.path.endsWith('/events')).map((c) => c.query.fieldSelector)).toEqual([
      `involvedObject.uid=${snapshot.replicaSets[1]!.metadata.uid}`,
      HOOK_EVENTS,
    ]);
    expect(got.events.map((e) => e.reason)).toEqual(['FailedCreate']);
  });

  it('reads old pods while old ReplicaSets exist, even at 0 replicas (they do not count pods stuck terminating), none with no old ReplicaSet', async () => {
    const { snapshot } = loadFixture('healthy');
    const { rest, calls } = recordingRest(snapshot);
    await gather(rest, 'shop', 'web');
    const hash = snapshot.replicaSets.find(
      (r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === snapshot.deployment.metadata.annotations?.['deployment.kubernetes.io/revision'],
    )!.metadata.labels!['pod-template-hash'];
    expect(
      calls
        .filter((c) => c.path.endsWith('/pods'))
        .map((c) => c.query.labelSelector)
        .sort(),
    ).toEqual([`app=web,pod-template-hash!=${hash}`, `app=web,pod-template-hash=${hash}`]);
    const single = recordingRest(loadFixture('image-not-found').snapshot);
    await gather(single.rest, 'shop', 'web');
    expect(single.calls.filter((c) => c.path.endsWith('/pods')).map((c) => c.query.labelSelector)).toEqual(['app=web,pod-template-hash=7d4f8b9c6']);
  });

  it('reads the FailedPreStopHook events of pods already gone, of this Deployment only', async () => {
    const { snapshot } = loadFixture('healthy');
    const old = snapshot.replicaSets.find((r) => r !== snapshot.replicaSets.at(-1))!;
    const hook = (pod: string, uid: string) => ({
      metadata: { name: `${pod}.1`, namespace: 'shop', uid },
      involvedObject: { kind: 'Pod', name: pod, namespace: 'shop', uid: `pod-${uid}` },
      reason: 'FailedPreStopHook',
      message: 'PreStopHook failed',
      type: 'Warning',
      count: 1,
    });
    const events = [...snapshot.events, hook(`${old.metadata.name}-abcde`, 'e1'), hook('other-5c8d7f9b6-fghij', 'e2')];
    const { rest } = recordingRest({ ...snapshot, events });
    const got = await gather(rest, 'shop', 'web');
    expect(got.events.filter((e) => e.reason === 'FailedPreStopHook').map((e) => e.involvedObject.name)).toEqual([`${old.metadata.name}-abcde`]);
  });

  it.each([
    {
      name: 'a budget holding pods of the Deployment (0 disruptions): the cordoned nodes are read, with one field-selected list',
      fixture: 'real/drain-blocked',
      nodeLists: [{ fieldSelector: 'spec.unschedulable=true', limit: '500' }],
      cordoned: ['paas-node-2'],
    },
    {
      name: 'one replica, no budget: the cordoned nodes are read',
      fixture: 'real/drain-single-replica',
      nodeLists: [{ fieldSelector: 'spec.unschedulable=true', limit: '500' }],
      cordoned: ['paas-node-2'],
    },
    { name: 'three replicas, no budget: only the budgets are read, no node', fixture: 'image-not-found', nodeLists: [], cordoned: undefined },
  ])('drains: $name', async ({ fixture, nodeLists, cordoned }) => {
    const { snapshot } = loadFixture(fixture);
    const { namespace, name } = snapshot.deployment.metadata;
    const { rest, calls } = recordingRest(snapshot);
    const got = await gather(rest, namespace!, name);
    expect(calls.filter((c) => c.path === `/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets`).map((c) => c.query)).toEqual([{ limit: '500' }]);
    expect(calls.filter((c) => c.path === '/api/v1/nodes').map((c) => c.query)).toEqual(nodeLists);
    expect(got.cordoned?.map((n) => n.metadata.name)).toEqual(cordoned);
  });

  it('drains: budgets and nodes it may not read (a namespaced user) leave those findings out, and the rest is read', async () => {
    const { snapshot } = loadFixture('real/drain-blocked');
    const { namespace, name } = snapshot.deployment.metadata;
    const { rest } = recordingRest(snapshot);
    const forbidden: Rest = {
      ...rest,
      get: <T>(path: string, query?: Query) =>
        path.includes('poddisruptionbudgets') || path === '/api/v1/nodes'
          ? Promise.reject(new HttpError(403, '{"message":"forbidden"}', path))
          : rest.get<T>(path, query),
    };
    const got = await gather(forbidden, namespace!, name);
    expect([got.budgets, got.cordoned, got.pods.length]).toEqual([undefined, undefined, snapshot.pods.length]);
  });

  it('refuses a pod the API server sent without metadata.name, naming what is missing', async () => {
    const { snapshot } = loadFixture('image-not-found');
    const [first, ...rest] = snapshot.pods;
    const nameless = { ...first!, metadata: { ...first!.metadata, name: undefined } } as unknown as Snapshot['pods'][number];
    const { rest: api } = recordingRest({ ...snapshot, pods: [nameless, ...rest] });
    await expect(gather(api, 'shop', 'web')).rejects.toThrow('the API server returned a Pod without metadata.name');
  });
});

describe('logWanted: which log of a container says why it is not ready', () => {
  it.each([
    { name: 'never ran (waiting, no restart)', cs: { name: 'app', state: { waiting: { reason: 'ContainerCreating' } }, restartCount: 0 }, want: undefined },
    { name: 'running, not ready', cs: { name: 'app', state: { running: {} }, ready: false, restartCount: 0 }, want: { previous: false } },
    { name: 'running and ready, never restarted', cs: { name: 'app', state: { running: {} }, ready: true, restartCount: 0 }, want: undefined },
    // Running again after exits, ready or not: the run that ended says why it exited.
    { name: 'running and ready after restarts', cs: { name: 'app', state: { running: {} }, ready: true, restartCount: 2 }, want: { previous: true } },
    { name: 'in back-off after a crash', cs: { name: 'app', state: { waiting: { reason: 'CrashLoopBackOff' } }, restartCount: 3 }, want: { previous: true } },
    // The kubelet keeps one dead instance: the run before the terminated one may be gone.
    { name: 'terminated, behind a back-off', cs: { name: 'app', state: { terminated: { exitCode: 1 } }, restartCount: 3 }, want: { previous: false } },
    { name: 'restarted, running, not ready', cs: { name: 'app', state: { running: {} }, ready: false, restartCount: 1 }, want: { previous: true } },
  ])('$name', ({ cs, want }) => {
    expect(logWanted(cs)).toEqual(want);
  });
});
