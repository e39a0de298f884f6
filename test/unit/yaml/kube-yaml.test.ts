// core/yaml/: manifests read as Kubernetes reads them. The rules are pinned by tables (go-yaml
// v2's resolve.go, sigs.k8s.io/yaml's key conversion), and every manifest below is also read by the
// real kubectl (test/unit/kubectl-oracle.ts): kube-yaml must read exactly what kubectl reads, and
// refuse exactly what kubectl refuses. What the API server then stores is test/e2e/yaml-fidelity.
import { describe, expect, it } from 'vitest';
import { formatFloatKey, resolvePlain, resolveTagged } from '../../../core/yaml/go-scalars.js';
import { formatJson, kubeYamlDocument, parseKubeYaml, splitStream, toPlainJson } from '../../../core/yaml/kube-yaml.js';
import { parseManifests } from '../../../plugin/policy/manifests.js';
import { PaasError } from '../../../core/errors.js';
import { unownedDifferences as unowned } from '../../fixtures/owned-paths.js';
import { applyOrError, manifestFor, rowName, SCALAR_ROWS, Refused } from '../../fixtures/yaml-scalars.js';
import { kubectlRead, SKIP_KUBECTL, warnIfNoKubectl } from '../kubectl-oracle.js';

warnIfNoKubectl('kube-yaml: the kubectl oracle suites');

/** Our reading of a stream: every object (a List's items), plain numbers, as kubectl prints them. */
function ours(text: string): { objects: unknown[] } | { error: string } {
  try {
    const docs = parseManifests(text, 'm.yaml');
    return { objects: withoutEmptyLabels(docs.flatMap((d) => d.targets.map((t) => toPlainJson(t.object as never)))) };
  } catch (e) {
    if (e instanceof PaasError) return { error: e.message };
    throw e;
  }
}

/** kubectl's reading. */
function theirs(text: string): { objects: unknown[] } | { error: string } {
  const r = kubectlRead(text);
  return 'error' in r ? r : { objects: withoutEmptyLabels(r.objects) };
}

/** kubectl adds `metadata.labels: {}` where there is none: an empty map is dropped on both sides. */
function withoutEmptyLabels(objects: unknown[]): unknown[] {
  for (const o of objects) {
    const meta = (o as { metadata?: Record<string, unknown> } | null)?.metadata;
    if (meta && typeof meta.labels === 'object' && meta.labels !== null && Object.keys(meta.labels).length === 0) delete meta.labels;
  }
  return objects;
}

/** Both read the same objects, or both refuse. */
function expectSameReading(text: string): void {
  const mine = ours(text);
  const kubectl = theirs(text);
  if ('error' in kubectl) {
    expect(mine, `kubectl refuses it: ${kubectl.error}`).toHaveProperty('error');
    return;
  }
  expect(mine).toEqual(kubectl);
}

describe('go-yaml v2 scalar rules', () => {
  it.each([
    ['0644', { kind: 'int', value: 420n }],
    ['0o17', { kind: 'int', value: 15n }],
    ['-0x1F', { kind: 'int', value: -31n }],
    ['0b101', { kind: 'int', value: 5n }],
    ['1_000', { kind: 'int', value: 1000n }],
    ['08', { kind: 'float', value: 8 }],
    ['.5_0', { kind: 'float', value: 0.5 }],
    ['._5', { kind: 'str', value: '._5' }],
    ['1e999', { kind: 'str', value: '1e999' }],
    ['1e-999', { kind: 'float', value: 0 }],
    ['9223372036854775808', { kind: 'uint', value: 9223372036854775808n }],
    ['18446744073709551616', { kind: 'float', value: 18446744073709551616 }],
    ['0x10000000000000000', { kind: 'str', value: '0x10000000000000000' }],
    ['1:30', { kind: 'str', value: '1:30' }],
    ['2001-12-14', { kind: 'str', value: '2001-12-14' }],
    ['Off', { kind: 'bool', value: false }],
    ['~', { kind: 'null' }],
    ['', { kind: 'null' }],
    ['.Inf', { kind: 'float', value: Infinity }],
    ['tRUE', { kind: 'str', value: 'tRUE' }],
  ])('%s', (text, want) => {
    expect(resolvePlain(text)).toEqual(want);
  });

  it.each([
    ['tag:yaml.org,2002:int', '"0644" as written', '0644', { kind: 'int', value: 420n }],
    ['tag:yaml.org,2002:float', 'an int', '1', { kind: 'float', value: 1 }],
    ['tag:yaml.org,2002:str', 'anything', '0644', { kind: 'str', value: '0644' }],
    ['!', 'the non-specific tag', 'yes', { kind: 'str', value: 'yes' }],
    ['tag:yaml.org,2002:timestamp', 'a date', '2001-12-14', { kind: 'str', value: '2001-12-14' }],
    ['tag:yaml.org,2002:int', 'a boolean', 'yes', { error: 'cannot decode !!bool `yes` as a !!int' }],
    ['tag:yaml.org,2002:null', 'a number', '1', { error: 'cannot decode !!int `1` as a !!null' }],
  ])('%s on %s', (tag, _what, text, want) => {
    expect(resolveTagged(tag, text)).toEqual(want);
  });

  // strconv.FormatFloat(f, 'g', -1, 32), as sigs.k8s.io/yaml names a float key.
  it.each([
    [1.5, '1.5'],
    [1e6, '1e+06'],
    [1234567, '1.234567e+06'],
    [100000, '100000'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [0.1, '0.1'],
    [-0, '-0'],
    [1e39, '.inf'],
  ])('float key %d is "%s"', (f, want) => {
    expect(formatFloatKey(f)).toBe(want);
  });
});

describe('cutting a stream into documents, as kubectl does', () => {
  it('cuts at lines starting with ---, a comment allowed after it', () => {
    expect(splitStream('a: 1\n--- # next\nb: 2\n---\n').map((c) => c.text)).toEqual(['a: 1\n', 'b: 2\n']);
  });

  it.each([['--- {a: 1}\n'], ['a: 1\n----\n'], ['a: 1\n---b\n']])('refuses content after --- (%j)', (text) => {
    expect(() => splitStream(text)).toThrow(/invalid document separator/);
  });

  it('reads a stream opening with { as JSON values, then YAML', () => {
    expect(splitStream('{"a": 1}\n{"b": 2}\n').map((c) => [c.text, c.json])).toEqual([
      ['{"a": 1}', true],
      ['{"b": 2}', true],
    ]);
    expect(splitStream('{"a": 1}\n---\nb: 2\n').map((c) => c.json)).toEqual([true, false]);
    expect(splitStream('{a: 1}\n').map((c) => c.json)).toEqual([false]);
  });
});

describe('JSON output', () => {
  it('writes int64s beyond 2^53 exactly, and -0 as Go does', () => {
    const text = formatJson({ a: 9007199254740993n, b: [-0, 1.5], c: {} });
    expect(text).toBe('{\n  "a": 9007199254740993,\n  "b": [\n    -0,\n    1.5\n  ],\n  "c": {}\n}');
  });

  it('is JSON.stringify(v, null, 2) for plain values', () => {
    const v = { s: 'x"y', n: [1, { t: true, z: null }], e: [] };
    expect(formatJson(v)).toBe(JSON.stringify(v, null, 2));
  });
});

describe('kubeconfig', () => {
  it('reads YAML 1.1 scalars as client-go does', () => {
    expect(parseKubeYaml('clusters:\n- name: x\n  cluster: {insecure-skip-tls-verify: yes, server: "https://h"}\n')).toEqual({
      clusters: [{ name: 'x', cluster: { 'insecure-skip-tls-verify': true, server: 'https://h' } }],
    });
  });

  it('names the line and column of bad YAML', () => {
    expect(() => parseKubeYaml('a: 1\nb: [\n')).toThrow(/^line \d+, column \d+: invalid YAML/);
  });
});

describe.skipIf(SKIP_KUBECTL)('kube-yaml reads what kubectl reads (the real kubectl, offline)', () => {
  it.each(SCALAR_ROWS.map((r) => [rowName(r), r] as const))('%s', (_name, r) => {
    expectSameReading(manifestFor(r, 'web'));
    if (r.stored === Refused.byKubectl)
      expect(ours(manifestFor(r, 'web'))).toEqual({ error: expect.stringMatching(/^m\.yaml: document 1, line \d+, column \d+: /) });
  });

  const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n';
  it.each([
    ['duplicate keys: the last wins', `${CM}data:\n  a: "1"\n  a: "2"\n  b: x\n`],
    ['duplicate keys spelled differently: yes and true are one key', `${CM}data:\n  yes: "1"\n  true: "2"\n`],
    ['a merge key after a key overrides it', `${CM}data:\n  a: "1"\n  <<: {a: "2", b: "3"}\n`],
    ['a key after a merge key overrides it', `${CM}data:\n  <<: {a: "2", b: "3"}\n  a: "1"\n`],
    ['merging a list: earlier maps win', `${CM}x: &a {p: "1"}\ny: &b {p: "2", q: "2"}\ndata:\n  <<: [*a, *b]\n`],
    ['a merged map with its own merge key', `${CM}x: &a {p: "1", <<: {q: "1"}}\ndata:\n  <<: *a\n  r: "0"\n`],
    ['a quoted << is a plain key', `${CM}data:\n  "<<": x\n`],
    ['!!merge << is a merge key', `${CM}data:\n  !!merge <<: {a: b}\n`],
    ['anchors and aliases, redefined anchors', `${CM}x: &a "1"\ny: &a "2"\ndata: {p: *a}\n`],
    ['an alias of an alias-holding map', `${CM}x: &a {p: "1"}\ny: &b {q: *a}\ndata: *b\n`],
    ['content after ... is ignored', `${CM}data: {a: x}\n...\ndata: {b: y}\n`],
    ['a comment-only document and a leading ---', `# nothing\n---\n${CM}---\n`],
    ['a kind: List', `apiVersion: v1\nkind: List\nitems:\n- ${CM.replace(/\n(?!$)/g, '\n  ')}  labels: {a: 0x1F}\n`],
    ["a \\' escape in double quotes", `${CM}data: {a: "it\\'s", b: "x\\ty"}\n`],
    [
      'JSON objects one after another',
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"x":"a\\/b","x":"c"}}\n{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}\n`,
    ],
    ['a JSON object, then YAML', `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}\n---\n${CM}data: {a: 0644}\n`],
    ['a YAML flow map is not JSON', `{apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {x: 0o17}}\n`],
    ['CRLF line ends', `${CM}data:\n  a: yes\n`.replace(/\n/g, '\r\n')],
    ['a multi-line plain scalar', `${CM}data:\n  a: 06\n    44\n`],
    ['block scalars', `${CM}data:\n  a: |\n    0644\n  b: >-\n    yes\n    no\n`],
    ['!!binary', `${CM}data:\n  a: !!binary aGVsbG8=\n`],
    ['a uint64 value is sent as a float', `${CM}x: 18446744073709551615\n`],
    // What kubectl refuses.
    ['an alias that contains itself', `${CM}x: &a [*a]\n`],
    ['an unknown alias', `${CM}x: *nope\n`],
    ['merging a scalar', `${CM}data:\n  <<: 1\n`],
    ['merging an alias of a list', `${CM}x: &l [{a: "1"}]\ndata:\n  <<: *l\n`],
    ['a map as a key', `${CM}data:\n  ? {a: 1}\n  : x\n`],
    ['a null key', `${CM}data:\n  ~: x\n`],
    ['a tag that does not fit', `${CM}x: !!int yes\n`],
    ['bad base64', `${CM}x: !!binary "%%%"\n`],
    ['NaN', `${CM}x: .NaN\n`],
    ['%YAML 1.2', `%YAML 1.2\n---\n${CM}`],
    ['%YAML 1.1', `%YAML 1.1\n---\n${CM}`],
    ['a \\/ escape in YAML', `${CM}data: {a: "a\\/b"}\n`],
    ['a bad separator', `${CM}--- x\n`],
  ])('%s', (_name, text) => {
    expectSameReading(text);
  });

  it('refuses two keys that kubectl would pick between at random (1 and "1")', () => {
    const text = `${CM}data:\n  1: a\n  "1": b\n`;
    expect(ours(text)).toEqual({ error: 'm.yaml: document 1, line 7, column 3: keys 1 and "1" are both the field "1"; kubectl would keep one at random' });
    expect(kubectlRead(text)).toHaveProperty('objects'); // kubectl takes one of them
  });

  it('writes new strings that look like YAML 1.1 scalars quoted, so kubectl reads strings', () => {
    const value = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
      data: Object.fromEntries(
        ['yes', 'No', '0644', '0o17', '0x1F', '1_000', '.5', '1e3', '~', '', '08', '1:30', '2001-12-14', '<<', 'a b'].map((s, i) => [`k${i}`, s]),
      ),
    };
    const text = kubeYamlDocument(value).toString();
    expect(text).toMatch(/k0: "yes"/);
    expect(theirs(text)).toEqual({ objects: [value] });
  });
});

describe.skipIf(SKIP_KUBECTL)('policy apply keeps what it does not own (the real kubectl reads input and output)', () => {
  it.each(SCALAR_ROWS.filter((r) => r.stored !== Refused.byKubectl).map((r) => [rowName(r), r] as const))('%s', (_name, r) => {
    const input = manifestFor(r, 'web');
    const applied = applyOrError(input);
    if ('error' in applied) {
      expect([r.stored, applied.error instanceof PaasError]).toEqual([Refused.byServer, true]);
      return;
    }
    const out = applied.out;
    // One kubectl run reads all three: a stream opening with JSON is read as JSON, then YAML.
    const read = kubectlRead(`${out.json}---\n${input}---\n${out.yaml}`);
    if ('error' in read) throw new Error(read.error);
    const [json, before, yaml] = read.objects;
    expect(read.objects).toHaveLength(3);
    expect(unowned(before, yaml)).toEqual([]);
    expect(unowned(before, json)).toEqual([]);
    // The user's spelling of a plain scalar stays in the YAML output (quoted and tagged ones may
    // be re-quoted: `"it\'s"` is written "it's").
    const line = r.field === 'annotationKey' ? `${r.scalar}: v` : `: ${r.scalar}`;
    if (r.scalar !== '' && !/^["'!]/.test(r.scalar)) expect(out.yaml).toContain(line);
  });
});
