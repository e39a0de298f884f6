// `diagnose` of StatefulSets and DaemonSets on snapshots in the API server's shapes: every pod
// cause a Deployment's pods can have, found on a set's pods by the same detectors, and what only
// sets have (an ordinal the StatefulSet waits on, a claim that does not bind, a DaemonSet pod that
// does not fit on its node, OnDelete's old pods).
import { describe, expect, it } from 'vitest';
import { diagnoseDaemonSet, diagnoseStatefulSet } from '../../../plugin/diagnose/analyse-sets.js';
import type { Diagnosis } from '../../../plugin/diagnose/diagnosis.js';
import { DIAGNOSIS_SCHEMA, diagnosisDocument, diagnosisText } from '../../../plugin/diagnose/print.js';
import { daemonSetFixture, DAEMONSETS, statefulSetFixture, STATEFULSETS } from './fixtures.js';
import { validate, type Schema } from '../diagnose/schema-check.js';

function diagnosisOf(name: string): Diagnosis {
  if ((STATEFULSETS as readonly string[]).includes(name)) {
    const f = statefulSetFixture(name as (typeof STATEFULSETS)[number]);
    return diagnoseStatefulSet(f.snapshot, f.now);
  }
  const f = daemonSetFixture(name as (typeof DAEMONSETS)[number]);
  return diagnoseDaemonSet(f.snapshot, f.now);
}

const crashloop = statefulSetFixture('sts-crashloop-ordinal').snapshot;
const unfit = daemonSetFixture('ds-unfit').snapshot;

describe('diagnose of a StatefulSet or DaemonSet', () => {
  it.each([
    {
      name: 'sts-crashloop-ordinal',
      verdict: 'Problems',
      codes: ['CrashLoop', 'OrdinalNotReady'],
      root: '1/3 pods: CrashLoopBackOff (last exit: Error, exit code 1)',
    },
    {
      name: 'sts-image-not-found',
      verdict: 'Problems',
      codes: ['ImagePullFailed', 'OrdinalNotReady'],
      root: '1/3 pods: ImagePullBackOff (not found)',
    },
    {
      name: 'sts-claim-pending',
      verdict: 'Problems',
      codes: ['VolumeClaimPending', 'Unschedulable', 'OrdinalNotReady'],
      root: '1 volume claim(s) not bound: data-db-0 Pending (ProvisioningFailed: storageclass.storage.k8s.io "fast" not found)',
    },
    { name: 'sts-rolled-out', verdict: 'Healthy', codes: ['Healthy'], root: 'successfully rolled out: 3/3 pods available on revision 2' },
    {
      name: 'sts-ondelete',
      verdict: 'Healthy',
      codes: ['UpdateOnDelete', 'Healthy'],
      root: 'updateStrategy OnDelete: 2 pod(s) still run the previous template until deleted',
    },
    {
      name: 'ds-unfit',
      verdict: 'Problems',
      codes: ['DaemonPodUnschedulable'],
      root: '1/2 pods: Pending: does not fit on its node paas-node (1 Insufficient cpu)',
    },
    { name: 'ds-image-not-found', verdict: 'Problems', codes: ['ImagePullFailed'], root: '1/2 pods: ImagePullBackOff (not found)' },
  ])('$name: $verdict, $codes', ({ name, verdict, codes, root }) => {
    const d = diagnosisOf(name);
    expect({ verdict: d.verdict, codes: d.findings.map((f) => f.code), root: d.findings[0]!.summary }).toEqual({ verdict, codes, root });
  });

  it('names the ordinal the StatefulSet waits on, what holds it, and the ordinals behind it', () => {
    const f = diagnosisOf('sts-crashloop-ordinal').findings.find((x) => x.code === 'OrdinalNotReady')!;
    expect(f.details).toEqual({ pod: 'db-2', ordinal: 2, podManagementPolicy: 'OrderedReady', cause: 'CrashLoop', waiting: [0, 1] });
    expect(f.explanation).toContain('kubectl delete pod db-2');
    const ns = crashloop.statefulSet.metadata.namespace!;
    expect(f.suggestions).toEqual([`kubectl describe pod db-2 -n ${ns}`, `kubectl delete pod db-2 -n ${ns}`]);
  });

  it("gives a set's pod findings commands about the set: kubectl's logs by revision, undo of the set", () => {
    const f = diagnosisOf('sts-crashloop-ordinal').findings[0]!;
    const ns = crashloop.statefulSet.metadata.namespace!;
    expect(f.suggestions).toEqual([
      `kubectl describe pod db-2 -n ${ns}`,
      `kubectl logs -n ${ns} -l app=db,controller-revision-hash=${crashloop.statefulSet.status!.updateRevision!} --all-containers --prefix --previous --tail=100`,
      `kubectl rollout undo statefulset/db -n ${ns}`,
    ]);
  });

  it("names the claim, its template, its pod and the provisioner's words", () => {
    const f = diagnosisOf('sts-claim-pending').findings[0]!;
    expect(f.details).toEqual({
      claims: [
        {
          name: 'data-db-0',
          template: 'data',
          pod: 'db-0',
          phase: 'Pending',
          storageClass: 'fast',
          reason: 'ProvisioningFailed',
          message: 'storageclass.storage.k8s.io "fast" not found',
        },
      ],
    });
    expect(f.pods).toEqual(['db-0']);
    const ns = statefulSetFixture('sts-claim-pending').snapshot.statefulSet.metadata.namespace!;
    expect(f.suggestions).toEqual([`kubectl describe pvc data-db-0 -n ${ns}`, 'kubectl get storageclass']);
  });

  it("names the node a DaemonSet's pod is pinned to, leaving out the other nodes' affinity", () => {
    const f = diagnosisOf('ds-unfit').findings[0]!;
    // The new pod went where the old one was deleted: paas-node, whose 2 CPUs do not hold its 3.
    const node = unfit.nodes!.find((n) => n.metadata.name === 'paas-node')!;
    const pod = unfit.pods.find((p) => p.status?.phase === 'Pending')!;
    expect(f.details).toMatchObject({
      targetNodes: ['paas-node'],
      nodesAvailable: 0,
      // The scheduler's "0/5 nodes": the 2 real nodes and 3 kwok ones the DaemonSet does not select.
      nodesTotal: unfit.nodes!.length,
      reasons: [{ count: 1, reason: 'Insufficient cpu', kind: 'insufficient-cpu' }],
      podRequests: { cpu: '3', memory: '16Mi' },
      nodes: [
        {
          name: 'paas-node',
          allocatable: { cpu: '2', memory: node.status!.allocatable!.memory, pods: node.status!.allocatable!.pods },
          taints: ['paas.io/real-node=true:NoSchedule'],
          unschedulable: false,
        },
      ],
    });
    expect(f.suggestions).toEqual([`kubectl describe pod ${pod.metadata.name} -n ${pod.metadata.namespace!}`, 'kubectl describe node paas-node']);
  });

  it("says the scheduler's reason in words when it gives no count (an unbound claim), and gives no capacity advice for it", () => {
    const f = diagnosisOf('sts-claim-pending').findings.find((x) => x.code === 'Unschedulable')!;
    expect(f.summary).toBe('1/3 pods: Pending: 0/5 nodes are available (pod has unbound immediate PersistentVolumeClaims)');
    expect(f.details).toMatchObject({
      nodesAvailable: 0,
      nodesTotal: 5,
      reasons: [{ count: 5, reason: 'pod has unbound immediate PersistentVolumeClaims', kind: 'volume', preFilter: true }],
    });
    expect(f.explanation).toMatch(/PersistentVolumeClaim that is not bound/);
    expect(f.explanation).not.toMatch(/capacity|add a node/);
  });

  // The capture as it is (a 2-CPU node for a pod that requests 3), and the same judged against that
  // node with 4 CPUs allocatable: the control, where room made there would do.
  it.each([
    {
      name: 'requests more CPU than its node allocates: can never fit there, lower the request',
      cpu: undefined,
      exceeds: [{ resource: 'cpu', requested: '3', largestAllocatable: '2' }],
      says: /It can never fit there: the pod requests cpu 3, more than node paas-node allocates \(2\).*Lower the DaemonSet's requests/,
      never: /Make room there/,
    },
    {
      name: 'requests less than its node allocates: make room there',
      cpu: '4',
      exceeds: undefined,
      says: /Make room there \(move or shrink other pods\)/,
      never: /can never fit/,
    },
  ])("a DaemonSet's pod that does not fit on its node, $name", ({ cpu, exceeds, says, never }) => {
    const { snapshot, now } = daemonSetFixture('ds-unfit');
    const nodes = snapshot.nodes!.map((n) =>
      cpu && n.metadata.name === 'paas-node' ? { ...n, status: { ...n.status, allocatable: { ...n.status!.allocatable, cpu } } } : n,
    );
    const f = diagnoseDaemonSet({ ...snapshot, nodes }, now).findings[0]!;
    expect(f.code).toBe('DaemonPodUnschedulable');
    expect((f.details as { exceedsEveryNode?: unknown }).exceedsEveryNode).toEqual(exceeds);
    expect(f.explanation).toMatch(says);
    expect(f.explanation).not.toMatch(never);
  });

  it.each([...STATEFULSETS, ...DAEMONSETS])('%s: its -o json matches the documented schema', (name) => {
    const doc = diagnosisDocument(diagnosisOf(name), true);
    expect(validate(DIAGNOSIS_SCHEMA as unknown as Schema, JSON.parse(JSON.stringify(doc)))).toEqual([]);
  });

  it("heads the text with the set's kind, revision and update revision", () => {
    const text = diagnosisText(diagnosisOf('sts-crashloop-ordinal'), { color: false, events: false, now: new Date('2026-11-23T06:20:00Z') });
    expect(text.split('\n').slice(0, 3)).toEqual([
      `StatefulSet capture-sts-crashloop-ordinal/db  revision 2  update revision ${crashloop.statefulSet.status!.updateRevision!}`,
      'Replicas: 3 desired, 1 updated, 2 ready, 2 available, 2 old',
      'Verdict: 2 problems found',
    ]);
  });
});
