import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig } from '../../../core/config.js';
import { ConfigError } from '../../../core/policy/index.js';

describe('parseConfig', () => {
  it('gives the documented defaults for an empty file', () => {
    expect(parseConfig('', 'paas.toml')).toEqual({
      deploy: {
        surge: 1,
        maxUnavailable: 0,
        timeout: 600,
        readinessProbePath: '/',
        readinessProbe: 'http',
        prestopSleep: 5,
        prestopMode: 'auto',
        terminationGracePeriod: 30,
        readinessProbeHeaders: [],
        topologySpread: 'kubernetes.io/hostname',
        disruptionBudget: 'auto',
      },
      webhook: {
        onError: 'deny',
        maxBodyBytes: 3145728,
        drainSeconds: 5,
        mode: 'enforce',
        namespaces: 'opt-out',
        failurePolicy: 'Fail',
        excludedNamespaces: ['kube-system', 'kube-public', 'kube-node-lease'],
      },
    });
  });

  it('an empty [deploy] section is a no-op', () => {
    expect(parseConfig('[deploy]\n', 'paas.toml')).toEqual(DEFAULT_CONFIG);
  });

  it.each([
    { name: 'surge as an integer', toml: '[deploy]\nsurge = 2', want: { deploy: { surge: 2 } } },
    { name: 'surge as a percentage', toml: '[deploy]\nsurge = "25%"', want: { deploy: { surge: '25%' } } },
    { name: 'surge above 100%', toml: '[deploy]\nsurge = "150%"', want: { deploy: { surge: '150%' } } },
    { name: 'max_unavailable 1 with surge 0', toml: '[deploy]\nsurge = 0\nmax_unavailable = 1', want: { deploy: { surge: 0, maxUnavailable: 1 } } },
    { name: 'timeout', toml: '[deploy]\ntimeout = 900 # seconds', want: { deploy: { timeout: 900 } } },
    { name: 'probe path', toml: '[deploy]\nreadiness_probe_path = "/healthz"', want: { deploy: { readinessProbePath: '/healthz' } } },
    { name: 'tcp probes', toml: '[deploy]\nreadiness_probe = "tcp"', want: { deploy: { readinessProbe: 'tcp' } } },
    { name: 'no probes', toml: '[deploy]\nreadiness_probe = "off"', want: { deploy: { readinessProbe: 'off' } } },
    { name: 'prestop exec', toml: '[deploy]\nprestop_mode = "exec"\nprestop_sleep = 10', want: { deploy: { prestopMode: 'exec', prestopSleep: 10 } } },
    { name: 'no prestop', toml: '[deploy]\nprestop_sleep = 0', want: { deploy: { prestopSleep: 0 } } },
    { name: 'grace period', toml: '[deploy]\ntermination_grace_period = 60', want: { deploy: { terminationGracePeriod: 60 } } },
    {
      name: 'probe headers, in order',
      toml: '[deploy]\nreadiness_probe_headers = { "X-Forwarded-Proto" = "https", "X-Forwarded-Ssl" = "on" }',
      want: {
        deploy: {
          readinessProbeHeaders: [
            { name: 'X-Forwarded-Proto', value: 'https' },
            { name: 'X-Forwarded-Ssl', value: 'on' },
          ],
        },
      },
    },
    { name: 'no probe headers', toml: '[deploy]\nreadiness_probe_headers = {}', want: { deploy: { readinessProbeHeaders: [] } } },
    { name: 'no topology spread', toml: '[deploy]\ntopology_spread = "off"', want: { deploy: { topologySpread: 'off' } } },
    {
      name: 'spread across zones',
      toml: '[deploy]\ntopology_spread = "topology.kubernetes.io/zone"',
      want: { deploy: { topologySpread: 'topology.kubernetes.io/zone' } },
    },
    { name: 'spread across a label without a prefix', toml: '[deploy]\ntopology_spread = "rack"', want: { deploy: { topologySpread: 'rack' } } },
    { name: 'no disruption budgets', toml: '[deploy]\ndisruption_budget = "off"', want: { deploy: { disruptionBudget: 'off' } } },
    {
      name: 'webhook settings',
      toml: '[webhook]\non_error = "allow"\nmax_body_bytes = 1048576\ndrain_seconds = 0',
      want: { webhook: { onError: 'allow', maxBodyBytes: 1048576, drainSeconds: 0 } },
    },
    {
      name: 'warn mode, opt-in namespaces, fail open',
      toml: '[webhook]\nmode = "warn"\nnamespaces = "opt-in"\nfailure_policy = "Ignore"',
      want: { webhook: { mode: 'warn', namespaces: 'opt-in', failurePolicy: 'Ignore' } },
    },
    {
      name: 'excluded namespaces of your own',
      toml: '[webhook]\nexcluded_namespaces = ["kube-system", "legacy-1"]',
      want: { webhook: { excludedNamespaces: ['kube-system', 'legacy-1'] } },
    },
    { name: 'no excluded namespace but its own', toml: '[webhook]\nexcluded_namespaces = []', want: { webhook: { excludedNamespaces: [] } } },
  ])('accepts $name', ({ toml, want }) => {
    const got = parseConfig(toml, 'paas.toml');
    expect(got).toEqual({
      deploy: { ...DEFAULT_CONFIG.deploy, ...want.deploy },
      webhook: { ...DEFAULT_CONFIG.webhook, ...want.webhook },
    });
  });

  it.each([
    { name: 'a string integer for surge', toml: '[deploy]\nsurge = "1"', field: 'deploy.surge', value: '"1"' },
    { name: 'a negative surge', toml: '[deploy]\nsurge = -1', field: 'deploy.surge', value: '-1' },
    { name: 'a fractional surge', toml: '[deploy]\nsurge = 1.5', field: 'deploy.surge', value: '1.5' },
    { name: 'a bad percentage', toml: '[deploy]\nsurge = "25 %"', field: 'deploy.surge', value: '"25 %"' },
    { name: 'max_unavailable above 100%', toml: '[deploy]\nmax_unavailable = "101%"', field: 'deploy.max_unavailable', value: '"101%"' },
    { name: 'surge 0 with max_unavailable 0', toml: '[deploy]\nsurge = 0', field: 'deploy.max_unavailable', value: '0' },
    { name: 'surge "0%" with max_unavailable "0%"', toml: '[deploy]\nsurge = "0%"\nmax_unavailable = "0%"', field: 'deploy.max_unavailable', value: '"0%"' },
    { name: 'timeout 0', toml: '[deploy]\ntimeout = 0', field: 'deploy.timeout', value: '0' },
    { name: 'timeout as a string', toml: '[deploy]\ntimeout = "600"', field: 'deploy.timeout', value: '"600"' },
    { name: 'a relative probe path', toml: '[deploy]\nreadiness_probe_path = "healthz"', field: 'deploy.readiness_probe_path', value: '"healthz"' },
    { name: 'an unknown probe kind', toml: '[deploy]\nreadiness_probe = "grpc"', field: 'deploy.readiness_probe', value: '"grpc"' },
    { name: 'an unknown prestop mode', toml: '[deploy]\nprestop_mode = "always"', field: 'deploy.prestop_mode', value: '"always"' },
    { name: 'a negative grace period', toml: '[deploy]\ntermination_grace_period = -5', field: 'deploy.termination_grace_period', value: '-5' },
    { name: 'an unknown deploy key', toml: '[deploy]\nmax_surge = 1', field: 'deploy.max_surge', value: '1' },
    {
      name: 'a spread key with a space',
      toml: '[deploy]\ntopology_spread = "kubernetes.io/host name"',
      field: 'deploy.topology_spread',
      value: '"kubernetes.io/host name"',
    },
    {
      name: 'a spread key with an upper-case prefix',
      toml: '[deploy]\ntopology_spread = "Kubernetes.io/hostname"',
      field: 'deploy.topology_spread',
      value: '"Kubernetes.io/hostname"',
    },
    {
      name: 'a spread key ending in a slash',
      toml: '[deploy]\ntopology_spread = "kubernetes.io/"',
      field: 'deploy.topology_spread',
      value: '"kubernetes.io/"',
    },
    { name: 'spread as a boolean', toml: '[deploy]\ntopology_spread = false', field: 'deploy.topology_spread', value: 'false' },
    { name: 'a disruption budget as a boolean', toml: '[deploy]\ndisruption_budget = true', field: 'deploy.disruption_budget', value: 'true' },
    { name: 'an unknown disruption budget', toml: '[deploy]\ndisruption_budget = "on"', field: 'deploy.disruption_budget', value: '"on"' },
    {
      name: 'probe headers as a string',
      toml: '[deploy]\nreadiness_probe_headers = "X-Forwarded-Proto: https"',
      field: 'deploy.readiness_probe_headers',
      value: '"X-Forwarded-Proto: https"',
    },
    {
      name: 'a header name with a space',
      toml: '[deploy]\nreadiness_probe_headers = { "X Forwarded" = "https" }',
      field: 'deploy.readiness_probe_headers',
      value: '{"X Forwarded":"https"}',
    },
    {
      name: 'a header value that is not a string',
      toml: '[deploy]\nreadiness_probe_headers = { "X-Forwarded-Ssl" = true }',
      field: 'deploy.readiness_probe_headers',
      value: '{"X-Forwarded-Ssl":true}',
    },
    {
      name: 'a header value with a line break',
      toml: '[deploy]\nreadiness_probe_headers = { "X-A" = "a\\r\\nX-B: b" }',
      field: 'deploy.readiness_probe_headers',
      value: '{"X-A":"a\\r\\nX-B: b"}',
    },
    { name: 'an unknown section', toml: '[deploy]\n[rollout]\nx = 1', field: 'rollout', value: '{"x":1}' },
    { name: 'an unknown top-level key', toml: 'surge = 1', field: 'surge', value: '1' },
    { name: 'deploy as a value', toml: 'deploy = 1', field: 'deploy', value: '1' },
    { name: 'an unknown on_error', toml: '[webhook]\non_error = "ignore"', field: 'webhook.on_error', value: '"ignore"' },
    { name: 'a tiny max_body_bytes', toml: '[webhook]\nmax_body_bytes = 10', field: 'webhook.max_body_bytes', value: '10' },
    { name: 'an unknown webhook key', toml: '[webhook]\nport = 8443', field: 'webhook.port', value: '8443' },
    { name: 'an unknown mode', toml: '[webhook]\nmode = "audit"', field: 'webhook.mode', value: '"audit"' },
    { name: 'a mode spelt in capitals', toml: '[webhook]\nmode = "Warn"', field: 'webhook.mode', value: '"Warn"' },
    { name: 'an unknown namespace selection', toml: '[webhook]\nnamespaces = "all"', field: 'webhook.namespaces', value: '"all"' },
    // The API's spelling, as in the MutatingWebhookConfiguration: "fail" is a typo, not a synonym.
    { name: 'a failure policy in lower case', toml: '[webhook]\nfailure_policy = "fail"', field: 'webhook.failure_policy', value: '"fail"' },
    {
      name: 'an excluded namespace that is no namespace name',
      toml: '[webhook]\nexcluded_namespaces = ["Kube-System"]',
      field: 'webhook.excluded_namespaces',
      value: '["Kube-System"]',
    },
    {
      name: 'an excluded namespace twice',
      toml: '[webhook]\nexcluded_namespaces = ["legacy", "legacy"]',
      field: 'webhook.excluded_namespaces',
      value: '["legacy","legacy"]',
    },
    {
      name: 'excluded namespaces as a string',
      toml: '[webhook]\nexcluded_namespaces = "kube-system"',
      field: 'webhook.excluded_namespaces',
      value: '"kube-system"',
    },
  ])('rejects $name, naming file, field and value', ({ toml, field, value }) => {
    let err: unknown;
    try {
      parseConfig(toml, 'conf/paas.toml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect({ file: e.file, field: e.field, value: e.value }).toEqual({ file: 'conf/paas.toml', field, value });
    expect(e.message).toContain(`conf/paas.toml: ${field}: `);
    expect(e.message).toContain(`got ${value}`);
  });

  it('reports a TOML syntax error with file, line and column', () => {
    expect(() => parseConfig('[deploy]\nsurge = = 1\n', 'paas.toml')).toThrowError(/^paas\.toml:2:\d+: invalid TOML: /);
  });
});
