// paas.toml as a whole: the policy's [deploy] section (the engine's, core/policy/config.ts) and
// the webhook's own [webhook] settings, parsed and validated once. `paas-webhook serve` and
// `kubectl paas policy` read the same file the same way: unknown sections and keys are errors.
import {
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

/** The `[webhook]` section of paas.toml. */
export interface WebhookSettings {
  onError: OnError; // default "deny"
  maxBodyBytes: number; // default 3 MiB
  drainSeconds: number; // default 5
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
  }),
});

const WEBHOOK_KEYS: SectionKeys<WebhookSettings> = {
  onError: ['on_error', (v) => checkOneOf(v, Object.values(OnError))],
  maxBodyBytes: ['max_body_bytes', (v) => checkSeconds(v, 1024, false)],
  drainSeconds: ['drain_seconds', (v) => checkSeconds(v, 0, false)],
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
