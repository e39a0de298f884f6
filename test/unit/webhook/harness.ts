// Builds the webhook app for tests with the real policy engine, a log captured line by line and
// a fresh metrics registry.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { DEFAULT_CONFIG } from '../../../core/config.js';
import { checkDeployment, mutateDeployment, PolicyInputError } from '../../../core/policy/index.js';
import { buildServer, type ServerOptions } from '../../../webhook/server/app.js';
import { createHealth } from '../../../webhook/server/health.js';
import { createMetrics } from '../../../webhook/server/metrics.js';

/** A pino logger writing JSON lines into an array. */
export function captureLogger(level = 'info'): { logger: FastifyBaseLogger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

export function testServer(over: Partial<ServerOptions> = {}) {
  const { logger, lines } = captureLogger();
  const metrics = createMetrics();
  const health = createHealth({ certLoaded: true, configValid: true });
  let n = 0;
  const app = buildServer({
    logger,
    metrics,
    health,
    bodyLimit: DEFAULT_CONFIG.webhook.maxBodyBytes,
    build: { version: '9.9.9-test', nodeVersion: 'v0.0.0-test' },
    mutate: mutateDeployment,
    check: checkDeployment,
    policy: DEFAULT_CONFIG.deploy,
    facts: { nativeSleep: true },
    newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    onError: 'deny',
    isInputError: (err) => err instanceof PolicyInputError,
    ...over,
  });
  return { app, lines, metrics, health };
}

/** The value of one metric series, 0 when absent. */
export async function metricValue(metrics: ReturnType<typeof testServer>['metrics'], name: string, labels: Record<string, string>): Promise<number> {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = (m?.values as Array<{ labels: Record<string, string | number>; value: number }> | undefined)?.find((x) =>
    Object.entries(labels).every(([k, val]) => String(x.labels[k]) === val),
  );
  return v?.value ?? 0;
}
