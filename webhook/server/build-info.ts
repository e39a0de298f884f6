// Which paas-webhook runs: the release (core/version.ts, from package.json) and the Node.js under
// it. GET /version answers it on both ports, and paas_webhook_build_info carries it as labels.
import type { FastifyInstance } from 'fastify';

/** What GET /version answers. */
export interface BuildInfo {
  version: string;
  nodeVersion: string;
}

/** Adds GET /version to an app (the TLS port's and the metrics port's). */
export function versionRoute(app: FastifyInstance, build: BuildInfo): void {
  app.get('/version', (_request, reply) => reply.send(build));
}
