// The plain-HTTP side port: /metrics for Prometheus, /healthz and /readyz for probes that cannot
// speak TLS, and /version.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { versionRoute, type BuildInfo } from './build-info.js';
import { readiness, type Health } from './health.js';

/** Builds the metrics application; the caller listens on --metrics-port. */
export function buildMetricsServer(opts: { registry: Registry; health: Health; logger: FastifyBaseLogger; build: BuildInfo }): FastifyInstance {
  const app = Fastify({ loggerInstance: opts.logger, logController: new LogController({ disableRequestLogging: true }) }) as unknown as FastifyInstance;
  app.get('/metrics', async (_request, reply) => reply.header('content-type', opts.registry.contentType).send(await opts.registry.metrics()));
  app.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', (_request, reply) => {
    const r = readiness(opts.health);
    return reply.code(r.code).send(r.body);
  });
  versionRoute(app, opts.build);
  return app;
}
