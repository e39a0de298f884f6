// Builders of small Deployments for the policy's table-driven tests, and a runner with fixed ids.
import { DEFAULT_POLICY, mutateDeployment, type JsonObject, type JsonValue, type MutateResult, type Policy } from '../../../core/policy/index.js';

/** A compliant-by-default-API apps/v1 Deployment with one container; `over` is merged into it. */
export function deployment(over: { spec?: object; metadata?: object; podSpec?: object; containers?: object[] } = {}): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', ...over.metadata },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: over.containers ?? [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }],
          ...over.podSpec,
        },
      },
      ...over.spec,
    },
  } as JsonObject;
}

/** The policy with some knobs changed. */
export function policy(over: Partial<Policy> = {}): Policy {
  return { ...DEFAULT_POLICY, ...over };
}

/** mutateDeployment with ids id-1, id-2, ... and native sleep unless told otherwise. */
export function mutate(object: JsonObject, opts: { old?: JsonObject | null; policy?: Policy; nativeSleep?: boolean; stampId?: boolean } = {}): MutateResult {
  let n = 0;
  return mutateDeployment({
    object,
    oldObject: opts.old ?? null,
    policy: opts.policy ?? policy(),
    facts: { nativeSleep: opts.nativeSleep ?? true },
    newId: () => `id-${++n}`,
    stampId: opts.stampId ?? false,
  });
}

/** Every leaf (scalar, empty object, empty array) of a JSON value, with its JSON Pointer. */
export function leaves(v: JsonValue, path = ''): [string, JsonValue][] {
  if (Array.isArray(v)) return v.length === 0 ? [[path, v]] : v.flatMap((x, i) => leaves(x, `${path}/${i}`));
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 0) return [[path, v]];
    return keys.flatMap((k) => leaves(v[k] as JsonValue, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  }
  return [[path, v]];
}
