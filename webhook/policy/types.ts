// Shared types of the rollout policy engine. The engine is pure: plain JSON in, JSON Patch out.
// Both front doors (the webhook and `kubectl paas policy`) use it.

/** An int or a percentage string such as "25%", as in intstr.IntOrString. */
export type IntOrPercent = number | string;

export type ProbeKind = 'http' | 'tcp' | 'off';
export type PreStopMode = 'auto' | 'sleep' | 'exec';
export type OnError = 'deny' | 'allow';

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
}

/** The `[webhook]` section of paas.toml. */
export interface WebhookSettings {
  onError: OnError; // default "deny"
  maxBodyBytes: number; // default 3 MiB
  drainSeconds: number; // default 5
}

export interface PaasConfig {
  deploy: Policy;
  webhook: WebhookSettings;
}

/** What the engine is told about the cluster; discovered at the edges. */
export interface ClusterFacts {
  /** The API server accepts lifecycle.*.sleep (beta and on by default since 1.30, GA 1.34). */
  nativeSleep: boolean;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };

export type PatchOp =
  | { op: 'add' | 'replace'; path: string; value: JsonValue }
  | { op: 'remove'; path: string };

/** A kind of change, for metrics: one of a small fixed set. */
export type ChangeKind =
  | 'strategy'
  | 'progress-deadline'
  | 'prestop'
  | 'grace-period'
  | 'readiness-probe'
  | 'deploy-id';

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
  warnings: string[]; // one-liners, e.g. "paas: maxUnavailable 25% -> 0"
  changes: ChangeKind[]; // the kinds of change the patch makes (for metrics)
  /** Set when the object is deliberately left alone (opted out, not a Deployment, ...). */
  skipped?: string;
}
