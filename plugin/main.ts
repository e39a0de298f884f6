#!/usr/bin/env node
// The kubectl-paas executable (bin). All logic is in cli.ts.
import { main } from './cli.js';
import { CliError, EXIT } from './lib/errors.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = err instanceof CliError ? err : null;
    process.stderr.write(`error: ${e ? e.message : err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = e ? e.code : EXIT.usage;
  },
);
