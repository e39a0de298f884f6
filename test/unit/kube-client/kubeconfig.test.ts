// The pure kubeconfig reading (kube-client/kubeconfig.ts): merging, the context, cluster and user
// picked, the flags over them, and the refusals, each naming the file and field. What kubectl
// itself does with the same files and flags is held against the client in kubectl-oracle.test.ts.
import { describe, expect, it } from 'vitest';
import { KubeError } from '../../../kube-client/errors.js';
import { kubeconfigPaths, mergeKubeconfigs, resolveConfig, type ConnectionFlags, type KubeconfigFile } from '../../../kube-client/kubeconfig.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

const main: KubeconfigFile = {
  path: '/home/u/.kube/config',
  doc: {
    'current-context': 'dev',
    clusters: [
      { name: 'dev', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64('CA-PEM'), 'tls-server-name': 'api.local' } },
      { name: 'files', cluster: { server: 'https://127.0.0.1:7443', 'certificate-authority': 'ca.crt', 'proxy-url': 'http://127.0.0.1:3128' } },
      { name: 'plain', cluster: { server: 'http://127.0.0.1:8080' } },
      { name: 'bare', cluster: { server: '127.0.0.1:6443', 'certificate-authority': '/ca.crt', 'disable-compression': true } },
    ],
    users: [
      { name: 'admin', user: { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') } },
      { name: 'bot', user: { token: 's3cret', as: 'jane', 'as-groups': ['devs'] } },
      { name: 'relative', user: { 'client-certificate': 'certs/u.crt', 'client-key': '/abs/u.key', tokenFile: 'tok' } },
      {
        name: 'plugin',
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: './bin/get-token',
            args: ['--x'],
            env: [{ name: 'A', value: '1' }],
            interactiveMode: 'Never',
          },
        },
      },
      { name: 'beta', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', provideClusterInfo: true } } },
      { name: 'oidc', user: { 'auth-provider': { name: 'oidc', config: { 'id-token': 'x' } } } },
    ],
    contexts: [
      { name: 'dev', context: { cluster: 'dev', user: 'admin', namespace: 'shop' } },
      { name: 'ci', context: { cluster: 'files', user: 'relative' } },
      { name: 'robot', context: { cluster: 'dev', user: 'bot' } },
      { name: 'exec', context: { cluster: 'dev', user: 'plugin' } },
      { name: 'beta', context: { cluster: 'dev', user: 'beta' } },
      { name: 'legacy', context: { cluster: 'dev', user: 'oidc' } },
      { name: 'plain', context: { cluster: 'plain', user: 'bot' } },
      { name: 'bare', context: { cluster: 'bare', user: 'bot' } },
      { name: 'broken', context: { cluster: 'nowhere', user: 'admin' } },
      { name: 'nouser', context: { cluster: 'dev', user: 'ghost' } },
    ],
  },
};

const resolve = (flags: ConnectionFlags, files: KubeconfigFile[] = [main]) => resolveConfig(mergeKubeconfigs(files), flags);

describe('resolveConfig: what the files and flags say', () => {
  it('uses the current context, its namespace and inline credentials', () => {
    expect(resolve({})).toMatchObject({
      context: 'dev',
      namespace: 'shop',
      server: 'https://127.0.0.1:6443',
      ca: { data: 'CA-PEM' },
      tlsServerName: 'api.local',
      insecure: false,
      auth: { cert: { data: 'CERT' }, key: { data: 'KEY' } },
    });
  });

  it('resolves file references against the kubeconfig file, as kubectl does', () => {
    expect(resolve({ context: 'ci' })).toMatchObject({
      ca: { file: '/home/u/.kube/ca.crt' },
      proxyUrl: 'http://127.0.0.1:3128',
      auth: { cert: { file: '/home/u/.kube/certs/u.crt' }, key: { file: '/abs/u.key' }, tokenFile: '/home/u/.kube/tok' },
    });
  });

  it('reads an exec plugin: a command with a slash is relative to the file, env and args as given', () => {
    expect(resolve({ context: 'exec' }).auth.exec).toEqual({
      command: '/home/u/.kube/bin/get-token',
      args: ['--x'],
      env: [{ name: 'A', value: '1' }],
      apiVersion: 'client.authentication.k8s.io/v1',
      provideClusterInfo: false,
      interactiveMode: 'Never',
      user: 'plugin',
    });
  });

  it('defaults a v1beta1 plugin to interactiveMode IfAvailable and keeps a bare command for PATH', () => {
    expect(resolve({ context: 'beta' }).auth.exec).toMatchObject({ command: 'aws', interactiveMode: 'IfAvailable', provideClusterInfo: true });
  });

  it('keeps an auth-provider user for the auth-provider module', () => {
    expect(resolve({ context: 'legacy' }).auth.authProvider).toEqual({ name: 'oidc', config: { 'id-token': 'x' }, user: 'oidc' });
  });

  it('reads the user impersonation fields', () => {
    expect(resolve({ context: 'robot' }).impersonate).toEqual({ user: 'jane', groups: ['devs'], extra: {} });
  });

  it('sends no credentials to a plain http server, as client-go; impersonation still goes', () => {
    const r = resolve({ context: 'plain' });
    expect(r.auth).toEqual({});
    expect(r.impersonate?.user).toBe('jane');
  });

  it('reads a host:port server as plain http, TLS settings or not (client-go), with disable-compression', () => {
    expect(resolve({ context: 'bare' })).toMatchObject({ server: 'http://127.0.0.1:6443', disableCompression: true, auth: {} });
  });
});

describe('resolveConfig: the flags over the kubeconfig (kubectl precedence)', () => {
  it.each([
    { name: '-n and --context win', flags: { context: 'robot', namespace: 'web' }, want: { context: 'robot', namespace: 'web', auth: { token: 's3cret' } } },
    { name: 'a context without namespace gives "default"', flags: { context: 'robot' }, want: { namespace: 'default' } },
    { name: "--cluster replaces the context's cluster", flags: { cluster: 'files' }, want: { server: 'https://127.0.0.1:7443', context: 'dev' } },
    { name: "--user replaces the context's user", flags: { user: 'bot' }, want: { auth: { token: 's3cret' } } },
    { name: "--token replaces the user's token", flags: { context: 'robot', token: 'flag' }, want: { auth: { token: 'flag' } } },
    { name: '--token wins over a tokenFile', flags: { context: 'ci', token: 'flag' }, want: { auth: { token: 'flag' } } },
    {
      name: '--client-certificate and --client-key replace inline data',
      flags: { clientCertificate: 'c.crt', clientKey: 'c.key' },
      want: { auth: { cert: { file: 'c.crt' }, key: { file: 'c.key' } } },
    },
    {
      name: "--server clears the kubeconfig's tls-server-name",
      flags: { server: 'https://127.0.0.1:9443' },
      want: { server: 'https://127.0.0.1:9443', ca: { data: 'CA-PEM' } },
    },
    { name: "--server with --tls-server-name keeps the flag's", flags: { server: 'https://127.0.0.1:9443', tlsServerName: 'x' }, want: { tlsServerName: 'x' } },
    { name: '--tls-server-name alone replaces it', flags: { tlsServerName: 'y' }, want: { tlsServerName: 'y', server: 'https://127.0.0.1:6443' } },
    { name: "--insecure-skip-tls-verify drops the kubeconfig's CA", flags: { insecureSkipTlsVerify: true }, want: { insecure: true } },
    {
      name: '--certificate-authority replaces the CA data',
      flags: { certificateAuthority: '/my/ca.crt' },
      want: { ca: { file: '/my/ca.crt' }, insecure: false },
    },
    {
      name: "--as, --as-group and --as-uid replace the user's impersonation",
      flags: { context: 'robot', as: 'system:serviceaccount:a:b', asGroup: ['g1', 'g2'], asUid: '42' },
      want: { impersonate: { user: 'system:serviceaccount:a:b', uid: '42', groups: ['g1', 'g2'], extra: {} } },
    },
  ])('$name', ({ flags, want }) => {
    expect(resolve(flags as ConnectionFlags)).toMatchObject(want);
  });

  it('--insecure-skip-tls-verify leaves no CA', () => {
    expect(resolve({ insecureSkipTlsVerify: true }).ca).toBeUndefined();
  });

  it('--server and --token need no kubeconfig at all', () => {
    expect(resolve({ server: 'https://127.0.0.1:6443', token: 't' }, [])).toMatchObject({
      server: 'https://127.0.0.1:6443',
      namespace: 'default',
      auth: { token: 't' },
      source: 'the connection flags',
    });
  });
});

describe('mergeKubeconfigs: $KUBECONFIG as kubectl merges it', () => {
  const second: KubeconfigFile = {
    path: '/tmp/other/config',
    doc: {
      'current-context': 'other',
      clusters: [
        { name: 'dev', cluster: { server: 'https://10.0.0.1' } },
        { name: 'o', cluster: { server: 'https://127.0.0.2', 'certificate-authority': 'o-ca.crt' } },
      ],
      users: [{ name: 'o', user: { token: 'from-second' } }],
      contexts: [{ name: 'other', context: { cluster: 'o', user: 'o', namespace: 'second' } }],
    },
  };

  it('the first file wins per name and for current-context', () => {
    expect(resolve({}, [main, second]).server).toBe('https://127.0.0.1:6443');
  });

  it('a context of the second file, with paths relative to the second file', () => {
    expect(resolve({ context: 'other' }, [main, second])).toMatchObject({
      server: 'https://127.0.0.2',
      namespace: 'second',
      ca: { file: '/tmp/other/o-ca.crt' },
      auth: { token: 'from-second' },
    });
  });

  it('the current-context of a later file when the first has none', () => {
    const noCurrent = { path: main.path, doc: { ...(main.doc as object), 'current-context': '' } };
    expect(resolve({}, [noCurrent, second]).context).toBe('other');
  });
});

describe('refusals name the file, field and value', () => {
  const one = (doc: unknown): KubeconfigFile[] => [{ path: '/k/config', doc }];
  const ctx = { name: 'c', context: { cluster: 'c', user: 'u' } };
  const file = (cluster: object, user: object = { token: 't' }) =>
    one({ 'current-context': 'c', contexts: [ctx], clusters: [{ name: 'c', cluster }], users: [{ name: 'u', user }] });
  it.each([
    { name: 'an unknown --context', files: [main], flags: { context: 'nope' }, message: 'context "nope" does not exist in /home/u/.kube/config' },
    { name: 'an unknown --cluster', files: [main], flags: { cluster: 'nope' }, message: 'cluster "nope" does not exist' },
    { name: 'an unknown --user', files: [main], flags: { user: 'nope' }, message: 'user "nope" does not exist' },
    { name: 'a context naming a missing cluster', files: [main], flags: { context: 'broken' }, message: 'names cluster "nowhere", which is not in' },
    { name: 'a context naming a missing user', files: [main], flags: { context: 'nouser' }, message: 'names user "ghost", which is not in' },
    {
      name: 'a current-context that does not exist',
      files: one({ 'current-context': 'gone', contexts: [] }),
      flags: {},
      message: 'the current context "gone"',
    },
    { name: 'no current context', files: one({ clusters: [] }), flags: {}, message: 'no current context in /k/config' },
    { name: 'no files at all', files: [], flags: {}, message: 'no kubeconfig found' },
    { name: 'a cluster without server', files: file({}), flags: {}, message: 'no server found for cluster "c"' },
    {
      name: 'CA data and file both',
      files: file({ server: 'https://a', 'certificate-authority': 'x', 'certificate-authority-data': b64('y') }),
      flags: {},
      message: 'certificate-authority-data and certificate-authority are both specified for c',
    },
    {
      name: 'a CA with insecure',
      files: file({ server: 'https://a', 'certificate-authority': 'x', 'insecure-skip-tls-verify': true }),
      flags: {},
      message: 'with the insecure flag is not allowed',
    },
    {
      name: 'token and basic auth',
      files: file({ server: 'https://a' }, { token: 't', username: 'a', password: 'b' }),
      flags: {},
      message: 'found [token basicAuth]',
    },
    {
      name: 'a certificate without a key',
      files: file({ server: 'https://a' }, { 'client-certificate': 'c.crt' }),
      flags: {},
      message: 'client-key-data or client-key must be specified for u',
    },
    {
      name: 'an exec plugin without interactiveMode (v1)',
      files: file({ server: 'https://a' }, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'x' } }),
      flags: {},
      message: 'interactiveMode must be specified for u',
    },
    {
      name: 'an exec plugin of an unknown version',
      files: file({ server: 'https://a' }, { exec: { apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'x' } }),
      flags: {},
      message: 'invalid apiVersion "client.authentication.k8s.io/v1alpha1"',
    },
    {
      name: 'an exec plugin and an auth-provider',
      files: file({ server: 'https://a' }, { exec: { command: 'x' }, 'auth-provider': { name: 'oidc' } }),
      flags: {},
      message: 'authProvider cannot be provided in combination with an exec plugin for u',
    },
    {
      name: 'a group without a user to impersonate',
      files: file({ server: 'https://a' }),
      flags: { asGroup: ['g'] },
      message: 'requesting uid, groups or user-extra for u without impersonating a user',
    },
    { name: 'a server that is a number', files: file({ server: 6443 }), flags: {}, message: 'cluster "c" in /k/config: server must be a string, got 6443' },
    {
      name: 'CA data that is not base64',
      files: file({ server: 'https://a', 'certificate-authority-data': 'not base64!' }),
      flags: {},
      message: 'certificate-authority-data is not base64',
    },
    {
      name: 'a proxy-url of another scheme',
      files: file({ server: 'https://a', 'proxy-url': 'ftp://p' }),
      flags: {},
      message: 'invalid proxy-url "ftp://p": unsupported scheme "ftp"',
    },
    {
      name: 'a name go-yaml reads as a boolean (y)',
      files: one({ contexts: [{ name: true, context: {} }] }),
      flags: {},
      message: '/k/config: contexts[0]: name must be a string, got true',
    },
    {
      name: 'a name twice in one file',
      files: one({
        clusters: [
          { name: 'a', cluster: {} },
          { name: 'a', cluster: {} },
        ],
      }),
      flags: {},
      message: 'duplicate name "a" in clusters',
    },
  ])('refuses $name', ({ files, flags, message }) => {
    const run = () => resolveConfig(mergeKubeconfigs(files), flags);
    expect(run).toThrow(KubeError);
    expect(run).toThrow(message);
  });
});

describe('kubeconfigPaths', () => {
  it.each([
    { flag: '/x/config', env: { KUBECONFIG: '/a:/b' }, want: { paths: ['/x/config'], explicit: true } },
    { flag: undefined, env: { KUBECONFIG: '/a::/b:/a' }, want: { paths: ['/a', '/b'], explicit: false } },
    { flag: undefined, env: {}, want: { paths: ['/home/u/.kube/config'], explicit: false } },
  ])('--kubeconfig $flag, KUBECONFIG $env.KUBECONFIG → $want.paths', ({ flag, env, want }) => {
    expect(kubeconfigPaths(flag, env, '/home/u')).toEqual(want);
  });
});
