// The one catalogue of errors both binaries meet when they talk to Kubernetes, and the one table
// of exit codes both exit with. The access layer throws KubeError (or HttpError, an API answer);
// describeKubeError turns any of them into the one line a user reads, once, at the edge.

/**
 * Exit codes of `kubectl paas` and `paas-webhook`, one table for both. A usage error is 5 in both
 * (kubectl paas documented 5 first; the webhook's 2 would collide with rollout status' Timeout).
 */
export const EXIT = {
  ok: 0,
  /** rollout status: Failed; diagnose: problems found; policy check: violations; paas-webhook: the start failed */
  problems: 1,
  /** policy: bad input (YAML/TOML/field); rollout status: Timeout */
  badInputOrTimeout: 2,
  /** rollout status --watch=false: still InProgress */
  inProgress: 3,
  /** rollout status: Paused */
  paused: 4,
  /** usage (unknown flag, bad value), not found, forbidden, kubeconfig, credentials, the cluster unreachable or silent */
  usage: 5,
  /** rollout status --undo-on-failure: the rollback itself failed (refused, Failed, Timeout) */
  rollbackFailed: 6,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What went wrong, as the catalogue words it. */
export const KubeErrorKind = {
  /** The kubeconfig or the connection flags cannot be used (names the file, field or flag). */
  Config: 'config',
  /** A credential could not be had: an exec plugin failed, a key or token file is unreadable. */
  Credentials: 'credentials',
  /** No connection: refused, no route, DNS, TLS verification, a proxy that refused the tunnel. */
  Unreachable: 'unreachable',
  /** Connected (or connecting) but no answer in time; names the server and the bound. */
  Timeout: 'timeout',
  /** The API server answered with a status other than 2xx (HttpError). */
  Api: 'api',
} as const;
export type KubeErrorKind = (typeof KubeErrorKind)[keyof typeof KubeErrorKind];

/** An error of the access layer; `message` is already the one line a user reads. */
export class KubeError extends Error {
  constructor(
    readonly kind: KubeErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KubeError';
  }
}

/** An API answer other than 2xx: `code` is the HTTP status, `body` the API server's Status JSON text. */
export class HttpError extends KubeError {
  constructor(
    readonly code: number,
    readonly body: string,
    readonly path: string,
  ) {
    const m = statusOf(body)?.message;
    super(KubeErrorKind.Api, `${path}: HTTP ${code}${m ? `: ${m}` : ''}`);
    this.name = 'HttpError';
  }
}

/** Whether an error is the API's answer `code` (404 absent, 409 conflict, 410 gone). */
export function isStatus(err: unknown, code: number): boolean {
  return err instanceof HttpError && err.code === code;
}

/** The API server's Status in an error body (JSON text or parsed), if any. */
function statusOf(body: unknown): { message?: string } | undefined {
  if (typeof body === 'string') {
    try {
      const parsed: unknown = JSON.parse(body);
      return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return typeof body === 'object' && body !== null ? body : undefined;
}

/** Where a failed call was going, for the words of its message. */
export interface ErrorContext {
  server: string;
  namespace: string;
}

/** One line and its exit code. */
export interface Described {
  message: string;
  exit: ExitCode;
}

/**
 * The catalogue: an error of the access layer (or anything thrown near it) as one line about
 * `what` (e.g. `deployment "web"`). API statuses name what was refused; connection and timeout
 * errors already name the server; anything else keeps its own message after `what`.
 */
export function describeKubeError(err: unknown, ctx: ErrorContext, what: string): Described {
  if (err instanceof HttpError) return { message: apiMessage(err, ctx, what), exit: EXIT.usage };
  if (err instanceof KubeError) return { message: err.message, exit: EXIT.usage };
  const e = typeof err === 'object' && err !== null ? (err as { message?: unknown; code?: unknown }) : {};
  const message = typeof e.message === 'string' ? e.message : String(err);
  return { message: `${what}: ${message}`, exit: EXIT.usage };
}

function apiMessage(err: HttpError, ctx: ErrorContext, what: string): string {
  const body = statusOf(err.body);
  switch (err.code) {
    case 404:
      return `${what} not found in namespace "${ctx.namespace}"`;
    case 403:
      return `forbidden: ${body?.message ?? what}`;
    case 401:
      return `unauthorized: ${ctx.server} refused the credentials${body?.message && body.message !== 'Unauthorized' ? ` (${body.message})` : ''}`;
    default:
      return `${what}: the API server answered ${err.code}${body?.message ? `: ${body.message}` : ''}`;
  }
}
