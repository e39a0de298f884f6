// The paas.io names both binaries read or write, declared once: the webhook stamps and reads them
// through the engine (core/policy/), the plugin reads them back (rollout status, history, logs,
// diagnose) and writes the one record of --undo-on-failure.

/** Labels. */
export const LABEL = {
  /** On the pod template: the UUID of the rollout that created the pod. */
  deployId: 'paas.io/deploy-id',
  /** On the Deployment: `disabled` opts it out of the policy. */
  rolloutPolicy: 'paas.io/rollout-policy',
} as const;

/** The value of LABEL.rolloutPolicy that opts a Deployment out. */
export const OPT_OUT_VALUE = 'disabled';

/** Annotations on the Deployment that override the policy for it alone. */
export const ANNOTATION = {
  surge: 'paas.io/surge',
  maxUnavailable: 'paas.io/max-unavailable',
  timeout: 'paas.io/timeout',
  readinessProbePath: 'paas.io/readiness-probe-path',
  readinessProbePort: 'paas.io/readiness-probe-port',
  readinessProbeHeaders: 'paas.io/readiness-probe-headers',
} as const;

/**
 * The annotation `rollout status --undo-on-failure` adds to the Deployment: which revision failed
 * and why (JSON). The controller copies the Deployment's annotations onto the ReplicaSet it
 * brings back, so the revision after the failed one keeps the record (`rollout history` reads it).
 */
export const ROLLED_BACK_ANNOTATION = 'paas.io/rolled-back-from';
