// Graceful shutdown: turn unready, keep answering while endpoints and the API server catch up,
// then close. A webhook replica must survive a rolling update without failing one admission.
import type { Health } from './health.js';

export interface DrainDeps {
  health: Health;
  seconds: number;
  /** Waits; injected so tests can hold the drain open. */
  sleep: (ms: number) => Promise<void>;
  /** Stops listening and waits for in-flight requests (fastify's close). */
  close: () => Promise<void>;
  log: (msg: string) => void;
}

/** Runs the drain sequence once: unready → wait `seconds` while still serving → close. */
export async function drain(d: DrainDeps): Promise<void> {
  d.health.draining = true;
  d.log(`draining: /readyz answers 503, admissions still served for ${d.seconds}s`);
  await d.sleep(d.seconds * 1000);
  d.log('drain period over: closing listeners after in-flight requests');
  await d.close();
}
