// Whether the webhook sees a Deployment, and in which mode, as the webhook's configuration decides
// it from paas.toml's [webhook] settings: never the excluded namespaces nor its own, never what is
// labelled paas.io/rollout-policy=disabled (the Deployment or its namespace), never a Deployment
// being deleted; a namespace's paas.io/mode label picks its mode, and without one the namespace
// takes the default mode (namespaces = "opt-out") or no part (namespaces = "opt-in"). The one
// answer is core/policy/scope.ts (the selectors arming writes); this evaluates them over one
// Deployment and names the requirement it misses. Pure.
import { Mode, type WebhookSettings } from '../../core/config.js';
import { DEPLOYMENT_MATCH, namespaceSelectors, SelectorLabel, unmet } from '../../core/policy/scope.js';
import { LABEL, OPT_OUT_VALUE, WEBHOOK_INSTALL } from '../../core/names.js';

/** What the webhook does with a Deployment's writes. */
export const ScopeMode = {
  /** Patched (the enforce entry). */
  enforce: Mode.enforce,
  /** Admitted as it is, with the policy's "would ..." lines as warnings (the warn entry). */
  warn: Mode.warn,
  /** Never sent to the webhook. */
  none: 'none',
  /** Its namespace's labels could not be read: the mode is not known. */
  unknown: 'unknown',
} as const;
export type ScopeMode = (typeof ScopeMode)[keyof typeof ScopeMode];

/** Why the webhook never sees a Deployment. */
export const OptOut = {
  /** Its namespace is in excluded_namespaces, or is the webhook's own. */
  excludedNamespace: 'excluded-namespace',
  /** Its namespace is labelled paas.io/rollout-policy=disabled. */
  namespaceLabel: 'namespace-label',
  /** namespaces = "opt-in" and its namespace has no paas.io/mode label. */
  notOptedIn: 'not-opted-in',
  /** The Deployment is labelled paas.io/rollout-policy=disabled. */
  deploymentLabel: 'deployment-label',
  /** It is being deleted (the webhook is not called for the garbage collector's writes). */
  deleting: 'deleting',
} as const;
export type OptOut = (typeof OptOut)[keyof typeof OptOut];

/** A Deployment's place in the webhook's scope. */
export interface Scope {
  mode: ScopeMode;
  /** Set when mode is `none`. */
  optOut?: OptOut;
  /** In words: why it is out, or why the mode is unknown. */
  reason?: string;
}

/** What the decision reads of a namespace: its labels, or undefined when they could not be read. */
export type NamespaceLabels = Readonly<Record<string, string>> | undefined;

/** What the decision reads of a Deployment. */
export interface DeploymentFacts {
  namespace: string;
  labels?: Readonly<Record<string, string>>;
  deleting?: boolean;
}

/** The [webhook] settings the scope depends on. */
export type ScopeSettings = Pick<WebhookSettings, 'mode' | 'namespaces' | 'excludedNamespaces'>;

const out = (optOut: OptOut, reason: string): Scope => ({ mode: ScopeMode.none, optOut, reason });

/**
 * The webhook's scope for one Deployment under `settings`, given its namespace's labels: the armed
 * entries' own label selectors (core/policy/scope.ts, which arming writes into the configuration)
 * evaluated as the API server evaluates them, with the reason read off the requirement that is
 * not met. The webhook's own namespace (WEBHOOK_INSTALL.namespace) is always excluded. What can be
 * told without the namespace's labels is told: an unreadable namespace leaves only the mode unknown.
 */
export function scopeOf(settings: ScopeSettings, d: DeploymentFacts, namespaceLabels: NamespaceLabels): Scope {
  const sel = namespaceSelectors({ ...settings, ownNamespace: WEBHOOK_INSTALL.namespace });
  // The API server sets kubernetes.io/metadata.name on every namespace: known without reading it.
  const named = { [SelectorLabel.namespaceName]: d.namespace };
  if (unmet(sel.enforce, named)?.key === SelectorLabel.namespaceName) {
    return out(
      OptOut.excludedNamespace,
      d.namespace === WEBHOOK_INSTALL.namespace ? `namespace ${d.namespace} is the webhook's own` : `namespace ${d.namespace} is in excluded_namespaces`,
    );
  }
  if (unmet(DEPLOYMENT_MATCH.objectSelector.matchExpressions, d.labels ?? {}))
    return out(OptOut.deploymentLabel, `labelled ${LABEL.rolloutPolicy}=${OPT_OUT_VALUE}`);
  if (d.deleting) return out(OptOut.deleting, 'being deleted');
  if (namespaceLabels === undefined) return { mode: ScopeMode.unknown, reason: `the labels of namespace ${d.namespace} could not be read` };
  const labels = { ...namespaceLabels, ...named };
  if (!unmet(sel.enforce, labels)) return { mode: ScopeMode.enforce };
  if (!unmet(sel.warn, labels)) return { mode: ScopeMode.warn };
  if (unmet(sel.enforce, labels)?.key === SelectorLabel.rolloutPolicy) {
    return out(OptOut.namespaceLabel, `namespace ${d.namespace} is labelled ${LABEL.rolloutPolicy}=${OPT_OUT_VALUE}`);
  }
  return out(OptOut.notOptedIn, `namespaces = "opt-in" and namespace ${d.namespace} has no ${LABEL.mode} label`);
}
