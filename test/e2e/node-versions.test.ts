// The built product under every Node.js major of package.json's engines: 20 (the Node running
// this test), 22 and 24 (official binaries from the npm registry, put into .cache/node/<version>
// by `make node-versions`; the exact versions are the Makefile's NODE_TEST_VERSIONS). Each
// version runs the plugin bundle (dist/bin/kubectl-paas.js) and the webhook (dist/webhook/main.js)
// as users run them, and the completion bundle (dist/bin/kubectl_complete-paas.cjs) as kubectl
// runs it, and must give what Node 20 gives: the same `policy apply` output, the same
// `rollout status -o json` of a real Deployment, the same completion candidates, the same
// AdmissionReview patch as the policy computed in-process.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, mutateDeployment, type JsonObject } from '../../core/policy/index.js';
import { applyPlan } from '../../webhook/server/cert-mint.js';
import { DEFAULT_LIFETIMES, planCertificates, SecretKeys, storeFacts } from '../../webhook/server/self-signed.js';
import { apply, freePort, kubeconfig, kubectl, kubectlOk, newNamespace } from './lib/cluster.js';
import { serveArgs } from '../unit/webhook/serve-args.js';

type Obj = Record<string, any>; // JSON read field by field

const ROOT = resolve(import.meta.dirname, '../..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; bin: Record<string, string> };
const PLUGIN = join(ROOT, PKG.bin['kubectl-paas']!);
const WEBHOOK = join(ROOT, PKG.bin['paas-webhook']!);
const COMPLETE = join(ROOT, PKG.bin['kubectl_complete-paas']!);
const CORPUS = resolve(ROOT, '../shared/corpus/deployments');
const REVIEW = (JSON.parse(readFileSync(join(ROOT, 'test/unit/webhook/fixtures/captured-reviews.json'), 'utf8')) as { reviews: Record<string, Obj> }).reviews
  .create!;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const ID = '00000000-0000-4000-8000-000000000000'; // every deploy-id, so patches compare

const corpusPresent = existsSync(CORPUS);
if (!corpusPresent) {
  if (process.env.PAAS_REQUIRE_CORPUS === '1') throw new Error(`corpus missing at ${CORPUS} and PAAS_REQUIRE_CORPUS=1`);
  console.log(`skipped: policy apply of the corpus under each Node version (no Deployments at ${CORPUS})`);
}

/** The Makefile's NODE_TEST_VERSIONS: the one list `make node-versions` installs and this file runs. */
function pinnedVersions(): string[] {
  const m = /^NODE_TEST_VERSIONS := (.+)$/m.exec(readFileSync(join(ROOT, 'Makefile'), 'utf8'));
  if (!m) throw new Error('Makefile: no `NODE_TEST_VERSIONS := <version> ...` line');
  return m[1]!.trim().split(/\s+/);
}

type Runtime = { version: string; bin: string };
const RUNTIMES: Runtime[] = [
  { version: process.versions.node, bin: process.execPath },
  ...pinnedVersions().map((version) => ({ version, bin: join(ROOT, '.cache/node', version, 'bin/node') })),
];
const BASELINE = RUNTIMES[0]!.version;

type Run = { code: number; stdout: string; stderr: string };
function run(file: string, args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((res) => {
    execFile(
      file,
      args,
      { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const killed = (err as { killed?: boolean } | null)?.killed === true;
        res({ code: killed ? 124 : err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** Results of the baseline (Node 20), which every other version must reproduce. */
const baseline = new Map<string, unknown>();
function sameAsBaseline(runtime: Runtime, what: string, value: unknown): void {
  if (runtime.version === BASELINE) {
    baseline.set(what, value);
    return;
  }
  if (!baseline.has(what)) throw new Error(`no Node ${BASELINE} result for ${what} to compare with: see its failure above`);
  expect(value, `${what} on Node ${runtime.version} differs from Node ${BASELINE}`).toEqual(baseline.get(what));
}

/** `a.b.c` >= `x.y.z` */
function atLeast(v: string, min: string): boolean {
  const a = v.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

function https(port: number, ca: string, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const r = request({ host: '127.0.0.1', port, path, method, ca, agent: false, headers: body ? { 'content-type': 'application/json' } : {} }, (m) => {
      let b = '';
      m.on('data', (d: Buffer) => (b += d.toString()));
      m.on('end', () => res({ status: m.statusCode ?? 0, body: b }));
    });
    r.on('error', rej);
    r.end(body);
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'paas-node-versions-'));
let ns: string;
let ca: string;
let cert: string;
let key: string;

beforeAll(async () => {
  for (const f of [PLUGIN, COMPLETE, WEBHOOK]) if (!existsSync(f)) throw new Error(`${f} missing: run \`make build\``);
  const now = Date.now();
  const { facts, cas } = storeFacts({});
  const pems = await applyPlan(planCertificates(facts, now, ['127.0.0.1']), { data: {}, cas }, ['127.0.0.1'], now, DEFAULT_LIFETIMES);
  ca = pems[SecretKeys.CaBundle] ?? '';
  cert = join(tmp, 'tls.crt');
  key = join(tmp, 'tls.key');
  writeFileSync(cert, pems[SecretKeys.Cert] ?? '');
  writeFileSync(key, pems[SecretKeys.Key] ?? '');

  // One real Deployment, rolled out by the controller-manager, for every version's rollout status.
  ns = await newNamespace('node-versions');
  await apply(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels: { app: 'web', 'paas.io/deploy-id': 'web-0001' } },
          spec: { containers: [{ name: 'app', image: 'registry.example/shop/web:1.0' }] },
        },
      },
    },
    ns,
  );
  await kubectlOk(['rollout', 'status', 'deployment/web', '-n', ns, '--timeout', '120s'], { timeoutMs: 130_000 });
}, 180_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the Node versions under test', () => {
  it('cover every major of package.json engines, each version inside its range', () => {
    // engines: ">=20.19.0 <21 || >=22.12.0 <23 || >=24"
    const ranges = PKG.engines.node.split('||').map((r) => /^>=\s*(\d+(?:\.\d+){0,2})/.exec(r.trim())?.[1] ?? '');
    expect(
      ranges.every((r) => r !== ''),
      `engines.node: ${PKG.engines.node}`,
    ).toBe(true);
    for (const min of ranges) {
      const major = min.split('.')[0];
      const rt = RUNTIMES.find((r) => r.version.split('.')[0] === major);
      expect(rt, `no Node ${major} under test (engines ${PKG.engines.node}); add one to NODE_TEST_VERSIONS in the Makefile`).toBeDefined();
      expect(atLeast(rt!.version, min), `Node ${rt!.version} is below engines' >=${min}`).toBe(true);
    }
    expect(BASELINE.split('.')[0]).toBe('20');
  });
});

describe.each(RUNTIMES.map((r) => [r.version, r] as const))('Node %s', (version, runtime) => {
  const { bin } = runtime;
  const pathDir = join(tmp, `path-${version}`);

  beforeAll(async () => {
    if (!existsSync(bin)) {
      throw new Error(`Node ${version} is not installed at ${bin}: run \`make node-versions\` (make test and make test-e2e run it first)`);
    }
    // A PATH on which `node` is this version and kubectl-paas is the bundle, as `kubectl paas` finds it.
    mkdirSync(pathDir, { recursive: true });
    symlinkSync(bin, join(pathDir, 'node'));
    symlinkSync(PLUGIN, join(pathDir, 'kubectl-paas'));
    symlinkSync(COMPLETE, join(pathDir, 'kubectl_complete-paas'));
  });

  it(`is Node ${version}, also as the plugin's #!/usr/bin/env node resolves it`, async () => {
    expect((await run(bin, ['-p', 'process.version'])).stdout.trim()).toBe(`v${version}`);
    const viaPath = await run('/usr/bin/env', ['node', '-p', 'process.version'], { env: { PATH: `${pathDir}${delimiter}${process.env.PATH}` } });
    expect(viaPath.stdout.trim()).toBe(`v${version}`);
  });

  it('kubectl-paas --help says kubectl paas', async () => {
    const r = await run(bin, [PLUGIN, '--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kubectl paas <command>/);
    expect(r.stdout).toContain('kubectl paas rollout');
    expect(r.stdout).toContain('kubectl paas diagnose [workloads..]');
    sameAsBaseline(runtime, '--help', r.stdout);
  });

  it.skipIf(!corpusPresent)('kubectl-paas policy apply -f <the corpus>: the same manifests and warnings', async () => {
    const r = await run(bin, [PLUGIN, 'policy', 'apply', '-f', CORPUS]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/maxSurge: 1\n\s+maxUnavailable: 0/);
    expect(r.stderr).toMatch(/^Warning: deployment\//m);
    sameAsBaseline(runtime, 'policy apply', r);
  });

  it('kubectl paas rollout status web -o json, through kubectl, on a real Deployment: exit 0, Completed', async () => {
    const r = await kubectl(['paas', 'rollout', 'status', 'web', '-n', ns, '-o', 'json', '--timeout', '60s'], {
      env: { PATH: `${pathDir}${delimiter}${process.env.PATH}` },
      timeoutMs: 90_000,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Obj;
    expect(doc).toMatchObject({ name: 'web', namespace: ns, id: 'web-0001', rollout_status: 'Completed', status: 'ready' });
    sameAsBaseline(runtime, 'rollout status -o json', doc);
  });

  it("kubectl_complete-paas rollout status -o '': the output formats and Cobra's no-file directive", async () => {
    const r = await run(bin, [COMPLETE, 'rollout', 'status', '-o', '']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('text\njson\nyaml\n:4\n');
    sameAsBaseline(runtime, 'complete -o', r.stdout);
  });

  it("kubectl __complete paas rollout status -n <ns> '', through kubectl: the namespace's Deployment from the API server", async () => {
    const r = await kubectl(['__complete', 'paas', 'rollout', 'status', '-n', ns, ''], {
      env: { PATH: `${pathDir}${delimiter}${process.env.PATH}` },
      timeoutMs: 30_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain('web');
    expect(lines.at(-1)).toBe(':4');
    sameAsBaseline(runtime, 'complete deployments', r.stdout);
  });

  describe('paas-webhook serve', () => {
    let child: ChildProcess;
    let port: number;
    let stderr = '';
    let stdout = '';

    beforeAll(async () => {
      port = await freePort();
      const metricsPort = await freePort();
      child = spawn(bin, [WEBHOOK, ...serveArgs({ port, metricsPort, cert, key, kubeconfig: kubeconfig() })], { stdio: ['ignore', 'pipe', 'pipe'], cwd: tmp });
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const until = Date.now() + 60_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`paas-webhook on Node ${version} exited ${child.exitCode}: ${stderr}`);
        if (stdout.includes('paas-webhook serving')) break;
        if (Date.now() > until) throw new Error(`paas-webhook on Node ${version} did not start in 60 s: ${stdout}${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }, 90_000);

    afterAll(async () => {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    });

    it('GET /healthz over HTTPS: 200', async () => {
      expect((await https(port, ca, 'GET', '/healthz')).status).toBe(200);
    });

    it("POST /mutate of a kube-apiserver's AdmissionReview: the policy's patch and warnings", async () => {
      const r = await https(port, ca, 'POST', '/mutate', JSON.stringify(REVIEW));
      expect(r.status, r.body).toBe(200);
      const res = (JSON.parse(r.body) as Obj).response as Obj;
      expect(res).toMatchObject({ uid: REVIEW.request.uid, allowed: true, patchType: 'JSONPatch' });
      const patch = JSON.parse(Buffer.from(String(res.patch), 'base64').toString('utf8').replace(UUID, ID)) as unknown;
      // The webhook read the API server's version (>= 1.30): the native preStop sleep.
      const want = mutateDeployment({
        object: REVIEW.request.object as JsonObject,
        oldObject: null,
        policy: DEFAULT_POLICY,
        facts: { nativeSleep: true },
        newId: () => ID,
        stampId: true,
      });
      expect(want.patch.length).toBeGreaterThan(0);
      expect(patch).toEqual(want.patch);
      const warnings = (res.warnings as string[]).map((w) => w.replace(UUID, ID));
      expect(warnings).toEqual(want.warnings);
      sameAsBaseline(runtime, 'AdmissionReview response', { patch, warnings });
    });

    it('SIGTERM: exits 0', async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code, signal] = (await exited) as [number | null, string | null];
      expect({ code, signal }, stderr).toEqual({ code: 0, signal: null });
      expect(stdout).toContain('paas-webhook stopped');
    });
  });
});
