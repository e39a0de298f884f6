// The watch layer: keeps an up-to-date copy of a list of objects with a Kubernetes list+watch,
// resuming from the last resourceVersion when the connection drops and re-listing on 410 Gone.
// It only feeds objects; the rollout decisions stay in status.ts.
import { HttpError, WatchEventType, type Rest, type WatchEvent } from '../kube/rest.js';

interface Listed<T> {
  metadata?: { resourceVersion?: string };
  items?: T[];
}

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
  return err instanceof HttpError && err.code === 410;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

/** Lists once (throws on failure: the caller reports it); the returned function starts watching. */
export async function listAndWatch<T extends Meta>(
  rest: Rest,
  spec: ListSpec,
): Promise<{ mirror: Mirror<T>; watch: (opts: MirrorOptions) => Promise<void> }> {
  const items = new Map<string, T>();
  let rv = '';
  const query = { labelSelector: spec.labelSelector, fieldSelector: spec.fieldSelector };

  async function relist(): Promise<void> {
    const list = await rest.get<Listed<T>>(spec.path, query);
    items.clear();
    for (const o of list.items ?? []) items.set(keyOf(o), o);
    rv = list.metadata?.resourceVersion ?? '';
  }
  await relist();

  function apply(e: WatchEvent<T>): void {
    if (e.type === WatchEventType.Error) {
      const status = e.object as { code?: number; message?: string };
      throw new HttpError(status.code ?? 500, JSON.stringify(status), spec.path);
    }
    const o = e.object;
    if (o.metadata?.resourceVersion) rv = o.metadata.resourceVersion;
    if (e.type === WatchEventType.Bookmark) return;
    if (e.type === WatchEventType.Deleted) items.delete(keyOf(o));
    else items.set(keyOf(o), o);
  }

  async function watch(opts: MirrorOptions): Promise<void> {
    const sleep = opts.sleep ?? defaultSleep;
    const now = opts.now ?? Date.now;
    const giveUpMs = opts.giveUpMs ?? 30_000;
    let failingSince: number | undefined;
    let backoff = 100;
    while (!opts.signal.aborted) {
      try {
        await rest.watch<T>(
          spec.path,
          { ...query, resourceVersion: rv, allowWatchBookmarks: 'true' },
          (e) => {
            apply(e);
            failingSince = undefined;
            backoff = 100;
            if (e.type !== WatchEventType.Bookmark) opts.onChange();
          },
          opts.signal,
        );
        // The server closes watches after a while: resume from the last resourceVersion.
      } catch (err) {
        if (opts.signal.aborted) return;
        if (gone(err)) {
          // Our resourceVersion is too old to resume from: read the list afresh.
          try {
            await relist();
            opts.onChange();
            continue;
          } catch (listErr) {
            err = listErr;
          }
        }
        if (err instanceof HttpError && (err.code === 401 || err.code === 403 || err.code === 404)) {
          opts.onError(err);
          return;
        }
        failingSince ??= now();
        if (now() - failingSince > giveUpMs) {
          opts.onError(err);
          return;
        }
        await sleep(backoff, opts.signal);
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }

  return { mirror: { items: () => [...items.values()] }, watch };
}
