// `kubectl paas policy apply` must not change what a manifest means at any field it does not own.
// The oracle is what the API server stores (`kubectl create --dry-run=server -o json`), never the
// project's YAML reader: for every YAML 1.1 scalar of test/fixtures/yaml-scalars.ts, the stored
// value is the row's, kube-yaml reads what kubectl sends, and the server stores the same from
// apply's YAML and JSON output as from the input; the 35 real manifests of the corpus, likewise;
// and duplicate keys and merge keys are stored as kube-yaml reads them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../core/policy/index.js';
import { toPlainJson } from '../../core/yaml/kube-yaml.js';
import { applyPolicy, parseManifests } from '../../plugin/policy/manifests.js';
import { PaasError } from '../../core/errors.js';
import { unownedDifferences } from '../fixtures/owned-paths.js';
import { applyOrError, manifestFor, Refused, rowName, SCALAR_ROWS, Field, type ScalarRow } from '../fixtures/yaml-scalars.js';
import { kubectlRead, parseJsonStream } from '../unit/kubectl-oracle.js';
import { kubectl, newNamespace } from './lib/cluster.js';

type Obj = Record<string, unknown>;

const CORPUS = resolve(import.meta.dirname, '../../../shared/corpus/deployments');
const policy = DEFAULT_POLICY;
const facts = { nativeSleep: true };

/** What the API server stores from a stream: every object it would create, and its refusals. */
async function stored(text: string, namespace?: string, extra: string[] = []): Promise<{ objects: Obj[]; error: string; raw: string }> {
  const r = await kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-', ...(namespace ? ['-n', namespace] : []), ...extra], { input: text });
  return { objects: parseJsonStream(r.stdout).map(comparable), error: r.code === 0 ? '' : r.stderr.trim(), raw: r.stdout };
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Without what differs on every request (uid, timestamps, managedFields). kubectl create rewrites
 * an existing last-applied-configuration to the object it sends, policy fields included: it is
 * parsed here, so it is compared like the object, field by field.
 */
function comparable(o: Obj): Obj {
  const meta = o.metadata as Obj | undefined;
  if (meta) for (const k of ['uid', 'creationTimestamp', 'managedFields', 'resourceVersion', 'generation']) delete meta[k];
  const annotations = meta?.annotations as Obj | undefined;
  if (typeof annotations?.[LAST_APPLIED] === 'string') annotations[LAST_APPLIED] = JSON.parse(annotations[LAST_APPLIED]) as Obj;
  return o;
}

/** unownedDifferences, also inside a parsed last-applied-configuration (the object's own paths). */
function unownedStored(before: Obj | undefined, after: Obj): string[] {
  const inner = (o: Obj | undefined) => ((o?.metadata as Obj | undefined)?.annotations as Obj | undefined)?.[LAST_APPLIED];
  const strip = (o: Obj | undefined) => {
    const c = structuredClone<Obj | undefined>(o);
    const a = (c?.metadata as Obj | undefined)?.annotations as Obj | undefined;
    if (a) delete a[LAST_APPLIED];
    return c;
  };
  const lastApplied = unownedDifferences(inner(before), inner(after)).map((p) => `${LAST_APPLIED}: ${p}`);
  return [...unownedDifferences(strip(before), strip(after)), ...lastApplied];
}

function at(o: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((v, k) => (v === null || typeof v !== 'object' ? undefined : (v as Obj)[k]), o);
}

/** The field's value as the API server printed it, digit for digit (JSON.parse rounds int64s). */
async function storedText(text: string, namespace: string, pointer: string): Promise<string> {
  const path = pointer
    .split('/')
    .slice(1)
    .map((k) => (/^\d+$/.test(k) ? `[${k}]` : `.${k}`))
    .join('');
  const r = await kubectl(['create', '--dry-run=server', '-n', namespace, '-f', '-', '-o', `jsonpath={${path}}`], { input: text });
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout;
}

describe('YAML 1.1 scalars: what the API server stores, from the manifest and from policy apply', () => {
  let ns = '';
  beforeAll(async () => {
    ns = await newNamespace('yaml-fidelity');
  });

  it.each(SCALAR_ROWS.map((r) => [rowName(r), r] as const))('%s', async (_name, r: ScalarRow) => {
    const input = manifestFor(r, 'web');
    const pointer = Field[r.field];
    const before = await stored(input, ns);

    if (r.stored === Refused.byKubectl) {
      // kubectl refuses the YAML before sending it; so does kube-yaml, naming where.
      expect(before.error).toMatch(/^error: error parsing STDIN/);
      expect(() => parseManifests(input, 'm.yaml')).toThrow(PaasError);
      expect(() => parseManifests(input, 'm.yaml')).toThrow(/^m\.yaml: document 1, line \d+, column \d+: /);
      return;
    }
    // kube-yaml reads what kubectl sends.
    const sent = kubectlRead(input);
    if ('error' in sent) throw new Error(sent.error);
    expect(at(toPlainJson(parseManifests(input, 'm.yaml')[0]!.exact), pointer)).toEqual(at(sent.objects[0], pointer));

    if (r.stored === Refused.byServer) expect(before.error).toMatch(/Error from server|is invalid/);
    else if (typeof r.stored === 'bigint') expect(await storedText(input, ns, pointer)).toBe(r.stored.toString());
    else {
      expect(before.error).toBe('');
      expect(at(before.objects[0], pointer)).toEqual(r.stored);
    }

    const applied = applyOrError(input);
    if ('error' in applied) {
      expect([r.stored, applied.error instanceof PaasError]).toEqual([Refused.byServer, true]);
      return;
    }
    const out = applied.out;
    for (const [format, text] of [
      ['yaml', out.yaml],
      ['json', out.json],
    ] as const) {
      const after = await stored(text, ns);
      expect(after.error, format).toBe(before.error);
      expect(after.objects.length, format).toBe(before.objects.length);
      after.objects.forEach((o, i) => expect(unownedDifferences(before.objects[i], o), format).toEqual([]));
      if (typeof r.stored === 'bigint') expect(await storedText(text, ns, pointer), format).toBe(r.stored.toString());
    }
    if (!/^["'!]/.test(r.scalar) && r.scalar !== '') expect(out.yaml).toContain(r.field === 'annotationKey' ? `${r.scalar}: v` : `: ${r.scalar}`);
  });
});

describe('duplicate keys and merge keys: stored as kube-yaml reads them', () => {
  let ns = '';
  beforeAll(async () => {
    ns = await newNamespace('yaml-duplicates');
  });

  const base = manifestFor({ scalar: '1', field: 'replicas', stored: 1 }, 'web');
  const json = JSON.stringify(toPlainJson(parseManifests(base, 'm.yaml')[0]!.exact)).replace('"replicas":1', '"replicas":1,"replicas":3');
  it.each([
    ['a duplicate key in YAML: the last one', base.replace('  replicas: 1\n', '  replicas: 1\n  replicas: 3\n'), { '/spec/replicas': 3 }],
    ['a duplicate key in JSON: the last one', json, { '/spec/replicas': 3 }],
    [
      'yes and on are one key',
      base.replace('metadata:\n  name: web\n', 'metadata:\n  name: web\n  annotations:\n    yes: a\n    on: b\n'),
      { '/metadata/annotations/true': 'b', '/metadata/annotations/yes': undefined },
    ],
    [
      'a merge key overrides the keys before it, and is overridden by the keys after it',
      base.replace('  replicas: 1\n', '  minReadySeconds: 4\n  <<: {replicas: 2, minReadySeconds: 7, revisionHistoryLimit: 3}\n  replicas: 5\n'),
      { '/spec/replicas': 5, '/spec/minReadySeconds': 7, '/spec/revisionHistoryLimit': 3 },
    ],
    [
      'in a list of merged maps, the earlier wins',
      base.replace('  replicas: 1\n', '  <<: [{replicas: 2}, {replicas: 4, minReadySeconds: 6}]\n'),
      { '/spec/replicas': 2, '/spec/minReadySeconds': 6 },
    ],
    [
      'an alias repeats its anchor',
      base.replace('      labels:\n        app: web', '      labels: &l\n        app: web\n      annotations: *l'),
      { '/spec/template/metadata/annotations': { app: 'web' } },
    ],
  ])('%s', async (_name, text, want) => {
    const ours = toPlainJson(parseManifests(text, 'm.yaml')[0]!.exact);
    for (const verb of [['create'], ['apply'], ['apply', '--server-side']]) {
      const r = await kubectl([...verb, '--dry-run=server', '-n', ns, '-o', 'json', '-f', '-'], { input: text });
      expect(r.stderr, verb.join(' ')).toBe('');
      const server = JSON.parse(r.stdout) as Obj;
      for (const [pointer, value] of Object.entries(want)) {
        expect(at(server, pointer), `${verb.join(' ')} ${pointer}`).toEqual(value);
        expect(at(ours, pointer), pointer).toEqual(value);
      }
    }
    const out = applyPolicy(parseManifests(text, 'm.yaml'), policy, facts);
    const before = await stored(text, ns);
    for (const written of [out.yaml, out.json]) {
      const after = await stored(written, ns);
      expect(after.error).toBe('');
      expect(unownedDifferences(before.objects[0], after.objects[0])).toEqual([]);
    }
  });
});

describe('the corpus: the API server stores the same from policy apply output as from the file', () => {
  const files = existsSync(CORPUS)
    ? readdirSync(CORPUS)
        .filter((f) => f.endsWith('.yaml'))
        .sort()
    : [];
  if (files.length === 0 && process.env.PAAS_REQUIRE_CORPUS === '1') throw new Error(`corpus missing at ${CORPUS} (PAAS_REQUIRE_CORPUS=1)`);
  if (files.length === 0) console.warn(`yaml-fidelity: ${CORPUS} absent; the corpus checks are skipped`);
  const made: string[] = [];

  beforeAll(async () => {
    // The files' own namespaces, as kubectl reads them, must exist for a dry run.
    const wanted = new Set<string>();
    for (const f of files) {
      const r = kubectlRead(readFileSync(join(CORPUS, f), 'utf8'));
      if ('objects' in r)
        for (const o of r.objects) if (typeof (o.metadata as Obj)?.namespace === 'string') wanted.add((o.metadata as Obj).namespace as string);
    }
    for (const ns of wanted) {
      const r = await kubectl(['create', 'namespace', ns]);
      if (r.code === 0) made.push(ns);
      else if (!r.stderr.includes('AlreadyExists')) throw new Error(r.stderr);
    }
  });
  afterAll(async () => {
    if (made.length) await kubectl(['delete', 'namespace', ...made, '--wait=false', '--ignore-not-found']);
  });

  it.each(files)('%s: YAML and JSON output stored the same at every field the policy does not own', async (file) => {
    const text = readFileSync(join(CORPUS, file), 'utf8');
    const before = await stored(text);
    const out = applyPolicy(parseManifests(text, file), policy, facts);
    for (const [format, written] of [
      ['yaml', out.yaml],
      ['json', out.json],
    ] as const) {
      const after = await stored(written);
      // A refusal (a retired API, a live object's resourceVersion) is the same refusal.
      expect(after.error.replace(/"STDIN"/g, ''), format).toBe(before.error.replace(/"STDIN"/g, ''));
      expect(after.objects.length, format).toBe(before.objects.length);
      after.objects.forEach((o, i) => expect(unownedStored(before.objects[i], o), `${file} -o ${format}`).toEqual([]));
    }
  });
});
