// Loopback servers for tests of the access layer: an HTTPS API server that records what each
// request carried (path, credentials, impersonation, client certificate, SNI), a CONNECT proxy
// and a SOCKS5 proxy that count the tunnels they open (always to 127.0.0.1), and a server that
// accepts connections and never answers.
import { once } from 'node:events';
import { createServer as createHttps, type Server as HttpsServer } from 'node:https';
import { createServer as createHttp, type IncomingMessage } from 'node:http';
import { connect, createServer as createTcp, type Server as TcpServer, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Pki } from './pki.js';

/** What the API server saw of one request. */
export interface Seen {
  server: string;
  method: string;
  path: string;
  authorization?: string;
  impersonate: Record<string, string>;
  clientCN?: string;
  sni?: string;
  acceptEncoding?: string;
}

export interface ApiServer {
  name: string;
  url: string;
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

function record(name: string, req: IncomingMessage): Seen {
  const sock = req.socket as TLSSocket;
  const peer = typeof sock.getPeerCertificate === 'function' ? sock.getPeerCertificate() : undefined;
  const impersonate: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('impersonate-')) impersonate[k] = String(v);
  return {
    server: name,
    method: req.method ?? '',
    path: req.url ?? '',
    ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    impersonate,
    ...(peer?.subject?.CN ? { clientCN: String(peer.subject.CN) } : {}),
    ...(sock.servername ? { sni: sock.servername } : {}),
    ...(req.headers['accept-encoding'] ? { acceptEncoding: String(req.headers['accept-encoding']) } : {}),
  };
}

/** An HTTPS server answering every request with `answer` (JSON), recording each request. */
export async function apiServer(
  name: string,
  pki: Pki,
  answer: (req: IncomingMessage) => { status: number; body: unknown } = () => ({ status: 200, body: { major: '1', minor: '37', gitVersion: 'v1.37.2' } }),
): Promise<ApiServer> {
  const seen: Seen[] = [];
  const srv: HttpsServer = createHttps({ cert: pki.server.cert, key: pki.server.key, ca: pki.ca, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    seen.push(record(name, req));
    const a = answer(req);
    res.writeHead(a.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(a.body));
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  return {
    name,
    url: `https://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

export interface Proxy {
  url: string;
  /** host:port of every tunnel opened, in order. */
  tunnels: string[];
  close(): Promise<void>;
}

/** Pipes a client socket to 127.0.0.1:port (whatever host the client asked for: names are the proxy's to resolve). */
function pipeTo(client: Socket, port: number, first: Buffer, ok: Buffer): void {
  const upstream = connect({ host: '127.0.0.1', port }, () => {
    client.write(ok);
    if (first.length) upstream.write(first);
    client.pipe(upstream).pipe(client);
  });
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
}

/** An HTTP CONNECT proxy; only tunnels (the API server is https). */
export async function connectProxy(): Promise<Proxy> {
  const tunnels: string[] = [];
  const srv = createHttp((_req, res) => {
    res.writeHead(405).end();
  });
  srv.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const port = Number(/:(\d+)$/.exec(req.url ?? '')?.[1]);
    pipeTo(client, port, head, Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n'));
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return {
    url: `http://127.0.0.1:${(srv.address() as { port: number }).port}`,
    tunnels,
    close: () =>
      new Promise((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

/** A SOCKS5 proxy without authentication (RFC 1928, CONNECT only). */
export async function socksProxy(): Promise<Proxy> {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const srv: TcpServer = createTcp((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let buf = Buffer.alloc(0);
    let greeted = false;
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (!greeted) {
        if (buf.length < 2 || buf.length < 2 + buf[1]!) return;
        buf = buf.subarray(2 + buf[1]!);
        greeted = true;
        client.write(Buffer.from([5, 0]));
      }
      if (buf.length < 5) return;
      const atyp = buf[3];
      const len = atyp === 1 ? 4 : atyp === 4 ? 16 : 1 + buf[4]!;
      if (buf.length < 4 + len + 2) return;
      const host = atyp === 3 ? buf.subarray(5, 5 + buf[4]!).toString() : atyp === 1 ? [...buf.subarray(4, 8)].join('.') : 'ipv6';
      const port = buf.readUInt16BE(4 + len);
      tunnels.push(`${host}:${port}`);
      client.removeListener('data', onData);
      pipeTo(client, port, buf.subarray(4 + len + 2), Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
    };
    client.on('data', onData);
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return {
    url: `socks5://127.0.0.1:${(srv.address() as { port: number }).port}`,
    tunnels,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

/** A server that accepts TCP connections and never sends a byte. */
export async function silentServer(): Promise<{ url: string; accepted: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const srv = createTcp((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => s.destroy());
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return {
    url: `https://127.0.0.1:${(srv.address() as { port: number }).port}`,
    accepted: () => accepted,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}
