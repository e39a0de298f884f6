// `kubectl paas policy`: placeholder until its issue lands.
import type { Argv } from 'yargs';
import { CliError } from '../lib/errors.js';

export function builder(y: Argv, _setCode: (code: number) => void): Argv {
  return y.check(() => {
    throw new CliError('kubectl paas policy is not built yet');
  });
}
