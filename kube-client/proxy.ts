// Which proxy a request goes through, decided as kubectl decides it: a cluster's `proxy-url`
// always (loopback included); otherwise Go's http.ProxyFromEnvironment (golang.org/x/net's
// httpproxy, as vendored in Go's standard library): HTTPS_PROXY/https_proxy for https servers,
// HTTP_PROXY/http_proxy for http ones (upper case first, as kubectl reads them), never for localhost or a loopback address, and not for a host NO_PROXY
// matches. Pure: the environment comes in as a record.
import { isIP } from 'node:net';

/** A proxy to go through: its URL (http:, https: or socks5:). */
export type Proxy = URL;

/** The proxy settings of the environment, as Go reads them once per process. */
export interface ProxyEnv {
  httpProxy?: URL;
  httpsProxy?: URL;
  noProxy: string;
  /** REQUEST_METHOD is set: a CGI script, where HTTP_PROXY may be an attacker's header (golang.org/s/cgihttpproxy). */
  cgi: boolean;
}

const first = (env: Readonly<Record<string, string | undefined>>, ...names: string[]): string => names.map((n) => env[n]).find((v) => v) ?? '';

/** A proxy setting as Go parses it: a bare host:port means http://host:port; unparsable is no proxy. */
function parseProxy(text: string): URL | undefined {
  if (!text) return undefined;
  try {
    const u = new URL(text);
    // "host:port" parses as scheme "host:"; Go then tries http://.
    if (u.host) return u;
  } catch {
    // tried below with http://
  }
  try {
    return new URL(`http://${text}`);
  } catch {
    return undefined;
  }
}

/** The proxy environment (Go's httpproxy.FromEnvironment). */
export function proxyEnv(env: Readonly<Record<string, string | undefined>>): ProxyEnv {
  const httpProxy = parseProxy(first(env, 'HTTP_PROXY', 'http_proxy'));
  const httpsProxy = parseProxy(first(env, 'HTTPS_PROXY', 'https_proxy'));
  return {
    ...(httpProxy ? { httpProxy } : {}),
    ...(httpsProxy ? { httpsProxy } : {}),
    noProxy: first(env, 'NO_PROXY', 'no_proxy'),
    cgi: (env.REQUEST_METHOD ?? '') !== '',
  };
}

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443', 'socks5:': '1080' };

/** An IP address (v4, v6 without brackets) as 16 bytes (v4 mapped), or undefined for a name. */
function ipBytes(host: string): number[] | undefined {
  const kind = isIP(host);
  if (kind === 4) return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...host.split('.').map(Number)];
  if (kind !== 6) return undefined;
  let text = host;
  let tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    tail = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').filter((g) => g !== '') : []);
  const h = groups(head);
  const r = groups(rest);
  const all = rest === undefined ? h : [...h, ...Array<string>(8 - h.length - r.length).fill('0'), ...r];
  const bytes = all.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

function isLoopback(ip: number[]): boolean {
  const v4 = ip.slice(0, 12).every((b, i) => (i < 10 ? b === 0 : b === 0xff));
  if (v4) return ip[12] === 127;
  return ip.slice(0, 15).every((b) => b === 0) && ip[15] === 1;
}

const sameIp = (a: number[], b: number[]) => a.every((x, i) => x === b[i]);

function inCidr(ip: number[], cidr: string): boolean | undefined {
  const slash = cidr.indexOf('/');
  const net = ipBytes(cidr.slice(0, slash));
  const bits = Number(cidr.slice(slash + 1));
  if (!net || !Number.isInteger(bits)) return undefined;
  const isV4 = isIP(cidr.slice(0, slash)) === 4;
  if (isV4 && bits > 32) return undefined;
  const total = isV4 ? bits + 96 : bits;
  if (total > 128) return undefined;
  for (let i = 0; i < total; i++) {
    const bit = (b: number[]) => (b[i >> 3]! >> (7 - (i & 7))) & 1;
    if (bit(ip) !== bit(net)) return false;
  }
  return true;
}

/** One NO_PROXY entry against host:port (Go's ipMatch, cidrMatch and domainMatch). */
function entryMatches(entry: string, host: string, port: string, ip: number[] | undefined): boolean {
  if (entry.includes('/')) {
    return ip !== undefined && inCidr(ip, entry) === true;
  }
  let eHost = entry;
  let ePort = '';
  const hp = /^(\[[^\]]*\]|[^:]*):(\d*)$/.exec(entry);
  if (hp) {
    eHost = hp[1]!.replace(/^\[(.*)\]$/, '$1');
    ePort = hp[2]!;
    if (!eHost) return false;
  }
  const eIp = ipBytes(eHost);
  if (eIp) return ip !== undefined && sameIp(eIp, ip) && (ePort === '' || ePort === port);
  if (ip || !eHost) return false;
  if (eHost.startsWith('*.')) eHost = eHost.slice(1);
  const matchHost = !eHost.startsWith('.');
  const suffix = matchHost ? `.${eHost}` : eHost;
  return (host.endsWith(suffix) || (matchHost && host === eHost)) && (ePort === '' || ePort === port);
}

/** Whether Go would send a request for host:port through a proxy, given NO_PROXY (useProxy). */
export function useProxy(hostname: string, port: string, noProxy: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost') return false;
  const ip = ipBytes(host);
  if (ip && isLoopback(ip)) return false;
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return false;
    if (entryMatches(entry, host, port, ip)) return false;
  }
  return true;
}

/** The proxy for a request to `target`: the cluster's proxy-url, else the environment's; undefined: direct. */
export function proxyFor(target: URL, proxyUrl: string | undefined, env: ProxyEnv): Proxy | undefined {
  if (proxyUrl) return new URL(proxyUrl);
  const proxy = target.protocol === 'https:' ? env.httpsProxy : target.protocol === 'http:' && !env.cgi ? env.httpProxy : undefined;
  if (!proxy) return undefined;
  const port = target.port || DEFAULT_PORT[target.protocol] || '';
  return useProxy(target.hostname, port, env.noProxy) ? proxy : undefined;
}
