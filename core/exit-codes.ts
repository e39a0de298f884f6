// What each exit code means to each command of both binaries, from the one catalogue
// (core/errors.ts): the --help epilogues' exit-code lines and the page docs/exit-codes.md are
// written from this table and nowhere else (`make docs` writes the page; a unit test fails when
// the page differs from what this module writes).
import { ERRORS, ErrorCode, ExitCode } from './errors.js';

/** A code and what it means to one command. */
export type Outcome = readonly [code: ExitCode, meaning: string];

/** An error of the catalogue a command can end with, and what it names there (else the catalogue's words). */
export type ErrorLine = readonly [code: ErrorCode, names?: string];

/** The exit codes of one command. */
export interface CommandExits {
  /** The command as typed. */
  command: string;
  /** Said before the codes (how several answers combine). */
  note?: string;
  /** The command's own answers (0, and the codes it gives a meaning of its own). */
  outcomes: readonly Outcome[];
  /** The catalogue's errors it can end with. */
  errors: readonly ErrorLine[];
}

/** The errors every command that talks to the cluster can end with; `notFound` says what it looks up. */
const clusterErrors = (notFound: string): readonly ErrorLine[] => [
  [ErrorCode.Usage],
  [ErrorCode.NotFound, notFound],
  [ErrorCode.Forbidden],
  [ErrorCode.Unreachable],
  [ErrorCode.Kubeconfig],
  [ErrorCode.Error],
];

/** Every command's exit codes. */
export const COMMAND_EXITS = {
  rolloutStatus: {
    command: 'kubectl paas rollout status',
    note: 'with several workloads the worst decides, in this order: error, Failed, Timeout, Paused, InProgress, Completed',
    outcomes: [
      [ExitCode.ok, 'Completed: every workload rolled out'],
      [
        ExitCode.problems,
        'Failed: ReplicaFailure, every new pod (of a StatefulSet or DaemonSet: of its current revision) on a permanent error (bad image, missing config, a container that cannot start), or --revision superseded',
      ],
      [ExitCode.timeout, 'Timeout: progressDeadlineSeconds exceeded, or --timeout ran out'],
      [ExitCode.inProgress, 'InProgress: still rolling out (--watch=false)'],
      [ExitCode.paused, 'Paused: spec.paused is set and the rollout is not complete'],
      [
        ExitCode.rollbackFailed,
        "--undo-on-failure: the rollback itself failed (refused by the API server, or Failed or Timeout); a rollback that completes, or is not attempted, keeps the failure's code (1 or 2)",
      ],
    ],
    errors: [
      ...clusterErrors('a named workload (also one deleted while watched), or none matches').filter(([code]) => code !== ErrorCode.Error),
      [
        ErrorCode.Error,
        'a StatefulSet or DaemonSet whose updateStrategy is not RollingUpdate (OnDelete: kubectl refuses it too), or any other failure (named)',
      ],
    ],
  },
  rolloutHistory: {
    command: 'kubectl paas rollout history',
    outcomes: [[ExitCode.ok, 'the history (or the revision) was written']],
    errors: clusterErrors('the Deployment, or the --revision'),
  },
  logs: {
    command: 'kubectl paas logs',
    outcomes: [
      [ExitCode.ok, 'every log was read (with -f: the rollout has no pod left, or interrupted)'],
      [ExitCode.problems, 'a log could not be read (named on stderr; the others are still written)'],
    ],
    errors: clusterErrors('the Deployment, the --deploy-id or --revision, or the rollout asked for (--new, --old)'),
  },
  diagnose: {
    command: 'kubectl paas diagnose',
    note: 'with several workloads the worst verdict decides',
    outcomes: [
      [ExitCode.ok, 'healthy (rolled out, no error; warnings are listed beside it), or rolling out normally'],
      [ExitCode.problems, 'problems found: an error, or a warning while the rollout is not done (the findings say which)'],
    ],
    errors: clusterErrors('a named workload'),
  },
  audit: {
    command: 'kubectl paas audit',
    note: 'opted-out Deployments never count: the webhook does not see them',
    outcomes: [
      [ExitCode.ok, 'every Deployment the webhook sees meets the policy (or none was found)'],
      [
        ExitCode.problems,
        "some fall short: a Deployment the webhook sees (or whose namespace's labels could not be read) would be changed, or is invalid (the report names each)",
      ],
    ],
    errors: [[ErrorCode.BadInput, "the paas.toml judged by (--config, or the installed webhook's ConfigMap), named"], ...clusterErrors('a named Deployment')],
  },
  version: {
    command: 'kubectl paas version',
    outcomes: [[ExitCode.ok, "the versions were written (the webhook's: its version, or that it is not installed)"]],
    // A webhook that is not installed is an answer (said), not a 404.
    errors: [[ErrorCode.Usage], [ErrorCode.Forbidden], [ErrorCode.Unreachable], [ErrorCode.Kubeconfig], [ErrorCode.Error]],
  },
  policy: {
    command: 'kubectl paas policy apply|check|show',
    outcomes: [
      [ExitCode.ok, 'done; check: no violations'],
      [ExitCode.problems, 'check: at least one violation'],
    ],
    errors: [
      [ErrorCode.BadInput, 'YAML, TOML, a field or annotation, a file that cannot be read (named; nothing is printed)'],
      [ErrorCode.Usage],
      [ErrorCode.Error, 'any other failure, named (a bug)'],
    ],
  },
  webhook: {
    command: 'paas-webhook serve',
    outcomes: [
      [ExitCode.ok, 'drained and stopped after SIGTERM or SIGINT'],
      [ExitCode.problems, 'a second signal during the drain'],
    ],
    errors: [[ErrorCode.StartFailed], [ErrorCode.Usage]],
  },
} as const satisfies Record<string, CommandExits>;

/** Every line of a command, by code: its own answers, and its errors with what they name there
 * (`full`: else with the catalogue's words; otherwise the title alone, the catalogue explains). */
function linesOf(c: CommandExits, full: boolean): Outcome[] {
  const error = ([code, names]: ErrorLine): Outcome => {
    const e = ERRORS[code];
    const detail = names ?? (full ? e.means : undefined);
    return [e.exit, detail ? `${e.title}: ${detail}` : e.title];
  };
  return [...c.outcomes, ...c.errors.map(error)].sort((a, b) => a[0] - b[0]);
}

/** The exit-code lines of a command's --help. */
export function exitCodeHelp(c: CommandExits): string {
  const lines = linesOf(c, true).map(([code, meaning]) => `  ${String(code).padEnd(3)} ${meaning}`);
  return [`Exit codes${c.note ? ` (${c.note})` : ''}:`, ...lines].join('\n');
}

/** Why the numbers are what they are (the page's last section; core/errors.ts says it shorter). */
const WHY = `kubectl, and kubectl plugins by convention, exit 1 for every error. Here 1 already means "the
command's answer is no": \`rollout status\` mirrors \`kubectl rollout status\`' states (0
Completed, 1 Failed, 2 Timeout, 3 InProgress, 4 Paused), \`diagnose\` found problems, \`policy
check\` found violations, \`audit\` found Deployments that fall short. An error exiting 1 would
read as that verdict: a CI step that rolls back on exit 1 would roll back because the cluster
was unreachable. So errors have codes of their own, above the verdicts: 5 stays the usage error
it always was in \`policy\` and in \`paas-webhook\`; 7 (not found), 8 (forbidden), 9
(unreachable) and 10 (kubeconfig), which exit 5 used to cover in the cluster commands alike,
let a script tell "create it first" from "ask for the permission", "retry later" and "fix the
kubeconfig"; 11 is any other error. 0–4 and 6 keep their meaning. \`paas-webhook\` is a server:
its supervisor only needs to know that the start failed (1), or that the command line is wrong
(5, as in the plugin).`;

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** docs/exit-codes.md. */
export function exitCodesPage(): string {
  const commands: readonly CommandExits[] = Object.values(COMMAND_EXITS);
  const codes = [...new Set(commands.flatMap((c) => linesOf(c, false).map(([code]) => code)))].sort((a, b) => a - b);
  const header = `| code | ${commands.map((c) => `\`${cell(c.command)}\``).join(' | ')} |`;
  const meaning = (c: CommandExits, code: ExitCode): string =>
    linesOf(c, false)
      .filter(([k]) => k === code)
      .map(([, m]) => cell(m))
      .join('; ');
  const rows = codes.map((code) => `| ${code} | ${commands.map((c) => meaning(c, code)).join(' | ')} |`);
  const catalogue = Object.entries(ERRORS).map(([code, e]) => `| \`${code}\` | ${e.exit} | ${e.title} | ${cell(e.means)} |`);
  const help = commands.map((c) => `### \`${c.command}\`\n\n\`\`\`text\n${exitCodeHelp(c)}\n\`\`\``);
  return [
    '# Exit codes',
    '',
    '<!-- Written by `make docs` from core/errors.ts and core/exit-codes.ts; test/unit/docs/exit-codes.test.ts fails when this page differs. Do not edit by hand. -->',
    '',
    'Both binaries, `kubectl paas` and `paas-webhook`, exit with the codes of one table. An error is one line on stderr (`error: …`, `paas-webhook: error: …`) naming what went wrong.',
    '',
    '## By command',
    '',
    header,
    `|---|${commands.map(() => '---|').join('')}`,
    ...rows,
    '',
    '## The errors',
    '',
    'Every error either binary raises is an entry of one catalogue (`core/errors.ts`): a stable code, an exit code and what it covers.',
    '',
    '| code | exit | name | covers |',
    '|---|---|---|---|',
    ...catalogue,
    '',
    '## As `--help` says them',
    '',
    ...help.flatMap((h) => [h, '']),
    '## Why these numbers',
    '',
    WHY,
    '',
  ].join('\n');
}
