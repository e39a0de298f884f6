// Validation of the policy's knobs, shared by paas.toml (config.ts) and the per-Deployment
// annotations (overrides.ts), so both accept exactly the same values.
import { BudgetMode, PreStopMode, ProbeKind, SPREAD_OFF, type IntOrPercent, type ProbeHeader } from './types.js';

/** A validated value, or the reason it is invalid ("expected ..."). */
export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(reason: string): Checked<T> => ({ ok: false, reason });

const INT32_MAX = 2_147_483_647;
const PERCENT = /^(0|[1-9][0-9]{0,9})%$/;

/**
 * maxSurge / maxUnavailable: an integer >= 0 or a percentage such as "25%" (intstr semantics).
 * `digitsAsInt` accepts "1" as 1, for annotations, whose values are always strings.
 */
export function checkIntOrPercent(v: unknown, digitsAsInt: boolean, maxPercent?: number): Checked<IntOrPercent> {
  const expected = `expected an integer >= 0 or a percentage like "25%"`;
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= INT32_MAX ? ok(v) : bad(expected);
  if (typeof v !== 'string') return bad(expected);
  if (digitsAsInt && /^(0|[1-9][0-9]{0,9})$/.test(v)) return checkIntOrPercent(Number(v), false, maxPercent);
  if (!PERCENT.test(v)) return bad(expected);
  if (maxPercent !== undefined && Number(v.slice(0, -1)) > maxPercent) return bad(`expected at most ${maxPercent}%`);
  return ok(v);
}

/** True for 0 and "0%": the two spellings of "no pods" in a rolling update. */
export function isZeroIntOrPercent(v: IntOrPercent): boolean {
  return v === 0 || v === '0%';
}

/** A whole number of seconds in [min, int32 max]; `digitsAsInt` parses a string of digits. */
export function checkSeconds(v: unknown, min: number, digitsAsInt: boolean): Checked<number> {
  const n = digitsAsInt && typeof v === 'string' && /^[0-9]{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > INT32_MAX) {
    return bad(`expected a whole number of seconds >= ${min}`);
  }
  return ok(n);
}

/** An HTTP path for the readiness probe: starts with "/", no whitespace. */
export function checkProbePath(v: unknown): Checked<string> {
  if (typeof v !== 'string' || !v.startsWith('/') || /\s/.test(v)) return bad('expected an HTTP path starting with "/"');
  return ok(v);
}

/** The values of readiness_probe. */
export const PROBE_KINDS: readonly ProbeKind[] = Object.values(ProbeKind);
/** The values of prestop_mode. */
export const PRESTOP_MODES: readonly PreStopMode[] = Object.values(PreStopMode);

/** The values of disruption_budget. */
export const BUDGET_MODES: readonly BudgetMode[] = Object.values(BudgetMode);

/** A label key as Kubernetes validates one (a qualified name): an optional DNS subdomain prefix
 * and a slash, then a name of at most 63 characters. */
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Whether `key` is a label key the API server takes (topologyKey is one). */
export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return LABEL_NAME.test(name);
}

/** topology_spread: "off", or the node label key to spread the pods across. */
export function checkTopologySpread(v: unknown): Checked<string> {
  if (typeof v === 'string' && (v === SPREAD_OFF || isLabelKey(v))) return ok(v);
  return bad(`expected "off" or a node label key such as "kubernetes.io/hostname" or "topology.kubernetes.io/zone"`);
}

/** One of a closed set of strings. */
export function checkOneOf<T extends string>(v: unknown, allowed: readonly T[]): Checked<T> {
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return ok(v as T);
  return bad(`expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
}

/** A container port: a number 1-65535 or an IANA service name (as Kubernetes validates it). */
export function checkPort(v: string): Checked<number | string> {
  if (/^[0-9]+$/.test(v)) {
    const n = Number(v);
    return n >= 1 && n <= 65535 ? ok(n) : bad('expected a port number 1-65535 or a port name');
  }
  const name = /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(v) && /[a-z]/.test(v) && !v.includes('--');
  return name ? ok(v) : bad('expected a port number 1-65535 or a port name');
}

/** RFC 9110's token: what an HTTP header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_HEADERS = 10;

/** One header checked: a token for a name, a value with no line break or NUL (it goes on the wire). */
function checkHeader(name: string, value: unknown): Checked<ProbeHeader> {
  if (!HEADER_NAME.test(name)) return { ok: false, reason: `"${name}" is not an HTTP header name` };
  if (typeof value !== 'string') return { ok: false, reason: `the value of ${name} must be a string` };
  if (/[\r\n\0]/.test(value)) return { ok: false, reason: `the value of ${name} has a line break` };
  return { ok: true, value: { name, value: value.trim() } };
}

/** Checks a list of headers: at most ten, no name twice (case-insensitive, as HTTP reads them). */
function checkHeaders(pairs: [string, unknown][]): Checked<ProbeHeader[]> {
  if (pairs.length > MAX_HEADERS) return { ok: false, reason: `at most ${MAX_HEADERS} headers` };
  const out: ProbeHeader[] = [];
  for (const [name, value] of pairs) {
    const h = checkHeader(name.trim(), value);
    if (!h.ok) return h;
    if (out.some((o) => o.name.toLowerCase() === h.value.name.toLowerCase())) return { ok: false, reason: `header ${h.value.name} given twice` };
    out.push(h.value);
  }
  return { ok: true, value: out };
}

/** `readiness_probe_headers`: a TOML table of header names to string values. */
export function checkHeaderTable(v: unknown): Checked<ProbeHeader[]> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return { ok: false, reason: 'expected a table of header names to values ({ "X-Forwarded-Proto" = "https" })' };
  }
  return checkHeaders(Object.entries(v));
}

/** `paas.io/readiness-probe-headers`: "Name=value,Name=value" ("" for none). */
export function checkHeaderList(text: string): Checked<ProbeHeader[]> {
  if (text.trim() === '') return { ok: true, value: [] };
  const pairs: [string, unknown][] = [];
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) return { ok: false, reason: 'expected Name=value pairs separated by commas ("X-Forwarded-Proto=https,X-Forwarded-Ssl=on")' };
    pairs.push([item.slice(0, eq), item.slice(eq + 1)]);
  }
  return checkHeaders(pairs);
}
