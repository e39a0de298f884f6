// Shared types of the rollout policy engine. The engine is pure: plain JSON in, a JSON Patch and the
// patched object out. Both front doors (the webhook and `kubectl paas policy`) use it.

/** An int or a percentage string such as "25%", as in intstr.IntOrString. */
export type IntOrPercent = number | string;

/** The kind of readiness probe the policy adds (`readiness_probe`). */
export const ProbeKind = { http: 'http', tcp: 'tcp', off: 'off' } as const;
export type ProbeKind = (typeof ProbeKind)[keyof typeof ProbeKind];

/** How the preStop sleep is written (`prestop_mode`): the native action, exec of sleep, or auto. */
export const PreStopMode = { auto: 'auto', sleep: 'sleep', exec: 'exec' } as const;
export type PreStopMode = (typeof PreStopMode)[keyof typeof PreStopMode];

/** Whether the webhook keeps a PodDisruptionBudget for each Deployment of 2 or more replicas
 * (`disruption_budget`): `auto` does, `off` does not. */
export const BudgetMode = { auto: 'auto', off: 'off' } as const;
export type BudgetMode = (typeof BudgetMode)[keyof typeof BudgetMode];

/** The value of `topology_spread` that adds no topology spread constraint. */
export const SPREAD_OFF = 'off';

/** The `[deploy]` section of paas.toml, after validation (see config.ts). */
export interface Policy {
  surge: IntOrPercent; // rollingUpdate.maxSurge, default 1
  maxUnavailable: IntOrPercent; // rollingUpdate.maxUnavailable, default 0
  timeout: number; // spec.progressDeadlineSeconds, default 600
  readinessProbePath: string; // default "/"
  readinessProbe: ProbeKind; // default "http"
  prestopSleep: number; // seconds, default 5
  prestopMode: PreStopMode; // default "auto"
  terminationGracePeriod: number; // default 30; raised to max(this, prestopSleep + 25)
  /** Headers the added HTTP readiness probe sends, in order (X-Forwarded-Proto: https for an app
   * that redirects plain HTTP to HTTPS); default none. */
  readinessProbeHeaders: readonly ProbeHeader[];
  /** The node label a topology spread constraint spreads the pods across, where the pod template
   * has none of its own, or SPREAD_OFF; default kubernetes.io/hostname. */
  topologySpread: string;
  /** A PodDisruptionBudget per Deployment of 2+ replicas, kept by the webhook; default auto. */
  disruptionBudget: BudgetMode;
}

/** One header of an HTTP probe, as httpGet.httpHeaders holds it. */
export interface ProbeHeader {
  name: string;
  value: string;
}

/** What the engine is told about the cluster; discovered at the edges. */
export interface ClusterFacts {
  /** The API server accepts lifecycle.*.sleep (beta and on by default since 1.30, GA 1.34). */
  nativeSleep: boolean;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };

export type PatchOp = { op: 'add' | 'replace'; path: string; value: JsonValue } | { op: 'remove'; path: string };

/** A kind of change, for metrics: one of a small fixed set. */
export const ChangeKind = {
  strategy: 'strategy',
  progressDeadline: 'progress-deadline',
  prestop: 'prestop',
  gracePeriod: 'grace-period',
  readinessProbe: 'readiness-probe',
  topologySpread: 'topology-spread',
  deployId: 'deploy-id',
} as const;
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

export interface MutateInput {
  object: JsonObject; // the Deployment as the API server will store it (already defaulted)
  oldObject?: JsonObject | null; // UPDATE: the stored Deployment; CREATE: none
  policy: Policy;
  facts: ClusterFacts;
  /** Returns a fresh UUID; the only source of novelty. Not called when stampId is false. */
  newId: () => string;
  /** Stamp the paas.io/deploy-id label (the webhook: true; offline `policy` commands: false). */
  stampId: boolean;
}

export interface MutateResult {
  patch: PatchOp[]; // minimal RFC 6902; empty when nothing changes
  /** The object with the patch applied (the input itself when the patch is empty); shares the
   * parts the patch does not touch with the input, so treat it as read-only. */
  object: JsonObject;
  warnings: string[]; // one-liners, e.g. "paas: maxUnavailable 25% -> 0"
  changes: ChangeKind[]; // the kinds of change the patch makes (for metrics)
  /** Set when the object is deliberately left alone (opted out, not a Deployment, ...). */
  skipped?: string;
}
