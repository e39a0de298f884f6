import { describe, expect, it } from 'vitest';
import { kubeconfigPaths, resolveKubeconfig, type KubeconfigFile } from '../../../plugin/kube/kubeconfig.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

const main: KubeconfigFile = {
  path: '/home/u/.kube/config',
  doc: {
    'current-context': 'dev',
    clusters: [
      { name: 'dev', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64('CA-PEM') } },
      { name: 'files', cluster: { server: 'https://127.0.0.1:7443', 'certificate-authority': 'ca.crt', 'tls-server-name': 'api.local' } },
    ],
    users: [
      { name: 'admin', user: { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') } },
      { name: 'bot', user: { token: 's3cret' } },
      { name: 'relative', user: { 'client-certificate': 'certs/u.crt', 'client-key': '/abs/u.key', tokenFile: 'tok' } },
      {
        name: 'plugin',
        user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'get-token', args: ['--x'], env: [{ name: 'A', value: '1' }] } },
      },
      { name: 'gcp', user: { 'auth-provider': { name: 'gcp' } } },
    ],
    contexts: [
      { name: 'dev', context: { cluster: 'dev', user: 'admin', namespace: 'shop' } },
      { name: 'ci', context: { cluster: 'files', user: 'relative' } },
      { name: 'robot', context: { cluster: 'dev', user: 'bot' } },
      { name: 'exec', context: { cluster: 'dev', user: 'plugin' } },
      { name: 'legacy', context: { cluster: 'dev', user: 'gcp' } },
      { name: 'broken', context: { cluster: 'nowhere', user: 'admin' } },
    ],
  },
};

describe('resolveKubeconfig', () => {
  it('uses the current context, its namespace and inline credentials', () => {
    const r = resolveKubeconfig([main], {});
    expect(r).toMatchObject({
      context: 'dev',
      namespace: 'shop',
      server: 'https://127.0.0.1:6443',
      ca: { data: 'CA-PEM' },
      cert: { data: 'CERT' },
      key: { data: 'KEY' },
    });
    expect(r.insecureSkipTLSVerify).toBe(false);
  });

  it('lets -n and --context win', () => {
    const r = resolveKubeconfig([main], { context: 'robot', namespace: 'web' });
    expect([r.context, r.namespace, r.token]).toEqual(['robot', 'web', 's3cret']);
  });

  it('defaults the namespace to "default"', () => {
    expect(resolveKubeconfig([main], { context: 'robot' }).namespace).toBe('default');
  });

  it('resolves file references relative to the kubeconfig file, as kubectl does', () => {
    const r = resolveKubeconfig([main], { context: 'ci' });
    expect(r).toMatchObject({
      ca: { file: '/home/u/.kube/ca.crt' },
      cert: { file: '/home/u/.kube/certs/u.crt' },
      key: { file: '/abs/u.key' },
      tokenFile: '/home/u/.kube/tok',
      tlsServerName: 'api.local',
    });
  });

  it('reads an exec credential plugin', () => {
    expect(resolveKubeconfig([main], { context: 'exec' }).exec).toEqual({
      command: 'get-token',
      args: ['--x'],
      env: { A: '1' },
      apiVersion: 'client.authentication.k8s.io/v1',
      dir: '/home/u/.kube',
    });
  });

  it('flags auth-provider users for the client-node fallback', () => {
    expect(resolveKubeconfig([main], { context: 'legacy' }).unsupportedAuth).toBe('auth-provider');
  });

  it('merges $KUBECONFIG files: the first file wins per name and for current-context', () => {
    const second: KubeconfigFile = {
      path: '/tmp/other',
      doc: {
        'current-context': 'other',
        clusters: [
          { name: 'dev', cluster: { server: 'https://10.0.0.1' } },
          { name: 'o', cluster: { server: 'https://127.0.0.2' } },
        ],
        contexts: [{ name: 'other', context: { cluster: 'o' } }],
      },
    };
    expect(resolveKubeconfig([main, second], {}).server).toBe('https://127.0.0.1:6443');
    expect(resolveKubeconfig([main, second], { context: 'other' }).server).toBe('https://127.0.0.2');
  });

  it.each([
    { name: 'an unknown context', files: [main], flags: { context: 'nope' }, message: 'context "nope" does not exist in /home/u/.kube/config' },
    { name: 'a context naming a missing cluster', files: [main], flags: { context: 'broken' }, message: 'names cluster "nowhere", which is not in' },
    { name: 'no current context', files: [{ path: '/k', doc: { clusters: [] } }], flags: {}, message: 'no current context in /k' },
    { name: 'no files at all', files: [], flags: {}, message: 'no kubeconfig found' },
  ])('refuses $name with a clear message', ({ files, flags, message }) => {
    expect(() => resolveKubeconfig(files, flags)).toThrow(message);
  });
});

describe('kubeconfigPaths', () => {
  it.each([
    { flag: '/x/config', env: { KUBECONFIG: '/a:/b' }, paths: ['/x/config'] },
    { flag: undefined, env: { KUBECONFIG: '/a::/b:/a' }, paths: ['/a', '/b'] },
    { flag: undefined, env: {}, paths: ['/home/u/.kube/config'] },
  ])('--kubeconfig $flag, KUBECONFIG $env.KUBECONFIG → $paths', ({ flag, env, paths }) => {
    expect(kubeconfigPaths(flag, env, '/home/u')).toEqual(paths);
  });
});
