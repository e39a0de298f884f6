// Exit codes and the one error type every command throws for a clean one-line message.
// Each command documents its own codes in --help and the README; these are the shared ones.
export const EXIT = {
  ok: 0,
  /** rollout status: Failed; diagnose: problems found; policy check: violations found */
  problems: 1,
  /** policy: bad input (YAML/TOML/field); rollout status: Timeout */
  badInputOrTimeout: 2,
  /** rollout status --watch=false: still InProgress */
  inProgress: 3,
  /** rollout status: Paused */
  paused: 4,
  /** not found, usage, connection error */
  usage: 5,
  /** rollout status --undo-on-failure: the rollback itself failed (refused, Failed, Timeout) */
  rollbackFailed: 6,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
