// Every flag that --help lists, run once on every command through the real yargs tree (main()),
// so that no documented flag can be refused again (`--no-color` once was, by every command:
// yargs read it as the negation of an undeclared `color`). The flags come from the one
// declaration of commands and flags (plugin/commands/table.ts, as the completion sees it), which
// test/unit/completion/spec.test.ts holds equal to each command's --help. Commands
// that need a cluster get a kubeconfig whose server is a closed loopback port: a flag was
// accepted when the command got as far as connecting (or ran to its exit code).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../plugin/cli.js';
import { flagsOf, ROOT, ValueKind, type CommandSpec, type FlagSpec } from '../../../plugin/completion/spec.js';
import { ExitCode, PaasError } from '../../../core/errors.js';
import { makePki } from '../kube-client/pki.js';
import { cliRun } from './cli-harness.js';

const root = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'paas-flags-'));
const pki = makePki(dir);
const pair = pki.client('someone');
const files = {
  kubeconfig: join(dir, 'kubeconfig'),
  config: join(dir, 'paas.toml'),
  filename: join(dir, 'app.yaml'),
  'certificate-authority': pki.caFile,
  'client-certificate': pair.certFile,
  'client-key': pair.keyFile,
};
writeFileSync(files.config, '[deploy]\nsurge = "50%"\n');
writeFileSync(
  files.filename,
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: app\n        image: nginx:1.27\n',
);
let port = 0;

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const p = (srv.address() as { port: number }).port;
  await new Promise<void>((ok) => srv.close(() => ok()));
  return p;
}

beforeAll(async () => {
  port = await closedPort();
  writeFileSync(
    files.kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{ name: nowhere, cluster: { server: "https://127.0.0.1:${port}" } }]
users: [{ name: nobody, user: { token: not-a-secret } }]
contexts: [{ name: nowhere, context: { cluster: nowhere, user: nobody, namespace: shop } }]
current-context: nowhere
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every command with no subcommands, with its words below `kubectl paas`. */
function leaves(cmd: CommandSpec, path: string[] = []): { path: string[]; cmd: CommandSpec }[] {
  return cmd.subcommands.length === 0 ? [{ path, cmd }] : cmd.subcommands.flatMap((c) => leaves(c, [...path, c.name]));
}

// What each command needs besides the flag under test: positionals and flags (by long name,
// left out when it is the flag under test). A new command fails the test until it is added.
const BASE: Record<string, { positionals: string[]; flags: Record<string, string> }> = {
  'policy apply': { positionals: [], flags: { filename: files.filename } },
  'policy check': { positionals: [], flags: { filename: files.filename } },
  'policy show': { positionals: [], flags: {} },
  'policy render': { positionals: [], flags: { as: 'mutating-admission-policy' } },
  'rollout status': { positionals: [], flags: { kubeconfig: files.kubeconfig } },
  'rollout history': { positionals: ['web'], flags: { kubeconfig: files.kubeconfig } },
  diagnose: { positionals: [], flags: { kubeconfig: files.kubeconfig } },
  logs: { positionals: ['web'], flags: { kubeconfig: files.kubeconfig } },
  audit: { positionals: [], flags: { kubeconfig: files.kubeconfig } },
  version: { positionals: [], flags: { kubeconfig: files.kubeconfig } },
};

// Flags that only go with others (the command says so otherwise): what each needs on the line.
const COMPANIONS: Record<string, string[]> = {
  'rollout status --undo-on-failure': ['web'],
  'rollout status --dry-run': ['web', '--undo-on-failure'],
};

// Values of flags whose kind offers none (ValueKind.free, ValueKind.number); a new one needs one here.
// $SERVER is the closed port's URL, known only once the port is bound.
const FREE: Record<string, string> = {
  selector: 'app=web',
  timeout: '30s',
  revision: '3',
  server: '$SERVER',
  token: 'not-a-secret-either',
  'tls-server-name': 'localhost',
  as: 'someone',
  'as-group': 'team',
  'as-uid': '1234',
  'request-timeout': '5s',
  logs: '5',
  'deploy-id': '5f0c2a9e-7b1d-4c3e-9a8f-6e5d4c3b2a10',
  container: 'app',
  since: '5m',
  tail: '100',
  'max-log-requests': '10',
  name: 'shop-rollouts',
  'webhook-namespace': 'platform',
  'exclude-namespace': 'batch',
};

// Flags that need another to make sense, as kubectl's: a client certificate needs its key, and
// impersonated groups or a uid need the impersonated user.
const NEEDS: Record<string, Record<string, string>> = {
  'client-certificate': { 'client-key': files['client-key'] },
  'client-key': { 'client-certificate': files['client-certificate'] },
  'as-group': { as: 'someone' },
  'as-uid': { as: 'someone' },
};

/** The value(s) to give a flag: each choice once, else one valid value of its kind. */
function valuesOf(f: FlagSpec): (string | undefined)[] {
  switch (f.value) {
    case ValueKind.none:
      return [undefined];
    case ValueKind.choice:
      return [...(f.values ?? [])];
    case ValueKind.file:
      return [files[f.name as keyof typeof files]];
    case ValueKind.context:
    case ValueKind.cluster:
      return ['nowhere'];
    case ValueKind.user:
      return ['nobody'];
    case ValueKind.namespace:
      return ['shop'];
    case ValueKind.free:
    case ValueKind.number:
      return [FREE[f.name]];
  }
}

// Refusals a command makes on purpose after parsing, with its own words (not the parser's).
const LOGS_YAML = "logs prints lines: use -o text (default) or -o json (one JSON object a line) (see 'kubectl paas logs --help')";
const APPLY_TEXT = "policy apply prints manifests: use -o yaml (default) or -o json (see 'kubectl paas policy apply --help')";
const RENDER_TEXT = "policy render prints manifests: use -o yaml (default) or -o json (see 'kubectl paas policy render --help')";
const REFUSED_BY_COMMAND: { command: string; args: string[]; says: string }[] = [
  { command: 'policy apply', args: ['--output', 'text'], says: APPLY_TEXT },
  { command: 'policy apply', args: ['-o', 'text'], says: APPLY_TEXT },
  { command: 'policy render', args: ['--output', 'text'], says: RENDER_TEXT },
  { command: 'policy render', args: ['-o', 'text'], says: RENDER_TEXT },
  { command: 'logs', args: ['--output', 'yaml'], says: LOGS_YAML },
  { command: 'logs', args: ['-o', 'yaml'], says: LOGS_YAML },
];

/** Parsing accepted the line: the command ran to an exit code, or went on to reach the cluster. */
type Outcome = { accepted: true; code: number } | { accepted: false; message: string };

async function outcome(argv: string[]): Promise<Outcome> {
  try {
    return { accepted: true, code: await main(argv, cliRun().deps) };
  } catch (err) {
    if (!(err instanceof PaasError)) throw err;
    // Only the connection to the closed port may fail: every flag was parsed and validated by then.
    if (err.message.startsWith(`cannot reach the cluster at https://127.0.0.1:${port} (ECONNREFUSED)`)) return { accepted: true, code: err.exit };
    return { accepted: false, message: err.message };
  }
}

/** One line per flag spelling (long, and short when there is one) and value, on every command. */
function runs(): { name: string; command: string; argv: string[] }[] {
  const out: { name: string; command: string; argv: string[] }[] = [];
  for (const { path, cmd } of leaves(ROOT)) {
    const command = path.join(' ');
    const base = BASE[command] ?? { positionals: [], flags: {} };
    for (const f of flagsOf(cmd)) {
      // --help and -h print the help and exit the process; they are run in a child below.
      if (f.name === 'help') continue;
      const rest = Object.entries({ ...base.flags, ...NEEDS[f.name] })
        .filter(([name]) => name !== f.name)
        .flatMap(([name, v]) => [`--${name}`, v]);
      for (const value of valuesOf(f)) {
        for (const spelling of [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]) {
          const flag = value === undefined ? [spelling] : [spelling, value];
          const needs = COMPANIONS[`${command} --${f.name}`] ?? [];
          out.push({
            name: `kubectl paas ${command} ${flag.join(' ').replace(dir, '$TMP')}`,
            command,
            argv: [...path, ...base.positionals, ...rest, ...needs, ...flag],
          });
        }
      }
    }
  }
  return out;
}

describe('every flag --help lists is accepted by its command', () => {
  it('has the base arguments of every command of the table', () => {
    expect(
      leaves(ROOT)
        .map(({ path }) => path.join(' '))
        .sort(),
    ).toEqual(Object.keys(BASE).sort());
  });

  it('has a value for every flag that takes one', () => {
    const missing = leaves(ROOT)
      .flatMap(({ cmd }) => flagsOf(cmd))
      .filter((f) => (f.value === ValueKind.free || f.value === ValueKind.number) && FREE[f.name] === undefined);
    expect(missing.map((f) => f.name)).toEqual([]);
  });

  it.each(runs())('$name', async ({ command, argv: line }) => {
    const argv = line.map((a) => a.replace('$SERVER', `https://127.0.0.1:${port}`));
    const got = await outcome(argv);
    const refusal = REFUSED_BY_COMMAND.find((r) => r.command === command && argv.join(' ').endsWith(r.args.join(' ')));
    if (refusal) expect(got).toEqual({ accepted: false, message: refusal.says });
    else expect(got).toMatchObject({ accepted: true });
  });

  it.each(leaves(ROOT).map(({ path }) => ({ name: `kubectl paas ${path.join(' ')} -h`, path })))(
    '$name prints the help and exits 0',
    async ({ path }) => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'plugin/main.ts', ...path, '-h'], {
        cwd: root,
        env: { ...process.env, NO_COLOR: '1' },
      });
      expect(stdout.split('\n')[0]).toMatch(new RegExp(`^kubectl paas ${path.join(' ')}\\b`));
      expect(stdout).toMatch(/^Options:$/m);
    },
    30_000,
  );
});

// The control: the same harness tells a refused flag from an accepted one. `--no-color` was
// refused exactly like these (`Unknown argument: color`), so the walk above would have failed.
describe('the walk catches a refused flag', () => {
  it.each([
    { name: '--color (only --no-color exists)', argv: ['policy', 'show', '--color'], says: 'Unknown argument: color' },
    { name: '--color=false', argv: ['policy', 'show', '--color=false'], says: 'Unknown argument: color' },
    {
      name: '--no-watch (the spelling is --watch=false)',
      argv: ['rollout', 'status', '--no-watch', '--kubeconfig', '/nonexistent'],
      says: 'Unknown arguments: no-watch',
    },
    { name: 'an unknown flag', argv: ['diagnose', 'web', '--frobnicate', '--kubeconfig', '/nonexistent'], says: 'Unknown argument: frobnicate' },
    // The offline policy commands take none of kubectl's connection flags (they would do nothing).
    {
      name: 'a connection flag on policy',
      argv: ['policy', 'show', '--kubeconfig', '/k'],
      says: "Unknown argument: kubeconfig (see 'kubectl paas policy show --help')",
    },
    {
      name: '-n on policy check',
      argv: ['policy', 'check', '-f', files.filename, '-n', 'shop'],
      says: "Unknown argument: n (see 'kubectl paas policy check --help')",
    },
    // policy render's --as is its own choice, not kubectl's impersonation (no connection flags there).
    {
      name: 'a value of policy render --as it does not know',
      argv: ['policy', 'render', '--as', 'someone'],
      says: 'invalid value "someone" for --as: use mutating-admission-policy (see \'kubectl paas policy render --help\')',
    },
    {
      name: 'a bad value, refused by the command',
      argv: ['rollout', 'status', '--timeout', '5', '--kubeconfig', '/nonexistent'],
      says: '--timeout: invalid duration "5"',
    },
  ])('$name', async ({ argv, says }) => {
    const got = await outcome(argv);
    expect(got.accepted).toBe(false);
    expect((got as { message: string }).message).toContain(says);
    await expect(main(argv, cliRun().deps)).rejects.toMatchObject({ exit: ExitCode.usage });
  });
});
