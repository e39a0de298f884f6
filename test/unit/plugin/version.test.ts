// `kubectl paas version`: the decisions (which witness of the webhook's version answered, an
// image's tag, the words) as tables, and the command through the real CLI against a recorded
// cluster: what it asks for, what it prints, that --client asks nothing. The version itself has
// one source, package.json, which core/version.ts must say.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PaasError } from '../../../core/errors.js';
import type { JsonObject } from '../../../core/policy/index.js';
import { VERSION } from '../../../core/version.js';
import { main } from '../../../plugin/cli.js';
import { imageTag, skewWarning, versionText, webhookVersionOf, type WebhookDeployment } from '../../../plugin/version/version.js';
import { against, type ClusterData } from '../audit/fake-cluster.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const packageVersion = (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const webhookDeployment = (image: string, labels: Record<string, string> = {}): WebhookDeployment & JsonObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'paas-webhook', namespace: 'paas-system', labels: { 'app.kubernetes.io/name': 'paas-webhook', ...labels } },
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'sidecar', image: 'proxy:9' },
            { name: 'webhook', image },
          ],
        },
      },
    },
  }) as WebhookDeployment & JsonObject;

describe('the one source', () => {
  it("core/version.ts is package.json's version", () => {
    expect(VERSION).toBe(packageVersion);
  });
});

describe('imageTag', () => {
  it.each([
    { image: 'ghcr.io/kubectl-paas/paas-webhook:0.1.0', want: '0.1.0' },
    { image: 'paas-webhook:v0.2.0-rc.1', want: 'v0.2.0-rc.1' },
    { image: 'registry.local:5000/paas-webhook:0.1.0', want: '0.1.0' },
    { image: 'registry.local:5000/paas-webhook', want: undefined },
    { image: 'paas-webhook', want: undefined },
    { image: 'ghcr.io/kubectl-paas/paas-webhook:0.1.0@sha256:0123abcd', want: undefined },
    { image: 'ghcr.io/kubectl-paas/paas-webhook@sha256:0123abcd', want: undefined },
    { image: 'paas-webhook:', want: undefined },
  ])('$image → $want', ({ image, want }) => {
    expect(imageTag(image)).toBe(want);
  });
});

describe('webhookVersionOf', () => {
  const image = 'ghcr.io/kubectl-paas/paas-webhook:0.1.0';
  it.each([
    { name: 'not installed', d: undefined, endpoint: undefined, want: { deployment: 'paas-system/paas-webhook', installed: false } },
    {
      name: 'GET /version answered: its version, whatever the image says',
      d: webhookDeployment('paas-webhook:latest'),
      endpoint: { ok: true as const, body: { version: '0.2.0', nodeVersion: 'v24.21.0' } },
      want: {
        deployment: 'paas-system/paas-webhook',
        installed: true,
        image: 'paas-webhook:latest',
        version: '0.2.0',
        nodeVersion: 'v24.21.0',
        source: 'endpoint',
      },
    },
    {
      name: 'no serving replica: the tag of the webhook container, not of the first one',
      d: webhookDeployment(image, { 'app.kubernetes.io/version': '0.0.9' }),
      endpoint: { ok: false as const, reason: 'no endpoints' },
      want: { deployment: 'paas-system/paas-webhook', installed: true, image, version: '0.1.0', source: 'image', note: 'GET /version: no endpoints' },
    },
    {
      name: 'an image by digest: the Helm label',
      d: webhookDeployment('ghcr.io/kubectl-paas/paas-webhook@sha256:0123abcd', { 'app.kubernetes.io/version': '0.1.0' }),
      endpoint: { ok: false as const, reason: 'forbidden' },
      want: {
        deployment: 'paas-system/paas-webhook',
        installed: true,
        image: 'ghcr.io/kubectl-paas/paas-webhook@sha256:0123abcd',
        version: '0.1.0',
        source: 'label',
        note: 'GET /version: forbidden',
      },
    },
    {
      name: 'an answer that is not the webhook\u2019s: the next witness',
      d: webhookDeployment(image),
      endpoint: { ok: true as const, body: '404 page not found' },
      want: {
        deployment: 'paas-system/paas-webhook',
        installed: true,
        image,
        version: '0.1.0',
        source: 'image',
        note: 'GET /version: its answer has no version',
      },
    },
    {
      name: 'no witness at all: unknown, said why',
      d: webhookDeployment('paas-webhook'),
      endpoint: { ok: false as const, reason: 'no endpoints' },
      want: { deployment: 'paas-system/paas-webhook', installed: true, image: 'paas-webhook', note: 'GET /version: no endpoints' },
    },
  ])('$name', ({ d, endpoint, want }) => {
    expect(webhookVersionOf(d, endpoint)).toEqual(want);
  });
});

describe('versionText and skewWarning', () => {
  const client = { version: '0.1.0', nodeVersion: 'v20.20.2' };
  it.each([
    { name: 'the client only', webhook: undefined, want: 'Client Version: 0.1.0\n' },
    {
      name: 'from GET /version',
      webhook: { deployment: 'paas-system/paas-webhook', installed: true, version: '0.1.0', source: 'endpoint' as const },
      want: 'Client Version: 0.1.0\nWebhook Version: 0.1.0\n',
    },
    {
      name: 'from the image, with why',
      webhook: { deployment: 'paas-system/paas-webhook', installed: true, version: '0.1.0', source: 'image' as const, note: 'GET /version: no endpoints' },
      want: 'Client Version: 0.1.0\nWebhook Version: 0.1.0 (from the image tag; GET /version: no endpoints)\n',
    },
    {
      name: 'not installed',
      webhook: { deployment: 'paas-system/paas-webhook', installed: false },
      want: 'Client Version: 0.1.0\nWebhook Version: not installed (no Deployment paas-system/paas-webhook)\n',
    },
    {
      name: 'unknown',
      webhook: { deployment: 'paas-system/paas-webhook', installed: true, note: 'GET /version: no endpoints' },
      want: 'Client Version: 0.1.0\nWebhook Version: unknown (GET /version: no endpoints)\n',
    },
  ])('$name', ({ webhook, want }) => {
    expect(versionText(client, webhook)).toBe(want);
  });

  it.each([
    { webhook: '0.1.0', warns: false },
    { webhook: 'v0.1.0', warns: false },
    { webhook: '0.2.0', warns: true },
  ])('webhook $webhook beside plugin 0.1.0: warns $warns', ({ webhook, warns }) => {
    const w = skewWarning(client, { deployment: 'paas-system/paas-webhook', installed: true, version: webhook, source: 'endpoint' });
    expect(w !== undefined).toBe(warns);
  });
});

async function version(argv: string[], c: ClusterData) {
  const run = against(c);
  try {
    const code = await main(['version', ...argv], run.deps);
    return { code, out: run.out(), err: run.err(), calls: run.calls, connected: run.connected() };
  } catch (err) {
    if (!(err instanceof PaasError)) throw err;
    return { code: err.exit, out: run.out(), err: err.message, calls: run.calls, connected: run.connected() };
  }
}

const base: ClusterData = { deployments: [], namespaces: {} };
const serving: ClusterData = {
  ...base,
  webhookDeployment: webhookDeployment(`ghcr.io/kubectl-paas/paas-webhook:${VERSION}`),
  webhookVersion: { version: VERSION, nodeVersion: 'v24.21.0' },
};

describe('kubectl paas version', () => {
  it("asks the webhook's Deployment, then its GET /version through the service proxy", async () => {
    const r = await version([], serving);
    expect([r.code, r.out, r.err]).toEqual([0, `Client Version: ${VERSION}\nWebhook Version: ${VERSION}\n`, '']);
    expect(r.calls.map((c) => c.path)).toEqual([
      '/apis/apps/v1/namespaces/paas-system/deployments/paas-webhook',
      '/api/v1/namespaces/paas-system/services/http:paas-webhook:metrics/proxy/version',
    ]);
  });

  it('-o json: clientVersion and webhookVersion', async () => {
    const r = await version(['-o', 'json'], serving);
    expect(JSON.parse(r.out)).toEqual({
      clientVersion: { version: VERSION, nodeVersion: process.version },
      webhookVersion: {
        deployment: 'paas-system/paas-webhook',
        installed: true,
        image: `ghcr.io/kubectl-paas/paas-webhook:${VERSION}`,
        version: VERSION,
        nodeVersion: 'v24.21.0',
        source: 'endpoint',
      },
    });
  });

  it('-o yaml: the same document', async () => {
    expect(parse((await version(['-o', 'yaml'], serving)).out)).toEqual(JSON.parse((await version(['--output', 'json'], serving)).out));
  });

  it('--client: the plugin only, no cluster asked (not even connected)', async () => {
    const r = await version(['--client', '-o', 'json'], serving);
    expect(JSON.parse(r.out)).toEqual({ clientVersion: { version: VERSION, nodeVersion: process.version } });
    expect([r.code, r.connected, r.calls]).toEqual([0, 0, []]);
  });

  it('no serving replica (503): the image tag, and why', async () => {
    const r = await version([], { ...serving, webhookVersion: undefined });
    expect(r.out).toBe(
      `Client Version: ${VERSION}\nWebhook Version: ${VERSION} (from the image tag; GET /version: service "paas-webhook": the API server answered 503: no endpoints available for service "paas-webhook")\n`,
    );
    expect(r.code).toBe(0);
  });

  it('not installed: said, exit 0', async () => {
    const r = await version([], base);
    expect([r.code, r.out]).toEqual([0, `Client Version: ${VERSION}\nWebhook Version: not installed (no Deployment paas-system/paas-webhook)\n`]);
  });

  it("the webhook's Deployment forbidden: the client's line, then the error (exit 8), as kubectl version", async () => {
    const r = await version([], { ...base, webhookDeployment: 403 });
    expect([r.code, r.out, r.err]).toEqual([8, `Client Version: ${VERSION}\n`, 'forbidden: refused']);
  });

  it('a webhook of another release: a warning on stderr', async () => {
    const r = await version([], { ...serving, webhookVersion: { version: '9.9.9' } });
    expect(r.err).toBe(
      `WARNING: the plugin (${VERSION}) and the webhook (9.9.9) are different releases: kubectl paas audit and policy judge by the plugin's policy engine, the cluster's writes by the webhook's\n`,
    );
    expect(r.code).toBe(0);
  });

  it('--no-color is taken', async () => {
    expect((await version(['--no-color'], serving)).code).toBe(0);
  });
});
