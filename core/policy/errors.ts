// The two errors the policy engine raises on bad input. Both name the field and the value, so
// a front door can print them as they are: both are the catalogue's bad input (the CLI exits 2),
// the webhook denies the request.
import { ErrorCode, PaasError } from '../errors.js';
import { plainText } from './json.js';

/** An invalid paas.toml: unparseable TOML, an unknown key or section, a wrong type or value. */
export class ConfigError extends PaasError {
  constructor(
    /** The file the config came from, e.g. "paas.toml". */
    readonly file: string,
    /** The dotted key, e.g. "deploy.surge"; empty for a syntax error. */
    readonly field: string,
    /** The offending value, as written (JSON-encoded for non-strings). */
    readonly value: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(ErrorCode.BadInput, field ? `${file}: ${field}: ${reason}, got ${value}` : `${file}: ${reason}`, options);
    this.name = 'ConfigError';
  }
}

/** A Deployment the engine cannot apply the policy to: a missing or mistyped owned field, or an
 * invalid per-Deployment override annotation. */
export class PolicyInputError extends PaasError {
  constructor(
    /** Where in the object, e.g. `metadata.annotations["paas.io/surge"]` or `spec.template`. */
    readonly field: string,
    /** The offending value (JSON-encoded), or "<missing>". */
    readonly value: string,
    readonly reason: string,
  ) {
    super(ErrorCode.BadInput, `${field}: ${reason}, got ${value}`);
    this.name = 'PolicyInputError';
  }
}

/** How a value is quoted in error messages: strings as JSON strings, absent as <missing>. */
export function showValue(v: unknown): string {
  if (v === undefined) return '<missing>';
  // JSON.stringify gives undefined for what JSON cannot say (a function, a symbol).
  const json = JSON.stringify(v) as string | undefined;
  const s = json ?? plainText(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
