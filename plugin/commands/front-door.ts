// What every command gets from its flags before its own: made once, here, for all of them (as
// kubectl's genericclioptions give every command its printer and client). -o is read and
// checked against what the command prints, colour is decided, the kube handle is made from
// kubectl's connection flags (--request-timeout checked first), and a usage error is worded one
// way, naming the command's --help.
import { usageError, type PaasError } from '../../core/errors.js';
import { parseRequestTimeout } from '../../kube-client/duration.js';
import type { CliDeps } from '../deps.js';
import type { KubeEdge } from '../kube/rest.js';
import { connectionFlags } from '../lib/connection-flags.js';
import { OutputFormat, parseOutputFlag } from '../lib/output.js';
import { colorEnabled } from '../lib/term.js';
import type { CommandSpec, OutputSpec } from './table.js';

/** A command's parsed common flags and its usage errors. */
export interface FrontDoor {
  /** The command as typed, e.g. `kubectl paas rollout status`. */
  command: string;
  /** A usage error of this command: the problem, then where its help is. */
  usage(problem: string): PaasError;
  /** What -o asks for, or the command's default. */
  output: OutputFormat;
  /** Colour on stdout. */
  color: boolean;
  /** The cluster of kubectl's connection flags (commands that talk to one). */
  kube(): Promise<KubeEdge>;
}

/** A command's run: its flags (as yargs parsed them) through its front door; resolves to the exit code. */
export type Run = (argv: Readonly<Record<string, unknown>>, door: FrontDoor, deps: CliDeps) => Promise<number>;

/** The format -o `value` asks of a command that prints `spec`; a problem (the words of a usage error) when it cannot. */
export function outputOf(spec: OutputSpec | undefined, value: unknown): OutputFormat | { problem: string } {
  let format: OutputFormat | undefined;
  try {
    format = parseOutputFlag(typeof value === 'string' ? value : undefined);
  } catch (err) {
    return { problem: (err as Error).message };
  }
  if (format === undefined) return spec?.default ?? OutputFormat.text;
  const refusal = spec?.refuse?.[format];
  return refusal === undefined ? format : { problem: refusal };
}

/** The front door of the command at `path` (its words below `kubectl paas`) for the flags given. */
export function frontDoor(path: string, spec: CommandSpec, argv: Readonly<Record<string, unknown>>, deps: CliDeps): FrontDoor {
  const command = `kubectl paas ${path}`;
  const usage = (problem: string): PaasError => usageError(problem, command);
  const output = outputOf(spec.output, argv.output);
  if (typeof output === 'object') throw usage(output.problem);
  const flags = connectionFlags(argv);
  if (flags.requestTimeout !== undefined) {
    try {
      parseRequestTimeout(flags.requestTimeout);
    } catch (err) {
      throw usage((err as Error).message);
    }
  }
  return {
    command,
    usage,
    output,
    color: colorEnabled({ isTTY: !!deps.out.isTTY, noColor: argv['no-color'] === true, env: deps.env }),
    kube: () => (spec.connection ? deps.kube(flags) : Promise.reject(new Error(`${command} does not talk to a cluster`))),
  };
}
