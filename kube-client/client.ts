// The one Kubernetes client of both binaries: JSON over HTTP/1.1 with keep-alive, raw JSON in and
// out (no typed models: they cost start-up time and drop fields). It carries a resolved
// kubeconfig's credentials (token, token file, client certificate, basic, exec plugin,
// auth-provider), impersonation and proxy, asks for gzip unless the cluster disables compression,
// and bounds every step (bounds.ts): a call either answers or fails with one line naming the server.
import { request as httpRequest, Agent, type ClientRequest, type ClientRequestArgs, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { DEFAULT_BOUNDS, WATCH_SERVER_SECONDS, type Bounds } from './bounds.js';
import { goDuration } from './duration.js';
import { networkError, openConnection, proxyAuthorization, proxyMode, ProxyMode, type TlsOptions } from './connect.js';
import { HttpError, KubeError, KubeErrorKind } from './errors.js';
import { ExecCredentials, type ExecCluster, type ExecResult } from './exec-credential.js';
import type { ResolvedConfig, Source } from './kubeconfig.js';
import { proxyEnv, proxyFor, type Proxy } from './proxy.js';

/** The types of watch events the API server sends. */
export const WatchEventType = { Added: 'ADDED', Modified: 'MODIFIED', Deleted: 'DELETED', Bookmark: 'BOOKMARK', Error: 'ERROR' } as const;
export type WatchEventType = (typeof WatchEventType)[keyof typeof WatchEventType];

/** One watch event as the API server sends it (BOOKMARK and ERROR included). */
export interface WatchEvent<T = unknown> {
  type: WatchEventType;
  object: T;
}

export type Query = Record<string, string | undefined>;

/** A bound on a whole command (kubectl paas rollout status --timeout): when `signal` aborts, every call ends. */
export interface Deadline {
  signal: AbortSignal;
  /** The bound in words, e.g. `--timeout 3s`. */
  what: string;
}

/** What the process gives the client. */
export interface ClientOptions {
  env: Readonly<Record<string, string | undefined>>;
  userAgent: string;
  /** --request-timeout in ms; 0: none (the bounds still hold). */
  requestTimeoutMs?: number;
  bounds?: Partial<Bounds>;
  deadline?: Deadline;
  /** Exec plugins: whether standard input is a terminal, and where their stderr goes. */
  stdinIsTTY?: boolean;
  execStderr?: 'inherit' | 'ignore';
  now?: () => number;
}

/** How often a tokenFile is read again (client-go's cached file token source). */
const TOKEN_FILE_TTL_MS = 60_000;
/** A non-interactive exec plugin that runs longer is stopped. */
const EXEC_TIMEOUT_MS = 60_000;

const SOURCE_WHAT = { ca: 'certificate authority', cert: 'client certificate', key: 'client key', token: 'token file' } as const;

async function readSource(src: Source | undefined, what: string): Promise<string | undefined> {
  if (!src) return undefined;
  if ('data' in src) return src.data;
  try {
    return await readFile(src.file, 'utf8');
  } catch (err) {
    throw new KubeError(KubeErrorKind.Credentials, `cannot read the ${what} ${src.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      cause: err,
    });
  }
}

/** An HTTP agent whose connections open through connect.ts (proxy, TLS, bounds). */
class ConnectingAgent extends Agent {
  private readonly opening = new Set<Socket>();

  constructor(private readonly target: Parameters<typeof openConnection>[0]) {
    super({ keepAlive: true, maxSockets: 8 });
    (this as unknown as { protocol: string }).protocol = target.server.protocol;
  }

  /** Node's Agent takes the socket from the callback when this returns nothing. */
  override createConnection(_options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    openConnection(this.target, (s) => {
      this.opening.add(s);
      s.once('close', () => this.opening.delete(s));
    }).then(
      (s) => callback?.(null, s),
      (err: unknown) => callback?.(err as Error, undefined as unknown as Duplex),
    );
    return undefined;
  }

  /** Ends every connection, the ones still opening included, so the process can exit. */
  override destroy(): void {
    for (const s of this.opening) s.destroy();
    super.destroy();
  }
}

/** Headers, and the exec credential they came from (to refresh it after a 401). */
interface Credentials {
  headers: Record<string, string | string[]>;
  exec?: ExecResult;
}

/** A live client for one resolved configuration. */
export class KubeClient {
  readonly server: string;
  readonly namespace: string;
  readonly context: string;
  readonly source: string;
  private readonly url: URL;
  private readonly proxy: Proxy | undefined;
  private readonly bounds: Bounds;
  private exec: Promise<ExecCredentials> | undefined;
  private agent: ConnectingAgent | undefined;
  private agentCert: string | undefined;
  private ca: Promise<string | undefined> | undefined;
  private tokenFile: { text: string; at: number } | undefined;
  private providerHeader: Promise<string | undefined> | undefined;
  private closed = false;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly options: ClientOptions,
  ) {
    this.server = config.server;
    this.namespace = config.namespace;
    this.context = config.context;
    this.source = config.source;
    this.url = new URL(config.server);
    this.proxy = proxyFor(this.url, config.proxyUrl, proxyEnv(options.env));
    this.bounds = { ...DEFAULT_BOUNDS, ...options.bounds };
  }

  /** GET a path (with query) and parse the JSON body; a non-2xx answer throws HttpError. */
  async get<T>(path: string, query?: Query): Promise<T> {
    return this.call<T>('GET', path, undefined, undefined, query);
  }

  /** GET a path whose body is text (a container's log); a non-2xx answer throws HttpError. Aborting `signal` rejects it. */
  async getText(path: string, query?: Query, signal?: AbortSignal): Promise<string> {
    const { res, end } = await this.open({ method: 'GET', path, query, kind: 'call', ...(signal ? { signal } : {}) });
    try {
      const text = await this.readAll(res, path);
      if (!res.statusCode || res.statusCode >= 300) throw new HttpError(res.statusCode ?? 0, text, path);
      return text;
    } finally {
      end();
    }
  }

  /** PATCH with a body of the patch type's Content-Type; resolves the parsed JSON of a 2xx answer. */
  async patch<T>(path: string, body: unknown, contentType: string, query?: Query): Promise<T> {
    return this.call<T>('PATCH', path, body, contentType, query);
  }

  /** Sends a request with an optional JSON body; resolves the parsed JSON of a 2xx answer. */
  async call<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    contentType = 'application/json',
    query?: Query,
  ): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const { res, end } = await this.open({ method, path, query, payload, contentType, kind: 'call' });
    try {
      const text = await this.readAll(res, path);
      if (!res.statusCode || res.statusCode >= 300) throw new HttpError(res.statusCode ?? 0, text, path);
      return (text ? JSON.parse(text) : undefined) as T;
    } finally {
      end();
    }
  }

  /**
   * Opens a watch and calls onEvent per event until the stream ends (resolves: resume from the last
   * resourceVersion) or fails (rejects; a non-200 answer is an HttpError, a silent stream a
   * KubeError). Aborting `signal` ends it quietly.
   */
  async watch<T>(path: string, query: Query, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    const reqSeconds = this.options.requestTimeoutMs ? Math.ceil(this.options.requestTimeoutMs / 1000) : WATCH_SERVER_SECONDS;
    const q = { ...query, watch: 'true', timeoutSeconds: String(Math.min(WATCH_SERVER_SECONDS, reqSeconds)) };
    await this.lines(path, q, signal, this.bounds.watchSilenceMs, (line) => {
      onEvent(JSON.parse(line) as WatchEvent<T>);
    });
  }

  /**
   * A streaming GET (pods/log with follow=true): each chunk of text as it comes, until the server
   * ends it (resolves) or `signal` aborts (resolves). Connecting and the first byte are bounded;
   * `idleMs` bounds the silence between chunks (default: none, a quiet container is no failure).
   */
  async stream(path: string, query: Query, onChunk: (text: string) => void, signal: AbortSignal, opts: { idleMs?: number } = {}): Promise<void> {
    await this.consume(path, query, signal, opts.idleMs, onChunk);
  }

  /** Closes every connection so the process can exit. */
  close(): void {
    this.closed = true;
    this.agent?.destroy();
  }

  private async lines(path: string, query: Query, signal: AbortSignal, silenceMs: number, onLine: (line: string) => void): Promise<void> {
    let buf = '';
    await this.consume(path, query, signal, silenceMs, (chunk) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) onLine(line);
      }
    });
  }

  /** Reads a long response chunk by chunk until it ends, `signal` aborts or --request-timeout ends it. */
  private async consume(path: string, query: Query, signal: AbortSignal, idleMs: number | undefined, onChunk: (s: string) => void): Promise<void> {
    let opened;
    try {
      opened = await this.open({ method: 'GET', path, query, kind: 'stream', signal });
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    const { res, end } = opened;
    try {
      if (res.statusCode !== 200) throw new HttpError(res.statusCode ?? 0, await this.readAll(res, path), path);
      await this.each(res, idleMs, `the stream of ${path} from ${this.url.origin} went silent for ${goDuration(idleMs ?? 0)}`, onChunk);
    } catch (err) {
      if (signal.aborted || (err as { streamEnded?: boolean }).streamEnded) return;
      throw err;
    } finally {
      end();
    }
  }

  /** Every chunk of a response (gunzipped), each within `idleMs` of the last when given. */
  private async each(res: IncomingMessage, idleMs: number | undefined, silent: string, onChunk: (s: string) => void): Promise<void> {
    const body = await this.decoded(res);
    body.setEncoding('utf8');
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      if (!idleMs) return;
      clearTimeout(timer);
      timer = setTimeout(() => res.destroy(new KubeError(KubeErrorKind.Timeout, silent)), idleMs);
    };
    arm();
    try {
      for await (const chunk of body as AsyncIterable<string>) {
        arm();
        onChunk(chunk);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private async readAll(res: IncomingMessage, path: string): Promise<string> {
    let text = '';
    await this.each(
      res,
      this.bounds.idleMs,
      `${this.url.origin} stopped sending the answer to ${path} for ${goDuration(this.bounds.idleMs)}`,
      (c) => (text += c),
    );
    return text;
  }

  private async decoded(res: IncomingMessage): Promise<Readable> {
    if (res.headers['content-encoding'] !== 'gzip') return res;
    const { createGunzip } = await import('node:zlib');
    const gunzip = createGunzip();
    res.on('error', (err) => gunzip.destroy(err));
    return res.pipe(gunzip);
  }

  /** Sends a request and waits for its status line; retries once on a stale keep-alive socket and after a 401 to a stale exec credential. */
  private async open(r: Req): Promise<Opened> {
    try {
      return await this.attempt(r);
    } catch (err) {
      const d = this.options.deadline;
      if (d?.signal.aborted && !(err instanceof HttpError))
        throw new KubeError(KubeErrorKind.Timeout, `no answer from the cluster at ${this.url.origin} within ${d.what}`, { cause: err });
      throw err;
    }
  }

  private async attempt(r: Req): Promise<Opened> {
    for (let attempt = 0; ; attempt++) {
      const creds = await this.credentials();
      let opened: Opened;
      try {
        opened = await this.send(r, creds);
      } catch (err) {
        if (attempt === 0 && (err as { staleSocket?: boolean }).staleSocket) continue;
        throw err;
      }
      if (opened.res.statusCode === 401 && creds.exec && attempt === 0) {
        opened.res.resume();
        opened.end();
        await (await this.exec!).refresh(creds.exec, this.options.deadline?.signal);
        continue;
      }
      return opened;
    }
  }

  private send(r: Req, creds: Credentials): Promise<Opened> {
    if (this.closed) return Promise.reject(new KubeError(KubeErrorKind.Unreachable, `the client of ${this.url.origin} is closed`));
    const mode = proxyMode(this.url, this.proxy);
    const target = new URL(this.url.pathname.replace(/\/+$/, '') + r.path, this.url.origin);
    for (const [k, v] of Object.entries(r.query ?? {})) if (v !== undefined) target.searchParams.set(k, v);
    const headers: Record<string, string | string[]> = {
      Accept: 'application/json',
      'User-Agent': this.options.userAgent,
      ...(this.config.disableCompression ? {} : { 'Accept-Encoding': 'gzip' }),
      ...creds.headers,
      ...this.impersonationHeaders(),
      ...(r.payload !== undefined ? { 'Content-Type': r.contentType ?? 'application/json', 'Content-Length': String(Buffer.byteLength(r.payload)) } : {}),
    };
    const auth = mode === ProxyMode.Forward && this.proxy ? proxyAuthorization(this.proxy) : undefined;
    if (auth) headers['Proxy-Authorization'] = auth;
    return this.agentFor(creds).then(
      (agent) =>
        new Promise<Opened>((resolve, reject) => {
          const req = httpRequest({
            protocol: this.url.protocol,
            host: this.url.hostname.replace(/^\[(.*)\]$/, '$1'),
            port: this.url.port || (this.url.protocol === 'https:' ? 443 : 80),
            path: mode === ProxyMode.Forward ? target.href : target.pathname + target.search,
            method: r.method,
            headers,
            agent,
          });
          this.bound(req, r, resolve, reject);
          req.end(r.payload);
        }),
    );
  }

  /** Arms the bounds of one request: --request-timeout over all of it, the first byte, the command's deadline, the caller's signal. */
  private bound(req: ClientRequest, r: Req, resolve: (o: Opened) => void, reject: (e: unknown) => void): void {
    const origin = this.url.origin;
    const total = this.options.requestTimeoutMs ?? 0;
    const firstByte = total > 0 ? Math.min(total, this.bounds.firstByteMs) : this.bounds.firstByteMs;
    let response: IncomingMessage | undefined;
    let firstTimer: NodeJS.Timeout | undefined;
    const signals = [r.signal, this.options.deadline?.signal].filter((s): s is AbortSignal => s !== undefined);
    let settled = false;
    const failed = (e: unknown) => {
      end();
      if (settled) return;
      settled = true;
      reject(e);
    };
    // Before the response, the call fails at once: a request still waiting for its connection
    // reports its own destruction only once the connection attempt ends (up to the TLS bound).
    const stop = (e: Error) => {
      if (response) response.destroy(e);
      else {
        req.destroy(e);
        failed(e);
      }
    };
    const onAbort = () => {
      stop(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    };
    const totalTimer =
      total > 0
        ? setTimeout(() => {
            // A watch or log stream that reaches --request-timeout ends as if the server had ended it (kubectl's does).
            if (response && r.kind === 'stream') stop(Object.assign(new Error('--request-timeout'), { streamEnded: true }));
            else stop(new KubeError(KubeErrorKind.Timeout, `the cluster at ${origin} did not answer within ${goDuration(total)} (--request-timeout)`));
          }, total)
        : undefined;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearTimeout(totalTimer);
      clearTimeout(firstTimer);
      for (const s of signals) s.removeEventListener('abort', onAbort);
    };
    for (const s of signals) {
      if (s.aborted) queueMicrotask(onAbort);
      else s.addEventListener('abort', onAbort, { once: true });
    }
    req.once('socket', () => {
      if (total > 0 && firstByte >= total) return;
      const e = new KubeError(KubeErrorKind.Timeout, `the cluster at ${origin} accepted the connection but did not answer within ${goDuration(firstByte)}`);
      firstTimer = setTimeout(stop, firstByte, e);
    });
    req.once('response', (res) => {
      clearTimeout(firstTimer);
      response = res;
      res.once('close', end);
      if (settled) return;
      settled = true;
      resolve({ res, end });
    });
    req.once('error', (err: Error) => {
      failed(this.requestError(err, req, r));
    });
  }

  /** A request's error as the caller sees it: the bounds' own errors as they are, the network's translated (and marked when a stale keep-alive socket may be retried). */
  private requestError(err: Error, req: ClientRequest, r: Req): Error {
    if (err instanceof KubeError || err.name === 'AbortError' || (err as { streamEnded?: boolean }).streamEnded) return err;
    return Object.assign(networkError(this.url, err, this.proxy), { staleSocket: req.reusedSocket && r.method === 'GET' });
  }

  private impersonationHeaders(): Record<string, string | string[]> {
    const i = this.config.impersonate;
    if (!i) return {};
    const out: Record<string, string | string[]> = { 'Impersonate-User': i.user };
    if (i.uid) out['Impersonate-Uid'] = i.uid;
    if (i.groups.length) out['Impersonate-Group'] = i.groups;
    for (const [k, vs] of Object.entries(i.extra)) out[`Impersonate-Extra-${encodeURIComponent(k)}`] = vs;
    return out;
  }

  /** The Authorization header (and the exec credential behind it), kubectl's precedence: token, token file, basic, exec, auth-provider. */
  private async credentials(): Promise<Credentials> {
    const a = this.config.auth;
    if (a.token) return { headers: { Authorization: `Bearer ${a.token}` } };
    if (a.tokenFile) return { headers: { Authorization: `Bearer ${await this.readTokenFile(a.tokenFile)}` } };
    if (a.basic) return { headers: { Authorization: `Basic ${Buffer.from(`${a.basic.username}:${a.basic.password}`).toString('base64')}` } };
    // client-go runs the exec plugin only when no token, basic or certificate is set (kubectl --token wins).
    if (a.exec && !a.cert) {
      const execConfig = a.exec;
      this.exec ??= execCluster(this.config, this.proxy).then(
        (cluster) =>
          new ExecCredentials(execConfig, execConfig.provideClusterInfo ? cluster : undefined, {
            env: this.options.env,
            stdinIsTTY: this.options.stdinIsTTY ?? false,
            stderr: this.options.execStderr ?? 'inherit',
            now: this.options.now ?? Date.now,
            timeoutMs: EXEC_TIMEOUT_MS,
          }),
      );
      const exec = await (await this.exec).get(this.options.deadline?.signal);
      return { headers: exec.token ? { Authorization: `Bearer ${exec.token}` } : {}, exec };
    }
    if (a.authProvider) {
      const p = a.authProvider;
      this.providerHeader ??= import('./auth-provider.js').then((m) => m.authProviderHeader(p, this.server));
      const header = await this.providerHeader;
      return { headers: header ? { Authorization: header } : {} };
    }
    return { headers: {} };
  }

  private async readTokenFile(file: string): Promise<string> {
    const now = (this.options.now ?? Date.now)();
    if (!this.tokenFile || now - this.tokenFile.at > TOKEN_FILE_TTL_MS) {
      this.tokenFile = { text: (await readSource({ file }, SOURCE_WHAT.token))!.trim(), at: now };
    }
    return this.tokenFile.text;
  }

  /** The agent for the TLS settings now in force; a new exec client certificate replaces it (client-go closes the old connections too). */
  private async agentFor(creds: Credentials): Promise<ConnectingAgent> {
    const cert = creds.exec?.cert ?? (await this.staticCert()).cert;
    if (this.agent && this.agentCert === cert) return this.agent;
    const tls = this.url.protocol === 'https:' ? await this.tlsOptions(creds.exec) : undefined;
    this.agent?.destroy();
    this.agentCert = cert;
    this.agent = new ConnectingAgent({ server: this.url, ...(this.proxy ? { proxy: this.proxy } : {}), ...(tls ? { tls } : {}), bounds: this.bounds });
    return this.agent;
  }

  private staticPair: Promise<{ cert?: string; key?: string }> | undefined;

  private staticCert(): Promise<{ cert?: string; key?: string }> {
    const a = this.config.auth;
    this.staticPair ??= Promise.all([readSource(a.cert, SOURCE_WHAT.cert), readSource(a.key, SOURCE_WHAT.key)]).then(([cert, key]) => ({
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
    }));
    return this.staticPair;
  }

  private async tlsOptions(exec: ExecResult | undefined): Promise<TlsOptions> {
    this.ca ??= readSource(this.config.ca, SOURCE_WHAT.ca);
    const ca = await this.ca;
    const pair = exec?.cert ? { cert: exec.cert, key: exec.key } : await this.staticCert();
    return {
      ...(ca ? { ca } : {}),
      ...(pair.cert ? { cert: pair.cert } : {}),
      ...(pair.key ? { key: pair.key } : {}),
      insecure: this.config.insecure,
      ...(this.config.tlsServerName ? { serverName: this.config.tlsServerName } : {}),
    };
  }
}

interface Req {
  method: string;
  path: string;
  query?: Query | undefined;
  payload?: string | undefined;
  contentType?: string | undefined;
  kind: 'call' | 'stream';
  signal?: AbortSignal;
}

interface Opened {
  res: IncomingMessage;
  /** Clears the request's timers and listeners. */
  end: () => void;
}

/** The cluster as an exec plugin with provideClusterInfo is told about it (client-go's ConfigToExecCluster). */
export async function execCluster(config: ResolvedConfig, proxy: Proxy | undefined): Promise<ExecCluster> {
  const ca = await readSource(config.ca, SOURCE_WHAT.ca);
  return {
    server: config.server,
    ...(config.tlsServerName ? { 'tls-server-name': config.tlsServerName } : {}),
    ...(config.insecure ? { 'insecure-skip-tls-verify': true } : {}),
    ...(ca ? { 'certificate-authority-data': Buffer.from(ca).toString('base64') } : {}),
    ...(proxy ? { 'proxy-url': proxy.href } : {}),
    ...(config.disableCompression ? { 'disable-compression': true } : {}),
    config: config.auth.exec?.clusterConfig ?? null,
  };
}
