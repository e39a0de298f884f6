// Where the policy applies, as both its front doors to the API server say it: the webhook's armed
// entries (webhook/server/arming.ts) and the MutatingAdmissionPolicy (admission-policy.ts). Which
// namespaces take which mode, the resources and the objects matched. Pure data and one function.
import { Mode, NamespaceSelection, type WebhookSettings } from '../config.js';
import { LABEL, OPT_OUT_VALUE } from '../names.js';
import type { JsonObject } from './types.js';

/** The labels the entries select on. */
export const SelectorLabel = {
  /** On a namespace: `warn` or `enforce` picks that mode there (and, with opt-in, takes part). */
  mode: LABEL.mode,
  /** On a namespace or a Deployment: `disabled` opts out of both modes. */
  rolloutPolicy: LABEL.rolloutPolicy,
  /** On the self-check's probe Deployment only. */
  selfCheck: 'paas.io/self-check',
  /** Set by the API server on every namespace, unforgeable. */
  namespaceName: 'kubernetes.io/metadata.name',
} as const;

/** A label selector requirement, as namespaceSelector.matchExpressions holds it. */
export interface Requirement {
  key: string;
  operator: 'In' | 'NotIn';
  values: string[];
}

/** Where the policy applies: the [webhook] settings' mode and selection, the excluded namespaces,
 * and the webhook's own namespace (never mutated). */
export type ScopeSettings = Pick<WebhookSettings, 'mode' | 'namespaces' | 'excludedNamespaces'> & { ownNamespace: string };

/**
 * Where each mode applies. Both entries skip the excluded namespaces and the webhook's own (never
 * locked out) and anything labelled paas.io/rollout-policy=disabled; a namespace's paas.io/mode
 * label picks its mode, and without one the namespace takes the default mode (opt-out) or no part
 * (opt-in). No namespace matches both entries.
 */
export function namespaceSelectors(s: ScopeSettings): { enforce: Requirement[]; warn: Requirement[] } {
  const excluded = [...new Set([...s.excludedNamespaces, s.ownNamespace])];
  const common: Requirement[] = [
    { key: SelectorLabel.namespaceName, operator: 'NotIn', values: excluded },
    { key: SelectorLabel.rolloutPolicy, operator: 'NotIn', values: [OPT_OUT_VALUE] },
  ];
  const modeIs = (mode: Mode): Requirement => ({ key: SelectorLabel.mode, operator: 'In', values: [mode] });
  const modeIsNot = (mode: Mode): Requirement => ({ key: SelectorLabel.mode, operator: 'NotIn', values: [mode] });
  if (s.namespaces === NamespaceSelection.optIn) return { enforce: [...common, modeIs(Mode.enforce)], warn: [...common, modeIs(Mode.warn)] };
  if (s.mode === Mode.warn) return { enforce: [...common, modeIs(Mode.enforce)], warn: [...common, modeIsNot(Mode.enforce)] };
  return { enforce: [...common, modeIsNot(Mode.warn)], warn: [...common, modeIs(Mode.warn)] };
}

/** What every entry (and the MutatingAdmissionPolicy) matches: Deployments only (never their scale
 * or status), never one labelled to opt out, never one being deleted. */
export const DEPLOYMENT_MATCH = {
  matchPolicy: 'Equivalent',
  rules: [{ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' }],
  objectSelector: { matchExpressions: [{ key: SelectorLabel.rolloutPolicy, operator: 'NotIn', values: [OPT_OUT_VALUE] }] },
  // A Deployment being deleted is only losing finalizers: never block the garbage collector.
  matchConditions: [{ name: 'not-being-deleted', expression: '!has(object.metadata.deletionTimestamp)' }],
} as const satisfies JsonObject;

/** The first requirement the labels do not meet (undefined: they meet them all), as the API
 * server reads a label selector: `In` wants the label with one of the values, `NotIn` wants it
 * absent or another value. */
export function unmet(reqs: readonly Requirement[], labels: Readonly<Record<string, string>>): Requirement | undefined {
  return reqs.find((r) => {
    const v = labels[r.key];
    return r.operator === 'In' ? v === undefined || !r.values.includes(v) : v !== undefined && r.values.includes(v);
  });
}
