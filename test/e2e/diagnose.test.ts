// `kubectl paas diagnose` on the real control plane, through the real kubectl binary with
// kubectl-paas on PATH. Each cause is produced for real: the scheduler (a pod asking for more
// CPU than any 4-CPU node has), a ResourceQuota, a ValidatingAdmissionPolicy, the Deployment
// controller (progress deadline, pause), and kwok's kubelet scenarios.
import { NodeSpecs } from './cluster/node.js';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { apply, binDir, kubeconfig, kubectl, kubectlOk, MissingConfigMap, newNamespace, Scenario, ScenarioLabel, waitFor } from './lib/cluster.js';

/** The real kubelet nodes of the e2e cluster (both, unless PAAS_E2E_REAL_NODES says 1). */
const REAL_NODES = Number(process.env.PAAS_E2E_REAL_NODES ?? NodeSpecs.length);

type Obj = Record<string, any>;
interface Doc {
  verdict: string;
  exitCode: number;
  findings: { code: string; severity: string; summary: string; details: Obj; pods: string[]; suggestions: string[]; evidence: Obj[] }[];
  events?: Obj[];
}

const root = resolve(import.meta.dirname, '../..');
const pluginDir = mkdtempSync(join(tmpdir(), 'paas-plugin-'));
// A unique label scopes the admission policy to this file's namespaces only.
const policyLabel = `diagnose-e2e-${Math.random().toString(36).slice(2, 8)}`;
const policyName = `${policyLabel}-no-v3`;

/** `kubectl paas diagnose …` through kubectl, which finds kubectl-paas on PATH. */
function paas(args: string[]) {
  return kubectl(['paas', 'diagnose', ...args], { env: { PATH: `${pluginDir}${delimiter}${process.env.PATH}` } });
}

/** `kubectl paas …` on a terminal (a pseudo-TTY from util-linux `script`), as a user types it. */
function onTerminal(args: string[]): Promise<{ code: number; out: string }> {
  const line = [join(binDir(), 'kubectl'), 'paas', ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig(), PATH: `${pluginDir}${delimiter}${process.env.PATH}`, TERM: 'xterm-256color' };
  delete env.NO_COLOR;
  return new Promise((done) => {
    execFile('script', ['-qec', line, '/dev/null'], { env, timeout: 60_000 }, (err, stdout) =>
      done({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, out: String(stdout) }),
    );
  });
}

/** An SGR escape: colour or bold (cursor moves of a redrawn progress line are not colour). */
// eslint-disable-next-line no-control-regex -- the escape is what the test looks for
const COLOUR = /\x1b\[[0-9;]*m/;

async function diagnoseJson(ns: string, name: string, extra: string[] = []): Promise<{ code: number; doc: Doc; stderr: string }> {
  const r = await paas([name, '-n', ns, '-o', 'json', ...extra]);
  if (r.code !== 0 && r.code !== 1) throw new Error(`diagnose ${name} exited ${r.code}: ${r.stderr}`);
  return { code: r.code, doc: JSON.parse(r.stdout) as Doc, stderr: r.stderr };
}

/** Diagnoses until the root cause is `code` (the cluster needs a few seconds to get there). */
async function rootCause(ns: string, name: string, code: string, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const r = await diagnoseJson(ns, name);
      return r.doc.findings[0]?.code === code ? r : undefined;
    },
    { timeoutMs, intervalMs: 1000, what: `diagnose ${ns}/${name} to name ${code} first` },
  );
}

function deployment(name: string, opts: { labels?: Record<string, string>; image?: string; container?: Obj; spec?: Obj; replicas?: number } = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: opts.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: name, 'paas.io/deploy-id': `${name}-0001`, ...opts.labels } },
        spec: {
          containers: [
            {
              name: 'app',
              image: opts.image ?? 'registry.example/shop/web:1.0',
              readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10, failureThreshold: 3 },
              ...opts.container,
            },
          ],
        },
      },
      ...opts.spec,
    },
  };
}

const scenario = (s: string) => ({ [ScenarioLabel]: s });
let ns: string;
let quotaNs: string;
let policyNs: string;

beforeAll(async () => {
  const main = join(root, 'dist/plugin/main.js');
  chmodSync(main, 0o755);
  symlinkSync(main, join(pluginDir, 'kubectl-paas'));

  ns = await newNamespace('diagnose');
  quotaNs = await newNamespace('diagnose-quota');
  policyNs = await newNamespace('diagnose-policy', { [policyLabel]: 'true' });
  await apply({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: policyName },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }] },
      validations: [{ expression: "object.spec.containers.all(c, !c.image.endsWith(':v3'))", message: 'images tagged :v3 are not allowed here' }],
    },
  });
  await apply({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: `${policyName}-binding` },
    spec: { policyName, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { [policyLabel]: 'true' } } } },
  });
  await apply({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'compute' }, spec: { hard: { 'requests.cpu': '1' } } }, quotaNs);

  // Everything at once, so the cluster works on all scenarios while the tests read them in turn.
  const all = [
    deployment('healthy'),
    deployment('paused'),
    deployment('pull', { labels: scenario(Scenario.ImageNotFound), image: 'registry.example/shop/web:does-not-exist' }),
    deployment('crash', { labels: scenario(Scenario.CrashLoop) }),
    deployment('config', { labels: scenario(Scenario.ConfigError) }),
    deployment('unready', { labels: scenario(Scenario.NeverReady) }),
    deployment('deadline', { labels: scenario(Scenario.NeverReady), spec: { progressDeadlineSeconds: 4 } }),
    deployment('too-big', { container: { resources: { requests: { cpu: '8' } } } }),
  ];
  await apply({ apiVersion: 'v1', kind: 'List', items: all }, ns);
  await apply(deployment('over-quota', { container: { resources: { requests: { cpu: '2' } } } }), quotaNs);
  // Admitted at v1, refused at v3: a rollout that cannot create its new pods.
  await apply(deployment('denied', { replicas: 1 }), policyNs);
  await kubectlOk(['rollout', 'status', 'deployment/denied', '-n', policyNs, '--timeout=90s'], { timeoutMs: 100_000 });
  // The API server loads admission policies asynchronously: until it refuses a :v3 pod itself, a
  // new ReplicaSet's pod could still be created and the rollout never denied.
  await waitFor(
    async () => {
      const r = await kubectl(['run', 'vap-ready', '--image=registry.example/shop/web:v3', '--dry-run=server', '-n', policyNs]);
      return r.code !== 0 && r.stderr.includes('images tagged :v3 are not allowed here');
    },
    { timeoutMs: 60_000, intervalMs: 500, what: `the ValidatingAdmissionPolicy ${policyName} to refuse a :v3 pod` },
  );
  await kubectlOk(['set', 'image', 'deployment/denied', 'app=registry.example/shop/web:v3', '-n', policyNs]);
});

afterAll(async () => {
  await kubectl(['delete', 'validatingadmissionpolicybinding', `${policyName}-binding`, '--ignore-not-found']);
  await kubectl(['delete', 'validatingadmissionpolicy', policyName, '--ignore-not-found']);
  rmSync(pluginDir, { recursive: true, force: true });
});

describe('kubectl paas diagnose (real control plane)', () => {
  it('says a finished rollout is healthy and exits 0', async () => {
    await kubectlOk(['rollout', 'status', 'deployment/healthy', '-n', ns, '--timeout=90s'], { timeoutMs: 100_000 });
    const { code, doc } = await diagnoseJson(ns, 'healthy');
    expect(code).toBe(0);
    expect(doc.verdict).toBe('Healthy');
    expect(doc.findings.map((f) => f.code)).toEqual(['Healthy']);
    const text = await paas(['healthy', '-n', ns]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Verdict: healthy');
    expect(text.stdout).not.toContain('\x1b['); // not a TTY: no colour
    const yaml = await paas(['deployment/healthy', '-n', ns, '-o', 'yaml']);
    expect(yaml.code).toBe(0);
    expect(parse(yaml.stdout)).toMatchObject({ kind: 'Diagnosis', verdict: 'Healthy', deployment: { name: 'healthy', namespace: ns } });
  });

  it('names a missing image once for all new pods (ImagePullFailed, not found), with no undo when there is no earlier revision', async () => {
    const { code, doc } = await rootCause(ns, 'pull', 'ImagePullFailed');
    expect(code).toBe(1);
    const f = doc.findings[0]!;
    expect(f.details).toMatchObject({ pullFailure: 'not-found', image: 'registry.example/shop/web:does-not-exist' });
    await waitFor(async () => (await diagnoseJson(ns, 'pull')).doc.findings[0]!.pods.length === 2, { timeoutMs: 30_000, what: 'both pods in one finding' });
    const again = (await diagnoseJson(ns, 'pull')).doc.findings[0]!;
    expect(again.summary).toMatch(/^2\/2 new pods: (ImagePullBackOff|ErrImagePull) \(not found\)$/);
    // Created broken: one revision, nothing to go back to, so no undo is suggested; kubectl itself
    // refuses that undo (the oracle).
    expect(again.suggestions.filter((s) => s.startsWith('kubectl rollout undo'))).toEqual([]);
    const undo = await kubectl(['rollout', 'undo', 'deployment/pull', '-n', ns, '--dry-run=server']);
    expect(undo.code).not.toBe(0);
    expect(undo.stderr).toContain('no rollout history found for deployment "pull"');
  });

  it("gives a crash loop's exit code and the logs command for its deploy-id (CrashLoop)", async () => {
    const { doc } = await rootCause(ns, 'crash', 'CrashLoop');
    expect(doc.findings[0]!.details).toMatchObject({ lastTerminationReason: 'Error', exitCode: 1 });
    expect(doc.findings[0]!.suggestions).toContain(`kubectl paas logs crash -n ${ns} --deploy-id crash-0001 --previous --tail=100`);
  });

  it('names the missing ConfigMap (ConfigError)', async () => {
    const { doc } = await rootCause(ns, 'config', 'ConfigError');
    expect(doc.findings[0]!.details).toMatchObject({ missing: 'configmap', name: MissingConfigMap });
  });

  it('colours on a terminal, and --no-color turns it off (diagnose and rollout status)', async () => {
    for (const args of [
      ['diagnose', 'healthy', '-n', ns],
      ['rollout', 'status', 'healthy', '-n', ns],
    ]) {
      const coloured = await onTerminal(args);
      expect(coloured.code, coloured.out).toBe(0);
      // The control: on a terminal, without the flag, there is colour to turn off.
      expect(coloured.out).toMatch(COLOUR);
      const plain = await onTerminal([...args, '--no-color']);
      expect(plain.code, plain.out).toBe(0);
      expect(plain.out).toMatch(/healthy|successfully rolled out/);
      expect(plain.out).not.toMatch(COLOUR);
    }
  });

  it('shows the failing readiness probe with its path and port (ReadinessProbeFailing)', async () => {
    const { doc } = await rootCause(ns, 'unready', 'ReadinessProbeFailing');
    expect(doc.findings[0]!.details).toMatchObject({ statusCode: 503, probeSpec: { path: '/healthz', port: 8080, periodSeconds: 10, failureThreshold: 3 } });
  });

  it('reports the progress deadline after the cause that made it pass (ProgressDeadlineExceeded)', async () => {
    const { doc } = await waitFor(
      async () => {
        const r = await diagnoseJson(ns, 'deadline');
        return r.doc.findings.some((f) => f.code === 'ProgressDeadlineExceeded') && r.doc.findings[0]?.code === 'ReadinessProbeFailing' ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, what: 'the progress deadline to pass' },
    );
    const codes = doc.findings.map((f) => f.code);
    expect(codes.indexOf('ReadinessProbeFailing')).toBeLessThan(codes.indexOf('ProgressDeadlineExceeded'));
    expect(doc.findings.find((f) => f.code === 'ProgressDeadlineExceeded')!.details).toMatchObject({ progressDeadlineSeconds: 4 });
  });

  it('sees from the nodes that 8 CPU fit nowhere (Unschedulable, real scheduler)', async () => {
    const { code, doc } = await rootCause(ns, 'too-big', 'Unschedulable');
    expect(code).toBe(1);
    const d = doc.findings[0]!.details;
    // The scheduler's own count: three kwok nodes too small, and the real nodes, whose taint the pod does not tolerate.
    expect(d.reasons).toEqual([
      { count: REAL_NODES, reason: 'node(s) had untolerated taint(s)', kind: 'taint' },
      { count: 3, reason: 'Insufficient cpu', kind: 'insufficient-cpu' },
    ]);
    expect(d.exceedsEveryNode).toEqual([{ resource: 'cpu', requested: '8', largestAllocatable: '4' }]);
  });

  it("reads the quota refusal's figures (QuotaExceeded, real ResourceQuota)", async () => {
    const { doc } = await rootCause(quotaNs, 'over-quota', 'QuotaExceeded');
    expect(doc.findings[0]!.details).toMatchObject({ quota: 'compute', requested: { 'requests.cpu': '2' }, limited: { 'requests.cpu': '1' } });
    expect(doc.findings[0]!.evidence[0]).toMatchObject({ kind: 'ReplicaSet', reason: 'FailedCreate' });
  });

  it('names the ValidatingAdmissionPolicy and binding that refuse the new pods (AdmissionDenied)', async () => {
    const { doc } = await rootCause(policyNs, 'denied', 'AdmissionDenied', 120_000);
    expect(doc.findings[0]!.details).toMatchObject({
      by: 'validating-admission-policy',
      name: policyName,
      binding: `${policyName}-binding`,
      reason: 'images tagged :v3 are not allowed here',
    });
  });

  it('says a paused rollout is paused and how to resume it (Paused)', async () => {
    // Paused, then a new template: the controller must not roll it, whatever the first rollout's state.
    await kubectlOk(['rollout', 'pause', 'deployment/paused', '-n', ns]);
    await kubectlOk(['set', 'image', 'deployment/paused', 'app=registry.example/shop/web:2.0', '-n', ns]);
    const { code, doc } = await rootCause(ns, 'paused', 'Paused');
    expect(code).toBe(1);
    expect(doc.findings[0]!.suggestions).toContain(`kubectl rollout resume deployment/paused -n ${ns}`);
  });

  it("prints the rollout's events as a timeline with --events", async () => {
    const r = await paas(['pull', '-n', ns, '--events']);
    expect(r.code).toBe(1);
    const timeline = r.stdout.slice(r.stdout.indexOf('Events (oldest first):'));
    expect(timeline).toMatch(/ScalingReplicaSet\s+Deployment\/pull/);
    expect(timeline).toMatch(/Failed to pull image "registry\.example\/shop\/web:does-not-exist"/);
    const { doc } = await diagnoseJson(ns, 'pull', ['--events']);
    expect(doc.events!.some((e) => e.reason === 'SuccessfulCreate' && String(e.object).startsWith('ReplicaSet/'))).toBe(true);
  });

  it('exits 7 (not found) or 5 (usage) with one clear line for a Deployment that does not exist, or a bad flag', async () => {
    const r = await paas(['nope', '-n', ns]);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(`error: deployment "nope" not found in namespace "${ns}"`);
    const bad = await paas(['healthy', '-n', ns, '-o', 'xml']);
    expect(bad.code).toBe(5);
    expect(bad.stderr).toContain('error: invalid value "xml" for -o/--output: use text, json or yaml');
  });
});
