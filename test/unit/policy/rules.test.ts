// The policy's rules, one table per rule: a Deployment in, the patch and warnings out.
import { describe, expect, it } from 'vitest';
import { checkDeployment, graceSeconds, PolicyInputError, SkipReason, type JsonObject, type JsonValue } from '../../../core/policy/index.js';
import { deployment, mutate, policy } from './fixtures.js';

/** The object after the patch, to assert on the outcome rather than the op list. */
function patched(object: JsonObject, opts: Parameters<typeof mutate>[1] = {}): JsonObject {
  return mutate(object, opts).object;
}
const at = (o: JsonValue, path: string): JsonValue | undefined =>
  path.split('.').reduce<JsonValue | undefined>((v, k) => (v === undefined || v === null ? undefined : (v as Record<string, JsonValue>)[k]), o);
const container = (o: JsonObject, i = 0) => at(o, `spec.template.spec.containers.${i}`) as JsonObject;

describe('strategy', () => {
  it.each([
    { name: 'unset strategy counts as the API default 25%/25%', strategy: undefined, warnings: ['paas: maxSurge 25% -> 1', 'paas: maxUnavailable 25% -> 0'] },
    {
      name: 'server-defaulted 25%/25%',
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      warnings: ['paas: maxSurge 25% -> 1', 'paas: maxUnavailable 25% -> 0'],
    },
    { name: 'only maxUnavailable set', strategy: { rollingUpdate: { maxUnavailable: 0 } }, warnings: ['paas: maxSurge 25% -> 1'] },
    { name: 'an empty strategy object', strategy: {}, warnings: ['paas: maxSurge 25% -> 1', 'paas: maxUnavailable 25% -> 0'] },
    { name: 'type without parameters', strategy: { type: 'RollingUpdate' }, warnings: ['paas: maxSurge 25% -> 1', 'paas: maxUnavailable 25% -> 0'] },
    { name: 'Recreate', strategy: { type: 'Recreate' }, warnings: ['paas: strategy Recreate -> RollingUpdate (maxSurge 1, maxUnavailable 0)'] },
    {
      name: 'Recreate with rollingUpdate: null',
      strategy: { type: 'Recreate', rollingUpdate: null },
      warnings: ['paas: strategy Recreate -> RollingUpdate (maxSurge 1, maxUnavailable 0)'],
    },
    {
      name: 'a string "1" is not the integer 1',
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '1', maxUnavailable: 0 } },
      warnings: ['paas: maxSurge "1" -> 1'],
    },
  ])('$name becomes RollingUpdate 1/0', ({ strategy, warnings }) => {
    const d = deployment({ spec: strategy === undefined ? {} : { strategy } });
    const r = mutate(d);
    expect(r.warnings.filter((w) => /strategy|maxSurge|maxUnavailable/.test(w))).toEqual(warnings);
    expect(r.changes).toContain('strategy');
    expect(at(r.object, 'spec.strategy')).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  it('leaves a compliant strategy alone', () => {
    const d = deployment({ spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } } });
    expect(mutate(d).patch.filter((op) => op.path.startsWith('/spec/strategy'))).toEqual([]);
  });

  it('replaces a single knob with one minimal op', () => {
    const d = deployment({ spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } } } });
    expect(mutate(d).patch.filter((op) => op.path.startsWith('/spec/strategy'))).toEqual([
      { op: 'replace', path: '/spec/strategy/rollingUpdate/maxUnavailable', value: 0 },
    ]);
  });

  it.each([
    { name: 'percentages from the config', pol: { surge: '50%', maxUnavailable: '10%' }, want: { maxSurge: '50%', maxUnavailable: '10%' } },
    { name: 'surge 0 with maxUnavailable 1', pol: { surge: 0, maxUnavailable: 1 }, want: { maxSurge: 0, maxUnavailable: 1 } },
  ])('uses $name', ({ pol, want }) => {
    expect(at(patched(deployment(), { policy: policy(pol) }), 'spec.strategy.rollingUpdate')).toEqual(want);
  });

  it('never touches spec.replicas', () => {
    for (const replicas of [0, 1, 7, undefined]) {
      const d = deployment({ spec: replicas === undefined ? {} : { replicas } });
      if (replicas === undefined) delete (d.spec as JsonObject).replicas;
      expect(mutate(d, { stampId: true }).patch.some((op) => op.path.includes('replicas'))).toBe(false);
    }
  });
});

describe('progressDeadlineSeconds', () => {
  it.each([
    { name: 'unset counts as the API default 600', have: undefined, timeout: 600, warning: undefined },
    { name: 'a shorter deadline is replaced', have: 60, timeout: 600, warning: 'paas: progressDeadlineSeconds 60 -> 600' },
    { name: 'a longer deadline is replaced too', have: 1200, timeout: 600, warning: 'paas: progressDeadlineSeconds 1200 -> 600' },
    { name: 'the config timeout', have: 600, timeout: 300, warning: 'paas: progressDeadlineSeconds 600 -> 300' },
    { name: 'the config timeout over an unset field', have: undefined, timeout: 900, warning: 'paas: progressDeadlineSeconds 600 -> 900' },
  ])('$name', ({ have, timeout, warning }) => {
    const d = deployment({ spec: have === undefined ? {} : { progressDeadlineSeconds: have } });
    const r = mutate(d, { policy: policy({ timeout }) });
    expect(r.warnings.find((w) => w.includes('progressDeadlineSeconds'))).toBe(warning);
    expect(at(r.object, 'spec.progressDeadlineSeconds')).toBe(warning ? timeout : have);
  });
});

describe('preStop', () => {
  it.each([
    { name: 'auto on a cluster with native sleep', mode: 'auto', native: true, hook: { sleep: { seconds: 5 } } },
    { name: 'auto on a cluster without it', mode: 'auto', native: false, hook: { exec: { command: ['sleep', '5'] } } },
    { name: 'sleep even when facts say no (the config insists)', mode: 'sleep', native: false, hook: { sleep: { seconds: 5 } } },
    { name: 'exec even when native sleep exists', mode: 'exec', native: true, hook: { exec: { command: ['sleep', '5'] } } },
  ] as const)('$name', ({ mode, native, hook }) => {
    const out = patched(deployment(), { policy: policy({ prestopMode: mode }), nativeSleep: native });
    expect(at(container(out), 'lifecycle.preStop')).toEqual(hook);
  });

  it('creates lifecycle when missing, with a single add', () => {
    const r = mutate(deployment());
    expect(r.patch).toContainEqual({ op: 'add', path: '/spec/template/spec/containers/0/lifecycle', value: { preStop: { sleep: { seconds: 5 } } } });
    expect(r.warnings).toContain('paas: preStop sleep 5 added to container app');
  });

  it('adds preStop next to a postStart hook', () => {
    const d = deployment({ containers: [{ name: 'app', image: 'x', lifecycle: { postStart: { exec: { command: ['true'] } } } }] });
    expect(at(container(patched(d)), 'lifecycle')).toEqual({ postStart: { exec: { command: ['true'] } }, preStop: { sleep: { seconds: 5 } } });
  });

  it.each([
    { name: 'an exec hook', hook: { exec: { command: ['/wait-shutdown'] } } },
    { name: 'an httpGet hook', hook: { httpGet: { path: '/shutdown', port: 8090 } } },
    { name: 'a longer native sleep', hook: { sleep: { seconds: 30 } } },
  ])('never replaces $name', ({ hook }) => {
    const d = deployment({ containers: [{ name: 'app', image: 'x', lifecycle: { preStop: hook } }] });
    const r = mutate(d);
    expect(r.patch.some((op) => op.path.includes('lifecycle'))).toBe(false);
    expect(at(container(r.object), 'lifecycle.preStop')).toEqual(hook);
  });

  it('covers native sidecars but not ordinary init containers', () => {
    const d = deployment({
      podSpec: {
        initContainers: [
          { name: 'migrate', image: 'x' },
          { name: 'proxy', image: 'y', restartPolicy: 'Always' },
        ],
      },
    });
    const out = patched(d);
    expect(at(out, 'spec.template.spec.initContainers.0.lifecycle')).toBeUndefined();
    expect(at(out, 'spec.template.spec.initContainers.1.lifecycle.preStop')).toEqual({ sleep: { seconds: 5 } });
    expect(mutate(d).warnings).toContain('paas: preStop sleep 5 added to sidecar proxy');
  });

  it('adds none when prestop_sleep is 0', () => {
    expect(mutate(deployment(), { policy: policy({ prestopSleep: 0 }) }).patch.some((op) => op.path.includes('lifecycle'))).toBe(false);
  });
});

describe('terminationGracePeriodSeconds', () => {
  // The one formula: the engine enforces it, `policy show` states it.
  it.each([
    { name: 'the defaults: the 5 s sleep plus 25 s of shutdown', pol: {}, longest: 0, want: 30 },
    { name: 'a longer configured sleep', pol: { prestopSleep: 20 }, longest: 0, want: 45 },
    { name: 'a configured minimum above sleep + 25', pol: { terminationGracePeriod: 90 }, longest: 0, want: 90 },
    { name: 'no preStop sleep: the configured minimum alone', pol: { prestopSleep: 0, terminationGracePeriod: 7 }, longest: 0, want: 7 },
    { name: "a user's hook sleeping longer than the policy's", pol: {}, longest: 40, want: 65 },
    { name: "a user's fractional sleep, rounded up", pol: { prestopSleep: 0, terminationGracePeriod: 0 }, longest: 2.5, want: 28 },
  ])('graceSeconds: $name', ({ pol, longest, want }) => {
    expect(graceSeconds(policy(pol), longest)).toBe(want);
  });

  it.each([
    { name: 'unset counts as the API default 30', have: undefined, pol: {}, want: undefined },
    { name: '0 is raised', have: 0, pol: {}, want: 30 },
    { name: '5 is raised', have: 5, pol: {}, want: 30 },
    { name: '300 is never lowered', have: 300, pol: {}, want: 300 },
    { name: 'a longer prestop sleep raises it past the config', have: 30, pol: { prestopSleep: 20 }, want: 45 },
    { name: 'the config value when above sleep + 25', have: 30, pol: { terminationGracePeriod: 60 }, want: 60 },
    { name: 'no preStop: only the config value counts', have: 10, pol: { prestopSleep: 0, terminationGracePeriod: 15 }, want: 15 },
  ])('$name', ({ have, pol, want }) => {
    const d = deployment({ podSpec: have === undefined ? {} : { terminationGracePeriodSeconds: have } });
    const out = patched(d, { policy: policy(pol) });
    expect(at(out, 'spec.template.spec.terminationGracePeriodSeconds')).toBe(want ?? have);
  });

  it.each([
    { name: 'exec sleep', command: ['sleep', '40'], want: 65 },
    { name: 'exec /bin/sleep', command: ['/bin/sleep', '40'], want: 65 },
    { name: 'exec /usr/bin/sleep', command: ['/usr/bin/sleep', '40'], want: 65 },
    { name: 'another command', command: ['/usrsleep', '40'], want: 30 },
  ])("reads the user's $name hook", ({ command, want }) => {
    const d = deployment({ containers: [{ name: 'app', image: 'x', lifecycle: { preStop: { exec: { command } } } }] });
    expect(at(patched(d), 'spec.template.spec.terminationGracePeriodSeconds')).toBe(want === 30 ? undefined : want);
  });

  it("covers the user's own longer preStop sleep", () => {
    const d = deployment({
      containers: [{ name: 'app', image: 'x', lifecycle: { preStop: { sleep: { seconds: 30 } } } }],
      podSpec: { terminationGracePeriodSeconds: 30 },
    });
    const r = mutate(d);
    expect(r.warnings).toContain('paas: terminationGracePeriodSeconds 30 -> 55');
  });
});

describe('readiness probe', () => {
  const probe = (port: number | string, scheme = 'HTTP', path = '/') => ({
    httpGet: { path, port, scheme },
    initialDelaySeconds: 5,
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  it.each([
    { name: 'the only port, by number', ports: [{ containerPort: 8080 }], want: probe(8080) },
    { name: 'the first TCP port', ports: [{ containerPort: 9090 }, { containerPort: 8080 }], want: probe(9090) },
    { name: 'a named port, by name', ports: [{ name: 'web', containerPort: 8080 }], want: probe('web') },
    {
      name: 'the port named http first',
      ports: [
        { name: 'metrics', containerPort: 9090 },
        { name: 'http', containerPort: 8080 },
      ],
      want: probe('http'),
    },
    {
      name: 'TCP over a first UDP port',
      ports: [
        { name: 'dns', containerPort: 53, protocol: 'UDP' },
        { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
      ],
      want: probe('dns-tcp'),
    },
    { name: 'HTTPS on a port named https', ports: [{ name: 'https', containerPort: 8443 }], want: probe('https', 'HTTPS') },
    { name: 'HTTPS on 443', ports: [{ containerPort: 443 }], want: probe(443, 'HTTPS') },
  ])('probes $name', ({ ports, want }) => {
    const out = patched(deployment({ containers: [{ name: 'app', image: 'x', ports }] }));
    expect(container(out).readinessProbe).toEqual(want);
  });

  it('follows an HTTPS liveness probe on the same port', () => {
    const d = deployment({
      containers: [{ name: 'app', image: 'x', ports: [{ containerPort: 8443 }], livenessProbe: { httpGet: { path: '/', port: 8443, scheme: 'HTTPS' } } }],
    });
    expect(at(container(patched(d)), 'readinessProbe.httpGet.scheme')).toBe('HTTPS');
  });

  it.each([
    { name: 'another port', live: { path: '/healthz', port: 'healthz' }, note: true },
    { name: 'another path on the same port', live: { path: '/healthz', port: 8080 }, note: true },
    { name: 'the same endpoint', live: { path: '/', port: 8080 }, note: false },
  ])('notes an HTTP liveness probe on $name', ({ live, note }) => {
    const d = deployment({
      containers: [{ name: 'app', image: 'x', ports: [{ containerPort: 8080 }, { name: 'healthz', containerPort: 9000 }], livenessProbe: { httpGet: live } }],
    });
    const warned = mutate(d).warnings.filter((w) => w.startsWith('paas: container app: liveness'));
    expect(warned).toEqual(
      note ? [`paas: container app: liveness uses ${live.path}:${live.port}; if readiness fails, set paas.io/readiness-probe-port/-path`] : [],
    );
  });

  it('uses the configured path and the tcp kind', () => {
    expect(at(container(patched(deployment(), { policy: policy({ readinessProbePath: '/healthz' }) })), 'readinessProbe.httpGet.path')).toBe('/healthz');
    expect(at(container(patched(deployment(), { policy: policy({ readinessProbe: 'tcp' }) })), 'readinessProbe.tcpSocket')).toEqual({ port: 8080 });
    expect(container(patched(deployment(), { policy: policy({ readinessProbe: 'off' }) })).readinessProbe).toBeUndefined();
  });

  it('keeps an existing probe of any kind', () => {
    for (const existing of [{ exec: { command: ['check'] } }, { grpc: { port: 3550 } }, { tcpSocket: { port: 6379 } }]) {
      const d = deployment({ containers: [{ name: 'app', image: 'x', ports: [{ containerPort: 80 }], readinessProbe: existing }] });
      expect(mutate(d).patch.some((op) => op.path.includes('readinessProbe'))).toBe(false);
    }
  });

  it('adds none to a container without ports, and says how to ask for one', () => {
    const d = deployment({ containers: [{ name: 'worker', image: 'x' }] });
    const r = mutate(d);
    expect(r.patch.some((op) => op.path.includes('readinessProbe'))).toBe(false);
    expect(r.warnings).toContain('paas: container worker has no TCP port: no readiness probe added (annotate paas.io/readiness-probe-port)');
  });

  it('paas.io/readiness-probe-port: none silences the warning for portless containers only', () => {
    const d = deployment({
      metadata: { annotations: { 'paas.io/readiness-probe-port': 'none' } },
      containers: [
        { name: 'worker', image: 'x' },
        { name: 'web', image: 'y', ports: [{ containerPort: 80 }] },
      ],
    });
    const r = mutate(d);
    expect(r.warnings.some((w) => w.includes('has no TCP port'))).toBe(false);
    expect((at(r.object, 'spec.template.spec.containers') as JsonObject[]).map((c) => c.readinessProbe !== undefined)).toEqual([false, true]);
  });

  it('adds none to native sidecars', () => {
    const d = deployment({ podSpec: { initContainers: [{ name: 'proxy', image: 'y', restartPolicy: 'Always', ports: [{ containerPort: 9801 }] }] } });
    expect(at(patched(d), 'spec.template.spec.initContainers.0.readinessProbe')).toBeUndefined();
  });

  it.each([
    { name: 'a bare port for a portless container', value: '8080', containers: [{ name: 'worker', image: 'x' }], want: [probe(8080)] },
    {
      name: 'a per-container port overriding the choice',
      value: 'app=9090',
      containers: [{ name: 'app', image: 'x', ports: [{ containerPort: 8080 }] }],
      want: [probe(9090)],
    },
    {
      name: 'a bare port only where no port is declared',
      value: '7000',
      containers: [
        { name: 'main', image: 'x' },
        { name: 'side', image: 'y', ports: [{ name: 'https-main', containerPort: 8443 }] },
      ],
      want: [probe(7000), probe('https-main', 'HTTPS')],
    },
    {
      name: 'a declared port name',
      value: 'app=admin',
      containers: [{ name: 'app', image: 'x', ports: [{ containerPort: 80 }, { name: 'admin', containerPort: 9000 }] }],
      want: [probe('admin')],
    },
  ])('annotation paas.io/readiness-probe-port: $name', ({ value, containers, want }) => {
    const out = patched(deployment({ metadata: { annotations: { 'paas.io/readiness-probe-port': value } }, containers }));
    expect((at(out, 'spec.template.spec.containers') as JsonObject[]).map((c) => c.readinessProbe)).toEqual(want);
  });
});

describe('topology spread', () => {
  const SPREAD_PATH = '/spec/template/spec/topologySpreadConstraints';
  const spreadOf = (o: JsonObject) => at(o, 'spec.template.spec.topologySpreadConstraints');

  it('adds one across kubernetes.io/hostname where the template has none: one add, one warning', () => {
    const r = mutate(deployment());
    expect(r.patch.filter((op) => op.path.startsWith(SPREAD_PATH))).toEqual([
      {
        op: 'add',
        path: SPREAD_PATH,
        value: [
          {
            maxSkew: 1,
            topologyKey: 'kubernetes.io/hostname',
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: { app: 'web' } },
            matchLabelKeys: ['pod-template-hash'],
          },
        ],
      },
    ]);
    expect(r.warnings).toContain('paas: topology spread across kubernetes.io/hostname (maxSkew 1, ScheduleAnyway) added to pod template');
    expect(r.changes).toContain('topology-spread');
  });

  it.each([
    {
      name: 'one of its own across zones, DoNotSchedule',
      own: [{ maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' }],
    },
    {
      name: 'one of its own across hostnames with a selector of its own',
      own: [{ maxSkew: 3, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { tier: 'fe' } } }],
    },
  ])('never touches $name', ({ own }) => {
    const r = mutate(deployment({ podSpec: { topologySpreadConstraints: own } }));
    expect(r.patch.some((op) => op.path.startsWith(SPREAD_PATH))).toBe(false);
    expect(spreadOf(r.object)).toEqual(own);
  });

  it('replaces an empty list (the API server stores none)', () => {
    const r = mutate(deployment({ podSpec: { topologySpreadConstraints: [] } }));
    expect(r.patch.filter((op) => op.path.startsWith(SPREAD_PATH)).map((op) => op.op)).toEqual(['replace']);
  });

  it.each([
    {
      name: 'matchExpressions, copied as they are',
      selector: {
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['fe', 'be'] },
          { key: 'canary', operator: 'DoesNotExist' },
        ],
      },
      keys: ['pod-template-hash'],
    },
    {
      name: 'a selector that reads pod-template-hash: no matchLabelKeys (the API server refuses the overlap)',
      selector: { matchLabels: { app: 'web', 'pod-template-hash': 'abc' } },
      keys: undefined,
    },
  ])('labelSelector is the Deployment selector: $name', ({ selector, keys }) => {
    const [c] = spreadOf(patched(deployment({ spec: { selector } }))) as JsonObject[];
    expect(c!.labelSelector).toEqual(selector);
    expect(c!.matchLabelKeys).toEqual(keys);
  });

  it.each([
    { name: 'no selector (a kustomize base)', spec: { selector: undefined } },
    { name: 'an empty selector', spec: { selector: {} } },
  ])('adds none with $name: the API server refuses such a Deployment, and there is nothing to count pods by', ({ spec }) => {
    const d = deployment({ spec });
    if (spec.selector === undefined) delete (d.spec as JsonObject).selector;
    expect(spreadOf(patched(d))).toBeUndefined();
  });

  it.each([
    { name: 'topology_spread = "off"', pol: { topologySpread: 'off' }, ann: undefined, want: undefined },
    { name: 'the annotation "off"', pol: {}, ann: { 'paas.io/topology-spread': 'off' }, want: undefined },
    { name: 'topology_spread across zones', pol: { topologySpread: 'topology.kubernetes.io/zone' }, ann: undefined, want: 'topology.kubernetes.io/zone' },
    {
      name: 'the annotation across racks, over the config',
      pol: { topologySpread: 'off' },
      ann: { 'paas.io/topology-spread': 'example.com/rack' },
      want: 'example.com/rack',
    },
  ])('follows $name', ({ pol, ann, want }) => {
    const spread = spreadOf(patched(deployment({ metadata: ann ? { annotations: ann } : {} }), { policy: policy(pol) })) as JsonObject[] | undefined;
    expect(spread?.[0]?.topologyKey).toBe(want);
  });

  it('an UPDATE that leaves the template alone keeps the deploy-id: the stored spread is what the policy adds again', () => {
    const created = mutate(deployment(), { stampId: true }).object;
    const again = mutate(deployment({ spec: { replicas: 5 } }), { stampId: true, old: created });
    expect(again.warnings).toContain('paas: deploy-id id-1 kept: pod template unchanged');
  });
});

describe('per-Deployment annotations', () => {
  it.each([
    { name: 'surge', ann: { 'paas.io/surge': '2' }, path: 'spec.strategy.rollingUpdate.maxSurge', want: 2 },
    { name: 'surge as a percentage', ann: { 'paas.io/surge': '50%' }, path: 'spec.strategy.rollingUpdate.maxSurge', want: '50%' },
    { name: 'max-unavailable', ann: { 'paas.io/max-unavailable': '1' }, path: 'spec.strategy.rollingUpdate.maxUnavailable', want: 1 },
    {
      name: 'surge 0 with max-unavailable 1',
      ann: { 'paas.io/surge': '0', 'paas.io/max-unavailable': '1' },
      path: 'spec.strategy.rollingUpdate.maxSurge',
      want: 0,
    },
    { name: 'timeout', ann: { 'paas.io/timeout': '1200' }, path: 'spec.progressDeadlineSeconds', want: 1200 },
    {
      name: 'probe path',
      ann: { 'paas.io/readiness-probe-path': '/ready' },
      path: 'spec.template.spec.containers.0.readinessProbe.httpGet.path',
      want: '/ready',
    },
    {
      name: 'probe headers (an app that redirects plain HTTP to HTTPS)',
      ann: { 'paas.io/readiness-probe-headers': 'X-Forwarded-Proto=https, X-Forwarded-Ssl=on' },
      path: 'spec.template.spec.containers.0.readinessProbe.httpGet.httpHeaders',
      want: [
        { name: 'X-Forwarded-Proto', value: 'https' },
        { name: 'X-Forwarded-Ssl', value: 'on' },
      ],
    },
    {
      name: 'no probe headers',
      ann: { 'paas.io/readiness-probe-headers': '' },
      path: 'spec.template.spec.containers.0.readinessProbe.httpGet.httpHeaders',
      want: undefined,
    },
  ])('override $name', ({ ann, path, want }) => {
    expect(at(patched(deployment({ metadata: { annotations: ann } })), path)).toEqual(want);
  });

  it.each([
    { name: 'a word for surge', ann: { 'paas.io/surge': 'one' }, field: 'metadata.annotations["paas.io/surge"]', value: '"one"' },
    { name: 'a negative surge', ann: { 'paas.io/surge': '-1' }, field: 'metadata.annotations["paas.io/surge"]', value: '"-1"' },
    {
      name: 'max-unavailable above 100%',
      ann: { 'paas.io/max-unavailable': '200%' },
      field: 'metadata.annotations["paas.io/max-unavailable"]',
      value: '"200%"',
    },
    {
      name: 'both zero',
      ann: { 'paas.io/surge': '0', 'paas.io/max-unavailable': '0%' },
      field: 'metadata.annotations["paas.io/max-unavailable"]',
      value: '"0%"',
    },
    { name: 'surge 0 against the default max_unavailable 0', ann: { 'paas.io/surge': '0' }, field: 'metadata.annotations["paas.io/surge"]', value: '"0"' },
    { name: 'a zero timeout', ann: { 'paas.io/timeout': '0' }, field: 'metadata.annotations["paas.io/timeout"]', value: '"0"' },
    { name: 'a timeout with a unit', ann: { 'paas.io/timeout': '10m' }, field: 'metadata.annotations["paas.io/timeout"]', value: '"10m"' },
    {
      name: 'a relative probe path',
      ann: { 'paas.io/readiness-probe-path': 'health' },
      field: 'metadata.annotations["paas.io/readiness-probe-path"]',
      value: '"health"',
    },
    {
      name: 'a header without a value',
      ann: { 'paas.io/readiness-probe-headers': 'X-Forwarded-Proto' },
      field: 'metadata.annotations["paas.io/readiness-probe-headers"]',
      value: '"X-Forwarded-Proto"',
    },
    {
      name: 'a header named twice',
      ann: { 'paas.io/readiness-probe-headers': 'X-A=1,x-a=2' },
      field: 'metadata.annotations["paas.io/readiness-probe-headers"]',
      value: '"X-A=1,x-a=2"',
    },
    { name: 'port 0', ann: { 'paas.io/readiness-probe-port': '0' }, field: 'metadata.annotations["paas.io/readiness-probe-port"]', value: '"0"' },
    { name: 'port 70000', ann: { 'paas.io/readiness-probe-port': '70000' }, field: 'metadata.annotations["paas.io/readiness-probe-port"]', value: '"70000"' },
    {
      name: 'an invalid port name',
      ann: { 'paas.io/readiness-probe-port': 'Web_Port' },
      field: 'metadata.annotations["paas.io/readiness-probe-port"]',
      value: '"Web_Port"',
    },
    {
      name: 'two bare ports',
      ann: { 'paas.io/readiness-probe-port': '80,81' },
      field: 'metadata.annotations["paas.io/readiness-probe-port"]',
      value: '"80,81"',
    },
    {
      name: 'an unknown container',
      ann: { 'paas.io/readiness-probe-port': 'db=5432' },
      field: 'metadata.annotations["paas.io/readiness-probe-port"]',
      value: '"db"',
    },
    {
      name: 'an undeclared port name',
      ann: { 'paas.io/readiness-probe-port': 'app=admin' },
      field: 'metadata.annotations["paas.io/readiness-probe-port"]',
      value: '"admin"',
    },
    {
      name: 'a spread key with a space',
      ann: { 'paas.io/topology-spread': 'kubernetes.io/host name' },
      field: 'metadata.annotations["paas.io/topology-spread"]',
      value: '"kubernetes.io/host name"',
    },
    { name: 'a spread of "none"', ann: { 'paas.io/topology-spread': 'no!' }, field: 'metadata.annotations["paas.io/topology-spread"]', value: '"no!"' },
    {
      name: 'a disruption budget of "false"',
      ann: { 'paas.io/disruption-budget': 'false' },
      field: 'metadata.annotations["paas.io/disruption-budget"]',
      value: '"false"',
    },
  ])('rejects $name with a PolicyInputError naming field and value', ({ ann, field, value }) => {
    const d = deployment({ metadata: { annotations: ann } });
    let err: unknown;
    try {
      mutate(d);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicyInputError);
    expect({ field: (err as PolicyInputError).field, value: (err as PolicyInputError).value }).toEqual({ field, value });
    expect(() => checkDeployment(d, policy(), { nativeSleep: true })).toThrow(PolicyInputError);
  });

  it('ignores other paas.io annotations', () => {
    expect(() => mutate(deployment({ metadata: { annotations: { 'paas.io/team': 'shop' } } }))).not.toThrow();
  });
});

describe('scope', () => {
  it.each([
    { name: 'opted out by label', d: deployment({ metadata: { labels: { 'paas.io/rollout-policy': 'disabled' } } }), skipped: SkipReason.optedOut },
    {
      name: 'a Deployment of another API group',
      d: { ...deployment(), apiVersion: 'extensions/v1beta1' },
      skipped: /not an apps\/v1 Deployment \(extensions\/v1beta1/,
    },
    { name: 'a StatefulSet', d: { ...deployment(), kind: 'StatefulSet' }, skipped: SkipReason.notDeployment },
    { name: 'a Deployment being deleted', d: deployment({ metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } }), skipped: SkipReason.deleting },
  ])('leaves alone $name', ({ d, skipped }) => {
    const r = mutate(d, { stampId: true });
    expect(r.patch).toEqual([]);
    expect(r.skipped).toMatch(skipped);
  });

  it('applies the policy when the opt-out label has another value', () => {
    expect(mutate(deployment({ metadata: { labels: { 'paas.io/rollout-policy': 'enabled' } } })).patch.length).toBeGreaterThan(0);
  });

  it.each([
    { name: 'no spec', d: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } }, field: 'spec', value: '<missing>' },
    { name: 'no spec.template', d: { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 1 } }, field: 'spec.template', value: '<missing>' },
    {
      name: 'a template that is a string',
      d: { apiVersion: 'apps/v1', kind: 'Deployment', spec: { template: 'web' } },
      field: 'spec.template',
      value: '"web"',
    },
    {
      name: 'containers that are not a list',
      d: deployment({ podSpec: { containers: { app: {} } } }),
      field: 'spec.template.spec.containers',
      value: '{"app":{}}',
    },
    {
      name: 'a container that is a string',
      d: deployment({ podSpec: { containers: ['nginx'] } }),
      field: 'spec.template.spec.containers[0]',
      value: '"nginx"',
    },
    { name: 'a strategy that is a string', d: deployment({ spec: { strategy: 'Recreate' } }), field: 'spec.strategy', value: '"Recreate"' },
    {
      name: 'a grace period that is a string',
      d: deployment({ podSpec: { terminationGracePeriodSeconds: '30' } }),
      field: 'spec.template.spec.terminationGracePeriodSeconds',
      value: '"30"',
    },
    { name: 'labels that are a list', d: deployment({ metadata: { labels: ['a'] } }), field: 'metadata.labels', value: '["a"]' },
    { name: 'minReadySeconds not below the timeout', d: deployment({ spec: { minReadySeconds: 600 } }), field: 'spec.minReadySeconds', value: '600' },
  ])('rejects $name', ({ d, field, value }) => {
    expect(() => mutate(d as JsonObject)).toThrow(expect.objectContaining({ name: 'PolicyInputError', field, value }));
  });
});

describe('advice that changes nothing', () => {
  it.each([
    {
      name: 'hostNetwork with a port',
      podSpec: { hostNetwork: true },
      ports: [{ containerPort: 5473 }],
      note: /node port 5473 \(hostNetwork\) \+ maxUnavailable 0/,
    },
    { name: 'a hostPort', podSpec: {}, ports: [{ containerPort: 80, hostPort: 80 }], note: /node port 80 \(hostPort\)/ },
    {
      name: 'required anti-affinity per node',
      podSpec: {
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: {} }] } },
      },
      ports: [{ containerPort: 80 }],
      note: /required anti-affinity per node/,
    },
  ])('warns about $name under maxUnavailable 0, and not when the annotation allows 1', ({ podSpec, ports, note }) => {
    const d = deployment({ podSpec, containers: [{ name: 'app', image: 'x', ports }] });
    expect(mutate(d).warnings.some((w) => note.test(w))).toBe(true);
    expect(checkDeployment(d, policy(), { nativeSleep: true }).notes.some((w) => note.test(w))).toBe(true);
    const relaxed = deployment({ podSpec, containers: [{ name: 'app', image: 'x', ports }], metadata: { annotations: { 'paas.io/max-unavailable': '1' } } });
    expect(mutate(relaxed).warnings.some((w) => note.test(w))).toBe(false);
  });

  it('warns that a Recreate Deployment with a PVC may not fit a surge pod', () => {
    const d = deployment({ spec: { strategy: { type: 'Recreate' } }, podSpec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'minio' } }] } });
    expect(mutate(d).warnings.some((w) => w.startsWith('paas: PVC minio: if ReadWriteOnce'))).toBe(true);
  });

  it('keeps every warning one short line', () => {
    const d = deployment({
      spec: { strategy: { type: 'Recreate' }, progressDeadlineSeconds: 60 },
      podSpec: { hostNetwork: true, terminationGracePeriodSeconds: 0, volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data-claim' } }] },
      containers: [
        { name: 'main-container', image: 'x' },
        { name: 'server', image: 'y', ports: [{ name: 'https-main', containerPort: 8443 }] },
      ],
    });
    const { warnings } = mutate(d, { stampId: true, nativeSleep: false });
    expect(warnings.length).toBeGreaterThan(6);
    for (const w of warnings) {
      expect(w).toMatch(/^paas: /);
      expect(w).not.toContain('\n');
      expect(w.length).toBeLessThanOrEqual(120);
    }
  });
});

describe('checkDeployment', () => {
  it('lists each violation with field, actual and expected value', () => {
    const d = deployment({ spec: { progressDeadlineSeconds: 60 }, podSpec: { terminationGracePeriodSeconds: 5 } });
    const { violations } = checkDeployment(d, policy(), { nativeSleep: true });
    expect(violations.map(({ field, actual, expected }) => ({ field, actual, expected }))).toEqual([
      { field: 'spec.strategy.rollingUpdate.maxSurge', actual: '25%', expected: '1' },
      { field: 'spec.strategy.rollingUpdate.maxUnavailable', actual: '25%', expected: '0' },
      { field: 'spec.progressDeadlineSeconds', actual: '60', expected: '600' },
      { field: 'spec.template.spec.containers[0].lifecycle.preStop', actual: 'unset', expected: 'sleep 5' },
      { field: 'spec.template.spec.terminationGracePeriodSeconds', actual: '5', expected: '30' },
      { field: 'spec.template.spec.containers[0].readinessProbe', actual: 'unset', expected: 'GET / on port 8080' },
      { field: 'spec.template.spec.topologySpreadConstraints', actual: 'unset', expected: 'kubernetes.io/hostname maxSkew 1 ScheduleAnyway' },
    ]);
  });

  it('finds nothing on the result of the patch', () => {
    const d = deployment({ spec: { strategy: { type: 'Recreate' } } });
    expect(checkDeployment(patched(d), policy(), { nativeSleep: true }).violations).toEqual([]);
  });

  it('never reports the deploy-id (it is assigned at roll time)', () => {
    const kinds = checkDeployment(deployment(), policy(), { nativeSleep: true }).violations.map((v) => v.kind);
    expect(kinds).not.toContain('deploy-id');
  });
});
