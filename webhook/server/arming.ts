// Arming, the decisions: which webhook entries the policy wants in the MutatingWebhookConfiguration,
// and what to write so that the configuration has them. Pure over plain JSON; the loop that reads,
// self-checks and writes is arming-loop.ts.
//
// The installers (kustomize, Helm) ship the configuration with one entry only, self-check.paas.io:
// it matches nothing but the probe Deployment of the self-check (its own namespace, its label), so
// an install that never serves refuses nothing anywhere. The elected replica adds the policy's
// entries, enforce (POST /mutate, the configured failure policy) and warn (POST /warn, Ignore),
// once a server-side dry run through the self-check entry came back mutated: the API server
// reaches and trusts a serving replica. The installers never list these entries, so a re-apply
// (kubectl's three-way merge, Helm's or Flux's server-side apply) leaves them alone, and removing
// the configuration (helm uninstall, kubectl delete -k) removes them with it.
import { FailurePolicy, type WebhookSettings } from '../../core/config.js';
import { deepEqual, type JsonObject, type JsonValue, type PatchOp } from '../../core/policy/index.js';
import { AdmissionPath } from './admission.js';
import { DEPLOYMENT_MATCH, namespaceSelectors, type ScopeSettings } from '../../core/policy/scope.js';

export { namespaceSelectors, SelectorLabel, type Requirement } from '../../core/policy/scope.js';

/** The entries of the configuration, by name. Only the self-check entry is the installer's. */
export const Entry = {
  selfCheck: 'self-check.paas.io',
  enforce: 'rollout-policy.paas.io',
  warn: 'rollout-policy-warn.paas.io',
} as const;

/** What the entries are built from: the [webhook] settings and the webhook's own namespace. */
export type ArmSettings = ScopeSettings & Pick<WebhookSettings, 'failurePolicy'>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The self-check entry's clientConfig with another path: the same Service (or URL) and caBundle
 * the self-check proved the API server reaches and trusts. */
function clientConfigFor(probe: JsonObject, path: string): JsonObject | undefined {
  const cc = probe.clientConfig;
  if (!isObject(cc)) return undefined;
  const ca: JsonObject = typeof cc.caBundle === 'string' ? { caBundle: cc.caBundle } : {};
  if (isObject(cc.service)) return { service: { ...cc.service, path }, ...ca };
  if (typeof cc.url === 'string') {
    try {
      const url = new URL(cc.url);
      url.pathname = path;
      return { url: url.toString(), ...ca };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The rules, object selector and match conditions both policy entries share. */
const SHARED: JsonObject = {
  admissionReviewVersions: ['v1'],
  sideEffects: 'None',
  ...structuredClone(DEPLOYMENT_MATCH),
};

/** The policy's two entries as the armed configuration holds them, or why they cannot be built. */
export function policyEntries(s: ArmSettings, probe: JsonObject): JsonObject[] | string {
  const selectors = namespaceSelectors(s);
  const enforce = clientConfigFor(probe, AdmissionPath.mutate);
  const warn = clientConfigFor(probe, AdmissionPath.warn);
  if (!enforce || !warn) return `the ${Entry.selfCheck} entry has no clientConfig service or url to copy`;
  // The installer's timeout (Helm's timeoutSeconds) holds for every entry; 5 s when it set none.
  const timeoutSeconds: JsonValue = typeof probe.timeoutSeconds === 'number' ? probe.timeoutSeconds : 5;
  return [
    {
      name: Entry.enforce,
      ...SHARED,
      clientConfig: enforce,
      timeoutSeconds,
      failurePolicy: s.failurePolicy,
      // Another webhook's later change gets our policy applied to it again.
      reinvocationPolicy: 'IfNeeded',
      namespaceSelector: { matchExpressions: selectors.enforce as unknown as JsonValue },
    },
    {
      name: Entry.warn,
      ...SHARED,
      clientConfig: warn,
      timeoutSeconds,
      // Warn mode refuses nothing, least of all because the webhook is down.
      failurePolicy: FailurePolicy.Ignore,
      reinvocationPolicy: 'Never',
      namespaceSelector: { matchExpressions: selectors.warn as unknown as JsonValue },
    },
  ];
}

/** Whether a live entry has every field of the wanted one (the API server may add fields we do not set). */
export function covers(live: JsonObject, want: JsonObject): boolean {
  return Object.entries(want).every(([k, v]) => deepEqual(live[k], v));
}

/** What arming should do now. */
export const ArmAction = {
  /** The configuration holds the policy's entries as wanted: nothing to write. */
  Armed: 'armed',
  /** Run the self-check, then apply `patch`. */
  Write: 'write',
  /** Nothing can be written: no configuration, or no self-check entry to prove and copy. */
  Cannot: 'cannot',
} as const;
export type ArmAction = (typeof ArmAction)[keyof typeof ArmAction];

/** A JSON Patch operation on the configuration: the engine's kinds, and `test`. */
export type ConfigPatchOp = PatchOp | { op: 'test'; path: string; value: JsonValue };

export type ArmDecision =
  | { action: typeof ArmAction.Armed }
  | { action: typeof ArmAction.Write; patch: ConfigPatchOp[]; reasons: string[] }
  | { action: typeof ArmAction.Cannot; reason: string };

/**
 * The decision over the configuration as read: a JSON Patch guarded by its resourceVersion that
 * adds the missing policy entries and replaces those that differ from what the settings want
 * (indices from the same read), or nothing to do, or why nothing can be done.
 */
export function armDecision(configuration: JsonObject | undefined, s: ArmSettings): ArmDecision {
  if (!configuration) return { action: ArmAction.Cannot, reason: 'the MutatingWebhookConfiguration does not exist (not installed yet, or being removed)' };
  const hooks = Array.isArray(configuration.webhooks) ? configuration.webhooks.filter(isObject) : [];
  const probe = hooks.find((h) => h.name === Entry.selfCheck);
  if (!probe) return { action: ArmAction.Cannot, reason: `the MutatingWebhookConfiguration has no ${Entry.selfCheck} entry to self-check through` };
  const want = policyEntries(s, probe);
  if (typeof want === 'string') return { action: ArmAction.Cannot, reason: want };
  const meta = isObject(configuration.metadata) ? configuration.metadata : {};
  const ops: PatchOp[] = [];
  const reasons: string[] = [];
  for (const entry of want) {
    const name = entry.name as string;
    const at = hooks.findIndex((h) => h.name === name);
    if (at < 0) {
      ops.push({ op: 'add', path: '/webhooks/-', value: entry });
      reasons.push(`${name} missing`);
    } else if (!covers(hooks[at]!, entry)) {
      ops.push({ op: 'replace', path: `/webhooks/${at}`, value: entry });
      const differ = Object.keys(entry).filter((k) => !deepEqual(hooks[at]![k], entry[k]));
      reasons.push(`${name} differs in ${differ.join(', ')}`);
    }
  }
  if (ops.length === 0) return { action: ArmAction.Armed };
  // A JSON Patch `test` is the only guard RBAC's patch verb allows: a concurrent write fails it.
  return { action: ArmAction.Write, patch: [{ op: 'test', path: '/metadata/resourceVersion', value: meta.resourceVersion ?? null }, ...ops], reasons };
}
