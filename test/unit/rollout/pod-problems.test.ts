// What a pod's status alone says is wrong, and whether waiting can fix it (`permanent` makes
// rollout status fail fast when every new pod has it). Statuses are the captured new pod of
// test/fixtures/rollout/config-error.json with its container status replaced per case; the start
// failure words are the real kubelet's of test/fixtures/rollout/start-error.json.
import { describe, expect, it } from 'vitest';
import type { ContainerStatus, Pod } from '../../../plugin/kube/objects.js';
import { podProblems } from '../../../plugin/rollout/pod-problems.js';
import { snapshot } from './fixtures.js';

const RUNC =
  'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/nope": stat /nope: no such file or directory';
const START_ERROR = { terminated: { reason: 'StartError', exitCode: 128, message: RUNC } };

/** The captured new pod with `status` as its only container's status. */
function podWith(status: Partial<ContainerStatus>): Pod {
  const pod = snapshot('config-error').pods.find((p) => p.metadata?.labels?.['paas.io/kwok-scenario'] === 'config-error')!;
  pod.status!.containerStatuses = [{ name: 'app', image: 'registry.example/badconfig:2', ready: false, restartCount: 1, ...status }];
  return pod;
}

describe('podProblems', () => {
  it('reads the start failure of the derived real-node fixture as permanent', () => {
    const pod = snapshot('start-error').pods.find((p) => p.status?.containerStatuses?.[0]?.state?.waiting)!;
    expect(podProblems(pod)).toEqual([{ pod: pod.metadata!.name, container: 'app', reason: 'RunContainerError', message: RUNC, permanent: true }]);
  });

  it.each([
    {
      name: 'RunContainerError at first sighting',
      status: { state: { waiting: { reason: 'RunContainerError', message: RUNC } } },
      reason: 'RunContainerError',
      message: RUNC,
      permanent: true,
    },
    {
      name: "RunContainerError without a message: the last termination's",
      status: { state: { waiting: { reason: 'RunContainerError' } }, lastState: START_ERROR },
      reason: 'RunContainerError',
      message: RUNC,
      permanent: true,
    },
    {
      name: 'a back-off after a failed start (not a crash)',
      status: { state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app' } }, lastState: START_ERROR },
      reason: 'CrashLoopBackOff',
      message: `last terminated: StartError, exit code 128: ${RUNC}`,
      permanent: true,
    },
    { name: 'the failed attempt itself, between two', status: { state: START_ERROR }, reason: 'StartError', message: RUNC, permanent: true },
    {
      name: 'CreateContainerError: no command',
      status: {
        state: {
          waiting: { reason: 'CreateContainerError', message: 'failed to generate container "0f1e" spec: failed to apply OCI options: no command specified' },
        },
      },
      reason: 'CreateContainerError',
      permanent: true,
    },
    {
      name: 'CreateContainerError: a slow runtime (clears by itself)',
      status: { state: { waiting: { reason: 'CreateContainerError', message: 'context deadline exceeded' } } },
      reason: 'CreateContainerError',
      permanent: false,
    },
    {
      name: 'CreateContainerError: a name the last attempt still holds',
      status: {
        state: {
          waiting: {
            reason: 'CreateContainerError',
            message: 'failed to reserve container name "app_web-1_shop_0f1e_1": name "app_web-1_shop_0f1e_1" is reserved for "4f1a"',
          },
        },
      },
      reason: 'CreateContainerError',
      permanent: false,
    },
    {
      name: 'a crash loop of a container that ran (may recover)',
      status: { state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } }, lastState: { terminated: { reason: 'Error', exitCode: 1 } } },
      reason: 'CrashLoopBackOff',
      message: 'last terminated: Error, exit code 1; back-off 10s',
      permanent: false,
    },
    {
      name: 'ErrImageNeverPull',
      status: {
        state: { waiting: { reason: 'ErrImageNeverPull', message: 'Container image "registry.example/badconfig:2" is not present with pull policy of Never' } },
      },
      reason: 'ErrImageNeverPull',
      permanent: true,
    },
    {
      name: 'a waiting reason nobody taught us, listed (not permanent)',
      status: { state: { waiting: { reason: 'PreStartHookError', message: 'hook failed' } } },
      reason: 'PreStartHookError',
      message: 'hook failed',
      permanent: false,
    },
  ])('$name', ({ status, reason, message, permanent }) => {
    const [p, ...rest] = podProblems(podWith(status));
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ container: 'app', reason, permanent });
    if (message) expect(p!.message).toBe(message);
  });

  it.each([
    { name: 'a running container', status: { state: { running: { startedAt: '2026-11-23T06:11:45Z' } } } },
    { name: 'a container being created', status: { state: { waiting: { reason: 'ContainerCreating' } } } },
    { name: 'a running container whose earlier start failed (it started after all)', status: { state: { running: {} }, lastState: START_ERROR } },
  ])('no problem: $name', ({ status }) => {
    expect(podProblems(podWith(status))).toEqual([]);
  });
});
