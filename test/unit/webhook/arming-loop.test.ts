// The arming loop over an in-memory configuration (resourceVersions make conflicts real): only the
// leader writes, never before a passing self-check, never twice; what it logs and counts. And the
// self-check's verdicts over what the API server answers a dry run.
import jsonpatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../core/config.js';
import type { JsonObject } from '../../../core/policy/index.js';
import { HttpError, KubeError, KubeErrorKind } from '../../../kube-client/errors.js';
import { Entry, type ArmSettings } from '../../../webhook/server/arming.js';
import { Armer, ArmState, nextRoundSeconds, shouldLog, type ArmGateway } from '../../../webhook/server/arming-loop.js';
import { createMetrics } from '../../../webhook/server/metrics.js';
import { judgeProbe, judgeProbeError, probeDeployment, type SelfCheckResult } from '../../../webhook/server/self-check.js';
import { captureLogger, metricValue } from './harness.js';

const OWN = 'paas-system';
const settings: ArmSettings = { ...DEFAULT_CONFIG.webhook, ownNamespace: OWN };
const PASSED: SelfCheckResult = { ok: true, detail: 'came back mutated' };

function memoryConfiguration(check: () => SelfCheckResult = () => PASSED) {
  const state = {
    config: {
      metadata: { name: 'paas-webhook', resourceVersion: '1' },
      webhooks: [
        {
          name: Entry.selfCheck,
          timeoutSeconds: 5,
          clientConfig: { service: { namespace: OWN, name: 'paas-webhook', path: '/mutate', port: 443 }, caBundle: 'Q0EK' },
        },
      ],
    } as JsonObject | undefined,
    patches: 0,
    checks: 0,
  };
  const gateway: ArmGateway = {
    readConfiguration: async () => structuredClone(state.config),
    patchConfiguration: async (patch) => {
      if (!state.config) throw new HttpError(404, '{}', '/mwc');
      try {
        state.config = jsonpatch.applyPatch(structuredClone(state.config), patch as jsonpatch.Operation[], true, false).newDocument;
      } catch {
        throw new HttpError(422, '{"message":"the server rejected our request due to an error in our request"}', '/mwc');
      }
      const meta = state.config.metadata as JsonObject;
      meta.resourceVersion = String(Number(meta.resourceVersion) + 1);
      state.patches++;
    },
    selfCheck: async () => {
      state.checks++;
      return check();
    },
  };
  return { state, gateway };
}

function armer(gateway: ArmGateway, leader = true, now = () => 0) {
  const { logger, lines } = captureLogger();
  const metrics = createMetrics();
  const a = new Armer({ gateway, settings, isLeader: async () => leader, logger, metrics, now });
  return { a, lines, metrics };
}

const names = (c: JsonObject | undefined) => ((c?.webhooks ?? []) as JsonObject[]).map((h) => h.name);

describe('Armer', () => {
  it('the leader self-checks, then registers both entries, once; its next rounds only look', async () => {
    const { state, gateway } = memoryConfiguration();
    const { a, lines, metrics } = armer(gateway);
    expect(await a.round()).toBe(ArmState.Armed);
    expect(names(state.config)).toEqual([Entry.selfCheck, Entry.enforce, Entry.warn]);
    expect([state.checks, state.patches]).toEqual([1, 1]);
    expect(await a.round()).toBe(ArmState.Armed);
    expect([state.checks, state.patches]).toEqual([1, 1]);
    expect(lines.filter((l) => String(l.msg).startsWith('arming: policy entries registered'))).toHaveLength(1);
    expect(await metricValue(metrics, 'paas_webhook_armed', {})).toBe(1);
    expect(await metricValue(metrics, 'paas_webhook_self_checks_total', { result: 'passed' })).toBe(1);
  });

  it('a follower neither checks nor writes', async () => {
    const { state, gateway } = memoryConfiguration();
    const { a, metrics } = armer(gateway, false);
    expect(await a.round()).toBe(ArmState.Follower);
    expect([state.checks, state.patches]).toEqual([0, 0]);
    expect(await metricValue(metrics, 'paas_webhook_armed', {})).toBe(0);
  });

  it('a failing self-check writes nothing, logs the reason once per minute, and the next passing one arms', async () => {
    let result: SelfCheckResult = { ok: false, reason: 'the API server could not call the webhook: x509: certificate signed by unknown authority' };
    const { state, gateway } = memoryConfiguration(() => result);
    let now = 0;
    const { a, lines, metrics } = armer(gateway, true, () => now);
    for (let i = 0; i < 5; i++) {
      expect(await a.round()).toBe(ArmState.Waiting);
      now += 10_000;
    }
    expect(names(state.config)).toEqual([Entry.selfCheck]);
    expect(state.patches).toBe(0);
    const failures = lines.filter((l) => String(l.msg).startsWith('arming: self-check failed'));
    expect(failures).toHaveLength(1);
    expect(failures[0]?.reason).toContain('x509');
    now += 20_000; // a minute after the first line: said again
    await a.round();
    expect(lines.filter((l) => String(l.msg).startsWith('arming: self-check failed'))).toHaveLength(2);
    expect(await metricValue(metrics, 'paas_webhook_self_checks_total', { result: 'failed' })).toBe(6);
    result = PASSED;
    expect(await a.round()).toBe(ArmState.Armed);
    expect(names(state.config)).toEqual([Entry.selfCheck, Entry.enforce, Entry.warn]);
  });

  it('a configuration written between its read and its write: no harm, armed on a later round', async () => {
    const { state, gateway } = memoryConfiguration();
    const racing: ArmGateway = {
      ...gateway,
      selfCheck: async () => {
        (state.config!.metadata as JsonObject).resourceVersion = '7'; // someone applies the manifests again
        return PASSED;
      },
    };
    const { a } = armer(racing);
    expect(await a.round()).toBe(ArmState.Waiting);
    expect(names(state.config)).toEqual([Entry.selfCheck]);
    expect(await armer(gateway).a.round()).toBe(ArmState.Armed);
  });

  it('re-arms after an installer replaced the configuration with its own (the policy entries gone)', async () => {
    const { state, gateway } = memoryConfiguration();
    const { a } = armer(gateway);
    await a.round();
    state.config!.webhooks = (state.config!.webhooks as JsonObject[]).slice(0, 1);
    expect(await a.round()).toBe(ArmState.Armed);
    expect(names(state.config)).toEqual([Entry.selfCheck, Entry.enforce, Entry.warn]);
    expect(state.checks).toBe(2);
  });

  it('no configuration (uninstalled while running): waits, never creates one', async () => {
    const { state, gateway } = memoryConfiguration();
    state.config = undefined;
    const { a } = armer(gateway);
    expect(await a.round()).toBe(ArmState.Waiting);
    expect(state.config).toBeUndefined();
    expect(state.checks).toBe(0);
  });
});

describe('nextRoundSeconds and shouldLog', () => {
  it.each([
    { state: ArmState.Waiting, failed: 1, want: 1 },
    { state: ArmState.Waiting, failed: 2, want: 2 },
    { state: ArmState.Waiting, failed: 4, want: 8 },
    { state: ArmState.Waiting, failed: 9, want: 10 },
    { state: ArmState.Armed, failed: 0, want: 30 },
    { state: ArmState.Follower, failed: 0, want: 10 },
    { state: ArmState.Waiting, failed: 3, steady: 1, want: 1 },
  ])('$state after $failed failed rounds: $want s', ({ state, failed, want, ...o }) => {
    expect(nextRoundSeconds(state, failed, o.steady ?? 30)).toBe(want);
  });

  it.each([
    { name: 'never logged', last: undefined, key: 'a', now: 0, want: true },
    { name: 'the same, 59 s later', last: { key: 'a', at: 0 }, key: 'a', now: 59_000, want: false },
    { name: 'the same, 60 s later', last: { key: 'a', at: 0 }, key: 'a', now: 60_000, want: true },
    { name: 'another reason', last: { key: 'a', at: 0 }, key: 'b', now: 1, want: true },
  ])('$name', ({ last, key, now, want }) => {
    expect(shouldLog(last, key, now)).toBe(want);
  });
});

describe('the self-check verdicts', () => {
  const mutated = { ...probeDeployment(OWN), spec: { template: { metadata: { labels: { 'paas.io/deploy-id': 'd0e1' } } } } };
  it.each([
    { name: 'mutated: passed', stored: mutated, ok: true, says: 'came back mutated (paas.io/deploy-id d0e1)' },
    { name: 'unmutated (the API server did not call the webhook): failed', stored: probeDeployment(OWN), ok: false, says: 'came back unmutated' },
    { name: 'no object at all: failed', stored: 'not json', ok: false, says: 'came back unmutated' },
  ])('$name', ({ stored, ok, says }) => {
    const r = judgeProbe(stored, OWN);
    expect(r.ok).toBe(ok);
    expect(r.ok ? r.detail : r.reason).toContain(says);
  });

  const status = (code: number, message: string) =>
    new HttpError(code, JSON.stringify({ kind: 'Status', message }), '/apis/apps/v1/namespaces/paas-system/deployments');
  it.each([
    {
      name: 'the webhook unreachable',
      err: status(
        500,
        'Internal error occurred: failed calling webhook "self-check.paas.io": failed to call webhook: Post "https://paas-webhook.paas-system.svc:443/mutate?timeout=5s": dial tcp 10.0.0.1:443: connect: connection refused',
      ),
      says: 'the API server could not call the webhook: Internal error occurred: failed calling webhook "self-check.paas.io"',
    },
    { name: 'RBAC', err: status(403, 'deployments.apps is forbidden'), says: 'not allowed to dry-run a Deployment in paas-system (RBAC: create deployments)' },
    { name: 'another refusal', err: status(422, 'Deployment.apps "x" is invalid'), says: 'the dry run was refused (HTTP 422): Deployment.apps "x" is invalid' },
    {
      name: 'no answer',
      err: new KubeError(KubeErrorKind.Timeout, 'https://10.0.0.1:443: timed out after 10 s'),
      says: 'the API server did not answer: https://10.0.0.1:443: timed out',
    },
  ])('$name: failed, saying why', ({ err, says }) => {
    const r = judgeProbeError(err, OWN);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(says);
  });

  it('the probe matches only the self-check entry: its namespace, its label, and no pod template label of the policy', () => {
    const p = probeDeployment(OWN) as { metadata: JsonObject; spec: JsonObject };
    expect(p.metadata).toMatchObject({ namespace: OWN, labels: { 'paas.io/self-check': 'probe' } });
    expect(JSON.stringify(p.spec)).not.toContain('paas.io/deploy-id');
  });
});
