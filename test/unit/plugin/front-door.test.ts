// What every command gets from its flags before its own (plugin/commands/front-door.ts), and the
// command a refused line names (commandPath): decided from the one table of commands and flags.
import { describe, expect, it } from 'vitest';
import { frontDoor, outputOf } from '../../../plugin/commands/front-door.js';
import { commandPath, ROOT, type CommandSpec, type OutputSpec } from '../../../plugin/commands/table.js';
import { cliRun } from './cli-harness.js';

const APPLY: OutputSpec = { default: 'yaml', refuse: { text: 'policy apply prints manifests: use -o yaml (default) or -o json' } };
const LOGS: OutputSpec = { default: 'text', refuse: { yaml: 'logs prints lines: use -o text (default) or -o json (one JSON object a line)' } };
const TEXT: OutputSpec = { default: 'text' };

describe('outputOf: -o as each command prints', () => {
  it.each([
    { name: 'absent: the default', spec: TEXT, value: undefined, want: 'text' },
    { name: 'absent for policy apply: YAML', spec: APPLY, value: undefined, want: 'yaml' },
    { name: 'json', spec: TEXT, value: 'json', want: 'json' },
    { name: "kubectl's wide reads as text", spec: TEXT, value: 'wide', want: 'text' },
    { name: 'empty reads as text', spec: TEXT, value: '', want: 'text' },
    {
      name: 'yaml for logs: refused',
      spec: LOGS,
      value: 'yaml',
      want: { problem: 'logs prints lines: use -o text (default) or -o json (one JSON object a line)' },
    },
    {
      name: 'wide for policy apply: text, refused',
      spec: APPLY,
      value: 'wide',
      want: { problem: 'policy apply prints manifests: use -o yaml (default) or -o json' },
    },
    { name: 'an unknown format', spec: TEXT, value: 'xml', want: { problem: 'invalid value "xml" for -o/--output: use text, json or yaml' } },
  ] as { name: string; spec: OutputSpec; value: unknown; want: unknown }[])('$name', ({ spec, value, want }) => {
    expect(outputOf(spec, value)).toEqual(want);
  });
});

describe('frontDoor', () => {
  const diagnose = ROOT.subcommands.find((c) => c.name === 'diagnose') as CommandSpec;

  it.each([
    { name: 'a TTY', isTTY: true, env: {}, argv: {}, color: true },
    { name: '--no-color', isTTY: true, env: {}, argv: { 'no-color': true }, color: false },
    { name: 'NO_COLOR', isTTY: true, env: { NO_COLOR: '1' }, argv: {}, color: false },
    { name: 'a pipe', isTTY: false, env: {}, argv: {}, color: false },
  ])('decides colour once: $name → $color', ({ isTTY, env, argv, color }) => {
    expect(frontDoor('diagnose', diagnose, argv, cliRun({ isTTY, env }).deps).color).toBe(color);
  });

  it('words a usage error with the command and its --help', () => {
    expect(frontDoor('diagnose', diagnose, {}, cliRun().deps).usage('invalid deployment name "Web_1"').message).toBe(
      `invalid deployment name "Web_1" (see 'kubectl paas diagnose --help')`,
    );
  });

  it.each([
    {
      name: 'an -o it cannot print',
      argv: { output: 'xml' },
      says: `invalid value "xml" for -o/--output: use text, json or yaml (see 'kubectl paas diagnose --help')`,
    },
    {
      name: 'a --request-timeout kubectl would refuse',
      argv: { 'request-timeout': 'soon' },
      says: `invalid value "soon" for --request-timeout: a single integer in seconds, or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h) (see 'kubectl paas diagnose --help')`,
    },
  ])('refuses $name as a usage error (5)', ({ argv, says }) => {
    expect(() => frontDoor('diagnose', diagnose, argv, cliRun().deps)).toThrow(expect.objectContaining({ message: says, exit: 5 }));
  });
});

describe('commandPath: the command a line names, for the help a refusal points at', () => {
  it.each([
    { argv: ['policy', 'show', '--server', 'x'], want: 'policy show' },
    { argv: ['-n', 'shop', 'rollout', 'status', 'web', '--frob'], want: 'rollout status' },
    { argv: ['--namespace=shop', 'rollout', 'history', 'web'], want: 'rollout history' },
    { argv: ['rollout', '-o', 'json'], want: 'rollout' },
    { argv: ['logs', 'web', '-f'], want: 'logs' },
    { argv: ['frob', 'policy'], want: '' },
    { argv: ['--', 'policy'], want: '' },
    { argv: [], want: '' },
  ])('$argv → "$want"', ({ argv, want }) => {
    expect(commandPath(argv)).toBe(want);
  });
});
