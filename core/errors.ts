// The one catalogue of coded errors and the one table of exit codes, for both binaries
// (fastify's way: every error a thrower raises carries a stable code from one list, and the edge
// reads the code, never a class name or a message). kubectl-paas and paas-webhook print an
// error as one line and exit with its entry's code; the --help epilogues and docs/exit-codes.md
// are generated from here and core/exit-codes.ts.
//
// The numbers. 0–4 are kubectl's `rollout status` states as scripts already branch on them
// (0 Completed, 1 Failed, 2 Timeout, 3 InProgress, 4 Paused) and 6 is a failed rollback; they
// stay. kubectl itself, and plugins by convention, exit 1 for every error; here 1 already means
// "the command's answer is no" (a Failed rollout, problems found, violations), so an error
// there would read as a verdict: a script that rolls back on 1 would roll back because the
// cluster was unreachable. Errors therefore get codes of their own: 5 stays the usage error it
// always was in `policy` and in paas-webhook, and the four a script wants to tell apart, which
// 5 used to cover in the cluster commands, come next (7 not found, 8 forbidden, 9 unreachable,
// 10 the kubeconfig), then 11 for any other error, so that no failure is mistaken for a verdict.

/** Every exit code of `kubectl paas` and `paas-webhook`. */
export const ExitCode = {
  ok: 0,
  /** The command's answer is no: rollout status Failed, diagnose found problems, policy check
   * found violations, audit found Deployments that fall short, logs could not read a log,
   * paas-webhook could not start. */
  problems: 1,
  /** rollout status: Timeout (the progress deadline or --timeout). */
  timeout: 2,
  /** policy: bad input (YAML, TOML, a field or an annotation). */
  badInput: 2,
  /** rollout status --watch=false: still InProgress. */
  inProgress: 3,
  /** rollout status: Paused. */
  paused: 4,
  /** The command line: an unknown command or flag, a bad value, flags that do not go together. */
  usage: 5,
  /** rollout status --undo-on-failure: the rollback itself failed. */
  rollbackFailed: 6,
  notFound: 7,
  forbidden: 8,
  unreachable: 9,
  kubeconfig: 10,
  error: 11,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The stable names of the catalogue's errors (an error's `code`). */
export const ErrorCode = {
  Usage: 'PAAS_USAGE',
  BadInput: 'PAAS_BAD_INPUT',
  NotFound: 'PAAS_NOT_FOUND',
  Forbidden: 'PAAS_FORBIDDEN',
  Unreachable: 'PAAS_UNREACHABLE',
  Kubeconfig: 'PAAS_KUBECONFIG',
  StartFailed: 'PAAS_START_FAILED',
  Error: 'PAAS_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One entry of the catalogue: the exit code, a short title and what it covers. */
export interface CatalogueEntry {
  exit: ExitCode;
  title: string;
  means: string;
}

/** The catalogue. */
export const ERRORS: Readonly<Record<ErrorCode, CatalogueEntry>> = {
  [ErrorCode.Usage]: {
    exit: ExitCode.usage,
    title: 'usage',
    means: 'the command line is wrong: an unknown command or flag, a bad value, flags that do not go together',
  },
  [ErrorCode.BadInput]: {
    exit: ExitCode.badInput,
    title: 'bad input',
    means: 'a file or value read is wrong: YAML, TOML, a field or an annotation (the file, document, field and value are named)',
  },
  [ErrorCode.NotFound]: {
    exit: ExitCode.notFound,
    title: 'not found',
    means: 'what the command was asked about does not exist: a Deployment, a revision, a deploy-id (the API server answered 404, or holds none)',
  },
  [ErrorCode.Forbidden]: {
    exit: ExitCode.forbidden,
    title: 'forbidden',
    means: 'the API server refused the request (403: the missing verb and resource are named) or the credentials (401)',
  },
  [ErrorCode.Unreachable]: {
    exit: ExitCode.unreachable,
    title: 'unreachable',
    means: 'no connection to the cluster (refused, no route, DNS, TLS, a proxy), or no answer within a bound (--request-timeout, --timeout, a silent server)',
  },
  [ErrorCode.Kubeconfig]: {
    exit: ExitCode.kubeconfig,
    title: 'kubeconfig',
    means: 'the kubeconfig, a connection flag or a credential cannot be used (the file, field, flag or exec plugin is named)',
  },
  [ErrorCode.StartFailed]: {
    exit: ExitCode.problems,
    title: 'start failed',
    means: 'paas-webhook could not start: a file, a certificate or paas.toml cannot be used, or --self-signed has no Kubernetes API (named)',
  },
  [ErrorCode.Error]: {
    exit: ExitCode.error,
    title: 'error',
    means: 'any other failure: an answer of the API server the command cannot use (a conflict, a server error), a broken answer, a bug (named)',
  },
};

/** An error of the catalogue: `message` is the one line a user reads, `code` its entry. */
export class PaasError extends Error {
  readonly exit: ExitCode;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PaasError';
    this.exit = ERRORS[code].exit;
  }
}

/** A usage error, worded one way in both binaries: the problem, then where the help is. */
export function usageError(problem: string, command: string): PaasError {
  return new PaasError(ErrorCode.Usage, `${problem} (see '${command} --help')`);
}

/** `what` does not exist, worded as kubectl words a 404: `deployment "web" not found in namespace "shop"`. */
export function notFoundError(what: string, namespace?: string): PaasError {
  return new PaasError(ErrorCode.NotFound, namespace === undefined ? `${what} not found` : `${what} not found in namespace "${namespace}"`);
}

/** The exit code of anything thrown: its entry's, else the catch-all's. */
export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof PaasError ? err.exit : ExitCode.error;
}
