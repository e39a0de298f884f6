// Property tests: random Deployments, checked against fast-json-patch (an independent RFC 6902
// implementation). The patch applies cleanly, is idempotent, and never removes a user's field.
import fc from 'fast-check';
import fjp from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { applyPatch, type JsonObject, type JsonValue } from '../../../core/policy/index.js';
import { leaves, mutate, policy } from './fixtures.js';

const key = fc.oneof(fc.constantFrom('x', 'a/b', 'a~b', 'example.com/team', '~1', ''), fc.string({ maxLength: 6 }));
const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
const { value: extra } = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3 }),
  ),
}));
/** Unknown fields a future API version or another tool may add: they must survive untouched. */
const extras = (prefix: string) =>
  fc.dictionary(
    key.map((k) => `${prefix}${k}`),
    extra,
    { maxKeys: 2 },
  );
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const intOrPercent = fc.oneof(fc.nat({ max: 5 }), fc.constantFrom('0%', '10%', '25%', '100%'), fc.constant('1'));

const port = fc.record(
  {
    containerPort: fc.integer({ min: 1, max: 65535 }),
    name: opt(fc.constantFrom('http', 'https', 'metrics', 'grpc', 'dns')),
    protocol: opt(fc.constantFrom('TCP', 'UDP')),
    hostPort: opt(fc.integer({ min: 1, max: 65535 })),
  },
  { requiredKeys: ['containerPort'] },
);
const hook = fc.oneof(
  fc.record({ sleep: fc.record({ seconds: fc.integer({ min: 1, max: 60 }) }) }),
  fc.record({ exec: fc.record({ command: fc.constantFrom(['/wait-shutdown'], ['sleep', '20'], ['nginx', '-s', 'quit']) }) }),
  fc.record({ httpGet: fc.record({ path: fc.constant('/shutdown'), port: fc.constant(8090) }) }),
);
const lifecycle = fc.oneof(fc.record({ preStop: hook }), fc.record({ postStart: hook }), fc.constant({}), fc.constant(null));
const probe = fc.oneof(
  fc.record({ tcpSocket: fc.record({ port: fc.constant(80) }) }),
  fc.record({ exec: fc.record({ command: fc.constant(['check']) }) }),
  fc.constant(null),
);

const container = (name: string, sidecar: boolean | undefined) =>
  fc
    .tuple(
      fc.record(
        {
          image: fc.constantFrom('nginx:1.27', 'gcr.io/distroless/static'),
          ports: opt(fc.array(port, { maxLength: 3 })),
          lifecycle: opt(lifecycle),
          readinessProbe: opt(probe),
          livenessProbe: opt(probe),
        },
        { requiredKeys: ['image'] },
      ),
      extras('x-c-'),
    )
    .map(([c, x]) => ({ name, ...strip(c), ...(sidecar === undefined ? {} : sidecar ? { restartPolicy: 'Always' } : {}), ...x }));

const containers = (prefix: string, sidecars: boolean) =>
  fc
    .integer({ min: sidecars ? 0 : 1, max: 3 })
    .chain((n) =>
      fc.tuple(
        ...Array.from({ length: n }, (_, i) => (sidecars ? fc.boolean().chain((s) => container(`${prefix}${i}`, s)) : container(`${prefix}${i}`, undefined))),
      ),
    );

const strategy = fc.oneof(
  fc.constant(undefined),
  fc.constant({}),
  fc.constant({ type: 'Recreate' }),
  fc.constant({ type: 'Recreate', rollingUpdate: null }),
  fc.record(
    {
      type: opt(fc.constant('RollingUpdate')),
      rollingUpdate: opt(fc.record({ maxSurge: opt(intOrPercent), maxUnavailable: opt(intOrPercent) }, { requiredKeys: [] })),
    },
    { requiredKeys: [] },
  ),
);

const templateMeta = fc.oneof(
  fc.constant(undefined),
  fc.constant({}),
  fc.record({ labels: fc.dictionary(fc.constantFrom('app', 'tier', 'paas.io/deploy-id', 'a/b~c'), fc.string({ minLength: 1, maxLength: 6 }), { maxKeys: 3 }) }),
);

const annotations = opt(
  fc.record(
    {
      'paas.io/surge': fc.constantFrom('1', '2', '50%'),
      'paas.io/timeout': fc.constantFrom('60', '900'),
      'paas.io/readiness-probe-path': fc.constantFrom('/healthz', '/'),
      'paas.io/readiness-probe-port': fc.constantFrom('8080', 'c0=9090'),
      'example.com/note': fc.string({ maxLength: 5 }),
    },
    { requiredKeys: [] },
  ),
);

const deployment: fc.Arbitrary<JsonObject> = fc
  .record({
    annotations,
    replicas: opt(fc.nat({ max: 10 })),
    strategy,
    progressDeadlineSeconds: opt(fc.constantFrom(60, 600, 1200)),
    templateMeta,
    regular: containers('c', false),
    init: containers('i', true),
    grace: opt(fc.constantFrom(0, 5, 30, 60, 300)),
    hostNetwork: opt(fc.boolean()),
    specExtras: extras('x-s-'),
    podExtras: extras('x-p-'),
  })
  .map((g) =>
    // Through JSON, as the API server sends it: no undefined members, no -0.
    json({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: strip({ name: 'web', annotations: g.annotations }),
      spec: strip({
        replicas: g.replicas,
        strategy: g.strategy,
        progressDeadlineSeconds: g.progressDeadlineSeconds,
        template: strip({
          metadata: g.templateMeta,
          spec: strip({
            containers: g.regular,
            initContainers: g.init.length ? g.init : undefined,
            terminationGracePeriodSeconds: g.grace,
            hostNetwork: g.hostNetwork,
            ...g.podExtras,
          }),
        }),
        ...g.specExtras,
      }),
    }),
  );

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

function json(o: JsonObject): JsonObject {
  return JSON.parse(JSON.stringify(o)) as JsonObject;
}

/** Drops undefined members, so "absent" is really absent. */
function strip<T extends object>(o: T): JsonObject {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, JsonValue] => e[1] !== undefined));
}

const exists = (doc: JsonValue, pointer: string): boolean => {
  try {
    fjp.getValueByPointer(doc, pointer);
    return pointer === '' || fjp.validate([{ op: 'test', path: pointer, value: fjp.getValueByPointer(doc, pointer) }], doc) === undefined;
  } catch {
    return false;
  }
};
const OWNED = [
  /^\/spec\/strategy(\/|$)/,
  /^\/spec\/progressDeadlineSeconds$/,
  /^\/spec\/template\/spec\/terminationGracePeriodSeconds$/,
  /\/readinessProbe$/,
  /\/lifecycle$/,
  /^\/spec\/template\/metadata(\/labels)?$/,
];
const reference = (doc: JsonObject, ops: unknown[]) => fjp.applyPatch(structuredClone(doc), structuredClone(ops) as fjp.Operation[], true, false).newDocument;
const RUNS = { numRuns: 300 };

describe('the engine on random Deployments', () => {
  it('produces a patch fast-json-patch applies cleanly, to the object the engine returns', () => {
    fc.assert(
      fc.property(deployment, fc.boolean(), (d, stampId) => {
        const r = mutate(d, { stampId });
        expect(reference(d, r.patch)).toEqual(r.object);
        expect(applyPatch(d, r.patch)).toEqual(r.object);
      }),
      RUNS,
    );
  });

  it('is pure: never writes to its inputs (deep-frozen) and gives the same answer twice', () => {
    fc.assert(
      fc.property(deployment, (d) => {
        const old = deepFreeze(reference(d, mutate(d, { stampId: true }).patch));
        const frozen = deepFreeze(structuredClone(d));
        const first = mutate(frozen, { stampId: true, old });
        expect(mutate(frozen, { stampId: true, old })).toEqual(first);
        expect(frozen).toEqual(d);
      }),
      RUNS,
    );
  });

  it('is idempotent: mutating the result again yields an empty patch', () => {
    fc.assert(
      fc.property(deployment, fc.boolean(), fc.boolean(), (d, stampId, nativeSleep) => {
        const out = reference(d, mutate(d, { stampId, nativeSleep }).patch);
        expect(mutate(out, { stampId, nativeSleep }).patch).toEqual([]);
      }),
      RUNS,
    );
  });

  it('never removes a field, and changes only the fields the policy owns', () => {
    fc.assert(
      fc.property(deployment, (d) => {
        const r = mutate(d, { stampId: true });
        expect(r.patch.filter((op) => op.op === 'remove')).toEqual([]);
        const out = reference(d, r.patch);
        for (const [pointer, value] of leaves(d)) {
          expect(exists(out, pointer), pointer).toBe(true);
          const owned = OWNED.some((re) => re.test(pointer)) || /\/lifecycle\/|\/readinessProbe\/|\/labels\/paas\.io~1deploy-id$/.test(pointer);
          if (!owned && !(typeof value === 'object' && value !== null)) expect(fjp.getValueByPointer(out, pointer), pointer).toEqual(value);
        }
      }),
      RUNS,
    );
  });

  it("keeps the user's preStop hooks, probes and replicas exactly", () => {
    fc.assert(
      fc.property(deployment, (d) => {
        const out = reference(d, mutate(d, { stampId: true }).patch);
        const before = (d.spec as JsonObject).template as JsonObject;
        const after = (out.spec as JsonObject).template as JsonObject;
        const cs = (t: JsonObject) => (t.spec as JsonObject).containers as JsonObject[];
        cs(before).forEach((c, i) => {
          const pre = (c.lifecycle as JsonObject | null | undefined)?.preStop;
          if (pre) expect((cs(after)[i]!.lifecycle as JsonObject).preStop).toEqual(pre);
          if (c.readinessProbe) expect(cs(after)[i]!.readinessProbe).toEqual(c.readinessProbe);
        });
        expect((out.spec as JsonObject).replicas).toEqual((d.spec as JsonObject).replicas);
      }),
      RUNS,
    );
  });

  it('re-applying the same manifest over the stored object never starts a rollout', () => {
    fc.assert(
      fc.property(deployment, (d) => {
        const created = reference(d, mutate(d, { stampId: true }).patch);
        const id = fjp.getValueByPointer(created, '/spec/template/metadata/labels/paas.io~1deploy-id');
        const again = reference(d, mutate(d, { stampId: true, old: created }).patch);
        expect(fjp.getValueByPointer(again, '/spec/template/metadata/labels/paas.io~1deploy-id')).toBe(id);
        expect(again.spec).toEqual(created.spec);
      }),
      RUNS,
    );
  });

  it('with surge 0 and maxUnavailable 1 from the config, still idempotent', () => {
    fc.assert(
      fc.property(deployment, (d) => {
        const pol = policy({ surge: 0, maxUnavailable: 1 });
        const out = reference(d, mutate(d, { policy: pol }).patch);
        expect(mutate(out, { policy: pol }).patch).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
});
