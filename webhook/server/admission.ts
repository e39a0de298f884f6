// AdmissionReview v1 in, AdmissionReview v1 out: the webhook's decisions as pure functions.
// No HTTP, clock or logger here; the route in app.ts feeds parsed bodies in and writes the answer.
import { OnError } from '../../core/config.js';
import {
  budgetWanted,
  budgetWouldLine,
  wouldLines,
  type ChangeKind,
  type CheckResult,
  type ClusterFacts,
  type JsonObject,
  type JsonValue,
  type MutateInput,
  type MutateResult,
  type Policy,
} from '../../core/policy/index.js';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

/** The admission paths: enforce (a patch) and warn (warnings only); the MutatingWebhookConfiguration's
 * entries call one each (arming.ts). */
export const AdmissionPath = { mutate: '/mutate', warn: '/warn' } as const;

/** The fields of an AdmissionRequest the webhook reads; everything else is carried untouched. */
export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: string;
  object: JsonObject | null;
  oldObject: JsonObject | null;
  dryRun: boolean;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patchType?: 'JSONPatch';
  patch?: string;
  warnings?: string[];
  status?: { code: number; reason: string; message: string };
}

export interface AdmissionReviewOut {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

/** What happened to one admission: a closed set, used as a metric label and in the log line. */
export const AdmissionResult = {
  Mutated: 'mutated', // a Deployment the policy changed
  Unchanged: 'unchanged', // a Deployment already compliant
  Skipped: 'skipped', // a Deployment deliberately left alone (opted out, terminating)
  Ignored: 'ignored', // not ours: another kind, operation or subresource
  Rejected: 'rejected', // invalid paas.io/* annotations: denied with the engine's message
  ErrorDenied: 'error-denied', // the engine threw; on_error = deny
  ErrorAllowed: 'error-allowed', // the engine threw; on_error = allow
  WouldMutate: 'would-mutate', // warn mode: a Deployment that falls short of the policy, left as it is
  WouldReject: 'would-reject', // warn mode: invalid paas.io/* annotations, admitted with a warning
} as const;
export type AdmissionResult = (typeof AdmissionResult)[keyof typeof AdmissionResult];

export type ParsedReview = { ok: true; request: AdmissionRequest } | { ok: false; reason: BadReviewReason; message: string };

/** Why a body is not a usable review (a metric label). */
export const BadReviewReason = {
  NotObject: 'not-object',
  WrongVersion: 'wrong-version',
  NoRequest: 'no-request',
  NoUid: 'no-uid',
  NoObject: 'no-object',
  BadField: 'bad-field',
} as const;
export type BadReviewReason = (typeof BadReviewReason)[keyof typeof BadReviewReason];

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`);

/** The admission operations. */
export const Operation = { Create: 'CREATE', Update: 'UPDATE', Delete: 'DELETE', Connect: 'CONNECT' } as const;

/** Operations whose review carries no new object (the object being removed is in oldObject). */
const OBJECTLESS_OPERATIONS: ReadonlySet<string> = new Set([Operation.Delete, Operation.Connect]);

function bad(reason: BadReviewReason, message: string): Extract<ParsedReview, { ok: false }> {
  return { ok: false, reason, message };
}

type Bad = Extract<ParsedReview, { ok: false }>;

/** Checks a decoded JSON body is an AdmissionReview v1 the webhook can answer. */
export function parseReview(body: unknown): ParsedReview {
  if (!isObject(body)) return bad(BadReviewReason.NotObject, `body must be a JSON object (an AdmissionReview), got ${describe(body)}`);
  if (body.apiVersion !== ADMISSION_API_VERSION || body.kind !== 'AdmissionReview') {
    return bad(
      BadReviewReason.WrongVersion,
      `expected apiVersion "${ADMISSION_API_VERSION}" and kind "AdmissionReview", got apiVersion ${JSON.stringify(body.apiVersion ?? null)} kind ${JSON.stringify(body.kind ?? null)} (set admissionReviewVersions: ["v1"])`,
    );
  }
  const req = body.request;
  if (!isObject(req)) return bad(BadReviewReason.NoRequest, `AdmissionReview has no request object (request is ${describe(req)})`);
  return parseRequest(req);
}

function parseRequest(req: JsonObject): ParsedReview {
  const { uid, operation, kind } = req;
  if (typeof uid !== 'string' || uid === '') return bad(BadReviewReason.NoUid, `request.uid must be a non-empty string, got ${JSON.stringify(uid ?? null)}`);
  if (typeof operation !== 'string' || operation === '') {
    return bad(BadReviewReason.BadField, `request.operation must be a non-empty string, got ${JSON.stringify(operation ?? null)}`);
  }
  if (!isObject(kind) || typeof kind.kind !== 'string' || typeof kind.version !== 'string' || (kind.group !== undefined && typeof kind.group !== 'string')) {
    return bad(BadReviewReason.BadField, 'request.kind must be an object {group, version, kind} of strings');
  }
  const objects = reviewObjects(req, operation);
  if ('ok' in objects) return objects;
  const invalid = optionalFields(req);
  if (invalid) return invalid;
  return {
    ok: true,
    request: {
      uid,
      kind: { group: kind.group ?? '', version: kind.version, kind: kind.kind },
      subResource: optionalText(req.subResource),
      name: optionalText(req.name),
      namespace: optionalText(req.namespace),
      operation,
      ...objects,
      dryRun: req.dryRun === true,
    },
  };
}

/** The object (required but for DELETE and CONNECT) and the old object, each an object or null. */
function reviewObjects(req: JsonObject, operation: string): { object: JsonObject | null; oldObject: JsonObject | null } | Bad {
  const object = req.object ?? null;
  if (object === null && !OBJECTLESS_OPERATIONS.has(operation)) return bad(BadReviewReason.NoObject, `request.object is missing for operation ${operation}`);
  if (object !== null && !isObject(object)) return bad(BadReviewReason.NoObject, `request.object must be a JSON object, got ${describe(object)}`);
  const oldObject = req.oldObject ?? null;
  if (oldObject !== null && !isObject(oldObject)) {
    return bad(BadReviewReason.BadField, `request.oldObject must be a JSON object or null, got ${describe(oldObject)}`);
  }
  return { object, oldObject };
}

/** The optional fields: strings (or null), dryRun a boolean (or null). */
function optionalFields(req: JsonObject): Bad | undefined {
  for (const field of ['subResource', 'name', 'namespace'] as const) {
    const v = req[field];
    if (v !== undefined && v !== null && typeof v !== 'string') return bad(BadReviewReason.BadField, `request.${field} must be a string, got ${describe(v)}`);
  }
  if (req.dryRun !== undefined && req.dryRun !== null && typeof req.dryRun !== 'boolean') {
    return bad(BadReviewReason.BadField, `request.dryRun must be a boolean, got ${describe(req.dryRun)}`);
  }
  return undefined;
}

/** An optional string field, undefined when absent, null or empty. */
const optionalText = (v: JsonValue | undefined): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** What the admission decision needs besides the request; all plain values and pure functions. */
export interface AdmitDeps {
  mutate: (input: MutateInput) => MutateResult;
  /** Warn mode: what the policy would change, without changing it. */
  check: (object: JsonObject, policy: Policy, facts: ClusterFacts) => CheckResult;
  policy: Policy;
  facts: ClusterFacts;
  newId: () => string;
  onError: OnError;
  /** Tells a user error of the engine (invalid paas.io/* annotation) from an unexpected failure. */
  isInputError: (err: unknown) => boolean;
}

export interface AdmitOutcome {
  review: AdmissionReviewOut;
  result: AdmissionResult;
  changes: ChangeKind[];
  /** Why a Deployment was skipped, or the reason it was ignored. */
  note?: string;
  /** The unexpected exception, for the log line (with its stack) and the error metric. */
  error?: unknown;
}

/** `namespace/name` of the object under review, for messages; generateName gets a `*` suffix. */
function objectRef(request: AdmissionRequest): string {
  const meta = isObject(request.object?.metadata) ? request.object.metadata : isObject(request.oldObject?.metadata) ? request.oldObject.metadata : {};
  const name = request.name ?? (typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? `${meta.generateName}*` : '<unnamed>');
  const namespace = request.namespace ?? (typeof meta.namespace === 'string' ? meta.namespace : '');
  return namespace ? `${namespace}/${name}` : name;
}

/** Why a request is none of the policy's business, or undefined when it is a Deployment to mutate. */
function outOfScope(request: AdmissionRequest): string | undefined {
  const { group, version, kind } = request.kind;
  if (group !== 'apps' || version !== 'v1' || kind !== 'Deployment') return `kind ${group ? `${group}/` : ''}${version}/${kind}`;
  if (request.subResource) return `subresource ${request.subResource}`;
  if (request.operation !== Operation.Create && request.operation !== Operation.Update) return `operation ${request.operation}`;
  return undefined;
}

function isTerminating(object: JsonObject): boolean {
  const meta = object.metadata;
  return isObject(meta) && meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null;
}

function answer(uid: string, fields: Omit<AdmissionResponse, 'uid'>): AdmissionReviewOut {
  // response.uid must echo request.uid, or the API server rejects the review.
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response: { uid, ...fields } };
}

/** The answer for a request the policy does not look at (another kind, a subresource, a Deployment
 * being deleted), or the Deployment to look at. */
function leftAlone(request: AdmissionRequest): AdmitOutcome | JsonObject {
  const { uid } = request;
  const ignored = outOfScope(request);
  if (ignored !== undefined) return { review: answer(uid, { allowed: true }), result: AdmissionResult.Ignored, changes: [], note: ignored };
  const object = request.object as JsonObject; // parseReview guarantees an object for CREATE and UPDATE
  if (isTerminating(object)) {
    return { review: answer(uid, { allowed: true }), result: AdmissionResult.Skipped, changes: [], note: 'terminating' };
  }
  return object;
}

const isOutcome = (v: AdmitOutcome | JsonObject): v is AdmitOutcome => 'review' in v && 'result' in v && Array.isArray(v.changes);

/** Decides one admission: allow untouched, allow with a JSON Patch and warnings, or deny. */
export function admit(request: AdmissionRequest, deps: AdmitDeps): AdmitOutcome {
  const { uid } = request;
  const object = leftAlone(request);
  if (isOutcome(object)) return object;
  let result: MutateResult;
  try {
    result = deps.mutate({
      object,
      oldObject: request.operation === Operation.Update ? request.oldObject : null,
      policy: deps.policy,
      facts: deps.facts,
      newId: deps.newId,
      stampId: true,
    });
  } catch (err) {
    return failed(request, deps, err);
  }
  const warnings = result.warnings.length > 0 ? { warnings: result.warnings } : {};
  if (result.patch.length === 0) {
    const status = result.skipped !== undefined ? AdmissionResult.Skipped : AdmissionResult.Unchanged;
    return { review: answer(uid, { allowed: true, ...warnings }), result: status, changes: [], note: result.skipped };
  }
  const patch = Buffer.from(JSON.stringify(result.patch)).toString('base64');
  return {
    review: answer(uid, { allowed: true, patchType: 'JSONPatch', patch, ...warnings }),
    result: AdmissionResult.Mutated,
    changes: result.changes,
  };
}

/**
 * Warn mode (POST /warn): the same scope and engine, but never a patch and never a refusal. What
 * the policy would change comes back as warnings ("paas: would add preStop sleep 5 to container
 * app"), which kubectl prints; the stored object is the one sent.
 */
export function admitWarn(request: AdmissionRequest, deps: AdmitDeps): AdmitOutcome {
  const { uid } = request;
  const object = leftAlone(request);
  if (isOutcome(object)) return object;
  let result: CheckResult;
  try {
    result = deps.check(object, deps.policy, deps.facts);
  } catch (err) {
    return warnFailed(request, deps, err);
  }
  if (result.skipped !== undefined) return { review: answer(uid, { allowed: true }), result: AdmissionResult.Skipped, changes: [], note: result.skipped };
  // What enforce mode keeps beside the Deployment (never made here: admission makes no object).
  const name = isObject(object.metadata) && typeof object.metadata.name === 'string' ? object.metadata.name : undefined;
  const budget = name !== undefined && budgetWanted(object, deps.policy).want ? [budgetWouldLine(name)] : [];
  const lines = [...wouldLines(result.violations), ...result.notes, ...budget];
  const warnings = lines.length > 0 ? { warnings: lines } : {};
  const changes = [...new Set(result.violations.map((v) => v.kind))];
  return {
    review: answer(uid, { allowed: true, ...warnings }),
    result: changes.length > 0 ? AdmissionResult.WouldMutate : AdmissionResult.Unchanged,
    changes,
  };
}

/** Warn mode never refuses: a user error is said as the refusal enforce mode would give, an
 * engine failure as such. */
function warnFailed(request: AdmissionRequest, deps: AdmitDeps, err: unknown): AdmitOutcome {
  const ref = objectRef(request);
  const message = err instanceof Error ? err.message : String(err);
  if (deps.isInputError(err)) {
    return {
      review: answer(request.uid, { allowed: true, warnings: [`paas: would refuse deployment ${ref}: ${message}`] }),
      result: AdmissionResult.WouldReject,
      changes: [],
      note: message,
    };
  }
  return {
    review: answer(request.uid, { allowed: true, warnings: [`paas: rollout policy NOT checked for deployment ${ref}: internal error (warn mode)`] }),
    result: AdmissionResult.ErrorAllowed,
    changes: [],
    error: err,
  };
}

function failed(request: AdmissionRequest, deps: AdmitDeps, err: unknown): AdmitOutcome {
  const ref = objectRef(request);
  const message = err instanceof Error ? err.message : String(err);
  if (deps.isInputError(err)) {
    return {
      review: answer(request.uid, { allowed: false, status: { code: 400, reason: 'BadRequest', message: `paas: deployment ${ref}: ${message}` } }),
      result: AdmissionResult.Rejected,
      changes: [],
      note: message,
    };
  }
  if (deps.onError === OnError.allow) {
    return {
      review: answer(request.uid, {
        allowed: true,
        warnings: [`paas: rollout policy NOT applied to deployment ${ref}: internal error (on_error=allow)`],
      }),
      result: AdmissionResult.ErrorAllowed,
      changes: [],
      error: err,
    };
  }
  return {
    review: answer(request.uid, {
      allowed: false,
      status: {
        code: 500,
        reason: 'InternalError',
        message: `paas: internal error applying the rollout policy to deployment ${ref}: ${message} (on_error=deny)`,
      },
    }),
    result: AdmissionResult.ErrorDenied,
    changes: [],
    error: err,
  };
}
