import { describe, expect, it } from 'vitest';
import { HttpError, type Rest, type WatchEvent } from '../../../plugin/kube/rest.js';
import { listAndWatch, type MirrorOptions } from '../../../plugin/kube/watch.js';

type Obj = { metadata: { name: string; uid: string; resourceVersion: string } };
const obj = (name: string, rv: string): Obj => ({ metadata: { name, uid: `uid-${name}`, resourceVersion: rv } });

/** A scripted gateway: each list/watch call takes the next step; records the query it got. */
function scripted(steps: { lists: { rv: string; items: Obj[]; continue?: string }[]; watches: ((emit: (e: WatchEvent<Obj>) => void) => void | Error)[] }) {
  const calls: { kind: 'list' | 'watch'; query: Record<string, string | undefined> }[] = [];
  const rest: Rest = {
    async get<T>(_path: string, query: Record<string, string | undefined> = {}) {
      calls.push({ kind: 'list', query });
      const l = steps.lists.shift();
      if (!l) throw new Error('no more lists scripted');
      return { metadata: { resourceVersion: l.rv, ...(l.continue ? { continue: l.continue } : {}) }, items: l.items } as T;
    },
    async watch<T>(_path: string, query: Record<string, string | undefined>, onEvent: (e: WatchEvent<T>) => void, signal: AbortSignal) {
      calls.push({ kind: 'watch', query });
      const w = steps.watches.shift();
      if (!w) {
        // Nothing more scripted: hold the stream open until the test aborts.
        await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
        return;
      }
      const err = w((e) => onEvent(e as WatchEvent<T>));
      if (err) throw err;
    },
    stream: () => Promise.reject(new Error('a list copy reads no log')),
    patch: () => Promise.reject(new Error('a list copy never writes')),
    getText: () => Promise.reject(new Error('a list copy never reads text')),
    close() {},
  };
  return { rest, calls };
}

/** Lets the watch loop run until `until` holds (or 200 timer turns pass). */
async function settle(until: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !until(); i++) await new Promise((r) => setTimeout(r, 1));
}

/** Watches until `until` holds, then stops the watch; a reported error fails the test. */
async function watchUntil(lw: { watch: (o: MirrorOptions) => Promise<void> }, until: () => boolean): Promise<void> {
  const ctrl = new AbortController();
  void lw.watch({
    signal: ctrl.signal,
    onChange: () => {},
    onError: (e) => {
      throw e;
    },
  });
  await settle(until);
  ctrl.abort();
}

describe('listAndWatch', () => {
  it('resumes from the last resourceVersion when the server closes the stream', async () => {
    const { rest, calls } = scripted({
      lists: [{ rv: '10', items: [obj('a', '9')] }],
      watches: [(emit) => emit({ type: 'MODIFIED', object: obj('a', '12') }), (emit) => emit({ type: 'BOOKMARK', object: obj('', '15') })],
    });
    const lw = await listAndWatch<Obj>(rest, { path: '/x' });
    const ctrl = new AbortController();
    let changes = 0;
    void lw.watch({
      signal: ctrl.signal,
      onChange: () => changes++,
      onError: (e) => {
        throw e;
      },
    });
    await settle(() => calls.filter((c) => c.kind === 'watch').length >= 3);
    ctrl.abort();
    expect(calls.filter((c) => c.kind === 'watch').map((c) => c.query.resourceVersion)).toEqual(['10', '12', '15']);
    expect(calls.every((c) => c.kind === 'list' || c.query.allowWatchBookmarks === 'true')).toBe(true);
    expect(lw.mirror.items()).toEqual([obj('a', '12')]);
    expect(changes).toBe(1);
  });

  it('reads every page of the list, then watches from the resourceVersion of the list', async () => {
    const { rest, calls } = scripted({
      lists: [
        { rv: '10', items: [obj('a', '9')], continue: 'page-2' },
        { rv: '10', items: [obj('b', '8')] },
      ],
      watches: [],
    });
    const lw = await listAndWatch<Obj>(rest, { path: '/x', labelSelector: 'app=web' });
    expect(lw.mirror.items().map((o) => o.metadata.name)).toEqual(['a', 'b']);
    await watchUntil(lw, () => calls.some((c) => c.kind === 'watch'));
    expect(calls.map((c) => [c.kind, c.query.limit, c.query.continue, c.query.resourceVersion, c.query.labelSelector])).toEqual([
      ['list', '500', undefined, undefined, 'app=web'],
      ['list', '500', 'page-2', undefined, 'app=web'],
      ['watch', undefined, undefined, '10', 'app=web'],
    ]);
  });

  it('re-lists on 410 Gone (as an ERROR event or an HTTP answer) and keeps watching from the new list', async () => {
    const { rest, calls } = scripted({
      lists: [
        { rv: '10', items: [obj('a', '9'), obj('b', '9')] },
        { rv: '50', items: [obj('b', '40')] },
        { rv: '60', items: [obj('c', '55')] },
      ],
      watches: [
        (emit) => emit({ type: 'ERROR', object: { code: 410, message: 'too old resource version' } as never }),
        () => new HttpError(410, '{"message":"Gone"}', '/x'),
      ],
    });
    const lw = await listAndWatch<Obj>(rest, { path: '/x', labelSelector: 'app=web' });
    await watchUntil(lw, () => calls.filter((c) => c.kind === 'watch').length >= 3);
    expect(calls.map((c) => `${c.kind}:${c.query.resourceVersion ?? ''}`)).toEqual(['list:', 'watch:10', 'list:', 'watch:50', 'list:', 'watch:60']);
    expect(calls.every((c) => c.query.labelSelector === 'app=web')).toBe(true);
    expect(lw.mirror.items().map((o) => o.metadata.name)).toEqual(['c']);
  });

  it('applies ADDED, MODIFIED and DELETED to its copy', async () => {
    const { rest, calls } = scripted({
      lists: [{ rv: '1', items: [obj('a', '1')] }],
      watches: [
        (emit) => {
          emit({ type: 'ADDED', object: obj('b', '2') });
          emit({ type: 'MODIFIED', object: obj('a', '3') });
          emit({ type: 'DELETED', object: obj('b', '4') });
        },
      ],
    });
    const lw = await listAndWatch<Obj>(rest, { path: '/x' });
    await watchUntil(lw, () => calls.filter((c) => c.kind === 'watch').length >= 2);
    expect(lw.mirror.items()).toEqual([obj('a', '3')]);
  });

  it('retries a dropped connection with back-off, then reports the error once it has failed too long', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
    const { rest, calls } = scripted({ lists: [{ rv: '1', items: [] }], watches: Array.from({ length: 50 }, () => () => refused) });
    const lw = await listAndWatch<Obj>(rest, { path: '/x' });
    const sleeps: number[] = [];
    let clock = 0;
    const errors: unknown[] = [];
    await lw.watch({
      signal: new AbortController().signal,
      onChange: () => {},
      onError: (e) => errors.push(e),
      giveUpMs: 5000,
      now: () => clock,
      sleep: (ms) => {
        sleeps.push(ms);
        clock += ms;
        return Promise.resolve();
      },
    });
    expect(errors).toEqual([refused]);
    expect(sleeps.slice(0, 6)).toEqual([100, 200, 400, 800, 1600, 2000]);
    expect(calls.filter((c) => c.kind === 'watch').every((c) => c.query.resourceVersion === '1')).toBe(true);
  });

  it('stops at once on 403: retrying will not grant the permission', async () => {
    const { rest } = scripted({ lists: [{ rv: '1', items: [] }], watches: [() => new HttpError(403, '{"message":"forbidden"}', '/x')] });
    const lw = await listAndWatch<Obj>(rest, { path: '/x' });
    const errors: unknown[] = [];
    await lw.watch({ signal: new AbortController().signal, onChange: () => {}, onError: (e) => errors.push(e) });
    expect((errors[0] as HttpError).status).toBe(403);
  });
});
