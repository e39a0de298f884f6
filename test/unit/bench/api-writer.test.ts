// The admission bench's client (test/bench/lib/api-writer.ts) against an in-process HTTPS server
// that asks for a client certificate, as the API server does: the kubeconfig's credentials are
// presented, requests share kept-alive connections (no more than its sockets, however many are in
// flight), bodies and statuses come back as sent, and each answer carries its client-side time.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../../bench/lib/api-writer.js';
import { makePki } from '../kube-client/pki.js';

const dir = mkdtempSync(join(tmpdir(), 'paas-writer-'));
const pki = makePki(dir);
const client = pki.client('bench-writer', ['system:masters']);
let server: Server;
let connections = 0;
const seen: { method: string; url: string; user: string; type?: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer({ key: pki.server.key, cert: pki.server.cert, ca: pki.ca, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const user = (req.socket as TLSSocket).getPeerCertificate().subject.CN as string;
      seen.push({ method: req.method!, url: req.url!, user, type: req.headers['content-type'], body });
      const conflict = req.url!.includes('conflict');
      res.writeHead(conflict ? 409 : 200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(conflict ? { kind: 'Status', reason: 'Conflict' } : { echo: body, url: req.url }));
    });
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  writeFileSync(
    join(dir, 'kubeconfig'),
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: local, cluster: { server: "https://127.0.0.1:${port}", certificate-authority-data: "${Buffer.from(pki.ca).toString('base64')}" } }]`,
      `users: [{ name: writer, user: { client-certificate-data: "${Buffer.from(client.cert).toString('base64')}", client-key-data: "${Buffer.from(client.key).toString('base64')}" } }]`,
      'contexts: [{ name: local, context: { cluster: local, user: writer } }]',
      'current-context: local',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
  rmSync(dir, { recursive: true, force: true });
});

describe('the bench writer', () => {
  it('sends 32 writes 8 at a time on at most 4 kept-alive connections, as the kubeconfig’s user', async () => {
    const api = await apiClient(join(dir, 'kubeconfig'), 4);
    try {
      const bodies = Array.from({ length: 32 }, (_, i) => JSON.stringify({ i }));
      const answers: { status: number; body: string; ms: number }[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let i = w; i < 32; i += 8)
            answers[i] = await api.send('PATCH', `/apis/apps/v1/namespaces/a/deployments/w${w}?force=true`, bodies[i], 'application/apply-patch+yaml');
        }),
      );
      expect(answers.map((a) => [a.status, JSON.parse(a.body).echo])).toEqual(bodies.map((b) => [200, b]));
      for (const a of answers) expect(Number.isFinite(a.ms) && a.ms >= 0).toBe(true);
      expect(connections).toBeLessThanOrEqual(4);
      expect(new Set(seen.map((s) => `${s.method} ${s.user} ${s.type}`))).toEqual(new Set(['PATCH bench-writer application/apply-patch+yaml']));
    } finally {
      api.close();
    }
  });

  it('json() parses a 2xx answer and throws with the status and the words of any other', async () => {
    const api = await apiClient(join(dir, 'kubeconfig'), 1);
    try {
      expect(await api.json<{ url: string }>('GET', '/version')).toEqual({ echo: '', url: '/version' });
      await expect(api.json('POST', '/conflict', { a: 1 })).rejects.toThrow('POST /conflict: 409 {"kind":"Status","reason":"Conflict"}');
    } finally {
      api.close();
    }
  });
});
