// Prometheus metrics of the webhook, on a registry the caller owns (no global default registry).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The webhook's metrics; `createMetrics` registers them on the given registry. */
export interface WebhookMetrics {
  registry: Registry;
  admissions: Counter<'operation' | 'result'>;
  duration: Histogram<'operation'>;
  mutations: Counter<'change'>;
  errors: Counter<'type'>;
  badRequests: Counter<'reason'>;
  certNotAfter: Gauge<never>;
  certReloads: Counter<'result'>;
  /** 1, labelled with the running release: `kubectl paas version` and dashboards read it. */
  buildInfo: Gauge<'version' | 'node_version'>;
  /** Warn mode: changes the policy would have made, by kind. */
  shortfalls: Counter<'change'>;
  /** 1 while this replica, as the leader, last saw its policy entries registered (armed). */
  armed: Gauge<never>;
  /** Self-checks (server-side dry runs of the probe Deployment), by result. */
  selfChecks: Counter<'result'>;
  /** PodDisruptionBudgets the leader wrote, by action (created, updated, deleted). */
  budgets: Counter<'action'>;
  /** Leader only: the PodDisruptionBudgets of ours it last saw. */
  budgetsKept: Gauge<never>;
  /** TLS connections accepted, by whether the client resumed a session (no full handshake). */
  tlsConnections: Counter<'resumed'>;
}

/** Registers the webhook's metrics on `registry` (a fresh one by default). */
export function createMetrics(registry: Registry = new Registry()): WebhookMetrics {
  return { registry, ...admissionMetrics(registry), ...operationMetrics(registry) };
}

/** What the admissions did. */
function admissionMetrics(registry: Registry) {
  return {
    admissions: new Counter({
      name: 'paas_webhook_admissions_total',
      help:
        'Admission reviews answered, by operation and result (mutated, unchanged, skipped, ignored, rejected, error-denied, error-allowed; ' +
        'warn mode: would-mutate, would-reject).',
      labelNames: ['operation', 'result'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'paas_webhook_admission_duration_seconds',
      help: 'Time to decide one admission review, from parsed body to response object.',
      labelNames: ['operation'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    mutations: new Counter({
      name: 'paas_webhook_mutations_total',
      help: 'Changes made to Deployments, by kind of change.',
      labelNames: ['change'],
      registers: [registry],
    }),
    tlsConnections: new Counter({
      name: 'paas_webhook_tls_connections_total',
      help:
        'TLS connections accepted, by whether the client resumed an earlier session (resumed="true": no full handshake). ' +
        'Against paas_webhook_admissions_total: how many admissions the API server sends on each connection it keeps.',
      labelNames: ['resumed'],
      registers: [registry],
    }),
    shortfalls: new Counter({
      name: 'paas_webhook_shortfalls_total',
      help: 'Warn mode: changes the policy would have made to Deployments that fall short of it, by kind of change.',
      labelNames: ['change'],
      registers: [registry],
    }),
  };
}

/** How the process itself fares: errors, certificates, the release, arming. */
function operationMetrics(registry: Registry) {
  return {
    errors: new Counter({
      name: 'paas_webhook_errors_total',
      help: 'Errors: policy (the engine threw), bad-request (an unusable body), tls-reload, cert-sync, arming, disruption-budget.',
      labelNames: ['type'],
      registers: [registry],
    }),
    badRequests: new Counter({
      name: 'paas_webhook_bad_requests_total',
      help: 'Requests answered with HTTP 400, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    certNotAfter: new Gauge({
      name: 'paas_webhook_certificate_not_after_seconds',
      help: 'Expiry of the serving certificate in use, as a Unix timestamp.',
      registers: [registry],
    }),
    certReloads: new Counter({
      name: 'paas_webhook_certificate_reloads_total',
      help: 'Serving certificate reloads, by result (ok, error).',
      labelNames: ['result'],
      registers: [registry],
    }),
    buildInfo: new Gauge({
      name: 'paas_webhook_build_info',
      help: 'Always 1; the labels say which release of paas-webhook runs, on which Node.js.',
      labelNames: ['version', 'node_version'],
      registers: [registry],
    }),
    armed: new Gauge({
      name: 'paas_webhook_armed',
      help: 'Leader only: 1 when its last look found the policy entries registered in the MutatingWebhookConfiguration, else 0.',
      registers: [registry],
    }),
    selfChecks: new Counter({
      name: 'paas_webhook_self_checks_total',
      help: 'Self-checks before arming (a server-side dry run of the probe Deployment), by result (passed, failed).',
      labelNames: ['result'],
      registers: [registry],
    }),
    budgets: new Counter({
      name: 'paas_webhook_disruption_budgets_total',
      help: 'PodDisruptionBudgets the leader wrote beside Deployments, by action (created, updated, deleted).',
      labelNames: ['action'],
      registers: [registry],
    }),
    budgetsKept: new Gauge({
      name: 'paas_webhook_disruption_budgets',
      help: 'Leader only: the PodDisruptionBudgets of its own (labelled and owned by a Deployment) it last saw; 0 on the others.',
      registers: [registry],
    }),
  };
}
