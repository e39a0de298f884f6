// The webhook's HTTP(S) application: built here, listened on by the caller (main.ts, tests, bench).
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import {
  ADMISSION_API_VERSION,
  admit,
  admitWarn,
  AdmissionPath,
  AdmissionResult,
  parseReview,
  type AdmitDeps,
  type AdmitOutcome,
  type AdmissionRequest,
} from './admission.js';
import { versionRoute, type BuildInfo } from './build-info.js';
import { readiness, type Health } from './health.js';
import type { WebhookMetrics } from './metrics.js';

export interface ServerOptions extends AdmitDeps {
  logger: FastifyBaseLogger;
  metrics: WebhookMetrics;
  health: Health;
  /** PEM key and certificate; without them the server speaks plain HTTP (in-process tests only). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Largest accepted body in bytes (an UPDATE review carries object and oldObject). */
  bodyLimit: number;
  /** What GET /version answers. */
  build: BuildInfo;
  /** Adds POST /bench/baseline, a fixed allowed answer for benchmarks; off in production. */
  baselineRoute?: boolean;
}

/** Reasons for an HTTP 400 from fastify's own body handling, keyed by its error codes. */
const FRAMEWORK_BAD_INPUT: Record<string, { reason: string; message: (err: FastifyError) => string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { reason: 'content-type', message: () => 'Content-Type must be application/json' },
  FST_ERR_CTP_BODY_TOO_LARGE: { reason: 'too-large', message: (e) => `body is larger than the limit: ${e.message}` },
  FST_ERR_CTP_EMPTY_JSON_BODY: { reason: 'empty', message: () => 'body is empty; expected an AdmissionReview JSON object' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { reason: 'content-length', message: () => 'Content-Length does not match the body' },
};

/** Builds the webhook application: POST /mutate and /warn, GET /healthz, /readyz and /version. Does not listen. */
export function buildServer(opts: ServerOptions): FastifyInstance {
  const { logger, metrics, health } = opts;
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }), // one line per admission, written by the route below
    bodyLimit: opts.bodyLimit,
    onProtoPoisoning: 'ignore', // keys named __proto__ stay plain data: the policy never merges objects
    onConstructorPoisoning: 'ignore',
    ...(opts.tls ? { https: { key: opts.tls.key, cert: opts.tls.cert, minVersion: 'TLSv1.2' as const } } : {}),
  }) as unknown as FastifyInstance;
  // Each connection the API server opens costs a handshake; counted so a bench (or a dashboard)
  // can read how many admissions ride on each one.
  if (opts.tls) {
    app.server.on('secureConnection', (socket: TLSSocket) => {
      metrics.tlsConnections.inc({ resumed: String(socket.isSessionReused()) });
    });
  }

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err, url: request.url }, 'unexpected server error');
      metrics.errors.inc({ type: 'internal' });
      return reply.code(500).send({ error: 'Internal Server Error', message: 'internal error; see the webhook log' });
    }
    const known = err.code ? FRAMEWORK_BAD_INPUT[err.code] : undefined;
    const reason = known?.reason ?? (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'malformed-json' : 'bad-request');
    const message = known ? known.message(err) : reason === 'malformed-json' ? `body is not valid JSON: ${err.message}` : err.message;
    return badRequest({ log: request.log, metrics, reply, url: request.url }, reason, message);
  });

  for (const [path, decide] of [
    [AdmissionPath.mutate, admit],
    [AdmissionPath.warn, admitWarn],
  ] as const) {
    app.post(path, (request, reply) => {
      const started = performance.now();
      // Only at trace level: the whole review, object included (secrets in env values, for one).
      request.log.trace({ review: request.body }, 'admission review body');
      const parsed = parseReview(request.body);
      if (!parsed.ok) return badRequest({ log: request.log, metrics, reply, url: request.url }, parsed.reason, parsed.message);
      const outcome = decide(parsed.request, opts);
      const seconds = (performance.now() - started) / 1000;
      record(metrics, parsed.request, outcome, seconds);
      logAdmission(request.log, parsed.request, outcome, seconds);
      // While draining, ask the API server to reconnect (to a replica that is not going away).
      if (health.draining) reply.header('connection', 'close');
      return reply.send(outcome.review);
    });
  }

  app.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', (_request, reply) => {
    const r = readiness(health);
    return reply.code(r.code).send(r.body);
  });
  versionRoute(app, opts.build);

  if (opts.baselineRoute) {
    // Same body parsing as /mutate, no policy: the yardstick for `make bench`.
    app.post('/bench/baseline', (request, reply) => {
      const req = (request.body as { request?: { uid?: string } } | null)?.request;
      return reply.send({ apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response: { uid: req?.uid ?? '', allowed: true } });
    });
  }
  return app;
}

/** Where a 400 is answered, counted and logged. */
interface Answer {
  log: FastifyBaseLogger;
  metrics: WebhookMetrics;
  reply: { code: (n: number) => { send: (b: unknown) => unknown } };
  url: string;
}

/** A 400 with its reason (a metric label) and message, counted and logged once. */
function badRequest({ log, metrics, reply, url }: Answer, reason: string, message: string): unknown {
  metrics.badRequests.inc({ reason });
  metrics.errors.inc({ type: 'bad-request' });
  log.warn({ reason, url }, `bad request: ${message}`);
  return reply.code(400).send({ error: 'Bad Request', reason, message });
}

function record(metrics: WebhookMetrics, request: AdmissionRequest, outcome: AdmitOutcome, seconds: number): void {
  metrics.admissions.inc({ operation: request.operation, result: outcome.result });
  metrics.duration.observe({ operation: request.operation }, seconds);
  // Warn mode changes nothing: what it would have changed is counted apart.
  const counter = outcome.result === AdmissionResult.WouldMutate ? metrics.shortfalls : metrics.mutations;
  for (const change of outcome.changes) counter.inc({ change });
  if (outcome.error !== undefined) metrics.errors.inc({ type: 'policy' });
}

function logAdmission(log: FastifyBaseLogger, request: AdmissionRequest, outcome: AdmitOutcome, seconds: number): void {
  const line = {
    uid: request.uid,
    namespace: request.namespace,
    name: request.name ?? (request.object?.metadata as { name?: string } | undefined)?.name,
    kind: `${request.kind.group ? `${request.kind.group}/` : ''}${request.kind.version}/${request.kind.kind}`,
    operation: request.operation,
    dryRun: request.dryRun,
    result: outcome.result,
    changes: outcome.changes,
    allowed: outcome.review.response.allowed,
    ...(outcome.note !== undefined ? { note: outcome.note } : {}),
    durationMs: Math.round(seconds * 1e6) / 1e3,
  };
  if (outcome.error !== undefined) {
    log.error({ ...line, err: outcome.error }, 'admission: policy error');
  } else {
    log.info(line, 'admission');
  }
}
