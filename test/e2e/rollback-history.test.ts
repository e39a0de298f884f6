// `kubectl paas rollout status --undo-on-failure` and `kubectl paas rollout history` on the real
// control plane and the real node, with the webhook in front of the API server (it stamps and
// keeps the deploy-ids), through the real kubectl (which finds kubectl-paas on PATH).
//
// Given the test app rolled out, when a rollout to an image that cannot be pulled fails, then the
// plugin rolls back as `kubectl rollout undo` would (the same template and annotations, held to
// kubectl's own server-side dry run), the old revision's deploy-id comes back and no third
// ReplicaSet is made; a change made between the verdict and the write makes it back off; and the
// history names what became of every revision.
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../plugin/cli.js';
import type { CliDeps } from '../../plugin/deps.js';
import type { KubeEdge, PatchType } from '../../plugin/kube/rest.js';
import { cliRun } from '../unit/plugin/cli-harness.js';
import { apply, binDir, getJson, kubeconfig, kubectl, kubectlOk, listJson, newNamespace, patchAppContainer, waitFor } from './lib/cluster.js';
import { appDeployment, TestImage } from './lib/real-node.js';
import { startWebhook, type WebhookProcess } from './lib/webhook-process.js';

type Obj = Record<string, any>;

const root = resolve(import.meta.dirname, '../..');
const pluginDir = mkdtempSync(join(tmpdir(), 'paas-rollback-'));
const SCOPE = { key: 'e2e.paas.io/rollback', value: `run-${process.pid}` };
const DEPLOY_ID = 'paas.io/deploy-id';
const REVISION = 'deployment.kubernetes.io/revision';
/** An image no registry is asked for: the kubelet refuses to pull it (ErrImageNeverPull), a permanent failure. */
const MISSING = { image: 'paas.local/testapp:missing', imagePullPolicy: 'Never' };

let webhook: WebhookProcess;
let ns: string;

/** `kubectl paas …` through kubectl. */
function paas(args: string[], timeoutMs = 180_000) {
  return kubectl(['paas', ...args], { env: { PATH: `${pluginDir}${delimiter}${process.env.PATH}` }, timeoutMs });
}

const lastJson = (stdout: string): Obj => JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as Obj;

async function rolledOut(name: string): Promise<void> {
  await kubectlOk(['rollout', 'status', `deployment/${name}`, '-n', ns, '--timeout=150s'], { timeoutMs: 160_000 });
}

const replicaSets = (name: string) => listJson('replicasets', ns, `app=${name}`);
const templateId = (d: Obj): string => d.spec.template.metadata.labels[DEPLOY_ID];

const setContainer = (name: string, container: Obj) => patchAppContainer(ns, name, container);

beforeAll(async () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  symlinkSync(join(root, pkg.bin['kubectl-paas']!), join(pluginDir, 'kubectl-paas'));
  webhook = await startWebhook({ kubeconfig: kubeconfig(), kubectl: join(binDir(), 'kubectl'), scope: SCOPE, name: `paas-e2e-rollback-${process.pid}` });
  ns = await newNamespace('rollback', { [SCOPE.key]: SCOPE.value });
}, 120_000);

afterAll(async () => {
  await webhook?.stop();
  rmSync(pluginDir, { recursive: true, force: true });
});

describe('--undo-on-failure', () => {
  let good: Obj;

  beforeAll(async () => {
    await apply(appDeployment('app', { replicas: 1, env: { VERSION: 'v1' } }), ns);
    await rolledOut('app');
    await setContainer('app', { env: [{ name: 'VERSION', value: 'v2' }] });
    await rolledOut('app');
    good = await getJson('deployment', 'app', ns);
    await setContainer('app', MISSING);
  }, 360_000);

  it('--dry-run says where it would go back to, and the API server (webhook included) accepts it; nothing changes', async () => {
    const r = await paas(['rollout', 'status', 'app', '-n', ns, '--undo-on-failure', '--dry-run', '-o', 'json', '--timeout', '150s']);
    expect(r.code, r.stderr).toBe(1);
    const doc = lastJson(r.stdout);
    expect(doc).toMatchObject({ rollout_status: 'Failed', reason: 'ErrImageNeverPull', revision: 3 });
    expect(doc.rollback).toMatchObject({ fromRevision: 3, toRevision: 2, deployId: templateId(good), outcome: 'DryRun' });
    const d = await getJson('deployment', 'app', ns);
    expect(d.spec.template.spec.containers[0].image).toBe(MISSING.image);
    expect(d.metadata.annotations[REVISION]).toBe('3');
  });

  let ours: Obj;

  it('rolls back to the previous revision: its deploy-id again, no new ReplicaSet; exit 1, the failure’s code', async () => {
    const before = await replicaSets('app');
    expect(before).toHaveLength(3);
    const failedId = before.find((rs) => rs.metadata.annotations[REVISION] === '3')!.spec.template.metadata.labels[DEPLOY_ID];
    const r = await paas(['rollout', 'status', 'app', '-n', ns, '--undo-on-failure', '--timeout', '150s']);
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    const announce = lines.findIndex((l) => l.startsWith('revision 3 of deployment "app" failed (ErrImageNeverPull): rolling back to revision 2'));
    expect(announce, r.stdout).toBeGreaterThan(0);
    expect(lines[announce]).toContain(`deploy-id ${templateId(good)}`);
    expect(lines.slice(0, announce).join('\n')).toMatch(/deployment "app" failed: the new pod is stuck on ErrImageNeverPull/);
    expect(lines.at(-1)).toBe(`deployment "app" rolled back to revision 2 (deploy-id ${templateId(good)}; the controller numbers it revision 4 now)`);
    ours = await getJson('deployment', 'app', ns);
    expect(templateId(ours)).toBe(templateId(good));
    expect(JSON.parse(ours.metadata.annotations['paas.io/rolled-back-from'])).toEqual({ revision: 3, deployId: failedId, reason: 'ErrImageNeverPull' });
    const after = await replicaSets('app');
    expect(after.map((rs) => rs.metadata.uid).sort()).toEqual(before.map((rs) => rs.metadata.uid).sort());
    const back = after.find((rs) => rs.metadata.annotations[REVISION] === '4')!;
    expect(back.spec.template.metadata.labels[DEPLOY_ID]).toBe(templateId(good));
    expect(back.metadata.annotations['deployment.kubernetes.io/revision-history']).toBe('2');
  });

  it('stores what kubectl rollout undo stores, back to the same ReplicaSet', async () => {
    await setContainer('app', MISSING);
    const failed = await paas(['rollout', 'status', 'app', '-n', ns, '--timeout', '150s']);
    expect(failed.code, failed.stdout).toBe(1);
    await kubectlOk(['rollout', 'undo', 'deployment/app', '-n', ns]);
    await rolledOut('app');
    const theirs = await getJson('deployment', 'app', ns);
    expect(theirs.metadata.annotations[REVISION]).toBe('6');
    expect(theirs.spec.template).toEqual(ours.spec.template);
    // The same annotations: kubectl copies them from the ReplicaSet, where the controller put ours (the record included).
    expect({ ...theirs.metadata.annotations, [REVISION]: '4' }).toEqual(ours.metadata.annotations);
  });

  it('-o json: the final document is the failure, with the rollback’s outcome', async () => {
    await setContainer('app', MISSING);
    const before = await replicaSets('app');
    const r = await paas(['rollout', 'status', 'app', '-n', ns, '--undo-on-failure', '-o', 'json', '--final-only', '--timeout', '150s']);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as Obj;
    expect(doc).toMatchObject({
      rollout_status: 'Failed',
      revision: 7,
      rollback: { fromRevision: 7, toRevision: 6, deployId: templateId(good), outcome: 'Completed' },
    });
    expect(templateId(await getJson('deployment', 'app', ns))).toBe(templateId(good));
    expect((await replicaSets('app')).map((rs) => rs.metadata.uid).sort()).toEqual(before.map((rs) => rs.metadata.uid).sort());
  });

  it('never rolls back the first revision', async () => {
    await apply(appDeployment('first', { replicas: 1, container: MISSING }), ns);
    const r = await paas(['rollout', 'status', 'first', '-n', ns, '--undo-on-failure', '-o', 'json', '--timeout', '150s']);
    expect(r.code, r.stderr).toBe(1);
    expect(lastJson(r.stdout).rollback).toMatchObject({ outcome: 'Skipped', reason: 'FirstRevision' });
  });
});

/** `rollout status --undo-on-failure` in this process against the cluster, with `before` run just before the guarded write. */
async function undoWithChangeBefore(name: string, before: () => Promise<unknown>): Promise<{ code: number; out: string; patches: number }> {
  const run = cliRun({ env: { KUBECONFIG: kubeconfig() }, now: Date.now() });
  let patches = 0;
  const deps: CliDeps = {
    ...run.deps,
    now: () => Date.now(),
    kube: async (flags) => {
      const real: KubeEdge = await run.deps.kube(flags);
      return {
        ...real,
        connect: async () => {
          const c = await real.connect();
          const patch = c.rest.patch.bind(c.rest);
          c.rest.patch = async <T>(path: string, body: unknown, type: PatchType, query?: Record<string, string | undefined>): Promise<T> => {
            if (patches++ === 0) await before();
            return patch<T>(path, body, type, query);
          };
          return c;
        },
      };
    },
  };
  const code = await main(['rollout', 'status', name, '-n', ns, '--undo-on-failure', '--timeout', '150s'], deps);
  return { code, out: run.out(), patches };
}

describe('a change between the verdict and the write', () => {
  it('a newer apply makes it back off: nothing rolled back, the newer template stays', async () => {
    await apply(appDeployment('raced', { replicas: 1 }), ns);
    await rolledOut('raced');
    await setContainer('raced', MISSING);
    const r = await undoWithChangeBefore('raced', () => setContainer('raced', { image: TestImage.app2, imagePullPolicy: 'IfNotPresent' }));
    expect(r.code).toBe(1);
    expect(r.patches).toBe(1);
    expect(r.out).toMatch(
      /not rolling back deployment "raced": it changed after the failure \(generation 2 -> 3, revision \d\); leaving the newer change alone\n$/,
    );
    const d = await getJson('deployment', 'raced', ns);
    expect(d.spec.template.spec.containers[0].image).toBe(TestImage.app2);
    expect(d.metadata.annotations['paas.io/rolled-back-from']).toBeUndefined();
  });

  it('control: a change of metadata alone is retried under the new resourceVersion, and it rolls back', async () => {
    await apply(appDeployment('annotated', { replicas: 1 }), ns);
    await rolledOut('annotated');
    const good = await getJson('deployment', 'annotated', ns);
    await setContainer('annotated', MISSING);
    const r = await undoWithChangeBefore('annotated', () => kubectlOk(['annotate', 'deployment', 'annotated', '-n', ns, 'team=shop']));
    expect(r.code).toBe(1);
    expect(r.patches, r.out).toBe(2);
    expect(r.out).toContain('rolling back to revision 1');
    expect(templateId(await getJson('deployment', 'annotated', ns))).toBe(templateId(good));
  });
});

describe('rollout history', () => {
  it('names a completed, a failed-and-undone and a superseded revision, as kubectl numbers them', async () => {
    await apply(appDeployment('hist', { replicas: 1, env: { VERSION: 'v1' } }), ns);
    await rolledOut('hist');
    const cause = (c: string) => kubectlOk(['annotate', 'deployment', 'hist', '-n', ns, `kubernetes.io/change-cause=${c}`, '--overwrite']);
    await cause('v1');
    await setContainer('hist', { env: [{ name: 'VERSION', value: 'v2' }] });
    await cause('v2');
    await rolledOut('hist');
    await setContainer('hist', MISSING);
    await cause('missing image');
    const undo = await paas(['rollout', 'status', 'hist', '-n', ns, '--undo-on-failure', '--timeout', '150s']);
    expect(undo.code, undo.stdout + undo.stderr).toBe(1);
    // v3 never becomes ready; v4 replaces it before it does.
    await setContainer('hist', {
      image: TestImage.app,
      imagePullPolicy: 'IfNotPresent',
      env: [{ name: 'VERSION', value: 'v3' }],
      args: ['-port', '8080', '-ready-after', '1h'],
    });
    await cause('v3');
    await waitFor(async () => (await replicaSets('hist')).some((rs) => rs.metadata.annotations[REVISION] === '5' && rs.status.replicas === 1), {
      what: 'revision 5 to start a pod',
      timeoutMs: 60_000,
    });
    await setContainer('hist', { env: [{ name: 'VERSION', value: 'v4' }], args: ['-port', '8080'] });
    await cause('v4');
    await rolledOut('hist');
    // kubectl's rollout status ends before the replaced pods are gone; the table shows them until they are.
    await waitFor(async () => (await listJson('pods', ns, 'app=hist')).length === 1, { what: 'the replaced pods of hist to go', timeoutMs: 60_000 });

    const r = await paas(['rollout', 'history', 'hist', '-n', ns, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Obj;
    const rows = new Map((doc.revisions as Obj[]).map((x) => [x.revision as number, x]));
    expect([...rows.keys()]).toEqual([1, 3, 4, 5, 6]);
    expect(Object.fromEntries([...rows].map(([n, x]) => [n, x.outcome]))).toEqual({ 1: 'unknown', 3: 'failed', 4: 'completed', 5: 'superseded', 6: 'current' });
    expect(rows.get(4)!.earlierRevisions).toEqual([2]);
    expect(rows.get(3)!.evidence).toBe('rolled back by --undo-on-failure: ErrImageNeverPull');
    expect(rows.get(6)!.pods).toEqual({ running: 1, ready: 1, terminating: 0 });
    // Held to kubectl: the revisions and change-causes of `kubectl rollout history`, the deploy-ids and images of the ReplicaSets.
    const theirs = (await kubectlOk(['rollout', 'history', 'deployment/hist', '-n', ns]))
      .split('\n')
      .slice(2)
      .filter((l) => l.trim())
      .map((l) => /^(\d+)\s+(.*)$/.exec(l.trim())!.slice(1));
    expect((doc.revisions as Obj[]).map((x) => [String(x.revision), x.changeCause ?? '<none>'])).toEqual(theirs);
    for (const rs of await replicaSets('hist')) {
      const row = rows.get(Number(rs.metadata.annotations[REVISION]))!;
      expect(row).toMatchObject({
        replicaSet: rs.metadata.name,
        deployId: rs.spec.template.metadata.labels[DEPLOY_ID],
        images: [rs.spec.template.spec.containers[0].image],
      });
    }

    const text = await paas(['rollout', 'history', 'hist', '-n', ns]);
    expect(text.stdout).toMatch(/^REVISION +DEPLOY-ID +IMAGES +AGE +PODS +OUTCOME +CHANGE-CAUSE$/m);
    expect(text.stdout).toMatch(/^4 \(was 2\) +\S+ +paas\.local\/testapp:1 +\S+ +0\/0 +completed +v2$/m);
  }, 600_000);

  it('--revision N: its template as kubectl shows it, and the diff against the current one', async () => {
    const r = await paas(['rollout', 'history', 'hist', '-n', ns, '--revision', '5', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Obj;
    // kubectl prints the ReplicaSet of the revision; its template less the controller's hash label is ours.
    const theirs = JSON.parse(await kubectlOk(['rollout', 'history', 'deployment/hist', '-n', ns, '--revision', '5', '-o', 'json'])) as Obj;
    const { 'pod-template-hash': _hash, ...labels } = theirs.spec.template.metadata.labels;
    expect(doc.template).toEqual({ ...theirs.spec.template, metadata: { ...theirs.spec.template.metadata, labels } });
    expect(doc.diff).toMatch(/^--- revision 5 \(replica set hist-\w+\)\n\+\+\+ current \(revision 6\)\n/);
    expect(doc.diff).toMatch(/^- +value: v3$/m);
    expect(doc.diff).toMatch(/^\+ +value: v4$/m);
    expect(doc.diff).toMatch(/^- +- -ready-after$/m);
    const none = await paas(['rollout', 'history', 'hist', '-n', ns, '--revision', '2']);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('revision 4 (was 2)');
    const gone = await paas(['rollout', 'history', 'hist', '-n', ns, '--revision', '99']);
    expect(gone.code).toBe(7);
    expect(gone.stderr).toBe('error: deployment "hist" has no revision 99 left (revisions held: 1, 3, 4, 5, 6)\n');
  });
});
