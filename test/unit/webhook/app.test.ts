// POST /mutate through fastify's inject with the real policy engine: real Deployments from the
// corpus in AdmissionReviews as the API server sends them, bad input, and a fuzz run.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import jsonpatch from 'fast-json-patch';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../core/policy/types.js';
import { buildMetricsServer } from '../../../webhook/server/metrics-server.js';
import { metricValue, testServer } from './harness.js';
import { CORPUS_DIR, SKIP_CORPUS, warnIfNoCorpus } from '../corpus.js';
import { CORPUS_DEPLOYMENTS, corpusObject, review, stored, threeContainerDeployment } from './reviews.js';

type Review = { response: { uid: string; allowed: boolean; patch?: string; patchType?: string; warnings?: string[]; status?: { message: string } } };

const DEPLOY_ID = 'paas.io/deploy-id';
const { app, lines, metrics, health } = testServer();
afterAll(() => app.close());

async function mutate(body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await app.inject({ method: 'POST', url: '/mutate', headers, payload: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.statusCode, json: res.json<Review & { message?: string; reason?: string }>(), headers: res.headers };
}

function patched(object: JsonObject, r: Review): JsonObject {
  if (!r.response.patch) return object;
  expect(r.response.patchType).toBe('JSONPatch');
  const ops = JSON.parse(Buffer.from(r.response.patch, 'base64').toString()) as jsonpatch.Operation[];
  // validate=true: every op must apply to the object as sent (parents exist, tests pass).
  return jsonpatch.applyPatch(structuredClone(object), ops, true, false).newDocument;
}

const deployId = (d: JsonObject): unknown =>
  ((((d.spec as JsonObject).template as JsonObject).metadata as JsonObject | undefined)?.labels as JsonObject | undefined)?.[DEPLOY_ID];

describe('POST /warn with the real engine (warn mode)', () => {
  const warn = async (body: unknown) => {
    const res = await app.inject({ method: 'POST', url: '/warn', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    return { status: res.statusCode, json: res.json<Review>() };
  };

  it('answers allowed with "would" warnings and no patch; the shortfall is counted, not applied', async () => {
    const before = await metricValue(metrics, 'paas_webhook_admissions_total', { operation: 'CREATE', result: 'would-mutate' });
    const prestopBefore = await metricValue(metrics, 'paas_webhook_shortfalls_total', { change: 'prestop' });
    const mutationsBefore = await metricValue(metrics, 'paas_webhook_mutations_total', { change: 'prestop' });
    const r = await warn(review({ object: threeContainerDeployment(), uid: 'uid-warn' }));
    expect(r.status).toBe(200);
    expect(r.json.response.uid).toBe('uid-warn');
    expect(r.json.response.allowed).toBe(true);
    expect(r.json.response.patch).toBeUndefined();
    expect(r.json.response.patchType).toBeUndefined();
    expect(r.json.response.warnings).toEqual(expect.arrayContaining(['paas: would add preStop sleep 5 to container web']));
    expect(r.json.response.warnings?.every((w) => w.startsWith('paas: would ') || w.startsWith('paas: container '))).toBe(true);
    expect(await metricValue(metrics, 'paas_webhook_admissions_total', { operation: 'CREATE', result: 'would-mutate' })).toBe(before + 1);
    expect(await metricValue(metrics, 'paas_webhook_shortfalls_total', { change: 'prestop' })).toBe(prestopBefore + 1);
    expect(await metricValue(metrics, 'paas_webhook_mutations_total', { change: 'prestop' })).toBe(mutationsBefore);
  });

  it.skipIf(SKIP_CORPUS)('says nothing about what /mutate produced, for every Deployment of the corpus, and something about what /mutate changed', async () => {
    const loud: string[] = [];
    let warned = 0;
    for (const file of CORPUS_DEPLOYMENTS) {
      const object = corpusObject(file);
      const enforced = await mutate(review({ object }));
      if (!enforced.json.response.allowed) continue; // invalid for the engine: refused in enforce mode, warned about in warn mode
      const before = await warn(review({ object }));
      if (enforced.json.response.patch !== undefined && (before.json.response.warnings ?? []).some((w) => w.startsWith('paas: would '))) warned++;
      const r = await warn(review({ object: patched(object, enforced.json) }));
      // The budget enforce mode keeps beside a Deployment of 2+ replicas is no change to the object:
      // warn mode names it whatever the object holds.
      const would = (r.json.response.warnings ?? []).filter((w) => w.startsWith('paas: would ') && !w.startsWith('paas: would keep PodDisruptionBudget '));
      if (would.length > 0 || r.json.response.patch !== undefined) loud.push(`${file}: ${would.join('; ')}`);
    }
    expect(loud).toEqual([]);
    expect(warned).toBeGreaterThan(0);
  });

  it('never refuses: an invalid annotation is admitted with the refusal enforce mode would give', async () => {
    const d = threeContainerDeployment();
    (d.metadata as JsonObject).annotations = { 'paas.io/surge': 'lots' };
    const r = await warn(review({ object: d, namespace: 'shop' }));
    expect(r.json.response.allowed).toBe(true);
    expect(r.json.response.warnings?.[0]).toMatch(/^paas: would refuse deployment shop\/web: .*paas\.io\/surge.*lots/);
  });
});

describe('POST /mutate with the real engine', () => {
  it('mutates a CREATE: uid echoed, the patch applies, the policy holds, warnings sent', async () => {
    const object = threeContainerDeployment();
    const r = await mutate(review({ object, uid: 'uid-create' }));
    expect(r.status).toBe(200);
    expect(r.json.response).toMatchObject({ uid: 'uid-create', allowed: true, patchType: 'JSONPatch' });
    const out = patched(object, r.json);
    expect((out.spec as JsonObject).strategy).toMatchObject({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(deployId(out)).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.json.response.warnings?.length).toBeGreaterThan(0);
    // Fields the policy does not own survive untouched.
    expect(((out.spec as JsonObject).template as JsonObject).metadata).toMatchObject({ annotations: { 'prometheus.io/scrape': 'true' } });
  });

  it('keeps the deploy-id when an UPDATE changes only replicas, and stamps a new one when the image changes', async () => {
    const first = patched(threeContainerDeployment(), (await mutate(review({ object: threeContainerDeployment() }))).json);
    const scaled = structuredClone(first);
    (scaled.spec as JsonObject).replicas = 7;
    const same = await mutate(review({ operation: 'UPDATE', object: scaled, oldObject: first }));
    expect(same.json.response.allowed).toBe(true);
    expect(deployId(patched(scaled, same.json))).toBe(deployId(first));
    expect(same.json.response.patch).toBeUndefined();

    const bumped = patched(threeContainerDeployment('registry.example.com/shop/web:1.5.0'), { response: { uid: '', allowed: true } });
    const mergedLabels = structuredClone(bumped);
    (((mergedLabels.spec as JsonObject).template as JsonObject).metadata as JsonObject).labels = { app: 'web', [DEPLOY_ID]: deployId(first) as string };
    const roll = await mutate(review({ operation: 'UPDATE', object: mergedLabels, oldObject: first }));
    const id = deployId(patched(mergedLabels, roll.json));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(id).not.toBe(deployId(first));
  });

  it('answers a dry run exactly as the real request', async () => {
    const fixed = testServer({ newId: () => '11111111-2222-4333-8444-555555555555' });
    const body = (dryRun: boolean) => JSON.stringify(review({ object: threeContainerDeployment(), uid: 'same-uid', dryRun }));
    const inject = (dryRun: boolean) =>
      fixed.app.inject({ method: 'POST', url: '/mutate', headers: { 'content-type': 'application/json' }, payload: body(dryRun) });
    const [real, dry] = await Promise.all([inject(false), inject(true)]);
    expect(dry.json()).toEqual(real.json());
    expect(fixed.lines.filter((l) => l.msg === 'admission').map((l) => l.dryRun)).toEqual(expect.arrayContaining([true, false]));
    await fixed.app.close();
  });

  it.each([
    {
      name: 'the scale subresource',
      r: () =>
        review({
          operation: 'UPDATE',
          subResource: 'scale',
          kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
          object: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 5 } },
          oldObject: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 3 } },
        }),
    },
    {
      name: 'a Pod',
      r: () =>
        review({
          kind: { group: '', version: 'v1', kind: 'Pod' },
          resource: { group: '', version: 'v1', resource: 'pods' },
          object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'a' }] } },
        }),
    },
    {
      name: 'a StatefulSet',
      r: () => review({ kind: { group: 'apps', version: 'v1', kind: 'StatefulSet' }, object: { ...threeContainerDeployment(), kind: 'StatefulSet' } }),
    },
    {
      name: 'a terminating Deployment',
      r: () => {
        const d = threeContainerDeployment();
        (d.metadata as JsonObject).deletionTimestamp = '2026-11-23T06:00:00Z';
        return review({ operation: 'UPDATE', object: d, oldObject: d });
      },
    },
    { name: 'a DELETE', r: () => review({ operation: 'DELETE', object: null, oldObject: threeContainerDeployment() }) },
    {
      name: 'an opted-out Deployment',
      r: () => {
        const d = threeContainerDeployment();
        (d.metadata as JsonObject).labels = { app: 'web', 'paas.io/rollout-policy': 'disabled' };
        return review({ object: d });
      },
    },
  ])('allows $name untouched', async ({ r }) => {
    const body = r();
    const res = await mutate(body);
    expect(res.status).toBe(200);
    expect(res.json.response).toMatchObject({ uid: (body.request as JsonObject).uid, allowed: true });
    expect(res.json.response.patch).toBeUndefined();
  });

  it('denies an invalid paas.io annotation with a message naming the Deployment and the annotation', async () => {
    const d = threeContainerDeployment();
    (d.metadata as JsonObject).annotations = { 'paas.io/surge': 'lots' };
    const res = await mutate(review({ object: d, namespace: 'shop' }));
    expect(res.status).toBe(200);
    expect(res.json.response.allowed).toBe(false);
    expect(res.json.response.status?.message).toMatch(/shop\/web.*paas\.io\/surge.*lots/);
  });

  it('writes one JSON log line per admission with the facts, never the object', async () => {
    const before = lines.length;
    await mutate(review({ object: threeContainerDeployment('registry.example.com/secret-image:9'), uid: 'log-uid', namespace: 'logs' }));
    const mine = lines.slice(before);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      msg: 'admission',
      uid: 'log-uid',
      namespace: 'logs',
      name: 'web',
      operation: 'CREATE',
      dryRun: false,
      result: 'mutated',
      allowed: true,
    });
    expect(mine[0]?.changes).toEqual(expect.arrayContaining(['strategy', 'deploy-id']));
    expect(typeof mine[0]?.durationMs).toBe('number');
    expect(JSON.stringify(mine[0])).not.toContain('secret-image');
  });

  it('counts admissions, changes and latency in the metrics', async () => {
    const before = await metricValue(metrics, 'paas_webhook_admissions_total', { operation: 'CREATE', result: 'mutated' });
    const strategy = await metricValue(metrics, 'paas_webhook_mutations_total', { change: 'strategy' });
    await mutate(review({ object: threeContainerDeployment() }));
    expect(await metricValue(metrics, 'paas_webhook_admissions_total', { operation: 'CREATE', result: 'mutated' })).toBe(before + 1);
    expect(await metricValue(metrics, 'paas_webhook_mutations_total', { change: 'strategy' })).toBe(strategy + 1);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/paas_webhook_admission_duration_seconds_count\{operation="CREATE"\} \d+/);
  });
});

describe('captured AdmissionReviews (kube-apiserver v1.37.2)', () => {
  const captured = (JSON.parse(readFileSync(resolve(import.meta.dirname, 'fixtures/captured-reviews.json'), 'utf8')) as { reviews: Record<string, JsonObject> })
    .reviews;
  const req = (name: string) => captured[name]?.request as JsonObject;

  it.each(['create', 'create-dry-run'])('%s: mutated, patch applies, deploy-id stamped', async (name) => {
    const res = await mutate(captured[name]);
    expect(res.json.response).toMatchObject({ uid: req(name).uid, allowed: true, patchType: 'JSONPatch' });
    const out = patched(req(name).object as JsonObject, res.json);
    expect(deployId(out)).toMatch(/^[0-9a-f-]{36}$/);
    expect((out.spec as JsonObject).strategy).toMatchObject({ rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  it('update-image: a new deploy-id, different from the stored one', async () => {
    const oldId = deployId(req('update-image').oldObject as JsonObject);
    expect(oldId).toMatch(/^[0-9a-f-]{36}$/);
    const res = await mutate(captured['update-image']);
    const id = deployId(patched(req('update-image').object as JsonObject, res.json));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(id).not.toBe(oldId);
  });

  it('scale: allowed untouched', async () => {
    const res = await mutate(captured.scale);
    expect(res.json.response).toEqual({ uid: req('scale').uid, allowed: true });
  });
});

warnIfNoCorpus('the webhook corpus suite');
describe.skipIf(SKIP_CORPUS)(`the corpus (${CORPUS_DIR})`, () => {
  it.each(CORPUS_DEPLOYMENTS)('%s: CREATE is allowed, the patch applies, and re-applying changes nothing', async (file) => {
    const obj = stored(corpusObject(file));
    const created = await mutate(review({ object: obj }));
    expect(created.status).toBe(200);
    expect(created.json.response.allowed).toBe(true);
    const after = patched(obj, created.json);
    // The same manifest applied again: the API server sends the stored object as both.
    const again = await mutate(review({ operation: 'UPDATE', object: after, oldObject: after }));
    expect(again.json.response.allowed).toBe(true);
    expect(again.json.response.patch).toBeUndefined();
  });
});

describe('bad input: HTTP 400 with a clear message, and the server keeps serving', () => {
  const valid = JSON.stringify(review({ object: threeContainerDeployment(), uid: 'valid-after' }));
  it.each([
    { name: 'malformed JSON', payload: '{"kind": "AdmissionReview", ', reason: 'malformed-json', text: 'not valid JSON' },
    { name: 'a truncated review', payload: valid.slice(0, valid.length / 2), reason: 'malformed-json', text: 'not valid JSON' },
    { name: 'an empty body', payload: '', reason: 'empty', text: 'body is empty' },
    { name: 'a JSON array', payload: '[1,2]', reason: 'not-object', text: 'got an array' },
    {
      name: 'a review without request',
      payload: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }),
      reason: 'no-request',
      text: 'no request',
    },
    {
      name: 'a request without uid',
      payload: JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: { operation: 'CREATE', kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, object: {} },
      }),
      reason: 'no-uid',
      text: 'request.uid',
    },
    {
      name: 'a request without object',
      payload: JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: { uid: 'u', operation: 'CREATE', kind: { group: 'apps', version: 'v1', kind: 'Deployment' } },
      }),
      reason: 'no-object',
      text: 'request.object is missing',
    },
    {
      name: 'an object that is a string',
      payload: JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: { uid: 'u', operation: 'CREATE', kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, object: 'x' },
      }),
      reason: 'no-object',
      text: 'must be a JSON object',
    },
    { name: 'the wrong content type', payload: valid, headers: { 'content-type': 'application/xml' }, reason: 'content-type', text: 'application/json' },
    { name: 'text/plain', payload: valid, headers: { 'content-type': 'text/plain' }, reason: 'not-object', text: 'got a string' },
  ])('$name', async ({ payload, headers, reason, text }) => {
    const before = await metricValue(metrics, 'paas_webhook_bad_requests_total', { reason });
    const logged = lines.length;
    const res = await mutate(payload, headers ?? { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.json.reason).toBe(reason);
    expect(res.json.message).toContain(text);
    expect(await metricValue(metrics, 'paas_webhook_bad_requests_total', { reason })).toBe(before + 1);
    expect(lines.slice(logged).some((l) => l.level === 40 && String(l.msg).startsWith('bad request'))).toBe(true);
    const ok = await mutate(valid);
    expect(ok.json.response.uid).toBe('valid-after');
  });

  it('refuses a body over the limit with 400, then serves the next review', async () => {
    const small = testServer({ bodyLimit: 2048 });
    const big = JSON.stringify(review({ object: threeContainerDeployment(), uid: 'big' }));
    const res = await small.app.inject({ method: 'POST', url: '/mutate', headers: { 'content-type': 'application/json' }, payload: big + ' '.repeat(4096) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ reason: 'too-large' });
    const ok = await small.app.inject({
      method: 'POST',
      url: '/mutate',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(review({ object: { apiVersion: 'v1', kind: 'Pod' }, kind: { group: '', version: 'v1', kind: 'Pod' }, uid: 'small' })),
    });
    expect(ok.json()).toMatchObject({ response: { uid: 'small', allowed: true } });
    await small.app.close();
  });

  it('fuzz: thousands of random and truncated bodies to /mutate and /warn get a 400 or a well-formed answer, never a 5xx', async () => {
    const validBody = JSON.stringify(review({ object: threeContainerDeployment(), uid: 'fuzz-valid' }));
    const bodies = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.nat({ max: validBody.length }).map((n) => validBody.slice(0, n)),
      fc.json({ maxDepth: 4 }),
      fc
        .record({
          apiVersion: fc.constantFrom('admission.k8s.io/v1', 'v1', 42),
          kind: fc.constantFrom('AdmissionReview', null),
          request: fc.anything({ maxDepth: 3 }),
        })
        .map((o) => JSON.stringify(o)),
      fc
        .record({
          uid: fc.oneof(fc.string(), fc.integer(), fc.constant(undefined)),
          operation: fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT', '', 7),
          kind: fc.oneof(fc.constant({ group: 'apps', version: 'v1', kind: 'Deployment' }), fc.anything({ maxDepth: 2 })),
          subResource: fc.oneof(fc.constant(undefined), fc.constantFrom('scale', 'status'), fc.integer()),
          object: fc.oneof(
            fc.constant(threeContainerDeployment()),
            fc.json({ maxDepth: 3 }).map((s) => JSON.parse(s) as unknown),
            fc.object({ maxDepth: 3 }),
          ),
          oldObject: fc.oneof(fc.constant(null), fc.anything({ maxDepth: 2 })),
          dryRun: fc.oneof(fc.boolean(), fc.string()),
        })
        .map((request) => JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request })),
    );
    await fc.assert(
      fc.asyncProperty(bodies, fc.constantFrom('/mutate', '/warn'), async (payload, url) => {
        const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });
        expect([200, 400]).toContain(res.statusCode);
        if (res.statusCode === 200) {
          const sent = (JSON.parse(payload) as { request: { uid: unknown } }).request.uid;
          expect(res.json()).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: sent } });
          // Warn mode never refuses and never patches, whatever it is sent.
          if (url === '/warn') expect(res.json().response).not.toHaveProperty('patch');
          if (url === '/warn') expect(res.json().response.allowed).toBe(true);
        } else {
          expect(typeof res.json().message).toBe('string');
        }
      }),
      { numRuns: 3000 },
    );
    const after = await mutate(validBody);
    expect(after.status).toBe(200);
    expect(after.json.response).toMatchObject({ uid: 'fuzz-valid', allowed: true, patchType: 'JSONPatch' });
  });
});

describe('policy errors (on_error)', () => {
  const boom = () => {
    throw new TypeError('engine bug');
  };
  it.each([
    { onError: 'deny' as const, allowed: false },
    { onError: 'allow' as const, allowed: true },
  ])('on_error=$onError: 200 with allowed=$allowed, counted and logged with the stack', async ({ onError, allowed }) => {
    const s = testServer({ mutate: boom, onError });
    const res = await s.app.inject({
      method: 'POST',
      url: '/mutate',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(review({ object: threeContainerDeployment(), namespace: 'team-a' })),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().response.allowed).toBe(allowed);
    expect(JSON.stringify(res.json().response)).toContain('team-a/web');
    expect(await metricValue(s.metrics, 'paas_webhook_errors_total', { type: 'policy' })).toBe(1);
    const line = s.lines.find((l) => l.msg === 'admission: policy error') as { err?: { stack?: string } } | undefined;
    expect(line?.err?.stack).toContain('engine bug');
    await s.app.close();
  });
});

describe('health, readiness and routes', () => {
  it('/healthz is 200; /readyz follows certificate, config and draining', async () => {
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    health.draining = true;
    const draining = await app.inject({ url: '/readyz' });
    expect(draining.statusCode).toBe(503);
    expect(draining.json().reasons).toContain('draining (shutting down)');
    health.draining = false;
    health.certLoaded = false;
    expect((await app.inject({ url: '/readyz' })).json().reasons).toContain('no serving certificate loaded');
    health.certLoaded = true;
  });

  it('has no baseline route unless asked for', async () => {
    expect((await app.inject({ method: 'POST', url: '/bench/baseline', payload: {} })).statusCode).toBe(404);
    const bench = testServer({ baselineRoute: true });
    const res = await bench.app.inject({ method: 'POST', url: '/bench/baseline', payload: review({ object: {}, uid: 'b' }) });
    expect(res.json()).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'b', allowed: true } });
    await bench.app.close();
  });

  it('answers GET /version on both apps with the release it was built from', async () => {
    const build = { version: '1.2.3', nodeVersion: 'v24.0.0' };
    const m = buildMetricsServer({ registry: metrics.registry, health, logger: app.log, build });
    expect((await m.inject({ url: '/version' })).json()).toEqual(build);
    expect((await app.inject({ url: '/version' })).json()).toEqual({ version: '9.9.9-test', nodeVersion: 'v0.0.0-test' });
    await m.close();
  });

  it('serves /metrics, /healthz and /readyz on the metrics app', async () => {
    const m = buildMetricsServer({ registry: metrics.registry, health, logger: app.log, build: { version: '1.2.3', nodeVersion: 'v24.0.0' } });
    await mutate(review({ object: threeContainerDeployment() }));
    const res = await m.inject({ url: '/metrics' });
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(/paas_webhook_admissions_total\{operation="CREATE",result="mutated"\} [1-9]/);
    expect((await m.inject({ url: '/readyz' })).statusCode).toBe(200);
    expect((await m.inject({ url: '/healthz' })).statusCode).toBe(200);
    await m.close();
  });
});
