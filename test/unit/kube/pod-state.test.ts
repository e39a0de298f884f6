// The one judgement of a container's state (plugin/kube/pod-state.ts), which rollout status and
// diagnose both use. Held to every state the real node produced (test/fixtures/diagnose/real/,
// captured from the kubelet and containerd, nothing typed), and to the edges the kubelet's
// semantics decide: under restartPolicy Always a container that exits is restarted, whatever its
// exit code, so it is crash-looping; an init container that exits 0 is done.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ContainerStatus } from '../../../plugin/kube/objects.js';
import { ContainerCondition, judgeContainer, judgeContainers, podHold, RECENT_EXIT_S } from '../../../plugin/kube/pod-state.js';
import type { Snapshot } from '../../../plugin/diagnose/model.js';

const DIR = new URL('../../fixtures/diagnose/real/', import.meta.url);

/** The live pods of the broken version (deploy-id v2-...) of a capture, with its `now`. */
function newPods(name: string) {
  const doc = parse(readFileSync(new URL(`${name}.yaml`, DIR), 'utf8')) as { now: string; snapshot: Snapshot };
  const pods = doc.snapshot.pods.filter((p) => p.metadata.labels?.['paas.io/deploy-id']?.startsWith('v2-') && !p.metadata.deletionTimestamp);
  return { pods, now: Date.parse(doc.now) };
}

// What each capture's new pods are, read off the kubelet's own status in the file: the pod's
// hold (evicted, unscheduled) and each container's condition and whether waiting can fix it.
const C = ContainerCondition;
const captures: { name: string; hold?: string; conditions: string[]; permanent?: boolean }[] = [
  { name: 'config-error-configmap', conditions: [C.ConfigError], permanent: true },
  { name: 'config-error-secret-key', conditions: [C.ConfigError], permanent: true },
  { name: 'crashloop', conditions: [C.Exited], permanent: false },
  // Both replicas run, one on each real node, as the drain of paas-node-2 waits on the budget.
  { name: 'drain-blocked', conditions: [C.Running] },
  { name: 'drain-single-replica', conditions: [C.Running] },
  // The evicted pod's container was killed (terminated Error); its replacement runs.
  { name: 'evicted', hold: 'Evicted', conditions: [C.Exited, C.Running] },
  { name: 'exit-zero-loop', conditions: [C.Exited], permanent: false },
  { name: 'exit-zero-running-again', conditions: [C.Restarting], permanent: false },
  { name: 'image-never-pull', conditions: [C.PullFailed], permanent: true },
  { name: 'image-not-found', conditions: [C.PullFailed], permanent: true },
  { name: 'image-registry-unreachable', conditions: [C.PullFailed], permanent: false },
  { name: 'image-unauthorized', conditions: [C.PullFailed], permanent: true },
  // Killed by its liveness probe, it exits 0 on SIGTERM (Completed) and runs again: restarting.
  { name: 'liveness-probe-errors', conditions: [C.Running] },
  { name: 'readiness-probe-errors', conditions: [C.Running] },
  { name: 'liveness-killing', conditions: [C.Restarting], permanent: false },
  { name: 'node-not-ready', conditions: [C.Running] },
  { name: 'old-pods-long-prestop', conditions: [C.Running] },
  { name: 'old-pods-stuck-terminating', conditions: [C.Running] },
  { name: 'oomkilled', conditions: [C.Exited], permanent: false },
  { name: 'prestop-hook-failed', conditions: [C.Running] },
  { name: 'priority-class-missing', conditions: [] },
  { name: 'readiness-503', conditions: [C.Running] },
  { name: 'readiness-gate-pending', conditions: [C.Running] },
  { name: 'readiness-https-redirect', conditions: [C.Running] },
  { name: 'readiness-refused', conditions: [C.Running] },
  { name: 'scheduling-gated', hold: 'SchedulingGated', conditions: [] },
  { name: 'service-account-missing', conditions: [] },
  // The replica on paas-node runs; the replacement of the one evicted from paas-node-2 is
  // unscheduled (the spread), with no container status yet.
  { name: 'spread-do-not-schedule', hold: 'Unschedulable', conditions: [C.Running] },
  // exec format error: the runtime started it; runc exits 1 and only the log says why.
  { name: 'start-failed-exec-format', conditions: [C.Exited], permanent: false },
  { name: 'start-failed-not-found', conditions: [C.StartFailed], permanent: true },
  { name: 'start-failed-not-in-path', conditions: [C.StartFailed], permanent: true },
  { name: 'startup-probe-never', conditions: [C.Running] },
];

describe('judgeContainer on every capture of the real node', () => {
  it('has a row for every capture', () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''))
      .sort();
    expect(captures.map((c) => c.name).sort()).toEqual(files);
  });

  it.each(captures)('$name', ({ name, hold, conditions, permanent }) => {
    const { pods, now } = newPods(name);
    const judged = pods.flatMap((p) => judgeContainers(p, now).map((c) => c.judgement));
    expect([...new Set(judged.map((j) => j.condition))].sort()).toEqual([...conditions].sort());
    if (permanent !== undefined) {
      const problems = judged.filter((j) => j.condition === conditions[0]);
      expect(problems.every((j) => j.permanent === permanent)).toBe(true);
    }
    expect(pods.map(podHold).find((h) => h !== undefined)?.reason).toBe(hold);
  });
});

const T = Date.parse('2026-12-07T10:00:00Z');
const at = (secondsAgo: number) => new Date(T - secondsAgo * 1000).toISOString();

describe('judgeContainer at the edges the kubelet decides', () => {
  it.each<{ name: string; cs: Partial<ContainerStatus>; init?: boolean; condition: ContainerCondition; reason?: string }>([
    {
      name: 'exit 0 in a back-off: a crash loop all the same',
      cs: { restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'Completed', exitCode: 0 } } },
      condition: C.Exited,
      reason: 'CrashLoopBackOff',
    },
    {
      name: 'exit 0, between two runs',
      cs: { restartCount: 2, state: { terminated: { reason: 'Completed', exitCode: 0, finishedAt: at(1) } } },
      condition: C.Exited,
      reason: 'CrashLoopBackOff',
    },
    {
      name: 'exit 1 before the first restart: it exited, the kubelet restarts it',
      cs: { restartCount: 0, state: { terminated: { reason: 'Error', exitCode: 1, finishedAt: at(1) } } },
      condition: C.Exited,
    },
    {
      name: 'an init container that exited 0 is done',
      cs: { restartCount: 0, state: { terminated: { reason: 'Completed', exitCode: 0 } } },
      init: true,
      condition: C.Done,
    },
    {
      name: 'an init container that exited 1 is failing',
      cs: { restartCount: 1, state: { terminated: { reason: 'Error', exitCode: 1 } } },
      init: true,
      condition: C.Exited,
    },
    {
      name: 'running again, exited 30 s ago (exit 0)',
      cs: { restartCount: 1, state: { running: { startedAt: at(20) } }, lastState: { terminated: { reason: 'Completed', exitCode: 0, finishedAt: at(30) } } },
      condition: C.Restarting,
      reason: 'Completed',
    },
    {
      name: 'running for long since its last exit: forgiven, as the kubelet resets its back-off',
      cs: {
        restartCount: 1,
        state: { running: { startedAt: at(RECENT_EXIT_S + 10) } },
        lastState: { terminated: { reason: 'Error', exitCode: 1, finishedAt: at(RECENT_EXIT_S + 20) } },
      },
      condition: C.Running,
    },
    { name: 'a waiting reason nobody taught us', cs: { restartCount: 0, state: { waiting: { reason: 'PreStartHookError' } } }, condition: C.Unknown },
    { name: 'no state yet', cs: { restartCount: 0 }, condition: C.Starting },
    { name: 'being created', cs: { restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }, condition: C.Starting },
  ])('$name: $condition', ({ cs, init, condition, reason }) => {
    const j = judgeContainer({ name: 'app', ready: false, ...cs }, init ?? false, T);
    expect(j.condition).toBe(condition);
    if (reason) expect(j.reason).toBe(reason);
  });
});
