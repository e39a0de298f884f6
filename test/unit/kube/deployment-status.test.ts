// Where a rollout stands, the one judgement `rollout status` and `diagnose` share, held to two
// oracles the project did not write: what kubectl's own `rollout status` said about the same
// captured objects, and when the Deployment controller itself declared the deadline exceeded.
import { describe, expect, it } from 'vitest';
import { isRolledOut, progressDeadline, replicaCounts, replicaWait } from '../../../plugin/kube/deployment-status.js';
import type { Deployment } from '../../../plugin/kube/objects.js';
import { FIXTURES, snapshot, snapshots } from '../rollout/fixtures.js';

describe('isRolledOut and replicaWait agree with kubectl rollout status', () => {
  const withOracle = FIXTURES.flatMap((f) => snapshots(f).flatMap((s, i) => (s.kubectl === null ? [] : [{ name: `${f}[${i}]: ${s.note}`, s }])));
  // Each of kubectl's answers (pkg/polymorphichelpers/rollout_status.go) and what it says of the
  // replicas; an answer outside these fails the row.
  const WAITING = /^Waiting for deployment "[^"]+" rollout to finish: (.*)$/;
  const ROLLED_OUT = /^deployment "[^"]+" successfully rolled out$/;
  const DEADLINE = /^error: deployment "[^"]+" exceeded its progress deadline$/;
  const answer = (kubectl: string) =>
    WAITING.test(kubectl) ? 'waiting' : ROLLED_OUT.test(kubectl) ? 'rolled out' : DEADLINE.test(kubectl) ? 'deadline' : kubectl;

  it("the captures hold each of kubectl's answers: waiting for replicas, rolled out, the deadline exceeded", () => {
    const counts: Record<string, number> = {};
    for (const { s } of withOracle) counts[answer(s.kubectl!)] = (counts[answer(s.kubectl!)] ?? 0) + 1;
    expect(counts).toEqual({ waiting: 12, 'rolled out': 2, deadline: 1 });
  });

  it.each(withOracle)('$name', ({ s }) => {
    const kubectl = s.kubectl!;
    const wait = replicaWait(replicaCounts(s.deployment));
    expect(isRolledOut(s.deployment)).toBe(ROLLED_OUT.test(kubectl));
    switch (answer(kubectl)) {
      case 'waiting':
        // kubectl's words for the step it waits on, after the deployment's name.
        expect(wait?.message).toBe(WAITING.exec(kubectl)![1]);
        break;
      case 'rolled out':
        expect(wait).toBeUndefined();
        break;
      case 'deadline':
        // kubectl names the deadline before any replica step; the replicas still wait on one.
        expect(wait).toBeDefined();
        break;
      default:
        throw new Error(`an answer of kubectl this table does not know: ${kubectl}`);
    }
  });
});

describe('progressDeadline', () => {
  it('expires when the controller declares ProgressDeadlineExceeded (captured: the same Deployment, before and after)', () => {
    const before = snapshot('never-ready');
    const after = snapshot('deadline-exceeded');
    expect(after.deployment.metadata?.uid).toBe(before.deployment.metadata?.uid);
    const deadline = progressDeadline(before.deployment, Date.parse(before.now));
    const declared = after.deployment.status!.conditions!.find((c) => c.reason === 'ProgressDeadlineExceeded')!;
    const lateBy = Date.parse(declared.lastTransitionTime as string) - Date.parse(deadline!.expiresAt);
    // The controller re-checks at the deadline; it never declares early, and not much later.
    expect(lateBy).toBeGreaterThanOrEqual(0);
    expect(lateBy).toBeLessThanOrEqual(2000);
  });

  const progressing = (over: Record<string, unknown>, spec: Record<string, unknown> = {}): Deployment => ({
    spec: { progressDeadlineSeconds: 600, ...spec },
    status: { conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: '2026-11-23T06:11:27Z', ...over }] },
  });
  const now = Date.parse('2026-11-23T06:11:28.822Z');

  it.each([
    {
      name: 'running: 10 minutes from the last update, seconds left rounded up',
      d: progressing({}),
      want: { seconds: 600, expiresAt: '2026-11-23T06:21:27Z', secondsLeft: 599 },
    },
    {
      name: 'passed: 0 seconds left',
      d: progressing({}, { progressDeadlineSeconds: 1 }),
      want: { seconds: 1, expiresAt: '2026-11-23T06:11:28Z', secondsLeft: 0 },
    },
    { name: 'complete (NewReplicaSetAvailable): the controller stopped the clock', d: progressing({ reason: 'NewReplicaSetAvailable' }), want: null },
    { name: 'paused (Progressing Unknown)', d: progressing({ status: 'Unknown', reason: 'DeploymentPaused' }), want: null },
    { name: 'no deadline (MaxInt32)', d: progressing({}, { progressDeadlineSeconds: 2147483647 }), want: null },
    { name: 'no progressDeadlineSeconds', d: progressing({}, { progressDeadlineSeconds: undefined }), want: null },
    { name: 'no lastUpdateTime', d: progressing({ lastUpdateTime: undefined }), want: null },
  ])('$name', ({ d, want }) => {
    expect(progressDeadline(d, now)).toEqual(want);
  });
});
