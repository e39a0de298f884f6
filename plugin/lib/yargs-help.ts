// One change to yargs' internals, kept here alone. yargs renders (and caches) the whole help text
// right after it starts a command's handler, for a showHelp() inside the handler, which no command
// of this CLI calls. That rendering (cliui, string-width's Intl.Segmenter and emoji regexps) cost
// about 25 ms of every `kubectl paas rollout status` on a 2-core machine (A/B, 21 rounds;
// docs/performance.md), more than a quarter of the plugin's start-up. yargs has no option for it,
// so the cache method of this instance's usage object becomes a no-op; --help still renders, from
// scratch. test/unit/plugin/yargs-help.test.ts fails if a yargs upgrade moves it.
import type { Argv } from 'yargs';

/** yargs' internal view of an instance, as far as this module reaches into it. */
interface Internals {
  getInternalMethods?: () => { getUsageInstance(): { cacheHelpMessage(): void } };
}

/** Turns off the help rendering yargs does after starting a command's handler; says whether it could. */
export function skipHelpCache(cli: Argv): boolean {
  const usage = (cli as unknown as Internals).getInternalMethods?.().getUsageInstance();
  if (!usage || typeof usage.cacheHelpMessage !== 'function') return false;
  usage.cacheHelpMessage = () => undefined;
  return true;
}
