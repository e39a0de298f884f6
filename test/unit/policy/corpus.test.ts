// Every manifest of ../shared/corpus/deployments (35 real Deployments from public projects):
// the patched result satisfies the policy, keeps every user field, and is idempotent, on the
// offline path (manifests as written, not API-server defaulted) and on the webhook path. And
// `policy apply`'s output, YAML and JSON, read by the real kubectl, means what the file meant
// at every field the policy does not own (test/e2e/yaml-fidelity.test.ts: what the API server
// stores).
import fjp from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type JsonObject, type JsonValue, type PatchOp } from '../../../core/policy/index.js';
import { applyPolicy, parseManifests } from '../../../plugin/policy/manifests.js';
import { unownedDifferences } from '../../fixtures/owned-paths.js';
import { addedSpread, policyGaps, valueAt } from '../../fixtures/policy-gaps.js';
import { CORPUS_DIR, CORPUS_FILES, CORPUS_PRESENT, corpusText, SKIP_CORPUS, warnIfNoCorpus } from '../corpus.js';
import { kubectlRead, SKIP_KUBECTL, warnIfNoKubectl } from '../kubectl-oracle.js';
import { leaves, mutate } from './fixtures.js';

const files = CORPUS_FILES;
const text = corpusText;
/** The file's object as Kubernetes reads it (0644 is 420): the reading the kubectl suite below proves. */
const load = (f: string) => parseManifests(text(f), f)[0]!.value as JsonObject;
const byPrefix = (n: string) => load(files.find((f) => f.startsWith(`${n}-`)) as string);
const get = (doc: JsonValue, pointer: string) => valueAt(doc, pointer) as JsonValue | undefined;

warnIfNoCorpus('the policy corpus suites');

describe('the corpus is present when CI requires it', () => {
  it.skipIf(SKIP_CORPUS)('finds the 35 manifests', () => {
    expect(CORPUS_PRESENT, `no corpus at ${CORPUS_DIR}`).toBe(true);
    expect(files).toHaveLength(35);
  });
});

/** Fields the policy owns and may replace: strategy, deadline and grace period. */
const OWNED = [/^\/spec\/strategy\/(type|rollingUpdate)(\/|$)/, /^\/spec\/progressDeadlineSeconds$/, /^\/spec\/template\/spec\/terminationGracePeriodSeconds$/];

describe.skipIf(SKIP_CORPUS)('corpus: the offline path (policy apply)', () => {
  it.each(files)('%s: satisfies the policy, keeps every user field, is idempotent', (file) => {
    const original = load(file);
    const r = mutate(original);
    const out = r.object;
    // An independent RFC 6902 implementation, applying the patch, gets the object the engine returned.
    expect(fjp.applyPatch(structuredClone(original), structuredClone(r.patch) as fjp.Operation[], true, false).newDocument).toEqual(out);
    if (original.apiVersion !== 'apps/v1') {
      expect(r).toEqual({ patch: [], object: original, warnings: [], changes: [], skipped: expect.stringContaining('not an apps/v1 Deployment') });
      return;
    }
    expect(policyGaps(out)).toEqual([]);
    const own = get(original, '/spec/template/spec/topologySpreadConstraints') as JsonValue[] | undefined;
    const spread = get(out, '/spec/template/spec/topologySpreadConstraints');
    const selector = get(original, '/spec/selector') as Record<string, unknown> | undefined;
    if (own && own.length > 0) expect(spread).toEqual(own);
    else if (!selector) expect(spread).toBeUndefined();
    else expect(spread).toEqual([addedSpread(selector)]);
    for (const [pointer, value] of leaves(original)) {
      if (OWNED.some((re) => re.test(pointer))) continue;
      const kept = get(out, pointer);
      // An empty map the policy fills ("strategy: {}") is kept as a map; any other leaf is equal.
      if (isEmptyObject(value)) expect(typeof kept === 'object' && kept !== null && !Array.isArray(kept), `${file}: ${pointer}`).toBe(true);
      else expect(kept, `${file}: ${pointer}`).toEqual(value);
    }
    expect(r.patch.every((op: PatchOp) => op.op !== 'remove')).toBe(true);
    expect(mutate(out).patch).toEqual([]);
    expect(r.warnings.length).toBeGreaterThanOrEqual(r.patch.length > 0 ? 1 : 0);
  });
});

const isEmptyObject = (v: JsonValue) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;

describe.skipIf(SKIP_CORPUS)('corpus: the webhook path (CREATE, then re-apply)', () => {
  it.each(files.filter((f) => !f.startsWith('02-')))('%s: stamps one id; re-applying the manifest keeps it', (file) => {
    const original = load(file);
    const created = mutate(original, { stampId: true }).object;
    expect(get(created, '/spec/template/metadata/labels/paas.io~1deploy-id')).toBe('id-1');
    expect(mutate(created, { stampId: true }).patch).toEqual([]);
    const reapply = mutate(original, { stampId: true, old: created });
    expect(get(reapply.object, '/spec/template/metadata/labels/paas.io~1deploy-id')).toBe('id-1');
    expect(reapply.warnings).toContain('paas: deploy-id id-1 kept: pod template unchanged');
  });
});

describe.skipIf(SKIP_CORPUS)('corpus: edge cases', () => {
  const out = (n: string, stampId = false) => {
    const d = byPrefix(n);
    const r = mutate(d, { stampId });
    return { d, r, o: r.object };
  };

  it('03: Recreate becomes RollingUpdate, with advice on its PVC and hostPort', () => {
    const { r, o } = out('03');
    expect(get(o, '/spec/strategy')).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(r.warnings.some((w) => w.includes('PVC minio-pv-claim'))).toBe(true);
    expect(r.warnings.some((w) => w.includes('node port 9000 (hostPort)'))).toBe(true);
  });

  it('19: Recreate with rollingUpdate: null gets rollingUpdate', () => {
    expect(get(out('19').o, '/spec/strategy')).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  it.each(['12', '13'])('%s: no template metadata: the webhook creates it with the label', (n) => {
    expect(out(n, true).r.patch).toContainEqual({ op: 'add', path: '/spec/template/metadata', value: { labels: { 'paas.io/deploy-id': 'id-1' } } });
  });

  it.each([
    ['10', 0],
    ['11', 0],
    ['20', 0],
    ['23', 0],
    ['23', 1],
  ])("%s: the user's preStop on container %i is untouched", (n, i) => {
    const { d, o } = out(n);
    expect(get(o, `/spec/template/spec/containers/${i}/lifecycle`)).toEqual(get(d, `/spec/template/spec/containers/${i}/lifecycle`));
  });

  it('11: grace period 0 with a preStop is raised to 30', () => {
    expect(get(out('11').o, '/spec/template/spec/terminationGracePeriodSeconds')).toBe(30);
  });

  it('22: every container of the injected pod gets preStop, istio-init does not', () => {
    const { o } = out('22');
    const pod = get(o, '/spec/template/spec') as { containers: JsonObject[]; initContainers: JsonObject[] };
    expect(pod.containers.map((c) => (c.lifecycle as JsonObject).preStop)).toEqual(pod.containers.map(() => ({ sleep: { seconds: 5 } })));
    expect(pod.initContainers[0]!.lifecycle).toBeUndefined();
  });

  it('25: the native sidecar gets preStop too', () => {
    const { r } = out('25');
    expect(r.warnings).toContain('paas: preStop sleep 5 added to sidecar logshipper');
  });

  it("26: the sidecar's own preStop exec stays", () => {
    const { d, o } = out('26');
    expect(get(o, '/spec/template/spec/initContainers/0/lifecycle')).toEqual(get(d, '/spec/template/spec/initContainers/0/lifecycle'));
  });

  it('27: the existing preStop sleep 30 and grace period 130 stay', () => {
    const { o } = out('27');
    expect(get(o, '/spec/template/spec/containers/0/lifecycle/preStop')).toEqual({ sleep: { seconds: 30 } });
    expect(get(o, '/spec/template/spec/terminationGracePeriodSeconds')).toBe(130);
  });

  it('28: hostNetwork with a bound port is applied, with a warning about the surge pod', () => {
    const { r, o } = out('28');
    expect(get(o, '/spec/strategy/rollingUpdate')).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(r.warnings).toContain('paas: node port 5473 (hostNetwork) + maxUnavailable 0: the surge pod needs a free node; else set paas.io/max-unavailable');
  });

  it('29: hostNetwork without declared ports gets no node-port warning', () => {
    expect(out('29').r.warnings.some((w) => w.includes('node port'))).toBe(false);
  });

  it('30: already 1/0 with a readiness probe: only preStop, the spread (and the id) change', () => {
    expect(out('30', true).r.changes).toEqual(['prestop', 'topology-spread', 'deploy-id']);
  });

  it('33: replicas 0 stays 0', () => {
    expect(get(out('33').o, '/spec/replicas')).toBe(0);
  });

  it('35: the live object keeps status, resourceVersion and last-applied-configuration', () => {
    const { d, o, r } = out('35');
    expect(o.status).toEqual(d.status);
    expect(get(o, '/metadata')).toEqual(get(d, '/metadata'));
    expect(r.patch.some((op) => op.path.startsWith('/status') || op.path.startsWith('/metadata'))).toBe(false);
  });
});

warnIfNoKubectl('corpus: policy apply read back by kubectl');

describe.skipIf(SKIP_CORPUS || SKIP_KUBECTL)('corpus: policy apply means what the file meant (read by the real kubectl)', () => {
  const read = (t: string) => {
    const r = kubectlRead(t);
    if ('error' in r) throw new Error(r.error);
    return r.objects;
  };

  it.each(files)('%s: kubectl reads the file as kube-yaml does; the YAML and JSON output differ only where the policy owns', (file) => {
    const docs = parseManifests(text(file), file);
    const input = read(text(file));
    // kube-yaml's reading is kubectl's (kubectl adds `metadata.labels: {}` where there is none).
    expect(input.map(withoutEmptyLabels)).toEqual(docs.map((d) => withoutEmptyLabels(d.value)));
    const out = applyPolicy(docs, DEFAULT_POLICY, { nativeSleep: true });
    for (const [format, written] of [
      ['yaml', out.yaml],
      ['json', out.json],
    ] as const) {
      const after = read(written);
      expect(after.length, format).toBe(input.length);
      after.forEach((o, i) => expect(unownedDifferences(input[i], o), `${file} -o ${format}`).toEqual([]));
    }
  });

  it.each([
    ['24', '0644', 420],
    ['29', '0400', 256],
    ['29', '0777', 511],
  ])('%s: defaultMode %s stays as written in YAML and is %i in JSON, as kubectl reads it', (n, octal, value) => {
    const file = files.find((f) => f.startsWith(`${n}-`)) as string;
    expect(text(file)).toContain(`defaultMode: ${octal}`);
    const out = applyPolicy(parseManifests(text(file), file), DEFAULT_POLICY, { nativeSleep: true });
    expect(out.yaml).toContain(`defaultMode: ${octal}`);
    expect(out.json).toContain(`"defaultMode": ${value}`);
    expect(JSON.stringify(read(text(file)))).toContain(`"defaultMode":${value}`);
  });
});

function withoutEmptyLabels(o: unknown): unknown {
  const copy = structuredClone(o) as { metadata?: { labels?: object } };
  if (copy.metadata?.labels && Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  return copy;
}
