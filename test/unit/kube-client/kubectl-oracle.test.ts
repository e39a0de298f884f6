// The access layer against the real kubectl (built by `make cluster-bin`) as the oracle: for each
// kubeconfig shape and set of connection flags, `kubectl get --raw /version` and the client's
// GET /version go to loopback servers that record what each request carried (which server,
// the path, Authorization, Impersonate-* headers, the client certificate, SNI, gzip), and the
// proxies record the tunnels they opened. Both must do the same, or both refuse. Exec plugins
// record what they were run with (KUBERNETES_EXEC_INFO, arguments, environment).
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../../kube-client/load.js';
import type { ConnectionFlags } from '../../../kube-client/kubeconfig.js';
import { kubectlBin, SKIP_KUBECTL, warnIfNoKubectl } from '../kubectl-oracle.js';
import { makePki, type Pair, type Pki } from './pki.js';
import { apiServer, connectProxy, socksProxy, type ApiServer, type Proxy, type Seen } from './servers.js';

warnIfNoKubectl('kube-client kubectl oracle');

interface World {
  dir: string;
  pki: Pki;
  otherPki: Pki;
  a: ApiServer;
  b: ApiServer;
  proxy: Proxy;
  socks: Proxy;
  admin: Pair;
  bob: Pair;
  exec: Pair;
}

let w: World;
const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeAll(async () => {
  if (SKIP_KUBECTL) return;
  const dir = mkdtempSync(join(tmpdir(), 'paas-oracle-'));
  const pki = makePki(dir);
  mkdirSync(join(dir, 'other'));
  const otherPki = makePki(join(dir, 'other'));
  const [a, b, proxy, socks] = await Promise.all([apiServer('a', pki), apiServer('b', pki), connectProxy(), socksProxy()]);
  w = { dir, pki, otherPki, a, b, proxy, socks, admin: pki.client('admin', ['system:masters']), bob: pki.client('bob'), exec: pki.client('exec-user') };
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'certs'));
  writeFileSync(join(dir, 'certs', 'bob.crt'), w.bob.cert);
  writeFileSync(join(dir, 'certs', 'bob.key'), w.bob.key);
  writeFileSync(join(dir, 'token'), 'token-from-file\n');
  // The exec plugin: appends what it was run with to the file named by its first argument.
  const script = join(dir, 'bin', 'cred');
  writeFileSync(
    script,
    `#!/bin/sh
info=$(printf '%s' "$KUBERNETES_EXEC_INFO" | tr -d '\\n')
printf '%s\\n' "{\\"args\\":\\"$*\\",\\"extra\\":\\"$PAAS_EXTRA\\",\\"info\\":$info}" >> "$1"
if [ "$2" = cert ]; then
  printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"clientCertificateData":%s,"clientKeyData":%s}}' "$3" "$(cat "${dir}/exec-cert.json")" "$(cat "${dir}/exec-key.json")"
else
  printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"exec-token"}}' "$3"
fi
`,
  );
  chmodSync(script, 0o755);
  writeFileSync(join(dir, 'exec-cert.json'), JSON.stringify(w.exec.cert));
  writeFileSync(join(dir, 'exec-key.json'), JSON.stringify(w.exec.key));
}, 60_000);

afterAll(async () => {
  if (!w) return;
  await Promise.all([w.a.close(), w.b.close(), w.proxy.close(), w.socks.close()]);
  rmSync(w.dir, { recursive: true, force: true });
});

/** A kubeconfig document: clusters, users and contexts by name. */
function kubeconfig(o: { current?: string; clusters?: Record<string, object>; users?: Record<string, object>; contexts?: Record<string, object> }): object {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    ...(o.current ? { 'current-context': o.current } : {}),
    clusters: Object.entries(o.clusters ?? {}).map(([name, cluster]) => ({ name, cluster })),
    users: Object.entries(o.users ?? {}).map(([name, user]) => ({ name, user })),
    contexts: Object.entries(o.contexts ?? {}).map(([name, context]) => ({ name, context })),
  };
}

/** The usual single-file kubeconfig: server a, the CA inline, the user given. */
const simple = (user: object, cluster: object = {}) =>
  kubeconfig({
    current: 'c',
    clusters: { a: { server: w.a.url, 'certificate-authority-data': b64(w.pki.ca), ...cluster } },
    users: { u: user },
    contexts: { c: { cluster: 'a', user: 'u' } },
  });

interface Case {
  name: string;
  /** Kubeconfig files by name (written into the scratch folder); KUBECONFIG lists them in order. */
  files?: () => Record<string, object>;
  flags?: () => ConnectionFlags;
  env?: () => Record<string, string>;
  /** Whether the request goes through: a control that the case tests what it says. */
  ok: boolean;
  /** A phrase of kubectl's refusal the client's must share. */
  says?: string;
}

const CASES: Case[] = [
  {
    name: 'inline client certificate and CA data of the current context',
    files: () => ({ config: simple({ 'client-certificate-data': b64(w.admin.cert), 'client-key-data': b64(w.admin.key) }) }),
    ok: true,
  },
  {
    name: 'client certificate files relative to the kubeconfig',
    files: () => ({ config: simple({ 'client-certificate': 'certs/bob.crt', 'client-key': 'certs/bob.key' }) }),
    ok: true,
  },
  { name: 'a token', files: () => ({ config: simple({ token: 'abc' }) }), ok: true },
  { name: 'a tokenFile relative to the kubeconfig', files: () => ({ config: simple({ tokenFile: 'token' }) }), ok: true },
  { name: 'basic auth', files: () => ({ config: simple({ username: 'ann', password: 'secret' }) }), ok: true },
  {
    name: '--token beside a kubeconfig client certificate',
    files: () => ({ config: simple({ 'client-certificate-data': b64(w.admin.cert), 'client-key-data': b64(w.admin.key) }) }),
    flags: () => ({ token: 'flag-token' }),
    ok: true,
  },
  {
    name: '--client-certificate and --client-key over a token user',
    files: () => ({ config: simple({ token: 'abc' }) }),
    flags: () => ({ clientCertificate: w.bob.certFile, clientKey: w.bob.keyFile }),
    ok: true,
  },
  {
    name: 'merged KUBECONFIG: a context from the second file, the first file winning a shared cluster name',
    files: () => ({
      first: kubeconfig({
        current: 'one',
        clusters: { a: { server: w.a.url, 'certificate-authority-data': b64(w.pki.ca) } },
        users: { u1: { token: 'first' } },
        contexts: { one: { cluster: 'a', user: 'u1' } },
      }),
      second: kubeconfig({
        current: 'two',
        clusters: { a: { server: 'https://127.0.0.1:1' }, b: { server: w.b.url, 'certificate-authority': 'other/ca.crt' } },
        users: { u2: { token: 'second' } },
        contexts: { two: { cluster: 'b', user: 'u2' }, three: { cluster: 'a', user: 'u2' } },
      }),
    }),
    flags: () => ({ context: 'three' }),
    // other/ca.crt is another CA: "three" uses cluster a of the first file and its CA, so it goes through.
    ok: true,
  },
  {
    name: 'merged KUBECONFIG: the current-context of the first file',
    files: () => ({
      first: kubeconfig({ current: 'one', users: { u1: { token: 'first' } }, contexts: { one: { cluster: 'b', user: 'u1' } } }),
      second: kubeconfig({
        current: 'two',
        clusters: { b: { server: w.b.url, 'certificate-authority-data': b64(w.pki.ca) } },
        contexts: { two: { cluster: 'b' } },
      }),
    }),
    ok: true,
  },
  {
    name: 'a missing file in KUBECONFIG is skipped',
    files: () => ({ config: simple({ token: 'abc' }) }),
    env: () => ({ KUBECONFIG: `${join(w.dir, 'missing')}:${join(w.dir, 'config')}` }),
    ok: true,
  },
  {
    name: '--server and --token without any kubeconfig',
    flags: () => ({ server: w.b.url, token: 'only-flags', certificateAuthority: w.pki.caFile }),
    env: () => ({ KUBECONFIG: join(w.dir, 'none') }),
    ok: true,
  },
  {
    name: '--server with --insecure-skip-tls-verify',
    flags: () => ({ server: w.a.url, token: 't', insecureSkipTlsVerify: true }),
    env: () => ({ KUBECONFIG: join(w.dir, 'none') }),
    ok: true,
  },
  {
    name: '--insecure-skip-tls-verify over a kubeconfig CA that does not match',
    files: () => ({ config: simple({ token: 'abc' }, { 'certificate-authority-data': b64(w.otherPki.ca) }) }),
    flags: () => ({ insecureSkipTlsVerify: true }),
    ok: true,
  },
  {
    name: 'a CA that did not sign the server',
    files: () => ({ config: simple({ token: 'abc' }, { 'certificate-authority-data': b64(w.otherPki.ca) }) }),
    ok: false,
  },
  {
    name: '--certificate-authority over a wrong kubeconfig CA',
    files: () => ({ config: simple({ token: 'abc' }, { 'certificate-authority-data': b64(w.otherPki.ca) }) }),
    flags: () => ({ certificateAuthority: w.pki.caFile }),
    ok: true,
  },
  {
    name: "--cluster and --user instead of the context's",
    files: () => ({
      config: kubeconfig({
        current: 'c',
        clusters: { a: { server: w.a.url, 'certificate-authority-data': b64(w.pki.ca) }, b: { server: w.b.url, 'certificate-authority-data': b64(w.pki.ca) } },
        users: { u: { token: 'u' }, v: { token: 'v' } },
        contexts: { c: { cluster: 'a', user: 'u' } },
      }),
    }),
    flags: () => ({ cluster: 'b', user: 'v' }),
    ok: true,
  },
  {
    name: '--as, two --as-group and --as-uid',
    files: () => ({ config: simple({ token: 'abc' }) }),
    flags: () => ({ as: 'system:serviceaccount:shop:deployer', asGroup: ['devs', 'ops'], asUid: '1234' }),
    ok: true,
  },
  {
    name: 'impersonation from the kubeconfig user',
    files: () => ({ config: simple({ token: 'abc', as: 'jane', 'as-groups': ['g1'], 'as-user-extra': { scopes: ['view', 'edit'] } }) }),
    ok: true,
  },
  { name: 'tls-server-name: verified and sent as SNI', files: () => ({ config: simple({ token: 'abc' }, { 'tls-server-name': 'kubernetes' }) }), ok: true },
  {
    name: 'a tls-server-name the certificate does not name',
    files: () => ({ config: simple({ token: 'abc' }, { 'tls-server-name': 'elsewhere' }) }),
    ok: false,
  },
  {
    name: "--server clears the kubeconfig's tls-server-name",
    files: () => ({ config: simple({ token: 'abc' }, { 'tls-server-name': 'elsewhere' }) }),
    flags: () => ({ server: w.b.url }),
    ok: true,
  },
  {
    name: 'a host:port server is plain http (client-go), even with a CA',
    files: () => ({ config: simple({ token: 'abc' }, { server: w.a.url.replace('https://', '') }) }),
    ok: false,
  },
  { name: 'a server URL with a path prefix', files: () => ({ config: simple({ token: 'abc' }, { server: `${w.a.url}/prefix/` }) }), ok: true },
  { name: 'disable-compression', files: () => ({ config: simple({ token: 'abc' }, { 'disable-compression': true }) }), ok: true },
  {
    name: 'proxy-url (HTTP CONNECT), used even for a loopback server',
    files: () => ({ config: simple({ token: 'abc' }, { 'proxy-url': w.proxy.url }) }),
    ok: true,
  },
  { name: 'proxy-url socks5', files: () => ({ config: simple({ token: 'abc' }, { 'proxy-url': w.socks.url }) }), ok: true },
  {
    name: 'HTTPS_PROXY for a named server (the proxy resolves it)',
    files: () => ({ config: simple({ token: 'abc' }, { server: `https://kubernetes:${w.a.port}` }) }),
    env: () => ({ HTTPS_PROXY: w.proxy.url }),
    ok: true,
  },
  {
    name: 'HTTPS_PROXY is not used for a loopback server',
    files: () => ({ config: simple({ token: 'abc' }) }),
    env: () => ({ HTTPS_PROXY: w.proxy.url }),
    ok: true,
  },
  {
    name: 'HTTPS_PROXY (upper case) wins over https_proxy',
    files: () => ({ config: simple({ token: 'abc' }, { server: `https://kubernetes:${w.a.port}` }) }),
    env: () => ({ HTTPS_PROXY: w.proxy.url, https_proxy: 'http://127.0.0.1:1' }),
    ok: true,
  },
  {
    name: 'https_proxy (lower case) alone',
    files: () => ({ config: simple({ token: 'abc' }, { server: `https://kubernetes:${w.a.port}` }) }),
    env: () => ({ https_proxy: w.proxy.url }),
    ok: true,
  },
  {
    name: 'an exec plugin (v1): env, args, KUBERNETES_EXEC_INFO with the cluster and its extension',
    files: () => ({
      config: simple(
        {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: './bin/cred',
            args: [join(w.dir, 'exec.log'), 'token', 'client.authentication.k8s.io/v1'],
            env: [{ name: 'PAAS_EXTRA', value: 'from-kubeconfig' }],
            provideClusterInfo: true,
            interactiveMode: 'Never',
          },
        },
        { extensions: [{ name: 'client.authentication.k8s.io/exec', extension: { audience: 'paas' } }] },
      ),
    }),
    ok: true,
  },
  {
    name: 'an exec plugin (v1beta1) returning a client certificate',
    files: () => ({
      config: simple({
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1beta1',
          command: join(w.dir, 'bin', 'cred'),
          args: [join(w.dir, 'exec.log'), 'cert', 'client.authentication.k8s.io/v1beta1'],
        },
      }),
    }),
    ok: true,
  },
  {
    name: '--token: the exec plugin is not run',
    files: () => ({
      config: simple({
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: './bin/cred',
          args: [join(w.dir, 'exec.log'), 'token', 'client.authentication.k8s.io/v1'],
          interactiveMode: 'Never',
        },
      }),
    }),
    flags: () => ({ token: 'flag-wins' }),
    ok: true,
  },
  {
    name: 'token and basic auth together',
    files: () => ({ config: simple({ token: 'abc', username: 'a', password: 'b' }) }),
    ok: false,
    says: 'more than one authentication method found for u',
  },
  {
    name: 'an exec plugin without interactiveMode (v1)',
    files: () => ({ config: simple({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'x' } }) }),
    ok: false,
    says: 'interactiveMode must be specified for u',
  },
  {
    name: 'CA data and file together',
    files: () => ({ config: simple({ token: 'abc' }, { 'certificate-authority': 'x' }) }),
    ok: false,
    says: 'certificate-authority-data and certificate-authority are both specified for a',
  },
  {
    name: '--context that does not exist',
    files: () => ({ config: simple({ token: 'abc' }) }),
    flags: () => ({ context: 'nope' }),
    ok: false,
    says: 'context "nope" does not exist',
  },
  {
    name: '--as-group without --as',
    files: () => ({ config: simple({ token: 'abc' }) }),
    flags: () => ({ asGroup: ['g'] }),
    ok: false,
    says: 'without impersonating a user',
  },
  {
    name: '--request-timeout that is not a duration',
    files: () => ({ config: simple({ token: 'abc' }) }),
    flags: () => ({ requestTimeout: 'soon' }),
    ok: false,
    says: 'a single integer in seconds, or an integer followed by a corresponding time unit',
  },
];

/** kubectl's command line for the flags. */
function argvOf(f: ConnectionFlags): string[] {
  const out: string[] = [];
  const add = (name: string, v: string | undefined) => v !== undefined && out.push(`--${name}=${v}`);
  add('kubeconfig', f.kubeconfig);
  add('context', f.context);
  add('cluster', f.cluster);
  add('user', f.user);
  add('namespace', f.namespace);
  add('server', f.server);
  add('token', f.token);
  add('certificate-authority', f.certificateAuthority);
  add('client-certificate', f.clientCertificate);
  add('client-key', f.clientKey);
  if (f.insecureSkipTlsVerify) out.push('--insecure-skip-tls-verify');
  add('tls-server-name', f.tlsServerName);
  add('as', f.as);
  for (const g of f.asGroup ?? []) add('as-group', g);
  add('as-uid', f.asUid);
  add('request-timeout', f.requestTimeout);
  return out;
}

interface Outcome {
  ok: boolean;
  message: string;
  seen: Seen[];
  tunnels: string[];
  exec: unknown[];
}

function setUp(c: Case): Record<string, string> {
  const files = c.files?.() ?? {};
  for (const [name, doc] of Object.entries(files)) writeFileSync(join(w.dir, name), JSON.stringify(doc));
  rmSync(join(w.dir, 'exec.log'), { force: true });
  return {
    HOME: w.dir,
    PATH: process.env.PATH ?? '',
    KUBECONFIG:
      Object.keys(files)
        .map((n) => join(w.dir, n))
        .join(':') || join(w.dir, 'none'),
    ...c.env?.(),
  };
}

function collect(ok: boolean, message: string): Outcome {
  let exec: unknown[] = [];
  try {
    exec = readFileSync(join(w.dir, 'exec.log'), 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as unknown);
  } catch {
    exec = [];
  }
  const seen = [...w.a.seen.splice(0), ...w.b.seen.splice(0)];
  return { ok, message, seen, tunnels: [...w.proxy.tunnels.splice(0), ...w.socks.tunnels.splice(0)], exec };
}

async function byKubectl(c: Case): Promise<Outcome> {
  const env = setUp(c);
  const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
    const child = execFile(kubectlBin(), ['get', '--raw', '/version', ...argvOf(c.flags?.() ?? {})], { env, timeout: 20_000 }, (err, _out, stderr) => {
      resolve({ code: err ? 1 : 0, stderr: String(stderr) });
    });
    // No terminal: kubectl must not wait for a prompt's answer.
    child.stdin?.end();
  });
  return collect(r.code === 0, r.stderr);
}

async function byClient(c: Case): Promise<Outcome> {
  const env = setUp(c);
  let ok = false;
  let message = '';
  let client;
  try {
    const flags = c.flags?.() ?? {};
    const { parseRequestTimeout } = await import('../../../kube-client/duration.js');
    client = await connect(flags, env, {
      home: w.dir,
      userAgent: 'test',
      requestTimeoutMs: flags.requestTimeout ? parseRequestTimeout(flags.requestTimeout) : 0,
      execStderr: 'ignore',
    });
    await client.get('/version');
    ok = true;
  } catch (err) {
    message = (err as Error).message;
  } finally {
    client?.close();
  }
  return collect(ok, message);
}

/** What the two outcomes are compared on (gzip: Go asks for it on its own unless compression is disabled). */
const comparable = (o: Outcome) => ({ ok: o.ok, seen: o.seen, tunnels: o.tunnels, exec: o.exec });

describe.skipIf(SKIP_KUBECTL)('the client does what kubectl does with the same kubeconfig and flags', () => {
  it.each(CASES)('$name', async (c) => {
    const k = await byKubectl(c);
    const mine = await byClient(c);
    expect(k.ok, `kubectl: ${k.message}`).toBe(c.ok);
    expect(comparable(mine), mine.message).toEqual(comparable(k));
    if (c.says) {
      expect(k.message).toContain(c.says);
      expect(mine.message).toContain(c.says);
    }
  });
});
