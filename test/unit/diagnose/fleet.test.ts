// `diagnose` over many workloads, its pure part: which listed workloads need reading, the summary
// (rollouts that are not healthy, most severe first, with their root cause and the pods they
// affect), the counts, the exit code of the worst verdict, the text and the one -o json document.
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../plugin/diagnose/analyse.js';
import { diagnoseDaemonSet, diagnoseStatefulSet } from '../../../plugin/diagnose/analyse-sets.js';
import type { Diagnosis } from '../../../plugin/diagnose/diagnosis.js';
import {
  DIAGNOSIS_LIST_SCHEMA,
  fleetCounts,
  fleetDocument,
  fleetExitCode,
  fleetText,
  rolledOutByStatus,
  summaryRows,
  type Fleet,
  type Listed,
} from '../../../plugin/diagnose/fleet.js';
import { loadFixture } from './fixtures.js';
import { validate, type Schema } from './schema-check.js';
import { daemonSetFixture, statefulSetFixture } from '../sets/fixtures.js';

const dep = (name: string): Diagnosis => {
  const f = loadFixture(name);
  return diagnose(f.snapshot, f.now);
};
const sts = (name: Parameters<typeof statefulSetFixture>[0]): Diagnosis => {
  const f = statefulSetFixture(name);
  return diagnoseStatefulSet(f.snapshot, f.now);
};
const ds = (name: Parameters<typeof daemonSetFixture>[0]): Diagnosis => {
  const f = daemonSetFixture(name);
  return diagnoseDaemonSet(f.snapshot, f.now);
};

/** A fleet of the fixtures: healthy, progressing and stuck ones of every kind. */
function fleet(): Fleet {
  return {
    workloads: 12,
    diagnoses: [
      dep('healthy'),
      dep('progressing'),
      dep('crashloop'),
      dep('quota-exceeded'),
      sts('sts-crashloop-ordinal'),
      sts('sts-claim-pending'),
      ds('ds-unfit'),
    ],
    healthyByStatus: 5,
    notes: [],
  };
}

describe('rolledOutByStatus: whether a listed workload needs reading further', () => {
  it.each([
    { name: 'a rolled-out Deployment', w: () => ({ kind: 'Deployment', object: loadFixture('healthy').snapshot.deployment }), want: true },
    { name: 'a Deployment mid-rollout', w: () => ({ kind: 'Deployment', object: loadFixture('progressing').snapshot.deployment }), want: false },
    { name: 'a rolled-out StatefulSet', w: () => ({ kind: 'StatefulSet', object: statefulSetFixture('sts-rolled-out').snapshot.statefulSet }), want: true },
    {
      name: 'a StatefulSet waiting on a pod',
      w: () => ({ kind: 'StatefulSet', object: statefulSetFixture('sts-crashloop-ordinal').snapshot.statefulSet }),
      want: false,
    },
    {
      name: 'an OnDelete StatefulSet (kubectl cannot say)',
      w: () => ({ kind: 'StatefulSet', object: statefulSetFixture('sts-ondelete').snapshot.statefulSet }),
      want: false,
    },
    { name: 'a DaemonSet with a pod unavailable', w: () => ({ kind: 'DaemonSet', object: daemonSetFixture('ds-unfit').snapshot.daemonSet }), want: false },
  ])('$name: $want', ({ w, want }) => {
    expect(rolledOutByStatus(w() as Listed)).toBe(want);
  });
});

describe('summaryRows', () => {
  it('lists the rollouts that are not healthy, problems first, by root cause precedence, then the most pods', () => {
    expect(summaryRows(fleet().diagnoses).map((r) => [r.verdict, r.kind, r.name, r.code, r.pods])).toEqual([
      ['Problems', 'Deployment', 'web', 'QuotaExceeded', 3],
      ['Problems', 'StatefulSet', 'db', 'VolumeClaimPending', 1],
      ['Problems', 'DaemonSet', 'agent', 'DaemonPodUnschedulable', 1],
      ['Problems', 'StatefulSet', 'db', 'CrashLoop', 1],
      ['Problems', 'Deployment', 'web', 'CrashLoop', 1],
      ['Progressing', 'Deployment', 'web', 'Progressing', 0],
    ]);
  });

  it('counts, for a refusal that names no pod, the desired pods not updated yet', () => {
    const d = dep('quota-exceeded');
    expect(d.replicas).toMatchObject({ desired: 3, updated: 0, available: 3 });
    expect(summaryRows([d])[0]).toMatchObject({ code: 'QuotaExceeded', severity: 'error', pods: 3 });
  });
});

describe('counts and exit code', () => {
  it('counts the healthy ones read and those counted from their status', () => {
    expect(fleetCounts(fleet())).toEqual({ workloads: 12, healthy: 6, progressing: 1, problems: 5 });
  });

  it.each([
    { name: 'problems anywhere: 1', diagnoses: () => [dep('healthy'), dep('crashloop')], code: 1 },
    { name: 'only progressing and healthy: 0', diagnoses: () => [dep('healthy'), dep('progressing')], code: 0 },
    { name: 'nothing read (all healthy by status): 0', diagnoses: () => [], code: 0 },
  ])('$name', ({ diagnoses, code }) => {
    expect(fleetExitCode({ workloads: 3, diagnoses: diagnoses(), healthyByStatus: 1, notes: [] })).toBe(code);
  });
});

describe('fleetText', () => {
  const now = new Date('2026-11-23T06:20:00Z');

  it('writes the counts and the summary, one row a rollout, with --summary nothing more', () => {
    expect(fleetText(fleet(), { color: false, events: false, now, summaryOnly: true, namespaces: true })).toBe(
      [
        '12 rollouts: 6 healthy, 1 progressing, 5 with problems',
        'NAMESPACE                      WORKLOAD         VERDICT      ROOT CAUSE              PODS  SUMMARY',
        'shop                           deployment/web   Problems     QuotaExceeded           3     1 new pod(s) not created: ReplicaSet cannot create pods: exceeded quota compute (requests.cpu: requested 500m, used 1500m, limited 2)',
        'capture-sts-claim-pending      statefulset/db   Problems     VolumeClaimPending      1     1 volume claim(s) not bound: data-db-0 Pending (ProvisioningFailed: storageclass.storage.k8s.io "fast" not found)',
        'capture-ds-unfit               daemonset/agent  Problems     DaemonPodUnschedulable  1     1/2 pods: Pending: does not fit on its node paas-node (1 Insufficient cpu)',
        'capture-sts-crashloop-ordinal  statefulset/db   Problems     CrashLoop               1     1/3 pods: CrashLoopBackOff (last exit: Error, exit code 1)',
        'shop                           deployment/web   Problems     CrashLoop               1     1/1 new pods: CrashLoopBackOff (last exit: Error, exit code 1)',
        'shop                           deployment/web   Progressing  Progressing             0     rolling out normally: 2/3 new pods available, 1 old pod(s) left, about 2m left',
        '',
      ].join('\n'),
    );
  });

  it('leaves NAMESPACE out in one namespace, and says when every rollout is healthy', () => {
    const all: Fleet = { workloads: 4, diagnoses: [dep('healthy')], healthyByStatus: 3, notes: ['cannot list daemonsets (forbidden): they are left out'] };
    expect(fleetText(all, { color: false, events: false, now, summaryOnly: false, namespaces: false }).split('\n').slice(0, 4)).toEqual([
      '4 rollouts: 4 healthy',
      'Note: cannot list daemonsets (forbidden): they are left out',
      '',
      'Deployment shop/web  revision 2  new ReplicaSet web-7d4f8b9c6  deploy-id 5f0c2a9e-7b1d-4c3e-9a8f-6e5d4c3b2a10',
    ]);
  });

  it('follows the summary with each diagnosis, as one workload prints it', () => {
    const f: Fleet = { workloads: 2, diagnoses: [dep('crashloop'), ds('ds-unfit')], healthyByStatus: 0, notes: [] };
    const text = fleetText(f, { color: false, events: false, now, summaryOnly: false, namespaces: true });
    const heads = text.split('\n').filter((l) => /^(Deployment|DaemonSet) /.test(l));
    // A DaemonSet's update revision is the hash its new pod (the Pending one) carries.
    const newPod = daemonSetFixture('ds-unfit').snapshot.pods.find((p) => p.status?.phase === 'Pending')!;
    expect(heads).toEqual([
      'Deployment shop/web  revision 2  new ReplicaSet web-7d4f8b9c6  deploy-id 5f0c2a9e-7b1d-4c3e-9a8f-6e5d4c3b2a10',
      `DaemonSet capture-ds-unfit/agent  revision 2  update revision ${newPod.metadata.labels!['controller-revision-hash']!}`,
    ]);
  });
});

describe('fleetDocument', () => {
  it.each([
    { name: 'with the diagnoses', summaryOnly: false, events: false },
    { name: 'with --events', summaryOnly: false, events: true },
    { name: 'with --summary: no items', summaryOnly: true, events: false },
  ])('matches the documented schema $name', ({ summaryOnly, events }) => {
    const doc = JSON.parse(JSON.stringify(fleetDocument(fleet(), { summaryOnly, events }))) as Record<string, unknown>;
    expect(validate(DIAGNOSIS_LIST_SCHEMA as unknown as Schema, doc)).toEqual([]);
    expect('items' in doc).toBe(!summaryOnly);
    expect(doc).toMatchObject({ apiVersion: 'paas.io/v1', kind: 'DiagnosisList', verdict: 'Problems', exitCode: 1, counts: { workloads: 12, healthy: 6 } });
  });

  it('holds each diagnosis as the document of one workload, unchanged', async () => {
    const { diagnosisDocument } = await import('../../../plugin/diagnose/print.js');
    const f = fleet();
    const doc = fleetDocument(f, { summaryOnly: false, events: false }) as { items: unknown[] };
    expect(doc.items).toEqual(f.diagnoses.map((d) => diagnosisDocument(d, false)));
  });
});
