// paas.toml: the [deploy] policy knobs and the [webhook] settings, parsed and validated once.
// Unknown sections and keys are errors (a typo must not silently fall back to a default).
import { parse, TomlError } from 'smol-toml';
import { ConfigError, showValue } from './errors.js';
import { isObject } from './json.js';
import type { PaasConfig, Policy, WebhookSettings } from './types.js';
import {
  checkIntOrPercent,
  checkOneOf,
  checkProbePath,
  checkSeconds,
  isZeroIntOrPercent,
  PRESTOP_MODES,
  PROBE_KINDS,
  type Checked,
} from './values.js';

/** The policy and settings when paas.toml is absent or empty (the platform's Rolling Deploy page). */
export const DEFAULT_CONFIG: Readonly<PaasConfig> = Object.freeze({
  deploy: Object.freeze<Policy>({
    surge: 1,
    maxUnavailable: 0,
    timeout: 600,
    readinessProbePath: '/',
    readinessProbe: 'http',
    prestopSleep: 5,
    prestopMode: 'auto',
    terminationGracePeriod: 30,
  }),
  webhook: Object.freeze<WebhookSettings>({
    onError: 'deny',
    maxBodyBytes: 3 * 1024 * 1024,
    drainSeconds: 5,
  }),
});

type Parser<T> = (v: unknown) => Checked<T>;

const DEPLOY_KEYS: { [K in keyof Policy]: [toml: string, parse: Parser<Policy[K]>] } = {
  surge: ['surge', (v) => checkIntOrPercent(v, false)],
  maxUnavailable: ['max_unavailable', (v) => checkIntOrPercent(v, false, 100)],
  timeout: ['timeout', (v) => checkSeconds(v, 1, false)],
  readinessProbePath: ['readiness_probe_path', checkProbePath],
  readinessProbe: ['readiness_probe', (v) => checkOneOf(v, PROBE_KINDS)],
  prestopSleep: ['prestop_sleep', (v) => checkSeconds(v, 0, false)],
  prestopMode: ['prestop_mode', (v) => checkOneOf(v, PRESTOP_MODES)],
  terminationGracePeriod: ['termination_grace_period', (v) => checkSeconds(v, 0, false)],
};

const WEBHOOK_KEYS: { [K in keyof WebhookSettings]: [toml: string, parse: Parser<WebhookSettings[K]>] } = {
  onError: ['on_error', (v) => checkOneOf(v, ['deny', 'allow'] as const)],
  maxBodyBytes: ['max_body_bytes', (v) => checkSeconds(v, 1024, false)],
  drainSeconds: ['drain_seconds', (v) => checkSeconds(v, 0, false)],
};

/** The TOML key of each policy field, for messages and `policy show`. */
export const TOML_KEY: { readonly [K in keyof Policy]: string } = Object.fromEntries(
  Object.entries(DEPLOY_KEYS).map(([k, [toml]]) => [k, toml]),
) as { [K in keyof Policy]: string };

/**
 * Parses and validates paas.toml. `source` names the file in errors. Throws ConfigError naming
 * the file, the key and the value; missing keys take their defaults.
 */
export function parseConfig(text: string, source: string): PaasConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const first = err.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'invalid TOML';
      throw new ConfigError(`${source}:${err.line}:${err.column}`, '', '', `invalid TOML: ${first}`);
    }
    throw err;
  }
  for (const key of Object.keys(doc)) {
    if (key !== 'deploy' && key !== 'webhook') {
      throw new ConfigError(source, key, showValue(doc[key]), 'unknown section (expected [deploy] or [webhook])');
    }
  }
  const deploy = section(doc, 'deploy', source, DEPLOY_KEYS, DEFAULT_CONFIG.deploy);
  if (isZeroIntOrPercent(deploy.surge) && isZeroIntOrPercent(deploy.maxUnavailable)) {
    throw new ConfigError(source, 'deploy.max_unavailable', showValue(deploy.maxUnavailable),
      'surge and max_unavailable cannot both be 0 (no rollout could make progress)');
  }
  const webhook = section(doc, 'webhook', source, WEBHOOK_KEYS, DEFAULT_CONFIG.webhook);
  return { deploy, webhook };
}

function section<T extends object>(
  doc: Record<string, unknown>,
  name: string,
  source: string,
  keys: { [K in keyof T]: [string, Parser<T[K]>] },
  defaults: Readonly<T>,
): T {
  const out = { ...defaults } as T;
  const table = doc[name];
  if (table === undefined) return out;
  if (!isObject(table)) throw new ConfigError(source, name, showValue(table), 'expected a table ([' + name + '])');
  const byToml = new Map<string, keyof T>();
  for (const field of Object.keys(keys) as (keyof T)[]) byToml.set(keys[field][0], field);
  for (const [tomlKey, raw] of Object.entries(table)) {
    const field = byToml.get(tomlKey);
    if (field === undefined) {
      const known = [...byToml.keys()].join(', ');
      throw new ConfigError(source, `${name}.${tomlKey}`, showValue(raw), `unknown key (known: ${known})`);
    }
    const checked = keys[field][1](raw);
    if (!checked.ok) throw new ConfigError(source, `${name}.${tomlKey}`, showValue(raw), checked.reason);
    out[field] = checked.value;
  }
  return out;
}
