// `kubectl paas rollout status` end to end in-process: main() with its dependencies injected, and a
// cluster that replays a rollout captured from a real control plane (list, then watch events
// object by object). What it prints is held to what kubectl's own `rollout status` said about the
// same objects (each snapshot's `kubectl`, captured beside it).
import { describe, expect, it } from 'vitest';
import { main } from '../../../plugin/cli.js';
import type { CliDeps } from '../../../plugin/deps.js';
import { describeError, type Kube, type Rest, type WatchEvent } from '../../../plugin/kube/rest.js';
import { cliRun } from '../plugin/cli-harness.js';
import { snapshots, type Snapshot } from './fixtures.js';

type Kind = 'deployments' | 'replicasets' | 'pods';
type Obj = { metadata?: { uid?: string; name?: string } };

const kindOf = (path: string): Kind => (path.endsWith('/deployments') ? 'deployments' : path.endsWith('/replicasets') ? 'replicasets' : 'pods');
const itemsOf = (s: Snapshot, kind: Kind): Obj[] => (kind === 'deployments' ? [s.deployment] : kind === 'replicasets' ? s.replicaSets : s.pods);

/** A cluster that lists the first snapshot, then, on step(i), sends the watch events that turn snapshot i-1 into snapshot i. */
function replay(snaps: Snapshot[]) {
  const listeners = new Map<Kind, (e: WatchEvent<unknown>) => void>();
  let allWatching!: () => void;
  const watching = new Promise<void>((resolve) => (allWatching = resolve));
  const rest: Rest = {
    get: <T>(path: string, query: Record<string, string | undefined> = {}) => {
      const name = /^metadata\.name=(.*)$/.exec(query.fieldSelector ?? '')?.[1];
      const items = itemsOf(snaps[0]!, kindOf(path)).filter((o) => !name || o.metadata?.name === name);
      return Promise.resolve({ metadata: { resourceVersion: '1' }, items: structuredClone(items) } as T);
    },
    watch: (path, _query, onEvent, signal) => {
      listeners.set(kindOf(path), onEvent as (e: WatchEvent<unknown>) => void);
      if (listeners.size === 3) allWatching();
      return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    },
    stream: () => Promise.reject(new Error('rollout status reads no log')),
    patch: () => Promise.reject(new Error('not asked to roll back')),
    getText: () => Promise.reject(new Error('rollout status never reads text')),
    close: () => undefined,
  };
  const step = (i: number): void => {
    for (const kind of ['deployments', 'replicasets', 'pods'] as const) {
      const before = new Map(itemsOf(snaps[i - 1]!, kind).map((o) => [o.metadata?.uid, o]));
      const after = new Map(itemsOf(snaps[i]!, kind).map((o) => [o.metadata?.uid, o]));
      for (const [uid, o] of after) listeners.get(kind)?.({ type: before.has(uid) ? 'MODIFIED' : 'ADDED', object: structuredClone(o) });
      for (const [uid, o] of before) if (!after.has(uid)) listeners.get(kind)?.({ type: 'DELETED', object: structuredClone(o) });
    }
  };
  return { rest, watching, step };
}

/** The CLI's dependencies against the replayed cluster; `written()` resolves at the next write to stdout. */
function against(cluster: ReturnType<typeof replay>, snaps: Snapshot[]) {
  const r = cliRun({ now: Date.parse(snaps.at(-1)!.now) });
  let out = '';
  let wake: (() => void) | undefined;
  const kube: Kube = {
    namespace: snaps[0]!.deployment.metadata!.namespace!,
    server: 'https://127.0.0.1:6443',
    context: 'replay',
  };
  const deps: CliDeps = {
    ...r.deps,
    out: {
      write: (s: string) => {
        out += s;
        wake?.();
      },
    },
    kube: () => Promise.resolve({ connect: () => Promise.resolve({ kube, rest: cluster.rest }), describeError }),
  };
  const written = () => new Promise<void>((resolve) => (wake = resolve));
  return { deps, out: () => out, err: r.err, written };
}

/** Runs `rollout status` over the whole captured rollout, one change at a time. */
async function follow(argv: string[], snaps: Snapshot[]) {
  const cluster = replay(snaps);
  const cli = against(cluster, snaps);
  const code = main(argv, cli.deps);
  await cluster.watching;
  for (let i = 1; i < snaps.length; i++) {
    const next = cli.written();
    cluster.step(i);
    await next;
  }
  return { code: await code, out: cli.out(), err: cli.err() };
}

const kubectlSaid = (snaps: Snapshot[]) => [...new Set(snaps.map((s) => s.kubectl!))];

describe('rollout status, injected into main(), over a captured rollout', () => {
  const rolling = snapshots('rolling-update');

  it('prints what kubectl rollout status printed, a line per change, and exits 0 once rolled out', async () => {
    const r = await follow(['rollout', 'status', 'web'], rolling);
    expect(r.out.trimEnd().split('\n')).toEqual(kubectlSaid(rolling));
    expect([r.code, r.err]).toEqual([0, '']);
  });

  it('streams one JSON document per change with -o json (NDJSON), the last one Completed', async () => {
    const r = await follow(['rollout', 'status', 'web', '-o', 'json'], rolling);
    const docs = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { message: string; rollout_status: string });
    expect(docs.map((d) => d.message)).toEqual(kubectlSaid(rolling));
    expect(docs.at(-1)!.rollout_status).toBe('Completed');
    expect(r.code).toBe(0);
  });
});
