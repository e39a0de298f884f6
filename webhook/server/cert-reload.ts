// Keeping the serving certificate fresh while serving: in self-signed mode a timer runs the leader
// loop's rounds, otherwise the certificate files are watched (and polled). A new pair is swapped
// into the running server for new connections; open ones finish on the old pair.
import type { Server } from 'node:https';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { CertSync } from './cert-sync.js';
import type { WebhookMetrics } from './metrics.js';
import { watchPairFiles, type ServingPair } from './tls.js';

export interface ReloadOptions {
  app: FastifyInstance;
  metrics: WebhookMetrics;
  logger: FastifyBaseLogger;
  /** The pair being served now. */
  pair: ServingPair;
  /** Self-signed mode: the leader loop, run every `syncSeconds`. */
  sync?: CertSync;
  syncSeconds: number;
  /** Otherwise: the files, re-read on change and every `pollSeconds`. */
  files?: { cert: string; key: string; pollSeconds: number };
}

/** Starts the reloads; the returned function stops them. */
export function startCertReloads(o: ReloadOptions): () => void {
  const install = (next: ServingPair): void => {
    (o.app.server as unknown as Server).setSecureContext({ key: next.key, cert: next.cert, minVersion: 'TLSv1.2' });
    o.metrics.certNotAfter.set(next.notAfter.getTime() / 1000);
    o.metrics.certReloads.inc({ result: 'ok' });
    o.logger.info({ notAfter: next.notAfter, fingerprint: next.fingerprint }, 'serving certificate reloaded');
  };
  if (o.sync) {
    const sync = o.sync;
    const timer = setInterval(() => {
      sync
        .sync()
        .then((next) => {
          if (next) install(next);
        })
        .catch((err: unknown) => {
          o.metrics.errors.inc({ type: 'cert-sync' });
          o.logger.error({ err }, 'self-signed: certificate sync failed (will retry)');
        });
    }, o.syncSeconds * 1000);
    timer.unref();
    return () => {
      clearInterval(timer);
    };
  }
  if (!o.files) return () => undefined;
  const watcher = watchPairFiles({
    certPath: o.files.cert,
    keyPath: o.files.key,
    current: o.pair,
    pollMs: o.files.pollSeconds * 1000,
    onPair: install,
    onError: (err) => {
      o.metrics.certReloads.inc({ result: 'error' });
      o.metrics.errors.inc({ type: 'tls-reload' });
      o.logger.warn({ err: (err as Error).message }, 'serving certificate not reloaded; keeping the current one');
    },
  });
  return () => {
    watcher.close();
  };
}
