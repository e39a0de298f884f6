// The watch layer: keeps an up-to-date copy of a list of objects with a Kubernetes list+watch
// (every page of the list, then a watch from its resourceVersion), resuming from the last
// resourceVersion when the connection drops and re-listing on 410 Gone, as client-go's
// reflector does. It only feeds objects; rollout status and logs make the decisions.
import { listAll } from './list.js';
import { HttpError, isStatus, WatchEventType, type Rest, type WatchEvent } from './rest.js';

interface Meta {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/** Where a watched list lives and how it is filtered. */
export interface ListSpec {
  /** The collection path, e.g. /apis/apps/v1/namespaces/shop/replicasets. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** A live copy of one list. */
export interface Mirror<T> {
  items(): T[];
}

export interface MirrorOptions {
  signal: AbortSignal;
  /** Called after every change to the copy (an event applied or a re-list). */
  onChange: () => void;
  /** Called when the watch cannot be re-established for `giveUpMs`; the mirror stops. */
  onError: (err: unknown) => void;
  /** How long reconnect attempts may fail in a row before onError (default 30 s). */
  giveUpMs?: number;
  /** The timer (default: a real one that the signal cuts short). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** The clock that times the failures, ms (default: Date.now). */
  now?: () => number;
}

function keyOf(o: Meta): string {
  return o.metadata?.uid ?? `${o.metadata?.namespace}/${o.metadata?.name}`;
}

function gone(err: unknown): boolean {
  return isStatus(err, 410);
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

/** Errors a retry cannot fix: the credentials, the permission or the collection itself. */
const FATAL_STATUS = new Set([401, 403, 404]);

/** Lists once (throws on failure: the caller reports it); the returned function starts watching. */
export async function listAndWatch<T extends Meta>(rest: Rest, spec: ListSpec): Promise<{ mirror: Mirror<T>; watch: (opts: MirrorOptions) => Promise<void> }> {
  const copy = new ListCopy<T>(rest, spec);
  await copy.relist();
  return { mirror: { items: () => copy.items() }, watch: (opts) => copy.watch(opts) };
}

/** The copy of one list and the watch that keeps it. */
class ListCopy<T extends Meta> {
  private readonly byKey = new Map<string, T>();
  private rv = '';
  private readonly query: Record<string, string | undefined>;

  constructor(
    private readonly rest: Rest,
    private readonly spec: ListSpec,
  ) {
    this.query = { labelSelector: spec.labelSelector, fieldSelector: spec.fieldSelector };
  }

  items(): T[] {
    return [...this.byKey.values()];
  }

  async relist(): Promise<void> {
    const list = await listAll<T>(this.rest, this.spec.path, this.query);
    this.byKey.clear();
    for (const o of list.items) this.byKey.set(keyOf(o), o);
    this.rv = list.resourceVersion;
  }

  private apply(e: WatchEvent<T>): void {
    if (e.type === WatchEventType.Error) {
      const status = e.object as { code?: number; message?: string };
      throw new HttpError(status.code ?? 500, JSON.stringify(status), this.spec.path);
    }
    const o = e.object;
    if (o.metadata?.resourceVersion) this.rv = o.metadata.resourceVersion;
    if (e.type === WatchEventType.Bookmark) return;
    if (e.type === WatchEventType.Deleted) this.byKey.delete(keyOf(o));
    else this.byKey.set(keyOf(o), o);
  }

  /** Watches until aborted: resumes where it stopped, re-lists on 410 Gone, backs off on failures. */
  async watch(opts: MirrorOptions): Promise<void> {
    const sleep = opts.sleep ?? defaultSleep;
    const now = opts.now ?? Date.now;
    const giveUpMs = opts.giveUpMs ?? 30_000;
    let failingSince: number | undefined;
    let backoff = 100;
    // A function, not the property: the watch awaits, and the signal may abort meanwhile.
    const aborted = (): boolean => opts.signal.aborted;
    while (!aborted()) {
      try {
        await this.rest.watch<T>(
          this.spec.path,
          { ...this.query, resourceVersion: this.rv, allowWatchBookmarks: 'true' },
          (e) => {
            this.apply(e);
            failingSince = undefined;
            backoff = 100;
            if (e.type !== WatchEventType.Bookmark) opts.onChange();
          },
          opts.signal,
        );
        // The server closes watches after a while: resume from the last resourceVersion.
      } catch (watchErr) {
        if (aborted()) return;
        const err = await this.recover(watchErr);
        if (err === undefined) {
          opts.onChange();
          continue;
        }
        failingSince ??= now();
        if ((err instanceof HttpError && FATAL_STATUS.has(err.status)) || now() - failingSince > giveUpMs) {
          opts.onError(err);
          return;
        }
        await sleep(backoff, opts.signal);
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }

  /** A 410 Gone means our resourceVersion is too old to resume from: read the list afresh.
   * Resolves undefined when that worked, else the error to handle. */
  private async recover(err: unknown): Promise<unknown> {
    if (!gone(err)) return err;
    try {
      await this.relist();
      return undefined;
    } catch (listErr) {
      return listErr;
    }
  }
}
