// --undo-on-failure's decisions over rollouts captured from a real control plane
// (test/fixtures/rollout/): whether to roll back, to which revision, with which patch, and what
// to do when the guarded write meets a Deployment that moved on. That the patch stores what
// `kubectl rollout undo` stores is held to kubectl itself in test/e2e/rollback-history.test.ts
// ("stores what kubectl rollout undo stores": the template and annotations after our rollback
// and after kubectl's, on the real control plane), and the API server, webhook included, accepts
// the patch itself with dryRun=All (its --dry-run test).
import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../../plugin/kube/objects.js';
import { rolloutStatus, type StatusOptions } from '../../../plugin/rollout/status.js';
import { announce, concluded, planUndo, reconsider, rollbackOf, rollbackTimeoutMs, type UndoPlan } from '../../../plugin/rollout/undo.js';
import { RollbackOutcome, SkipReason } from '../../../plugin/rollout/rollback-record.js';
import { snapshot, type Snapshot } from './fixtures.js';

const viewOf = (s: Snapshot, opts: StatusOptions = {}) => rolloutStatus(s.deployment, s.replicaSets, s.pods, Date.parse(s.now), opts);

function plan(s: Snapshot): UndoPlan {
  const d = planUndo(s.deployment, s.replicaSets, viewOf(s));
  if (!('undo' in d)) throw new Error(`expected a rollback, got: ${d.skip.message}`);
  return d.undo;
}

describe('planUndo', () => {
  it('rolls a failed image back to the previous revision with kubectl rollout undo’s patch, guarded by the resourceVersion', () => {
    const s = snapshot('image-not-found');
    expect(viewOf(s).rollout_status).toBe('Failed');
    const old = s.replicaSets.find((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '1')!;
    const p = plan(s);
    expect(p).toMatchObject({ fromRevision: 2, toRevision: 1, deployId: 'badimage-registryexamplebadimage1', replicaSet: old.metadata!.name });
    expect(p.patch[0]).toEqual({ op: 'replace', path: '/metadata/resourceVersion', value: s.deployment.metadata!.resourceVersion });
    // The template as the ReplicaSet holds it, less the controller's pod-template-hash.
    const { 'pod-template-hash': hash, ...labels } = old.spec!.template!.metadata!.labels!;
    expect(hash).toBeDefined();
    expect(p.patch[1]).toEqual({
      op: 'replace',
      path: '/spec/template',
      value: { ...old.spec!.template, metadata: { ...old.spec!.template!.metadata, labels } },
    });
    // kubectl keeps the Deployment's own revision and last-applied annotations, copies the rest from the ReplicaSet.
    const own = s.deployment.metadata!.annotations!;
    expect(p.patch[2]).toEqual({
      op: 'replace',
      path: '/metadata/annotations',
      value: {
        'kubectl.kubernetes.io/last-applied-configuration': own['kubectl.kubernetes.io/last-applied-configuration'],
        'deployment.kubernetes.io/revision': '2',
        // Not kubectl's: the record of the failure, for `rollout history`.
        'paas.io/rolled-back-from': JSON.stringify({ revision: 2, deployId: 'badimage-registryexamplebadimage2', reason: viewOf(s).reason }),
      },
    });
    expect(p.staleDeadlineMs).toBeUndefined();
  });

  it('copies the change-cause and other annotations of the revision it goes back to', () => {
    const s = snapshot('image-not-found');
    const old = s.replicaSets.find((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '1')!;
    old.metadata!.annotations = { ...old.metadata!.annotations, 'kubernetes.io/change-cause': 'deploy 1', 'paas.io/surge': '50%' };
    s.deployment.metadata!.annotations = { ...s.deployment.metadata!.annotations, 'kubernetes.io/change-cause': 'deploy 2' };
    expect(plan(s).patch[2]!.value).toMatchObject({
      'kubernetes.io/change-cause': 'deploy 1',
      'paas.io/surge': '50%',
      'deployment.kubernetes.io/revision': '2',
    });
  });

  it('a ReplicaFailure (quota) rolls back too', () => {
    const s = snapshot('replica-failure');
    expect(viewOf(s).rollout_status).toBe('Failed');
    expect(plan(s)).toMatchObject({ fromRevision: 2, toRevision: 1 });
  });

  it('a rollover goes back one revision, as kubectl does: to the rollout it superseded', () => {
    const s = snapshot('rollover', -1);
    const d = planUndo(s.deployment, s.replicaSets, { ...viewOf(s), rollout_status: 'Failed' });
    expect('undo' in d && d.undo).toMatchObject({ fromRevision: 3, toRevision: 2 });
  });

  it('remembers the progress deadline condition the failure left, which says nothing about the rollback', () => {
    const s = snapshot('image-not-found');
    const cond = s.deployment.status!.conditions!.find((c) => c.type === 'Progressing')!;
    Object.assign(cond, { status: 'False', reason: 'ProgressDeadlineExceeded', lastUpdateTime: '2026-11-23T06:21:43Z' });
    expect(viewOf(s).rollout_status).toBe('Timeout');
    expect(plan(s).staleDeadlineMs).toBe(Date.parse('2026-11-23T06:21:43Z'));
  });

  const skips: { name: string; fixture: string; change?: (s: Snapshot) => void; opts?: StatusOptions; reason: SkipReason; says: RegExp }[] = [
    { name: 'the first revision: nothing to go back to', fixture: 'deadline-exceeded', reason: SkipReason.FirstRevision, says: /no earlier revision/ },
    {
      name: '--revision named another revision',
      fixture: 'image-not-found',
      opts: { revision: 1 },
      reason: SkipReason.RevisionPinned,
      says: /desired revision \(1\) is different from the running revision \(2\)/,
    },
    {
      name: 'a paused Deployment',
      fixture: 'image-not-found',
      change: (s) => (s.deployment.spec!.paused = true),
      reason: SkipReason.Paused,
      says: /is paused .*kubectl rollout resume deployment\/badimage/,
    },
    {
      name: 'a template that already is the previous revision’s',
      fixture: 'image-not-found',
      change: (s) => {
        const old = s.replicaSets.find((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '1')!;
        s.deployment.spec!.template = structuredClone(old.spec!.template);
      },
      reason: SkipReason.AlreadyCurrent,
      says: /already matches revision 1/,
    },
  ];

  it.each(skips)('never rolls back $name', ({ fixture, change, opts, reason, says }) => {
    const s = snapshot(fixture);
    change?.(s);
    const view = { ...viewOf(s, opts), rollout_status: opts ? viewOf(s, opts).rollout_status : ('Failed' as const) };
    const d = planUndo(s.deployment, s.replicaSets, view);
    expect('skip' in d && d.skip).toMatchObject({ outcome: RollbackOutcome.Skipped, reason });
    expect('skip' in d && d.skip.message).toMatch(says);
  });
});

describe('reconsider, after the API server refused the guarded write (409 Conflict)', () => {
  const s = snapshot('image-not-found');
  const p = plan(s);
  const moved = (f: (d: Deployment) => void): Deployment => {
    const d = structuredClone(s.deployment);
    d.metadata!.resourceVersion = '999';
    f(d);
    return d;
  };
  const cases: { name: string; now: Deployment; completed?: boolean; want: SkipReason | 'retry' }[] = [
    {
      name: 'a newer apply (the template changed) is left alone',
      now: moved((d) => {
        d.metadata!.generation = 3;
        d.spec!.template!.spec!.containers[0]!.image = 'registry.example/badimage:3';
      }),
      want: SkipReason.MovedOn,
    },
    {
      name: 'a manual undo (the template changed) is left alone',
      now: moved((d) => (d.spec!.template = structuredClone(s.replicaSets[0]!.spec!.template))),
      want: SkipReason.MovedOn,
    },
    { name: 'a pause is respected', now: moved((d) => (d.spec!.paused = true)), want: SkipReason.Paused },
    { name: 'a rollout that completed after all is not undone', now: moved(() => undefined), completed: true, want: SkipReason.Recovered },
    { name: 'a status-only change (the controller) is retried', now: moved((d) => (d.status!.observedGeneration = 2)), want: 'retry' },
    {
      name: 'an annotation (the API server bumps the generation for it) is retried',
      now: moved((d) => {
        d.metadata!.generation = 3;
        d.metadata!.annotations = { ...d.metadata!.annotations, team: 'shop' };
      }),
      want: 'retry',
    },
    { name: 'a scale is retried: still the failed template', now: moved((d) => ((d.metadata!.generation = 3), (d.spec!.replicas = 5))), want: 'retry' },
  ];
  it.each(cases)('$name', ({ now, completed, want }) => {
    const view = { ...viewOf({ ...s, deployment: now }), ...(completed ? { rollout_status: 'Completed' as const } : {}) };
    const r = reconsider(s.deployment, now, view, p);
    if (want === 'retry') expect(r).toEqual({ retry: true });
    else expect('skip' in r && r.skip).toMatchObject({ reason: want, outcome: RollbackOutcome.Skipped, fromRevision: 2, toRevision: 1 });
  });
});

describe('the rollback as reported', () => {
  const s = snapshot('image-not-found');
  const p = plan(s);
  const failure = viewOf(s);

  it.each([
    { state: 'Completed', watched: true, outcome: RollbackOutcome.Completed },
    { state: 'Failed', watched: true, outcome: RollbackOutcome.Failed },
    { state: 'Timeout', watched: true, outcome: RollbackOutcome.Timeout },
    { state: 'InProgress', watched: true, outcome: RollbackOutcome.InProgress },
    { state: 'Paused', watched: true, outcome: RollbackOutcome.InProgress },
    { state: 'Completed', watched: false, outcome: RollbackOutcome.InProgress },
  ] as const)('a rollback whose own verdict is $state (watched: $watched) is $outcome', ({ state, watched, outcome }) => {
    expect(rollbackOf(p, { ...failure, rollout_status: state }, watched)).toEqual({
      fromRevision: 2,
      toRevision: 1,
      deployId: 'badimage-registryexamplebadimage1',
      outcome,
      reason: failure.reason,
      message: failure.message,
    });
  });

  it('announces what failed and where it goes back to, with the deploy-id stored', () => {
    expect(announce(failure, p, p.deployId, false)).toBe(
      `revision 2 of deployment "badimage" failed (${failure.reason}): rolling back to revision 1 (deploy-id badimage-registryexamplebadimage1, replica set ${p.replicaSet})\n`,
    );
    expect(announce(failure, p, p.deployId, true)).toMatch(/: would roll back to revision 1 .*; dry run, nothing changed\n$/);
    expect(announce(failure, p, 'other', false)).toMatch(/deploy-id other, .*revision 1 had deploy-id badimage-registryexamplebadimage1: a webhook changed it/);
  });

  it('concludes with the revision number the controller gives the template now, or why it failed', () => {
    const done = rollbackOf(p, { ...failure, rollout_status: 'Completed' }, true);
    expect(concluded('badimage', done, 3)).toBe(
      'deployment "badimage" rolled back to revision 1 (deploy-id badimage-registryexamplebadimage1; the controller numbers it revision 3 now)\n',
    );
    const failed = rollbackOf(p, { ...failure, rollout_status: 'Timeout', message: 'deployment "badimage" exceeded its progress deadline' }, true);
    expect(concluded('badimage', failed, 3)).toBe(
      'rollback of deployment "badimage" to revision 1 failed: deployment "badimage" exceeded its progress deadline\n',
    );
  });
});

describe('rollbackTimeoutMs', () => {
  const d = (progressDeadlineSeconds?: number): Deployment => ({ spec: { ...(progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds } : {}) } });
  it.each([
    { name: '--timeout again when set', timeout: 30_000, d: d(600), want: 30_000 },
    { name: 'else the progress deadline', timeout: 0, d: d(120), want: 120_000 },
    { name: 'the API default (600 s) when unset', timeout: 0, d: d(), want: 600_000 },
    { name: 'none for "no deadline" (MaxInt32)', timeout: 0, d: d(2147483647), want: 0 },
  ])('$name', ({ timeout, d, want }) => {
    expect(rollbackTimeoutMs(timeout, d)).toBe(want);
  });
});

describe('a stale progress deadline is no verdict on the rollback', () => {
  const s = snapshot('deadline-exceeded');
  const cond = s.deployment.status!.conditions!.find((c) => c.type === 'Progressing')!;
  it('the failure itself is a Timeout', () => {
    expect(viewOf(s).rollout_status).toBe('Timeout');
  });
  it('the same condition after the undo is not', () => {
    expect(viewOf(s, { staleDeadlineMs: Date.parse(String(cond.lastUpdateTime)) }).rollout_status).toBe('InProgress');
  });
  it('a new deadline exceeded during the rollback is', () => {
    expect(viewOf(s, { staleDeadlineMs: Date.parse(String(cond.lastUpdateTime)) - 60_000 }).rollout_status).toBe('Timeout');
  });
});
