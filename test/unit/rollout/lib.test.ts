import { describe, expect, it } from 'vitest';
import { parseOutputFlag } from '../../../plugin/lib/output.js';
import { colorEnabled, paint, visibleLength } from '../../../plugin/lib/term.js';
import type { LabelSelector } from '../../../plugin/kube/objects.js';
import { selectorString } from '../../../plugin/kube/selector.js';

describe('parseOutputFlag: -o, parsed once for every command', () => {
  it.each([
    { value: undefined, flag: undefined },
    { value: 'text', flag: 'text' },
    { value: 'json', flag: 'json' },
    { value: 'yaml', flag: 'yaml' },
    { value: 'wide', flag: 'text' },
    { value: '', flag: 'text' },
  ])('reads -o $value as $flag', ({ value, flag }) => {
    expect(parseOutputFlag(value)).toBe(flag);
  });

  it.each(['xml', 'JSON', 'json,yaml'])('refuses %j, naming the flag and value', (value) => {
    expect(() => parseOutputFlag(value)).toThrow(`invalid value "${value}" for -o/--output: use text, json or yaml`);
  });
});

describe('colorEnabled', () => {
  it.each([
    { name: 'a TTY with nothing set', isTTY: true, env: {}, noColor: false, on: true },
    { name: 'a pipe', isTTY: false, env: {}, noColor: false, on: false },
    { name: 'NO_COLOR set', isTTY: true, env: { NO_COLOR: '1' }, noColor: false, on: false },
    { name: 'NO_COLOR empty (ignored, per no-color.org)', isTTY: true, env: { NO_COLOR: '' }, noColor: false, on: true },
    { name: '--no-color', isTTY: true, env: {}, noColor: true, on: false },
    { name: 'TERM=dumb', isTTY: true, env: { TERM: 'dumb' }, noColor: false, on: false },
  ])('$name → $on', ({ isTTY, env, noColor, on }) => {
    expect(colorEnabled({ isTTY, env, noColor })).toBe(on);
  });

  it('paints only when enabled, and visibleLength ignores the escapes', () => {
    expect(paint(false).red('x')).toBe('x');
    const red = paint(true).red('abc');
    expect(red).not.toBe('abc');
    expect(visibleLength(red)).toBe(3);
  });
});

describe('selectorString', () => {
  it.each([
    { name: 'absent', sel: undefined, text: undefined },
    { name: 'empty', sel: {}, text: undefined },
    { name: 'matchLabels', sel: { matchLabels: { app: 'web', tier: 'fe' } }, text: 'app=web,tier=fe' },
    {
      name: 'every operator',
      sel: {
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['a', 'b'] },
          { key: 'zone', operator: 'NotIn', values: ['x'] },
          { key: 'canary', operator: 'Exists' },
          { key: 'legacy', operator: 'DoesNotExist' },
        ],
      },
      text: 'app=web,env in (a,b),zone notin (x),canary,!legacy',
    },
    { name: 'an unknown operator widens to all', sel: { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, text: undefined },
  ] as { name: string; sel: LabelSelector | undefined; text: string | undefined }[])('$name', ({ sel, text }) => {
    expect(selectorString(sel)).toBe(text);
  });
});
