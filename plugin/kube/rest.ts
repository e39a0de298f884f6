// The plugin's view of the cluster: the calls the commands make (Rest) over the one client both
// binaries share (kube-client/), a connection made from kubectl's flags, and its errors turned
// into the one line the CLI prints. Raw JSON in and out.
import type { ConnectionFlags } from '../../kube-client/kubeconfig.js';
import type { Deadline, Query, WatchEvent } from '../../kube-client/client.js';
import { ErrorCode, PaasError } from '../../core/errors.js';
import { describeKubeError } from '../../kube-client/errors.js';

export { HttpError, isStatus } from '../../kube-client/errors.js';
export { WatchEventType, type WatchEvent, type Deadline } from '../../kube-client/client.js';

/** kubectl's connection flags as the commands pass them on. */
export type KubeFlags = ConnectionFlags;

/** The environment the kubeconfig is read in ($KUBECONFIG, proxies) and exec plugins run in. */
export type KubeEnv = Readonly<Record<string, string | undefined>>;

/** The patch types the API server takes (the Content-Type of a PATCH). */
export const PatchType = { json: 'application/json-patch+json', merge: 'application/merge-patch+json' } as const;
export type PatchType = (typeof PatchType)[keyof typeof PatchType];

/** The calls the commands make. */
export interface Rest {
  /** GET a path (with query) and parse the JSON body; non-2xx throws HttpError. */
  get<T>(path: string, query?: Query): Promise<T>;
  /** GET a path whose body is text (a container's log); non-2xx throws HttpError. Aborting the
   * signal rejects it (a kubelet that does not answer). */
  getText(path: string, query?: Query, signal?: AbortSignal): Promise<string>;
  /**
   * Opens a watch and calls onEvent per event until the stream ends (resolves: resume from the
   * last resourceVersion) or fails (rejects; a non-200 answer is an HttpError, a watch silent for
   * too long a KubeError). Aborting the signal ends it quietly.
   */
  watch<T>(path: string, query: Query, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal): Promise<void>;
  /** A streaming GET (pods/log?follow=true): each chunk of text until the server ends it or the signal aborts. */
  stream(path: string, query: Query, onChunk: (text: string) => void, signal: AbortSignal, opts?: { idleMs?: number }): Promise<void>;
  /** PATCHes a path with `body` of the patch type (JSON Patch, merge patch) and parses the answer
   * (the one write: `rollout status --undo-on-failure`); a non-2xx answer throws HttpError. */
  patch<T>(path: string, body: unknown, type: PatchType, query?: Query): Promise<T>;
  /** Closes every connection so the process can exit. */
  close(): void;
}

/** Where a connection points, for messages. */
export interface Kube {
  namespace: string;
  server: string;
  context: string;
}

/** A live connection: where it points and the calls over it. */
export interface Connection {
  kube: Kube;
  rest: Rest;
}

/** The Kubernetes edge a command runs against; the real one is `connect(flags)` and describeError. */
export interface KubeEdge {
  /** Connects; with a deadline every call ends when it runs out (rollout status --timeout). */
  connect(opts?: { deadline?: Deadline }): Promise<Connection>;
  /** Translates an API or network error into the catalogue's one-line error about `what`. */
  describeError(err: unknown, kube: Kube, what: string): PaasError;
}

/** An error of the access layer as the catalogue's one line and code (kube-client/errors.ts). */
export function describeError(err: unknown, kube: Kube, what: string): PaasError {
  return describeKubeError(err, kube, what);
}

/** What the process gives a connection besides the flags. */
export interface ConnectOptions {
  env: KubeEnv;
  home: string;
  stdinIsTTY: boolean;
  /** Tab completion: exec plugins' stderr must not reach the prompt. */
  quiet?: boolean;
  deadline?: Deadline;
}

/** Reads the kubeconfig as kubectl does and connects; a bad flag, kubeconfig or credential is an error of the catalogue. */
export async function connect(flags: KubeFlags, o: ConnectOptions): Promise<Connection> {
  const [{ connect: open }, { parseRequestTimeout }] = await Promise.all([import('../../kube-client/load.js'), import('../../kube-client/duration.js')]);
  let requestTimeoutMs = 0;
  if (flags.requestTimeout !== undefined) {
    try {
      requestTimeoutMs = parseRequestTimeout(flags.requestTimeout);
    } catch (err) {
      // The command's front door checks the flag first (plugin/cli.ts), with its --help to point at.
      throw new PaasError(ErrorCode.Usage, (err as Error).message);
    }
  }
  try {
    const client = await open(flags, o.env, {
      home: o.home,
      userAgent: 'kubectl-paas',
      requestTimeoutMs,
      stdinIsTTY: o.stdinIsTTY,
      execStderr: o.quiet ? 'ignore' : 'inherit',
      ...(o.deadline ? { deadline: o.deadline } : {}),
    });
    return { kube: { namespace: client.namespace, server: client.server, context: client.context }, rest: client };
  } catch (err) {
    throw describeKubeError(err, { server: flags.server ?? '', namespace: flags.namespace ?? '' }, 'kubeconfig');
  }
}

/** The calls of `rest` with its reads through `limit` (plugin/lib/limit.ts): one bound on the
 * requests in flight, however many readers share it (`diagnose` over many workloads). */
export function limitedRest(rest: Rest, limit: <T>(fn: () => Promise<T>) => Promise<T>): Rest {
  return {
    get: (path, query) => limit(() => rest.get(path, query)),
    getText: (path, query, signal) => limit(() => rest.getText(path, query, signal)),
    watch: (path, query, onEvent, signal) => rest.watch(path, query, onEvent, signal),
    stream: (path, query, onChunk, signal, opts) => rest.stream(path, query, onChunk, signal, opts),
    patch: (path, body, type, query) => rest.patch(path, body, type, query),
    close: () => {
      rest.close();
    },
  };
}
