// `policy show`'s summary: the effective knobs under paas.toml's names, and the rules in words.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig } from '../../../core/config.js';
import { summarizePolicy } from '../../../plugin/policy/summary.js';

const rule = (toml: string, name: string, facts?: { nativeSleep: boolean }) =>
  summarizePolicy(parseConfig(toml, 'paas.toml'), facts).rules.find((r) => r.rule === name)?.effect;

describe('summarizePolicy', () => {
  it('lists every [deploy] and [webhook] key under its paas.toml name', () => {
    const s = summarizePolicy(DEFAULT_CONFIG);
    expect(s.deploy).toEqual({
      surge: 1,
      max_unavailable: 0,
      timeout: 600,
      readiness_probe_path: '/',
      readiness_probe: 'http',
      prestop_sleep: 5,
      prestop_mode: 'auto',
      termination_grace_period: 30,
      readiness_probe_headers: {},
      topology_spread: 'kubernetes.io/hostname',
      disruption_budget: 'auto',
    });
    expect(s.webhook).toEqual({
      on_error: 'deny',
      max_body_bytes: 3145728,
      drain_seconds: 5,
      mode: 'enforce',
      namespaces: 'opt-out',
      failure_policy: 'Fail',
      excluded_namespaces: ['kube-system', 'kube-public', 'kube-node-lease'],
    });
  });

  it.each([
    { name: 'auto, cluster unknown', toml: '', facts: undefined, want: 'sleep action 5s (exec "sleep 5" where the cluster lacks it)' },
    { name: 'auto on a cluster without native sleep', toml: '', facts: { nativeSleep: false }, want: 'exec "sleep 5"' },
    { name: 'auto on a cluster with it', toml: '', facts: { nativeSleep: true }, want: 'sleep action 5s' },
    { name: 'exec', toml: '[deploy]\nprestop_mode = "exec"\nprestop_sleep = 8', facts: undefined, want: 'exec "sleep 8"' },
    { name: 'sleep 0', toml: '[deploy]\nprestop_sleep = 0', facts: undefined, want: 'none added (prestop_sleep = 0)' },
  ])('describes preStop: $name', ({ toml, facts, want }) => {
    expect(rule(toml, 'preStop', facts)).toBe(`${want} on containers and native sidecars without a preStop hook`);
  });

  it.each([
    { toml: '', want: /^HTTP GET \/ on the first TCP port/ },
    { toml: '[deploy]\nreadiness_probe_path = "/ready"', want: /^HTTP GET \/ready / },
    { toml: '[deploy]\nreadiness_probe = "tcp"', want: /^TCP on the first TCP port/ },
    { toml: '[deploy]\nreadiness_probe = "off"', want: /^none added/ },
  ])('describes the readiness probe for $toml', ({ toml, want }) => {
    expect(rule(toml, 'readinessProbe')).toMatch(want);
  });

  it('states the grace period the engine will enforce', () => {
    expect(rule('[deploy]\nprestop_sleep = 20', 'terminationGracePeriodSeconds')).toMatch(/^at least 45 /);
    expect(rule('[deploy]\ntermination_grace_period = 90', 'terminationGracePeriodSeconds')).toMatch(/^at least 90 /);
  });

  it.each([
    {
      toml: '',
      want: "across kubernetes.io/hostname, maxSkew 1, ScheduleAnyway, over the Deployment's selector and pod-template-hash; only where the pod template has none",
    },
    { toml: '[deploy]\ntopology_spread = "topology.kubernetes.io/zone"', want: /^across topology\.kubernetes\.io\/zone, / },
    { toml: '[deploy]\ntopology_spread = "off"', want: 'none added (topology_spread = "off")' },
  ])('describes the topology spread for $toml', ({ toml, want }) => {
    if (typeof want === 'string') expect(rule(toml, 'topologySpreadConstraints')).toBe(want);
    else expect(rule(toml, 'topologySpreadConstraints')).toMatch(want);
  });

  it.each([
    {
      toml: '',
      want: 'maxUnavailable 1, unhealthyPodEvictionPolicy AlwaysAllow, for 2 or more replicas, kept by the webhook (none where one of yours selects the pods)',
    },
    { toml: '[deploy]\ndisruption_budget = "off"', want: 'none kept (disruption_budget = "off")' },
  ])('describes the disruption budget for $toml', ({ toml, want }) => {
    expect(rule(toml, 'PodDisruptionBudget')).toBe(want);
  });
});
