// The one catalogue (core/errors.ts) as both binaries meet it: every error the access layer,
// the YAML reader and the policy engine raise is an entry with its documented exit code, and
// describeKubeError words an API answer as kubectl's message with the entry of its status.
import { describe, expect, it } from 'vitest';
import { ErrorCode, exitCodeOf, notFoundError, PaasError, usageError } from '../../../core/errors.js';
import { ConfigError, PolicyInputError } from '../../../core/policy/index.js';
import { KubeYamlError } from '../../../core/yaml/kube-yaml.js';
import { describeKubeError, HttpError, KubeError, KubeErrorKind } from '../../../kube-client/errors.js';

const ctx = { server: 'https://10.0.0.1:6443', namespace: 'shop' };

describe('each kind of failure exits with its own documented code', () => {
  it.each([
    { name: 'a usage error', err: usageError('invalid value "5" for --timeout', 'kubectl paas rollout status'), code: ErrorCode.Usage, exit: 5 },
    { name: 'a missing object', err: notFoundError('deployment "web"', 'shop'), code: ErrorCode.NotFound, exit: 7 },
    { name: 'HTTP 404', err: new HttpError(404, '{"message":"not found"}', '/x'), code: ErrorCode.NotFound, exit: 7 },
    { name: 'HTTP 403', err: new HttpError(403, '{"message":"forbidden"}', '/x'), code: ErrorCode.Forbidden, exit: 8 },
    { name: 'HTTP 401', err: new HttpError(401, '{"message":"Unauthorized"}', '/x'), code: ErrorCode.Forbidden, exit: 8 },
    { name: 'HTTP 409', err: new HttpError(409, '{"message":"conflict"}', '/x'), code: ErrorCode.Error, exit: 11 },
    { name: 'HTTP 500', err: new HttpError(500, '{"message":"etcd"}', '/x'), code: ErrorCode.Error, exit: 11 },
    { name: 'a refused connection', err: new KubeError(KubeErrorKind.Unreachable, 'cannot reach the cluster'), code: ErrorCode.Unreachable, exit: 9 },
    { name: 'a silent server', err: new KubeError(KubeErrorKind.Timeout, 'did not answer within 2s'), code: ErrorCode.Unreachable, exit: 9 },
    { name: 'a bad kubeconfig', err: new KubeError(KubeErrorKind.Config, 'context "x" does not exist'), code: ErrorCode.Kubeconfig, exit: 10 },
    { name: 'a failed exec plugin', err: new KubeError(KubeErrorKind.Credentials, 'exec plugin failed'), code: ErrorCode.Kubeconfig, exit: 10 },
    { name: 'a bad paas.toml', err: new ConfigError('paas.toml', 'deploy.surge', '"lots"', 'not a number'), code: ErrorCode.BadInput, exit: 2 },
    {
      name: 'a bad annotation',
      err: new PolicyInputError('metadata.annotations["paas.io/surge"]', '"lots"', 'not a number'),
      code: ErrorCode.BadInput,
      exit: 2,
    },
    { name: 'bad YAML', err: new KubeYamlError('invalid YAML', 0), code: ErrorCode.BadInput, exit: 2 },
    { name: 'anything else (a bug)', err: new TypeError('x is undefined'), code: undefined, exit: 11 },
  ])('$name: $exit', ({ err, code, exit }) => {
    expect(exitCodeOf(err)).toBe(exit);
    if (code !== undefined) expect(err).toMatchObject({ code, exit });
  });

  it('words a usage error one way: the problem, then where the help is', () => {
    expect(usageError('--dry-run goes with --undo-on-failure', 'kubectl paas rollout status').message).toBe(
      "--dry-run goes with --undo-on-failure (see 'kubectl paas rollout status --help')",
    );
  });
});

describe('describeKubeError: the API answer as one line about what was read, with its entry', () => {
  it.each([
    {
      name: '404',
      err: new HttpError(404, '{"kind":"Status","message":"deployments.apps \\"web\\" not found","code":404}', '/apis/apps/v1/namespaces/shop/deployments/web'),
      message: 'deployment "web" not found in namespace "shop"',
      exit: 7,
    },
    {
      name: '403',
      err: new HttpError(403, '{"message":"deployments.apps \\"web\\" is forbidden: User \\"bob\\" cannot get resource \\"deployments\\""}', '/x'),
      message: 'forbidden: deployments.apps "web" is forbidden: User "bob" cannot get resource "deployments"',
      exit: 8,
    },
    {
      name: '401',
      err: new HttpError(401, '{"message":"Unauthorized"}', '/x'),
      message: 'unauthorized: https://10.0.0.1:6443 refused the credentials',
      exit: 8,
    },
    {
      name: '500',
      err: new HttpError(500, '{"message":"etcd is down"}', '/x'),
      message: 'deployment "web": the API server answered 500: etcd is down',
      exit: 11,
    },
    {
      name: 'a KubeError keeps its line',
      err: new KubeError(KubeErrorKind.Unreachable, 'cannot reach the cluster at https://10.0.0.1:6443'),
      message: 'cannot reach the cluster at https://10.0.0.1:6443',
      exit: 9,
    },
    { name: 'any other error', err: new Error('socket hang up'), message: 'deployment "web": socket hang up', exit: 11 },
  ])('$name', ({ err, message, exit }) => {
    const d = describeKubeError(err, ctx, 'deployment "web"');
    expect(d).toBeInstanceOf(PaasError);
    expect([d.message, d.exit]).toEqual([message, exit]);
  });
});
