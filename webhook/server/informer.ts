// List, then watch from the list's resourceVersion, for as long as the caller wants: the edge that
// keeps the budget reconciler's cache (budget-cache.ts) current. A watch the API server ends (its
// timeoutSeconds) resumes from the last resourceVersion seen; one it refuses as too old (410 Gone,
// as an answer or an ERROR event) or that fails starts over with a list, after a pause that
// doubles from 1 s up to 30 s. Every request is the KubeClient's, bounded there (connecting, the
// first byte, a watch's silence); the pauses end at once when the caller aborts.
import type { JsonObject } from '../../core/policy/index.js';
import type { WatchEvent } from '../../kube-client/client.js';
import type { EventType } from './budget-cache.js';

/** The two reads an informer makes; kubeBudgetGateway implements them, tests fake them. */
export interface ListWatch {
  /** Every item of a collection (every page) and the resourceVersion the list was read at. */
  list(path: string): Promise<{ items: JsonObject[]; resourceVersion: string }>;
  /** Watches from `resourceVersion` until the server ends the stream (resolves) or it fails
   * (rejects); aborting `signal` ends it quietly. */
  watch(path: string, resourceVersion: string, onEvent: (e: WatchEvent<JsonObject>) => void, signal: AbortSignal): Promise<void>;
}

/** What the informer tells its owner. */
export interface InformerHandlers {
  /** A fresh list: every object of the collection now. */
  onList(items: JsonObject[]): void;
  onEvent(type: EventType, object: JsonObject): void;
  /** A list or watch failed (`attempt` in a row); the informer lists again after a pause. */
  onError(err: unknown, attempt: number): void;
}

/** Waits `ms`, or less when `signal` aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((done) => {
    if (signal.aborted) {
      done();
      return;
    }
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        done();
      },
      { once: true },
    );
  });

/** The pause before list number `attempt` + 1 after failures: 1, 2, 4, 8, 16, then 30 s. */
export function relistPauseMs(attempt: number): number {
  return Math.min(2 ** Math.max(0, attempt - 1), 30) * 1000;
}

/** The watch said its resourceVersion is gone (or another failure as an ERROR event). */
export class WatchExpired extends Error {
  constructor(readonly status: JsonObject) {
    super(`watch ended by the API server: ${typeof status.message === 'string' ? status.message : JSON.stringify(status)}`);
    this.name = 'WatchExpired';
  }
}

/** Read afresh each time: an abort happens while awaiting, which type narrowing cannot see. */
const aborted = (signal: AbortSignal): boolean => signal.aborted;

const rvOf = (o: JsonObject): string | undefined => {
  const m = o.metadata;
  return typeof m === 'object' && m !== null && !Array.isArray(m) && typeof m.resourceVersion === 'string' ? m.resourceVersion : undefined;
};

/** One list and the watches that follow it, until a watch is refused or fails. */
async function listThenWatch(lw: ListWatch, path: string, h: InformerHandlers, signal: AbortSignal, listed: () => void): Promise<void> {
  const list = await lw.list(path);
  if (aborted(signal)) return;
  h.onList(list.items);
  listed();
  let rv = list.resourceVersion;
  while (!aborted(signal)) {
    const ended: { by?: WatchExpired } = {};
    await lw.watch(
      path,
      rv,
      (e) => {
        if (ended.by) return;
        if (e.type === 'ERROR') {
          ended.by = new WatchExpired(e.object);
          return;
        }
        rv = rvOf(e.object) ?? rv;
        if (e.type !== 'BOOKMARK') h.onEvent(e.type, e.object);
      },
      signal,
    );
    if (ended.by) throw ended.by;
  }
}

/** Keeps one collection listed and watched until `signal` aborts; never rejects. */
export async function runInformer(lw: ListWatch, path: string, h: InformerHandlers, signal: AbortSignal, sleep: Sleep = realSleep): Promise<void> {
  let attempt = 0;
  while (!aborted(signal)) {
    try {
      await listThenWatch(lw, path, h, signal, () => (attempt = 0));
    } catch (err) {
      if (aborted(signal)) return;
      attempt++;
      h.onError(err, attempt);
      await sleep(relistPauseMs(attempt), signal);
    }
  }
}
