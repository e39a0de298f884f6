// The plugin installed as users install kubectl plugins: real krew (v0.4.3, built from the Go module
// proxy by `make tools`) installs the release archive of `make dist` with the krew manifest
// dist/paas.yaml into a temporary KREW_ROOT, then kubectl runs `kubectl paas` from there against
// the e2e cluster, Tab completion goes through kubectl's `__complete`, and `kubectl krew
// uninstall paas` must leave the KREW_ROOT, HOME and XDG cache exactly as they were.
// krew never reaches the network: --manifest skips its index, KREW_NO_UPGRADE_CHECK skips its
// release check, and every krew command runs in a network namespace of its own with no interface
// up (unshare -n), where any connection would fail. `uninstall` insists on a local index being a
// git clone, so KREW_ROOT/index/default is an empty `git init`.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { archiveName, ArchiveFiles, COMPLETION_DIR, ReleasePlatforms } from '../../plugin/release/krew-manifest.js';
import { applyPlan } from '../../webhook/server/cert-mint.js';
import { DEFAULT_LIFETIMES, planCertificates, SecretKeys, storeFacts } from '../../webhook/server/self-signed.js';
import { apply, binDir, kubectl, kubectlOk, newNamespace, type KubectlResult } from './lib/cluster.js';

type Obj = Record<string, any>; // YAML and JSON read field by field

const ROOT = resolve(import.meta.dirname, '../..');
const DIST = join(ROOT, 'dist');
const KREW = join(ROOT, '.cache/bin/krew-v0.4.3/kubectl-krew');
const VERSION = `v${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}`;
const ARCHIVE = join(DIST, archiveName(VERSION, { os: 'linux', arch: 'amd64' }));
const MANIFEST = join(DIST, 'paas.yaml');

const tmp = mkdtempSync(join(tmpdir(), 'paas-krew-')); // the user's side: KREW_ROOT, HOME, cache
const scratch = mkdtempSync(join(tmpdir(), 'paas-krew-scratch-')); // the test's own files
const krewRoot = join(tmp, 'krew');
const home = join(tmp, 'home');
const cache = join(tmp, 'cache');
const toolDir = join(tmp, 'tools'); // kubectl-krew only
const storeDir = join(krewRoot, 'store/paas', VERSION);
let ns: string;

/** PATH as a krew user has it: krew's bin first, then Node (the plugin's one requirement), then the system. */
function env(extraPath: string[] = []): Record<string, string> {
  const path = [toolDir, join(krewRoot, 'bin'), ...extraPath, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(delimiter);
  // KUBECACHEDIR: kubectl's own discovery and HTTP cache stays out of the HOME under watch.
  return { PATH: path, KREW_ROOT: krewRoot, KREW_NO_UPGRADE_CHECK: '1', HOME: home, XDG_CACHE_HOME: cache, KUBECACHEDIR: join(scratch, 'kube-cache') };
}

/** kubectl krew …, in a network namespace of its own (no interface up: no address reachable). */
function krew(args: string[]): Promise<KubectlResult> {
  return new Promise((res) => {
    const child = execFile(
      'unshare',
      ['-n', join(binDir(), 'kubectl'), 'krew', ...args],
      { env: { ...process.env, ...env() }, timeout: 60_000 },
      (err, stdout, stderr) => res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
    child.stdin?.end();
  });
}

/** Every path under tmp (directories end in /, links show their target), sorted. */
function tree(dir = tmp): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const p = join(dir, e.name);
      const rel = relative(tmp, p);
      if (e.isSymbolicLink()) return [`${rel} -> ${readlinkSync(p)}`];
      return e.isDirectory() ? [`${rel}/`, ...tree(p)] : [rel];
    })
    .sort();
}

let before: string[];

beforeAll(async () => {
  for (const f of [KREW, ARCHIVE, MANIFEST]) if (!existsSync(f)) throw new Error(`${f} is missing: run \`make tools dist\``);
  for (const d of [home, cache, toolDir]) mkdirSync(d, { recursive: true });
  symlinkSync(KREW, join(toolDir, 'kubectl-krew'));
  mkdirSync(join(krewRoot, 'index/default'), { recursive: true });
  await run('git', ['init', '-q', join(krewRoot, 'index/default')]);
  // krew lays out KREW_ROOT (bin, index, receipts, store) on its first command: that is "before".
  const v = await krew(['version']);
  expect(v.code, v.stderr).toBe(0);
  before = tree();

  ns = await newNamespace('krew');
  await apply(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'registry.example/shop/web:1.0' }] } },
      },
    },
    ns,
  );
  await kubectlOk(['rollout', 'status', 'deployment/web', '-n', ns, '--timeout', '120s'], { timeoutMs: 130_000 });
}, 180_000);

afterAll(() => {
  for (const d of [tmp, scratch]) rmSync(d, { recursive: true, force: true });
});

function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<KubectlResult> {
  return new Promise((res) => {
    execFile(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, timeout: 60_000 }, (err, stdout, stderr) =>
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

describe('make dist: the release archives', () => {
  it('SHA256SUMS holds the sum of every archive, as sha256sum -c checks it, and paas.yaml the same sums', async () => {
    const r = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: DIST });
    expect(r.code, r.stderr).toBe(0);
    const files = ReleasePlatforms.map((p) => archiveName(VERSION, p));
    expect(r.stdout.trim().split('\n')).toEqual(files.map((f) => `${f}: OK`));
    const sums = new Map(
      readFileSync(join(DIST, 'SHA256SUMS'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => [l.split('  ')[1], l.split('  ')[0]] as const),
    );
    const manifest = parse(readFileSync(MANIFEST, 'utf8')) as Obj;
    expect(manifest.spec.platforms.map((p: Obj) => [p.selector.matchLabels.os, p.selector.matchLabels.arch, p.sha256])).toEqual(
      ReleasePlatforms.map((p) => [p.os, p.arch, sums.get(archiveName(VERSION, p))]),
    );
  });

  it('holds the plugin and what it loads, nothing else (tar lists it)', async () => {
    const r = await run('tar', ['-tzf', ARCHIVE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(
      [
        ArchiveFiles.launcher,
        ArchiveFiles.bundle,
        ArchiveFiles.complete,
        ArchiveFiles.packageJson,
        'node_modules/',
        'node_modules/@kubernetes/',
        'node_modules/@kubernetes/client-node/',
        'node_modules/@kubernetes/client-node/index.cjs',
        'node_modules/@kubernetes/client-node/package.json',
        ArchiveFiles.license,
        ArchiveFiles.notices,
      ].sort(),
    );
  });
});

describe('installed with krew (no network), used through kubectl, uninstalled', () => {
  it('kubectl krew install --manifest=dist/paas.yaml --archive=<linux-amd64 archive> in a network namespace with no interface', async () => {
    const r = await krew(['install', `--manifest=${MANIFEST}`, `--archive=${ARCHIVE}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Installed plugin: paas');
    expect(r.stderr).toContain(`store/paas/${VERSION}/${COMPLETION_DIR}`); // the caveats, printed by krew
    // kubectl's own view of the plugins on PATH: krew's link, nothing else named kubectl-paas.
    const list = await kubectl(['plugin', 'list', '--name-only=false'], { env: env() });
    expect(list.stdout.split('\n').filter((l) => l.includes('kubectl-paas'))).toEqual([join(krewRoot, 'bin/kubectl-paas')]);
    expect(readlinkSync(join(krewRoot, 'bin/kubectl-paas'))).toBe(join(storeDir, ArchiveFiles.launcher));
  });

  it("kubectl paas rollout status, through kubectl, with krew's bin, Node and the system directories on PATH: Completed, exit 0", async () => {
    const r = await kubectl(['paas', 'rollout', 'status', 'web', '-n', ns, '-o', 'json', '--timeout', '60s'], { env: env(), timeoutMs: 90_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'web', namespace: ns, rollout_status: 'Completed' });
    // The code cache went into the install dir, so uninstall takes it away.
    expect(readdirSync(join(storeDir, '.code-cache')).some((f) => f.endsWith('.v8cache'))).toBe(true);
    expect(readdirSync(cache)).toEqual([]);
  });

  it("Tab completion through kubectl __complete once the caveat's directory is on PATH (krew links only the plugin)", async () => {
    const complete = (extra: string[]) => kubectl(['__complete', 'paas', 'rollout', 'status', '-n', ns, ''], { env: env(extra), timeoutMs: 30_000 });
    const without = await complete([]);
    expect(without.stdout.trim().split('\n')).toEqual([':0']); // kubectl found no kubectl_complete-paas: no candidates
    const r = await complete([join(storeDir, COMPLETION_DIR)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['web', ':4']);
    const commands = await kubectl(['__complete', 'paas', ''], { env: env([join(storeDir, COMPLETION_DIR)]) });
    expect(
      commands.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[0]),
    ).toEqual(['policy', 'rollout', 'diagnose', 'logs', 'audit', 'version', ':4']);
  });

  it('an auth-provider kubeconfig loads the bundled client-node: the same bearer token kubectl sends', async () => {
    const now = Date.now();
    const { facts, cas } = storeFacts({});
    const pems = await applyPlan(planCertificates(facts, now, ['127.0.0.1']), { data: {}, cas }, ['127.0.0.1'], now, DEFAULT_LIFETIMES);
    expect(new X509Certificate(pems[SecretKeys.Cert] ?? '').checkIP('127.0.0.1')).toBe('127.0.0.1');
    const seen: string[] = [];
    const server: Server = createServer({ cert: pems[SecretKeys.Cert], key: pems[SecretKeys.Key] }, (req, res) => {
      seen.push(`${req.url?.split('?')[0]} ${req.headers.authorization ?? 'none'}`);
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      // An id-token valid until 2100: both clients use it as it is, with no call to the issuer.
      const idToken = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iss: 'https://127.0.0.1:1/', aud: 'paas', sub: 'dev', exp: 4_102_444_800, iat: 1_700_000_000 })}.c2ln`;
      const file = join(scratch, 'oidc-kubeconfig');
      writeFileSync(
        file,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            {
              name: 'c',
              cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': Buffer.from(pems[SecretKeys.CaBundle] ?? '').toString('base64') },
            },
          ],
          users: [
            {
              name: 'u',
              user: { 'auth-provider': { name: 'oidc', config: { 'client-id': 'paas', 'idp-issuer-url': 'https://127.0.0.1:1/', 'id-token': idToken } } },
            },
          ],
          contexts: [{ name: 'c', context: { cluster: 'c', user: 'u', namespace: 'shop' } }],
          'current-context': 'c',
        }),
      );
      const byKubectl = await kubectl(['get', 'deployment', 'web'], { env: { ...env(), KUBECONFIG: file } });
      expect(byKubectl.code).not.toBe(0);
      const kubectlSaw = [...seen];
      seen.length = 0;
      const byPlugin = await kubectl(['paas', 'rollout', 'status', 'web', '--watch=false'], { env: { ...env(), KUBECONFIG: file } });
      expect(byPlugin.code, byPlugin.stderr).toBe(8); // forbidden: the server said 401 (docs/exit-codes.md)
      expect(kubectlSaw.length).toBeGreaterThan(0);
      expect(new Set(kubectlSaw.map((l) => l.split(' ').slice(1).join(' ')))).toEqual(new Set([`Bearer ${idToken}`]));
      expect(seen.length, byPlugin.stderr).toBeGreaterThan(0);
      expect(
        seen.every((l) => l.endsWith(` Bearer ${idToken}`)),
        seen.join('\n'),
      ).toBe(true);
      expect(
        seen.some((l) => l.startsWith('/apis/apps/v1/namespaces/shop/deployments')),
        seen.join('\n'),
      ).toBe(true);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('kubectl krew uninstall paas (no network) leaves KREW_ROOT, HOME and the cache as they were', async () => {
    const r = await krew(['uninstall', 'paas']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Uninstalled plugin: paas');
    expect(tree()).toEqual(before);
    const list = await kubectl(['plugin', 'list', '--name-only=false'], { env: env() });
    expect(list.stdout).not.toContain('kubectl-paas');
  });
});
