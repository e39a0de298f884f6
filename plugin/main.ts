#!/usr/bin/env node
// The kubectl-paas executable (bin): the real process in (plugin/deps.ts), the exit code and the
// one-line error out. All logic is in cli.ts.
import { main } from './cli.js';
import { processDeps } from './deps.js';
import { exitCodeOf } from '../core/errors.js';

main(process.argv.slice(2), processDeps(process)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // One line; the exit code is the catalogue's (core/errors.ts), 11 for anything it does not know.
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = exitCodeOf(err);
  },
);
