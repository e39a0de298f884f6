// The command line of `kubectl paas` as shell completion sees it: the one declaration of
// commands and flags (plugin/commands/table.ts), with --help, which yargs adds to each.
import { CONNECTION_FLAGS } from '../lib/connection-flags.js';
import { GLOBAL_FLAGS as COMMAND_FLAGS, ValueKind, type CommandSpec, type FlagSpec } from '../commands/table.js';

export { PositionalKind, ROOT, ValueKind, type CommandSpec, type FlagSpec } from '../commands/table.js';

/** The flags of every command: -o, --no-color and yargs' --help. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [...COMMAND_FLAGS, { name: 'help', short: 'h', describe: 'Show help', value: ValueKind.none }];

/** Every flag a command takes, in the order completion offers them: kubectl's connection flags
 * (on the commands that talk to a cluster), every command's, then its own. */
export function flagsOf(c: CommandSpec): readonly FlagSpec[] {
  return [...(c.connection ? CONNECTION_FLAGS : []), ...GLOBAL_FLAGS, ...c.flags];
}
