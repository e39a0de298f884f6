// `kubectl paas audit` on the real control plane, through the real kubectl binary with
// kubectl-paas on PATH, beside the built webhook (test/e2e/lib/webhook-process.ts) that the API
// server calls for the namespaces labelled SCOPE. Deployments are created for real: mutated
// through the webhook (a covered namespace), unmutated (a namespace it does not cover, and one
// opted out by its label). The audit's answer for each is held to what the API server stores:
// "meets" to test/fixtures/policy-gaps.ts read off the stored object, "admitted" to its
// deploy-id, and each "would change" line to the warning the webhook gives when the same object
// goes through it, by a server-side dry run (nothing stored) and by a real opt-in (stored).
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyGaps } from '../fixtures/policy-gaps.js';
import { apply, binDir, getJson, kubeconfig, kubectl, kubectlOk, newNamespace } from './lib/cluster.js';
import { startWebhook, type WebhookProcess } from './lib/webhook-process.js';

type Obj = Record<string, any>;

const root = resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'paas-audit-e2e-'));
const SCOPE = { key: 'e2e.paas.io/audit', value: `run-${process.pid}` };
/** Every Deployment of this file carries it, so that `-A -l` sees only them. */
const RUN = `e2e.paas.io/audit-run=${process.pid}`;
const [RUN_KEY, RUN_VALUE] = RUN.split('=') as [string, string];
const DEPLOY_ID = 'paas.io/deploy-id';
// The audit judges by a paas.toml whose scope is the test webhook's: only namespaces labelled
// paas.io/mode take part (each covered namespace gets both labels).
const CONFIG = join(tmp, 'paas.toml');
writeFileSync(CONFIG, '[webhook]\nnamespaces = "opt-in"\n');

let webhook: WebhookProcess;
let covered: string;
let outside: string;

/** `kubectl paas …` through kubectl, which finds kubectl-paas on PATH. */
function paas(args: string[]) {
  return kubectl(['paas', ...args], { env: { PATH: `${tmp}${delimiter}${process.env.PATH}` }, timeoutMs: 60_000 });
}

interface Row {
  namespace: string;
  name: string;
  verdict: string;
  mode: string;
  optOut?: string;
  admitted: boolean;
  deployId?: string;
  changes: { message: string }[];
  notes: string[];
}

/** The audit of this file's Deployments, every namespace, as JSON; its exit code. */
async function audit(extra: string[] = []): Promise<{ code: number; rows: Map<string, Row>; doc: Obj }> {
  const r = await paas(['audit', '-A', '-l', RUN, '--config', CONFIG, '-o', 'json', ...extra]);
  if (r.code !== 0 && r.code !== 1) throw new Error(`kubectl paas audit exited ${r.code}: ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as Obj;
  return { code: r.code, doc, rows: new Map((doc.deployments as Row[]).map((d) => [`${d.namespace}/${d.name}`, d])) };
}

/** An app as a user writes it: no strategy, no probe, no hook (the API server fills in its defaults). */
function app(name: string, over: { labels?: Obj; spec?: Obj; podSpec?: Obj } = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name, [RUN_KEY]: RUN_VALUE, ...over.labels } },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'registry.example/shop/web:1.0', ports: [{ containerPort: 8080 }] }], ...over.podSpec },
      },
      ...over.spec,
    },
  };
}

/**
 * The enforce path's warning for a warn-mode line, rewritten here by hand (not by the product's
 * wording function): "paas: would change X" is "paas: X"; "paas: would add X to container c" is
 * "paas: X added to container c" (and "to pod template", the topology spread).
 */
function asEnforced(line: string): string {
  const add = /^paas: would add (.*) to ((?:container|sidecar) [a-z0-9-]+|pod template)$/.exec(line);
  if (add) return `paas: ${add[1]} added to ${add[2]}`;
  const change = /^paas: would change (.*)$/.exec(line);
  if (change) return `paas: ${change[1]}`;
  throw new Error(`not a "would" line: ${line}`);
}

/** The policy's change warnings kubectl printed (its deploy-id line and the advice notes left out). */
function changeWarnings(stderr: string, notes: string[]): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('Warning: paas: '))
    .map((l) => l.slice('Warning: '.length).trim())
    .filter((w) => !w.startsWith('paas: deploy-id ') && !notes.includes(w));
}

beforeAll(async () => {
  const main = join(root, 'dist/plugin/main.js');
  chmodSync(main, 0o755);
  symlinkSync(main, join(tmp, 'kubectl-paas'));
  webhook = await startWebhook({ kubeconfig: kubeconfig(), kubectl: join(binDir(), 'kubectl'), scope: SCOPE, name: `paas-e2e-audit-${process.pid}` });
  covered = await newNamespace('audit-covered', { [SCOPE.key]: SCOPE.value, 'paas.io/mode': 'enforce' });
  outside = await newNamespace('audit-outside');
  await apply(app('web'), covered);
  await apply(app('legacy', { labels: { 'paas.io/rollout-policy': 'disabled' } }), covered);
  await apply(app('plain'), outside);
  await apply(
    app('batch', { spec: { strategy: { type: 'Recreate' }, progressDeadlineSeconds: 120 }, podSpec: { terminationGracePeriodSeconds: 10 } }),
    outside,
  );
}, 180_000);

afterAll(async () => {
  await webhook?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('kubectl paas audit on the real API server', () => {
  it('the control: the webhook mutated the covered Deployment and left the others as written', async () => {
    const web = await getJson('deployment', 'web', covered);
    expect(policyGaps(web)).toEqual([]);
    expect(web.spec.template.metadata.labels[DEPLOY_ID]).toMatch(/^[0-9a-f-]{36}$/);
    for (const [name, ns] of [
      ['legacy', covered],
      ['plain', outside],
      ['batch', outside],
    ] as const) {
      const d = await getJson('deployment', name, ns);
      expect(policyGaps(d).length, `${ns}/${name}`).toBeGreaterThan(0);
      expect(d.spec.template.metadata.labels[DEPLOY_ID], `${ns}/${name}`).toBeUndefined();
    }
  });

  it('says which meets the policy, which is admitted, which the webhook does not see; exit 0 (nothing in scope falls short)', async () => {
    const { code, rows, doc } = await audit();
    expect(code).toBe(0);
    expect(doc.policy).toMatchObject({ source: 'file', from: CONFIG, namespaces: 'opt-in' });
    const web = await getJson('deployment', 'web', covered);
    expect(rows.get(`${covered}/web`)).toMatchObject({
      verdict: 'Meets',
      mode: 'enforce',
      admitted: true,
      deployId: web.spec.template.metadata.labels[DEPLOY_ID],
      changes: [],
    });
    expect(rows.get(`${covered}/legacy`)).toMatchObject({ verdict: 'OptedOut', optOut: 'deployment-label', admitted: false });
    expect(rows.get(`${outside}/plain`)).toMatchObject({ verdict: 'OptedOut', optOut: 'not-opted-in', admitted: false });
    expect(rows.get(`${outside}/batch`)).toMatchObject({ verdict: 'OptedOut', optOut: 'not-opted-in', admitted: false });
    expect(rows.size).toBe(4);
    // "Meets" is exactly "no gap read off the stored object", for every one of them.
    for (const [key, row] of rows) {
      const [ns, name] = key.split('/') as [string, string];
      expect(row.changes.length === 0, key).toBe(policyGaps(await getJson('deployment', name, ns)).length === 0);
    }
  });

  it('names in one namespace (-n), and the text report', async () => {
    const r = await paas(['audit', 'plain', 'batch', '-n', outside, '--config', CONFIG]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^NAME {3}/);
    expect(r.stdout).toContain('\n2 Deployments: 0 meet the policy, 0 fall short, 0 invalid, 2 opted out; 0 admitted by the webhook');
    expect(r.stderr).toBe('');
  });

  it('a namespace opted in: its Deployments fall short (exit 1), and each line is what the webhook says when the object goes through it (server-side dry run)', async () => {
    const before = await audit();
    await kubectlOk(['label', 'namespace', outside, `${SCOPE.key}=${SCOPE.value}`, 'paas.io/mode=enforce']);
    const { code, rows } = await audit();
    expect(code).toBe(1);
    for (const name of ['plain', 'batch']) {
      const row = rows.get(`${outside}/${name}`)!;
      expect(row).toMatchObject({ verdict: 'FallsShort', mode: 'enforce', admitted: false });
      // What the audit showed while the namespace was out is what it says now it is in.
      expect(row.changes).toEqual(before.rows.get(`${outside}/${name}`)!.changes);

      const stored = await getJson('deployment', name, outside);
      const dry = await kubectl(['annotate', 'deployment', name, '-n', outside, 'e2e.paas.io/touched=1', '--dry-run=server', '-o', 'json']);
      expect(dry.code, dry.stderr).toBe(0);
      expect(changeWarnings(dry.stderr, row.notes)).toEqual(row.changes.map((c) => asEnforced(c.message)));
      const mutated = JSON.parse(dry.stdout) as Obj;
      expect(policyGaps(stored).length).toBeGreaterThan(0);
      expect(policyGaps(mutated)).toEqual([]);
      expect(mutated.spec.template.metadata.labels[DEPLOY_ID]).toMatch(/^[0-9a-f-]{36}$/);
      // A dry run stores nothing: the audit's answer stands.
      expect((await getJson('deployment', name, outside)).metadata.resourceVersion).toBe(stored.metadata.resourceVersion);
    }
    expect((await audit()).rows.get(`${outside}/plain`)!.verdict).toBe('FallsShort');
  });

  it('a Deployment opted out, then in: the webhook makes the changes the audit listed, and the audit then says it meets the policy and is admitted', async () => {
    const before = (await audit()).rows.get(`${covered}/legacy`)!;
    expect(before.changes.length).toBeGreaterThan(0);
    // Removing the opt-out label is an UPDATE the webhook now sees: it is mutated, and stored.
    const r = await kubectl(['label', 'deployment', 'legacy', '-n', covered, 'paas.io/rollout-policy-']);
    expect(r.code, r.stderr).toBe(0);
    expect(changeWarnings(r.stderr, before.notes)).toEqual(before.changes.map((c) => asEnforced(c.message)));
    const stored = await getJson('deployment', 'legacy', covered);
    expect(policyGaps(stored)).toEqual([]);
    const after = (await audit()).rows.get(`${covered}/legacy`)!;
    expect(after).toMatchObject({ verdict: 'Meets', mode: 'enforce', admitted: true, deployId: stored.spec.template.metadata.labels[DEPLOY_ID], changes: [] });
  });

  it('-o yaml is the JSON document', async () => {
    const [y, j] = await Promise.all([
      paas(['audit', '-n', covered, '--config', CONFIG, '-o', 'yaml']),
      paas(['audit', '-n', covered, '--config', CONFIG, '-o', 'json']),
    ]);
    const { parse } = await import('yaml');
    expect(parse(y.stdout)).toEqual(JSON.parse(j.stdout));
  });
});

describe('kubectl paas version on the real API server', () => {
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

  it("--client: package.json's version, no cluster asked", async () => {
    const r = await paas(['version', '--client', '-o', 'json', '--server', 'https://127.0.0.1:1']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ clientVersion: { version, nodeVersion: expect.stringMatching(/^v\d+\./) } });
  });

  it("asks the cluster for the webhook's Deployment: installed or not, exit 0", async () => {
    const r = await paas(['version', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Obj;
    expect(doc.clientVersion.version).toBe(version);
    expect(doc.webhookVersion.deployment).toBe('paas-system/paas-webhook');
    expect(typeof doc.webhookVersion.installed).toBe('boolean');
  });
});
