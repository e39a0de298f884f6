// The Deployment name in a command-line argument, shared by `rollout status` and `diagnose`.
import { describe, expect, it } from 'vitest';
import { deploymentName } from '../../../plugin/kube/names.js';

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
