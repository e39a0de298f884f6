// Opening one connection to the API server, every step bounded: TCP to the server or to its
// proxy, the proxy's tunnel (HTTP CONNECT over http: or https:, or SOCKS5), then TLS. Each failure
// is a KubeError naming the server (and the proxy), as the catalogue words it.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { KubeError, KubeErrorKind } from './errors.js';
import type { Bounds } from './bounds.js';
import { goDuration } from './duration.js';
import type { Proxy } from './proxy.js';

/** TLS towards the API server. */
export interface TlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  insecure: boolean;
  /** The name to verify (and send as SNI), when not the server's host (tls-server-name). */
  serverName?: string;
}

/** Where to connect and how. */
export interface Target {
  /** The server's URL, for messages (and its host and port). */
  server: URL;
  proxy?: Proxy;
  tls?: TlsOptions;
  bounds: Bounds;
}

const unreachable = (server: URL, detail: string, cause?: unknown) =>
  new KubeError(KubeErrorKind.Unreachable, `cannot reach the cluster at ${server.origin}${detail}`, { cause });
const timeout = (server: URL, detail: string) => new KubeError(KubeErrorKind.Timeout, `cannot reach the cluster at ${server.origin}: ${detail}`);

/** A socket error as the catalogue words it: the code, then Node's message. */
export function networkError(server: URL, err: unknown, via?: Proxy): KubeError {
  if (err instanceof KubeError) return err;
  const e = err as NodeJS.ErrnoException;
  const proxy = via ? ` through the proxy ${via.protocol}//${via.host}` : '';
  return unreachable(server, `${proxy} (${e.code ?? 'error'}): ${e.message}`, err);
}

/**
 * Runs `step` with a bound: destroys `socket` and rejects with `onTimeout()` when it runs out.
 * A socket closed meanwhile (the client closed while connecting) rejects at once, so no timer
 * keeps the process alive after the command has ended.
 */
function bounded<T>(socket: Socket, ms: number, onTimeout: () => KubeError, step: (resolve: (v: T) => void, reject: (e: unknown) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const e = onTimeout();
      socket.destroy(e);
      reject(e);
    }, ms);
    const onClose = () => {
      clearTimeout(timer);
      reject(Object.assign(new Error('the connection was closed while it opened'), { name: 'AbortError' }));
    };
    socket.once('close', onClose);
    const done =
      <A>(f: (a: A) => void) =>
      (a: A) => {
        clearTimeout(timer);
        socket.removeListener('close', onClose);
        f(a);
      };
    step(done(resolve), done(reject));
  });
}

const hostOf = (u: URL) => u.hostname.replace(/^\[(.*)\]$/, '$1');
const portOf = (u: URL, fallback: number) => (u.port ? Number(u.port) : fallback);

/** TCP to host:port, bounded by connectMs. */
function tcp(t: Target, host: string, port: number, what: string, track: (s: Socket) => void): Promise<Socket> {
  const socket = netConnect({ host, port });
  track(socket);
  return bounded(
    socket,
    t.bounds.connectMs,
    () => timeout(t.server, `no TCP connection to ${what} within ${goDuration(t.bounds.connectMs)}`),
    (resolve, reject) => {
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    },
  );
}

/** TLS over `socket`, verifying `name` (the server's host, or tls-server-name; an https proxy's host). */
function tls(t: Target, socket: Socket, peer: { name: string; opts: TlsOptions | undefined; what: string }, track: (s: Socket) => void): Promise<TLSSocket> {
  const { name, opts, what } = peer;
  const secure = tlsConnect({
    socket,
    host: name,
    ...(isIP(name) ? {} : { servername: name }),
    ALPNProtocols: ['http/1.1'],
    ...(opts?.ca ? { ca: opts.ca } : {}),
    ...(opts?.cert ? { cert: opts.cert } : {}),
    ...(opts?.key ? { key: opts.key } : {}),
    rejectUnauthorized: !opts?.insecure,
  });
  track(secure);
  return bounded(
    secure,
    t.bounds.tlsMs,
    () => timeout(t.server, `the TLS handshake with ${what} did not finish within ${goDuration(t.bounds.tlsMs)}`),
    (resolve, reject) => {
      secure.once('secureConnect', () => {
        secure.removeListener('error', reject);
        resolve(secure);
      });
      secure.once('error', reject);
    },
  );
}

/** Reads from `socket` until `enough(buffer)` says how many bytes make the answer. */
function readAnswer(socket: Socket, enough: (b: Buffer) => number | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const n = enough(buf);
      if (n === undefined) return;
      cleanup();
      if (buf.length > n) socket.unshift(buf.subarray(n));
      resolve(buf.subarray(0, n));
    };
    const onEnd = () => {
      cleanup();
      reject(Object.assign(new Error('the proxy closed the connection'), { code: 'ECONNRESET' }));
    };
    const cleanup = () => {
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('error', reject);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', reject);
  });
}

/** The Proxy-Authorization a proxy URL's user and password ask for. */
export function proxyAuthorization(proxy: Proxy): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  return `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
}

/** An HTTP CONNECT tunnel to the server through an http: or https: proxy. */
async function connectTunnel(t: Target, socket: Socket, proxy: Proxy, host: string, port: number): Promise<Socket> {
  const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const auth = proxyAuthorization(proxy);
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ''}\r\n`);
  const head = await bounded<Buffer>(
    socket,
    t.bounds.tlsMs,
    () => timeout(t.server, `the proxy ${proxy.host} did not answer CONNECT within ${goDuration(t.bounds.tlsMs)}`),
    (resolve, reject) => {
      readAnswer(socket, (b) => {
        const end = b.indexOf('\r\n\r\n');
        return end < 0 ? undefined : end + 4;
      }).then(resolve, reject);
    },
  );
  const status = /^HTTP\/1\.[01] (\d{3})([^\r\n]*)/.exec(head.toString('latin1'));
  if (status?.[1] !== '200') {
    socket.destroy();
    throw unreachable(
      t.server,
      `: the proxy ${proxy.protocol}//${proxy.host} refused the tunnel to ${authority}: ${status ? `${status[1]}${status[2]}` : 'not an HTTP answer'}`,
    );
  }
  return socket;
}

const SOCKS_REPLIES: Record<number, string> = {
  1: 'general failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

/** A SOCKS5 CONNECT (RFC 1928; user/password of RFC 1929 when the URL has them); the proxy resolves names. */
async function socksTunnel(t: Target, socket: Socket, proxy: Proxy, host: string, port: number): Promise<Socket> {
  const refuse = (why: string) => {
    socket.destroy();
    return unreachable(t.server, `: the SOCKS5 proxy ${proxy.host} refused the tunnel to ${host}:${port}: ${why}`);
  };
  const step = (send: Buffer, need: (b: Buffer) => number | undefined) =>
    bounded(
      socket,
      t.bounds.tlsMs,
      () => timeout(t.server, `the SOCKS5 proxy ${proxy.host} did not answer within ${goDuration(t.bounds.tlsMs)}`),
      (resolve: (b: Buffer) => void, reject) => {
        socket.write(send);
        readAnswer(socket, need).then(resolve, reject);
      },
    );
  const user = decodeURIComponent(proxy.username);
  const pass = decodeURIComponent(proxy.password);
  const method = (await step(Buffer.from(user ? [5, 2, 0, 2] : [5, 1, 0]), (b) => (b.length >= 2 ? 2 : undefined)))[1];
  if (method === 2) {
    const u = Buffer.from(user);
    const p = Buffer.from(pass);
    const ok = await step(Buffer.concat([Buffer.from([1, u.length]), u, Buffer.from([p.length]), p]), (b) => (b.length >= 2 ? 2 : undefined));
    if (ok[1] !== 0) throw refuse('username/password rejected');
  } else if (method !== 0) throw refuse('no acceptable authentication method');
  const kind = isIP(host);
  const addr =
    kind === 4
      ? Buffer.from([1, ...host.split('.').map(Number)])
      : kind === 6
        ? Buffer.concat([Buffer.from([4]), ipv6Bytes(host)])
        : Buffer.concat([Buffer.from([3, Buffer.byteLength(host)]), Buffer.from(host)]);
  const reply = await step(Buffer.concat([Buffer.from([5, 1, 0]), addr, Buffer.from([port >> 8, port & 0xff])]), socksReplyLength);
  if (reply[1] !== 0) throw refuse(SOCKS_REPLIES[reply[1]!] ?? `reply ${reply[1]}`);
  return socket;
}

function socksReplyLength(b: Buffer): number | undefined {
  if (b.length < 5) return undefined;
  const len = b[3] === 1 ? 4 : b[3] === 4 ? 16 : 1 + b[4]!;
  return b.length >= 4 + len + 2 ? 4 + len + 2 : undefined;
}

function ipv6Bytes(host: string): Buffer {
  const [head, tail] = host.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const r = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - r.length).fill('0'), ...r];
  return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

/** How a request reaches the server through a proxy: a tunnel, or (plain http through an http proxy) the proxy itself. */
export const ProxyMode = { Direct: 'direct', Tunnel: 'tunnel', Forward: 'forward' } as const;
export type ProxyMode = (typeof ProxyMode)[keyof typeof ProxyMode];

export function proxyMode(server: URL, proxy: Proxy | undefined): ProxyMode {
  if (!proxy) return ProxyMode.Direct;
  return server.protocol === 'http:' && proxy.protocol !== 'socks5:' ? ProxyMode.Forward : ProxyMode.Tunnel;
}

/** A connected (and, for https, TLS-established) socket to the server, every step bounded. */
export async function openConnection(t: Target, track: (s: Socket) => void): Promise<Socket> {
  const host = hostOf(t.server);
  const port = portOf(t.server, t.server.protocol === 'https:' ? 443 : 80);
  const proxy = t.proxy;
  try {
    let socket: Socket;
    if (!proxy) socket = await tcp(t, host, port, t.server.host, track);
    else {
      const pHost = hostOf(proxy);
      const pPort = portOf(proxy, proxy.protocol === 'https:' ? 443 : proxy.protocol === 'socks5:' ? 1080 : 80);
      socket = await tcp(t, pHost, pPort, `the proxy ${proxy.host}`, track);
      if (proxy.protocol === 'https:') socket = await tls(t, socket, { name: pHost, opts: undefined, what: `the proxy ${proxy.host}` }, track);
      if (proxyMode(t.server, proxy) === ProxyMode.Forward) return socket;
      socket = proxy.protocol === 'socks5:' ? await socksTunnel(t, socket, proxy, host, port) : await connectTunnel(t, socket, proxy, host, port);
    }
    if (t.server.protocol !== 'https:') return socket;
    return await tls(t, socket, { name: t.tls?.serverName ?? host, opts: t.tls, what: t.server.host }, track);
  } catch (err) {
    throw networkError(t.server, err, proxy);
  }
}
