// The admission decision, table-driven: which requests reach the engine, and how its answers
// and failures become AdmissionResponses. The engine is replaced by small functions here so that
// each row controls exactly what it returns; app.test.ts runs the real engine.
import { describe, expect, it } from 'vitest';
import { admit, admitWarn, AdmissionResult, BadReviewReason, parseReview, type AdmitDeps } from '../../../webhook/server/admission.js';
import { DEFAULT_POLICY, type CheckResult, type JsonObject, type MutateInput, type MutateResult, type Policy } from '../../../core/policy/index.js';
import { review } from './reviews.js';

const deployment: JsonObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { template: { spec: { containers: [] } } },
};
// The admission decision passes the policy through; which one does not matter here.
const policy: Policy = DEFAULT_POLICY;

class InputError extends Error {}

function deps(mutate: (i: MutateInput) => MutateResult, over: Partial<AdmitDeps> = {}): AdmitDeps & { calls: MutateInput[] } {
  const calls: MutateInput[] = [];
  return {
    calls,
    mutate: (i) => {
      calls.push(i);
      return mutate(i);
    },
    check: () => {
      throw new Error('enforce mode must not call check');
    },
    policy,
    facts: { nativeSleep: true },
    newId: () => 'id-1',
    onError: 'deny',
    isInputError: (e) => e instanceof InputError,
    ...over,
  };
}

const patchOne: MutateResult = {
  patch: [{ op: 'replace', path: '/spec/progressDeadlineSeconds', value: 600 }],
  object: deployment,
  warnings: ['paas: progressDeadlineSeconds 60 -> 600'],
  changes: ['progress-deadline'],
};
const nothing: MutateResult = { patch: [], object: deployment, warnings: [], changes: [] };

function parsed(body: JsonObject) {
  const p = parseReview(body);
  if (!p.ok) throw new Error(p.message);
  return p.request;
}

describe('parseReview', () => {
  const good = review({ object: deployment });
  const req = good.request as JsonObject;
  it.each([
    { name: 'rejects an array body', body: [], reason: BadReviewReason.NotObject, text: 'got an array' },
    { name: 'rejects a string body', body: 'hello', reason: BadReviewReason.NotObject, text: 'got a string' },
    { name: 'rejects null', body: null, reason: BadReviewReason.NotObject, text: 'got null' },
    {
      name: 'rejects admission.k8s.io/v1beta1',
      body: { ...good, apiVersion: 'admission.k8s.io/v1beta1' },
      reason: BadReviewReason.WrongVersion,
      text: '"admission.k8s.io/v1beta1"',
    },
    { name: 'rejects another kind', body: { ...good, kind: 'Pod' }, reason: BadReviewReason.WrongVersion, text: 'kind "Pod"' },
    { name: 'rejects a review without request', body: { apiVersion: good.apiVersion, kind: good.kind }, reason: BadReviewReason.NoRequest, text: 'no request' },
    { name: 'rejects a request that is a string', body: { ...good, request: 'x' }, reason: BadReviewReason.NoRequest, text: 'a string' },
    { name: 'rejects a request without uid', body: { ...good, request: { ...req, uid: undefined } }, reason: BadReviewReason.NoUid, text: 'request.uid' },
    { name: 'rejects an empty uid', body: { ...good, request: { ...req, uid: '' } }, reason: BadReviewReason.NoUid, text: 'got ""' },
    { name: 'rejects a numeric uid', body: { ...good, request: { ...req, uid: 7 } }, reason: BadReviewReason.NoUid, text: 'got 7' },
    {
      name: 'rejects CREATE without object',
      body: { ...good, request: { ...req, object: null } },
      reason: BadReviewReason.NoObject,
      text: 'missing for operation CREATE',
    },
    { name: 'rejects an object that is an array', body: { ...good, request: { ...req, object: [1] } }, reason: BadReviewReason.NoObject, text: 'got an array' },
    { name: 'rejects an object that is a string', body: { ...good, request: { ...req, object: 'x' } }, reason: BadReviewReason.NoObject, text: 'got a string' },
    {
      name: 'rejects an oldObject that is a number',
      body: { ...good, request: { ...req, oldObject: 3 } },
      reason: BadReviewReason.BadField,
      text: 'request.oldObject',
    },
    {
      name: 'rejects a missing operation',
      body: { ...good, request: { ...req, operation: undefined } },
      reason: BadReviewReason.BadField,
      text: 'request.operation',
    },
    {
      name: 'rejects a kind without version',
      body: { ...good, request: { ...req, kind: { group: 'apps', kind: 'Deployment' } } },
      reason: BadReviewReason.BadField,
      text: 'request.kind',
    },
    { name: 'rejects a numeric namespace', body: { ...good, request: { ...req, namespace: 5 } }, reason: BadReviewReason.BadField, text: 'request.namespace' },
    { name: 'rejects a string dryRun', body: { ...good, request: { ...req, dryRun: 'yes' } }, reason: BadReviewReason.BadField, text: 'request.dryRun' },
  ])('$name', ({ body, reason, text }) => {
    const p = parseReview(body);
    expect(p.ok).toBe(false);
    if (p.ok) return;
    expect(p.reason).toBe(reason);
    expect(p.message).toContain(text);
  });

  it('accepts DELETE without object (the removed object is in oldObject)', () => {
    const p = parseReview(review({ operation: 'DELETE', object: null, oldObject: deployment }));
    expect(p.ok).toBe(true);
  });

  it('reads the fields the webhook uses', () => {
    const r = parsed(review({ object: deployment, dryRun: true, subResource: 'scale', uid: 'u-1', namespace: 'ns1' }));
    expect(r).toMatchObject({
      uid: 'u-1',
      operation: 'CREATE',
      dryRun: true,
      subResource: 'scale',
      namespace: 'ns1',
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
    });
  });
});

describe('admit', () => {
  it.each([
    { name: 'ignores a Pod', r: review({ object: { kind: 'Pod' }, kind: { group: '', version: 'v1', kind: 'Pod' } }), note: 'kind v1/Pod' },
    {
      name: 'ignores a StatefulSet',
      r: review({ object: { kind: 'StatefulSet' }, kind: { group: 'apps', version: 'v1', kind: 'StatefulSet' } }),
      note: 'kind apps/v1/StatefulSet',
    },
    {
      name: 'ignores an extensions/v1beta1 Deployment',
      r: review({ object: deployment, kind: { group: 'extensions', version: 'v1beta1', kind: 'Deployment' } }),
      note: 'kind extensions/v1beta1/Deployment',
    },
    {
      name: 'ignores the scale subresource',
      r: review({ operation: 'UPDATE', object: { kind: 'Scale', spec: { replicas: 5 } }, oldObject: { kind: 'Scale' }, subResource: 'scale' }),
      note: 'subresource scale',
    },
    {
      name: 'ignores the status subresource',
      r: review({ operation: 'UPDATE', object: deployment, oldObject: deployment, subResource: 'status' }),
      note: 'subresource status',
    },
    { name: 'ignores DELETE', r: review({ operation: 'DELETE', object: null, oldObject: deployment }), note: 'operation DELETE' },
  ])('$name without calling the engine', ({ r, note }) => {
    const d = deps(() => patchOne);
    const out = admit(parsed(r), d);
    expect(d.calls).toHaveLength(0);
    expect(out.result).toBe(AdmissionResult.Ignored);
    expect(out.note).toBe(note);
    expect(out.review.response).toEqual({ uid: (r.request as JsonObject).uid, allowed: true });
  });

  it('leaves a terminating Deployment alone', () => {
    const terminating = { ...deployment, metadata: { name: 'web', deletionTimestamp: '2026-11-23T06:00:00Z' } };
    const d = deps(() => patchOne);
    const out = admit(parsed(review({ operation: 'UPDATE', object: terminating, oldObject: terminating })), d);
    expect(d.calls).toHaveLength(0);
    expect(out.result).toBe(AdmissionResult.Skipped);
    expect(out.review.response.patch).toBeUndefined();
  });

  it('answers a change as a base64 JSON Patch with the warnings, echoing the uid', () => {
    const out = admit(
      parsed(review({ object: deployment, uid: 'abc' })),
      deps(() => patchOne),
    );
    expect(out.result).toBe(AdmissionResult.Mutated);
    expect(out.review).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'abc', allowed: true, patchType: 'JSONPatch', warnings: patchOne.warnings },
    });
    expect(JSON.parse(Buffer.from(out.review.response.patch ?? '', 'base64').toString())).toEqual(patchOne.patch);
    expect(out.changes).toEqual(['progress-deadline']);
  });

  it('sends no patch and no patchType when nothing changes', () => {
    const out = admit(
      parsed(review({ object: deployment })),
      deps(() => nothing),
    );
    expect(out.result).toBe(AdmissionResult.Unchanged);
    expect(out.review.response).toEqual({ uid: out.review.response.uid, allowed: true });
  });

  it('reports an opted-out Deployment as skipped, keeping the engine warnings', () => {
    const out = admit(
      parsed(review({ object: deployment })),
      deps(() => ({ ...nothing, skipped: 'opted out', warnings: ['paas: opted out'] })),
    );
    expect(out.result).toBe(AdmissionResult.Skipped);
    expect(out.review.response.warnings).toEqual(['paas: opted out']);
  });

  it('passes oldObject on UPDATE only, with stampId and the facts', () => {
    const d = deps(() => nothing);
    admit(parsed(review({ operation: 'UPDATE', object: deployment, oldObject: { ...deployment, spec: {} } })), d);
    admit(parsed(review({ operation: 'CREATE', object: deployment, oldObject: { ...deployment, spec: {} } })), d);
    expect(d.calls[0]).toMatchObject({ oldObject: { spec: {} }, stampId: true, facts: { nativeSleep: true }, policy });
    expect(d.calls[1]?.oldObject).toBeNull();
  });

  it('gives a dry run exactly the answer a real request gets', () => {
    const r = review({ object: deployment, uid: 'same' });
    const dry = review({ object: deployment, uid: 'same', dryRun: true });
    expect(
      admit(
        parsed(dry),
        deps(() => patchOne),
      ).review,
    ).toEqual(
      admit(
        parsed(r),
        deps(() => patchOne),
      ).review,
    );
  });

  it('denies an invalid paas.io annotation with the engine message and the Deployment name', () => {
    const out = admit(
      parsed(review({ object: deployment })),
      deps(() => {
        throw new InputError('metadata.annotations["paas.io/surge"]: not an int or percentage, got "lots"');
      }),
    );
    expect(out.result).toBe(AdmissionResult.Rejected);
    expect(out.review.response.allowed).toBe(false);
    expect(out.review.response.status?.message).toBe('paas: deployment shop/web: metadata.annotations["paas.io/surge"]: not an int or percentage, got "lots"');
    expect(out.error).toBeUndefined();
  });

  it('denies on an unexpected engine error when on_error is deny, naming the Deployment', () => {
    const boom = new TypeError('cannot read properties of undefined');
    const out = admit(
      parsed(review({ object: deployment })),
      deps(() => {
        throw boom;
      }),
    );
    expect(out.result).toBe(AdmissionResult.ErrorDenied);
    expect(out.review.response.allowed).toBe(false);
    expect(out.review.response.status).toMatchObject({ code: 500, reason: 'InternalError' });
    expect(out.review.response.status?.message).toContain('deployment shop/web');
    expect(out.error).toBe(boom);
  });

  it('allows unmutated with a warning when on_error is allow', () => {
    const out = admit(
      parsed(review({ object: deployment })),
      deps(
        () => {
          throw new Error('bug');
        },
        { onError: 'allow' },
      ),
    );
    expect(out.result).toBe(AdmissionResult.ErrorAllowed);
    expect(out.review.response.allowed).toBe(true);
    expect(out.review.response.patch).toBeUndefined();
    expect(out.review.response.warnings?.[0]).toContain('NOT applied to deployment shop/web');
  });
});

describe('admitWarn (warn mode: never a patch, never a refusal)', () => {
  const enforceOnly = () => {
    throw new Error('warn mode must not call mutate');
  };
  const violation = (kind: 'strategy' | 'prestop', message: string) => ({ kind, field: 'f', actual: 'a', expected: 'e', message });
  const shortfall: CheckResult = {
    violations: [violation('strategy', 'paas: maxUnavailable 25% -> 0'), violation('prestop', 'paas: preStop sleep 5 added to container app')],
    notes: ['paas: container worker has no TCP port: no readiness probe added (annotate paas.io/readiness-probe-port)'],
  };
  const warnDeps = (check: AdmitDeps['check'], over: Partial<AdmitDeps> = {}) => deps(enforceOnly, { check, ...over });

  it.each([
    {
      name: 'a Deployment that falls short: allowed, no patch, the would-lines then the notes',
      check: () => shortfall,
      result: AdmissionResult.WouldMutate,
      changes: ['strategy', 'prestop'],
      warnings: [
        'paas: would change maxUnavailable 25% -> 0',
        'paas: would add preStop sleep 5 to container app',
        'paas: container worker has no TCP port: no readiness probe added (annotate paas.io/readiness-probe-port)',
      ],
    },
    { name: 'a compliant Deployment: allowed, nothing said', check: () => ({ violations: [], notes: [] }), result: AdmissionResult.Unchanged, changes: [] },
    {
      name: 'an opted-out Deployment: skipped',
      check: () => ({ violations: [], notes: [], skipped: 'opted out by label paas.io/rollout-policy=disabled' }),
      result: AdmissionResult.Skipped,
      changes: [],
    },
    {
      name: 'an invalid annotation: allowed, saying what enforce mode would refuse',
      check: () => {
        throw new InputError('metadata.annotations["paas.io/surge"]: expected an integer >= 0 or a percentage like "25%", got "lots"');
      },
      result: AdmissionResult.WouldReject,
      changes: [],
      warnings: [
        'paas: would refuse deployment shop/web: metadata.annotations["paas.io/surge"]: expected an integer >= 0 or a percentage like "25%", got "lots"',
      ],
    },
    {
      name: 'an engine failure, even with on_error deny: allowed with a warning',
      check: () => {
        throw new Error('bug');
      },
      result: AdmissionResult.ErrorAllowed,
      changes: [],
      warnings: ['paas: rollout policy NOT checked for deployment shop/web: internal error (warn mode)'],
    },
  ])('$name', ({ check, result, changes, warnings }) => {
    const out = admitWarn(parsed(review({ object: deployment, namespace: 'shop', uid: 'w-1' })), warnDeps(check));
    expect(out.result).toBe(result);
    expect(out.changes).toEqual(changes);
    expect(out.review.response).toEqual({ uid: 'w-1', allowed: true, ...(warnings ? { warnings } : {}) });
  });

  it.each([
    {
      name: '2 replicas: the budget enforce mode would keep, after the changes',
      replicas: 2,
      last: 'paas: would keep PodDisruptionBudget web-paas (maxUnavailable 1) unless one of yours selects its pods',
    },
    {
      name: '1 replica: no budget (it would block every drain)',
      replicas: 1,
      last: 'paas: container worker has no TCP port: no readiness probe added (annotate paas.io/readiness-probe-port)',
    },
  ])('$name', ({ replicas, last }) => {
    const scaled = { ...deployment, spec: { ...(deployment.spec as JsonObject), replicas, selector: { matchLabels: { app: 'web' } } } };
    const out = admitWarn(
      parsed(review({ object: scaled, namespace: 'shop', uid: 'w-2' })),
      warnDeps(() => shortfall),
    );
    expect(out.review.response.warnings?.at(-1)).toBe(last);
    expect(out.review.response.patch).toBeUndefined();
    expect(out.changes).toEqual(['strategy', 'prestop']);
  });

  it('ignores what enforce mode ignores, without calling the engine', () => {
    let called = 0;
    const d = warnDeps(() => {
      called++;
      return shortfall;
    });
    const scale = admitWarn(parsed(review({ operation: 'UPDATE', object: deployment, oldObject: deployment, subResource: 'scale' })), d);
    const terminating = { ...deployment, metadata: { name: 'web', deletionTimestamp: '2026-11-23T06:00:00Z' } };
    const gone = admitWarn(parsed(review({ operation: 'UPDATE', object: terminating, oldObject: terminating })), d);
    expect([scale.result, gone.result]).toEqual([AdmissionResult.Ignored, AdmissionResult.Skipped]);
    expect(called).toBe(0);
  });
});
