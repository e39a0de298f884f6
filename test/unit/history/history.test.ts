// rollout history's pure core: the outcome rules (table-tested over plain objects) and the view
// of a history captured from the e2e control plane (test/fixtures/history/capture.sh), held to
// what `kubectl rollout history` printed for the same objects and to what the capture did.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Deployment, KubeEvent, ReplicaSet } from '../../../plugin/kube/objects.js';
import { historyOf, revisionDetail } from '../../../plugin/history/history.js';
import { Outcome, outcomes, scaleHistory, type Held, type ScaleHistory } from '../../../plugin/history/outcome.js';

const fixture = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../fixtures/history/undo-and-rollover.json'), 'utf8')) as {
  kubectlHistory: string;
  deployment: Deployment;
  replicaSets: ReplicaSet[];
  events: KubeEvent[];
};

const held = (name: string, revisions: number[], created: number, extra: Partial<Held> = {}): Held => ({
  name,
  revision: revisions.at(-1)!,
  revisions,
  created,
  deployId: `id-${name}`,
  ...extra,
});

/** Scaling events in order, as the controller words them. */
const scaled = (...steps: [string, 'up' | 'down', number][]): KubeEvent[] =>
  steps.map(([rs, dir, to], i) => ({
    involvedObject: { kind: 'Deployment', name: 'web' },
    reason: 'ScalingReplicaSet',
    message: `Scaled ${dir} replica set ${rs} from 1 to ${to}`,
    firstTimestamp: new Date(1_000_000 + i * 1000).toISOString(),
    metadata: { resourceVersion: String(100 + i) },
  }));

const A = held('a', [1], 1);
const B = held('b', [2], 2);
const C = held('c', [3], 3);

describe('outcomes', () => {
  const rows: { name: string; held: Held[]; current: string; events: KubeEvent[]; want: Record<string, Outcome> }[] = [
    {
      name: 'completed: its predecessor reached 0 before the next revision began',
      held: [A, B, C],
      current: 'c',
      events: scaled(['a', 'up', 1], ['b', 'up', 1], ['a', 'down', 0], ['c', 'up', 1], ['b', 'down', 0]),
      want: { a: Outcome.unknown, b: Outcome.completed, c: Outcome.current },
    },
    {
      name: 'superseded: the next revision began while the predecessor still had pods',
      held: [A, B, C],
      current: 'c',
      events: scaled(['a', 'up', 1], ['b', 'up', 1], ['c', 'up', 1], ['b', 'down', 0], ['a', 'down', 0]),
      want: { b: Outcome.superseded, c: Outcome.current },
    },
    {
      name: 'failed: an older template came back (kubectl rollout undo) while the predecessor still had pods',
      held: [held('a', [1, 3], 1), B],
      current: 'a',
      events: scaled(['a', 'up', 1], ['b', 'up', 1], ['b', 'down', 0]),
      want: { b: Outcome.failed, a: Outcome.current },
    },
    {
      name: 'failed: the record --undo-on-failure leaves on the revision it brought back, whatever the events',
      held: [held('a', [1, 3], 1, { rolledBackFrom: { revision: 2, deployId: 'id-b', reason: 'ErrImageNeverPull' } }), B],
      current: 'a',
      events: [],
      want: { b: Outcome.failed, a: Outcome.current },
    },
    {
      name: 'unknown: a record naming another deploy-id is no evidence, and the events are gone',
      held: [held('a', [1, 3], 1, { rolledBackFrom: { revision: 2, deployId: 'someone-else', reason: 'X' } }), B],
      current: 'a',
      events: [],
      want: { b: Outcome.unknown },
    },
    {
      name: 'unknown: the ReplicaSet of the next revision is gone',
      held: [A, C],
      current: 'c',
      events: scaled(['a', 'up', 1], ['c', 'up', 1], ['a', 'down', 0]),
      want: { a: Outcome.unknown, c: Outcome.current },
    },
    {
      name: 'unknown: the predecessor reached 0 only after the controller began combining events',
      held: [A, B, C],
      current: 'c',
      events: [
        ...scaled(['a', 'up', 1], ['b', 'up', 1]),
        {
          involvedObject: {},
          reason: 'ScalingReplicaSet',
          message: '(combined from similar events): Scaled down replica set a from 1 to 0',
          firstTimestamp: new Date(1_002_500).toISOString(),
        },
        ...scaled(['a', 'down', 0], ['c', 'up', 1]).map((e, i) => ({ ...e, firstTimestamp: new Date(1_003_000 + i * 1000).toISOString() })),
      ],
      want: { b: Outcome.unknown },
    },
  ];
  it.each(rows)('$name', ({ held: h, current, events, want }) => {
    const got = outcomes(h, current, scaleHistory(events));
    expect(Object.fromEntries(Object.keys(want).map((k) => [k, got.get(k)?.outcome]))).toEqual(want);
  });

  it('reads only the controller’s scaling words, in the order they happened', () => {
    const h: ScaleHistory = scaleHistory([
      ...scaled(['b', 'down', 0]).map((e) => ({ ...e, firstTimestamp: new Date(2_000_000).toISOString() })),
      { involvedObject: {}, reason: 'SomethingElse', message: 'Scaled up replica set z from 0 to 1' },
      ...scaled(['a', 'up', 3]),
    ]);
    expect(h.events.map((e) => [e.replicaSet, e.direction, e.to])).toEqual([
      ['a', 'up', 3],
      ['b', 'down', 0],
    ]);
    expect(h.lossyFrom).toBeUndefined();
  });
});

describe('historyOf a history captured from the control plane', () => {
  const h = historyOf(fixture.deployment, fixture.replicaSets, [], fixture.events);

  it('lists the revisions and change-causes kubectl rollout history printed', () => {
    const theirs = fixture.kubectlHistory
      .split('\n')
      .slice(2)
      .filter((l) => l.trim())
      .map((l) => l.trim().split(/\s+/, 2));
    expect(h.revisions.map((r) => [String(r.revision), r.changeCause ?? '<none>'])).toEqual(theirs);
  });

  it('names what the capture did: web:2 undone, web:1 back as revision 3 and completed, web:5 current', () => {
    const by = new Map(h.revisions.map((r) => [r.images[0], r]));
    expect(by.get('reg.example/web:2')).toMatchObject({ revision: 2, outcome: Outcome.failed });
    expect(by.get('reg.example/web:1')).toMatchObject({ revision: 3, earlierRevisions: [1], outcome: Outcome.completed });
    expect(by.get('reg.example/web:5')).toMatchObject({ revision: 6, outcome: Outcome.current });
    // The controller combined its later events: web:3 and web:4 cannot be told apart, so unknown, never a guess.
    expect(by.get('reg.example/web:3')!.outcome).toBe(Outcome.unknown);
    expect(by.get('reg.example/web:4')!.outcome).toBe(Outcome.unknown);
  });

  it('--revision N: an earlier number finds the ReplicaSet that holds it; a number none holds is an error naming the held ones', () => {
    const yaml = (o: unknown) => JSON.stringify(o, null, 1) + '\n';
    const one = revisionDetail(fixture.deployment, fixture.replicaSets, h, 1, yaml);
    expect('error' in one ? one.error : one.revision.revision).toBe(3);
    if (!('error' in one)) {
      expect(one.template.metadata?.labels?.['pod-template-hash']).toBeUndefined();
      expect(one.diff).toMatch(/^-\s+"image": "reg\.example\/web:1"/m);
      expect(one.diff).toMatch(/^\+\s+"image": "reg\.example\/web:5"/m);
    }
    const current = revisionDetail(fixture.deployment, fixture.replicaSets, h, 6, yaml);
    expect('error' in current ? current.error : current.diff).toBe('');
    expect(revisionDetail(fixture.deployment, fixture.replicaSets, h, 9, yaml)).toEqual({
      error: 'deployment "web" has no revision 9 left (revisions held: 2, 3, 4, 5, 6)',
    });
  });
});
