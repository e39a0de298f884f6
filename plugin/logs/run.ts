// `kubectl paas logs` at run time, the edge: read the Deployment and its ReplicaSets, pick the
// rollout (select.ts), then read each container's log through the API server (the kubelet serves
// it), at most --max-log-requests at once. Without --follow the logs are written stream by
// stream, in pod and container order; with it, lines are written as they come, pods that come
// are picked up (a restarted container is a new stream), pods that go are dropped, and the run
// ends once the rollout has no pod left.
import { apiPath, Resource } from '../../kube-client/paths.js';
import type { Deployment, Pod, ReplicaSet } from '../kube/objects.js';
import { isStatus, type KubeEdge, type Rest } from '../kube/rest.js';
import { selectorString } from '../kube/selector.js';
import { limiter } from '../lib/limit.js';
import { ErrorCode, ExitCode, PaasError, usageError } from '../../core/errors.js';
import { listAndWatch, type Mirror } from '../kube/watch.js';
import { formatLine, logStreams, podsOf, rolloutGone, selectReplicaSets, type Containers, type LogStream, type Selection } from './select.js';

/** The parsed and validated flags of `logs`. */
export interface LogsOptions {
  name: string;
  selection: Selection;
  containers: Containers;
  previous: boolean;
  sinceSeconds?: number;
  /** Lines of each log from its end; undefined: all. */
  tailLines?: number;
  follow: boolean;
  prefix: boolean;
  json: boolean;
  maxRequests: number;
}

/** The edges `logs` runs against. */
export interface LogsDeps extends KubeEdge {
  out: { write(s: string): unknown };
  err: { write(s: string): unknown };
}

/** What reading one rollout's logs needs. */
interface Ctx {
  rest: Rest;
  ns: string;
  o: LogsOptions;
  deps: LogsDeps;
  /** One line for an API error about `what`. */
  describe: (err: unknown, what: string) => string;
}

/** Splits a log's text into whole lines, keeping an unfinished last line for the next chunk. */
class Lines {
  private rest = '';
  constructor(private readonly emit: (line: string) => void) {}
  push(text: string): void {
    const parts = (this.rest + text).split('\n');
    this.rest = parts.pop() ?? '';
    for (const p of parts) this.emit(p);
  }
  flush(): void {
    if (this.rest) this.emit(this.rest);
    this.rest = '';
  }
}

function logQuery(c: Ctx, s: LogStream, first: boolean): Record<string, string | undefined> {
  return {
    container: s.container,
    ...(c.o.follow ? { follow: 'true' } : {}),
    ...(c.o.previous ? { previous: 'true' } : {}),
    // --since and --tail are for the logs there already are; a pod picked up later is read whole.
    ...(first && c.o.sinceSeconds !== undefined ? { sinceSeconds: String(c.o.sinceSeconds) } : {}),
    ...(first && c.o.tailLines !== undefined && c.o.tailLines >= 0 ? { tailLines: String(c.o.tailLines) } : {}),
  };
}

const logPath = (ns: string, pod: string): string => apiPath(Resource.pods, { namespace: ns, name: pod, subresource: 'log' });

/** Runs the command; resolves to the exit code (1 when a log could not be read). */
export async function runLogs(o: LogsOptions, deps: LogsDeps): Promise<number> {
  const { kube, rest } = await deps.connect();
  const ns = kube.namespace;
  const fail = (err: unknown, what: string): never => {
    throw deps.describeError(err, kube, what);
  };
  const controller = new AbortController();
  try {
    const deployment = await rest
      .get<Deployment>(apiPath(Resource.deployments, { namespace: ns, name: o.name }))
      .catch((err: unknown) => fail(err, `deployment "${o.name}"`));
    const labelSelector = selectorString(deployment.spec?.selector);
    const [replicaSets, pods] = await Promise.all([
      listAndWatch<ReplicaSet>(rest, { path: apiPath(Resource.replicaSets, { namespace: ns }), labelSelector }),
      listAndWatch<Pod>(rest, { path: apiPath(Resource.pods, { namespace: ns }), labelSelector }),
    ]).catch((err: unknown) => fail(err, `replicasets and pods of deployment "${o.name}"`));
    const selected = selectReplicaSets(deployment, replicaSets.mirror.items(), o.selection);
    if ('error' in selected) throw new PaasError(ErrorCode.NotFound, selected.error);
    const c: Ctx = { rest, ns, o, deps, describe: (err, what) => deps.describeError(err, kube, what).message };
    const streams = logStreams(podsOf(selected.replicaSets, pods.mirror.items()), o.containers, o.previous);
    if (!o.follow) return await readEach(c, streams);
    if (streams.length > o.maxRequests) {
      throw usageError(
        `you are attempting to follow ${streams.length} log streams, but the most allowed at once is ${o.maxRequests}: use --max-log-requests to raise it`,
        'kubectl paas logs',
      );
    }
    const uids = new Set(selected.replicaSets.map((rs) => rs.metadata?.uid));
    const follower = new Follower(c, () => replicaSets.mirror.items().filter((rs) => uids.has(rs.metadata?.uid)), pods.mirror);
    const ended = follower.run();
    const options = {
      signal: controller.signal,
      onChange: () => {
        follower.update();
      },
      onError: (err: unknown) => {
        follower.stop(err);
      },
    };
    void replicaSets.watch(options);
    void pods.watch(options);
    const error = await ended;
    if (error !== undefined) fail(error, `watch of the pods of deployment "${o.name}"`);
    return follower.failed ? ExitCode.problems : ExitCode.ok;
  } finally {
    controller.abort();
    rest.close();
  }
}

/** One whole log as it will be written, and the error that cut it short. */
async function readOne(c: Ctx, s: LogStream): Promise<{ text: string; error?: string }> {
  let text = '';
  const lines = new Lines((line) => {
    text += formatLine(s, line, c.o);
  });
  try {
    await c.rest.stream(
      logPath(c.ns, s.pod),
      logQuery(c, s, true),
      (t) => {
        lines.push(t);
      },
      new AbortController().signal,
    );
    lines.flush();
    return { text };
  } catch (err) {
    lines.flush();
    return { text, error: c.describe(err, `log of pod/${s.pod}/${s.container}`) };
  }
}

/** Reads every log (at most maxRequests at once) and writes each whole, in order. */
async function readEach(c: Ctx, streams: readonly LogStream[]): Promise<number> {
  const limit = limiter(c.o.maxRequests);
  const reads = streams.map((s) => limit(() => readOne(c, s)));
  let code: number = ExitCode.ok;
  for (const read of reads) {
    const got = await read;
    c.deps.out.write(got.text);
    if (got.error !== undefined) {
      c.deps.err.write(`error: ${got.error}\n`);
      code = ExitCode.problems;
    }
  }
  return code;
}

/** The streams of a followed rollout: opened as containers start, at most maxRequests at once. */
class Follower {
  private readonly open = new Map<string, { stream: LogStream; controller: AbortController }>();
  private readonly seen = new Set<string>();
  private readonly queue: { stream: LogStream; first: boolean }[] = [];
  private first = true;
  private waitingSaid = false;
  private stopped = false;
  private finish!: (error?: unknown) => void;
  /** A log could not be read. */
  failed = false;

  constructor(
    private readonly c: Ctx,
    private readonly selected: () => ReplicaSet[],
    private readonly pods: Mirror<Pod>,
  ) {}

  /** Starts following; resolves when the rollout is gone (undefined) or a watch failed (its error). */
  run(): Promise<unknown> {
    const ended = new Promise<unknown>((resolve) => (this.finish = resolve));
    this.update();
    this.first = false;
    return ended;
  }

  stop(error?: unknown): void {
    this.stopped = true;
    for (const o of this.open.values()) o.controller.abort();
    this.finish(error);
  }

  /** After a change of the pods or ReplicaSets: queue new streams, drop gone pods, maybe end. */
  update(): void {
    if (this.stopped) return;
    const pods = this.pods.items();
    const mine = podsOf(this.selected(), pods);
    for (const s of logStreams(mine, this.c.o.containers, false)) {
      if (this.seen.has(s.key)) continue;
      this.seen.add(s.key);
      this.queue.push({ stream: s, first: this.first });
    }
    const names = new Set(mine.map((p) => p.metadata?.name));
    for (const o of this.open.values()) if (!names.has(o.stream.pod)) o.controller.abort();
    this.pump();
    if (!this.open.size && !this.queue.length && rolloutGone(this.selected(), pods)) this.stop();
  }

  private pump(): void {
    while (this.open.size < this.c.o.maxRequests && this.queue.length) {
      const { stream, first } = this.queue.shift()!;
      this.start(stream, first);
    }
    if (this.queue.length && !this.waitingSaid) {
      this.waitingSaid = true;
      this.c.deps.err.write(`waiting for a free log stream: ${this.open.size} open (--max-log-requests ${this.c.o.maxRequests})\n`);
    }
  }

  private start(s: LogStream, first: boolean): void {
    const controller = new AbortController();
    this.open.set(s.key, { stream: s, controller });
    const lines = new Lines((line) => {
      this.c.deps.out.write(formatLine(s, line, this.c.o));
    });
    const ended = (): void => {
      lines.flush();
      this.open.delete(s.key);
      this.update();
    };
    const onText = (t: string): void => {
      lines.push(t);
    };
    this.c.rest.stream(logPath(this.c.ns, s.pod), logQuery(this.c, s, first), onText, controller.signal).then(ended, (err: unknown) => {
      // A pod deleted before its watch event came is dropped, not an error.
      if (!isStatus(err, 404)) {
        this.failed = true;
        this.c.deps.err.write(`error: ${this.c.describe(err, `log of pod/${s.pod}/${s.container}`)}\n`);
      }
      ended();
    });
  }
}
