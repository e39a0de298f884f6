// `kubectl paas rollout status` on the real control plane, through the real kubectl binary, which
// finds kubectl-paas on PATH (a symlink to the package's bin, as `make install-plugin` makes it).
// Rollouts are real: the Deployment controller moves pods between ReplicaSets, kwok plays kubelet.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, getJson, kubeconfig, kubectl, kubectlOk, newNamespace, Scenario, ScenarioLabel, waitFor } from './lib/cluster.js';
import { onRealNode, TestImage } from './lib/real-node.js';

type Obj = Record<string, any>;

const root = resolve(import.meta.dirname, '../..');
const pluginDir = mkdtempSync(join(tmpdir(), 'paas-rollout-'));
let ns: string;

/** `kubectl paas rollout status …` through kubectl. */
function paas(args: string[], env: Record<string, string> = {}) {
  return kubectl(['paas', 'rollout', 'status', ...args], {
    env: { PATH: `${pluginDir}${delimiter}${process.env.PATH}`, ...env },
    timeoutMs: 120_000,
  });
}

function deployment(name: string, opts: { labels?: Obj; podLabels?: Obj; image?: string; container?: Obj; spec?: Obj; replicas?: number } = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name, ...opts.labels } },
    spec: {
      replicas: opts.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: name, 'paas.io/deploy-id': `${name}-0001`, ...opts.podLabels } },
        spec: { containers: [{ name: 'app', image: opts.image ?? 'registry.example/shop/web:1.0', ...opts.container }] },
      },
      ...opts.spec,
    },
  };
}

/** The last document of a watched `-o json` run: NDJSON, one document per change, the final one last. */
function lastJson(stdout: string): Obj {
  const lines = stdout.trimEnd().split('\n');
  return JSON.parse(lines.at(-1)!) as Obj;
}

const complete = (d: Obj) =>
  d.status?.observedGeneration >= d.metadata.generation &&
  d.status?.updatedReplicas === d.spec.replicas &&
  d.status?.availableReplicas === d.spec.replicas &&
  d.status?.replicas === d.spec.replicas;

async function rolledOut(name: string): Promise<Obj> {
  return waitFor(
    async () => {
      const d = await getJson('deployment', name, ns);
      return complete(d) ? d : undefined;
    },
    { timeoutMs: 60_000, what: `deployment ${name} to roll out` },
  );
}

beforeAll(async () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  symlinkSync(join(root, pkg.bin['kubectl-paas']!), join(pluginDir, 'kubectl-paas'));
  ns = await newNamespace('rollout-status');
  // Start every slow scenario at once; the tests read them in turn.
  await apply(deployment('web', { replicas: 3, labels: { group: 'mixed' } }), ns);
  await apply(deployment('held', { labels: { group: 'mixed' } }), ns);
  await apply(deployment('bad-image', { labels: { group: 'broken' } }), ns);
  await apply(deployment('slow', { podLabels: { [ScenarioLabel]: Scenario.NeverReady }, spec: { progressDeadlineSeconds: 600 } }), ns);
  await apply(deployment('late', { podLabels: { [ScenarioLabel]: Scenario.NeverReady }, spec: { progressDeadlineSeconds: 4 } }), ns);
  await Promise.all(['web', 'held', 'bad-image'].map(rolledOut));
}, 180_000);

afterAll(() => rmSync(pluginDir, { recursive: true, force: true }));

describe('a rollout that completes', () => {
  it('exits 0 with the documented JSON, its replicas matching kubectl get', async () => {
    const r = await paas(['web', '-n', ns, '-o', 'json', '--timeout', '60s']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const d = await getJson('deployment', 'web', ns);
    expect(doc).toMatchObject({
      name: 'web',
      namespace: ns,
      id: 'web-0001',
      status: 'ready',
      rollout_status: 'Completed',
      revision: Number(d.metadata.annotations['deployment.kubernetes.io/revision']),
      replicas: {
        desired: d.spec.replicas,
        updated: d.status.updatedReplicas,
        ready: d.status.readyReplicas,
        available: d.status.availableReplicas,
      },
      deadline: null,
    });
    const rs = JSON.parse(await kubectlOk(['get', 'rs', '-n', ns, '-l', 'app=web', '-o', 'json'])).items as Obj[];
    expect(doc.replicaSets.map((x: Obj) => x.name)).toEqual(rs.map((x) => x.metadata.name));
  });

  it('says what kubectl rollout status says', async () => {
    const ours = await paas(['web', '-n', ns]);
    const theirs = await kubectl(['rollout', 'status', 'deployment/web', '-n', ns]);
    expect([ours.code, theirs.code]).toEqual([0, 0]);
    expect(ours.stdout).toBe(theirs.stdout);
  });

  it('watches an update through to the end, one line per change', async () => {
    await kubectlOk([
      'patch',
      'deployment',
      'web',
      '-n',
      ns,
      '--type=merge',
      '-p',
      JSON.stringify({
        spec: { minReadySeconds: 2, template: { spec: { containers: [{ name: 'app', image: 'registry.example/shop/web:1.1' }] } } },
      }),
    ]);
    const r = await paas(['web', '-n', ns, '--timeout', '90s']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('deployment "web" successfully rolled out');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(0, -1).every((l) => l.startsWith('Waiting for deployment'))).toBe(true);
    expect(new Set(lines).size).toBe(lines.length);
  });

  it('watched with -o json, one JSON document per line per change (NDJSON), as kubectl get -w -o json', async () => {
    await apply(deployment('streamed', { replicas: 3, spec: { minReadySeconds: 2 } }), ns);
    await rolledOut('streamed');
    await kubectlOk(['set', 'image', 'deployment/streamed', 'app=registry.example/shop/web:1.1', '-n', ns]);
    // Until the controller observes the new template, status.updatedReplicas still counts the old pods.
    await waitFor(
      async () => {
        const d = await getJson('deployment', 'streamed', ns);
        return d.status?.observedGeneration >= d.metadata.generation;
      },
      { what: 'the Deployment controller to observe the new template' },
    );
    const r = await paas(['streamed', '-n', ns, '-o', 'json', '--timeout', '90s']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    const docs = lines.map((l) => JSON.parse(l) as Obj);
    expect(docs.at(-1)).toMatchObject({ name: 'streamed', rollout_status: 'Completed', replicas: { desired: 3, updated: 3, available: 3 } });
    expect(docs.slice(0, -1).every((d) => d.rollout_status === 'InProgress')).toBe(true);
    const updated = docs.map((d) => d.replicas.updated as number);
    expect(updated).toEqual([...updated].sort((a, b) => a - b));
    // A line per change: no two successive documents say the same thing.
    const said = docs.map((d) => JSON.stringify([d.rollout_status, d.message, d.replicas]));
    expect(said.every((x, i) => i === 0 || x !== said[i - 1])).toBe(true);
  });

  it('--final-only with -o json waits, then prints one indented document (its kind first, since workloads of three kinds share the stream)', async () => {
    const r = await paas(['streamed', '-n', ns, '-o', 'json', '--final-only', '--timeout', '60s']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\{\n {2}"kind": "Deployment",\n {2}"name": "streamed",\n/);
    expect(JSON.parse(r.stdout)).toMatchObject({ rollout_status: 'Completed' });
  });

  it('watched with -o yaml, YAML documents separated by ---', async () => {
    await kubectlOk(['set', 'image', 'deployment/streamed', 'app=registry.example/shop/web:1.2', '-n', ns]);
    const r = await paas(['streamed', '-n', ns, '-o', 'yaml', '--timeout', '90s']);
    expect(r.code).toBe(0);
    const { parseAllDocuments } = await import('yaml');
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
    expect(docs.length).toBeGreaterThan(1);
    expect(r.stdout.split(/^---$/m)).toHaveLength(docs.length);
    expect(docs.at(-1)).toMatchObject({ name: 'streamed', rollout_status: 'Completed' });
  });
});

describe('rollouts that do not complete', () => {
  it('a paused rollout exits 4 at once instead of hanging', async () => {
    await kubectlOk(['rollout', 'pause', 'deployment/held', '-n', ns]);
    await kubectlOk(['set', 'image', 'deployment/held', 'app=registry.example/shop/web:2.0', '-n', ns]);
    const r = await paas(['held', '-n', ns, '-o', 'json', '--timeout', '60s']);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout)).toMatchObject({ rollout_status: 'Paused', status: 'deploying', paused: true, reason: 'DeploymentPaused' });
  });

  it('pods that never become ready under a short progress deadline exit 2', async () => {
    const r = await paas(['late', '-n', ns, '-o', 'json', '--timeout', '90s']);
    expect(r.code).toBe(2);
    const doc = lastJson(r.stdout);
    expect(doc).toMatchObject({ rollout_status: 'Timeout', status: 'timeout', reason: 'ProgressDeadlineExceeded' });
    const theirs = await kubectl(['rollout', 'status', 'deployment/late', '-n', ns]);
    expect(theirs.stderr).toContain('exceeded its progress deadline');
  });

  it('an image that does not exist exits 1 on the pull failure, without waiting for --timeout or the 600 s deadline', async () => {
    await apply(
      deployment('bad-image', { labels: { group: 'broken' }, image: 'registry.example/shop/web:nope', podLabels: { [ScenarioLabel]: Scenario.ImageNotFound } }),
      ns,
    );
    const r = await paas(['bad-image', '-n', ns, '-o', 'json', '--timeout', '90s']);
    // Failed and exit 1 are the order of events: --timeout ending the wait would be Timeout and
    // exit 2, and so would the progress deadline.
    expect(r.code).toBe(1);
    const doc = lastJson(r.stdout);
    expect(doc.rollout_status).toBe('Failed');
    expect(['ErrImagePull', 'ImagePullBackOff']).toContain(doc.reason);
    expect(doc.message).toContain('registry.example/shop/web:nope');
    expect(doc.deadline).toBeNull();
    // Read after the exit: the controller itself still reports progress, its deadline not passed.
    const d = await getJson('deployment', 'bad-image', ns);
    expect(d.status.conditions.find((c: Obj) => c.type === 'Progressing').reason).not.toBe('ProgressDeadlineExceeded');
  });

  it('a container the runtime cannot start exits 1 long before the 600 s deadline (real node: runc refuses it)', async () => {
    // Its own namespace: the table of every Deployment in `ns` below stays as it is.
    const own = await newNamespace('rollout-start');
    const d0 = deployment('cannot-start', { image: TestImage.app, container: { command: ['/nope'] } });
    Object.assign(d0.spec.template.spec, onRealNode());
    await apply(d0, own);
    const r = await paas(['cannot-start', '-n', own, '-o', 'json', '--timeout', '90s']);
    expect(r.code, r.stderr).toBe(1);
    const doc = lastJson(r.stdout);
    expect(doc).toMatchObject({ rollout_status: 'Failed', status: 'failed', reason: 'RunContainerError' });
    expect(doc.message).toMatch(
      /^deployment "cannot-start" failed: all 2 new pods are stuck on RunContainerError: .*exec: "\/nope": stat \/nope: no such file or directory$/,
    );
    expect(doc.podProblems).toHaveLength(2);
    expect(doc.podProblems.every((p: Obj) => p.permanent === true && p.container === 'app')).toBe(true);
    const d = await getJson('deployment', 'cannot-start', own);
    expect(d.status.conditions.find((c: Obj) => c.type === 'Progressing').reason).not.toBe('ProgressDeadlineExceeded');
  });

  it('--watch=false exits 3 while the rollout is in progress', async () => {
    const r = await paas(['slow', '-n', ns, '--watch=false', '-o', 'json']);
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout);
    expect(doc.rollout_status).toBe('InProgress');
    expect(doc.deadline.seconds).toBe(600);
    expect(doc.deadline.secondsLeft).toBeGreaterThan(0);
  });

  it('--timeout bounds the wait: exit 2 with the facts of the moment', async () => {
    const r = await paas(['slow', '-n', ns, '--timeout', '2s', '-o', 'json']);
    expect(r.code).toBe(2);
    const lines = r.stdout.trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ rollout_status: 'InProgress' });
    expect(lastJson(r.stdout)).toMatchObject({ rollout_status: 'Timeout', reason: 'WaitTimeout' });
  });
});

describe('several Deployments', () => {
  it('-l selects them and the worst decides the exit code', async () => {
    // Several, watched: one NDJSON line per workload (each its own view); --final-only: the one list.
    const mixed = await paas(['-l', 'group=mixed', '-n', ns, '-o', 'json', '--timeout', '60s']);
    expect(mixed.code).toBe(4);
    const lines = mixed.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Obj);
    expect(lines.map((v) => [v.kind, v.name, v.rollout_status])).toEqual([
      ['Deployment', 'held', 'Paused'],
      ['Deployment', 'web', 'Completed'],
    ]);
    const final = await paas(['-l', 'group=mixed', '-n', ns, '-o', 'json', '--timeout', '60s', '--final-only']);
    const doc = JSON.parse(final.stdout);
    expect(doc.rollout_status).toBe('Paused');
    expect(doc.items.map((v: Obj) => [v.name, v.rollout_status])).toEqual([
      ['held', 'Paused'],
      ['web', 'Completed'],
    ]);
  });

  it('with no name and no selector, every Deployment of the namespace as a table', async () => {
    const r = await paas(['-n', ns, '--watch=false']);
    expect(r.code).toBe(1);
    const rows = r.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^NAME\s+STATE\s+STATUS/);
    expect(rows.slice(1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      ['bad-image', 'Failed'],
      ['held', 'Paused'],
      ['late', 'Timeout'],
      ['slow', 'InProgress'],
      ['streamed', 'Completed'],
      ['web', 'Completed'],
    ]);
  });

  it('a missing name among several is an error line, and exit 7 (not found)', async () => {
    const r = await paas(['web', 'ghost', '-n', ns, '--watch=false']);
    expect(r.code).toBe(7);
    expect(r.stderr).toBe(`error: deployment "ghost" not found in namespace "${ns}"\n`);
  });
});

describe('errors are one clear line on stderr, each with its exit code (docs/exit-codes.md)', () => {
  it('not found (7) names the namespace and the name', async () => {
    const r = await paas(['nope', '-n', ns]);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: deployment "nope" not found in namespace "${ns}"\n`);
  });

  it('an unreachable cluster (9) names the server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paas-kc-'));
    const admin = readFileSync(kubeconfig(), 'utf8');
    const dead = admin.replace(/server: https:\/\/127\.0\.0\.1:\d+/, 'server: https://127.0.0.1:1');
    writeFileSync(join(dir, 'config'), dead);
    const r = await paas(['web', '-n', ns], { KUBECONFIG: join(dir, 'config') });
    rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(9);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('https://127.0.0.1:1');
  });

  it('forbidden (8) names the verb and the resource', async () => {
    await kubectlOk(['create', 'serviceaccount', 'nobody', '-n', ns]);
    const token = (await kubectlOk(['create', 'token', 'nobody', '-n', ns])).trim();
    const dir = mkdtempSync(join(tmpdir(), 'paas-kc-'));
    const admin = readFileSync(kubeconfig(), 'utf8');
    const { parse, stringify } = await import('yaml');
    const kc = parse(admin) as Obj;
    kc.users = [{ name: 'nobody', user: { token } }];
    for (const c of kc.contexts) c.context.user = 'nobody';
    writeFileSync(join(dir, 'config'), stringify(kc));
    const r = await paas(['web', '-n', ns], { KUBECONFIG: join(dir, 'config') });
    rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(8);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot list resource "deployments"/);
  });

  it.each([
    { args: ['web', '--timeout', '5'], message: '--timeout' },
    { args: ['web', '-o', 'xml'], message: '-o/--output' },
    { args: ['web', '--revision', '-1'], message: '--revision' },
  ])('a bad flag ($args) names the flag (5, usage)', async ({ args, message }) => {
    const r = await paas([...args, '-n', ns]);
    expect(r.code).toBe(5);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });

  it('honours KUBECONFIG and the namespace of its context', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paas-kc-'));
    const { parse, stringify } = await import('yaml');
    const kc = parse(readFileSync(kubeconfig(), 'utf8')) as Obj;
    for (const c of kc.contexts) c.context.namespace = ns;
    writeFileSync(join(dir, 'config'), stringify(kc));
    const r = await paas(['web', '-o', 'json'], { KUBECONFIG: join(dir, 'config') });
    rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).namespace).toBe(ns);
  });
});
