// Reading a Deployment's raw JSON: typed access to the fields the policy owns, with a
// PolicyInputError (field and value) when one has the wrong shape, and the API server's defaults
// for fields a manifest leaves unset (the webhook sees them defaulted; offline input may not).
import { PolicyInputError, showValue } from './errors.js';
import { escapeToken, fieldName, isObject } from './json.js';
import type { JsonObject, JsonValue } from './types.js';

/** A Deployment's spec.strategy.type. */
export const StrategyType = { RollingUpdate: 'RollingUpdate', Recreate: 'Recreate' } as const;

/** What the API server fills in when a manifest leaves these unset (apps/v1 defaulting). */
export const API_DEFAULTS = {
  strategyType: StrategyType.RollingUpdate,
  maxSurge: '25%',
  maxUnavailable: '25%',
  progressDeadlineSeconds: 600,
  terminationGracePeriodSeconds: 30,
} as const;

/** A path inside the object, as segments: for messages (fieldName) and patches (pointer). */
export type Segments = readonly (string | number)[];

/** The member `key` of `parent` when it is an object; undefined when absent or null. */
export function optObject(parent: JsonObject, key: string, at: Segments): JsonObject | undefined {
  const v = parent[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new PolicyInputError(fieldName([...at, key]), showValue(v), 'expected an object');
  return v;
}

/** The member `key` of `parent`, which must be an object. */
export function reqObject(parent: JsonObject, key: string, at: Segments): JsonObject {
  const v = optObject(parent, key, at);
  if (!v) throw new PolicyInputError(fieldName([...at, key]), showValue(parent[key]), 'expected an object');
  return v;
}

/** The member `key` of `parent` when it is an array; [] when absent or null. */
export function optArray(parent: JsonObject, key: string, at: Segments): JsonValue[] {
  const v = parent[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new PolicyInputError(fieldName([...at, key]), showValue(v), 'expected a list');
  return v;
}

/** An optional whole number (seconds, counts). */
export function optInt(parent: JsonObject, key: string, at: Segments): number | undefined {
  const v = parent[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new PolicyInputError(fieldName([...at, key]), showValue(v), 'expected a whole number');
  }
  return v;
}

/** An optional string. */
export function optString(parent: JsonObject, key: string, at: Segments): string | undefined {
  const v = parent[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new PolicyInputError(fieldName([...at, key]), showValue(v), 'expected a string');
  return v;
}

/** One container the policy looks at, with where it lives. */
export interface ContainerRef {
  container: JsonObject;
  /** ['spec','template','spec','containers',0] */
  at: Segments;
  /** The JSON Pointer of `at`. */
  ptr: string;
  name: string;
  /** A native sidecar: an initContainer with restartPolicy Always. */
  sidecar: boolean;
}

/** Regular containers, then native sidecars (ordinary init containers are not listed). */
export function podContainers(podSpec: JsonObject, at: Segments): ContainerRef[] {
  const out: ContainerRef[] = [];
  const atPtr = pointer(at);
  const collect = (key: 'containers' | 'initContainers') => {
    optArray(podSpec, key, at).forEach((c, i) => {
      const cAt = [...at, key, i];
      if (!isObject(c)) throw new PolicyInputError(fieldName(cAt), showValue(c), 'expected a container object');
      const sidecar = key === 'initContainers';
      if (sidecar && c.restartPolicy !== 'Always') return;
      out.push({ container: c, at: cAt, ptr: `${atPtr}/${key}/${i}`, name: typeof c.name === 'string' ? c.name : `#${i}`, sidecar });
    });
  };
  collect('containers');
  collect('initContainers');
  return out;
}

/** A declared container port that is usable by a probe. */
export interface PortInfo {
  containerPort: number;
  name?: string;
  protocol: string;
  hostPort?: number;
}

/** The container's declared ports; entries without a valid number are left out. */
export function containerPorts(c: ContainerRef): PortInfo[] {
  const out: PortInfo[] = [];
  for (const p of optArray(c.container, 'ports', c.at)) {
    if (!isObject(p) || typeof p.containerPort !== 'number') continue;
    const info: PortInfo = { containerPort: p.containerPort, protocol: typeof p.protocol === 'string' ? p.protocol : 'TCP' };
    if (typeof p.name === 'string' && p.name) info.name = p.name;
    if (typeof p.hostPort === 'number' && p.hostPort > 0) info.hostPort = p.hostPort;
    out.push(info);
  }
  return out;
}

/** The pointer of a path given as segments. */
export function pointer(at: Segments): string {
  let out = '';
  for (const s of at) out += '/' + (typeof s === 'number' ? String(s) : escapeToken(s));
  return out;
}

/** How a knob's value reads in warnings: 25%, 1, unset. */
export function show(v: JsonValue | undefined): string {
  if (v === undefined) return 'unset';
  // A string of digits is quoted, so "1" -> 1 does not read as a no-op.
  return typeof v === 'string' && !/^[0-9]+$/.test(v) ? v : JSON.stringify(v);
}
