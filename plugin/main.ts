#!/usr/bin/env node
// The kubectl-paas executable (bin): the real process in (plugin/deps.ts), the exit code and the
// one-line error out. All logic is in cli.ts.
import { main } from './cli.js';
import { processDeps } from './deps.js';
import { CliError, EXIT } from './lib/errors.js';

main(process.argv.slice(2), processDeps(process)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = err instanceof CliError ? err : null;
    process.stderr.write(`error: ${e ? e.message : err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = e ? e.code : EXIT.usage;
  },
);
