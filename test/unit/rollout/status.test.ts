import { describe, expect, it } from 'vitest';
import { exitCodeOf, rolloutStatus, waitTimedOut, type RolloutState, type StatusOptions } from '../../../plugin/rollout/status.js';
import { FIXTURES, snapshot, snapshots, type Snapshot } from './fixtures.js';

function statusOf(s: Snapshot, opts: StatusOptions = {}) {
  return rolloutStatus(s.deployment, s.replicaSets, s.pods, Date.parse(s.now), opts);
}

describe('rolloutStatus agrees with kubectl rollout status wherever kubectl answers', () => {
  const withOracle = FIXTURES.flatMap((f) => snapshots(f).flatMap((s, i) => (s.kubectl === null ? [] : [{ name: `${f}[${i}]: ${s.note}`, s }])));

  it.each(withOracle)('$name', ({ s }) => {
    const v = statusOf(s);
    const kubectl = s.kubectl!;
    if (kubectl.endsWith('successfully rolled out')) {
      expect(v.rollout_status).toBe('Completed');
      expect(v.message).toBe(kubectl);
    } else if (kubectl.startsWith('error: ')) {
      expect(v.rollout_status).toBe('Timeout');
      expect(v.message).toBe(kubectl.slice('error: '.length));
    } else if (v.rollout_status === 'InProgress') {
      expect(v.message).toBe(kubectl);
    } else {
      // kubectl keeps waiting where we answer: paused (it hangs) or a permanent failure.
      expect(['Paused', 'Failed']).toContain(v.rollout_status);
      expect(kubectl).toMatch(/^Waiting for deployment/);
    }
  });
});

describe('rolloutStatus on snapshots of real rollouts', () => {
  const cases: {
    name: string;
    s: () => Snapshot;
    opts?: StatusOptions;
    state: RolloutState;
    status: string;
    reason: string | RegExp;
  }[] = [
    {
      name: 'a finished rolling update is Completed and ready',
      s: () => snapshot('rolling-update', -1),
      state: 'Completed',
      status: 'ready',
      reason: 'NewReplicaSetAvailable',
    },
    {
      name: 'a rolling update that is creating new replicas is InProgress',
      s: () => snapshot('rolling-update', 0),
      state: 'InProgress',
      status: 'deploying',
      reason: 'UpdatingReplicas',
    },
    {
      name: 'a spec change not yet observed by the controller waits',
      s: () => snapshot('generation-not-observed'),
      state: 'InProgress',
      status: 'deploying',
      reason: 'GenerationNotObserved',
    },
    { name: 'a paused update is Paused instead of hanging', s: () => snapshot('paused'), state: 'Paused', status: 'deploying', reason: 'DeploymentPaused' },
    {
      name: 'pods not ready yet, within the deadline, are waited for',
      s: () => snapshot('never-ready'),
      state: 'InProgress',
      status: 'deploying',
      reason: 'WaitingForAvailable',
    },
    {
      name: 'an exceeded progress deadline is Timeout',
      s: () => snapshot('deadline-exceeded'),
      state: 'Timeout',
      status: 'timeout',
      reason: 'ProgressDeadlineExceeded',
    },
    {
      name: 'an image that does not exist fails fast, before the deadline',
      s: () => snapshot('image-not-found'),
      state: 'Failed',
      status: 'failed',
      reason: /^(ErrImagePull|ImagePullBackOff)$/,
    },
    { name: 'a missing ConfigMap fails fast', s: () => snapshot('config-error'), state: 'Failed', status: 'failed', reason: 'CreateContainerConfigError' },
    {
      name: "a container the runtime cannot start fails fast (a real node's words, derived fixture)",
      s: () => snapshot('start-error'),
      state: 'Failed',
      status: 'failed',
      reason: 'RunContainerError',
    },
    {
      name: 'CrashLoopBackOff may recover: still InProgress',
      s: () => snapshot('crashloop'),
      state: 'InProgress',
      status: 'deploying',
      reason: /UpdatingReplicas|WaitingForAvailable|OldReplicasPendingTermination/,
    },
    {
      name: 'a ReplicaSet that cannot create pods (quota) fails with the controller reason',
      s: () => snapshot('replica-failure'),
      state: 'Failed',
      status: 'failed',
      reason: 'FailedCreate',
    },
    {
      name: 'rollover: the finished superseding update is Completed',
      s: () => snapshot('rollover', -1),
      state: 'Completed',
      status: 'ready',
      reason: 'NewReplicaSetAvailable',
    },
    {
      name: 'revision pinning: the running revision is reported as usual',
      s: () => snapshot('rolling-update', -1),
      opts: { revision: 2 },
      state: 'Completed',
      status: 'ready',
      reason: 'NewReplicaSetAvailable',
    },
    {
      name: 'revision pinning: another revision running is a failure, as kubectl errors',
      s: () => snapshot('rolling-update', -1),
      opts: { revision: 1 },
      state: 'Failed',
      status: 'failed',
      reason: 'RevisionMismatch',
    },
  ];

  it.each(cases)('$name', ({ s, opts, state, status, reason }) => {
    const v = statusOf(s(), opts);
    expect(v.rollout_status).toBe(state);
    expect(v.status).toBe(status);
    if (typeof reason === 'string') expect(v.reason).toBe(reason);
    else expect(v.reason).toMatch(reason);
  });

  it('reads replicas from the Deployment status, as kubectl get does', () => {
    // rolling-update[0] as the API server stored it: spec.replicas 3; status replicas 4 (3 old + 1
    // new), updatedReplicas 1, readyReplicas 1, unavailableReplicas 4, availableReplicas unset.
    expect(statusOf(snapshot('rolling-update', 0)).replicas).toEqual({ desired: 3, updated: 1, ready: 1, available: 0, unavailable: 4, oldPending: 3 });
  });

  it('takes the deploy-id from the new ReplicaSet and lists old ReplicaSets after it', () => {
    const s = snapshot('rolling-update', 0);
    const v = statusOf(s);
    const newRS = v.replicaSets[0]!;
    expect(newRS.role).toBe('new');
    expect(newRS.images).toEqual(['registry.example/web:2']);
    expect(v.id).toBe(newRS.deployId);
    expect(v.id).toBe(s.deployment.spec!.template!.metadata!.labels!['paas.io/deploy-id']);
    expect(v.replicaSets.slice(1).every((r) => r.role === 'old' && r.images[0] === 'registry.example/web:1')).toBe(true);
  });

  it('rollover mid-flight: the superseding template is new, the stuck one is old', () => {
    const all = snapshots('rollover');
    const mid = all.find((s) => s.replicaSets.length === 3 && s.deployment.status?.updatedReplicas !== s.deployment.spec?.replicas);
    expect(mid, 'a snapshot with three ReplicaSets mid-flight').toBeDefined();
    const v = statusOf(mid!);
    expect(v.replicaSets.map((r) => [r.role, r.images[0]])).toEqual([
      ['new', 'registry.example/roll:3'],
      ['old', 'registry.example/roll:2'],
      ['old', 'registry.example/roll:1'],
    ]);
    expect(v.rollout_status).toBe('InProgress');
  });

  it('counts the time left before the progress deadline while progressing, and stops it when paused or done', () => {
    // never-ready: Progressing updated at 06:11:38Z, progressDeadlineSeconds 3, read at 06:11:38.876Z.
    expect(statusOf(snapshot('never-ready')).deadline).toEqual({ seconds: 3, expiresAt: '2026-11-23T06:11:41Z', secondsLeft: 3 });
    expect(statusOf(snapshot('paused')).deadline).toBeNull();
    expect(statusOf(snapshot('rolling-update', -1)).deadline).toBeNull();
  });

  it('names each stuck new pod and marks permanent errors', () => {
    const v = statusOf(snapshot('image-not-found'));
    const newPods = v.replicaSets.find((r) => r.role === 'new')!.pods;
    expect(new Set(v.podProblems.map((p) => p.pod)).size).toBe(newPods);
    expect(v.podProblems.every((p) => p.permanent && p.container === 'app')).toBe(true);
    expect(v.message).toMatch(/manifest unknown/);
    const crash = statusOf(snapshot('crashloop'));
    expect(crash.podProblems.some((p) => p.reason === 'CrashLoopBackOff' && !p.permanent)).toBe(true);
  });

  it('a paused Deployment that finished rolling out is Completed, as kubectl says', () => {
    const s = snapshot('rolling-update', -1);
    s.deployment.spec!.paused = true;
    const v = statusOf(s);
    expect(v.rollout_status).toBe('Completed');
    expect(v.paused).toBe(true);
  });
});

describe('waitTimedOut and exitCodeOf', () => {
  it('turns a rollout still in progress at --timeout into Timeout, keeping its facts', () => {
    const v = statusOf(snapshot('never-ready'));
    const t = waitTimedOut(v, '5s');
    expect([t.rollout_status, t.status, t.reason]).toEqual(['Timeout', 'timeout', 'WaitTimeout']);
    expect(t.message).toContain('timed out after 5s');
    expect(t.replicas).toEqual(v.replicas);
  });

  it('leaves a terminal state alone', () => {
    const v = statusOf(snapshot('rolling-update', -1));
    expect(waitTimedOut(v, '5s')).toBe(v);
  });

  it.each([
    { states: ['Completed'], code: 0 },
    { states: ['Failed'], code: 1 },
    { states: ['Timeout'], code: 2 },
    { states: ['InProgress'], code: 3 },
    { states: ['Paused'], code: 4 },
    { states: ['Completed'], error: 7, code: 7 },
    { states: ['Failed'], error: 11, code: 11 },
    { states: ['Completed', 'Paused', 'Failed'], code: 1 },
    { states: ['Completed', 'InProgress', 'Paused'], code: 4 },
    { states: ['Timeout', 'Paused'], code: 2 },
    { states: [], code: 0 },
  ] as { states: RolloutState[]; error?: number; code: number }[])('$states (error: $error) → $code', ({ states, error, code }) => {
    expect(exitCodeOf(states, error)).toBe(code);
  });
});
