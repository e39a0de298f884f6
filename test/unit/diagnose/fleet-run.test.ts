// `kubectl paas diagnose` over many workloads end to end in-process: main() against a cluster that
// answers from the fixtures, each snapshot in a namespace of its own. What it reads (the rolled-out
// ones only listed, events only by object), what it prints, and its exit code.
import { describe, expect, it } from 'vitest';
import { main } from '../../../plugin/cli.js';
import { diagnose } from '../../../plugin/diagnose/analyse.js';
import { diagnosisJson } from '../../../plugin/diagnose/print.js';
import { PaasError } from '../../../core/errors.js';
import { againstHeld, inNamespace, place, type Held } from './fleet-cluster.js';
import { loadFixture } from './fixtures.js';
import { daemonSetFixture, statefulSetFixture } from '../sets/fixtures.js';

const NOW = new Date('2026-11-23T06:20:00Z');

/** A cluster of five namespaces: two rolled out, three stuck in three ways (and kinds). */
function cluster(over: Partial<Held> = {}): Held {
  const held: Held = { objects: {}, nodes: [], ...over };
  place(held, 'shop', loadFixture('healthy').snapshot);
  place(held, 'blog', loadFixture('image-not-found').snapshot);
  place(held, 'data', statefulSetFixture('sts-claim-pending').snapshot);
  place(held, 'cache', statefulSetFixture('sts-rolled-out').snapshot);
  place(held, 'ops', daemonSetFixture('ds-unfit').snapshot);
  return held;
}

async function run(argv: string[], held = cluster(), namespace = 'shop') {
  const c = againstHeld(held, namespace, NOW);
  try {
    const code = await main(argv, c.deps);
    return { code, out: c.out(), err: c.err(), calls: c.calls };
  } catch (err) {
    if (err instanceof PaasError) return { code: err.exit, out: c.out(), err: err.message, calls: c.calls };
    throw err;
  }
}

describe('diagnose -A', () => {
  it('summarises the stuck rollouts of every namespace, most severe first, and exits 1', async () => {
    const r = await run(['diagnose', '-A', '--summary']);
    expect(r.out).toBe(
      [
        '5 rollouts: 2 healthy, 3 with problems',
        'NAMESPACE  WORKLOAD         VERDICT   ROOT CAUSE              PODS  SUMMARY',
        'data       statefulset/db   Problems  VolumeClaimPending      1     1 volume claim(s) not bound: data-db-0 Pending (ProvisioningFailed: storageclass.storage.k8s.io "fast" not found)',
        'ops        daemonset/agent  Problems  DaemonPodUnschedulable  1     1/2 pods: Pending: does not fit on its node paas-node (1 Insufficient cpu)',
        'blog       deployment/web   Problems  ImagePullFailed         3     3/3 new pods: ImagePullBackOff (manifest unknown)',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
  });

  it('lists each kind once across namespaces, and reads nothing more of the rolled-out ones', async () => {
    const r = await run(['diagnose', '-A', '--summary']);
    const lists = r.calls.filter((c) => /^\/apis\/apps\/v1\/(deployments|statefulsets|daemonsets)$/.test(c.path)).map((c) => c.path);
    expect(lists.sort()).toEqual(['/apis/apps/v1/daemonsets', '/apis/apps/v1/deployments', '/apis/apps/v1/statefulsets']);
    const namespaces = new Set(r.calls.flatMap((c) => /^\/apis?\/(?:apps\/)?v1\/namespaces\/([^/]+)\//.exec(c.path)?.[1] ?? []));
    expect([...namespaces].sort()).toEqual(['blog', 'data', 'ops']);
    for (const c of r.calls.filter((x) => x.path.endsWith('/events'))) expect(c.query.fieldSelector).toMatch(/^involvedObject\.uid=[0-9a-f-]+$/);
  });

  it("-o json: one DiagnosisList, the summary and each stuck one's document", async () => {
    const r = await run(['diagnose', '-A', '-o', 'json']);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ kind: 'DiagnosisList', verdict: 'Problems', exitCode: 1, counts: { workloads: 5, healthy: 2, progressing: 0, problems: 3 } });
    expect(doc.items.map((i: Record<string, { name: string }>) => Object.keys(i)[2])).toEqual(['deployment', 'statefulSet', 'daemonSet']);
    expect(r.code).toBe(1);
  });

  it('leaves out a kind it may not list, and says so', async () => {
    const r = await run(['diagnose', '-A', '--summary'], cluster({ refuse: { daemonsets: 403 } }));
    expect(r.out.split('\n')[0]).toBe('4 rollouts: 2 healthy, 2 with problems');
    expect(r.out).toContain('Note: cannot list daemonsets (forbidden): they are left out');
  });
});

describe('diagnose over a namespace, and several names', () => {
  it("with no name: the namespace's rollouts; all healthy, exit 0", async () => {
    const r = await run(['diagnose'], cluster(), 'cache');
    expect(r.out).toBe('1 rollout: 1 healthy\n');
    expect(r.code).toBe(0);
  });

  it('-l selects across kinds', async () => {
    const r = await run(['diagnose', '-l', 'app=db', '-n', 'data', '--summary']);
    expect(r.out.split('\n').slice(0, 3)).toEqual([
      '1 rollout: 1 with problems',
      'WORKLOAD        VERDICT   ROOT CAUSE          PODS  SUMMARY',
      'statefulset/db  Problems  VolumeClaimPending  1     1 volume claim(s) not bound: data-db-0 Pending (ProvisioningFailed: storageclass.storage.k8s.io "fast" not found)',
    ]);
  });

  it('several names: each read by name and diagnosed, healthy ones too', async () => {
    const held = cluster();
    place(held, 'shop', statefulSetFixture('sts-crashloop-ordinal').snapshot);
    const r = await run(['diagnose', 'web', 'sts/db'], held, 'shop');
    expect(r.calls.filter((c) => /\/(deployments|statefulsets)\/[^/]+$/.test(c.path)).map((c) => c.path)).toEqual([
      '/apis/apps/v1/namespaces/shop/deployments/web',
      '/apis/apps/v1/namespaces/shop/statefulsets/db',
    ]);
    expect(r.out.split('\n')[0]).toBe('2 rollouts: 1 healthy, 1 with problems');
    expect(r.out).toContain('\nDeployment shop/web  revision 2');
    expect(r.out).toContain(
      `\nStatefulSet shop/db  revision 2  update revision ${statefulSetFixture('sts-crashloop-ordinal').snapshot.statefulSet.status!.updateRevision!}`,
    );
    expect(r.code).toBe(1);
  });

  it('a name that is not there is the error of the command (7)', async () => {
    const r = await run(['diagnose', 'web', 'ds/nope'], cluster(), 'shop');
    expect([r.code, r.err]).toEqual([7, 'daemon set "nope" not found in namespace "shop"']);
  });
});

describe('nothing to diagnose', () => {
  it('says so and exits 0, as kubectl get finds no resources', async () => {
    const r = await run(['diagnose', '-l', 'app=nope', '-n', 'shop']);
    expect([r.out, r.code]).toEqual(['No rollouts found (no Deployment, StatefulSet or DaemonSet).\n', 0]);
  });
});

describe('one named workload', () => {
  it('keeps the one Deployment document exactly: what diagnose says of the snapshot', async () => {
    const r = await run(['diagnose', 'web', '-o', 'json'], cluster(), 'blog');
    expect(r.out).toBe(diagnosisJson(diagnose(inNamespace('blog', loadFixture('image-not-found').snapshot), NOW), false));
    expect(r.code).toBe(1);
  });

  it('a StatefulSet by TYPE/NAME: its own document', async () => {
    const r = await run(['diagnose', 'statefulset/db', '-o', 'yaml'], cluster(), 'data');
    expect(r.out.split('\n').slice(0, 4)).toEqual(['apiVersion: paas.io/v1', 'kind: Diagnosis', 'statefulSet:', '  namespace: data']);
    expect(r.code).toBe(1);
  });
});
