// `kubectl paas policy apply|check|show`, run in-process through main() (the same yargs tree the
// binary uses), plus the built entry point once for stdin, exit codes and the default paas.toml.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../plugin/cli.js';
import { PaasError } from '../../../core/errors.js';
import { ADMISSION_POLICY_GAPS, DEFAULT_ADMISSION_POLICY_SCOPE } from '../../../core/policy/index.js';
import { ROOT } from '../../../plugin/commands/table.js';
import { policyGaps } from '../../fixtures/policy-gaps.js';
import { CORPUS_FILES, corpusText, SKIP_CORPUS, warnIfNoCorpus } from '../corpus.js';
import { kubectlRead, SKIP_KUBECTL, warnIfNoKubectl } from '../kubectl-oracle.js';
import { cliRun } from './cli-harness.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'paas-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
`;
const DEPLOYMENT = `apiVersion: apps/v1 # the only Deployment API
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: app
        image: nginx:1.27 # pinned
        ports:
        - containerPort: 8080
`;
const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  key: value
`;
const stream = `${SERVICE}---\n${DEPLOYMENT}---\n${CONFIGMAP}`;

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
});

/** Runs the CLI; returns the exit code main() resolves to, or the thrown error's (the catalogue's) code. */
async function run(...argv: string[]): Promise<{ code: number; error?: string }> {
  const r = cliRun();
  try {
    return { code: await main(argv, r.deps) };
  } catch (e) {
    if (e instanceof PaasError) return { code: e.exit, error: e.message };
    throw e;
  } finally {
    out += r.out();
    err += r.err();
  }
}

describe('policy apply', () => {
  it('prints every document in order, Deployments patched, others unchanged, comments kept', async () => {
    const r = await run('policy', 'apply', '-f', file('app.yaml', stream));
    expect(r).toEqual({ code: 0 });
    const docs = parseAllDocuments(out).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(['Service', 'Deployment', 'ConfigMap']);
    expect(docs[0]).toEqual(parse(SERVICE));
    expect(docs[2]).toEqual(parse(CONFIGMAP));
    expect(docs[1].spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(docs[1].spec.replicas).toBe(3);
    expect(docs[1].spec.template.spec.containers[0].lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    expect(docs[1].spec.template.metadata.labels).toEqual({ app: 'web' });
    expect(out).toContain('# the only Deployment API');
    expect(out).toContain('# pinned');
    expect(err).toContain('Warning: deployment/web (document 2): maxUnavailable 25% -> 0\n');
  });

  it('prints the object as JSON with -o json, and a List for several', async () => {
    await run('policy', 'apply', '-f', file('one.yaml', DEPLOYMENT), '-o', 'json');
    expect(JSON.parse(out).spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    out = '';
    await run('policy', 'apply', '-f', file('three.yaml', stream), '-o', 'json');
    const list = JSON.parse(out);
    expect(list.kind).toBe('List');
    expect(list.items.map((i: { kind: string }) => i.kind)).toEqual(['Service', 'Deployment', 'ConfigMap']);
  });

  it('patches the items of a kind: List (kubectl get -o yaml)', async () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [parse(SERVICE), parse(DEPLOYMENT)] };
    await run('policy', 'apply', '-f', file('list.json', JSON.stringify(list)), '-o', 'json');
    expect(JSON.parse(out).items[1].spec.progressDeadlineSeconds).toBeUndefined();
    expect(JSON.parse(out).items[1].spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it('uses the config given with --config, and exec preStop with --no-native-sleep', async () => {
    const conf = file('custom.toml', '[deploy]\nsurge = "50%"\nprestop_sleep = 10\n');
    await run('policy', 'apply', '-f', file('d.yaml', DEPLOYMENT), '--config', conf, '--no-native-sleep', '-o', 'json');
    const d = JSON.parse(out);
    expect(d.spec.strategy.rollingUpdate.maxSurge).toBe('50%');
    expect(d.spec.template.spec.containers[0].lifecycle.preStop).toEqual({ exec: { command: ['sleep', '10'] } });
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(35);
  });

  it('passes an extensions/v1beta1 Deployment through untouched and says so', async () => {
    const old = DEPLOYMENT.replace('apps/v1 # the only Deployment API', 'extensions/v1beta1');
    await run('policy', 'apply', '-f', file('old.yaml', old));
    expect(parse(out)).toEqual(parse(old));
    expect(err).toMatch(/deployment\/web \(document 1\): left unchanged: not an apps\/v1 Deployment \(extensions\/v1beta1/);
  });

  it('renders JSON input as block YAML', async () => {
    await run('policy', 'apply', '-f', file('d.json', JSON.stringify(parse(DEPLOYMENT))));
    expect(out).toMatch(/^apiVersion: apps\/v1\nkind: Deployment\n/);
    expect(out).not.toContain('{');
    expect(parse(out).spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });

  it('reads YAML 1.1 as Kubernetes does: 0400, 0755 and yes stay as written in YAML, are 256, 493 and true in JSON', async () => {
    const text = DEPLOYMENT.replace(
      '        ports:',
      ['        volumeMounts: [{name: creds, mountPath: /etc/creds, readOnly: yes}]', '        ports:'].join('\n'),
    ).replace(
      '      containers:',
      [
        '      volumes:',
        '      - name: creds',
        '        secret: {secretName: vault-creds, defaultMode: 0400}',
        '      - name: scripts',
        '        configMap: {name: agent-scripts, defaultMode: 0755}',
        '      containers:',
      ].join('\n'),
    );
    await run('policy', 'apply', '-f', file('issue.yaml', text));
    expect(out).toContain('secret: { secretName: vault-creds, defaultMode: 0400 }');
    expect(out).toContain('configMap: { name: agent-scripts, defaultMode: 0755 }');
    expect(out).toContain('readOnly: yes }');
    out = '';
    await run('policy', 'apply', '-f', file('issue.yaml', text), '-o', 'json');
    const pod = JSON.parse(out).spec.template.spec;
    expect(pod.volumes.map((v: { secret?: { defaultMode: number }; configMap?: { defaultMode: number } }) => (v.secret ?? v.configMap)?.defaultMode)).toEqual([
      256, 493,
    ]);
    expect(pod.containers[0].volumeMounts[0].readOnly).toBe(true);
  });

  it('refuses -o text (it prints manifests)', async () => {
    expect((await run('policy', 'apply', '-f', file('t.yaml', DEPLOYMENT), '-o', 'text')).code).toBe(5);
  });
});

describe('several files', () => {
  it('reads repeated -f and a directory (its .yaml/.yml/.json files, in name order), naming each file', async () => {
    const sub = mkdtempSync(join(dir, 'manifests-'));
    writeFileSync(join(sub, 'b-web.yaml'), DEPLOYMENT);
    writeFileSync(join(sub, 'a-svc.yml'), SERVICE);
    writeFileSync(join(sub, 'notes.txt'), 'not a manifest: [');
    const extra = file('api.yaml', DEPLOYMENT.replace('name: web\nspec', 'name: api\nspec'));
    const r = await run('policy', 'check', '-f', sub, '-f', extra);
    expect(r.code).toBe(1);
    expect(out).toContain(`deployment/web (${join(sub, 'b-web.yaml')}, document 1): 5 violations`);
    expect(out).toContain(`deployment/api (${extra}, document 1): 5 violations`);
    out = '';
    await run('policy', 'apply', '-f', sub, '-f', extra, '-o', 'json');
    expect(JSON.parse(out).items.map((i: { kind: string }) => i.kind)).toEqual(['Service', 'Deployment', 'Deployment']);
  });
});

describe('policy check', () => {
  it('lists the violations of each Deployment and exits 1', async () => {
    const r = await run('policy', 'check', '-f', file('c.yaml', stream));
    expect(r.code).toBe(1);
    expect(out).toContain('deployment/web (document 2): 5 violations\n');
    expect(out).toContain('  spec.strategy.rollingUpdate.maxUnavailable: 25%, policy wants 0\n');
    expect(out).toContain('  spec.template.spec.containers[0].readinessProbe: unset, policy wants GET / on port 8080\n');
    expect(out).toMatch(/c\.yaml: 1 Deployment checked, 5 violations\n$/);
  });

  it('exits 0 on the output of policy apply', async () => {
    await run('policy', 'apply', '-f', file('in.yaml', stream));
    const applied = file('applied.yaml', out);
    out = '';
    expect(await run('policy', 'check', '-f', applied)).toEqual({ code: 0 });
    expect(out).toContain('deployment/web (document 2): ok');
  });

  it('reports JSON with -o json', async () => {
    await run('policy', 'check', '-f', file('j.yaml', stream), '-o', 'json');
    const report = JSON.parse(out);
    expect(report.violations).toBe(5);
    expect(report.deployments[0]).toMatchObject({ document: 2, name: 'web' });
    expect(report.deployments[0].violations.map((v: { field: string }) => v.field)).toContain('spec.strategy.rollingUpdate.maxSurge');
  });
});

describe('bad input: exit 2, a message naming file, document, field and value, no output', () => {
  it.each([
    { name: 'unparseable YAML', text: `${SERVICE}---\nkind: [Deployment\n`, message: /bad\.yaml: document 2, line \d+, column \d+: invalid YAML/ },
    {
      name: 'an invalid annotation in the second Deployment',
      text: `${DEPLOYMENT}---\n${DEPLOYMENT.replace('name: web\nspec', 'name: api\n  annotations:\n    paas.io/max-unavailable: lots\nspec')}`,
      message:
        'bad.yaml: document 2 (deployment/api): metadata.annotations["paas.io/max-unavailable"]: expected an integer >= 0 or a percentage like "25%", got "lots"',
    },
    {
      name: 'a Deployment without spec.template',
      text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: 1\n',
      message: 'bad.yaml: document 1 (deployment/x): spec.template: expected an object, got <missing>',
    },
    { name: 'a document that is a list', text: '- a\n- b\n', message: 'bad.yaml: document 1, line 1: expected a Kubernetes object, got a list' },
    { name: 'an empty stream', text: '# nothing rendered\n---\n', message: 'bad.yaml: no objects to read (empty input)' },
    // YAML that kubectl refuses too (test/unit/yaml/kube-yaml.test.ts checks each against kubectl).
    {
      name: 'a \\/ escape',
      text: `${SERVICE}---\nkind: ConfigMap\ndata: {a: "x\\/y"}\n`,
      message: 'bad.yaml: document 2, line 10, column 13: invalid YAML: unknown escape \\/ in a double-quoted string (kubectl refuses it)',
    },
    {
      name: '.inf',
      text: `${SERVICE}---\nkind: ConfigMap\nreplicas: .inf\n`,
      message: 'bad.yaml: document 2, line 10, column 1: +Inf: JSON has no such number (kubectl: json: unsupported value: +Inf)',
    },
    {
      name: 'text after ---',
      text: `${SERVICE}--- x\n`,
      message: 'bad.yaml: document 2, line 8, column 1: invalid document separator "--- x": kubectl allows only a comment after ---',
    },
    {
      name: 'an alias inside its anchor',
      text: `${SERVICE}---\nkind: ConfigMap\nx: &a [*a]\n`,
      message: "bad.yaml: document 2, line 10, column 8: anchor 'a' value contains itself",
    },
    {
      name: 'a tag that does not fit',
      text: `${SERVICE}---\nkind: ConfigMap\nx: !!int yes\n`,
      message: 'bad.yaml: document 2, line 10, column 10: cannot decode !!bool `yes` as a !!int',
    },
    {
      name: 'a null key',
      text: `${SERVICE}---\nkind: ConfigMap\ndata:\n  ~: x\n`,
      message: 'bad.yaml: document 2, line 11, column 3: unsupported map key: null (kubectl refuses a null key)',
    },
    {
      name: 'merging a list of scalars',
      text: `${SERVICE}---\nkind: ConfigMap\ndata:\n  <<: [1]\n`,
      message: 'bad.yaml: document 2, line 11, column 7: map merge requires map or sequence of maps as the value',
    },
    {
      name: 'a %YAML directive',
      text: `%YAML 1.2\n---\n${SERVICE}`,
      message: 'bad.yaml: document 1, line 1, column 1: invalid YAML: %YAML 1.2: kubectl cuts a directive off its document (at the ---) and refuses it',
    },
  ])('$name', async ({ text, message }) => {
    const r = await run('policy', 'apply', '-f', file('bad.yaml', text));
    expect(r.code).toBe(2);
    if (typeof message === 'string') expect(r.error).toBe(`${dir}/${message}`);
    else expect(r.error).toMatch(message);
    expect(out).toBe('');
    expect((await run('policy', 'check', '-f', file('bad.yaml', text))).code).toBe(2);
  });

  it('names the config file, key and value', async () => {
    const conf = file('bad.toml', '[deploy]\nsurge = "lots"\n');
    const r = await run('policy', 'check', '-f', file('ok.yaml', DEPLOYMENT), '--config', conf);
    expect(r).toEqual({ code: 2, error: `${conf}: deploy.surge: expected an integer >= 0 or a percentage like "25%", got "lots"` });
    expect(out).toBe('');
  });

  it('says when the file is missing', async () => {
    const r = await run('policy', 'apply', '-f', join(dir, 'nope.yaml'));
    expect(r).toEqual({ code: 2, error: `cannot read manifest file ${join(dir, 'nope.yaml')}: no such file` });
  });
});

describe('policy show', () => {
  it('prints the defaults with their rules', async () => {
    expect(await run('policy', 'show', '--config', file('empty.toml', ''))).toEqual({ code: 0 });
    expect(out).toMatch(/surge\s+1\n/);
    expect(out).toMatch(/max_unavailable\s+0\n/);
    expect(out).toMatch(/terminationGracePeriodSeconds\s+at least 30/);
  });

  it('prints the effective config as YAML or JSON', async () => {
    const conf = file('show.toml', '[deploy]\ntimeout = 900\nreadiness_probe = "tcp"\n[webhook]\non_error = "allow"\n');
    await run('policy', 'show', '--config', conf, '-o', 'yaml');
    const shown = parse(out);
    expect(shown.deploy).toMatchObject({ timeout: 900, readiness_probe: 'tcp', surge: 1 });
    expect(shown.webhook.on_error).toBe('allow');
    expect(shown.source).toBe(conf);
    out = '';
    await run('policy', 'show', '--config', conf, '-o', 'json');
    expect(JSON.parse(out).deploy.timeout).toBe(900);
  });
});

describe('policy render --as mutating-admission-policy', () => {
  const render = (...args: string[]) => run('policy', 'render', '--as', 'mutating-admission-policy', ...args);
  const docs = () => parseAllDocuments(out).map((d) => d.toJS());
  const namespaceRules = (policy: any) => policy.spec.matchConstraints.namespaceSelector.matchExpressions;

  it('with no paas.toml: the objects of manifests/overlays/admission-policy (the default paas.toml), YAML', async () => {
    expect(await render('--config', file('render-empty.toml', ''))).toEqual({ code: 0 });
    const overlay = parseAllDocuments(readFileSync(join(repoRoot, 'manifests/overlays/admission-policy/mutating-admission-policy.yaml'), 'utf8')).map((d) =>
      d.toJS(),
    );
    expect(docs()).toEqual(overlay);
    expect(docs().map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'MutatingAdmissionPolicy/paas-rollout-policy',
      'MutatingAdmissionPolicyBinding/paas-rollout-policy',
    ]);
  });

  it('notes on stderr each thing the policy does not do as the webhook does, one line each', async () => {
    await render();
    const lines = err.trimEnd().split('\n');
    expect(lines[0]).toBe('Note: what this policy does not do as paas-webhook does (docs/admission-policy.md):');
    expect(lines.slice(1)).toEqual(ADMISSION_POLICY_GAPS.map((g) => `Note: - ${g.note}`));
    expect(lines[1]).toMatch(/^Note: - no new paas\.io\/deploy-id per rollout/);
  });

  it("writes paas.toml's [deploy] knobs into the CEL, and exec hooks with --no-native-sleep", async () => {
    const conf = file('render.toml', '[deploy]\nsurge = "50%"\ntimeout = 300\nprestop_sleep = 12\n');
    await render('--config', conf, '--no-native-sleep');
    const [policy] = docs();
    const variable = (n: string) => policy.spec.variables.find((v: any) => v.name === n).expression as string;
    expect(variable('surge')).toMatch(/ : dyn\("50%"\)$/);
    expect(variable('timeout')).toMatch(/ : 300$/);
    expect(variable('graceCandidates')).toContain(': 30), 37] +');
    expect(policy.spec.mutations[2].jsonPatch.expression).toContain('exec{command: ["sleep", "12"]}');
  });

  it("applies where paas.toml's [webhook] and the flags say: excluded namespaces, the webhook's own, opt-in", async () => {
    const conf = file('render-scope.toml', '[webhook]\nnamespaces = "opt-in"\nexcluded_namespaces = ["kube-system", "infra"]\n');
    await render(
      '--config',
      conf,
      '--webhook-namespace',
      'platform',
      '--exclude-namespace',
      'batch',
      '--exclude-namespace',
      'infra',
      '--name',
      'shop-rollouts',
    );
    const [policy, binding] = docs();
    expect(namespaceRules(policy)).toEqual([
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'infra', 'batch', 'platform'] },
      { key: 'paas.io/rollout-policy', operator: 'NotIn', values: ['disabled'] },
      { key: 'paas.io/mode', operator: 'In', values: ['enforce'] },
    ]);
    expect(policy.metadata).toEqual({ name: 'shop-rollouts' });
    expect(binding).toEqual({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicyBinding',
      metadata: { name: 'shop-rollouts' },
      spec: { policyName: 'shop-rollouts' },
    });
  });

  it('defaults to paas-rollout-policy, paas-system and the opt-out selection', async () => {
    await render('-o', 'json');
    const list = JSON.parse(out);
    expect(list.kind).toBe('List');
    expect(list.items.map((i: any) => i.metadata.name)).toEqual(['paas-rollout-policy', 'paas-rollout-policy']);
    expect(namespaceRules(list.items[0])).toEqual([
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'kube-public', 'kube-node-lease', 'paas-system'] },
      { key: 'paas.io/rollout-policy', operator: 'NotIn', values: ['disabled'] },
      { key: 'paas.io/mode', operator: 'NotIn', values: ['warn'] },
    ]);
  });

  it("the table's defaults are the renderer's", () => {
    const flags = new Map(
      ROOT.subcommands
        .find((c) => c.name === 'policy')!
        .subcommands.find((c) => c.name === 'render')!
        .flags.map((f) => [f.name, f.default]),
    );
    expect([flags.get('name'), flags.get('webhook-namespace')]).toEqual([DEFAULT_ADMISSION_POLICY_SCOPE.name, DEFAULT_ADMISSION_POLICY_SCOPE.ownNamespace]);
  });

  const AS = ['--as', 'mutating-admission-policy'];
  it.each([
    {
      name: 'a bad paas.toml: exit 2, the file, key and value named',
      args: [...AS, '--config', 'BAD'],
      code: 2,
      says: 'deploy.timeout: expected a whole number of seconds >= 1, got 0',
    },
    {
      name: 'an unknown --as: refused with the choices',
      args: ['--as', 'kyverno-policy'],
      code: 5,
      says: 'invalid value "kyverno-policy" for --as: use mutating-admission-policy',
    },
    { name: '--as twice', args: [...AS, ...AS], code: 5, says: '--as: give it once' },
    { name: 'a name the API server would refuse', args: [...AS, '--name', 'Rollout_Policy'], code: 5, says: 'invalid value "Rollout_Policy" for --name' },
    { name: 'a namespace that cannot be one', args: [...AS, '--exclude-namespace', 'a.b'], code: 5, says: 'invalid value "a.b" for --exclude-namespace' },
    { name: '-o text (it prints manifests)', args: [...AS, '-o', 'text'], code: 5, says: 'policy render prints manifests: use -o yaml (default) or -o json' },
  ])('$name', async ({ args, code, says }) => {
    const bad = file('render-bad.toml', '[deploy]\ntimeout = 0\n');
    const r = await run('policy', 'render', ...args.map((a) => (a === 'BAD' ? bad : a)));
    expect(r.code).toBe(code);
    expect(r.error).toContain(says);
    expect(out).toBe('');
  });

  it('refuses a missing --as (the parser, exit 5)', async () => {
    const r = await run('policy', 'render');
    expect(r).toEqual({ code: 5, error: "Missing required argument: as (see 'kubectl paas policy render --help')" });
  });
});

warnIfNoCorpus('the policy CLI corpus round trip');
/** The whole corpus as one stream, each file a document. */
const corpusStream = () => CORPUS_FILES.map((f) => corpusText(f).replace(/^---\n/, '')).join('\n---\n');

describe.skipIf(SKIP_CORPUS)('the whole corpus through the CLI', () => {
  it('apply then check: exit 0, and every Deployment keeps its place; the corpus as written fails the same check', async () => {
    const all = corpusStream();
    // The control for the zero below: the check finds the violations of the files as written.
    expect(await run('policy', 'check', '-f', file('corpus-as-written.yaml', all))).toEqual({ code: 1 });
    expect(out).toMatch(/35 Deployments checked, 147 violations\n$/);
    out = '';
    expect(await run('policy', 'apply', '-f', file('corpus.yaml', all))).toEqual({ code: 0 });
    const names = (text: string) => parseAllDocuments(text).map((d) => d.toJS()?.metadata?.name);
    expect(names(out)).toEqual(names(all));
    // Every comment, whole-line or trailing, survives the patch.
    const comments = all
      .split('\n')
      .flatMap((l) => (l.includes('#') ? [l.slice(l.indexOf('#')).trim()] : []))
      .filter((c) => c.length > 1);
    expect(comments.length).toBeGreaterThan(100);
    expect(comments.filter((c) => !out.includes(c))).toEqual([]);
    const applied = file('corpus-applied.yaml', out);
    out = '';
    expect(await run('policy', 'check', '-f', applied)).toEqual({ code: 0 });
    expect(out).toMatch(/35 Deployments checked, 0 violations\n$/);
  });
});

warnIfNoKubectl('the policy CLI corpus, read back by kubectl');
describe.skipIf(SKIP_CORPUS || SKIP_KUBECTL)('the whole corpus through the CLI, read back by the real kubectl', () => {
  // policy check shares its engine with apply: here each rule is read off apply's output as
  // kubectl reads it, by test/fixtures/policy-gaps.ts, which knows nothing of the engine.
  const gaps = (text: string) => {
    const r = kubectlRead(text);
    if ('error' in r) throw new Error(r.error);
    const deployments = r.objects.filter((o) => o.apiVersion === 'apps/v1' && o.kind === 'Deployment');
    return { count: deployments.length, gaps: deployments.flatMap((d) => policyGaps(d).map((g) => `${(d.metadata as { name: string }).name}: ${g}`)) };
  };

  it('every apps/v1 Deployment apply writes meets each rule; the files as written break 151 of them', async () => {
    const all = corpusStream();
    const before = gaps(all);
    expect(before.count).toBe(34);
    expect(before.gaps).toHaveLength(151);
    expect(await run('policy', 'apply', '-f', file('corpus.yaml', all))).toEqual({ code: 0 });
    expect(gaps(out)).toEqual({ count: 34, gaps: [] });
  });
});

describe('the kubectl-paas executable', () => {
  const exe = (args: string[], input: string, cwd = repoRoot) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      const child = execFile(
        process.execPath,
        ['--import', pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href, join(repoRoot, 'plugin/main.ts'), ...args],
        { cwd },
        (e, stdout, stderr) => done({ code: e ? Number((e as { code?: number }).code) : 0, stdout, stderr }),
      );
      child.stdin?.end(input);
    });

  it('reads - from stdin and exits 1 on violations', async () => {
    const r = await exe(['policy', 'check', '-f', '-'], stream);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('<stdin>: 1 Deployment checked, 5 violations');
  });

  it('prints error: and exits 2 on bad input, with nothing on stdout', async () => {
    const r = await exe(['policy', 'apply', '-f', '-'], 'kind: [\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: <stdin>: document 1, line 2, column 1: invalid YAML/);
    expect(r.stdout).toBe('');
  });

  it('reads ./paas.toml by default', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'paas-cwd-'));
    writeFileSync(join(cwd, 'paas.toml'), '[deploy]\ntimeout = 1200\n');
    const r = await exe(['policy', 'show', '-o', 'json'], '', cwd).finally(() => rmSync(cwd, { recursive: true, force: true }));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ source: 'paas.toml', deploy: { timeout: 1200 } });
  });
});
