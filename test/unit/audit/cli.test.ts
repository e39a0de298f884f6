// `kubectl paas audit` through the real CLI (main(), yargs from the one table, the front door)
// against a recorded cluster (fake-cluster.ts): what it asks the API server for, what it prints
// and its exit code. Deployments come from the real cluster's captures and from the API server's
// defaults written out by hand (fixtures.ts); every expectation is written out here.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PaasError } from '../../../core/errors.js';
import { main } from '../../../plugin/cli.js';
import { AUDIT_SCHEMA } from '../../../plugin/audit/print.js';
import { against, type ClusterData } from './fake-cluster.js';
import { captured, compliant, placed, plain } from './fixtures.js';

/** A small cluster: shop (two that fall short, one that meets), legacy opted out, kube-system. */
function cluster(over: Partial<ClusterData> = {}): ClusterData {
  return {
    deployments: [
      plain('web', 'shop'),
      placed(captured('readiness-503'), 'shop', 'checkout', { app: 'checkout' }),
      compliant('api', 'shop', '5f0c2a9e-7b1d-4c3e-9a8f-6e5d4c3b2a10'),
      plain('old', 'legacy'),
      plain('coredns', 'kube-system'),
    ],
    namespaces: { shop: {}, legacy: { 'paas.io/rollout-policy': 'disabled' }, 'kube-system': {} },
    configMap: { 'paas.toml': '[deploy]\nsurge = 1\n[webhook]\nmode = "enforce"\n' },
    ...over,
  };
}

async function audit(argv: string[], c: ClusterData = cluster(), files: Record<string, string> = {}) {
  const run = against(c, 'shop', files);
  try {
    const code = await main(['audit', ...argv], run.deps);
    return { code, out: run.out(), err: run.err(), calls: run.calls, connected: run.connected() };
  } catch (err) {
    if (!(err instanceof PaasError)) throw err;
    return { code: err.exit, out: run.out(), err: err.message, calls: run.calls, connected: run.connected() };
  }
}

const paths = (calls: { path: string }[]) => calls.map((c) => c.path).sort();
const json = (out: string) =>
  JSON.parse(out) as {
    deployments: Record<string, any>[];
    summary: Record<string, number>;
    policy: Record<string, unknown>;
    notes: string[];
    exitCode: number;
  };

describe('kubectl paas audit', () => {
  it('-A: every namespace, the installed paas.toml, exit 1 as some fall short', async () => {
    const r = await audit(['-A']);
    expect(r.code).toBe(1);
    expect(r.out.split('\n').slice(0, 6)).toEqual([
      'NAMESPACE     NAME       POLICY        WEBHOOK                    ADMITTED   CHANGES',
      'kube-system   coredns    opted out     off (excluded-namespace)   no         5',
      'legacy        old        opted out     off (namespace-label)      no         5',
      'shop          api        meets         enforce                    yes        0',
      'shop          checkout   falls short   enforce                    yes        2',
      'shop          web        falls short   enforce                    no         5',
    ]);
    expect(r.out).toContain(
      'shop/checkout falls short (enforce):\n  paas: would add preStop sleep 5 to container app\n' +
        '  paas: would add topology spread across kubernetes.io/hostname (maxSkew 1, ScheduleAnyway) to pod template\n',
    );
    expect(r.out).toContain(
      '\n5 Deployments: 1 meets the policy, 2 fall short, 0 invalid, 2 opted out; 2 admitted by the webhook (deploy-id on the pod template); policy from ConfigMap paas-system/paas-webhook-config (paas.toml)\n',
    );
    expect(paths(r.calls)).toEqual([
      '/api/v1/namespaces',
      '/api/v1/namespaces/paas-system/configmaps/paas-webhook-config',
      '/apis/apps/v1/deployments',
      '/version',
    ]);
    // Lists are paged as kubectl pages them.
    expect(r.calls.find((c) => c.path === '/apis/apps/v1/deployments')!.query).toEqual({ limit: '500' });
  });

  it('--all-namespaces is -A', async () => {
    expect((await audit(['--all-namespaces'])).out).toBe((await audit(['-A'])).out);
  });

  it("no flag: the context's namespace only, one namespace read", async () => {
    const r = await audit([]);
    expect(r.out.split('\n')[0]).toBe('NAME       POLICY        WEBHOOK   ADMITTED   CHANGES');
    expect(r.out).not.toContain('legacy');
    expect(paths(r.calls)).toEqual([
      '/api/v1/namespaces/paas-system/configmaps/paas-webhook-config',
      '/api/v1/namespaces/shop',
      '/apis/apps/v1/namespaces/shop/deployments',
      '/version',
    ]);
  });

  it('-n: that namespace; everything in it meets or is opted out → exit 0', async () => {
    const r = await audit(['-n', 'legacy']);
    expect(r.code).toBe(0);
    expect(r.calls.some((c) => c.path === '/apis/apps/v1/namespaces/legacy/deployments')).toBe(true);
    expect(r.out).toContain('1 Deployment: 0 meet the policy, 0 fall short, 0 invalid, 1 opted out;');
  });

  it('-l: the selector goes to the API server', async () => {
    const r = await audit(['-l', 'app=api']);
    expect(r.calls.find((c) => c.path.endsWith('/deployments'))!.query).toEqual({ labelSelector: 'app=api', limit: '500' });
    expect(r.code).toBe(0);
    expect(r.out).toContain('1 Deployment: 1 meets the policy');
  });

  it('--selector is -l', async () => {
    expect((await audit(['--selector', 'app=api'])).out).toBe((await audit(['-l', 'app=api'])).out);
  });

  it('names: one GET each (kubectl type/name taken), in the namespace', async () => {
    const r = await audit(['api', 'deployment/web']);
    expect(paths(r.calls).filter((p) => p.includes('/deployments'))).toEqual([
      '/apis/apps/v1/namespaces/shop/deployments/api',
      '/apis/apps/v1/namespaces/shop/deployments/web',
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('2 Deployments: 1 meets the policy, 1 falls short');
  });

  it('a named Deployment that does not exist: exit 7, named', async () => {
    const r = await audit(['nope']);
    expect([r.code, r.err]).toEqual([7, 'deployment "nope" not found in namespace "shop"']);
  });

  it('reads every page of a long list (1,100 Deployments, three pages)', async () => {
    const many = Array.from({ length: 1100 }, (_, i) => compliant(`app-${String(i).padStart(4, '0')}`, `team-${i % 7}`, `id-${i}`));
    const namespaces = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`team-${i}`, {}]));
    const r = await audit(['-A', '-o', 'json'], { deployments: many, namespaces, configMap: 404 });
    const lists = r.calls.filter((c) => c.path === '/apis/apps/v1/deployments').map((c) => c.query);
    expect(lists).toEqual([{ limit: '500' }, { limit: '500', continue: '500' }, { limit: '500', continue: '1000' }]);
    const doc = json(r.out);
    expect(doc.summary).toEqual({ deployments: 1100, meets: 1100, fallsShort: 0, invalid: 0, optedOut: 0, admitted: 1100, modeUnknown: 0 });
    expect(doc.deployments[0]!.name).toBe('app-0000');
    expect(r.code).toBe(0);
  });

  it('--config: judged by that file; the ConfigMap is not read', async () => {
    const r = await audit(['-o', 'json', '--config', 'strict.toml', 'api'], cluster(), { 'strict.toml': '[deploy]\nsurge = 2\n' });
    const doc = json(r.out);
    expect(doc.policy).toMatchObject({ source: 'file', from: 'strict.toml' });
    expect(doc.deployments[0]!.changes.map((c: { message: string }) => c.message)).toEqual(['paas: would change maxSurge 1 -> 2']);
    expect(r.calls.some((c) => c.path.includes('configmaps'))).toBe(false);
    expect(r.code).toBe(1);
  });

  it('--config naming no file: bad input, exit 2', async () => {
    const r = await audit(['--config', 'missing.toml']);
    expect([r.code, r.err]).toEqual([2, 'cannot read config file missing.toml: no such file']);
  });

  it.each([
    {
      name: 'absent',
      configMap: 404,
      note: 'ConfigMap paas-system/paas-webhook-config not found: judged by the built-in defaults (--config names a paas.toml)',
    },
    {
      name: 'forbidden',
      configMap: 403,
      note: 'ConfigMap paas-system/paas-webhook-config forbidden: judged by the built-in defaults (--config names a paas.toml)',
    },
    {
      name: 'without paas.toml',
      configMap: { other: 'x' },
      note: 'ConfigMap paas-system/paas-webhook-config has no paas.toml key: judged by the built-in defaults',
    },
  ])('the ConfigMap $name: the built-in defaults, said', async ({ configMap, note }) => {
    const r = await audit(['-o', 'json'], cluster({ configMap }));
    const doc = json(r.out);
    expect(doc.policy).toMatchObject({ source: 'defaults', from: 'built-in defaults', mode: 'enforce', namespaces: 'opt-out' });
    expect(doc.notes).toEqual([note]);
  });

  it("the installed paas.toml's [webhook] decides the scope: opt-in leaves an unlabelled namespace out", async () => {
    const r = await audit(
      ['-A', '-o', 'json'],
      cluster({
        configMap: { 'paas.toml': '[webhook]\nnamespaces = "opt-in"\n' },
        namespaces: { shop: { 'paas.io/mode': 'warn' }, legacy: {}, 'kube-system': {} },
      }),
    );
    const doc = json(r.out);
    expect(doc.deployments.map((d) => [d.name, d.verdict, d.mode, d.optOut ?? null])).toEqual([
      ['coredns', 'OptedOut', 'none', 'excluded-namespace'],
      ['old', 'OptedOut', 'none', 'not-opted-in'],
      ['api', 'Meets', 'warn', null],
      ['checkout', 'FallsShort', 'warn', null],
      ['web', 'FallsShort', 'warn', null],
    ]);
  });

  it('a broken paas.toml in the ConfigMap: bad input (exit 2), the ConfigMap and the field named', async () => {
    const r = await audit([], cluster({ configMap: { 'paas.toml': '[deploy]\nsurge = "lots"\n' } }));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ConfigMap paas-system\/paas-webhook-config \(paas\.toml\): deploy\.surge: .*, got "lots"$/);
  });

  it('namespaces that cannot be read: the mode unknown, said; falling short still counts', async () => {
    const r = await audit(['-A', '-o', 'json'], cluster({ namespaces: 403 }));
    const doc = json(r.out);
    expect(doc.deployments.find((d) => d.name === 'web')).toMatchObject({ verdict: 'FallsShort', mode: 'unknown' });
    // kube-system's exclusion is by name: known without its labels.
    expect(doc.deployments.find((d) => d.name === 'coredns')).toMatchObject({ verdict: 'OptedOut', optOut: 'excluded-namespace' });
    expect(doc.notes).toEqual(["cannot read the namespaces (HTTP 403): where a namespace's labels decide, the webhook's mode is unknown"]);
    // legacy's opt-out is its namespace's label, unread: its mode is unknown too (it counts).
    expect(doc.deployments.find((d) => d.name === 'old')).toMatchObject({ verdict: 'FallsShort', mode: 'unknown' });
    expect(doc.summary.modeUnknown).toBe(4);
    expect(r.code).toBe(1);
  });

  it('an API server before 1.30: the exec preStop line, as the webhook would write it there', async () => {
    const r = await audit(['web', '-o', 'json'], cluster({ version: { major: '1', minor: '29', gitVersion: 'v1.29.4' } }));
    const doc = json(r.out);
    expect(doc.policy.nativeSleep).toBe(false);
    expect(doc.deployments[0]!.changes[2].message).toBe('paas: would add preStop exec "sleep 5" (image needs a sleep binary) to container app');
  });

  it('Deployments that cannot be listed: exit 8, the refusal named', async () => {
    const r = await audit(['-A'], cluster({ deploymentsStatus: 403 }));
    expect(r.code).toBe(8);
    expect(r.err).toBe('forbidden: deployments.apps is forbidden: User "dev" cannot list resource "deployments" in API group "apps"');
  });

  it('-o json: the documented schema', async () => {
    const r = await audit(['-A', '-o', 'json']);
    const validate = new Ajv2020({ strict: true }).compile(AUDIT_SCHEMA);
    expect(validate(JSON.parse(r.out)), JSON.stringify(validate.errors)).toBe(true);
    expect(json(r.out).exitCode).toBe(r.code);
  });

  it('-o yaml: the same document', async () => {
    const [y, j] = [await audit(['-A', '-o', 'yaml']), await audit(['-A', '--output', 'json'])];
    expect(parse(y.out)).toEqual(JSON.parse(j.out));
  });

  it('--no-color: no escape, as without a terminal', async () => {
    const r = await audit(['-A', '--no-color']);
    expect(r.out).not.toContain('\x1b[');
    expect(r.code).toBe(1);
  });

  it.each([
    {
      name: 'names with -A',
      argv: ['web', '-A'],
      says: "a Deployment is named in one namespace: give -n, not -A/--all-namespaces (see 'kubectl paas audit --help')",
    },
    { name: 'names with -l', argv: ['web', '-l', 'app=web'], says: "name Deployments or give -l/--selector, not both (see 'kubectl paas audit --help')" },
    { name: 'an invalid name', argv: ['Web_1'], says: `invalid deployment name "Web_1" (see 'kubectl paas audit --help')` },
    {
      name: 'an unknown output',
      argv: ['-o', 'wide-ish'],
      says: `invalid value "wide-ish" for -o/--output: use text, json or yaml (see 'kubectl paas audit --help')`,
    },
  ])('refuses $name (exit 5) before asking the cluster', async ({ argv, says }) => {
    const r = await audit(argv);
    expect([r.code, r.err, r.connected]).toEqual([5, says, 0]);
  });
});
