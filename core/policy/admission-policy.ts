// The rollout policy without a webhook: a MutatingAdmissionPolicy and its binding
// (admissionregistration.k8s.io/v1, GA in Kubernetes 1.36) that the API server runs itself, in
// CEL (admission-cel.ts), rendered from paas.toml's [deploy] section and the cluster facts the
// webhook would use. Same knobs, same paas.io/* annotations and opt-out label, same namespace
// selection as the webhook; what CEL cannot do is listed in admission-gaps.ts.
// Pure: values in, objects and text out. `kubectl paas policy` and the overlay script print them.
import { formatJson, kubeYamlDocument, type KubeValue } from '../yaml/kube-yaml.js';
import {
  deployIdMutation,
  graceMutation,
  matchConditions,
  policyVariables,
  preStopMutation,
  readinessMutation,
  refusalMutation,
  spreadMutation,
  strategyMutation,
  type CelInput,
  type MutationExpression,
} from './admission-cel.js';
import type { ClusterFacts, JsonObject, JsonValue, Policy } from './types.js';
import { Mode, NamespaceSelection } from '../config.js';
import { DEPLOYMENT_MATCH, namespaceSelectors } from './scope.js';

/** The API group and version of the policy and its binding. */
export const ADMISSION_POLICY_API_VERSION = 'admissionregistration.k8s.io/v1';

/** Where the rendered policy applies, and the names it goes by. */
export interface AdmissionPolicyScope {
  /** The policy's and the binding's name. */
  name: string;
  /** The namespace the webhook runs in when it is installed: never mutated, as the webhook's. */
  ownNamespace: string;
  /** Namespaces never mutated (the Helm chart's excludedNamespaces). */
  excludedNamespaces: readonly string[];
  /** When set, only namespaces carrying these labels (the binding's matchResources): a trial
   * in a few namespaces, or a test's own. */
  namespaceLabels?: Readonly<Record<string, string>>;
  /** paas.toml [webhook] mode (default enforce): with warn, only namespaces labelled
   * paas.io/mode=enforce, where the webhook would enforce. */
  mode?: Mode;
  /** paas.toml [webhook] namespaces (default opt-out): with opt-in, only namespaces labelled
   * paas.io/mode=enforce. */
  namespaces?: NamespaceSelection;
}

/** The webhook's selection: every namespace but the control plane's and paas-system. */
export const DEFAULT_ADMISSION_POLICY_SCOPE: Readonly<AdmissionPolicyScope> = Object.freeze({
  name: 'paas-rollout-policy',
  ownNamespace: 'paas-system',
  excludedNamespaces: Object.freeze(['kube-system', 'kube-public', 'kube-node-lease']),
});

/** How renderAdmissionPolicy writes the objects. */
export const PolicyFormat = { yaml: 'yaml', json: 'json' } as const;
export type PolicyFormat = (typeof PolicyFormat)[keyof typeof PolicyFormat];

/** The paas.toml sections the policy reads: [deploy] only ([webhook] has no meaning without one). */
export type PolicyConfig = { deploy: Policy };

/** The mutations in the order the API server runs them; each sees the previous one's output. */
function mutations(input: CelInput): JsonObject[] {
  const all: (MutationExpression | undefined)[] = [
    refusalMutation(),
    strategyMutation(),
    preStopMutation(input),
    graceMutation(),
    readinessMutation(input),
    spreadMutation(),
    deployIdMutation(),
  ];
  return all
    .filter((m): m is MutationExpression => m !== undefined)
    .map((m): JsonObject => {
      // The union's member is named after the patch type: jsonPatch or applyConfiguration.
      const member = m.patchType === 'JSONPatch' ? 'jsonPatch' : 'applyConfiguration';
      return { patchType: m.patchType, [member]: { expression: m.expression } };
    });
}

/** The webhook's enforce entry's rules, namespaceSelector and objectSelector (core/policy/scope.ts)
 * for the scope's selection: by default every namespace but the excluded ones and the webhook's
 * own, except those opted out or labelled paas.io/mode=warn. A policy cannot warn: where the
 * webhook would only warn, it leaves the namespace alone. */
function matchConstraints(scope: AdmissionPolicyScope): JsonObject {
  const selectors = namespaceSelectors({
    mode: scope.mode ?? Mode.enforce,
    namespaces: scope.namespaces ?? NamespaceSelection.optOut,
    excludedNamespaces: [...scope.excludedNamespaces],
    ownNamespace: scope.ownNamespace,
  });
  return {
    matchPolicy: DEPLOYMENT_MATCH.matchPolicy,
    resourceRules: structuredClone(DEPLOYMENT_MATCH.rules),
    namespaceSelector: { matchExpressions: selectors.enforce as unknown as JsonValue },
    objectSelector: structuredClone(DEPLOYMENT_MATCH.objectSelector),
  };
}

/**
 * The MutatingAdmissionPolicy and its MutatingAdmissionPolicyBinding for a validated paas.toml
 * and the cluster's facts (nativeSleep decides the preStop hook when prestop_mode is "auto";
 * every cluster that serves the v1 API has the native sleep action).
 */
export function admissionPolicyObjects(config: PolicyConfig, facts: ClusterFacts, scope: AdmissionPolicyScope = DEFAULT_ADMISSION_POLICY_SCOPE): JsonObject[] {
  const input: CelInput = { policy: config.deploy, facts };
  const policy: JsonObject = {
    apiVersion: ADMISSION_POLICY_API_VERSION,
    kind: 'MutatingAdmissionPolicy',
    metadata: { name: scope.name },
    spec: {
      // Fail: a refusal (an invalid paas.io/* annotation) is an evaluation that fails on purpose.
      failurePolicy: 'Fail',
      // Another admission plugin may add a container after this policy: run again to cover it.
      reinvocationPolicy: 'IfNeeded',
      matchConstraints: matchConstraints(scope),
      matchConditions: matchConditions().map((c) => ({ ...c })),
      variables: policyVariables(input).map((x) => ({ ...x })),
      mutations: mutations(input),
    },
  };
  const labels = scope.namespaceLabels;
  const binding: JsonObject = {
    apiVersion: ADMISSION_POLICY_API_VERSION,
    kind: 'MutatingAdmissionPolicyBinding',
    metadata: { name: scope.name },
    spec: { policyName: scope.name, ...(labels ? { matchResources: { namespaceSelector: { matchLabels: { ...labels } } } } : {}) },
  };
  return [policy, binding];
}

/** The objects as YAML documents (kubectl apply -f) or as one JSON List. */
export function renderAdmissionPolicy(objects: readonly JsonObject[], format: PolicyFormat): string {
  if (format === PolicyFormat.json) return `${formatJson({ apiVersion: 'v1', kind: 'List', items: objects as KubeValue[] })}\n`;
  // Expressions as literal blocks, never folded: the text is the CEL the API server reads.
  return objects.map((o) => kubeYamlDocument(o).toString({ lineWidth: 0, blockQuote: 'literal' })).join('---\n');
}
