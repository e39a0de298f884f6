// The samples of README.md and docs/ that need a cluster (test/unit/docs/samples.ts), each produced
// here by a real run on the real node and held to what the docs show: the test app's Deployments as
// users write them, through the webhook (it stamps the deploy-ids), and `kubectl paas` through the
// real kubectl, which finds the built plugin on PATH. Given `web` rolled to an image tag that does
// not exist and `api` to a version whose readiness probe fails, when each sampled command runs,
// then it exits as the sample says and prints what its block holds once both go through the one
// normaliser (the docs' names, no ages, durations, times or counts). Then `web` is rolled back by
// --undo-on-failure, and its history and logs are sampled.
//
// PAAS_UPDATE_SAMPLES=1 writes each run into its blocks instead (that is how a sample is recorded
// the first time, and after a deliberate change of what a command prints).
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blocksOf,
  DocNames,
  DOCS_NAMESPACE,
  normalise,
  PLACEHOLDER,
  recordSample,
  SampleKind,
  SAMPLES,
  updating,
  type SampleSpec,
} from '../unit/docs/samples.js';
import { apply, binDir, getJson, kubeconfig, kubectl, kubectlOk, listJson, newNamespace, patchAppContainer, waitFor } from './lib/cluster.js';
import { appDeployment, newReplicaSetHash } from './lib/real-node.js';
import { startWebhook, type WebhookProcess } from './lib/webhook-process.js';

type Obj = Record<string, any>;

const root = resolve(import.meta.dirname, '../..');
const pluginDir = mkdtempSync(join(tmpdir(), 'paas-samples-'));
const SCOPE = { key: 'e2e.paas.io/samples', value: `run-${process.pid}` };
/** A tag the node's registry does not hold: containerd's real "not found", a permanent failure. */
const TYPO = 'paas.local/testapp:1.0.1-typo';

let webhook: WebhookProcess;
let ns: string;
/** The docs' names for this run's, one set for every sample written, so that a ReplicaSet or a
 * deploy-id has the same name in all of them. */
let names: DocNames;

const spec = (name: string): SampleSpec => {
  const s = SAMPLES.find((x) => x.name === name && x.kind === SampleKind.cluster);
  if (!s) throw new Error(`no cluster sample ${name} in test/unit/docs/samples.ts`);
  return s;
};

/** The sample's command as it runs here: `kubectl paas ...` in this run's namespace. */
function argsOf(s: SampleSpec): string[] {
  const words = s.command.split(' ');
  if (words[0] !== 'kubectl') throw new Error(`sample ${s.name}: not a kubectl command`);
  return words.slice(1).map((w, i, all) => (w === DOCS_NAMESPACE && all[i - 1] === '-n' ? ns : w));
}

/** The new pods of a Deployment (those of its newest ReplicaSet). */
async function newPods(name: string): Promise<Obj[]> {
  const d = await getJson('deployment', name, ns);
  const hash = newReplicaSetHash(d, await listJson('replicasets', ns, `app=${name}`));
  return hash ? listJson('pods', ns, `app=${name},pod-template-hash=${hash}`) : [];
}

const eventsOf = async (reason: string, podPrefix: string): Promise<number> =>
  (await listJson('events', ns))
    .filter((e) => e.reason === reason && String(e.involvedObject?.name ?? '').startsWith(podPrefix))
    .reduce((n, e) => n + (e.count ?? e.series?.count ?? 1), 0);

/** Runs a sample; with PAAS_UPDATE_SAMPLES=1 writes it, else holds its blocks to it. A command
 * caught between two of the kubelet's states (a pull retried) is run again, up to four times. */
async function sample(name: string): Promise<void> {
  const s = spec(name);
  const run = { namespace: ns };
  const matches = (text: string) => blocksOf(name).every(({ block }) => normalise(block.output) === normalise(text, run));
  let last = { code: -1, text: '' };
  for (let attempt = 0; attempt < 4; attempt++) {
    const r = await kubectl(argsOf(s), { env: { PATH: `${pluginDir}${delimiter}${process.env.PATH}`, NO_COLOR: '1' }, timeoutMs: 120_000 });
    last = { code: r.code, text: r.stdout + r.stderr };
    if (updating() || (r.code === s.exit && matches(last.text))) break;
    await new Promise((ok) => setTimeout(ok, 5000));
  }
  expect(last.code, last.text).toBe(s.exit);
  const blocks = blocksOf(name);
  expect(blocks.length, `no block of sample ${name} in README.md or docs/`).toBeGreaterThan(0);
  if (updating()) {
    recordSample(s, names.apply(last.text));
    return;
  }
  for (const { page, block } of blocks) {
    expect(block.output, `${page}: sample ${name} was never recorded: run this file with PAAS_UPDATE_SAMPLES=1`).not.toBe(PLACEHOLDER);
    expect(normalise(block.output), `${page}: sample ${name} no longer matches what \`${s.command}\` prints (PAAS_UPDATE_SAMPLES=1 rewrites it)`).toBe(
      normalise(last.text, run),
    );
  }
}

beforeAll(async () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  symlinkSync(join(root, pkg.bin['kubectl-paas']!), join(pluginDir, 'kubectl-paas'));
  webhook = await startWebhook({ kubeconfig: kubeconfig(), kubectl: join(binDir(), 'kubectl'), scope: SCOPE, name: `paas-e2e-samples-${process.pid}` });
  ns = await newNamespace('samples', { [SCOPE.key]: SCOPE.value });
  names = new DocNames({ namespace: ns });
  // Plain Deployments (no strategy, probe or preStop): the webhook writes the policy into them.
  await apply(appDeployment('web', { replicas: 3 }), ns);
  await apply(appDeployment('api', { replicas: 2 }), ns);
  for (const d of ['web', 'api']) await kubectlOk(['rollout', 'status', `deployment/${d}`, '-n', ns, '--timeout=150s'], { timeoutMs: 160_000 });
  // Then each is rolled to a broken version, and the failure left to show.
  await kubectlOk(['set', 'image', 'deployment/web', `app=${TYPO}`, '-n', ns]);
  await patchAppContainer(ns, 'api', { args: ['-port', '8080', '-status', '503'] });
  await waitFor(
    async () => {
      const pods = await newPods('web');
      const backingOff = pods.length > 0 && pods.every((p) => p.status?.containerStatuses?.some((c: Obj) => c.state?.waiting?.reason === 'ImagePullBackOff'));
      return backingOff && (await eventsOf('BackOff', 'web-')) > 0;
    },
    { what: 'the new pod of web to back off pulling its image', timeoutMs: 180_000, intervalMs: 2000 },
  );
  await waitFor(async () => (await eventsOf('Unhealthy', 'api-')) >= 3, {
    what: 'three failed readiness probes of the new pod of api',
    timeoutMs: 180_000,
    intervalMs: 2000,
  });
}, 600_000);

afterAll(async () => {
  await webhook?.stop();
  rmSync(pluginDir, { recursive: true, force: true });
});

describe('a rollout that fails', () => {
  it('rollout-status-failed: rollout status gives up at once on a tag that does not exist', () => sample('rollout-status-failed'));
  it('rollout-status-once: --watch=false prints the whole report once', () => sample('rollout-status-once'));
  it('diagnose-image: diagnose names the image pull, with the kubelet’s words', () => sample('diagnose-image'));
  it('diagnose-readiness: diagnose names the failing readiness probe, with the app’s log', () => sample('diagnose-readiness'));
});

describe('after --undo-on-failure rolled it back', () => {
  beforeAll(async () => {
    const r = await kubectl(['paas', 'rollout', 'status', 'web', '-n', ns, '--undo-on-failure', '--timeout', '150s'], {
      env: { PATH: `${pluginDir}${delimiter}${process.env.PATH}` },
      timeoutMs: 170_000,
    });
    // 1: the rollout Failed; the rollback itself completed (6 if it had not).
    expect(r.code, r.stdout + r.stderr).toBe(1);
    // The failed revision's pod gone, so the history and the logs hold still.
    await waitFor(async () => (await listJson('pods', ns, 'app=web')).length === 3, { what: 'web back to its 3 pods', timeoutMs: 120_000 });
  }, 300_000);

  it('rollout-history: the failed revision named failed, the one brought back current', () => sample('rollout-history'));
  it('logs: the last lines of every pod of the current rollout', () => sample('logs'));
  it('rollout-status-table: every Deployment of the namespace, once, as a table', () => sample('rollout-status-table'));
});
