// kubectl paas diagnose and rollout status against what the real kubelet and containerd really do:
// each failure of test/e2e/lib/failures.ts (the scenarios the fixtures of
// test/fixtures/diagnose/real/ were captured from) is reproduced on the real node, then both
// commands run through the real kubectl. Given a working Deployment rolled to a broken version,
// when the failure shows, then diagnose names its cause first (exit 1), and rollout status fails at
// once where waiting cannot help (exit 1), or waits (exit 2 when --timeout ends it), or completes.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binDir, getJson, kubeconfig, newNamespace, waitFor } from './lib/cluster.js';
import { breakRollout, kubectlWith, kubeletPid, Scenarios, spareNode, type Kubectl } from './lib/failures.js';

type Obj = Record<string, any>;
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'dist/bin/kubectl-paas.js');

/** Each failure: what diagnose names first (and its exit code when not 1: a rolled-out Deployment
 * with warnings only is healthy), and rollout status's exit code (--timeout 10s). */
const rows: { name: string; code: string; details: Obj; status: number; diagnose?: number }[] = [
  { name: 'image-not-found', code: 'ImagePullFailed', details: { pullFailure: 'not-found' }, status: 1 },
  { name: 'image-registry-unreachable', code: 'ImagePullFailed', details: { pullFailure: 'unreachable' }, status: 2 },
  { name: 'image-unauthorized', code: 'ImagePullFailed', details: { pullFailure: 'unauthorized' }, status: 1 },
  { name: 'image-never-pull', code: 'ImagePullFailed', details: { pullFailure: 'never-pull' }, status: 1 },
  { name: 'crashloop', code: 'CrashLoop', details: { exitCode: 1 }, status: 2 },
  { name: 'oomkilled', code: 'OOMKilled', details: { memoryLimit: '64Mi' }, status: 2 },
  { name: 'config-error-configmap', code: 'ConfigError', details: { missing: 'configmap', name: 'web-config' }, status: 1 },
  { name: 'config-error-secret-key', code: 'ConfigError', details: { missing: 'secret-key', key: 'password' }, status: 1 },
  { name: 'readiness-503', code: 'ReadinessProbeFailing', details: { statusCode: 503 }, status: 2 },
  { name: 'readiness-refused', code: 'ReadinessProbeFailing', details: { failure: 'connection-refused' }, status: 2 },
  { name: 'readiness-https-redirect', code: 'ReadinessProbeFailing', details: { redirect: true }, status: 2 },
  { name: 'liveness-killing', code: 'LivenessProbeKilling', details: { probe: 'liveness' }, status: 2 },
  { name: 'startup-probe-never', code: 'LivenessProbeKilling', details: { probe: 'startup' }, status: 2 },
  { name: 'start-failed-not-found', code: 'StartFailed', details: { executable: '/nope' }, status: 1 },
  { name: 'start-failed-not-in-path', code: 'StartFailed', details: { executable: 'web-server' }, status: 1 },
  { name: 'start-failed-exec-format', code: 'StartFailed', details: { startFailure: 'exec-format' }, status: 2 },
  { name: 'scheduling-gated', code: 'SchedulingGated', details: { gates: ['example.com/quota-check'] }, status: 2 },
  {
    name: 'readiness-gate-pending',
    code: 'ReadinessGatesPending',
    details: { gates: [{ conditionType: 'target-health.elbv2.k8s.aws/web', status: 'missing' }] },
    status: 2,
  },
  { name: 'evicted', code: 'Evicted', details: { resource: 'ephemeral-storage' }, status: 2 },
  { name: 'service-account-missing', code: 'ServiceAccountMissing', details: { serviceAccount: 'web-deployer' }, status: 1 },
  { name: 'priority-class-missing', code: 'PriorityClassMissing', details: { priorityClass: 'business-critical' }, status: 1 },
  { name: 'prestop-hook-failed', code: 'PreStopHookFailed', details: { execSleep: true }, status: 0, diagnose: 0 },
  { name: 'old-pods-stuck-terminating', code: 'OldPodsNotTerminating', details: { finalizers: ['example.com/drain-connections'] }, status: 0, diagnose: 0 },
  // A probe the kubelet cannot run: liveness is silently off on a healthy rollout (a warning,
  // exit 0); a readiness probe that errors keeps the pod unready for good.
  { name: 'liveness-probe-errors', code: 'ProbeErrored', details: { probe: 'liveness', executable: 'cat', ready: true }, status: 0, diagnose: 0 },
  { name: 'readiness-probe-errors', code: 'ProbeErrored', details: { probe: 'readiness', executable: 'cat', ready: false }, status: 2 },
];

let ns: string;
let k: Kubectl;
let pluginDir: string;
/** A scenario whose failure never showed: its own rows fail with what was seen, the others run. */
const neverShown = new Map<string, unknown>();
function shown(name: string): void {
  if (neverShown.has(name)) throw neverShown.get(name);
}

beforeAll(async () => {
  ns = await newNamespace('diagnose-real');
  k = kubectlWith(join(binDir(), 'kubectl'), kubeconfig());
  pluginDir = mkdtempSync(join(tmpdir(), 'paas-diagnose-real-'));
  if (!existsSync(BIN)) throw new Error(`${BIN} missing: run \`make build\``);
  symlinkSync(BIN, join(pluginDir, 'kubectl-paas'));
  // Every failure at once, a few at a time (the node has 2 cores), one replica each.
  const queue = [...rows.map((r) => r.name), 'old-pods-long-prestop'];
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      for (let n = queue.shift(); n; n = queue.shift()) await breakRollout(k, ns, n, Scenarios[n]!, 1).catch((e: unknown) => neverShown.set(n, e));
    }),
  );
}, 600_000);

afterAll(async () => {
  for (const r of [...rows.map((r) => r.name), 'old-pods-long-prestop']) await Scenarios[r]?.release?.(ns, k);
  rmSync(pluginDir, { recursive: true, force: true });
});

/** `kubectl paas ...` through the real kubectl, as users run it. */
function paas(args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn(join(binDir(), 'kubectl'), ['paas', ...args], {
      env: { ...process.env, KUBECONFIG: kubeconfig(), PATH: `${pluginDir}${delimiter}${process.env.PATH}`, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      ok({ code: code ?? -1, stdout, stderr });
    });
  });
}

const lastJson = (stdout: string): Obj => JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as Obj;

describe('on the real node, each failure named from what the kubelet really says', () => {
  it.each(rows)('$name: diagnose names $code first; rollout status exits $status', async ({ name, code, details, status, diagnose }) => {
    shown(name);
    const d = await paas(['diagnose', name, '-n', ns, '-o', 'json']);
    expect(d.code, d.stderr).toBe(diagnose ?? 1);
    const doc = JSON.parse(d.stdout) as Obj;
    expect(doc.findings[0].code, doc.findings.map((f: Obj) => `${f.code}: ${f.summary}`).join('\n')).toBe(code);
    expect(doc.findings[0].details).toMatchObject(details);
    const s = await paas(['rollout', 'status', name, '-n', ns, '--timeout', '10s', '-o', 'json']);
    expect(s.code, `${s.stdout.split('\n').at(-2) ?? ''}\n${s.stderr}`).toBe(status);
    if (status === 1) expect(lastJson(s.stdout).rollout_status).toBe('Failed');
  });

  it("names a container the runtime cannot start with its command, the runtime's words as evidence, and no logs to read", async () => {
    shown('start-failed-not-found');
    const doc = JSON.parse((await paas(['diagnose', 'start-failed-not-found', '-n', ns, '-o', 'json'])).stdout) as Obj;
    const f = doc.findings[0] as Obj;
    // RunContainerError while the kubelet first tries, then the StartError termination behind a back-off.
    expect(f.summary).toMatch(/^1\/1 new pods: (?:RunContainerError|StartError) \(exec: "\/nope": stat \/nope: no such file or directory\)$/);
    expect(f.details).toMatchObject({ command: ['/nope'], image: 'paas.local/testapp:1', startFailure: 'executable-not-found', exitCode: 128 });
    expect((f.suggestions as string[]).join('\n')).not.toMatch(/kubectl (paas )?logs/);
    expect(f.logs).toBeUndefined();
    expect((f.evidence as Obj[]).some((e) => e.reason === 'Failed' && String(e.message).startsWith('Error: failed to create containerd task'))).toBe(true);
  });

  it("shows the crashing container's log of the run that failed, and --no-logs leaves it out", async () => {
    shown('crashloop');
    const withLogs = JSON.parse((await paas(['diagnose', 'crashloop', '-n', ns, '-o', 'json'])).stdout) as Obj;
    // The run that failed: the previous one once the kubelet restarted it, the current one while
    // its state is still `terminated` (both say why it exited).
    expect(withLogs.findings[0].logs[0]).toMatchObject({ container: 'app' });
    expect(withLogs.findings[0].logs[0].lines.join('\n')).toMatch(/exiting with code 1 as asked/);
    const text = await paas(['diagnose', 'crashloop', '-n', ns, '--logs', '3']);
    expect(text.stdout).toMatch(/Logs of app in pod crashloop-[a-z0-9]+-[a-z0-9]+( \(the run before the last restart\))?:/);
    const without = JSON.parse((await paas(['diagnose', 'crashloop', '-n', ns, '-o', 'json', '--no-logs'])).stdout) as Obj;
    expect(without.findings[0].logs).toBeUndefined();
  });
});

describe('a container that exits 0 under restartPolicy Always: restarted all the same, never a plain success', () => {
  // Each breaks its own Deployment and looks at once: the state moves with the kubelet's back-off.
  it('exit 0 in a loop: diagnose names CrashLoop (exit code 0) first with its log; rollout status never succeeds without a warning', async () => {
    await breakRollout(k, ns, 'exit-zero-loop', Scenarios['exit-zero-loop']!, 1);
    const d = await paas(['diagnose', 'exit-zero-loop', '-n', ns, '-o', 'json']);
    const doc = JSON.parse(d.stdout) as Obj;
    const f = doc.findings[0] as Obj;
    expect(f.code, JSON.stringify(doc.findings)).toBe('CrashLoop');
    expect(f.details).toMatchObject({ exitCode: 0, lastTerminationReason: 'Completed' });
    expect(f.explanation).toMatch(/Exit code 0 is no success/);
    // The app's own words, from the run that ended.
    expect((f.logs as Obj[])[0]!.lines.join('\n')).toMatch(/exiting with code 0 as asked/);
    // In its back-off (the state the scenario waited for) it is an error; caught running between
    // two exits, a warning beside a healthy verdict: the exit code follows the verdict.
    expect(d.code).toBe(f.details.running ? 0 : 1);
    const s = await paas(['rollout', 'status', 'exit-zero-loop', '-n', ns, '--timeout', '10s']);
    // Kubernetes counts the pod available while it runs (no probe): a success comes with the warning.
    if (s.code === 0)
      expect(s.stdout).toMatch(
        /^warning: container app of pod exit-zero-loop-\S+: restarted \d+ times?, last terminated: Completed, exit code 0 .*keeps exiting/m,
      );
    else expect(s.code, s.stdout + s.stderr).toBe(2);
  });

  it('running again after its first exit: diagnose says healthy with a CrashLoop warning; rollout status succeeds and warns', async () => {
    await breakRollout(k, ns, 'exit-zero-running-again', Scenarios['exit-zero-running-again']!, 1);
    const d = await paas(['diagnose', 'exit-zero-running-again', '-n', ns, '-o', 'json']);
    const doc = JSON.parse(d.stdout) as Obj;
    expect(d.code, d.stdout).toBe(0);
    expect(doc.verdict).toBe('Healthy');
    const f = (doc.findings as Obj[]).find((x) => x.code === 'CrashLoop')!;
    expect(f.severity).toBe('warning');
    expect(f.details).toMatchObject({ exitCode: 0, running: true, restarts: 1 });
    expect((f.logs as Obj[])[0]).toMatchObject({ container: 'app', previous: true });
    expect((f.logs as Obj[])[0]!.lines.join('\n')).toMatch(/exiting with code 0 as asked/);
    const s = await paas(['rollout', 'status', 'exit-zero-running-again', '-n', ns, '--timeout', '10s']);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(
      /successfully rolled out\nwarning: container app of pod exit-zero-running-again-\S+: restarted 1 time, last terminated: Completed, exit code 0 \S+ ago: it keeps exiting/,
    );
  });
});

describe('old pods held by a long preStop hook', () => {
  it('diagnose says they are still stopping, naming the hook and the grace period; the rollout is complete', async () => {
    shown('old-pods-long-prestop');
    const d = await paas(['diagnose', 'old-pods-long-prestop', '-n', ns, '-o', 'json']);
    expect(d.code, d.stderr).toBe(0);
    const doc = JSON.parse(d.stdout) as Obj;
    expect(doc.verdict).toBe('Healthy');
    const f = (doc.findings as Obj[]).find((x) => x.code === 'OldPodsStillStopping');
    expect(f, JSON.stringify(doc.findings)).toBeDefined();
    expect(f!.details).toMatchObject({ gracePeriodSeconds: 660, hooks: [{ container: 'app', hook: 'sleep 600s' }] });
    const s = await paas(['rollout', 'status', 'old-pods-long-prestop', '-n', ns, '--timeout', '10s']);
    expect(s.code, s.stderr).toBe(0);
  });
});

describe('a node that stops answering mid-rollout', () => {
  it('diagnose names NodeNotReady for the new pod bound to it; rollout status keeps waiting', async () => {
    try {
      // The kubelet stays frozen (no cleanup) while both commands look at the node: the second
      // real node's, so the first goes on serving the other files' pods.
      await breakRollout(k, ns, 'node-not-ready', { ...Scenarios['node-not-ready']!, cleanup: undefined }, 1);
      const d = await paas(['diagnose', 'node-not-ready', '-n', ns, '-o', 'json']);
      expect(d.code, d.stderr).toBe(1);
      const doc = JSON.parse(d.stdout) as Obj;
      expect(doc.findings[0].code).toBe('NodeNotReady');
      expect(doc.findings[0].details).toMatchObject({ node: spareNode().name, ready: 'Unknown' });
      const s = await paas(['rollout', 'status', 'node-not-ready', '-n', ns, '--timeout', '5s', '-o', 'json']);
      expect(s.code).toBe(2);
    } finally {
      process.kill(kubeletPid(spareNode()), 'SIGCONT');
      // The files after this one need the node Ready again.
      await waitFor(async () => (await getJson('node', spareNode().name)).status.conditions.some((c: Obj) => c.type === 'Ready' && c.status === 'True'), {
        what: 'the real node to be Ready again',
        timeoutMs: 120_000,
      });
    }
  }, 400_000);
});
