// A lean HTTP gateway to the API server: GET as JSON, watch as a stream of events, a log as a
// stream of text and PATCH (the one write, `rollout status --undo-on-failure`), over one
// keep-alive agent carrying the kubeconfig's credentials. Raw JSON in and out (no typed models,
// which cost start-up time and drop fields). Errors keep the API server's status code and body,
// the shape describeKubeError reads.
import type { CliError } from '../lib/errors.js';
import type { Kube } from './client.js';

/** An API error: `code` is the HTTP status, `body` the API server's Status JSON text. */
export class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
    path: string,
  ) {
    super(`${path}: HTTP ${code}${statusMessage(body) ? `: ${statusMessage(body)}` : ''}`);
    this.name = 'HttpError';
  }
}

function statusMessage(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { message?: string }).message;
  } catch {
    return undefined;
  }
}

/** The types of watch events the API server sends. */
export const WatchEventType = { Added: 'ADDED', Modified: 'MODIFIED', Deleted: 'DELETED', Bookmark: 'BOOKMARK', Error: 'ERROR' } as const;
export type WatchEventType = (typeof WatchEventType)[keyof typeof WatchEventType];

/** One watch event as the API server sends it (BOOKMARK and ERROR included). */
export interface WatchEvent<T = unknown> {
  type: WatchEventType;
  object: T;
}

/** The patch types the API server takes (the Content-Type of a PATCH). */
export const PatchType = { json: 'application/json-patch+json', merge: 'application/merge-patch+json' } as const;
export type PatchType = (typeof PatchType)[keyof typeof PatchType];

export interface Rest {
  /** GET a path (with query) and parse the JSON body; non-2xx throws HttpError. */
  get<T>(path: string, query?: Record<string, string | undefined>): Promise<T>;
  /** GET a path whose body is text (a container's log); non-2xx throws HttpError. Aborting the
   * signal rejects it (a kubelet that does not answer). */
  getText(path: string, query?: Record<string, string | undefined>, signal?: AbortSignal): Promise<string>;
  /**
   * Opens a watch and calls onEvent per event until the stream ends (resolves) or fails
   * (rejects; a non-200 answer is an HttpError). Aborting the signal ends it quietly.
   */
  watch<T>(path: string, query: Record<string, string | undefined>, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal): Promise<void>;
  /**
   * GETs a path as text (a pod's log), calling onText per chunk until the stream ends (resolves)
   * or fails (rejects; a non-200 answer is an HttpError). Aborting the signal ends it quietly.
   */
  stream(path: string, query: Record<string, string | undefined>, onText: (text: string) => void, signal: AbortSignal): Promise<void>;
  /** PATCHes a path with `body` of the patch type (JSON Patch, merge patch) and parses the answer; non-2xx throws HttpError. */
  patch<T>(path: string, body: unknown, type: PatchType, query?: Record<string, string | undefined>): Promise<T>;
  /** Closes idle keep-alive sockets so the process can exit. */
  close(): void;
}

function url(server: string, path: string, query: Record<string, string | undefined> = {}): URL {
  const u = new URL(server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, v);
  return u;
}

async function readAll(res: import('node:http').IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  for await (const chunk of res as AsyncIterable<string>) text += chunk;
  return text;
}

/** Reads a watch stream, one JSON event a line, until it ends. */
async function readEvents<T>(res: import('node:http').IncomingMessage, onEvent: (e: WatchEvent<T>) => void): Promise<void> {
  res.setEncoding('utf8');
  let buf = '';
  for await (const chunk of res as AsyncIterable<string>) {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
    }
  }
}

type Send = (u: URL, signal?: AbortSignal, write?: { body: string; type: PatchType }) => Promise<import('node:http').IncomingMessage>;

async function streamText(request: Send, u: URL, onText: (text: string) => void, signal: AbortSignal): Promise<void> {
  try {
    const res = await request(u, signal);
    if (res.statusCode !== 200) throw new HttpError(res.statusCode ?? 0, await readAll(res), u.pathname);
    res.setEncoding('utf8');
    for await (const chunk of res as AsyncIterable<string>) onText(chunk);
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  }
}

async function getText(request: Send, u: URL, path: string, signal?: AbortSignal): Promise<string> {
  const res = await request(u, signal);
  const text = await readAll(res);
  if (!res.statusCode || res.statusCode >= 300) throw new HttpError(res.statusCode ?? 0, text, path);
  return text;
}

async function patchJson<T>(request: Send, u: URL, body: unknown, type: PatchType): Promise<T> {
  const res = await request(u, undefined, { body: JSON.stringify(body), type });
  const text = await readAll(res);
  if (!res.statusCode || res.statusCode >= 300) throw new HttpError(res.statusCode ?? 0, text, u.pathname);
  return JSON.parse(text) as T;
}

/** The gateway for a loaded kubeconfig (credentials resolved once, exec plugins included). */
export async function createRest(kube: Kube): Promise<Rest> {
  const server = kube.server;
  const isHttps = server.startsWith('https:');
  const http = isHttps ? await import('node:https') : await import('node:http');
  const t = await kube.transport();
  const agent = isHttps
    ? new (http as typeof import('node:https')).Agent({
        keepAlive: true,
        ...(t.ca ? { ca: t.ca } : {}),
        ...(t.cert ? { cert: t.cert } : {}),
        ...(t.key ? { key: t.key } : {}),
        rejectUnauthorized: t.rejectUnauthorized,
        ...(t.servername ? { servername: t.servername } : {}),
      })
    : new (http as typeof import('node:http')).Agent({ keepAlive: true });
  const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'kubectl-paas', ...t.headers };

  const request: Send = (u, signal, write) => {
    return new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const method = write ? 'PATCH' : 'GET';
      const req = http.request(u, { method, agent, headers: write ? { ...headers, 'Content-Type': write.type } : headers, signal }, resolve);
      req.on('error', reject);
      req.end(write?.body);
    });
  };

  return {
    async get<T>(path: string, query?: Record<string, string | undefined>): Promise<T> {
      const res = await request(url(server, path, query));
      const text = await readAll(res);
      if (!res.statusCode || res.statusCode >= 300) throw new HttpError(res.statusCode ?? 0, text, path);
      return JSON.parse(text) as T;
    },

    getText: (path, query, signal) => getText(request, url(server, path, query), path, signal),

    async watch<T>(path: string, query: Record<string, string | undefined>, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal) {
      let res: import('node:http').IncomingMessage;
      try {
        res = await request(url(server, path, { ...query, watch: 'true' }), signal);
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      }
      if (res.statusCode !== 200) throw new HttpError(res.statusCode ?? 0, await readAll(res), path);
      try {
        await readEvents(res, onEvent);
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      }
    },

    stream: (path, query, onText, signal) => streamText(request, url(server, path, query), onText, signal),

    patch: <T>(path: string, body: unknown, type: PatchType, query?: Record<string, string | undefined>) =>
      patchJson<T>(request, url(server, path, query), body, type),

    close() {
      agent.destroy();
    },
  };
}

/** A live connection: the loaded kubeconfig and the gateway over its credentials. */
export interface Connection {
  kube: Kube;
  rest: Rest;
}

/** The Kubernetes edge a command runs against; the real one is `connect(flags)` and describeKubeError. */
export interface KubeEdge {
  connect(): Promise<Connection>;
  /** Translates an API or network error into the one-line message about `what`. */
  describeError(err: unknown, kube: Kube, what: string): CliError;
}

/** loadKube then createRest, with credential failures (exec plugin, unreadable key) as one line. */
export async function connect(flags: import('./client.js').KubeFlags, env: import('./client.js').KubeEnv): Promise<Connection> {
  const { loadKube, describeKubeError } = await import('./client.js');
  const kube = await loadKube(flags, env);
  try {
    return { kube, rest: await createRest(kube) };
  } catch (err) {
    throw describeKubeError(err, kube, 'credentials');
  }
}
