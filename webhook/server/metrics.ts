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
}

/** Registers the webhook's metrics on `registry` (a fresh one by default). */
export function createMetrics(registry: Registry = new Registry()): WebhookMetrics {
  return {
    registry,
    admissions: new Counter({
      name: 'paas_webhook_admissions_total',
      help: 'Admission reviews answered, by operation and result (mutated, unchanged, skipped, ignored, rejected, error-denied, error-allowed).',
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
    errors: new Counter({
      name: 'paas_webhook_errors_total',
      help: 'Errors: policy (the engine threw), bad-request (an unusable body), tls-reload, cert-sync.',
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
  };
}
