// `kubectl paas logs` on the real node, where the kubelet keeps real container logs (the test
// app logs timestamped lines). Held to `kubectl logs` of the same pods, through the real kubectl
// (which finds kubectl-paas on PATH); --follow in this process, across a pod replaced mid-stream.
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../plugin/cli.js';
import { cliRun } from '../unit/plugin/cli-harness.js';
import { apply, kubeconfig, kubectl, kubectlOk, listJson, newNamespace, patchAppContainer, waitFor } from './lib/cluster.js';
import { appDeployment } from './lib/real-node.js';

type Obj = Record<string, any>;

const root = resolve(import.meta.dirname, '../..');
const pluginDir = mkdtempSync(join(tmpdir(), 'paas-logs-'));
const REVISION = 'deployment.kubernetes.io/revision';
let ns: string;

function paas(args: string[]) {
  return kubectl(['paas', ...args], { env: { PATH: `${pluginDir}${delimiter}${process.env.PATH}` }, timeoutMs: 60_000 });
}

/** The running pods of the ReplicaSet of `revision`, by name. */
async function podsOfRevision(name: string, revision: string): Promise<string[]> {
  const rs = (await listJson('replicasets', ns, `app=${name}`)).find((r) => r.metadata.annotations[REVISION] === revision);
  if (!rs) return [];
  return (await listJson('pods', ns, `app=${name}`))
    .filter((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid && !p.metadata.deletionTimestamp)
    .map((p: Obj) => p.metadata.name as string)
    .sort();
}

/** What kubectl logs says of a pod's container, each line with kubectl's --prefix. */
async function theirs(pod: string): Promise<string> {
  const text = await kubectlOk(['logs', `pod/${pod}`, '-c', 'app', '-n', ns]);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => `[pod/${pod}/app] ${l}\n`)
    .join('');
}

/** Waits until every pod of `revision` logged that it listens (its log is whole until it is stopped). */
async function listening(name: string, revision: string, count: number): Promise<string[]> {
  return waitFor(
    async () => {
      const pods = await podsOfRevision(name, revision);
      if (pods.length !== count) return false;
      for (const p of pods) {
        const r = await kubectl(['logs', `pod/${p}`, '-c', 'app', '-n', ns]);
        if (!r.stdout.includes('listening on :8080')) return false;
      }
      return pods;
    },
    { what: `${count} pod(s) of revision ${revision} of ${name} to listen`, timeoutMs: 120_000 },
  );
}

const setApp = (name: string, container: Obj) => patchAppContainer(ns, name, container);

beforeAll(async () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  symlinkSync(join(root, pkg.bin['kubectl-paas']!), join(pluginDir, 'kubectl-paas'));
  ns = await newNamespace('logs');
}, 60_000);

afterAll(() => {
  rmSync(pluginDir, { recursive: true, force: true });
});

describe('kubectl paas logs', () => {
  let oldPods: string[];
  let newPods: string[];

  beforeAll(async () => {
    // A readiness probe of its own (no webhook here adds one), so -ready-after holds a pod unready.
    const readinessProbe = { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 };
    await apply(appDeployment('lg', { replicas: 2, env: { VERSION: 'v1' }, container: { readinessProbe } }), ns);
    oldPods = await listening('lg', '1', 2);
    // Revision 2 never turns ready: the rollout stops with both revisions running (maxUnavailable 0 of 2).
    await setApp('lg', { env: [{ name: 'VERSION', value: 'v2' }], args: ['-port', '8080', '-ready-after', '1h'] });
    newPods = await listening('lg', '2', 1);
  }, 300_000);

  it('the new rollout: every line of its pods as kubectl logs has them, prefixed', async () => {
    const r = await paas(['logs', 'lg', '-n', ns]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe((await Promise.all(newPods.map(theirs))).join(''));
    expect(r.stdout).toMatch(/^\[pod\/lg-\w+-\w+\/app\] \S+ testapp: starting version=v2 /m);
  });

  it('--old and --revision 1: the rollout being replaced, every pod in name order; --tail and --prefix=false', async () => {
    const r = await paas(['logs', 'lg', '-n', ns, '--old']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe((await Promise.all(oldPods.map(theirs))).join(''));
    expect(r.stdout).not.toContain('version=v2');
    expect((await paas(['logs', 'lg', '-n', ns, '--revision', '1'])).stdout).toBe(r.stdout);
    const last = await paas(['logs', 'lg', '-n', ns, '--old', '--tail', '1', '--prefix=false']);
    const want = await Promise.all(oldPods.map(async (p) => (await kubectlOk(['logs', `pod/${p}`, '-n', ns, '--tail', '1'])).trimEnd()));
    expect(last.stdout).toBe(want.map((l) => `${l}\n`).join(''));
  });

  it('names a revision or deploy-id it does not hold (exit 7, not found)', async () => {
    const r = await paas(['logs', 'lg', '-n', ns, '--revision', '7']);
    expect(r.code).toBe(7);
    expect(r.stderr).toBe('error: deployment "lg" has no revision 7 left (kubectl paas rollout history lists them)\n');
  });

  it('-f --old: follows a pod replaced mid-stream, then ends when the rollout replaced them all', async () => {
    const run = cliRun({ env: { KUBECONFIG: kubeconfig() } });
    const done = main(['logs', 'lg', '-n', ns, '--old', '-f'], run.deps);
    const victim = oldPods[0]!;
    await waitFor(() => oldPods.every((p) => run.out().includes(`[pod/${p}/app] `)), { what: 'both old pods followed', timeoutMs: 60_000 });
    await kubectlOk(['delete', 'pod', victim, '-n', ns, '--wait=false']);
    // Its replacement (the ReplicaSet of revision 1 still wants 2 pods) is picked up.
    const replacement = await waitFor(
      async () =>
        (await podsOfRevision('lg', '1')).find(
          (p) =>
            !oldPods.includes(p) && run.out().includes(`[pod/${p}/app] `) && new RegExp(`^\\[pod/${p}/app\\] \\S+ testapp: listening`, 'm').test(run.out()),
        ),
      { what: 'the replacement pod followed', timeoutMs: 120_000 },
    );
    // Revision 3 turns ready: revision 1 is scaled to 0, its pods go, the follow ends by itself.
    await setApp('lg', { env: [{ name: 'VERSION', value: 'v3' }], args: ['-port', '8080'] });
    const code = await done;
    expect(code, run.err()).toBe(0);
    const out = run.out();
    expect(out).toMatch(new RegExp(`^\\[pod/${victim}/app\\] \\S+ testapp: SIGTERM received`, 'm'));
    expect(out).toMatch(new RegExp(`^\\[pod/${replacement}/app\\] \\S+ testapp: starting version=v1 `, 'm'));
    expect(out).toMatch(new RegExp(`^\\[pod/${replacement}/app\\] \\S+ testapp: SIGTERM received`, 'm'));
    expect(out).not.toMatch(/version=v[23]/);
  }, 300_000);
});
