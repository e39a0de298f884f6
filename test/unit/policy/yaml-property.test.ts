// Property: for random Deployment manifests written the way people write YAML (octal modes,
// yes/no booleans, `~`, duplicate keys, anchors, aliases and merge keys, odd spellings of the
// fields the policy owns), `policy apply`'s output, YAML and JSON, read by the real kubectl,
// differs from the input only at paths the policy owns; and kube-yaml reads the input as kubectl
// does. The oracle is kubectl (test/unit/kubectl-oracle.ts), never kube-yaml itself.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../core/policy/index.js';
import { toPlainJson } from '../../../core/yaml/kube-yaml.js';
import { applyPolicy, parseManifests } from '../../../plugin/policy/manifests.js';
import { unownedDifferences } from '../../fixtures/owned-paths.js';
import { kubectlRead, SKIP_KUBECTL, warnIfNoKubectl } from '../kubectl-oracle.js';

warnIfNoKubectl('policy apply on random YAML manifests');

/** A YAML node as written: a scalar's text, a map (keys as written, duplicates allowed), a list. */
type Y = { s: string } | { m: [string, Y][]; anchor?: string } | { l: Y[]; anchor?: string } | { alias: string };

const s = (text: string): Y => ({ s: text });

/** Block YAML of a node, every line indented by `indent`. */
function emit(y: Y, indent: string): string {
  if ('m' in y) {
    if (y.m.length === 0) return ' {}\n';
    const head = y.anchor ? ` &${y.anchor}` : '';
    return `${head}\n${y.m.map(([k, v]) => `${indent}${k}:${inline(v, `${indent}  `)}`).join('')}`;
  }
  if ('l' in y) {
    if (y.l.length === 0) return ' []\n';
    const head = y.anchor ? ` &${y.anchor}` : '';
    return `${head}\n${y.l.map((v) => `${indent}-${inline(v, `${indent}  `)}`).join('')}`;
  }
  return inline(y, indent);
}

function inline(y: Y, indent: string): string {
  if ('s' in y) return y.s === '' ? '\n' : ` ${y.s}\n`;
  if ('alias' in y) return ` *${y.alias}\n`;
  return emit(y, indent);
}

// Scalars Kubernetes reads in a YAML 1.1 way, and plain strings; none that kubectl refuses.
const ODD = [
  '0400',
  '0755',
  '0644',
  '0o17',
  '0x1F',
  '0b101',
  '+12',
  '1_000',
  '08',
  '.5',
  '1e3',
  '1.',
  '-0',
  '0.0',
  'yes',
  'No',
  'on',
  'OFF',
  'y',
  'n',
  '~',
  'null',
  '',
  '1:30',
  '2001-12-14',
  'tRUE',
  '_1',
  '1e999',
  '<<',
  '"0644"',
  "'yes'",
  '!!str 0o17',
  '!!int "0x10"',
  '"it\\\'s"',
  'x',
  'web',
  '9007199254740993',
];
const scalar = fc
  .oneof(
    fc.constantFrom(...ODD),
    fc.string({ maxLength: 8 }).map((t) => JSON.stringify(t)),
  )
  .map(s);
/** Scalars that read as strings, for fields kubectl types as strings (annotations). */
const stringy = fc
  .oneof(
    fc.constantFrom('1:30', '2001-12-14', 'tRUE', '_1', '1e999', '<<', '"0644"', "'yes'", '!!str 0o17', '"it\\\'s"', 'x'),
    fc.string({ maxLength: 8 }).map((t) => JSON.stringify(t)),
  )
  .map(s);
const key = fc.constantFrom('a', 'b-c', 'yes', 'On', '0644', '1.5', '"quoted key"', '"0x10"', 'x_y', '2001-12-14', 'n');
const { tree } = fc.letrec<{ tree: Y }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(fc.tuple(key, tie('tree')), { maxLength: 3 }).map((m): Y => ({ m })),
    fc.array(tie('tree'), { maxLength: 2 }).map((l): Y => ({ l })),
  ),
}));
/** Fields no API knows: only kubectl's reading matters for them here. */
const extras = (prefix: string) =>
  fc.array(
    fc.tuple(
      key.map((k) => `${prefix}${k.replace(/"/g, '')}`),
      tree,
    ),
    { maxLength: 2 },
  );

const bool = fc.constantFrom('yes', 'no', 'on', 'off', 'y', 'N', 'True', 'FALSE');
const mode = fc.constantFrom('0400', '0644', '0755', '0o600', '0x1A4', '420', '!!int "0644"');
const port = fc.constantFrom('8080', '0x1F90', '0o17620', '8_080', '+8080', '080');
const ownedSpelling = {
  deadline: fc.constantFrom(undefined, '600', '0x258', '01130', '60', '6_0_0', '~'),
  grace: fc.constantFrom(undefined, '30', '0o36', '036', '0x1E', '5', '300', '~'),
  strategy: fc.constantFrom<Y | undefined>(
    undefined,
    { m: [] },
    { m: [['type', s('Recreate')]] },
    {
      m: [
        ['type', s('RollingUpdate')],
        [
          'rollingUpdate',
          {
            m: [
              ['maxSurge', s('0b1')],
              ['maxUnavailable', s('00')],
            ],
          },
        ],
      ],
    },
    {
      m: [
        [
          'rollingUpdate',
          {
            m: [
              ['maxSurge', s('"25%"')],
              ['maxUnavailable', s('~')],
            ],
          },
        ],
      ],
    },
  ),
};

const container = (name: string) =>
  fc
    .record({
      env: fc.array(fc.tuple(fc.constantFrom('A', 'B', 'C'), fc.constantFrom('"0644"', '1:30', '2001-12-14', "'yes'", '"it\\\'s"', 'tRUE', '"~"', '""')), {
        maxLength: 2,
      }),
      port: fc.option(port, { nil: undefined }),
      readOnly: fc.option(bool, { nil: undefined }),
      preStop: fc.boolean(),
      probe: fc.boolean(),
      x: extras('x-'),
    })
    .map((c): Y => {
      const m: [string, Y][] = [
        ['name', s(name)],
        ['image', s('nginx:1.27')],
      ];
      if (c.env.length)
        m.push([
          'env',
          {
            l: c.env.map(([n, v]) => ({
              m: [
                ['name', s(n)],
                ['value', s(v)],
              ],
            })),
          },
        ]);
      if (c.port) m.push(['ports', { l: [{ m: [['containerPort', s(c.port)]] }] }]);
      if (c.readOnly)
        m.push([
          'volumeMounts',
          {
            l: [
              {
                m: [
                  ['name', s('v')],
                  ['mountPath', s('/v')],
                  ['readOnly', s(c.readOnly)],
                ],
              },
            ],
          },
        ]);
      if (c.preStop) m.push(['lifecycle', { m: [['preStop', { m: [['sleep', { m: [['seconds', s('0x5')]] }]] }]] }]);
      if (c.probe) m.push(['readinessProbe', { m: [['tcpSocket', { m: [['port', s('0o17620')]] }]] }]);
      return { m: [...m, ...c.x] };
    });

/** How the user wrote the parts around the owned fields: the shapes kubectl reads specially. */
const Shape = { plain: 'plain', duplicates: 'duplicates', merge: 'merge', aliasedLabels: 'aliasedLabels', aliasedContainers: 'aliasedContainers' } as const;
type Shape = (typeof Shape)[keyof typeof Shape];

const manifest = fc
  .record({
    shape: fc.constantFrom<Shape>(...Object.values(Shape)),
    replicas: fc.constantFrom('3', '0x2', '02', '~', '1_0'),
    annotations: fc.array(fc.tuple(key, stringy), { maxLength: 3 }),
    strategy: ownedSpelling.strategy,
    deadline: ownedSpelling.deadline,
    grace: ownedSpelling.grace,
    mode: mode,
    hostNetwork: fc.option(bool, { nil: undefined }),
    containers: fc.integer({ min: 1, max: 2 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => container(`c${i}`)))),
    specExtras: extras('x-s-'),
    podExtras: extras('x-p-'),
  })
  .map((g) => {
    const labels: Y = g.shape === Shape.aliasedLabels ? { m: [['app', s('web')]], anchor: 'labels' } : { m: [['app', s('web')]] };
    const podSpec: [string, Y][] = [
      [
        'volumes',
        {
          l: [
            {
              m: [
                ['name', s('v')],
                [
                  'secret',
                  {
                    m: [
                      ['secretName', s('s')],
                      ['defaultMode', s(g.mode)],
                    ],
                  },
                ],
              ],
            },
          ],
        },
      ],
      ['containers', g.shape === Shape.aliasedContainers ? { l: g.containers, anchor: 'cs' } : { l: g.containers }],
    ];
    if (g.shape === Shape.aliasedContainers) podSpec.push(['x-p-copy', { alias: 'cs' }]);
    if (g.grace !== undefined) podSpec.push(['terminationGracePeriodSeconds', s(g.grace)]);
    if (g.hostNetwork !== undefined) podSpec.push(['hostNetwork', s(g.hostNetwork)]);
    const spec: [string, Y][] = [
      ['replicas', s(g.replicas)],
      ['selector', { m: [['matchLabels', labels]] }],
      [
        'template',
        {
          m: [
            ['metadata', { m: [['labels', g.shape === Shape.aliasedLabels ? { alias: 'labels' } : labels]] }],
            ['spec', { m: [...podSpec, ...g.podExtras] }],
          ],
        },
      ],
    ];
    if (g.strategy) spec.push(['strategy', g.strategy]);
    if (g.deadline !== undefined) spec.push(['progressDeadlineSeconds', s(g.deadline)]);
    if (g.shape === Shape.duplicates) {
      // A first spelling that the later one overrides, for an owned and an unowned field.
      spec.unshift(['progressDeadlineSeconds', s('5')], ['replicas', s('7')]);
    }
    if (g.shape === Shape.merge)
      spec.unshift([
        '<<',
        {
          m: [
            ['minReadySeconds', s('0x5')],
            ['progressDeadlineSeconds', s('30')],
            ['strategy', { m: [['type', s('Recreate')]] }],
          ],
        },
      ]);
    const metadata: [string, Y][] = [['name', s('web')]];
    if (g.annotations.length) metadata.push(['annotations', { m: g.annotations }]);
    const root: Y = {
      m: [
        ['apiVersion', s('apps/v1')],
        ['kind', s('Deployment')],
        ['metadata', { m: metadata }],
        ['spec', { m: [...spec, ...g.specExtras] }],
      ],
    };
    return emit(root, '').replace(/^\n/, '');
  });

/** kubectl's objects, without the `metadata.labels: {}` it adds. */
function read(text: string): unknown[] {
  const r = kubectlRead(text);
  if ('error' in r) throw new Error(`kubectl refuses it: ${r.error}\n${text}`);
  return r.objects.map((o) => {
    const meta = (o as { metadata?: { labels?: object } }).metadata;
    if (meta?.labels && Object.keys(meta.labels).length === 0) delete meta.labels;
    return o;
  });
}

describe.skipIf(SKIP_KUBECTL)('policy apply on random YAML manifests, read back by the real kubectl', () => {
  it('changes nothing the policy does not own, in YAML or JSON; and reads the input as kubectl does', () => {
    fc.assert(
      fc.property(manifest, (input) => {
        const docs = parseManifests(input, 'm.yaml');
        const out = applyPolicy(docs, DEFAULT_POLICY, { nativeSleep: true });
        // One kubectl run reads all three: a stream opening with JSON is read as JSON, then YAML.
        const [json, before, yaml, ...rest] = read(`${out.json}---\n${input}---\n${out.yaml}`);
        expect(rest).toEqual([]);
        expect(withoutEmptyLabels(toPlainJson(docs[0]!.exact))).toEqual(before);
        expect(unownedDifferences(before, yaml)).toEqual([]);
        expect(unownedDifferences(before, json)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

function withoutEmptyLabels(o: unknown): unknown {
  const meta = (o as { metadata?: { labels?: object } }).metadata;
  if (meta?.labels && Object.keys(meta.labels).length === 0) delete meta.labels;
  return o;
}
