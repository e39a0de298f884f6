// The request plan of a StatefulSet's and a DaemonSet's reads: pods and ControllerRevisions by the
// set's selector, events only by object uid and only where they can explain something, claims by
// name only for pods that wait, nodes only when a pod is not scheduled.
import { describe, expect, it } from 'vitest';
import { gatherDaemonSet, gatherStatefulSet } from '../../../plugin/diagnose/gather-sets.js';
import { diagnoseDaemonSet, diagnoseStatefulSet } from '../../../plugin/diagnose/analyse-sets.js';
import { heldRest, place, type Held } from '../diagnose/fleet-cluster.js';
import { daemonSetFixture, statefulSetFixture } from './fixtures.js';

const held = (): Held => ({ objects: {}, nodes: [] });

describe('gatherStatefulSet', () => {
  it("reads the waiting pod's claim by name, its events by uid, the set's own events since it lacks pods, and every node", async () => {
    const f = statefulSetFixture('sts-claim-pending');
    const h = held();
    place(h, 'data', f.snapshot);
    const { rest, calls } = heldRest(h);
    const sts = h.objects.statefulsets![0] as typeof f.snapshot.statefulSet;
    const s = await gatherStatefulSet(rest, sts);
    expect(calls.map((c) => c.path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, '<uid>') + (c.query.labelSelector ? `?${c.query.labelSelector}` : ''))).toEqual([
      '/api/v1/namespaces/data/pods?app=db',
      '/apis/apps/v1/namespaces/data/controllerrevisions?app=db',
      '/api/v1/namespaces/data/resourcequotas',
      '/api/v1/namespaces/data/events',
      '/api/v1/namespaces/data/events',
      '/api/v1/nodes',
      '/api/v1/namespaces/data/persistentvolumeclaims/data-db-0',
      '/api/v1/namespaces/data/events',
    ]);
    for (const c of calls.filter((x) => x.path.endsWith('/events'))) expect(c.query.fieldSelector).toMatch(/^involvedObject\.uid=[0-9a-f-]+$/);
    // What it read is enough to name the same causes as the whole snapshot.
    expect(diagnoseStatefulSet(s, f.now).findings.map((x) => x.code)).toEqual(['VolumeClaimPending', 'Unschedulable', 'OrdinalNotReady']);
  });

  it("reads no claim, only the not-ready pod's node by name, and not the set's events when every pod runs and the set has them all", async () => {
    const f = statefulSetFixture('sts-crashloop-ordinal');
    const h = held();
    place(h, 'data', f.snapshot);
    const { rest, calls } = heldRest(h);
    const s = await gatherStatefulSet(rest, h.objects.statefulsets![0] as typeof f.snapshot.statefulSet);
    const notReady = f.snapshot.pods.find((p) => p.metadata.name === 'db-2')!;
    expect(calls.filter((c) => /persistentvolumeclaims|nodes/.test(c.path)).map((c) => c.path)).toEqual([`/api/v1/nodes/${notReady.spec!.nodeName!}`]);
    const eventUids = calls.filter((c) => c.path.endsWith('/events')).map((c) => c.query.fieldSelector);
    expect(eventUids).toHaveLength(1);
    expect(diagnoseStatefulSet(s, f.now).findings.map((x) => x.code)).toEqual(['CrashLoop', 'OrdinalNotReady']);
  });
});

describe('gatherDaemonSet', () => {
  it('reads the nodes when a pod is not scheduled, and names the node it does not fit', async () => {
    const f = daemonSetFixture('ds-unfit');
    const h = held();
    place(h, 'ops', f.snapshot);
    const { rest, calls } = heldRest(h);
    const s = await gatherDaemonSet(rest, h.objects.daemonsets![0] as typeof f.snapshot.daemonSet);
    expect(calls.some((c) => c.path === '/api/v1/nodes')).toBe(true);
    expect(s.nodes?.map((n) => n.metadata.name)).toEqual(f.snapshot.nodes!.map((n) => n.metadata.name));
    expect(diagnoseDaemonSet(s, f.now).findings[0]!.details).toMatchObject({ targetNodes: ['paas-node'] });
  });
});
