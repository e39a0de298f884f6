// The paas.io names both binaries read or write, declared once: the webhook stamps and reads them
// through the engine (core/policy/), the plugin reads them back (rollout status, history, logs,
// diagnose, audit) and writes the one record of --undo-on-failure. And where the installers put
// the webhook, which the plugin's audit and version read.

/** Labels. */
export const LABEL = {
  /** On the pod template: the UUID of the rollout that created the pod. */
  deployId: 'paas.io/deploy-id',
  /** On the Deployment, or on its namespace: `disabled` opts it out of the policy. */
  rolloutPolicy: 'paas.io/rollout-policy',
  /** On a namespace: `enforce` or `warn` picks the webhook's mode there (with paas.toml's
   * namespaces = "opt-in", only the namespaces labelled so take part). */
  mode: 'paas.io/mode',
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
  /** `off`, or the node label to spread the pods across (paas.toml's topology_spread). */
  topologySpread: 'paas.io/topology-spread',
  /** `off`: the webhook keeps no PodDisruptionBudget for this Deployment (paas.toml's disruption_budget). */
  disruptionBudget: 'paas.io/disruption-budget',
} as const;

/**
 * The annotation `rollout status --undo-on-failure` adds to the Deployment: which revision failed
 * and why (JSON). The controller copies the Deployment's annotations onto the ReplicaSet it
 * brings back, so the revision after the failed one keeps the record (`rollout history` reads it).
 */
export const ROLLED_BACK_ANNOTATION = 'paas.io/rolled-back-from';

/**
 * Where manifests/ (kubectl apply -k) and the Helm chart (with its default names, as the README
 * installs it) put the webhook: `kubectl paas audit` reads its paas.toml there, `kubectl paas
 * version` its Deployment and its GET /version (through the API server's service proxy).
 */
export const WEBHOOK_INSTALL = {
  namespace: 'paas-system',
  deployment: 'paas-webhook',
  /** The webhook's container in the Deployment's pod template. */
  container: 'webhook',
  configMap: 'paas-webhook-config',
  /** The ConfigMap's key holding paas.toml. */
  configKey: 'paas.toml',
  service: 'paas-webhook',
  /** The Service's plain-HTTP port (GET /metrics, /healthz, /version). */
  metricsPort: 'metrics',
} as const;
