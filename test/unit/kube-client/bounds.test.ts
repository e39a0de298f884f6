// Every request is bounded: a server that accepts and never answers, one that never finishes the
// TLS handshake, never sends the status line, stalls in the middle of a body, or keeps a watch
// open without a byte; --request-timeout; a command's deadline. Each ends with a KubeError naming
// the server and the bound, never a hang. Also the long responses (watch, log stream), gzip,
// exec credentials refreshed after a 401 or at their expiry, and token files read again.
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KubeClient, type ClientOptions, type WatchEvent } from '../../../kube-client/client.js';
import { KubeError, KubeErrorKind } from '../../../kube-client/errors.js';
import type { ResolvedConfig } from '../../../kube-client/kubeconfig.js';
import { kubectlBin, SKIP_KUBECTL } from '../kubectl-oracle.js';
import { makePki, type Pki } from './pki.js';
import { silentServer } from './servers.js';

let dir: string;
let pki: Pki;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'paas-bounds-'));
  pki = makePki(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (server: string, over: Partial<ResolvedConfig> = {}): ResolvedConfig => ({
  source: 'test',
  context: 'test',
  namespace: 'default',
  server,
  ca: { data: pki.ca },
  insecure: false,
  disableCompression: false,
  auth: { token: 'abc' },
  ...over,
});

const client = (server: string, o: Partial<ClientOptions> = {}, over: Partial<ResolvedConfig> = {}) =>
  new KubeClient(config(server, over), { env: {}, userAgent: 'test', execStderr: 'ignore', ...o });

/** An HTTPS server whose handler the test writes; resolves its URL. */
async function https(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const srv = createServer({ cert: pki.server.cert, key: pki.server.key }, handler);
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return {
    url: `https://127.0.0.1:${(srv.address() as { port: number }).port}`,
    close: () =>
      new Promise((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

/** The KubeError a call ends with. */
async function failure(p: Promise<unknown>): Promise<KubeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof KubeError) return err;
    throw err;
  }
  throw new Error('the call did not fail');
}

describe('a server that accepts the connection and never answers', () => {
  it('ends at the TLS handshake bound, naming the server', async () => {
    const s = await silentServer();
    const c = client(s.url, { bounds: { tlsMs: 200 } });
    try {
      const e = await failure(c.get('/version'));
      expect(e.kind).toBe(KubeErrorKind.Timeout);
      expect(e.message).toBe(`cannot reach the cluster at ${s.url}: the TLS handshake with ${s.url.slice(8)} did not finish within 200ms`);
      expect(s.accepted()).toBe(1);
    } finally {
      c.close();
      await s.close();
    }
  });

  it('ends at --request-timeout first when it is shorter', async () => {
    const s = await silentServer();
    const c = client(s.url, { requestTimeoutMs: 300 });
    try {
      expect((await failure(c.get('/version'))).message).toBe(`the cluster at ${s.url} did not answer within 300ms (--request-timeout)`);
    } finally {
      c.close();
      await s.close();
    }
  });

  it('leaves no timer behind once closed (the process exits at --request-timeout, not at the TLS bound)', async () => {
    // The TLS bound, an unmistakable length: every timer of that length must be cleared by close().
    const tlsMs = 123_457;
    const armed = new Set<unknown>();
    const realSet = globalThis.setTimeout;
    const realClear = globalThis.clearTimeout;
    const set = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const t = realSet(() => fn(...args), ms);
      if (ms === tlsMs) armed.add(t);
      return t;
    }) as unknown as typeof setTimeout);
    const clear = vi.spyOn(globalThis, 'clearTimeout').mockImplementation((t) => {
      armed.delete(t);
      realClear(t);
    });
    const s = await silentServer();
    const c = client(s.url, { requestTimeoutMs: 300, bounds: { tlsMs } });
    try {
      await failure(c.get('/version'));
      c.close();
      await new Promise((r) => setImmediate(r));
      expect(set.mock.calls.some(([, ms]) => ms === tlsMs)).toBe(true);
      expect(armed.size).toBe(0);
    } finally {
      set.mockRestore();
      clear.mockRestore();
      c.close();
      await s.close();
    }
  });

  it.skipIf(SKIP_KUBECTL)('kubectl gives up too (the control: the bound is where kubectl has one)', async () => {
    const s = await silentServer();
    try {
      const code = await new Promise<number>((resolve) => {
        const child = execFile(
          kubectlBin(),
          ['get', '--raw', '/version', `--server=${s.url}`, '--token=t', '--insecure-skip-tls-verify', '--request-timeout=1s'],
          { env: { HOME: dir, PATH: '', KUBECONFIG: join(dir, 'none') } },
          (err) => resolve(err ? 1 : 0),
        );
        child.stdin?.end();
      });
      expect(code).toBe(1);
    } finally {
      await s.close();
    }
  });

  it("ends at the command's deadline, saying which", async () => {
    const s = await silentServer();
    const ac = new AbortController();
    const c = client(s.url, { deadline: { signal: ac.signal, what: '--timeout 3s' } });
    try {
      const call = failure(c.get('/version'));
      setTimeout(() => ac.abort(), 100);
      expect((await call).message).toBe(`no answer from the cluster at ${s.url} within --timeout 3s`);
    } finally {
      c.close();
      await s.close();
    }
  });
});

describe('a server that completes TLS but does not answer in full', () => {
  it('ends at the first-byte bound when no status line comes', async () => {
    const s = await https(() => undefined);
    const c = client(s.url, { bounds: { firstByteMs: 200 } });
    try {
      expect((await failure(c.get('/version'))).message).toBe(`the cluster at ${s.url} accepted the connection but did not answer within 200ms`);
    } finally {
      c.close();
      await s.close();
    }
  });

  it('ends at the idle bound when the body stalls', async () => {
    const s = await https((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"items": [');
    });
    const c = client(s.url, { bounds: { idleMs: 200 } });
    try {
      expect((await failure(c.get('/api/v1/pods'))).message).toBe(`${s.url} stopped sending the answer to /api/v1/pods for 200ms`);
    } finally {
      c.close();
      await s.close();
    }
  });
});

describe('watches and streams', () => {
  it('asks for a bounded watch with bookmarks, hands over each event, and resolves when the server ends it', async () => {
    let url = '';
    const s = await https((req, res) => {
      url = req.url ?? '';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '2' } } })}\n`);
      res.end(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '3' } } })}\n`);
    });
    const c = client(s.url);
    const events: WatchEvent[] = [];
    try {
      await c.watch('/api/v1/namespaces/a/pods', { resourceVersion: '1', allowWatchBookmarks: 'true' }, (e) => events.push(e), new AbortController().signal);
      expect(events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
      expect(new URL(url, s.url).searchParams.get('watch')).toBe('true');
      expect(new URL(url, s.url).searchParams.get('timeoutSeconds')).toBe('60');
    } finally {
      c.close();
      await s.close();
    }
  });

  it('fails a watch that goes silent (no event, no bookmark) for the silence bound', async () => {
    const s = await https((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } })}\n`);
    });
    const c = client(s.url, { bounds: { watchSilenceMs: 200 } });
    const events: WatchEvent[] = [];
    try {
      const e = await failure(c.watch('/api/v1/pods', {}, (ev) => events.push(ev), new AbortController().signal));
      expect(e.message).toBe(`the stream of /api/v1/pods from ${s.url} went silent for 200ms`);
      expect(events).toHaveLength(1);
    } finally {
      c.close();
      await s.close();
    }
  });

  it('ends a watch quietly when its signal aborts', async () => {
    const s = await https((_req, res) => {
      res.writeHead(200);
      res.write('\n');
    });
    const c = client(s.url);
    const ac = new AbortController();
    try {
      const w = c.watch('/api/v1/pods', {}, () => undefined, ac.signal);
      setTimeout(() => ac.abort(), 50);
      await expect(w).resolves.toBeUndefined();
    } finally {
      c.close();
      await s.close();
    }
  });

  it('streams text (pods/log with follow) until --request-timeout ends it quietly', async () => {
    // The order of events is the test's, not the clock's: the server writes line 2 once line 1
    // has arrived, and the --request-timeout timer (an unmistakable length, kept off the clock)
    // fires once line 2 has arrived.
    const requestTimeoutMs = 987_654;
    let fire: (() => void) | undefined;
    const realSet = globalThis.setTimeout;
    const set = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      if (ms !== requestTimeoutMs) return realSet(() => fn(...args), ms);
      fire = () => fn(...args);
      return realSet(() => undefined, 0);
    }) as unknown as typeof setTimeout);
    let sendLine2!: () => void;
    const line2 = new Promise<void>((r) => (sendLine2 = r));
    const s = await https((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('line 1\n');
      void line2.then(() => res.write('line 2\n'));
    });
    const c = client(s.url, { requestTimeoutMs });
    let text = '';
    const received = (t: string) => {
      text += t;
      if (text === 'line 1\n') sendLine2();
      if (text === 'line 1\nline 2\n') {
        if (!fire) throw new Error(`no --request-timeout timer of ${requestTimeoutMs}ms was armed`);
        fire();
      }
    };
    try {
      await c.stream('/api/v1/namespaces/a/pods/p/log', { follow: 'true' }, received, new AbortController().signal);
      expect(text).toBe('line 1\nline 2\n');
    } finally {
      set.mockRestore();
      c.close();
      await s.close();
    }
  });

  it('fails a stream whose status is an error, with the API Status', async () => {
    const s = await https((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', code: 404, message: 'pods "p" not found' }));
    });
    const c = client(s.url);
    try {
      await expect(c.stream('/api/v1/namespaces/a/pods/p/log', {}, () => undefined, new AbortController().signal)).rejects.toMatchObject({ status: 404 });
    } finally {
      c.close();
      await s.close();
    }
  });
});

describe('text (a container log, read whole)', () => {
  it('reads the text of a log with its query; an error status is an HttpError with the API Status', async () => {
    const s = await https((req, res) => {
      if (req.url === '/api/v1/namespaces/a/pods/p/log?container=app&tailLines=2') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('one\ntwo\n');
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', code: 404, message: `not found: ${req.url}` }));
      }
    });
    const c = client(s.url);
    try {
      expect(await c.getText('/api/v1/namespaces/a/pods/p/log', { container: 'app', tailLines: '2', previous: undefined })).toBe('one\ntwo\n');
      await expect(c.getText('/api/v1/namespaces/a/pods/q/log')).rejects.toMatchObject({ status: 404 });
    } finally {
      c.close();
      await s.close();
    }
  });

  it('rejects when its signal aborts in the middle of the body (a kubelet that stops sending)', async () => {
    let wrote!: () => void;
    const written = new Promise<void>((r) => (wrote = r));
    const s = await https((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial\n', () => wrote());
    });
    const c = client(s.url);
    const ac = new AbortController();
    try {
      const text = c.getText('/api/v1/namespaces/a/pods/p/log', {}, ac.signal);
      await written;
      const settled = text.then(
        () => 'resolved',
        (err: Error) => err.name,
      );
      ac.abort();
      expect(await settled).toBe('AbortError');
    } finally {
      c.close();
      await s.close();
    }
  });
});

describe('answers', () => {
  it('asks for gzip and reads a gzipped answer; disable-compression asks for none', async () => {
    const seen: (string | undefined)[] = [];
    const s = await https((req, res) => {
      seen.push(req.headers['accept-encoding']);
      const body = JSON.stringify({ items: [{ metadata: { name: 'x'.repeat(1000) } }] });
      if (req.headers['accept-encoding'] === 'gzip') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(gzipSync(body));
      } else res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    const gz = client(s.url);
    const plain = client(s.url, {}, { disableCompression: true });
    try {
      expect(await gz.get<{ items: unknown[] }>('/api/v1/pods')).toEqual({ items: [{ metadata: { name: 'x'.repeat(1000) } }] });
      expect(await plain.get<{ items: unknown[] }>('/api/v1/pods')).toEqual({ items: [{ metadata: { name: 'x'.repeat(1000) } }] });
      expect(seen).toEqual(['gzip', undefined]);
    } finally {
      gz.close();
      plain.close();
      await s.close();
    }
  });

  it('sends a JSON body with its content type (the webhook writes Secrets, Leases, patches)', async () => {
    let got = '';
    let type = '';
    const s = await https((req, res) => {
      type = req.headers['content-type'] ?? '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (got += c));
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
    const c = client(s.url);
    try {
      expect(await c.call('PATCH', '/apis/x', [{ op: 'add', path: '/a', value: 1 }], 'application/json-patch+json')).toEqual({ ok: true });
      expect([type, JSON.parse(got)]).toEqual(['application/json-patch+json', [{ op: 'add', path: '/a', value: 1 }]]);
    } finally {
      c.close();
      await s.close();
    }
  });
});

describe('credentials over time', () => {
  it('runs an exec plugin again after a 401 and retries once; keeps an unexpired credential', async () => {
    const count = join(dir, 'count');
    writeFileSync(count, '0');
    const script = join(dir, 'rotating');
    // Each run hands out the next token; the server takes only token-2 and later.
    writeFileSync(
      script,
      `#!/bin/sh\nn=$(( $(cat ${count}) + 1 ))\necho $n > ${count}\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"token-%s","expirationTimestamp":"2999-01-01T00:00:00Z"}}' $n\n`,
    );
    chmodSync(script, 0o755);
    const auths: string[] = [];
    const s = await https((req, res) => {
      auths.push(req.headers.authorization ?? '');
      if (req.headers.authorization === 'Bearer token-1')
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"kind":"Status","code":401,"message":"Unauthorized"}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    const exec = {
      command: script,
      args: [],
      env: [],
      apiVersion: 'client.authentication.k8s.io/v1',
      provideClusterInfo: false,
      interactiveMode: 'Never' as const,
      user: 'u',
    };
    const c = client(s.url, {}, { auth: { exec } });
    try {
      await c.get('/version');
      await c.get('/version');
      expect(auths).toEqual(['Bearer token-1', 'Bearer token-2', 'Bearer token-2']);
      expect(readFileSync(count, 'utf8').trim()).toBe('2');
    } finally {
      c.close();
      await s.close();
    }
  });

  it('reads a token file again once a minute (a rotated ServiceAccount token)', async () => {
    const tokenFile = join(dir, 'sa-token');
    writeFileSync(tokenFile, 'first\n');
    const auths: string[] = [];
    const s = await https((req, res) => {
      auths.push(req.headers.authorization ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    let now = 0;
    const c = client(s.url, { now: () => now }, { auth: { tokenFile } });
    try {
      await c.get('/version');
      writeFileSync(tokenFile, 'second\n');
      now = 30_000;
      await c.get('/version');
      now = 61_000;
      await c.get('/version');
      expect(auths).toEqual(['Bearer first', 'Bearer first', 'Bearer second']);
    } finally {
      c.close();
      await s.close();
    }
  });
});
