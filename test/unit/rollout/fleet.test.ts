// `rollout status` over several workloads and kinds, and across namespaces: which are followed,
// the error of one that cannot be (kubectl's refusal of OnDelete, one not found), the exit code of
// the worst, the table and lines that name each, and one JSON line per workload.
import { describe, expect, it } from 'vitest';
import { main } from '../../../plugin/cli.js';
import { PaasError } from '../../../core/errors.js';
import { errorExit, finished, retrack, trackedOf, type Lists, type Tracked } from '../../../plugin/rollout/tracking.js';
import { liveRows, LIVE_ROWS } from '../../../plugin/rollout/screen.js';
import type { RolloutView } from '../../../plugin/rollout/status.js';
import { againstHeld, inNamespace, place, type Held } from '../diagnose/fleet-cluster.js';
import { loadFixture } from '../diagnose/fixtures.js';
import { daemonSetFixture, statefulSetFixture } from '../sets/fixtures.js';

const NOW = new Date('2026-11-23T06:20:00Z');

function lists(over: Partial<Lists>): Lists {
  return { deployments: new Map(), statefulSets: new Map(), daemonSets: new Map(), replicaSets: [], revisions: [], pods: [], ...over };
}

describe('trackedOf and retrack', () => {
  const ondelete = inNamespace('data', statefulSetFixture('sts-ondelete').snapshot);
  const rolled = inNamespace('cache', statefulSetFixture('sts-rolled-out').snapshot);
  const l = lists({
    statefulSets: new Map([
      ['StatefulSet/data/db', ondelete.statefulSet],
      ['StatefulSet/cache/db', rolled.statefulSet],
    ]),
    revisions: [...ondelete.revisions, ...rolled.revisions],
    pods: [...ondelete.pods, ...rolled.pods],
  });

  it('follows every listed workload by namespace, kind and name', () => {
    expect(trackedOf([], 'shop', l).map((t) => `${t.namespace}/${t.kind}/${t.name}`)).toEqual(['cache/StatefulSet/db', 'data/StatefulSet/db']);
  });

  it("refuses OnDelete in kubectl's words, once, with exit 11; follows the others", () => {
    const tracked: Tracked[] = [
      { kind: 'StatefulSet', namespace: 'data', name: 'db' },
      { kind: 'StatefulSet', namespace: 'cache', name: 'db' },
      { kind: 'DaemonSet', namespace: 'ops', name: 'agent' },
    ];
    const next = retrack(tracked, l, NOW.getTime(), {});
    expect(next.errors).toEqual([
      'statefulset "db" in namespace "data": rollout status is only available for RollingUpdate strategy type',
      'daemon set "agent" not found in namespace "ops"',
    ]);
    expect(next.tracked.map((t) => t.view?.rollout_status ?? t.error?.exit)).toEqual([11, 'Completed', 7]);
    expect(errorExit(next.tracked)).toBe(7);
    expect(finished(next.tracked)).toBe(true);
    expect(retrack(next.tracked, l, NOW.getTime(), {}).errors).toEqual([]);
  });
});

describe('liveRows (the live table on a TTY)', () => {
  const view = (i: number, state: string) => ({ kind: 'Deployment', namespace: 'ns', name: `d${i}`, rollout_status: state }) as RolloutView;

  it(`shows every row up to ${LIVE_ROWS}`, () => {
    const vs = Array.from({ length: LIVE_ROWS }, (_, i) => view(i, 'Completed'));
    expect(liveRows(vs)).toEqual({ rows: vs, folded: 0 });
  });

  it('past that, the rows not rolled out and a count of the rest', () => {
    const vs = Array.from({ length: LIVE_ROWS + 5 }, (_, i) => view(i, i === 3 || i === 7 ? 'InProgress' : 'Completed'));
    expect(liveRows(vs)).toEqual({ rows: [vs[3], vs[7]], folded: LIVE_ROWS + 3 });
  });
});

/** Deployments, StatefulSets and DaemonSets in five namespaces. */
function cluster(): Held {
  const held: Held = { objects: {}, nodes: [] };
  place(held, 'shop', loadFixture('healthy').snapshot);
  place(held, 'data', statefulSetFixture('sts-image-not-found').snapshot);
  place(held, 'cache', statefulSetFixture('sts-rolled-out').snapshot);
  place(held, 'ops', daemonSetFixture('ds-unfit').snapshot);
  place(held, 'legacy', statefulSetFixture('sts-ondelete').snapshot);
  return held;
}

async function run(argv: string[], namespace = 'shop') {
  const c = againstHeld(cluster(), namespace, NOW);
  try {
    const code = await main(argv, c.deps);
    return { code, out: c.out(), err: c.err() };
  } catch (err) {
    if (err instanceof PaasError) return { code: err.exit, out: c.out(), err: err.message };
    throw err;
  }
}

describe('rollout status over several kinds', () => {
  it('-A --watch=false: one table across namespaces and kinds; OnDelete left out, said; the worst decides (Failed: 1)', async () => {
    const r = await run(['rollout', 'status', '-A', '--watch=false']);
    expect(r.out.split('\n').map((l) => l.split(/\s+/).slice(0, 4).join(' '))).toEqual([
      'NAMESPACE NAME STATE STATUS',
      'cache statefulset/db Completed ready',
      'data statefulset/db Failed failed',
      'ops daemonset/agent InProgress deploying',
      'shop deployment/web Completed ready',
      '',
    ]);
    expect(r.err).toBe('warning: statefulset "db" in namespace "legacy" left out: rollout status is only available for RollingUpdate strategy type\n');
    expect(r.code).toBe(1);
  });

  it('-A off a TTY: a line per workload, after its namespace, then the table', async () => {
    const r = await run(['rollout', 'status', '-A']);
    expect(r.out.split('\n').slice(0, 4)).toEqual([
      `cache: ${statefulSetFixture('sts-rolled-out').viewer}`,
      'data: statefulset "db" failed: the new pod is stuck on ImagePullBackOff: Back-off pulling image "paas.local/testapp:1.0.1-typo": ErrImagePull: rpc error: code = NotFound desc = failed to pull and unpack image "paas.local/testapp:1.0.1-typo": failed to resolve image: paas.local/testapp:1.0.1-typo: not found',
      `ops: ${daemonSetFixture('ds-unfit').viewer} (pods: 1 Unschedulable)`,
      'shop: deployment "web" successfully rolled out',
    ]);
    expect(r.code).toBe(1);
  });

  it('-A -o json: one line per workload, each naming its kind, namespace and name', async () => {
    const r = await run(['rollout', 'status', '-A', '-o', 'json']);
    const lines = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as RolloutView);
    expect(lines.map((v) => [v.kind, v.namespace, v.name, v.rollout_status])).toEqual([
      ['StatefulSet', 'cache', 'db', 'Completed'],
      ['StatefulSet', 'data', 'db', 'Failed'],
      ['DaemonSet', 'ops', 'agent', 'InProgress'],
      ['Deployment', 'shop', 'web', 'Completed'],
    ]);
    expect(r.code).toBe(1);
  });

  it("a named StatefulSet and DaemonSet: followed together, kubectl's lines, the worst decides", async () => {
    const held = cluster();
    place(held, 'mixed', statefulSetFixture('sts-rolled-out').snapshot);
    place(held, 'mixed', daemonSetFixture('ds-image-not-found').snapshot);
    const c = againstHeld(held, 'mixed', NOW);
    const code = await main(['rollout', 'status', 'sts/db', 'ds/agent'], c.deps);
    expect(c.out()).toBe(
      [
        statefulSetFixture('sts-rolled-out').viewer,
        'daemon set "agent" failed: the new pod is stuck on ImagePullBackOff: Back-off pulling image "paas.local/testapp:1.0.1-typo": ErrImagePull: rpc error: code = NotFound desc = failed to pull and unpack image "paas.local/testapp:1.0.1-typo": failed to resolve image: paas.local/testapp:1.0.1-typo: not found',
        'NAME              STATE       STATUS   REVISION   UP-TO-DATE   READY   AVAILABLE   DEADLINE   DEPLOY-ID   REASON',
        'statefulset/db    Completed   ready    2          3/3          3/3     3           -          -',
        'daemonset/agent   Failed      failed   2          1/2          1/2     1           -          -           ImagePullBackOff',
        '',
      ].join('\n'),
    );
    expect(code).toBe(1);
  });

  it("a named OnDelete StatefulSet: kubectl's refusal, exit 11", async () => {
    const r = await run(['rollout', 'status', 'statefulset/db', '--watch=false'], 'legacy');
    expect([r.out, r.err, r.code]).toEqual([
      '',
      'error: statefulset "db" in namespace "legacy": rollout status is only available for RollingUpdate strategy type\n',
      11,
    ]);
  });

  it('a named StatefulSet that is not there: exit 7', async () => {
    const r = await run(['rollout', 'status', 'sts/nope'], 'data');
    expect([r.err, r.code]).toEqual(['statefulset "nope" not found in namespace "data"', 7]);
  });
});
