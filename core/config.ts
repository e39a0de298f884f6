// paas.toml as a whole: the policy's [deploy] section (the engine's, core/policy/config.ts) and
// the webhook's own [webhook] settings, parsed and validated once. `paas-webhook serve` and
// `kubectl paas policy` read the same file the same way: unknown sections and keys are errors.
import {
  type Checked,
  checkOneOf,
  checkSeconds,
  checkSections,
  DEFAULT_POLICY,
  parseToml,
  readPolicy,
  readSection,
  tomlKeys,
  type Policy,
  type SectionKeys,
} from './policy/index.js';

/** What the webhook answers when the engine fails unexpectedly (invalid input is always denied). */
export const OnError = { deny: 'deny', allow: 'allow' } as const;
export type OnError = (typeof OnError)[keyof typeof OnError];

/** What the webhook does in a namespace without a `paas.io/mode` label: patch, or only warn. */
export const Mode = { enforce: 'enforce', warn: 'warn' } as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

/** Which namespaces take part: all but those opted out, or only those labelled `paas.io/mode`. */
export const NamespaceSelection = { optOut: 'opt-out', optIn: 'opt-in' } as const;
export type NamespaceSelection = (typeof NamespaceSelection)[keyof typeof NamespaceSelection];

/** The enforce entry's failurePolicy once armed: refuse writes while the webhook is down, or admit them. */
export const FailurePolicy = { Fail: 'Fail', Ignore: 'Ignore' } as const;
export type FailurePolicy = (typeof FailurePolicy)[keyof typeof FailurePolicy];

/** The `[webhook]` section of paas.toml. */
export interface WebhookSettings {
  onError: OnError; // default "deny"
  maxBodyBytes: number; // default 3 MiB
  drainSeconds: number; // default 5
  mode: Mode; // default "enforce"
  namespaces: NamespaceSelection; // default "opt-out"
  failurePolicy: FailurePolicy; // default "Fail"
  /** Never sent to the webhook (nor checked by the fail-open policy); its own namespace is always added. */
  excludedNamespaces: readonly string[]; // default kube-system, kube-public, kube-node-lease
}

/** The whole of paas.toml, validated. */
export interface PaasConfig {
  deploy: Policy;
  webhook: WebhookSettings;
}

/** The policy and settings when paas.toml is absent or empty. */
export const DEFAULT_CONFIG: Readonly<PaasConfig> = Object.freeze({
  deploy: DEFAULT_POLICY,
  webhook: Object.freeze<WebhookSettings>({
    onError: OnError.deny,
    maxBodyBytes: 3 * 1024 * 1024,
    drainSeconds: 5,
    mode: Mode.enforce,
    namespaces: NamespaceSelection.optOut,
    failurePolicy: FailurePolicy.Fail,
    excludedNamespaces: Object.freeze(['kube-system', 'kube-public', 'kube-node-lease']),
  }),
});

/** A namespace name as Kubernetes validates it (an RFC 1123 label). */
/** A namespace name: a lowercase RFC 1123 label. */
export const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A list of namespace names, none twice. */
function checkNamespaces(v: unknown): Checked<readonly string[]> {
  const expected = 'expected a list of namespace names (lowercase RFC 1123 labels), none twice';
  if (!Array.isArray(v) || !v.every((n): n is string => typeof n === 'string' && NAMESPACE_NAME.test(n)) || new Set(v).size !== v.length) {
    return { ok: false, reason: expected };
  }
  return { ok: true, value: Object.freeze([...v]) };
}

const WEBHOOK_KEYS: SectionKeys<WebhookSettings> = {
  onError: ['on_error', (v) => checkOneOf(v, Object.values(OnError))],
  maxBodyBytes: ['max_body_bytes', (v) => checkSeconds(v, 1024, false)],
  drainSeconds: ['drain_seconds', (v) => checkSeconds(v, 0, false)],
  mode: ['mode', (v) => checkOneOf(v, Object.values(Mode))],
  namespaces: ['namespaces', (v) => checkOneOf(v, Object.values(NamespaceSelection))],
  failurePolicy: ['failure_policy', (v) => checkOneOf(v, Object.values(FailurePolicy))],
  excludedNamespaces: ['excluded_namespaces', checkNamespaces],
};

/** The TOML key of each [webhook] setting, for `policy show`. */
export const WEBHOOK_TOML_KEY = tomlKeys(WEBHOOK_KEYS);

/**
 * Parses and validates paas.toml. `source` names the file in errors. Throws ConfigError naming
 * the file, the key and the value; missing keys take their defaults.
 */
export function parseConfig(text: string, source: string): PaasConfig {
  const doc = parseToml(text, source);
  checkSections(doc, source, ['deploy', 'webhook']);
  const deploy = readPolicy(doc, source);
  const webhook = readSection(doc, 'webhook', source, WEBHOOK_KEYS, DEFAULT_CONFIG.webhook);
  return { deploy, webhook };
}
