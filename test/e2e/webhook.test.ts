// paas-webhook on a real control plane: kube-apiserver calls the built webhook process
// (node dist/webhook/main.js serve) through a MutatingWebhookConfiguration with clientConfig.url
// https://127.0.0.1:<port>/mutate and a caBundle, scoped by namespaceSelector to this file's
// namespaces (label SCOPE). kubectl does the applying, the controller-manager the rolling.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applyPlan } from '../../webhook/server/cert-mint.js';
import { DEFAULT_LIFETIMES, planCertificates, SecretKeys, storeFacts } from '../../webhook/server/self-signed.js';
import { freePort, getJson, kubeconfig, kubectl, kubectlOk, listJson, newNamespace, waitFor } from './lib/cluster.js';
import { policyGaps } from '../fixtures/policy-gaps.js';
import { serveArgs } from '../unit/webhook/serve-args.js';

type Obj = Record<string, any>; // raw Kubernetes objects, read field by field

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'dist/webhook/main.js');
const CORPUS = resolve(ROOT, '../shared/corpus/deployments');
const SCOPE = 'e2e.paas.io/webhook';
const DEPLOY_ID = 'paas.io/deploy-id';
const corpusFiles = existsSync(CORPUS)
  ? readdirSync(CORPUS)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
  : [];
if (corpusFiles.length === 0) {
  if (process.env.PAAS_REQUIRE_CORPUS === '1') throw new Error(`corpus missing at ${CORPUS} and PAAS_REQUIRE_CORPUS=1`);
  console.log(`skipped: the corpus part of the webhook e2e (no Deployments at ${CORPUS})`);
}

const tmp = mkdtempSync(join(tmpdir(), 'paas-webhook-e2e-'));
const scopeValue = `run-${process.pid}`;
const configName = `paas-e2e-webhook-${process.pid}`;
let child: ChildProcess;
const logs: Obj[] = [];
let ns: string;
let ca: string;
let port: number;
let metricsPort: number;

function httpsGet(path: string): Promise<number> {
  return new Promise((res) => {
    const r = request({ host: '127.0.0.1', port, path, ca, agent: false }, (m) => {
      m.resume();
      res(m.statusCode ?? 0);
    });
    r.on('error', () => res(0));
    r.end();
  });
}

/** A corpus manifest made applicable in our namespace: server-set fields and namespace dropped. */
function manifest(file: string): Obj {
  // YAML 1.1, as kubectl reads it: `defaultMode: 0644` is octal.
  const d = parse(readFileSync(join(CORPUS, file), 'utf8'), { version: '1.1' }) as Obj;
  for (const k of ['namespace', 'uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink']) delete d.metadata?.[k];
  delete d.status;
  return d;
}

const templateLabels = (d: Obj): Obj => d.spec?.template?.metadata?.labels ?? {};
const replicaSets = async (name: string): Promise<Obj[]> =>
  (await listJson('replicasets', ns)).filter((rs) => rs.metadata.ownerReferences?.some((o: Obj) => o.kind === 'Deployment' && o.name === name));

function app(name: string, image: string, labels: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name, ...labels } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }] } },
    },
  };
}

const applyObj = (o: Obj, extra: string[] = []) => kubectl(['apply', '-n', ns, '-f', '-', ...extra], { input: JSON.stringify(o) });

beforeAll(async () => {
  // The webhook runs as built: compile first (tsc emits even when another file has type errors).
  spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'ignore' });
  if (!existsSync(MAIN)) throw new Error(`${MAIN} missing after tsc: run \`make build\``);

  const now = Date.now();
  const { facts, cas } = storeFacts({});
  const pems = await applyPlan(planCertificates(facts, now, ['127.0.0.1']), { data: {}, cas }, ['127.0.0.1'], now, DEFAULT_LIFETIMES);
  ca = pems[SecretKeys.CaBundle] ?? '';
  writeFileSync(join(tmp, 'tls.crt'), pems[SecretKeys.Cert] ?? '');
  writeFileSync(join(tmp, 'tls.key'), pems[SecretKeys.Key] ?? '');
  port = await freePort();
  metricsPort = await freePort();
  child = spawn(
    process.execPath,
    [MAIN, ...serveArgs({ port, metricsPort, cert: join(tmp, 'tls.crt'), key: join(tmp, 'tls.key'), kubeconfig: kubeconfig(), drainSeconds: 6 })],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: tmp },
  );
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) logs.push(JSON.parse(l) as Obj);
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(async () => child.exitCode === null && (await httpsGet('/readyz')) === 200, {
    what: `the webhook to be ready (stderr: ${stderr})`,
    timeoutMs: 60_000,
  });

  ns = await newNamespace('webhook', { [SCOPE]: scopeValue });
  await kubectlOk(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: configName },
      webhooks: [
        {
          name: 'rollout-policy.paas.io',
          clientConfig: { url: `https://127.0.0.1:${port}/mutate`, caBundle: Buffer.from(ca).toString('base64') },
          rules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'], scope: 'Namespaced' }],
          namespaceSelector: { matchLabels: { [SCOPE]: scopeValue } },
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          matchPolicy: 'Equivalent',
          reinvocationPolicy: 'IfNeeded',
          timeoutSeconds: 10,
        },
      ],
    }),
  });
  // The API server picks new webhook configurations up asynchronously: wait until a dry run is mutated.
  await waitFor(
    async () => {
      const r = await applyObj(app('probe', 'nginx:1.27'), ['--dry-run=server', '-o', 'json']);
      return r.code === 0 && templateLabels(JSON.parse(r.stdout) as Obj)[DEPLOY_ID] !== undefined;
    },
    { what: 'the API server to call the webhook', timeoutMs: 60_000 },
  );
});

afterAll(async () => {
  await kubectl(['delete', 'mutatingwebhookconfiguration', configName, '--ignore-not-found']);
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  rmSync(tmp, { recursive: true, force: true });
});

describe('paas-webhook behind a real kube-apiserver', () => {
  it('read the API server version at start and chose the native preStop sleep', () => {
    expect(logs.some((l) => /API server v1\.\d+.*native lifecycle sleep/.test(String(l.msg)))).toBe(true);
  });

  it.skipIf(corpusFiles.length === 0)('kubectl apply of the corpus stores mutated Deployments and prints the warnings', async () => {
    const docs = corpusFiles.map(manifest).filter((d) => d.apiVersion === 'apps/v1' && d.kind === 'Deployment');
    const r = await kubectl(['apply', '-n', ns, '-f', '-'], { input: docs.map((d) => JSON.stringify(d)).join('\n'), timeoutMs: 180_000 });
    expect(r.stderr).toMatch(/Warning: paas: /);
    let stored = 0;
    const refused: string[] = [];
    for (const d of docs) {
      const name = d.metadata.name as string;
      const got = await kubectl(['get', 'deployment', name, '-n', ns, '-o', 'json']);
      if (got.code !== 0) {
        // Only API validation may refuse a corpus Deployment (kustomize bases with no selector,
        // a placeholder name), never the webhook ...
        const line = r.stderr.split('\n').find((l) => l.includes(`"${name}"`)) ?? '';
        expect(line, `${name} was not stored`).toMatch(/^Error from server \(Invalid\): .* is invalid: /);
        // ... for a reason of the manifest itself, not of the patch.
        expect(line).toMatch(/spec\.selector: Required value|metadata\.name: Invalid value/);
        expect(line).not.toMatch(/admission webhook/);
        refused.push(`${name} (${line.slice(line.indexOf(' is invalid: ') + 13, line.indexOf(' is invalid: ') + 213)})`);
        continue;
      }
      stored++;
      const live = JSON.parse(got.stdout) as Obj;
      // The webhook's patch was applied in full: what the API server stored meets each rule of
      // the policy, read off the object by test/fixtures/policy-gaps.ts (not the engine), and
      // carries a deploy-id. No corpus Deployment opts out.
      expect(policyGaps(live), `${name}: the stored object breaks the policy`).toEqual([]);
      expect(templateLabels(live)[DEPLOY_ID], `${name} has no deploy-id`).toMatch(/^[0-9a-f-]{36}$/);
      expect(live.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    }
    // 34 apps/v1 Deployments, of which API validation refuses 3 (two with no selector, a placeholder name).
    expect({ documents: docs.length, stored, refused: refused.length }).toEqual({ documents: 34, stored: 31, refused: 3 });
    console.log(`corpus: ${stored} Deployments stored mutated; refused by API validation: ${refused.join('; ') || 'none'}`);
  });

  it('re-applying the same manifest creates no new ReplicaSet; an image change rolls with a new deploy-id; undo rolls back cleanly', async () => {
    const v1 = app('shop', 'registry.example.com/shop:1.0');
    expect((await applyObj(v1)).code).toBe(0);
    const first = await getJson('deployment', 'shop', ns);
    const firstId = templateLabels(first)[DEPLOY_ID] as string;
    expect(firstId).toMatch(/^[0-9a-f-]{36}$/);
    const [rs1] = await waitFor(
      async () => {
        const rss = await replicaSets('shop');
        return rss.length === 1 ? rss : undefined;
      },
      { what: 'the first ReplicaSet' },
    );

    // Same manifest again: nothing changes, so no generation bump and no new ReplicaSet.
    const again = await applyObj(v1);
    expect(again.code).toBe(0);
    const after = await getJson('deployment', 'shop', ns);
    expect(after.metadata.generation).toBe(first.metadata.generation);
    expect(templateLabels(after)[DEPLOY_ID]).toBe(firstId);
    await waitFor(async () => (await getJson('deployment', 'shop', ns)).status?.observedGeneration === after.metadata.generation, {
      what: 'the controller to observe shop',
    });
    expect((await replicaSets('shop')).map((rs) => rs.metadata.name)).toEqual([rs1?.metadata.name]);

    // A new image: a new ReplicaSet whose pods carry a new deploy-id.
    expect((await applyObj(app('shop', 'registry.example.com/shop:2.0'))).code).toBe(0);
    const rolled = await getJson('deployment', 'shop', ns);
    const secondId = templateLabels(rolled)[DEPLOY_ID] as string;
    expect(secondId).toMatch(/^[0-9a-f-]{36}$/);
    expect(secondId).not.toBe(firstId);
    const rss = await waitFor(
      async () => {
        const list = await replicaSets('shop');
        return list.length === 2 ? list : undefined;
      },
      { what: 'a second ReplicaSet' },
    );
    const newRs = rss.find((rs) => rs.metadata.name !== rs1?.metadata.name);
    expect(templateLabels(newRs ?? {})[DEPLOY_ID]).toBe(secondId);

    // Undo: back to the first template, deploy-id included, on the first ReplicaSet.
    await kubectlOk(['rollout', 'undo', 'deployment/shop', '-n', ns]);
    const undone = await getJson('deployment', 'shop', ns);
    expect(undone.spec.template.spec.containers[0].image).toBe('registry.example.com/shop:1.0');
    expect(templateLabels(undone)[DEPLOY_ID]).toBe(firstId);
    await waitFor(
      async () => {
        const d = await getJson('deployment', 'shop', ns);
        return d.status?.observedGeneration === d.metadata.generation ? d : undefined;
      },
      { what: 'the controller to observe the undo' },
    );
    const finalRss = await replicaSets('shop');
    expect(finalRss.map((rs) => rs.metadata.name).sort()).toEqual(rss.map((rs) => rs.metadata.name).sort());
    await waitFor(async () => (await replicaSets('shop')).find((rs) => rs.metadata.name === rs1?.metadata.name)?.spec.replicas === 2, {
      what: 'the first ReplicaSet to be scaled back up',
      timeoutMs: 120_000,
    });
  });

  it('kubectl apply --dry-run=server shows the mutation and stores nothing', async () => {
    const r = await applyObj(app('dry', 'registry.example.com/dry:1.0'), ['--dry-run=server', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Warning: paas: /);
    const shown = JSON.parse(r.stdout) as Obj;
    expect(templateLabels(shown)[DEPLOY_ID]).toMatch(/^[0-9a-f-]{36}$/);
    expect(shown.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    const got = await kubectl(['get', 'deployment', 'dry', '-n', ns]);
    expect(got.code).not.toBe(0);
    expect(got.stderr).toMatch(/NotFound|not found/);
    expect(logs.some((l) => l.msg === 'admission' && l.name === 'dry' && l.dryRun === true)).toBe(true);
  });

  it('leaves an opted-out Deployment untouched', async () => {
    const r = await applyObj(app('legacy', 'registry.example.com/legacy:1.0', { 'paas.io/rollout-policy': 'disabled' }));
    expect(r.code).toBe(0);
    const live = await getJson('deployment', 'legacy', ns);
    expect(templateLabels(live)[DEPLOY_ID]).toBeUndefined();
    expect(live.spec.strategy.rollingUpdate).toEqual({ maxSurge: '25%', maxUnavailable: '25%' });
    expect(live.spec.template.spec.containers[0].lifecycle).toBeUndefined();
    expect(live.spec.template.spec.containers[0].readinessProbe).toBeUndefined();
  });

  it('scaling does not roll: same ReplicaSet, same deploy-id', async () => {
    expect((await applyObj(app('scaled', 'registry.example.com/scaled:1.0'))).code).toBe(0);
    const before = await getJson('deployment', 'scaled', ns);
    const [rs] = await waitFor(
      async () => {
        const l = await replicaSets('scaled');
        return l.length === 1 ? l : undefined;
      },
      { what: 'the ReplicaSet of scaled' },
    );
    await kubectlOk(['scale', 'deployment/scaled', '-n', ns, '--replicas=4']);
    const after = await getJson('deployment', 'scaled', ns);
    expect(after.spec.replicas).toBe(4);
    expect(templateLabels(after)[DEPLOY_ID]).toBe(templateLabels(before)[DEPLOY_ID]);
    await waitFor(async () => (await replicaSets('scaled')).find((x) => x.metadata.name === rs?.metadata.name)?.spec.replicas === 4, {
      what: 'the ReplicaSet to scale to 4',
    });
    expect((await replicaSets('scaled')).map((x) => x.metadata.name)).toEqual([rs?.metadata.name]);
  });

  it('counted every admission in /metrics and logged one line each', async () => {
    const text = await new Promise<string>((res, rej) => {
      import('node:http').then(
        ({ get }) =>
          get({ host: '127.0.0.1', port: metricsPort, path: '/metrics' }, (m) => {
            let b = '';
            m.on('data', (d: Buffer) => (b += d.toString()));
            m.on('end', () => res(b));
          }).on('error', rej),
        rej,
      );
    });
    const mutated = /paas_webhook_admissions_total\{operation="CREATE",result="mutated"\} (\d+)/.exec(text);
    expect(Number(mutated?.[1] ?? 0)).toBeGreaterThan(0);
    const lines = logs.filter((l) => l.msg === 'admission');
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatchObject({ uid: expect.any(String), operation: expect.any(String), durationMs: expect.any(Number) });
  });

  it('SIGTERM: unready at once, admissions through the API server still mutated during the drain, then exit 0', async () => {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await waitFor(() => logs.some((l) => String(l.msg).startsWith('draining')), { what: 'the drain to start' });
    expect(await httpsGet('/readyz')).toBe(503);
    const late = await applyObj(app('late', 'registry.example.com/late:1.0'));
    expect(late.code, late.stderr).toBe(0);
    expect(templateLabels(await getJson('deployment', 'late', ns))[DEPLOY_ID]).toMatch(/^[0-9a-f-]{36}$/);
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(logs.at(-1)?.msg).toBe('paas-webhook stopped');
  });
});
