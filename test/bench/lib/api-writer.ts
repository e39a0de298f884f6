// The admission bench's one client of the API server: one HTTPS agent with keep-alive connections,
// as a controller holds them (client-go keeps its connections; here one per request in flight, so
// no write waits for a socket), credentials from the kubeconfig as kubectl reads it
// (kube-client/), and every request timed on the client with process.hrtime.bigint(): from just
// before it is sent to the last byte of the answer, the body already serialized.
import { Agent, request } from 'node:https';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { loadConfig } from '../../../kube-client/load.js';
import type { Source } from '../../../kube-client/kubeconfig.js';

/** An answer: its status, its body, and how long it took. */
export interface Timed {
  status: number;
  body: string;
  ms: number;
}

export interface ApiClient {
  /** Sends one request on a kept-alive connection; resolves the answer whatever its status. */
  send(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: string, contentType?: string): Promise<Timed>;
  /** As send, and the parsed JSON of a 2xx answer; any other status throws with the API server's words. */
  json<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, contentType?: string): Promise<T>;
  /** Ends every connection. */
  close(): void;
}

async function read(src: Source | undefined): Promise<string | undefined> {
  if (!src) return undefined;
  return 'data' in src ? src.data : readFile(src.file, 'utf8');
}

/** A client for the cluster of `kubeconfig`, with up to `sockets` connections kept open. */
export async function apiClient(kubeconfig: string, sockets: number): Promise<ApiClient> {
  const config = await loadConfig({ kubeconfig }, process.env, homedir());
  const server = new URL(config.server);
  const [ca, cert, key] = await Promise.all([read(config.ca), read(config.auth.cert), read(config.auth.key)]);
  const token = config.auth.token ?? (config.auth.tokenFile ? (await readFile(config.auth.tokenFile, 'utf8')).trim() : undefined);
  const agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, ca, cert, key, servername: config.tlsServerName });
  const prefix = server.pathname.replace(/\/$/, '');

  const send: ApiClient['send'] = (method, path, body, contentType = 'application/json') =>
    new Promise((done, fail) => {
      const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'paas-bench-admission' };
      if (token) headers.Authorization = `Bearer ${token}`;
      if (body !== undefined) {
        headers['Content-Type'] = contentType;
        headers['Content-Length'] = String(Buffer.byteLength(body));
      }
      const start = process.hrtime.bigint();
      const req = request({ agent, host: server.hostname, port: server.port || 443, method, path: prefix + path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms });
        });
        res.on('error', fail);
      });
      req.on('error', fail);
      req.end(body);
    });

  return {
    send,
    async json<T>(method: Parameters<ApiClient['send']>[0], path: string, body?: unknown, contentType?: string): Promise<T> {
      const r = await send(method, path, body === undefined ? undefined : JSON.stringify(body), contentType);
      if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body.slice(0, 500)}`);
      return JSON.parse(r.body) as T;
    },
    close: () => agent.destroy(),
  };
}
