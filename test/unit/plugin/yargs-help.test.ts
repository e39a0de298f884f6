// plugin/lib/yargs-help.ts reaches into yargs' internals to skip a help rendering nobody reads.
// These fail when a yargs upgrade moves what it reaches for, instead of the plugin silently
// getting slower again (or breaking --help).
import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { skipHelpCache } from '../../../plugin/lib/yargs-help.js';

type Usage = { hasCachedHelpMessage(): boolean };
const usageOf = (cli: unknown): Usage => (cli as { getInternalMethods(): { getUsageInstance(): Usage } }).getInternalMethods().getUsageInstance();

describe('skipHelpCache', () => {
  it('as a control: yargs renders and caches the help when a command handler runs', async () => {
    const cli = yargs(['go']).command('go', 'a command', {}, () => undefined);
    await cli.parseAsync();
    expect(usageOf(cli).hasCachedHelpMessage()).toBe(true);
  });

  it('keeps yargs from rendering the help for a command handler', async () => {
    const cli = yargs(['go']).command('go', 'a command', {}, () => undefined);
    expect(skipHelpCache(cli)).toBe(true);
    await cli.parseAsync();
    expect(usageOf(cli).hasCachedHelpMessage()).toBe(false);
  });

  it('leaves --help working', async () => {
    let help = '';
    const cli = yargs()
      .command('go', 'a command', {}, () => undefined)
      .exitProcess(false);
    skipHelpCache(cli);
    await cli.parseAsync(['--help'], {}, (_err, _argv, output) => {
      help = output;
    });
    expect(help).toContain('a command');
  });
});
