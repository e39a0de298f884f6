// Every command of `kubectl paas` and every flag, declared once. plugin/cli.ts makes the yargs
// tree of it (--help's Commands and Options, the parser, the exit-code epilogues), and the shell
// completion's table (plugin/completion/spec.ts) is made of it too; the tests that walk every
// flag of --help walk this table. Data only: no yargs, no command code (the completion bundle
// imports it). Kinds of values are the completion's words (what a value is, so how it completes).
import type { COMMAND_EXITS } from '../../core/exit-codes.js';
import { CONNECTION_FLAGS } from '../lib/connection-flags.js';
import { ValueKind, type FlagSpec } from '../lib/flag-spec.js';
import { OutputFormat } from '../lib/output.js';

export { ValueKind, type FlagSpec } from '../lib/flag-spec.js';

/** What a command's positional arguments are: none, one Deployment, Deployments, or workloads
 * as kubectl's rollout status takes them (`web`, `deployment/web`, `sts/db`, `ds/agent`). */
export const PositionalKind = { none: 'none', deployment: 'deployment', deployments: 'deployments', workloads: 'workloads' } as const;
export type PositionalKind = (typeof PositionalKind)[keyof typeof PositionalKind];

/** What -o a command prints: its format when -o is absent, and the formats it refuses (with why). */
export interface OutputSpec {
  default: OutputFormat;
  refuse?: Partial<Record<OutputFormat, string>>;
}

/** One command: a group of subcommands, or a leaf that runs. */
export interface CommandSpec {
  name: string;
  describe: string;
  /** --help's usage line, when yargs' own is not enough. */
  usage?: string;
  positional: PositionalKind;
  positionalDescribe?: string;
  /** Its own flags. */
  flags: readonly FlagSpec[];
  /** Takes kubectl's connection flags (plugin/lib/connection-flags.ts): every command that talks to a cluster. */
  connection: boolean;
  output?: OutputSpec;
  examples: readonly (readonly [command: string, what: string])[];
  /** Its exit codes, for the --help epilogue (core/exit-codes.ts). */
  exits?: keyof typeof COMMAND_EXITS;
  subcommands: readonly CommandSpec[];
  /** The refusal when a group is run without a subcommand. */
  demand?: string;
}

/** The flags of every command (yargs adds --help). */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  {
    name: 'output',
    short: 'o',
    describe: 'Output format: text, json or yaml',
    value: ValueKind.choice,
    values: [OutputFormat.text, OutputFormat.json, OutputFormat.yaml],
  },
  { name: 'no-color', describe: 'No colour (also when stdout is not a TTY or NO_COLOR is set)', value: ValueKind.none },
];

const leaf = (c: Omit<CommandSpec, 'subcommands' | 'positional' | 'connection'> & Partial<Pick<CommandSpec, 'positional' | 'connection'>>): CommandSpec => ({
  positional: PositionalKind.none,
  connection: false,
  subcommands: [],
  ...c,
});

const group = (c: Omit<CommandSpec, 'positional' | 'connection' | 'flags' | 'examples'> & Partial<Pick<CommandSpec, 'examples'>>): CommandSpec => ({
  positional: PositionalKind.none,
  connection: false,
  flags: [],
  examples: [],
  ...c,
});

const DEPLOYMENT = 'The Deployment (name or deployment/name)';
const WORKLOADS =
  'Workloads: a Deployment by name (web, deployment/web), a StatefulSet (statefulset/db, sts/db) or a DaemonSet (daemonset/agent, ds/agent); default: every one in the namespace, or in all with -A';

/** -l of the commands that select several. */
const SELECTOR: FlagSpec = { name: 'selector', short: 'l', describe: 'Label selector (e.g. app=web,tier!=db)', value: ValueKind.free };
/** -A of the commands that select several. */
const ALL_NAMESPACES: FlagSpec = {
  name: 'all-namespaces',
  short: 'A',
  describe: 'Every namespace (the namespace of -n and the context is ignored)',
  value: ValueKind.none,
  default: false,
};

/** `policy`'s flags. */
const CONFIG: FlagSpec = { name: 'config', describe: 'paas.toml to read (default: ./paas.toml when present)', value: ValueKind.file, extensions: ['toml'] };
const NATIVE_SLEEP: FlagSpec = {
  name: 'native-sleep',
  describe: 'Assume the cluster has the preStop sleep action (Kubernetes >= 1.30); --no-native-sleep uses exec sleep',
  value: ValueKind.none,
  default: true,
};
// Its own flag: the CLI has no automatic --no-X negation (plugin/cli.ts).
const NO_NATIVE_SLEEP: FlagSpec = {
  name: 'no-native-sleep',
  describe: 'Write exec sleep preStop hooks (clusters before Kubernetes 1.30); wins over --native-sleep',
  value: ValueKind.none,
  default: false,
};
const FILENAME: FlagSpec = {
  name: 'filename',
  short: 'f',
  describe: 'Manifest file, directory (its .yaml, .yml and .json files) or - for stdin; repeatable',
  value: ValueKind.file,
  extensions: ['yaml', 'yml', 'json'],
  repeat: true,
  required: true,
};
const POLICY_OUTPUT: OutputSpec = { default: OutputFormat.text };
const MANIFEST_OUTPUT = (verb: string): OutputSpec => ({
  default: OutputFormat.yaml,
  refuse: { [OutputFormat.text]: `policy ${verb} prints manifests: use -o yaml (default) or -o json` },
});

/** What `policy render --as` writes the policy as. */
export const RenderAs = { mutatingAdmissionPolicy: 'mutating-admission-policy' } as const;
export type RenderAs = (typeof RenderAs)[keyof typeof RenderAs];

/** `policy render --as`. Not kubectl's impersonation flag: the policy commands take no connection flags. */
const RENDER_AS: FlagSpec = {
  name: 'as',
  describe: 'What to render: mutating-admission-policy (a MutatingAdmissionPolicy and its binding, admissionregistration.k8s.io/v1, Kubernetes >= 1.36)',
  value: ValueKind.choice,
  values: Object.values(RenderAs),
  required: true,
};
/** Where the rendered policy applies, besides paas.toml's [webhook]. The defaults are
 * core/policy/admission-policy.ts' (a unit test holds them equal); the namespaces complete from
 * nothing (a lookup would read --as as kubectl's impersonation). */
const RENDER_SCOPE: readonly FlagSpec[] = [
  { name: 'name', describe: "The policy's and its binding's name", value: ValueKind.free, default: 'paas-rollout-policy' },
  {
    name: 'webhook-namespace',
    describe: 'The namespace paas-webhook is (or would be) installed in: never mutated, as the webhook never mutates its own',
    value: ValueKind.free,
    default: 'paas-system',
  },
  {
    name: 'exclude-namespace',
    describe: "A namespace never mutated, besides paas.toml's [webhook] excluded_namespaces; repeatable",
    value: ValueKind.free,
    repeat: true,
  },
];

const POLICY = group({
  name: 'policy',
  describe: 'Apply, check, show or render the zero-downtime rollout policy offline',
  usage: 'kubectl paas policy <apply|check|show|render> [flags]',
  examples: [
    ['kubectl paas policy apply -f app.yaml', 'The manifests with the policy applied, as YAML'],
    ['helm template . | kubectl paas policy check -f -', 'Fail a CI job (exit 1) when a Deployment breaks the policy'],
    ['kubectl paas policy show --config paas.toml -o yaml', 'The effective policy'],
    [
      'kubectl paas policy render --as mutating-admission-policy --config paas.toml | kubectl apply -f -',
      'The policy without a webhook: run by the API server itself (Kubernetes >= 1.36)',
    ],
  ],
  exits: 'policy',
  demand: 'Name a policy command: apply, check, show or render',
  subcommands: [
    leaf({
      name: 'apply',
      describe: 'Print the manifests with the policy applied (YAML in, same order out; -o json)',
      flags: [CONFIG, NATIVE_SLEEP, NO_NATIVE_SLEEP, FILENAME],
      output: MANIFEST_OUTPUT('apply'),
      examples: [],
      exits: 'policy',
    }),
    leaf({
      name: 'check',
      describe: 'List every policy violation per Deployment; exit 1 when there is any (for CI)',
      flags: [CONFIG, NATIVE_SLEEP, NO_NATIVE_SLEEP, FILENAME],
      output: POLICY_OUTPUT,
      examples: [],
      exits: 'policy',
    }),
    leaf({
      name: 'show',
      describe: 'Print the effective policy (built-in defaults, paas.toml)',
      flags: [CONFIG, NATIVE_SLEEP, NO_NATIVE_SLEEP],
      output: POLICY_OUTPUT,
      examples: [],
      exits: 'policy',
    }),
    leaf({
      name: 'render',
      describe:
        'Print the policy as objects the API server runs without the webhook: a MutatingAdmissionPolicy and its binding (-o yaml or json); what they cannot do as the webhook does is noted on stderr',
      flags: [RENDER_AS, CONFIG, NATIVE_SLEEP, NO_NATIVE_SLEEP, ...RENDER_SCOPE],
      output: MANIFEST_OUTPUT('render'),
      examples: [],
      exits: 'policy',
    }),
  ],
});

const ROLLOUT_STATUS = leaf({
  name: 'status',
  describe: 'Show the rollout status of Deployments, StatefulSets and DaemonSets, watching them at once until each is done',
  positional: PositionalKind.workloads,
  positionalDescribe: WORKLOADS,
  connection: true,
  flags: [
    SELECTOR,
    ALL_NAMESPACES,
    { name: 'watch', short: 'w', describe: 'Watch until a terminal state; --watch=false prints once', value: ValueKind.none, default: true },
    { name: 'timeout', describe: 'How long to wait (30s, 5m, 1h2m); 0 waits until a terminal state', value: ValueKind.free, default: '0s' },
    {
      name: 'revision',
      describe: "Pin Deployments to a revision; another one running is a failure (StatefulSets and DaemonSets take none, as kubectl's)",
      value: ValueKind.number,
    },
    { name: 'final-only', describe: 'With -o json|yaml and --watch: print only the final document, not one per change', value: ValueKind.none, default: false },
    {
      name: 'undo-on-failure',
      describe: 'On Failed or Timeout, roll back to the previous revision as kubectl rollout undo does, then watch the rollback (one Deployment)',
      value: ValueKind.none,
      default: false,
    },
    {
      name: 'dry-run',
      describe: 'With --undo-on-failure: send the rollback with dryRun=All (the API server and webhooks check it, nothing is stored)',
      value: ValueKind.none,
      default: false,
    },
  ],
  output: { default: OutputFormat.text },
  examples: [
    ['kubectl paas rollout status web', 'Watch deployment "web" until it completes, fails, times out or is paused'],
    ['kubectl paas rollout status web -o json --timeout 5m', 'Watch at most 5 minutes, one JSON document per line per change (NDJSON)'],
    ['kubectl paas rollout status web -o json --final-only', 'Wait, then print only the final status as one JSON document'],
    ['kubectl paas rollout status -l team=shop --watch=false', 'One look at every workload labelled team=shop'],
    ['kubectl paas rollout status sts/db ds/agent deploy/web', 'Follow a StatefulSet, a DaemonSet and a Deployment at once; the worst decides the exit code'],
    ['kubectl paas rollout status -A -o json', 'Every rollout of the cluster, one JSON line per workload per change'],
    ['kubectl paas rollout status web --undo-on-failure --timeout 10m', 'Watch; on failure roll back to the previous revision and watch that'],
  ],
  exits: 'rolloutStatus',
});

const ROLLOUT_HISTORY = leaf({
  name: 'history',
  describe: 'Every revision still held in ReplicaSets, with its deploy-id and outcome',
  positional: PositionalKind.deployment,
  positionalDescribe: DEPLOYMENT,
  connection: true,
  flags: [{ name: 'revision', describe: "One revision: its facts and its pod template's diff against the current one", value: ValueKind.number }],
  output: { default: OutputFormat.text },
  examples: [
    ['kubectl paas rollout history web', 'Each revision: deploy-id, images, age, pods now, outcome, change-cause'],
    ['kubectl paas rollout history web --revision 3', "Revision 3's pod template against the current one"],
    ['kubectl paas rollout history web -o json', 'The documented JSON (docs/json-output.md)'],
  ],
  exits: 'rolloutHistory',
});

/** Lines of each failing container's log diagnose reads by default, and the most --logs takes. */
export const DIAGNOSE_LOG_LINES = { default: 20, max: 1000 } as const;

const DIAGNOSE = leaf({
  name: 'diagnose',
  describe: 'Name the cause of stuck rollouts, with evidence and next commands: one workload, several, or all',
  usage:
    "kubectl paas diagnose [workloads..] [-n namespace | -A] [-l selector] [--summary] [--events] [--logs N | --no-logs] [-o text|json|yaml]\n\nName the cause of a stuck rollout: walks the workload (a Deployment and its ReplicaSets, a StatefulSet or a DaemonSet), its pods, their events, the namespace's quotas (and the nodes when scheduling failed, a StatefulSet's volume claims when they hold a pod back), and prints the most likely root cause first, with the evidence and the next commands to run. Several workloads, -l, -A or none named (every one of the namespace): a summary first, one line per rollout that is not healthy, most severe first; then the diagnosis of each.",
  positional: PositionalKind.workloads,
  positionalDescribe: WORKLOADS,
  connection: true,
  flags: [
    SELECTOR,
    ALL_NAMESPACES,
    {
      name: 'summary',
      describe: 'With several workloads: only the summary (one line per rollout that is not healthy), not each diagnosis',
      value: ValueKind.none,
      default: false,
    },
    { name: 'events', describe: 'Also print every event of the rollout as a timeline (in -o json: an "events" array)', value: ValueKind.none, default: false },
    {
      name: 'logs',
      describe: `Lines of each failing container's log shown as evidence (the run before its last restart when it restarted; 0: none; at most ${DIAGNOSE_LOG_LINES.max})`,
      value: ValueKind.number,
      default: DIAGNOSE_LOG_LINES.default,
    },
    { name: 'no-logs', describe: 'Read no container logs (as --logs 0)', value: ValueKind.none },
  ],
  output: { default: OutputFormat.text },
  examples: [
    ['kubectl paas diagnose web -n shop', 'Why is the rollout of deployment "web" stuck?'],
    ['kubectl paas diagnose web -o json | jq .findings[0].code', 'The root cause as a stable code'],
    ['kubectl paas diagnose web --events', "The findings, then the rollout's events oldest first"],
    ['kubectl paas diagnose -A --summary', 'Which rollouts of the cluster are stuck, and why: one line each'],
    ['kubectl paas diagnose sts/db -n data', 'Why does statefulset "db" not roll out?'],
  ],
  exits: 'diagnose',
});

const LOGS = leaf({
  name: 'logs',
  describe: 'Logs of every container of every pod of one rollout',
  positional: PositionalKind.deployment,
  positionalDescribe: DEPLOYMENT,
  connection: true,
  flags: [
    { name: 'deploy-id', describe: 'The rollout with this paas.io/deploy-id', value: ValueKind.free },
    { name: 'revision', describe: 'The rollout of this revision (kubectl paas rollout history lists them)', value: ValueKind.number },
    { name: 'new', describe: "The new ReplicaSet's pods: the rollout of the current template (the default)", value: ValueKind.none },
    { name: 'old', describe: "The old ReplicaSets' pods that still run (the rollout being replaced)", value: ValueKind.none },
    { name: 'container', short: 'c', describe: 'Only this container of each pod', value: ValueKind.free },
    {
      name: 'all-containers',
      describe: 'Every container of each pod, init containers too; --all-containers=false: the default one',
      value: ValueKind.none,
      default: true,
    },
    { name: 'previous', short: 'p', describe: "The previous instance's logs (before the last restart)", value: ValueKind.none, default: false },
    { name: 'since', describe: 'Only lines newer than this (5s, 2m, 3h)', value: ValueKind.free },
    { name: 'tail', describe: 'Lines of each log to show, from its end; -1: all', value: ValueKind.number, default: -1 },
    { name: 'follow', short: 'f', describe: 'Stream the logs; pods that come are picked up, pods that go dropped', value: ValueKind.none, default: false },
    { name: 'prefix', describe: 'Prefix each line with [pod/NAME/CONTAINER]', value: ValueKind.none, default: true },
    { name: 'max-log-requests', describe: 'Most log streams open at once', value: ValueKind.number, default: 5 },
  ],
  output: { default: OutputFormat.text, refuse: { [OutputFormat.yaml]: 'logs prints lines: use -o text (default) or -o json (one JSON object a line)' } },
  examples: [
    ['kubectl paas logs web', 'Every container of every pod of the current rollout of "web"'],
    ['kubectl paas logs web --old -f', 'Follow the pods being replaced until the last one is gone'],
    ['kubectl paas logs web --deploy-id 5f0c2a9e-7b1d-4c3e-9a8f-6e5d4c3b2a10 --previous --tail 100', 'The roll under investigation, before its last crash'],
  ],
  exits: 'logs',
});

// `audit`, not `policy audit`: it is a verb on live objects, read through kubectl's connection
// flags like `diagnose` and `logs` (and kubectl's own verbs: get, describe, diff), while `policy`
// is the offline group that takes no connection flags (its manifests come from files). The word
// is the one such tools use for "judge what already runs against a policy" (Gatekeeper's audit,
// `polaris audit`); `policy check` stays the same judgement of manifests before they are applied.
const AUDIT = leaf({
  name: 'audit',
  describe: 'Which running Deployments meet the policy, and what the webhook would change in each (reads only)',
  usage:
    "kubectl paas audit [deployments..] [-n namespace | -A] [-l selector] [--config paas.toml] [-o text|json|yaml]\n\nRun the policy in memory on the Deployments already running (nothing is written): whether each meets it, the changes the webhook would make (its warn mode's lines), whether the webhook sees it at all (opted out by label, an excluded or not opted-in namespace) and in which mode, and whether the webhook admitted its current pod template (paas.io/deploy-id on it). The paas.toml judged by: --config, else the installed webhook's (ConfigMap paas-system/paas-webhook-config), else the built-in defaults; the report says which.",
  positional: PositionalKind.deployments,
  positionalDescribe: 'Deployment names (default: every Deployment in the namespace, or in all with -A)',
  connection: true,
  flags: [
    SELECTOR,
    ALL_NAMESPACES,
    {
      name: 'config',
      describe: "paas.toml to judge by (default: the installed webhook's, ConfigMap paas-system/paas-webhook-config, else the built-in defaults)",
      value: ValueKind.file,
      extensions: ['toml'],
    },
  ],
  output: { default: OutputFormat.text },
  examples: [
    ['kubectl paas audit -A', 'Every Deployment of the cluster: meets the policy or falls short, and what would change'],
    ['kubectl paas audit -n shop -o json | jq \'.deployments[] | select(.verdict == "FallsShort") | .name\'', 'The Deployments of "shop" that fall short'],
    ['kubectl paas audit web --config paas.toml', 'Judge deployment "web" by a paas.toml before installing it'],
  ],
  exits: 'audit',
});

const VERSION = leaf({
  name: 'version',
  describe: "The plugin's version, and the installed webhook's when it can be reached",
  connection: true,
  flags: [{ name: 'client', describe: "Only the plugin's version: no cluster is asked (as kubectl version --client)", value: ValueKind.none, default: false }],
  output: { default: OutputFormat.text },
  examples: [
    ['kubectl paas version', 'Client Version and Webhook Version'],
    ['kubectl paas version --client -o json', "The plugin's version as JSON, without a cluster"],
  ],
  exits: 'version',
});

/** `kubectl paas` and everything below it. */
export const ROOT: CommandSpec = group({
  name: 'paas',
  describe: 'Zero-downtime rollouts: the policy and its audit, rollout status and diagnosis',
  usage: 'kubectl paas <command> [flags]\n\nZero-downtime rollouts: the policy and its audit, rollout status and diagnosis.',
  demand: 'Name a command: policy, rollout, diagnose, logs, audit or version',
  subcommands: [
    POLICY,
    group({
      name: 'rollout',
      describe: 'Rollout status (Deployments, StatefulSets, DaemonSets) and history (Deployments)',
      demand: 'Name a subcommand: status or history',
      subcommands: [ROLLOUT_STATUS, ROLLOUT_HISTORY],
    }),
    DIAGNOSE,
    LOGS,
    AUDIT,
    VERSION,
  ],
});

/** The words of the command a line names (e.g. `policy show` of `policy show --server x`), as far
 * as it names one: a usage error of the parser points at that command's --help. */
export function commandPath(argv: readonly string[]): string {
  const path: string[] = [];
  let c = ROOT;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') break;
    if (word.startsWith('-')) {
      const [name, inline] = word.replace(/^--?/, '').split('=');
      const flag = [...GLOBAL_FLAGS, ...CONNECTION_FLAGS, ...c.flags].find((f) => f.name === name || f.short === name);
      if (flag && flag.value !== ValueKind.none && inline === undefined) i++; // its value is the next word
      continue;
    }
    const sub = c.subcommands.find((s) => s.name === word);
    if (!sub) break;
    path.push(sub.name);
    c = sub;
  }
  return path.join(' ');
}
