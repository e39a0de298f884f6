// The errors both binaries meet when they talk to Kubernetes, as entries of the one catalogue
// (core/errors.ts): the access layer throws KubeError (or HttpError, an API answer), each coded
// by what went wrong; describeKubeError words any of them as the one line a user reads, once, at
// the edge, about what was being read.
import { ErrorCode, PaasError } from '../core/errors.js';

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

/** The catalogue's entry for each kind (an API answer's depends on its status: codeOfStatus). */
const CODE_OF_KIND: Readonly<Record<KubeErrorKind, ErrorCode>> = {
  [KubeErrorKind.Config]: ErrorCode.Kubeconfig,
  [KubeErrorKind.Credentials]: ErrorCode.Kubeconfig,
  [KubeErrorKind.Unreachable]: ErrorCode.Unreachable,
  [KubeErrorKind.Timeout]: ErrorCode.Unreachable,
  [KubeErrorKind.Api]: ErrorCode.Error,
};

/** The catalogue's entry for an API answer: 404 not found, 401 and 403 forbidden, any other an error. */
function codeOfStatus(status: number): ErrorCode {
  if (status === 404) return ErrorCode.NotFound;
  if (status === 401 || status === 403) return ErrorCode.Forbidden;
  return ErrorCode.Error;
}

/** An error of the access layer; `message` is already the one line a user reads. */
export class KubeError extends PaasError {
  constructor(
    readonly kind: KubeErrorKind,
    message: string,
    options?: { cause?: unknown },
    code: ErrorCode = CODE_OF_KIND[kind],
  ) {
    super(code, message, options);
    this.name = 'KubeError';
  }
}

/** An API answer other than 2xx: `status` is the HTTP status, `body` the API server's Status JSON text. */
export class HttpError extends KubeError {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly path: string,
  ) {
    const m = statusOf(body)?.message;
    super(KubeErrorKind.Api, `${path}: HTTP ${status}${m ? `: ${m}` : ''}`, undefined, codeOfStatus(status));
    this.name = 'HttpError';
  }
}

/** Whether an error is the API's answer `status` (404 absent, 409 conflict, 410 gone). */
export function isStatus(err: unknown, status: number): boolean {
  return err instanceof HttpError && err.status === status;
}

/** Whether an error is an API answer whose Status names this cause (details.causes[].reason: a
 * StatusCause's type is sent as `reason`), as the API server's 403 for a write into a namespace
 * being deleted names `NamespaceTerminating`. */
export function hasCause(err: unknown, reason: string): boolean {
  if (!(err instanceof HttpError)) return false;
  const causes = statusOf(err.body)?.details?.causes;
  return Array.isArray(causes) && causes.some((c: unknown) => typeof c === 'object' && c !== null && (c as { reason?: unknown }).reason === reason);
}

/** The API server's Status in an error body (JSON text or parsed), if any. */
function statusOf(body: unknown): { message?: string; details?: { causes?: unknown } } | undefined {
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

/**
 * An error of the access layer (or anything thrown near it) as the catalogue's one line about
 * `what` (e.g. `deployment "web"`). API statuses name what was refused; connection and timeout
 * errors already name the server, as any other error of the catalogue says what it is about;
 * anything else keeps its own message after `what`, as the catch-all error.
 */
export function describeKubeError(err: unknown, ctx: ErrorContext, what: string): PaasError {
  if (err instanceof HttpError) return new PaasError(err.code, apiMessage(err, ctx, what), { cause: err });
  if (err instanceof PaasError) return err;
  const e = typeof err === 'object' && err !== null ? (err as { message?: unknown }) : {};
  const message = typeof e.message === 'string' ? e.message : String(err);
  return new PaasError(ErrorCode.Error, `${what}: ${message}`, { cause: err });
}

function apiMessage(err: HttpError, ctx: ErrorContext, what: string): string {
  const body = statusOf(err.body);
  switch (err.status) {
    case 404:
      return `${what} not found in namespace "${ctx.namespace}"`;
    case 403:
      return `forbidden: ${body?.message ?? what}`;
    case 401:
      return `unauthorized: ${ctx.server} refused the credentials${body?.message && body.message !== 'Unauthorized' ? ` (${body.message})` : ''}`;
    default:
      return `${what}: the API server answered ${err.status}${body?.message ? `: ${body.message}` : ''}`;
  }
}
