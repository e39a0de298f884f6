// The one Kubernetes access layer (kube-client/) on the real control plane, through the real
// kubectl: every way in is run twice with the same kubeconfig, environment and flags, once as
// `kubectl get deployment web` and once as `kubectl paas rollout status web --watch=false`, and
// both must get in (kubectl exits 0, the plugin says Completed) or both be refused. The exec
// plugin records what each was run with; the CONNECT proxy counts the tunnels each opened. A
// loopback server that accepts connections and never answers ends the plugin with exit 9
// (unreachable) and one line naming it: at --request-timeout, or at --timeout.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectProxy, silentServer, type Proxy } from '../unit/kube-client/servers.js';
import { apply, getJson, kubectl, kubectlOk, newNamespace, waitFor, type KubectlResult } from './lib/cluster.js';

type Obj = Record<string, any>;

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'paas-access-'));
const pluginDir = join(dir, 'plugins');
let ns: string;
let admin: { server: string; ca: string; cert: string; key: string };
let saToken: string;
let proxy: Proxy;

/** Both ways in, with the same environment and flags. */
async function both(flags: string[], env: Record<string, string>): Promise<{ kubectl: KubectlResult; paas: KubectlResult }> {
  // Only what the case gives: no stray KUBECONFIG or proxy from the test's own environment.
  const base = {
    PATH: `${pluginDir}${delimiter}${process.env.PATH}`,
    HOME: dir,
    KUBECONFIG: join(dir, 'none'),
    HTTPS_PROXY: '',
    https_proxy: '',
    NO_PROXY: '',
    no_proxy: '',
  };
  const e = { ...base, ...env };
  const k = await kubectl(['get', 'deployment', 'web', '-o', 'name', ...flags], { env: e });
  const p = await kubectl(['paas', 'rollout', 'status', 'web', '--watch=false', '-o', 'json', ...flags], { env: e, timeoutMs: 60_000 });
  return { kubectl: k, paas: p };
}

/** Both got in: kubectl found the Deployment, the plugin saw it Completed. */
function bothIn(r: { kubectl: KubectlResult; paas: KubectlResult }): void {
  expect(r.kubectl.code, r.kubectl.stderr).toBe(0);
  expect(r.kubectl.stdout.trim()).toBe('deployment.apps/web');
  expect(r.paas.code, r.paas.stderr).toBe(0);
  expect(JSON.parse(r.paas.stdout)).toMatchObject({ name: 'web', namespace: ns, rollout_status: 'Completed' });
}

/** Both refused: kubectl exits 1, the plugin with the catalogue's code (docs/exit-codes.md) and one line. */
function bothOut(r: { kubectl: KubectlResult; paas: KubectlResult }, exit: number): void {
  expect(r.kubectl.code, r.kubectl.stdout).toBe(1);
  expect(r.paas.code, r.paas.stdout).toBe(exit);
  expect(r.paas.stderr.trimEnd().split('\n')).toHaveLength(1);
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A kubeconfig with one cluster (the e2e API server unless `server` says otherwise), one user and one context. */
function kubeconfigFile(name: string, user: object, o: { server?: string; cluster?: object; context?: object; current?: string } = {}): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': o.current ?? name,
      clusters: [{ name, cluster: { server: o.server ?? admin.server, 'certificate-authority-data': b64(admin.ca), ...o.cluster } }],
      users: [{ name, user }],
      contexts: [{ name, context: { cluster: name, user: name, namespace: ns, ...o.context } }],
    }),
  );
  return path;
}

beforeAll(async () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  execFileSync('mkdir', ['-p', pluginDir]);
  symlinkSync(join(root, pkg.bin['kubectl-paas']!), join(pluginDir, 'kubectl-paas'));
  // The admin kubeconfig as kubectl reads it.
  const raw = JSON.parse(await kubectlOk(['config', 'view', '--raw', '--minify', '-o', 'json'])) as Obj;
  const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  admin = {
    server: raw.clusters[0].cluster.server,
    ca: unb64(raw.clusters[0].cluster['certificate-authority-data']),
    cert: unb64(raw.users[0].user['client-certificate-data']),
    key: unb64(raw.users[0].user['client-key-data']),
  };
  writeFileSync(join(dir, 'ca.crt'), admin.ca);
  writeFileSync(join(dir, 'admin.crt'), admin.cert);
  writeFileSync(join(dir, 'admin.key'), admin.key);

  ns = await newNamespace('kube-access');
  // A ServiceAccount that may read what rollout status reads, and nothing else.
  await apply(
    {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader' } },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: 'reader' },
          rules: [
            { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: ['get', 'list', 'watch'] },
            { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
          ],
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'reader' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
          subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
        },
      ],
    },
    ns,
  );
  await apply(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'registry.example/shop/web:1.0' }] } },
      },
    },
    ns,
  );
  await waitFor(
    async () => {
      const d = await getJson('deployment', 'web', ns);
      return d.status?.availableReplicas === 1 && d.status?.updatedReplicas === 1 && d.status?.observedGeneration >= d.metadata.generation;
    },
    { timeoutMs: 60_000, what: 'deployment web to roll out' },
  );
  saToken = (await kubectlOk(['create', 'token', 'reader', '-n', ns, '--duration', '1h'])).trim();
  writeFileSync(join(dir, 'sa-token'), `${saToken}\n`);
  // The exec credential plugin: a ServiceAccount token, and a record of how it was run.
  writeFileSync(
    join(dir, 'sa-credential'),
    `#!/bin/sh\nprintf '%s' "$KUBERNETES_EXEC_INFO" | tr -d '\\n' >> "${join(dir, 'exec.log')}"\necho >> "${join(dir, 'exec.log')}"\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$(cat ${join(dir, 'sa-token')})"\n`,
  );
  chmodSync(join(dir, 'sa-credential'), 0o755);
  proxy = await connectProxy();
}, 180_000);

afterAll(async () => {
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the ways in, each as kubectl takes it', () => {
  it('an exec plugin printing an ExecCredential with a ServiceAccount token: run alike (KUBERNETES_EXEC_INFO)', async () => {
    const file = kubeconfigFile('exec', {
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: './sa-credential', interactiveMode: 'Never', provideClusterInfo: true },
    });
    rmSync(join(dir, 'exec.log'), { force: true });
    const r = await both([], { KUBECONFIG: file });
    bothIn(r);
    const runs = readFileSync(join(dir, 'exec.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Obj);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    // Every run, kubectl's and the plugin's, got the same ExecCredential.
    expect(new Set(runs.map((x) => JSON.stringify(x))).size, JSON.stringify(runs, null, 1)).toBe(1);
    expect(runs[0]).toMatchObject({ kind: 'ExecCredential', spec: { interactive: false, cluster: { server: admin.server } } });
  });

  it('a token file (relative to the kubeconfig)', async () => {
    bothIn(await both([], { KUBECONFIG: kubeconfigFile('token-file', { tokenFile: 'sa-token' }) }));
  });

  it('client certificate files (relative to the kubeconfig)', async () => {
    bothIn(await both([], { KUBECONFIG: kubeconfigFile('cert-files', { 'client-certificate': 'admin.crt', 'client-key': 'admin.key' }) }));
  });

  it('--as a ServiceAccount that may read the Deployment', async () => {
    bothIn(
      await both(['--as', `system:serviceaccount:${ns}:reader`], {
        KUBECONFIG: kubeconfigFile('admin-as', { 'client-certificate': 'admin.crt', 'client-key': 'admin.key' }),
      }),
    );
  });

  it('--as a user that may not: forbidden, for both', async () => {
    const r = await both(['--as', 'nobody'], {
      KUBECONFIG: kubeconfigFile('admin-as-nobody', { 'client-certificate': 'admin.crt', 'client-key': 'admin.key' }),
    });
    bothOut(r, 8);
    expect(r.kubectl.stderr).toContain('User "nobody" cannot get resource "deployments"');
    expect(r.paas.stderr).toMatch(/^error: forbidden: deployments\.apps "web" is forbidden: User "nobody" cannot list resource "deployments"/);
  });

  it('--as from a user who may not impersonate: forbidden, for both', async () => {
    const r = await both(['--as', 'system:admin'], { KUBECONFIG: kubeconfigFile('reader-as', { token: saToken }) });
    bothOut(r, 8);
    expect(r.kubectl.stderr).toContain('cannot impersonate');
    expect(r.paas.stderr).toContain('cannot impersonate');
  });

  it('a merged KUBECONFIG: a context of the second file, with its namespace', async () => {
    const first = kubeconfigFile('first', { 'client-certificate': 'admin.crt', 'client-key': 'admin.key' }, { context: { namespace: 'default' } });
    const second = kubeconfigFile('second', { token: saToken }, { current: 'first' });
    bothIn(await both(['--context', 'second'], { KUBECONFIG: `${first}:${second}` }));
    // The control: the first file's context reads namespace default, where there is no web.
    bothOut(await both([], { KUBECONFIG: `${first}:${second}` }), 7);
  });

  it('--server and --token without any kubeconfig', async () => {
    bothIn(await both(['--server', admin.server, '--token', saToken, '--certificate-authority', join(dir, 'ca.crt'), '-n', ns], {}));
  });
});

describe('through a CONNECT proxy on loopback', () => {
  it('HTTPS_PROXY, for a server named (not an address: kubectl never proxies loopback)', async () => {
    const named = admin.server.replace('127.0.0.1', 'kubernetes');
    const file = kubeconfigFile('via-env', { token: saToken }, { server: named });
    proxy.tunnels.length = 0;
    const k = await both([], { KUBECONFIG: file, HTTPS_PROXY: proxy.url });
    bothIn(k);
    const port = new URL(named).port;
    expect(proxy.tunnels.length).toBeGreaterThanOrEqual(2);
    expect(new Set(proxy.tunnels)).toEqual(new Set([`kubernetes:${port}`]));
  });

  it('proxy-url in the kubeconfig: counted for kubectl and for the plugin', async () => {
    const file = kubeconfigFile('via-proxy-url', { token: saToken }, { cluster: { 'proxy-url': proxy.url } });
    proxy.tunnels.length = 0;
    const r = await kubectl(['get', 'deployment', 'web', '-o', 'name'], { env: { HOME: dir, KUBECONFIG: file } });
    expect(r.code, r.stderr).toBe(0);
    const byKubectl = proxy.tunnels.length;
    const p = await kubectl(['paas', 'rollout', 'status', 'web', '--watch=false', '-o', 'json'], {
      env: { PATH: `${pluginDir}${delimiter}${process.env.PATH}`, HOME: dir, KUBECONFIG: file },
    });
    expect(p.code, p.stderr).toBe(0);
    expect(byKubectl).toBeGreaterThanOrEqual(1);
    expect(proxy.tunnels.length - byKubectl).toBeGreaterThanOrEqual(1);
    expect(new Set(proxy.tunnels)).toEqual(new Set([new URL(admin.server).host]));
  });
});

describe('a server that accepts connections and never answers', () => {
  /** Runs the plugin through kubectl; the time it took, in ms. */
  async function timed(args: string[], file: string): Promise<{ r: KubectlResult; ms: number }> {
    const started = Date.now();
    const r = await kubectl(['paas', ...args], {
      env: { PATH: `${pluginDir}${delimiter}${process.env.PATH}`, HOME: dir, KUBECONFIG: file },
      timeoutMs: 60_000,
    });
    return { r, ms: Date.now() - started };
  }

  it('--request-timeout 2s: exit 9 (unreachable) when it ends, one line naming the server; kubectl gives up as well', async () => {
    const silent = await silentServer();
    try {
      const file = kubeconfigFile('silent', { token: 'x' }, { server: silent.url });
      const k = await kubectl(['get', 'deployment', 'web', '--request-timeout', '2s'], { env: { HOME: dir, KUBECONFIG: file } });
      expect(k.code).toBe(1);
      const { r, ms } = await timed(['rollout', 'status', 'web', '--request-timeout', '2s'], file);
      expect(r.code).toBe(9);
      // Ended by the request timeout, not by the 10 s TLS bound: each bound says its own name (the
      // TLS one: "the TLS handshake ... did not finish within 10s"), so the words give the order.
      expect(r.stderr).toBe(`error: the cluster at ${silent.url} did not answer within 2s (--request-timeout)\n`);
      // Not before it: a lower bound no load can break.
      expect(ms).toBeGreaterThanOrEqual(2000);
      const d = await timed(['diagnose', 'web', '--request-timeout', '2s'], file);
      expect([d.r.code, d.r.stderr]).toEqual([9, `error: the cluster at ${silent.url} did not answer within 2s (--request-timeout)\n`]);
    } finally {
      await silent.close();
    }
  });

  it('--timeout 3s bounds the whole command from the start: exit 9 (unreachable) when it ends, not before, naming the server', async () => {
    const silent = await silentServer();
    try {
      const file = kubeconfigFile('silent-timeout', { token: 'x' }, { server: silent.url });
      const { r, ms } = await timed(['rollout', 'status', 'web', '--timeout', '3s'], file);
      expect(r.code).toBe(9);
      expect(r.stderr).toBe(`error: no answer from the cluster at ${silent.url} within --timeout 3s\n`);
      expect(silent.accepted()).toBeGreaterThanOrEqual(1);
      // Ended by --timeout (the words above name it; the 10 s TLS bound names itself), and not
      // before it: a lower bound no load can break.
      expect(ms).toBeGreaterThanOrEqual(3000);
    } finally {
      await silent.close();
    }
  });
});
