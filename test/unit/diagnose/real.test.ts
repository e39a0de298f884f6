// diagnose and rollout status on what the real node really did: each fixture of
// test/fixtures/diagnose/real/ was captured from the real kubelet and containerd by
// test/fixtures/diagnose/capture-real.ts (nothing in them is typed by hand). One row per failure:
// the root cause diagnose must name first, the facts its details must hold, and whether rollout
// status may give up at once (a failure waiting cannot fix).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { diagnose } from '../../../plugin/diagnose/analyse.js';
import { Code, Verdict } from '../../../plugin/diagnose/findings.js';
import type { Snapshot } from '../../../plugin/diagnose/model.js';
import { splitReplicaSets, podsOfReplicaSet } from '../../../plugin/kube/replica-sets.js';
import { podProblems } from '../../../plugin/rollout/pod-problems.js';

const DIR = new URL('../../fixtures/diagnose/real/', import.meta.url);

function load(name: string): { snapshot: Snapshot; now: Date } {
  const doc = parse(readFileSync(new URL(`${name}.yaml`, DIR), 'utf8')) as { now: string; snapshot: Snapshot };
  return { snapshot: doc.snapshot, now: new Date(doc.now) };
}

/** When the deleted pods of a snapshot were asked to stop, and their deletionTimestamps. */
interface Times {
  firstAsked: number;
  lastAsked: number;
  firstDeletion: number;
  lastDeletion: number;
}

function stopTimes(s: Snapshot): Times {
  const deleted = s.pods.filter((p) => p.metadata.deletionTimestamp);
  const del = deleted.map((p) => Date.parse(String(p.metadata.deletionTimestamp)));
  const asked = deleted.map((p, i) => del[i]! - (p.metadata.deletionGracePeriodSeconds ?? 0) * 1000);
  return { firstAsked: Math.min(...asked), lastAsked: Math.max(...asked), firstDeletion: Math.min(...del), lastDeletion: Math.max(...del) };
}

interface Row {
  name: string;
  code: Code;
  details: Record<string, unknown>;
  /** Words the explanation must carry (the fix it names). */
  says: RegExp;
  /** What rollout status makes of the new pods: permanent (fail fast), waiting, or no problem listed. */
  rollout: 'permanent' | 'waiting' | 'none';
  /** The verdict when it is not Problems: a rollout that is up with warnings is Healthy (exit 0). */
  verdict?: Verdict;
}

const rows: Row[] = [
  {
    name: 'image-not-found',
    code: Code.ImagePullFailed,
    details: { pullFailure: 'not-found', image: 'paas.local/testapp:1.0.1-typo' },
    says: /does not exist in its registry/,
    rollout: 'permanent',
  },
  {
    name: 'image-registry-unreachable',
    code: Code.ImagePullFailed,
    details: { pullFailure: 'unreachable' },
    says: /cannot reach the registry/,
    rollout: 'waiting',
  },
  { name: 'image-unauthorized', code: Code.ImagePullFailed, details: { pullFailure: 'unauthorized' }, says: /imagePullSecrets/, rollout: 'permanent' },
  { name: 'image-never-pull', code: Code.ImagePullFailed, details: { pullFailure: 'never-pull' }, says: /imagePullPolicy: Never/, rollout: 'permanent' },
  { name: 'crashloop', code: Code.CrashLoop, details: { exitCode: 1, lastTerminationReason: 'Error' }, says: /keeps exiting/, rollout: 'waiting' },
  { name: 'oomkilled', code: Code.OOMKilled, details: { exitCode: 137, memoryLimit: '64Mi' }, says: /more memory than its limit/, rollout: 'waiting' },
  {
    name: 'config-error-configmap',
    code: Code.ConfigError,
    details: { missing: 'configmap', name: 'web-config' },
    says: /Create the missing object/,
    rollout: 'permanent',
  },
  {
    name: 'config-error-secret-key',
    code: Code.ConfigError,
    details: { missing: 'secret-key', name: 'db', key: 'password' },
    says: /Create the missing object or key/,
    rollout: 'permanent',
  },
  { name: 'readiness-503', code: Code.ReadinessProbeFailing, details: { statusCode: 503, redirect: false }, says: /answers HTTP 503/, rollout: 'none' },
  {
    name: 'readiness-refused',
    code: Code.ReadinessProbeFailing,
    details: { failure: 'connection-refused' },
    says: /Nothing listens on the probed port/,
    rollout: 'none',
  },
  { name: 'readiness-https-redirect', code: Code.ReadinessProbeFailing, details: { redirect: true }, says: /X-Forwarded-Proto: https/, rollout: 'none' },
  {
    name: 'liveness-killing',
    code: Code.LivenessProbeKilling,
    details: { probe: 'liveness', statusCode: 503 },
    says: /kills app because its liveness probe fails/,
    rollout: 'none',
  },
  { name: 'startup-probe-never', code: Code.LivenessProbeKilling, details: { probe: 'startup' }, says: /startup probe fails/, rollout: 'none' },
  {
    name: 'start-failed-not-found',
    code: Code.StartFailed,
    details: { startFailure: 'executable-not-found', executable: '/nope' },
    says: /is not in the image/,
    rollout: 'permanent',
  },
  {
    name: 'start-failed-not-in-path',
    code: Code.StartFailed,
    details: { startFailure: 'executable-not-found', executable: 'web-server' },
    says: /is not in the image/,
    rollout: 'permanent',
  },
  {
    name: 'start-failed-exec-format',
    code: Code.StartFailed,
    details: { startFailure: 'exec-format', executable: '/testapp' },
    says: /another CPU architecture/,
    rollout: 'waiting',
  },
  { name: 'scheduling-gated', code: Code.SchedulingGated, details: { gates: ['example.com/quota-check'] }, says: /spec\.schedulingGates/, rollout: 'waiting' },
  {
    name: 'readiness-gate-pending',
    code: Code.ReadinessGatesPending,
    details: { gates: [{ conditionType: 'target-health.elbv2.k8s.aws/web', status: 'missing' }] },
    says: /readiness gates/,
    rollout: 'none',
  },
  { name: 'node-not-ready', code: Code.NodeNotReady, details: { node: 'paas-node', ready: 'Unknown' }, says: /stopped answering/, rollout: 'none' },
  { name: 'evicted', code: Code.Evicted, details: { resource: 'ephemeral-storage' }, says: /ephemeral-storage limit/, rollout: 'waiting' },
  {
    name: 'service-account-missing',
    code: Code.ServiceAccountMissing,
    details: { serviceAccount: 'web-deployer' },
    says: /ServiceAccount "web-deployer", which does not exist/,
    rollout: 'none',
  },
  {
    name: 'priority-class-missing',
    code: Code.PriorityClassMissing,
    details: { priorityClass: 'business-critical' },
    says: /PriorityClass "business-critical", which does not exist/,
    rollout: 'none',
  },
  {
    name: 'prestop-hook-failed',
    code: Code.PreStopHookFailed,
    details: { execSleep: true, hooks: [{ container: 'app', hook: 'exec sleep 5' }] },
    says: /native sleep action/,
    rollout: 'none',
  },
  {
    name: 'exit-zero-loop',
    code: Code.CrashLoop,
    details: { exitCode: 0, lastTerminationReason: 'Completed', running: false },
    says: /Exit code 0 is no success/,
    rollout: 'waiting',
  },
  {
    name: 'exit-zero-running-again',
    code: Code.CrashLoop,
    details: { exitCode: 0, lastTerminationReason: 'Completed', running: true, restarts: 1 },
    says: /runs again, and Kubernetes counts it available/,
    rollout: 'waiting',
    // Rolled out by Kubernetes' rules: healthy, with the restarts as a warning.
    verdict: Verdict.Healthy,
  },
  {
    name: 'liveness-probe-errors',
    code: Code.ProbeErrored,
    details: { probe: 'liveness', executable: 'cat', ready: true },
    says: /liveness checking is silently off/,
    rollout: 'none',
    verdict: Verdict.Healthy,
  },
  {
    name: 'readiness-probe-errors',
    code: Code.ProbeErrored,
    details: { probe: 'readiness', executable: 'cat', ready: false },
    says: /never turns Ready/,
    rollout: 'none',
  },
  {
    name: 'old-pods-stuck-terminating',
    code: Code.OldPodsNotTerminating,
    details: { finalizers: ['example.com/drain-connections'] },
    says: /finalizers example\.com\/drain-connections hold them/,
    rollout: 'none',
    // The rollout itself is done: the stuck old pods are a warning beside a healthy verdict.
    verdict: Verdict.Healthy,
  },
];

describe('diagnose on failures captured from the real node', () => {
  it.each(rows)('$name: $code first', ({ name, code, details, says, verdict }) => {
    const { snapshot, now } = load(name);
    const d = diagnose(snapshot, now);
    expect(d.verdict).toBe(verdict ?? Verdict.Problems);
    const first = d.findings[0]!;
    expect(first.code, d.findings.map((f) => `${f.code}: ${f.summary}`).join('\n')).toBe(code);
    expect(first.details).toMatchObject(details);
    expect(first.explanation).toMatch(says);
  });

  it('puts the log of the run that failed next to a crash, the line that names an exec format error included', () => {
    const crash = diagnose(load('crashloop').snapshot, load('crashloop').now).findings[0]!;
    expect(crash.logs?.[0]).toMatchObject({ container: 'app', previous: true });
    expect(crash.logs?.[0]?.lines.at(-1)).toMatch(/exiting with code 1 as asked/);
    const exec = diagnose(load('start-failed-exec-format').snapshot, load('start-failed-exec-format').now).findings[0]!;
    expect(exec.logs?.[0]?.lines.join('\n')).toMatch(/exec format error/);
  });

  it('says old pods held by a long preStop are still stopping, with the hook and the time left, and nothing is wrong', () => {
    const { snapshot, now } = load('old-pods-long-prestop');
    const d = diagnose(snapshot, now);
    expect(d.verdict).toBe(Verdict.Healthy);
    const f = d.findings.find((x) => x.code === Code.OldPodsStillStopping)!;
    expect(f.severity).toBe('info');
    expect(f.details).toMatchObject({ gracePeriodSeconds: 660, hooks: [{ container: 'app', hook: 'sleep 600s' }] });
    expect((f.details as { stoppingForSeconds: number }).stoppingForSeconds).toBeGreaterThanOrEqual(60);
    expect((f.details as { secondsLeft: number }).secondsLeft).toBeLessThanOrEqual(600);
    expect(f.pods).toHaveLength(snapshot.deployment.spec!.replicas!);
    expect(f.explanation).toMatch(/preStop hook \(app: sleep 600s\) holds them/);
  });

  // The same captured pods judged at other instants: a drain is long from 60 s after a pod was
  // asked to stop, and stuck 30 s past its deletionTimestamp (asked + grace period).
  it.each([
    { at: 'every pod stopping for under 60 s', instant: (t: Times) => t.firstAsked + 59_000, code: undefined },
    { at: 'every pod stopping for over 60 s', instant: (t: Times) => t.lastAsked + 61_000, code: Code.OldPodsStillStopping },
    { at: 'every pod at most 29 s past its deletionTimestamp', instant: (t: Times) => t.firstDeletion + 29_000, code: Code.OldPodsStillStopping },
    { at: 'every pod over 30 s past its deletionTimestamp', instant: (t: Times) => t.lastDeletion + 31_000, code: Code.OldPodsNotTerminating },
  ])('old pods of a long preStop, $at: $code', ({ instant, code }) => {
    const { snapshot } = load('old-pods-long-prestop');
    const codes = diagnose(snapshot, new Date(instant(stopTimes(snapshot)))).findings.map((f) => f.code);
    expect(codes.filter((c) => c === Code.OldPodsStillStopping || c === Code.OldPodsNotTerminating)).toEqual(code ? [code] : []);
  });

  it('a container that never ran has no log to show', () => {
    const { snapshot, now } = load('start-failed-not-found');
    expect(diagnose(snapshot, now).findings[0]!.logs).toBeUndefined();
    // Behind a back-off the kubelet serves its "previous" log: empty, as it never ran. Still none.
    const pod = diagnose(snapshot, now).findings[0]!.pods[0]!;
    const empty = { ...snapshot, logs: [{ pod, container: 'app', previous: true, lines: [] }] };
    expect(diagnose(empty, now).findings[0]!.logs).toBeUndefined();
  });
});

describe('rollout status on the same failures: fails fast only where waiting cannot help', () => {
  it.each(rows.filter((r) => r.rollout !== 'none'))('$name: $rollout', ({ name, rollout }) => {
    const { snapshot, now } = load(name);
    const newRS = splitReplicaSets(snapshot.deployment, snapshot.replicaSets).newRS!;
    const problems = podsOfReplicaSet(newRS, snapshot.pods).flatMap((p) => podProblems(p, now.getTime()));
    expect(problems.length, JSON.stringify(problems)).toBeGreaterThan(0);
    expect(
      problems.every((p) => p.permanent),
      JSON.stringify(problems),
    ).toBe(rollout === 'permanent');
  });
});
