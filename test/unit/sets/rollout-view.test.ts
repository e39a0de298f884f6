// `rollout status` of StatefulSets and DaemonSets on snapshots in the API server's shapes: the
// message is kubectl's viewer's wherever kubectl answers (each fixture's `viewer`), and on top the
// current revision's pods are named, and a rollout whose every current pod is stuck on a permanent
// error fails at once, as for Deployments.
import { describe, expect, it } from 'vitest';
import { setRolloutStatus, type SetObject } from '../../../plugin/rollout/set-view.js';
import type { RolloutView } from '../../../plugin/rollout/status.js';
import { daemonSetFixture, DAEMONSETS, statefulSetFixture, STATEFULSETS } from './fixtures.js';

function viewOf(name: string): { view: RolloutView | { refused: string }; viewer: string } {
  if ((STATEFULSETS as readonly string[]).includes(name)) {
    const f = statefulSetFixture(name as (typeof STATEFULSETS)[number]);
    const set: SetObject = { kind: 'StatefulSet', object: f.snapshot.statefulSet };
    return { view: setRolloutStatus(set, f.snapshot.revisions, f.snapshot.pods, f.now.getTime()), viewer: f.viewer };
  }
  const f = daemonSetFixture(name as (typeof DAEMONSETS)[number]);
  return {
    view: setRolloutStatus({ kind: 'DaemonSet', object: f.snapshot.daemonSet }, f.snapshot.revisions, f.snapshot.pods, f.now.getTime()),
    viewer: f.viewer,
  };
}

/** The captured DaemonSet's one Pending pod, the new one that cannot start (its name has a random suffix). */
function pendingPod(name: (typeof DAEMONSETS)[number]): string {
  return daemonSetFixture(name).snapshot.pods.find((p) => p.status?.phase === 'Pending')!.metadata.name;
}

describe('setRolloutStatus', () => {
  it.each([
    {
      name: 'sts-crashloop-ordinal',
      want: { state: 'InProgress', reason: 'WaitingForReady', revision: 2, problems: [['db-2', 'CrashLoopBackOff', false]] },
    },
    {
      name: 'sts-image-not-found',
      want: { state: 'Failed', reason: 'ImagePullBackOff', revision: 2, problems: [['db-2', 'ImagePullBackOff', true]] },
    },
    // A new StatefulSet: its one ControllerRevision is revision 1.
    { name: 'sts-claim-pending', want: { state: 'InProgress', reason: 'WaitingForReady', revision: 1, problems: [['db-0', 'Unschedulable', false]] } },
    { name: 'sts-rolled-out', want: { state: 'Completed', reason: 'RolledOut', revision: 2, problems: [] } },
    // maxUnavailable 1: the new pod waits on one node, the other keeps the old one (kubectl: 1 out of 2 new pods updated).
    { name: 'ds-unfit', want: { state: 'InProgress', reason: 'UpdatingReplicas', revision: 2, problems: [[pendingPod('ds-unfit'), 'Unschedulable', false]] } },
    // Captured in the kubelet's back-off between two pulls.
    {
      name: 'ds-image-not-found',
      want: { state: 'Failed', reason: 'ImagePullBackOff', revision: 2, problems: [[pendingPod('ds-image-not-found'), 'ImagePullBackOff', true]] },
    },
  ])('$name: $want.state ($want.reason)', ({ name, want }) => {
    const { view, viewer } = viewOf(name);
    if ('refused' in view) throw new Error(view.refused);
    expect({
      state: view.rollout_status,
      reason: view.reason,
      revision: view.revision,
      problems: view.podProblems.map((p) => [p.pod, p.reason, p.permanent]),
    }).toEqual(want);
    // kubectl's words wherever kubectl answers (it waits where this fails at once).
    if (view.rollout_status !== 'Failed') expect(view.message).toBe(viewer);
  });

  it('fails a StatefulSet whose updated pod cannot pull, in the words of a Deployment that cannot', () => {
    const { view } = viewOf('sts-image-not-found');
    const db2 = statefulSetFixture('sts-image-not-found').snapshot.pods.find((p) => p.metadata.name === 'db-2')!;
    const waiting = db2.status!.containerStatuses![0]!.state!.waiting!;
    expect(waiting.message).toContain('failed to resolve image: paas.local/testapp:1.0.1-typo: not found');
    expect((view as RolloutView).message).toBe(`statefulset "db" failed: the new pod is stuck on ImagePullBackOff: ${waiting.message}`);
  });

  it("has the Deployment view's shape with its kind, a StatefulSet's partition and no ReplicaSets", () => {
    const { view } = viewOf('sts-rolled-out');
    expect(view).toMatchObject({
      kind: 'StatefulSet',
      name: 'db',
      namespace: 'capture-sts-rolled-out',
      id: null,
      status: 'ready',
      paused: false,
      generation: { desired: 2, observed: 2 },
      images: ['paas.local/testapp:2'],
      // Applied with `updateStrategy: {type: RollingUpdate}` and no rollingUpdate block, which the
      // API server leaves out: no partition (kubectl: "statefulset rolling update complete").
      strategy: { type: 'RollingUpdate', maxSurge: null, maxUnavailable: null, partition: null },
      replicas: { desired: 3, updated: 3, ready: 3, available: 3, unavailable: 0, oldPending: 0 },
      deadline: null,
      replicaSets: [],
    });
    expect(Object.keys(view).slice(0, 8)).toEqual(['kind', 'name', 'namespace', 'id', 'status', 'rollout_status', 'reason', 'message']);
  });

  it("counts a DaemonSet's pods as kubectl's DaemonSetStatusViewer does", () => {
    const { view } = viewOf('ds-unfit');
    expect(view).toMatchObject({
      kind: 'DaemonSet',
      strategy: { type: 'RollingUpdate', maxSurge: 0, maxUnavailable: 1 },
      // kubectl: "1 out of 2 new pods have been updated"; the other node keeps its pod of revision 1.
      replicas: { desired: 2, updated: 1, ready: 1, available: 1, unavailable: 1, oldPending: 1 },
    });
  });

  it("refuses OnDelete in kubectl's words", () => {
    const { view, viewer } = viewOf('sts-ondelete');
    expect(view).toEqual({ refused: 'rollout status is only available for RollingUpdate strategy type' });
    expect(`error: ${(view as { refused: string }).refused}`).toBe(viewer);
  });
});

describe('renderDetail of a StatefulSet or DaemonSet', () => {
  it('names the kind, the strategy with its defaults, and the pods of an earlier revision', async () => {
    const { renderDetail } = await import('../../../plugin/rollout/printer.js');
    const { view } = viewOf('sts-crashloop-ordinal');
    expect(
      renderDetail(view as RolloutView)
        .split('\n')
        .slice(0, 6),
    ).toEqual([
      'statefulset capture-sts-crashloop-ordinal/db  InProgress (deploying)  revision 2  deploy-id -',
      '  Waiting for 1 pods to be ready...',
      // The crash comes from the args (-exit-code 1), not from the image.
      '  images:    paas.local/testapp:1',
      '  strategy:  RollingUpdate partition=0 maxUnavailable=1',
      '  deadline:  -',
      '  replicas:  3 desired, 1 updated, 2 ready, 2 available, 1 unavailable, 2 of an earlier revision',
    ]);
  });
});
