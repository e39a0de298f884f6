// The Deployment name in a command-line argument, shared by `rollout status` and `diagnose`.
import { describe, expect, it } from 'vitest';
import { deploymentName, workloadRef } from '../../../plugin/kube/names.js';

describe('deploymentName', () => {
  it.each([
    { name: 'takes a plain name', arg: 'web', want: 'web' },
    { name: 'takes dots and dashes inside', arg: 'shop.web-2', want: 'shop.web-2' },
    { name: 'strips deploy/', arg: 'deploy/web', want: 'web' },
    { name: 'strips deployment/', arg: 'deployment/web', want: 'web' },
    { name: 'strips deployments.apps/', arg: 'deployments.apps/web', want: 'web' },
    { name: 'takes a name of 253 characters', arg: 'a'.repeat(253), want: 'a'.repeat(253) },
    { name: 'refuses a name of 254 characters', arg: 'a'.repeat(254), want: undefined },
    { name: 'refuses uppercase', arg: 'Web', want: undefined },
    { name: 'refuses an underscore', arg: 'web_1', want: undefined },
    { name: 'refuses a leading dash', arg: '-web', want: undefined },
    { name: 'refuses a trailing dot', arg: 'web.', want: undefined },
    { name: 'refuses an empty name', arg: '', want: undefined },
    { name: 'refuses another kind', arg: 'pod/web', want: undefined },
    { name: 'refuses a prefix with nothing after it', arg: 'deploy/', want: undefined },
  ])('$name', ({ arg, want }) => {
    expect(deploymentName(arg)).toBe(want);
  });
});

describe("workloadRef: kubectl rollout status' TYPE/NAME, and a bare name as a Deployment", () => {
  it.each([
    { name: 'a bare name is a Deployment', arg: 'web', want: { kind: 'Deployment', name: 'web' } },
    { name: 'deployment/', arg: 'deployment/web', want: { kind: 'Deployment', name: 'web' } },
    { name: 'deploy/', arg: 'deploy/web', want: { kind: 'Deployment', name: 'web' } },
    { name: 'deployments.apps/', arg: 'deployments.apps/web', want: { kind: 'Deployment', name: 'web' } },
    { name: 'statefulset/', arg: 'statefulset/db', want: { kind: 'StatefulSet', name: 'db' } },
    { name: 'sts/', arg: 'sts/db', want: { kind: 'StatefulSet', name: 'db' } },
    { name: 'statefulsets.apps/', arg: 'statefulsets.apps/db', want: { kind: 'StatefulSet', name: 'db' } },
    { name: 'daemonset/', arg: 'daemonset/agent', want: { kind: 'DaemonSet', name: 'agent' } },
    { name: 'ds/', arg: 'ds/agent', want: { kind: 'DaemonSet', name: 'agent' } },
    { name: 'daemonsets/', arg: 'daemonsets/agent', want: { kind: 'DaemonSet', name: 'agent' } },
    { name: 'a bad bare name, worded as before', arg: 'Web_1', want: { problem: 'invalid deployment name "Web_1"' } },
    { name: 'a bad name after sts/', arg: 'sts/DB', want: { problem: 'invalid statefulset name "DB"' } },
    { name: 'nothing after ds/', arg: 'ds/', want: { problem: 'invalid daemonset name ""' } },
    {
      name: 'another kind',
      arg: 'pod/web',
      want: { problem: 'invalid resource "pod/web": name a deployment, statefulset (sts) or daemonset (ds), as TYPE/NAME' },
    },
  ])('$name', ({ arg, want }) => {
    expect(workloadRef(arg)).toEqual(want);
  });
});
