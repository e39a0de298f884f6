// The paas.io/deploy-id pod-template label: one UUID per rollout. It changes exactly when the
// stored pod template changes, so re-applying a manifest, scaling or an HPA never starts one.
import { deepEqual, isObject } from './json.js';
import { LABEL } from '../names.js';
import type { JsonObject, JsonValue } from './types.js';

/** What to do with the label. */
export const IdAction = { Keep: 'keep', Set: 'set', Remove: 'remove' } as const;

/** Why a set id is what it is: a rollout starts, or the stored template's id comes back. */
export const IdReason = { NewRollout: 'new-rollout', UnchangedTemplate: 'unchanged-template' } as const;

/** What to do with the label: nothing, set it to an id, or remove it. */
export type IdDecision =
  | { action: typeof IdAction.Keep }
  | { action: typeof IdAction.Set; id: string; reason: (typeof IdReason)[keyof typeof IdReason] }
  | { action: typeof IdAction.Remove };

/** The deploy-id label of a pod template, when it is a non-empty string. */
function templateId(template: JsonValue | undefined): string | undefined {
  const metadata = isObject(template) ? template.metadata : undefined;
  const labels = isObject(metadata) ? metadata.labels : undefined;
  const id = isObject(labels) ? labels[LABEL.deployId] : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/**
 * Decides the label. `template` is the incoming pod template after the policy's other changes,
 * `oldTemplate` the stored one (UPDATE) or undefined (CREATE).
 * CREATE: keep an incoming id, else a new one. UPDATE with a template unchanged apart from the
 * label: restore the old id (or no label, if the old had none). UPDATE with a changed template:
 * keep an incoming id that differs from the old one (rollout undo, a reinvocation), else a new id.
 */
export function decideDeployId(template: JsonObject, oldTemplate: JsonValue | undefined, isUpdate: boolean, newId: () => string): IdDecision {
  const incoming = templateId(template);
  if (!isUpdate) return incoming !== undefined ? { action: IdAction.Keep } : { action: IdAction.Set, id: newId(), reason: IdReason.NewRollout };
  const oldId = templateId(oldTemplate);
  if (isObject(oldTemplate) && sameTemplate(template, oldTemplate)) {
    if (incoming === oldId) return { action: IdAction.Keep };
    return oldId === undefined ? { action: IdAction.Remove } : { action: IdAction.Set, id: oldId, reason: IdReason.UnchangedTemplate };
  }
  if (incoming !== undefined && incoming !== oldId) return { action: IdAction.Keep };
  return { action: IdAction.Set, id: newId(), reason: IdReason.NewRollout };
}

/** Deep equality of two pod templates, ignoring the deploy-id label. An empty labels or metadata
 * map counts as absent (removing the label may leave one, and the engine may have created it). */
function sameTemplate(a: JsonObject, b: JsonObject): boolean {
  let n = 0;
  for (const k in a) {
    if (k === 'metadata' || !Object.hasOwn(a, k)) continue;
    n++;
    if (!Object.hasOwn(b, k) || !deepEqual(a[k], b[k])) return false;
  }
  for (const k in b) if (k !== 'metadata' && Object.hasOwn(b, k)) n--;
  return n === 0 && sameExcept(a.metadata, b.metadata, 'labels') && sameExcept(labelsOf(a.metadata), labelsOf(b.metadata), LABEL.deployId);
}

function labelsOf(metadata: JsonValue | undefined): JsonValue | undefined {
  return isObject(metadata) ? metadata.labels : undefined;
}

/** Equality of two maps (absent = empty) ignoring one key. */
function sameExcept(a: JsonValue | undefined, b: JsonValue | undefined, ignore: string): boolean {
  const ao = isObject(a) ? a : EMPTY;
  const bo = isObject(b) ? b : EMPTY;
  let n = 0;
  for (const k in ao) {
    if (k === ignore || !Object.hasOwn(ao, k)) continue;
    const v = ao[k];
    if (ignore === 'labels' && isEmptyMap(v) && !Object.hasOwn(bo, k)) continue;
    n++;
    if (!Object.hasOwn(bo, k) || !deepEqual(v, bo[k])) return false;
  }
  for (const k in bo) {
    if (k === ignore || !Object.hasOwn(bo, k)) continue;
    if (ignore === 'labels' && isEmptyMap(bo[k]) && !Object.hasOwn(ao, k)) continue;
    n--;
  }
  return n === 0;
}

const EMPTY: JsonObject = {};
const isEmptyMap = (v: JsonValue | undefined) => isObject(v) && Object.keys(v).length === 0;
