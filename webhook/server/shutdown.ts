// The end of `paas-webhook serve`: on the first SIGTERM or SIGINT, give up the certificate Lease
// (self-signed mode) beside the drain, keep serving while endpoints catch up, then close; a second
// signal exits at once.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { drain } from './drain.js';
import type { Health } from './health.js';

/** The process the webhook runs in, as shutdown needs it: signals in, an exit out. */
export interface ProcessSignals {
  onSignal(handler: (signal: NodeJS.Signals) => void): void;
  exit(code: number): void;
}

export interface ShutdownOptions {
  health: Health;
  drainSeconds: number;
  /** The Lease this replica may hold (the certificate loop's, or arming's election): released at once. */
  lease?: { release(): Promise<unknown> };
  /** Stops the certificate reloads and arming (first, so no round runs while the Lease is released). */
  stopReloads: () => void;
  /** Closes the API connection and both listeners, after in-flight requests. */
  close: () => Promise<void>;
  logger: FastifyBaseLogger;
}

/** At most this long does shutdown wait for the Lease release. */
const LEASE_RELEASE_TIMEOUT_MS = 3000;

/** Resolves once the webhook has drained and closed after the first signal. */
export function untilStopped(signals: ProcessSignals, o: ShutdownOptions): Promise<void> {
  return new Promise<void>((resolve) => {
    let draining = false;
    signals.onSignal((signal) => {
      if (draining) {
        o.logger.warn({ signal }, 'second signal: exiting now');
        signals.exit(1);
        return;
      }
      draining = true;
      // Give up the Lease now, beside the drain: the other replica can rotate at once.
      const released = o.lease ? releaseWithin(o.lease, LEASE_RELEASE_TIMEOUT_MS, o.logger) : Promise.resolve();
      drain({
        health: o.health,
        seconds: o.drainSeconds,
        sleep: (ms) => sleep(ms),
        close: async () => {
          o.stopReloads();
          await released;
          await o.close();
        },
        log: (msg) => {
          o.logger.info({ signal }, msg);
        },
      }).then(resolve, (err: unknown) => {
        o.logger.error({ err }, 'error while closing');
        resolve();
      });
    });
  });
}

/** `lease.release()` bounded by `ms`; never throws, never holds the shutdown longer. */
async function releaseWithin(lease: { release(): Promise<unknown> }, ms: number, logger: FastifyBaseLogger): Promise<void> {
  const timeout = new AbortController();
  const outcome = await Promise.race([lease.release(), sleep(ms, 'timeout' as const, { signal: timeout.signal, ref: false }).catch(() => 'timeout' as const)]);
  timeout.abort();
  if (outcome === 'timeout') logger.warn({ timeoutMs: ms }, 'self-signed: Lease release timed out; another replica takes over when it expires');
}
