// Exit codes and the one error type every command throws for a clean one-line message.
// Each command documents its own codes in --help and the README.
// The table is shared with paas-webhook (kube-client/errors.ts): one set of codes for both binaries.
import { EXIT } from '../../kube-client/errors.js';

export { EXIT };

export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
