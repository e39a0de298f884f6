// The paas.io/deploy-id pod-template label: one UUID per rollout. It changes exactly when the
// stored pod template changes, so re-applying a manifest, scaling or an HPA never starts one.
import { deepEqual, isObject } from './json.js';
import { LABEL } from './overrides.js';
import type { JsonObject, JsonValue } from './types.js';

/** What to do with the label: nothing, set it to an id, or remove it. */
export type IdDecision =
  | { action: 'keep' }
  | { action: 'set'; id: string; reason: 'new-rollout' | 'unchanged-template' }
  | { action: 'remove' };

/** The deploy-id label of a pod template, when it is a non-empty string. */
export function templateId(template: JsonValue | undefined): string | undefined {
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
export function decideDeployId(
  template: JsonObject,
  oldTemplate: JsonValue | undefined,
  isUpdate: boolean,
  newId: () => string,
): IdDecision {
  const incoming = templateId(template);
  if (!isUpdate) return incoming !== undefined ? { action: 'keep' } : { action: 'set', id: newId(), reason: 'new-rollout' };
  const oldId = templateId(oldTemplate);
  if (isObject(oldTemplate) && sameTemplate(template, oldTemplate)) {
    if (incoming === oldId) return { action: 'keep' };
    return oldId === undefined ? { action: 'remove' } : { action: 'set', id: oldId, reason: 'unchanged-template' };
  }
  if (incoming !== undefined && incoming !== oldId) return { action: 'keep' };
  return { action: 'set', id: newId(), reason: 'new-rollout' };
}

/** Deep equality of two pod templates, ignoring the deploy-id label (and the empty labels or
 * metadata map its removal leaves, which the engine itself may have created). */
export function sameTemplate(a: JsonObject, b: JsonObject): boolean {
  return deepEqual(withoutId(a), withoutId(b));
}

function withoutId(template: JsonObject): JsonObject {
  const metadata = template.metadata;
  if (!isObject(metadata)) return template;
  const labels = metadata.labels;
  if (!isObject(labels) || !Object.hasOwn(labels, LABEL.deployId)) return template;
  const { [LABEL.deployId]: _id, ...restLabels } = labels;
  const { labels: _labels, ...restMeta } = metadata;
  const newMeta: JsonObject = Object.keys(restLabels).length > 0 ? { ...restMeta, labels: restLabels } : restMeta;
  const { metadata: _m, ...rest } = template;
  return Object.keys(newMeta).length > 0 ? { ...rest, metadata: newMeta } : rest;
}
