// Per-Deployment overrides: `paas.io/*` annotations on the Deployment, validated exactly like the
// matching paas.toml keys. An invalid value is a PolicyInputError naming the annotation.
import { ANNOTATION, LABEL, OPT_OUT_VALUE } from '../names.js';
import { PolicyInputError, showValue } from './errors.js';
import { fieldName, isObject } from './json.js';
import type { JsonObject, Policy } from './types.js';
import {
  BUDGET_MODES,
  checkHeaderList,
  checkIntOrPercent,
  checkOneOf,
  checkPort,
  checkProbePath,
  checkSeconds,
  checkTopologySpread,
  isZeroIntOrPercent,
  type Checked,
} from './values.js';

/** Which port to probe, from paas.io/readiness-probe-port: `8080`, `http`, or `app=8080,worker=9090`. */
export interface ProbePortOverride {
  /** A bare port: used for every container that declares no TCP port. */
  portless?: number | string;
  /** `none`: containers without a TCP port get no probe and no warning (a worker, say). */
  none?: boolean;
  /** Per container name: used instead of the port the engine would pick. */
  byContainer: ReadonlyMap<string, number | string>;
}

/** The policy for one Deployment after its annotations are applied. */
export interface EffectivePolicy {
  policy: Policy;
  probePort: ProbePortOverride;
  /** The annotations that changed something, for messages. */
  overridden: string[];
}

const NO_PORTS: ProbePortOverride = { byContainer: new Map() };

/** Applies the Deployment's paas.io/* annotations to the policy; throws PolicyInputError. */
export function effectivePolicy(annotations: JsonObject | undefined, base: Policy): EffectivePolicy {
  if (!annotations) return { policy: base, probePort: NO_PORTS, overridden: [] };
  const a = annotations;
  const has = (k: string) => Object.hasOwn(a, k);
  if (!Object.values(ANNOTATION).some(has)) return { policy: base, probePort: NO_PORTS, overridden: [] };
  const policy: Policy = { ...base };
  const overridden: string[] = [];
  const take = <T>(key: string, check: (v: unknown) => Checked<T>, set: (v: T) => void) => {
    if (!has(key)) return;
    const raw = a[key];
    const checked = typeof raw === 'string' ? check(raw) : ({ ok: false, reason: 'expected a string' } as const);
    if (!checked.ok) throw new PolicyInputError(annotationField(key), showValue(raw), checked.reason);
    set(checked.value);
    overridden.push(key);
  };
  take(
    ANNOTATION.surge,
    (v) => checkIntOrPercent(v, true),
    (v) => (policy.surge = v),
  );
  take(
    ANNOTATION.maxUnavailable,
    (v) => checkIntOrPercent(v, true, 100),
    (v) => (policy.maxUnavailable = v),
  );
  take(
    ANNOTATION.timeout,
    (v) => checkSeconds(v, 1, true),
    (v) => (policy.timeout = v),
  );
  take(ANNOTATION.readinessProbePath, checkProbePath, (v) => (policy.readinessProbePath = v));
  take(
    ANNOTATION.readinessProbeHeaders,
    (v) => checkHeaderList(v as string),
    (v) => (policy.readinessProbeHeaders = v),
  );
  take(ANNOTATION.topologySpread, checkTopologySpread, (v) => (policy.topologySpread = v));
  take(
    ANNOTATION.disruptionBudget,
    (v) => checkOneOf(v, BUDGET_MODES),
    (v) => (policy.disruptionBudget = v),
  );
  let probePort = NO_PORTS;
  take(
    ANNOTATION.readinessProbePort,
    (v) => parseProbePort(v as string),
    (v) => (probePort = v),
  );
  if (isZeroIntOrPercent(policy.surge) && isZeroIntOrPercent(policy.maxUnavailable)) {
    const key = has(ANNOTATION.maxUnavailable) ? ANNOTATION.maxUnavailable : ANNOTATION.surge;
    throw new PolicyInputError(annotationField(key), showValue(a[key]), 'surge and max-unavailable cannot both be 0 (no rollout could make progress)');
  }
  return { policy, probePort, overridden };
}

/** The field name of an annotation on the Deployment, for messages. */
export function annotationField(key: string): string {
  return fieldName(['metadata', 'annotations', key]);
}

function parseProbePort(text: string): Checked<ProbePortOverride> {
  const byContainer = new Map<string, number | string>();
  if (text.trim() === 'none') return { ok: true, value: { byContainer, none: true } };
  let portless: number | string | undefined;
  const expected = 'expected a port ("8080", "http"), container=port pairs ("app=8080,worker=9090") or "none"';
  for (const item of text.split(',').map((s) => s.trim())) {
    const eq = item.indexOf('=');
    const port = checkPort(eq < 0 ? item : item.slice(eq + 1).trim());
    if (!port.ok) return { ok: false, reason: expected };
    if (eq < 0) {
      if (portless !== undefined) return { ok: false, reason: expected };
      portless = port.value;
      continue;
    }
    const name = item.slice(0, eq).trim();
    if (!name || byContainer.has(name)) return { ok: false, reason: expected };
    byContainer.set(name, port.value);
  }
  return { ok: true, value: portless === undefined ? { byContainer } : { portless, byContainer } };
}

/** True when the Deployment carries the opt-out label. */
export function isOptedOut(labels: unknown): boolean {
  return isObject(labels) && labels[LABEL.rolloutPolicy] === OPT_OUT_VALUE;
}
