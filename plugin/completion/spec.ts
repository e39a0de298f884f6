// The command line of `kubectl paas` as shell completion sees it: every command, its flags and
// what each flag's value is. plugin/cli.ts and plugin/commands/*.ts define the same flags for
// yargs; test/unit/completion/spec.test.ts compares this table with each command's --help, so the two
// cannot drift apart.
import { CONNECTION_FLAGS, type ConnectionValue } from '../lib/connection-flags.js';

/** What a flag's value is, which decides how its value completes. */
export const ValueKind = {
  /** A boolean flag: takes no separate value. */
  none: 'none',
  /** A value with nothing to offer (a duration, a selector, a number). */
  free: 'free',
  /** One of a fixed list (`values`). */
  choice: 'choice',
  /** A file path (`extensions` narrows it). */
  file: 'file',
  context: 'context',
  /** A cluster or user name of the kubeconfig (--cluster, --user). */
  cluster: 'cluster',
  user: 'user',
  namespace: 'namespace',
} as const;
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];

export interface FlagSpec {
  name: string;
  short?: string;
  describe: string;
  value: ValueKind;
  values?: readonly string[];
  extensions?: readonly string[];
}

/** What a command's positional arguments are. */
export const PositionalKind = { none: 'none', deployment: 'deployment', deployments: 'deployments' } as const;
export type PositionalKind = (typeof PositionalKind)[keyof typeof PositionalKind];

export interface CommandSpec {
  name: string;
  describe: string;
  flags: readonly FlagSpec[];
  subcommands: readonly CommandSpec[];
  positional: PositionalKind;
}

/** How a connection flag's value completes, checked to be one of ValueKind's. */
const connectionKind = (v: ConnectionValue): ValueKind => v;

/** The flags every command takes (plugin/cli.ts): the output flags and kubectl's connection flags (plugin/lib/connection-flags.ts). */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  ...CONNECTION_FLAGS.map((f) => ({ name: f.name, ...(f.short ? { short: f.short } : {}), describe: f.describe, value: connectionKind(f.value) })),
  { name: 'output', short: 'o', describe: 'Output format: text, json or yaml', value: ValueKind.choice, values: ['text', 'json', 'yaml'] },
  { name: 'no-color', describe: 'No colour', value: ValueKind.none },
  { name: 'help', short: 'h', describe: 'Show help', value: ValueKind.none },
];

const CONFIG: FlagSpec = { name: 'config', describe: 'paas.toml to read', value: ValueKind.file, extensions: ['toml'] };
const NATIVE_SLEEP: FlagSpec = { name: 'native-sleep', describe: 'Assume the preStop sleep action (--no-native-sleep: exec sleep)', value: ValueKind.none };
const NO_NATIVE_SLEEP: FlagSpec = { name: 'no-native-sleep', describe: 'Write exec sleep preStop hooks', value: ValueKind.none };
const FILENAME: FlagSpec = {
  name: 'filename',
  short: 'f',
  describe: 'Manifest file, directory or - for stdin',
  value: ValueKind.file,
  extensions: ['yaml', 'yml', 'json'],
};

const leaf = (name: string, describe: string, flags: readonly FlagSpec[], positional: PositionalKind = PositionalKind.none): CommandSpec => ({
  name,
  describe,
  flags,
  subcommands: [],
  positional,
});

/** The root command, `kubectl paas`. */
export const ROOT: CommandSpec = {
  name: 'paas',
  describe: 'Zero-downtime rollouts: the policy, rollout status and diagnosis',
  flags: [],
  positional: PositionalKind.none,
  subcommands: [
    {
      name: 'policy',
      describe: 'Apply, check or show the zero-downtime rollout policy offline',
      flags: [],
      positional: PositionalKind.none,
      subcommands: [
        leaf('apply', 'Print the manifests with the policy applied', [CONFIG, NATIVE_SLEEP, NO_NATIVE_SLEEP, FILENAME]),
        leaf('check', 'List every policy violation per Deployment', [CONFIG, NATIVE_SLEEP, NO_NATIVE_SLEEP, FILENAME]),
        leaf('show', 'Print the effective policy', [CONFIG, NATIVE_SLEEP, NO_NATIVE_SLEEP]),
      ],
    },
    {
      name: 'rollout',
      describe: 'Rollout status and history of Deployments',
      flags: [],
      positional: PositionalKind.none,
      subcommands: [
        leaf(
          'status',
          'Show the rollout status of Deployments, watching until each is done',
          [
            { name: 'selector', short: 'l', describe: 'Label selector (e.g. app=web,tier!=db)', value: ValueKind.free },
            { name: 'watch', short: 'w', describe: 'Watch until a terminal state; --watch=false prints once', value: ValueKind.none },
            { name: 'timeout', describe: 'How long to wait (30s, 5m, 1h2m)', value: ValueKind.free },
            { name: 'revision', describe: 'Pin to a revision', value: ValueKind.free },
            { name: 'final-only', describe: 'With -o json|yaml and --watch: only the final document', value: ValueKind.none },
            { name: 'undo-on-failure', describe: 'On Failed or Timeout, roll back to the previous revision', value: ValueKind.none },
            { name: 'dry-run', describe: 'With --undo-on-failure: send the rollback with dryRun=All', value: ValueKind.none },
          ],
          PositionalKind.deployments,
        ),
        leaf(
          'history',
          'Every revision still held in ReplicaSets, with its deploy-id and outcome',
          [{ name: 'revision', describe: "One revision's pod template against the current one", value: ValueKind.free }],
          PositionalKind.deployment,
        ),
      ],
    },
    leaf(
      'diagnose',
      'Name the cause of a stuck rollout, with evidence and next commands',
      [
        { name: 'events', describe: 'Also print every event of the rollout as a timeline', value: ValueKind.none },
        { name: 'logs', describe: "Lines of each failing container's log shown as evidence (0: none)", value: ValueKind.free },
        { name: 'no-logs', describe: 'Read no container logs', value: ValueKind.none },
      ],
      PositionalKind.deployment,
    ),
    leaf(
      'logs',
      'Logs of every container of every pod of one rollout',
      [
        { name: 'deploy-id', describe: 'The rollout with this paas.io/deploy-id', value: ValueKind.free },
        { name: 'revision', describe: 'The rollout of this revision', value: ValueKind.free },
        { name: 'new', describe: "The new ReplicaSet's pods (the default)", value: ValueKind.none },
        { name: 'old', describe: "The old ReplicaSets' pods", value: ValueKind.none },
        { name: 'container', short: 'c', describe: 'Only this container', value: ValueKind.free },
        { name: 'all-containers', describe: 'Every container of each pod (default true)', value: ValueKind.none },
        { name: 'previous', short: 'p', describe: "The previous instance's logs", value: ValueKind.none },
        { name: 'since', describe: 'Only lines newer than this (5s, 2m, 3h)', value: ValueKind.free },
        { name: 'tail', describe: 'Lines of each log to show (-1: all)', value: ValueKind.free },
        { name: 'follow', short: 'f', describe: 'Stream the logs; pods that come are picked up', value: ValueKind.none },
        { name: 'prefix', describe: 'Prefix each line with [pod/NAME/CONTAINER] (default true)', value: ValueKind.none },
        { name: 'max-log-requests', describe: 'Most log streams open at once', value: ValueKind.free },
      ],
      PositionalKind.deployment,
    ),
  ],
};
