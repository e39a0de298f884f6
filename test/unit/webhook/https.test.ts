// The webhook over real TLS on 127.0.0.1 with generated certificates and Node's https client:
// the CA verifies the server, TLS 1.1 is refused, a rotated pair on disk is picked up without a
// restart, and SIGTERM's drain keeps answering while /readyz says 503.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { applyPlan } from '../../../webhook/server/cert-mint.js';
import { drain } from '../../../webhook/server/drain.js';
import { DEFAULT_LIFETIMES, planCertificates, SecretKeys, storeFacts } from '../../../webhook/server/self-signed.js';
import { loadPairFiles, watchPairFiles, type ServingPair } from '../../../webhook/server/tls.js';
import { metricValue, testServer } from './harness.js';
import { review, threeContainerDeployment } from './reviews.js';

async function issue(sans: string[]): Promise<{ ca: string; cert: string; key: string }> {
  const now = Date.now();
  const { facts, cas } = storeFacts({});
  const d = await applyPlan(planCertificates(facts, now, sans), { data: {}, cas }, sans, now, DEFAULT_LIFETIMES);
  return { ca: d[SecretKeys.CaBundle] ?? '', cert: d[SecretKeys.Cert] ?? '', key: d[SecretKeys.Key] ?? '' };
}

function post(
  port: number,
  ca: string,
  body: string,
  path = '/mutate',
  agent: Agent | false = false,
): Promise<{ status: number; body: string; headers: Record<string, unknown>; peer: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: path === '/mutate' ? 'POST' : 'GET', ca, headers: { 'content-type': 'application/json' }, agent },
      (res) => {
        const chunks: Buffer[] = [];
        const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers, peer }));
      },
    );
    req.on('error', reject);
    req.end(path === '/mutate' ? body : undefined);
  });
}

/** A test server on TLS with a fresh CA, listening on a free port of 127.0.0.1. */
async function listeningTls() {
  const certs = await issue(['127.0.0.1']);
  const s = testServer({ tls: { key: certs.key, cert: certs.cert } });
  await s.app.listen({ host: '127.0.0.1', port: 0 });
  return { certs, s, port: (s.app.server.address() as { port: number }).port };
}

async function waitFor<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('HTTPS', () => {
  let dir: string;
  let first: { ca: string; cert: string; key: string };
  let app: FastifyInstance;
  let port: number;
  let pair: ServingPair;
  const body = JSON.stringify(review({ object: threeContainerDeployment(), uid: 'tls-uid' }));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paas-webhook-tls-'));
    first = await issue(['127.0.0.1', 'localhost']);
    writeFileSync(join(dir, 'tls.crt'), first.cert);
    writeFileSync(join(dir, 'tls.key'), first.key);
    pair = await loadPairFiles(join(dir, 'tls.crt'), join(dir, 'tls.key'));
    app = testServer({ tls: { key: pair.key, cert: pair.cert } }).app;
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /mutate to a client that trusts the generated CA', async () => {
    const res = await post(port, first.ca, body);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ response: { uid: 'tls-uid', allowed: true, patchType: 'JSONPatch' } });
    expect(res.peer.fingerprint256).toBe(pair.fingerprint);
  });

  it('is refused by a client that does not trust the CA', async () => {
    const other = await issue(['127.0.0.1']);
    await expect(post(port, other.ca, body)).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });

  const handshake = (opts: { minVersion: 'TLSv1' | 'TLSv1.2'; maxVersion: 'TLSv1.1' | 'TLSv1.2' }) =>
    new Promise<string>((resolve) => {
      // SECLEVEL=0 lets this client offer TLS 1.1 at all, so a refusal comes from the server.
      const s = connect({ host: '127.0.0.1', port, ca: first.ca, ciphers: 'DEFAULT@SECLEVEL=0', ...opts }, () => {
        resolve(s.getProtocol() ?? 'connected');
        s.end();
      });
      s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });

  it('speaks TLS 1.2 and refuses TLS 1.1 with a protocol-version alert', async () => {
    expect(await handshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })).toBe('TLSv1.2');
    expect(await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1' })).toMatch(/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/);
  });

  it('reloads a rotated pair from disk without a restart', async () => {
    const next = await issue(['127.0.0.1']);
    const installed: ServingPair[] = [];
    const errors: unknown[] = [];
    const watcher = watchPairFiles({
      certPath: join(dir, 'tls.crt'),
      keyPath: join(dir, 'tls.key'),
      current: pair,
      pollMs: 500,
      onPair: (p) => {
        (app.server as import('node:https').Server).setSecureContext({ cert: p.cert, key: p.key, minVersion: 'TLSv1.2' });
        installed.push(p);
      },
      onError: (e) => errors.push(e),
    });
    try {
      // A half-written rotation (new cert, old key) is reported and not installed.
      writeFileSync(join(dir, 'tls.crt'), next.cert);
      expect(await watcher.check()).toBe(false);
      expect(String(errors.at(-1))).toMatch(/key does not match/);
      expect((await post(port, first.ca, body)).peer.fingerprint256).toBe(pair.fingerprint);
      // Then the key lands, atomically as a kubelet Secret update does.
      writeFileSync(join(dir, 'tls.key.tmp'), next.key);
      renameSync(join(dir, 'tls.key.tmp'), join(dir, 'tls.key'));
      const served = await waitFor(async () => {
        const r = await post(port, next.ca, body);
        return r.peer.fingerprint256 === installed[0]?.fingerprint ? r : undefined;
      }, 'the new certificate to be served');
      expect(served.status).toBe(200);
      expect(installed).toHaveLength(1);
      expect(installed[0]?.fingerprint).not.toBe(pair.fingerprint);
    } finally {
      watcher.close();
    }
  });
});

describe('paas_webhook_tls_connections_total', () => {
  it('counts connections, not requests: three admissions on one kept-alive connection are one; three without keep-alive are three', async () => {
    const { certs, s, port } = await listeningTls();
    const body = JSON.stringify(review({ object: threeContainerDeployment(), uid: 'conn-uid' }));
    const connections = async () =>
      (await metricValue(s.metrics, 'paas_webhook_tls_connections_total', { resumed: 'true' })) +
      (await metricValue(s.metrics, 'paas_webhook_tls_connections_total', { resumed: 'false' }));
    const kept = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 3; i++) expect((await post(port, certs.ca, body, '/mutate', kept)).status).toBe(200);
      expect(await connections()).toBe(1);
      for (let i = 0; i < 3; i++) expect((await post(port, certs.ca, body)).status).toBe(200);
      expect(await connections()).toBe(4);
      expect(await metricValue(s.metrics, 'paas_webhook_admissions_total', { operation: 'CREATE', result: 'mutated' })).toBe(6);
    } finally {
      kept.destroy();
      await s.app.close();
    }
  });
});

describe('drain on SIGTERM', () => {
  it('turns unready, keeps answering admissions with Connection: close, then closes', async () => {
    const { certs, s, port } = await listeningTls();
    const body = JSON.stringify(review({ object: threeContainerDeployment(), uid: 'during-drain' }));
    let release!: () => void;
    let asked = 0;
    const done = drain({
      health: s.health,
      seconds: 5,
      sleep: (ms) => {
        asked = ms;
        return new Promise<void>((r) => (release = r));
      },
      close: () => s.app.close(),
      log: () => undefined,
    });
    expect(asked).toBe(5000);
    const ready = await post(port, certs.ca, '', '/readyz');
    expect(ready.status).toBe(503);
    const during = await post(port, certs.ca, body);
    expect(during.status).toBe(200);
    expect(JSON.parse(during.body)).toMatchObject({ response: { uid: 'during-drain', allowed: true } });
    expect(during.headers.connection).toBe('close');
    release();
    await done;
    await expect(post(port, certs.ca, body)).rejects.toThrow(/ECONNREFUSED/);
  });
});
