// The rollout policy as a MutatingAdmissionPolicy (core/policy/admission-policy.ts) on a real
// kube-apiserver: for every Deployment of the corpus and every case below, the object the API
// server stores through the rendered policy equals, field for field, what the engine makes of the
// same Deployment (mutateDeployment with stampId false; the deploy-id aside, held to its own
// literal expectations). The oracle is the API server's server-side dry run
// (`kubectl create --dry-run=server -o json`), never our reading of the CEL:
//   plain      the manifest, dry-run created in a namespace no policy binds: the object as the
//              API server defaults it, what a webhook would be handed (the engine's input)
//   expected   the engine's output for it, dry-run created there too (defaulted the same way)
//   stored     the manifest, dry-run created in a namespace the policy binds
// A refusal of the engine (an invalid paas.io/* annotation...) must be a refusal of the API
// server with the engine's words. Each policy this file renders is bound only to namespaces
// carrying the label SCOPE with this run's value, which only this file's namespaces carry, and is
// deleted in afterAll. Policies load asynchronously: each is waited for on a probe Deployment.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admissionPolicyObjects, DEFAULT_POLICY, mutateDeployment, PolicyInputError, type Policy } from '../../core/policy/index.js';
import { parseManifests } from '../../plugin/policy/manifests.js';
import { CORPUS_FILES, corpusText, SKIP_CORPUS, warnIfNoCorpus } from '../unit/corpus.js';
import { container, deployment, POLICY_CASES } from '../fixtures/admission-policy-cases.js';
import { kubectl, kubectlOk, newNamespace, waitFor } from './lib/cluster.js';

type Obj = Record<string, any>; // raw Kubernetes objects, read field by field

const ROOT = resolve(import.meta.dirname, '../..');
const SCOPE = 'e2e.paas.io/admission-policy';
const RUN = `run-${process.pid}`;
const FACTS = { nativeSleep: true }; // every API server that serves the v1 policy has the sleep action
const DEPLOY_ID = 'paas.io/deploy-id';
/** The corpus' apps/v1 Deployments the API server's own validation refuses, whatever admission
 * does (test/e2e/manifests.test.ts holds the same list): no selector twice, a placeholder name. */
const INVALID_FOR_THE_API_SERVER = [
  '12-ingress-nginx-grafana-no-template-labels.yaml',
  '13-metrics-server-base-no-template-labels.yaml',
  '26-cloud-sql-proxy-native-sidecar.yaml',
];

/** The paas.toml [deploy] sections rendered here: the default, and every knob moved at least once. */
const VARIANTS = {
  default: DEFAULT_POLICY,
  knobs: {
    ...DEFAULT_POLICY,
    surge: '50%',
    maxUnavailable: '25%',
    timeout: 300,
    readinessProbe: 'tcp',
    prestopSleep: 20,
    prestopMode: 'exec',
    terminationGracePeriod: 60,
    topologySpread: 'topology.kubernetes.io/zone',
  },
  headers: {
    ...DEFAULT_POLICY,
    surge: 0,
    maxUnavailable: 1,
    readinessProbePath: '/healthz',
    readinessProbeHeaders: [{ name: 'X-Forwarded-Proto', value: 'https' }],
  },
  off: { ...DEFAULT_POLICY, readinessProbe: 'off', prestopSleep: 0, terminationGracePeriod: 10, topologySpread: 'off', disruptionBudget: 'off' },
} satisfies Record<string, Policy>;
type Variant = keyof typeof VARIANTS;

const policyName = (v: Variant) => `paas-e2e-map-${v}-${process.pid}`;
const namespaces: Partial<Record<Variant | 'plain' | 'optedOut', string>> = {};
const ns = (k: Variant | 'plain' | 'optedOut'): string => namespaces[k] ?? '';

warnIfNoCorpus('the corpus part of the MutatingAdmissionPolicy e2e');

// ---- the API server --------------------------------------------------------------------------

type DryRun = { ok: true; object: Obj } | { ok: false; error: string };

/** Server-set and per-namespace fields: not the policy's, and different between namespaces. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function comparable(o: Obj): Obj {
  const c = structuredClone(o);
  for (const k of ['uid', 'creationTimestamp', 'resourceVersion', 'managedFields', 'generation', 'namespace', 'selfLink']) delete c.metadata?.[k];
  // kubectl itself rewrites this annotation, when present, with the object it sends: the manifest
  // on one side, the engine's output on the other. Neither the policy nor the engine writes it.
  if (c.metadata?.annotations) delete c.metadata.annotations[LAST_APPLIED];
  delete c.status;
  return c;
}

/** What the API server stores for `object` in `namespace`, by a server-side dry run (nothing is stored). */
async function dryRun(verb: 'create' | 'replace', namespace: string, object: Obj): Promise<DryRun> {
  const r = await kubectl([verb, '--dry-run=server', '-o', 'json', '-n', namespace, '-f', '-'], { input: JSON.stringify(comparable(object)) });
  return r.code === 0 ? { ok: true, object: JSON.parse(r.stdout) as Obj } : { ok: false, error: r.stderr.trim() };
}

/** Every JSON Pointer where `a` and `b` differ, with both values. */
function differences(a: unknown, b: unknown, at = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => differences((a as Obj)[k], (b as Obj)[k], `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  }
  return [`${at}: stored through the policy ${JSON.stringify(a)}, the engine ${JSON.stringify(b)}`];
}

const withoutDeployId = (o: Obj): Obj => {
  const c = structuredClone(o);
  delete c.spec?.template?.metadata?.labels?.[DEPLOY_ID];
  return c;
};

/** The engine's verdict on the object the API server defaulted: its output, or its refusal. */
function engine(variant: Variant, input: Obj, old: Obj | null): { object: Obj } | { refusal: string } {
  try {
    const r = mutateDeployment({
      object: input,
      oldObject: old,
      policy: VARIANTS[variant],
      facts: FACTS,
      newId: () => 'never',
      stampId: false,
    });
    return { object: r.object };
  } catch (e) {
    if (e instanceof PolicyInputError) return { refusal: e.message };
    throw e;
  }
}

/**
 * Holds the API server's result through the policy to the engine's, for one Deployment created
 * (or, with `stored`, replacing the stored one). Returns the object stored through the policy.
 */
async function compare(variant: Variant, manifest: Obj, stored?: Obj): Promise<Obj | undefined> {
  const plain = await dryRun('create', ns('plain'), manifest);
  const through = await dryRun(stored ? 'replace' : 'create', ns(variant), manifest);
  // The engine sees what the webhook would: the object as the API server defaulted it, or the
  // manifest itself when the API server's validation refuses it as it is (mutation runs first:
  // the policy may make it valid, as a grace period raised past a user's long preStop sleep).
  const verdict = engine(variant, plain.ok ? plain.object : manifest, stored ?? null);
  const name = manifest.metadata?.name as string;
  if ('refusal' in verdict) {
    expect(through.ok, `the engine refuses (${verdict.refusal}); the API server stored it through the policy`).toBe(false);
    if (!through.ok) {
      expect(through.error).toContain(`denied request`);
      expect(through.error).toContain(`paas: deployment ${ns(variant)}/${name}: ${verdict.refusal}`);
    }
    return undefined;
  }
  const expected = await dryRun('create', ns('plain'), verdict.object);
  if (!expected.ok) {
    // Invalid with the policy's changes too: the API server's own validation refuses it, not the policy.
    expect(through.ok, `stored through the policy a manifest the API server refuses with the engine's changes: ${expected.error}`).toBe(false);
    if (!through.ok) expect(through.error).not.toMatch(/denied request/);
    return undefined;
  }
  expect(through.ok, through.ok ? '' : `refused through the policy: ${through.error}`).toBe(true);
  if (!through.ok) return undefined;
  expect(differences(withoutDeployId(comparable(through.object)), withoutDeployId(comparable(expected.object)))).toEqual([]);
  return through.object;
}

// ---- set-up ----------------------------------------------------------------------------------

/** A Deployment the policy of `variant` changes visibly: the progress deadline one above its own. */
const probe = (variant: Variant): Obj => deployment('policy-probe', { spec: { progressDeadlineSeconds: VARIANTS[variant].timeout + 1 } });

beforeAll(async () => {
  namespaces.plain = await newNamespace('map-plain');
  for (const v of Object.keys(VARIANTS) as Variant[]) namespaces[v] = await newNamespace(`map-${v}`, { [SCOPE]: `${v}-${RUN}` });
  // Bound by the default policy's label, but the namespace opts out.
  namespaces.optedOut = await newNamespace('map-opted-out', { [SCOPE]: `default-${RUN}`, 'paas.io/rollout-policy': 'disabled' });
  const items = (Object.keys(VARIANTS) as Variant[]).flatMap((v) =>
    admissionPolicyObjects({ deploy: VARIANTS[v] }, FACTS, {
      name: policyName(v),
      ownNamespace: 'paas-system',
      excludedNamespaces: ['kube-system', 'kube-public', 'kube-node-lease'],
      namespaceLabels: { [SCOPE]: `${v}-${RUN}` },
    }),
  );
  await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
  // The API server compiles policies and bindings asynchronously: wait until each changes a dry run.
  for (const v of Object.keys(VARIANTS) as Variant[]) {
    await waitFor(
      async () => {
        const r = await dryRun('create', ns(v), probe(v));
        return r.ok && r.object.spec.progressDeadlineSeconds === VARIANTS[v].timeout;
      },
      { what: `the MutatingAdmissionPolicy ${policyName(v)} to take effect`, timeoutMs: 60_000 },
    );
  }
}, 180_000);

afterAll(async () => {
  const names = (Object.keys(VARIANTS) as Variant[]).map(policyName);
  await kubectl(['delete', 'mutatingadmissionpolicybinding', ...names, '--ignore-not-found']);
  await kubectl(['delete', 'mutatingadmissionpolicy', ...names, '--ignore-not-found']);
});

// ---- the tests -------------------------------------------------------------------------------

describe('the rendered MutatingAdmissionPolicy on a real API server', () => {
  it('the API server accepts manifests/overlays/admission-policy (server-side dry run: its CEL compiles)', async () => {
    const r = await kubectl(['apply', '--dry-run=server', '-k', resolve(ROOT, 'manifests/overlays/admission-policy')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/mutatingadmissionpolicy\.admissionregistration\.k8s\.io\/paas-rollout-policy created \(server dry run\)/);
    expect(r.stdout).toMatch(/mutatingadmissionpolicybinding\.admissionregistration\.k8s\.io\/paas-rollout-policy created \(server dry run\)/);
  });

  it('control: the plain namespace is not mutated, so the comparisons below compare something', async () => {
    const plain = await dryRun('create', ns('plain'), probe('default'));
    expect(plain.ok && plain.object.spec.progressDeadlineSeconds).toBe(601);
  });

  it('a namespace labelled paas.io/rollout-policy=disabled is left alone, though the binding selects it', async () => {
    const optedOut = await dryRun('create', ns('optedOut'), deployment('web'));
    const plain = await dryRun('create', ns('plain'), deployment('web'));
    expect(optedOut.ok && plain.ok).toBe(true);
    if (optedOut.ok && plain.ok) expect(differences(comparable(optedOut.object), comparable(plain.object))).toEqual([]);
  });

  describe.skipIf(SKIP_CORPUS)('every Deployment of the corpus, default paas.toml', () => {
    it.each(CORPUS_FILES)('%s', async (file) => {
      const docs = parseManifests(corpusText(file), file)
        .map((d) => d.value as Obj)
        .filter((d) => d.apiVersion === 'apps/v1' && d.kind === 'Deployment');
      for (const doc of docs) {
        const stored = await compare('default', doc);
        if (stored === undefined) expect(INVALID_FOR_THE_API_SERVER, `${file} was refused`).toContain(file);
      }
    });
  });

  const table = (Object.keys(VARIANTS) as Variant[]).flatMap((variant) => POLICY_CASES.map((c) => ({ ...c, variant })));
  it.each(table)('$variant: $name', async ({ variant, object }) => {
    await compare(variant, object);
  });
});

describe('the deploy-id on UPDATE: kept consistent, never minted', () => {
  /** Stores `old` through the default policy (with no replicas: no pods to start), then dry-runs
   * `incoming` over it. */
  async function update(old: Obj, incoming: Obj): Promise<Obj | undefined> {
    await kubectlOk(['create', '-n', ns('default'), '-f', '-'], { input: JSON.stringify({ ...old, spec: { ...old.spec, replicas: 0 } }) });
    const stored = JSON.parse(await kubectlOk(['get', 'deployment', old.metadata.name, '-n', ns('default'), '-o', 'json'])) as Obj;
    return compare('default', incoming, stored);
  }
  const id = (o: Obj | undefined): unknown => o?.spec.template.metadata.labels[DEPLOY_ID];

  it('a template left alone gets the stored id back (kubectl replace without the label)', async () => {
    const out = await update(deployment('same', { templateLabels: { [DEPLOY_ID]: 'stored-id' } }), deployment('same', { spec: { replicas: 3 } }));
    expect(id(out)).toBe('stored-id');
  });

  it('a changed template that inherited the stored id loses it (no two rollouts share one)', async () => {
    const old = deployment('changed', { templateLabels: { [DEPLOY_ID]: 'stored-id' } });
    const incoming = deployment('changed', {
      templateLabels: { [DEPLOY_ID]: 'stored-id' },
      containers: [container('app', { image: 'registry.example/app:2' })],
    });
    const out = await update(old, incoming);
    expect(out?.spec.template.spec.containers[0].image).toBe('registry.example/app:2');
    expect(id(out)).toBeUndefined();
  });

  it('a changed template with another id (rollout undo) keeps it', async () => {
    const old = deployment('undo', { templateLabels: { [DEPLOY_ID]: 'stored-id' } });
    const incoming = deployment('undo', { templateLabels: { [DEPLOY_ID]: 'earlier-id' }, containers: [container('app', { image: 'registry.example/app:0' })] });
    expect(id(await update(old, incoming))).toBe('earlier-id');
  });

  it('an id added by hand to a template left alone is removed, the stored one had none', async () => {
    expect(
      id(await update(deployment('by-hand'), deployment('by-hand', { spec: { replicas: 2 }, templateLabels: { [DEPLOY_ID]: 'hand-made' } }))),
    ).toBeUndefined();
  });

  it('CREATE: no deploy-id is minted', async () => {
    const r = await dryRun('create', ns('default'), deployment('fresh'));
    expect(r.ok && id(r.object)).toBeUndefined();
  });
});
