// StatefulSets, DaemonSets and several workloads at once, on the real control plane (kwok plays
// kubelet), through the real kubectl binary, which finds kubectl-paas on PATH. The real kubectl
// is the oracle: `kubectl paas rollout status` of a StatefulSet or DaemonSet says what `kubectl
// rollout status` says of the same object, and refuses what it refuses. Then `diagnose` over the
// namespace names the stuck ones.
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, getJson, kubectl, kubectlOk, newNamespace, Scenario, ScenarioLabel, waitFor } from './lib/cluster.js';

type Obj = Record<string, any>;

const root = resolve(import.meta.dirname, '../..');
const pluginDir = mkdtempSync(join(tmpdir(), 'paas-fleet-'));
let ns: string;

/** `kubectl paas …` through kubectl. */
function paas(args: string[]) {
  return kubectl(['paas', ...args], { env: { PATH: `${pluginDir}${delimiter}${process.env.PATH}` }, timeoutMs: 150_000 });
}

const podSpec = (image: string) => ({ containers: [{ name: 'app', image }] });

function statefulSet(name: string, strategy: Obj = { type: 'RollingUpdate' }, podLabels: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, labels: { app: name, group: 'fleet' } },
    spec: {
      replicas: 3,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      updateStrategy: strategy,
      template: { metadata: { labels: { app: name, ...podLabels } }, spec: podSpec('registry.example/db:1') },
    },
  };
}

function daemonSet(name: string): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, labels: { app: name, group: 'fleet' } },
    spec: {
      selector: { matchLabels: { app: name } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: { metadata: { labels: { app: name } }, spec: podSpec('registry.example/agent:1') },
    },
  };
}

function deployment(name: string, podLabels: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name, group: 'fleet' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, ...podLabels } }, spec: podSpec('registry.example/web:1') },
    },
  };
}

/** What kubectl rollout status says of a workload with --watch=false. */
async function kubectlSays(resource: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return kubectl(['rollout', 'status', resource, '-n', ns, '--watch=false']);
}

beforeAll(async () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  symlinkSync(join(root, pkg.bin['kubectl-paas']!), join(pluginDir, 'kubectl-paas'));
  ns = await newNamespace('fleet');
  await apply(statefulSet('db'), ns);
  await apply(statefulSet('legacy', { type: 'OnDelete' }), ns);
  await apply(daemonSet('agent'), ns);
  await apply(deployment('web'), ns);
  await apply(deployment('broken', { [ScenarioLabel]: Scenario.ImageNotFound }), ns);
  // kubectl's own judgement of the end: rolled out.
  for (const r of ['statefulset/db', 'daemonset/agent', 'deployment/web']) {
    await waitFor(async () => (await kubectlSays(r)).stdout.match(/rolled out|roll out complete|update complete/), {
      timeoutMs: 120_000,
      what: `${r} to roll out`,
    });
  }
}, 240_000);

afterAll(() => rmSync(pluginDir, { recursive: true, force: true }));

describe('rollout status of a StatefulSet and a DaemonSet says what kubectl says', () => {
  // As for a Deployment: watching (the default) prints kubectl's lines; --watch=false our report.
  it.each(['statefulset/db', 'sts/db', 'daemonset/agent', 'ds/agent'])('%s, rolled out', async (resource) => {
    const ours = await paas(['rollout', 'status', resource, '-n', ns, '--timeout', '60s']);
    const theirs = await kubectl(['rollout', 'status', resource, '-n', ns, '--timeout=60s']);
    expect([ours.code, theirs.code]).toEqual([0, 0]);
    expect(ours.stdout).toBe(theirs.stdout);
  });

  it('refuses OnDelete as kubectl does, with its words (exit 11, kubectl 1)', async () => {
    const ours = await paas(['rollout', 'status', 'statefulset/legacy', '-n', ns, '--watch=false']);
    const theirs = await kubectlSays('statefulset/legacy');
    expect(theirs.stderr.trim()).toBe('error: rollout status is only available for RollingUpdate strategy type');
    expect(ours.stderr.trim()).toBe(`error: statefulset "legacy" in namespace "${ns}": rollout status is only available for RollingUpdate strategy type`);
    expect([ours.code, theirs.code]).toEqual([11, 1]);
  });

  it("-o json carries the kind and kubectl's counts", async () => {
    const r = await paas(['rollout', 'status', 'ds/agent', '-n', ns, '--watch=false', '-o', 'json']);
    const doc = JSON.parse(r.stdout) as Obj;
    const ds = await getJson('daemonset', 'agent', ns);
    expect(doc).toMatchObject({
      kind: 'DaemonSet',
      name: 'agent',
      rollout_status: 'Completed',
      replicas: { desired: ds.status.desiredNumberScheduled, updated: ds.status.updatedNumberScheduled, available: ds.status.numberAvailable },
    });
  });
});

describe('a StatefulSet rolled to an image that does not exist', () => {
  beforeAll(async () => {
    await kubectlOk([
      'patch',
      'statefulset',
      'db',
      '-n',
      ns,
      '--type=merge',
      '-p',
      JSON.stringify({
        spec: { template: { metadata: { labels: { [ScenarioLabel]: Scenario.ImageNotFound } }, spec: podSpec('registry.example/db:missing') } },
      }),
    ]);
  });

  it('fails at once where kubectl waits, naming the updated pod', async () => {
    const r = await paas(['rollout', 'status', 'sts/db', '-n', ns, '--timeout', '2m', '-o', 'json', '--final-only']);
    const doc = JSON.parse(r.stdout) as Obj;
    expect(doc).toMatchObject({ kind: 'StatefulSet', rollout_status: 'Failed', reason: expect.stringMatching(/^(ErrImagePull|ImagePullBackOff)$/) });
    expect(doc.podProblems.map((p: Obj) => p.pod)).toEqual(['db-2']);
    expect(r.code).toBe(1);
    expect((await kubectlSays('statefulset/db')).stdout).toMatch(/^Waiting for \d+ pods to be ready\.\.\.$/m);
  });

  it('several at once: the worst decides, one JSON line per workload', async () => {
    const r = await paas(['rollout', 'status', '-l', 'group=fleet', '-n', ns, '-o', 'json', '--timeout', '2m']);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Obj);
    expect(new Set(lines.map((v) => `${v.kind}/${v.name}`))).toEqual(new Set(['Deployment/web', 'Deployment/broken', 'StatefulSet/db', 'DaemonSet/agent']));
    expect(r.stderr).toContain(`warning: statefulset "legacy" in namespace "${ns}" left out: rollout status is only available for RollingUpdate strategy type`);
    expect(r.code).toBe(1);
  });

  it('diagnose over the namespace names the stuck ones, most severe first', async () => {
    const r = await paas(['diagnose', '-n', ns, '--summary', '-o', 'json']);
    const doc = JSON.parse(r.stdout) as Obj;
    const problems = (doc.summary as Obj[]).filter((x) => x.verdict === 'Problems').map((x) => `${x.kind}/${x.name}: ${x.code}`);
    expect(problems.sort()).toEqual(['Deployment/broken: ImagePullFailed', 'StatefulSet/db: ImagePullFailed']);
    expect(r.code).toBe(1);
  });

  it('diagnose sts/db names the ordinal it waits on', async () => {
    const r = await paas(['diagnose', 'sts/db', '-n', ns, '-o', 'json']);
    const doc = JSON.parse(r.stdout) as Obj;
    expect(doc.statefulSet).toMatchObject({ name: 'db', podManagementPolicy: 'OrderedReady' });
    expect(doc.findings.map((f: Obj) => f.code)).toEqual(['ImagePullFailed', 'OrdinalNotReady']);
    expect(doc.findings[1].details).toMatchObject({ pod: 'db-2', ordinal: 2, cause: 'ImagePullFailed' });
  });
});
