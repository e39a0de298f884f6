// The policy's `[deploy]` section of paas.toml, parsed and validated once, and the pieces a front
// door needs to read the rest of the file the same way: TOML syntax errors and unknown keys are
// errors naming the file, the key and the value (a typo must not silently fall back to a default).
import { parse, TomlError } from 'smol-toml';
import { ConfigError, showValue } from './errors.js';
import { isObject } from './json.js';
import { BudgetMode, PreStopMode, ProbeKind, type Policy } from './types.js';
import {
  checkHeaderTable,
  checkIntOrPercent,
  checkOneOf,
  checkProbePath,
  checkSeconds,
  checkTopologySpread,
  isZeroIntOrPercent,
  BUDGET_MODES,
  PRESTOP_MODES,
  PROBE_KINDS,
  type Checked,
} from './values.js';

/** The policy when paas.toml is absent or its [deploy] section empty (the platform's Rolling Deploy page). */
export const DEFAULT_POLICY: Readonly<Policy> = Object.freeze<Policy>({
  surge: 1,
  maxUnavailable: 0,
  timeout: 600,
  readinessProbePath: '/',
  readinessProbe: ProbeKind.http,
  prestopSleep: 5,
  prestopMode: PreStopMode.auto,
  terminationGracePeriod: 30,
  readinessProbeHeaders: [],
  topologySpread: 'kubernetes.io/hostname',
  disruptionBudget: BudgetMode.auto,
});

/** A key's validator: the value as TOML gives it in, the checked value or the reason out. */
export type Parser<T> = (v: unknown) => Checked<T>;

/** For each field of a section: its TOML key and its validator. */
export type SectionKeys<T> = { [K in keyof T]: [toml: string, parse: Parser<T[K]>] };

const DEPLOY_KEYS: SectionKeys<Policy> = {
  surge: ['surge', (v) => checkIntOrPercent(v, false)],
  maxUnavailable: ['max_unavailable', (v) => checkIntOrPercent(v, false, 100)],
  timeout: ['timeout', (v) => checkSeconds(v, 1, false)],
  readinessProbePath: ['readiness_probe_path', checkProbePath],
  readinessProbe: ['readiness_probe', (v) => checkOneOf(v, PROBE_KINDS)],
  prestopSleep: ['prestop_sleep', (v) => checkSeconds(v, 0, false)],
  prestopMode: ['prestop_mode', (v) => checkOneOf(v, PRESTOP_MODES)],
  terminationGracePeriod: ['termination_grace_period', (v) => checkSeconds(v, 0, false)],
  readinessProbeHeaders: ['readiness_probe_headers', checkHeaderTable],
  topologySpread: ['topology_spread', checkTopologySpread],
  disruptionBudget: ['disruption_budget', (v) => checkOneOf(v, BUDGET_MODES)],
};

/** The TOML keys of a section's fields, for messages and `policy show`. */
export function tomlKeys<T>(keys: SectionKeys<T>): { readonly [K in keyof T]: string } {
  const out: Record<string, string> = {};
  for (const [field, [toml]] of Object.entries<[string, unknown]>(keys)) out[field] = toml;
  return out as { [K in keyof T]: string };
}

/** The TOML key of each policy field, for messages and `policy show`. */
export const TOML_KEY = tomlKeys(DEPLOY_KEYS);

/** Parses TOML text; a syntax error is a ConfigError naming `source`, the line and the column. */
export function parseToml(text: string, source: string): Record<string, unknown> {
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const first = err.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'invalid TOML';
      throw new ConfigError(`${source}:${err.line}:${err.column}`, '', '', `invalid TOML: ${first}`, { cause: err });
    }
    throw err;
  }
}

/** Refuses any top-level section but `known`, naming the first stranger. */
export function checkSections(doc: Record<string, unknown>, source: string, known: readonly string[]): void {
  for (const key of Object.keys(doc)) {
    if (!known.includes(key)) {
      throw new ConfigError(source, key, showValue(doc[key]), `unknown section (expected ${known.map((k) => `[${k}]`).join(' or ')})`);
    }
  }
}

/** One section of a parsed paas.toml: every key checked, missing keys at their defaults. */
export function readSection<T extends object>(doc: Record<string, unknown>, name: string, source: string, keys: SectionKeys<T>, defaults: Readonly<T>): T {
  const out = { ...defaults } as T;
  const table = doc[name];
  if (table === undefined) return out;
  if (!isObject(table)) throw new ConfigError(source, name, showValue(table), `expected a table ([${name}])`);
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

/** The [deploy] section of a parsed paas.toml; throws ConfigError naming the file, key and value. */
export function readPolicy(doc: Record<string, unknown>, source: string): Policy {
  const deploy = readSection(doc, 'deploy', source, DEPLOY_KEYS, DEFAULT_POLICY);
  if (isZeroIntOrPercent(deploy.surge) && isZeroIntOrPercent(deploy.maxUnavailable)) {
    throw new ConfigError(
      source,
      'deploy.max_unavailable',
      showValue(deploy.maxUnavailable),
      'surge and max_unavailable cannot both be 0 (no rollout could make progress)',
    );
  }
  return deploy;
}
