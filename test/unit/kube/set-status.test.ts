// Where a StatefulSet's or DaemonSet's rollout stands, held to kubectl's own test cases for its
// StatefulSetStatusViewer and DaemonSetStatusViewer (k8s.io/kubectl v0.37.2,
// pkg/polymorphichelpers/rollout_status_test.go): each row is one of kubectl's, with the same
// object (kubectl's newStatefulSet(3) for the StatefulSets: 3 replicas, RollingUpdate) and the
// message and done flag kubectl expects, less the message's final newline.
import { describe, expect, it } from 'vitest';
import { daemonSetProgress, statefulSetProgress, type SetProgress } from '../../../plugin/kube/set-status.js';
import type { DaemonSet, StatefulSet } from '../../../plugin/kube/objects.js';

type Strategy = NonNullable<StatefulSet['spec']>['updateStrategy'];

/** kubectl's newStatefulSet(3), with the row's generation, strategy and status. */
function statefulSet(generation: number, updateStrategy: Strategy, status: StatefulSet['status']): StatefulSet {
  return {
    metadata: { name: 'foo', namespace: 'default', labels: { a: 'b' }, ...(generation ? { generation } : {}) },
    spec: {
      replicas: 3,
      podManagementPolicy: 'OrderedReady',
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'test', image: 'test_image', imagePullPolicy: 'IfNotPresent' }] } },
      updateStrategy,
    },
    status,
  };
}

/** What kubectl's Status returns: its message and done flag, or its error. */
function asKubectl(p: SetProgress): { msg: string; done: boolean; err: boolean } {
  if ('refused' in p) return { msg: '', done: true, err: true };
  return { msg: `${p.message}\n`, done: p.done, err: false };
}

describe("statefulSetProgress holds kubectl's TestStatefulSetStatusViewerStatus", () => {
  const partition2 = { type: 'RollingUpdate', rollingUpdate: { partition: 2 } };
  it.each([
    {
      name: 'on delete returns an error',
      sts: statefulSet(1, { type: 'OnDelete' }, { observedGeneration: 1, replicas: 0, readyReplicas: 1, currentReplicas: 0, updatedReplicas: 0 }),
      want: { msg: '', done: true, err: true },
    },
    {
      name: 'unobserved update is not complete',
      sts: statefulSet(2, { type: 'RollingUpdate' }, { observedGeneration: 1, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 0 }),
      want: { msg: 'Waiting for statefulset spec update to be observed...\n', done: false, err: false },
    },
    {
      name: 'if all pods are not ready the update is not complete',
      sts: statefulSet(1, { type: 'RollingUpdate' }, { observedGeneration: 2, replicas: 3, readyReplicas: 2, currentReplicas: 3, updatedReplicas: 0 }),
      want: { msg: 'Waiting for 1 pods to be ready...\n', done: false, err: false },
    },
    {
      name: 'partition update completes when all replicas above the partition are updated',
      sts: statefulSet(1, partition2, { observedGeneration: 2, replicas: 3, readyReplicas: 3, currentReplicas: 2, updatedReplicas: 1 }),
      want: { msg: 'partitioned roll out complete: 1 new pods have been updated...\n', done: true, err: false },
    },
    {
      // kubectl's row says done: true, but its check is one way (`done && !test.done` fails), and
      // its viewer returns false here: the partition still waits for a pod.
      name: 'partition update is in progress if all pods above the partition have not been updated',
      sts: statefulSet(1, partition2, { observedGeneration: 2, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 0 }),
      want: { msg: 'Waiting for partitioned roll out to finish: 0 out of 1 new pods have been updated...\n', done: false, err: false },
    },
    {
      name: 'update completes when all replicas are current',
      sts: statefulSet(
        1,
        { type: 'RollingUpdate' },
        { observedGeneration: 2, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: 'foo', updateRevision: 'foo' },
      ),
      want: { msg: 'statefulset rolling update complete 3 pods at revision foo...\n', done: true, err: false },
    },
  ])('$name', ({ sts, want }) => {
    expect(asKubectl(statefulSetProgress(sts))).toEqual(want);
  });
});

/** kubectl's DaemonSet of its tests: RollingUpdate, the row's generation and status. */
function daemonSet(generation: number, status: DaemonSet['status'], type = 'RollingUpdate'): DaemonSet {
  return {
    metadata: { namespace: 'bar', name: 'foo', uid: '8764ae47-9092-11e4-8393-42010af018ff', ...(generation ? { generation } : {}) },
    spec: { updateStrategy: { type } },
    status,
  };
}

describe("daemonSetProgress holds kubectl's TestDaemonSetStatusViewerStatus", () => {
  it.each([
    {
      name: 'test1',
      ds: daemonSet(0, { observedGeneration: 1, updatedNumberScheduled: 0, desiredNumberScheduled: 1, numberAvailable: 0 }),
      want: { msg: 'Waiting for daemon set "foo" rollout to finish: 0 out of 1 new pods have been updated...\n', done: false, err: false },
    },
    {
      name: 'test2',
      ds: daemonSet(1, { observedGeneration: 1, updatedNumberScheduled: 2, desiredNumberScheduled: 2, numberAvailable: 1 }),
      want: { msg: 'Waiting for daemon set "foo" rollout to finish: 1 of 2 updated pods are available...\n', done: false, err: false },
    },
    {
      name: 'test3',
      ds: daemonSet(1, { observedGeneration: 1, updatedNumberScheduled: 2, desiredNumberScheduled: 2, numberAvailable: 2 }),
      want: { msg: 'daemon set "foo" successfully rolled out\n', done: true, err: false },
    },
    {
      name: 'test4',
      ds: daemonSet(2, { observedGeneration: 1, updatedNumberScheduled: 2, desiredNumberScheduled: 2, numberAvailable: 2 }),
      want: { msg: 'Waiting for daemon set spec update to be observed...\n', done: false, err: false },
    },
  ])('$name', ({ ds, want }) => {
    expect(asKubectl(daemonSetProgress(ds))).toEqual(want);
  });

  it("TestDaemonSetStatusViewerStatusWithWrongUpdateStrategyType: OnDelete is refused with kubectl's words", () => {
    expect(daemonSetProgress(daemonSet(0, {}, 'OnDelete'))).toEqual({ refused: 'rollout status is only available for RollingUpdate strategy type' });
  });
});
