// The A/B benches' flag setter: flags replaced in both spellings, everything else kept in order.
import { describe, expect, it } from 'vitest';
import { withFlags } from '../../bench/lib/webhook-flags.js';

describe('withFlags', () => {
  it.each<{ name: string; args: string[]; flags: Record<string, string>; want: string[] }>([
    { name: 'adds a flag', args: ['serve', '--self-signed'], flags: { 'log-level': 'warn' }, want: ['serve', '--self-signed', '--log-level=warn'] },
    {
      name: 'replaces --name=value',
      args: ['serve', '--log-level=info', '--arm'],
      flags: { 'log-level': 'warn' },
      want: ['serve', '--arm', '--log-level=warn'],
    },
    {
      name: 'replaces --name value',
      args: ['serve', '--log-level', 'info', '--arm'],
      flags: { 'log-level': 'warn' },
      want: ['serve', '--arm', '--log-level=warn'],
    },
    {
      name: 'a bare boolean before another flag keeps that flag',
      args: ['--drain-seconds', '--arm'],
      flags: { 'drain-seconds': '0' },
      want: ['--arm', '--drain-seconds=0'],
    },
    {
      name: 'a flag whose name another starts with stays',
      args: ['--log-level-x=1'],
      flags: { 'log-level': 'warn' },
      want: ['--log-level-x=1', '--log-level=warn'],
    },
    {
      name: 'several, each once',
      args: ['serve', '--log-level=info', '--drain-seconds=4096', '--log-level=debug'],
      flags: { 'log-level': 'info', 'drain-seconds': '0' },
      want: ['serve', '--log-level=info', '--drain-seconds=0'],
    },
  ])('$name', ({ args, flags, want }) => {
    expect(withFlags(args, flags)).toEqual(want);
  });
});
