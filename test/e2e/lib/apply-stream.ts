// A steady stream of Deployment writes by kubectl, as a busy cluster sees them: `writers`
// concurrent loops, each running `kubectl apply -f -` of its own Deployment (replicas 0, so no
// pod is made) with an annotation that changes every time (an UPDATE the webhook is called for;
// the first apply of each is a CREATE). Every apply is recorded: when it ran, how long it took,
// and the first line kubectl printed on failure. Used by the in-cluster e2e suite and the
// admission latency bench.
import { execFile } from 'node:child_process';

export type ApplyRecord = {
  writer: number;
  seq: number;
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number;
  ok: boolean;
  /** Why kubectl failed (failureMessage). */
  message?: string;
};

export type StreamOptions = {
  kubectl: string;
  kubeconfig: string;
  namespace: string;
  /** Deployment names are `<prefix>-<writer>`. */
  prefix: string;
  writers: number;
  /** Applies per second over all writers; 0 = each writer as fast as kubectl goes. */
  rate: number;
  /** The stream stops by itself after this long, whatever the test does. */
  maxSeconds: number;
  /** Extra kubectl apply flags, e.g. ['--server-side']. */
  applyFlags?: string[];
};

export type StreamSummary = {
  applies: number;
  failed: number;
  durationMs: number;
  /** Applies per second achieved. */
  rate: number;
  /** Failures by message, most frequent first. */
  messages: { message: string; count: number }[];
  records: ApplyRecord[];
};

export type ApplyStream = {
  /** Successful applies so far. */
  ok(): number;
  failed(): ApplyRecord[];
  /** Stops the writers (each finishes its apply in flight) and summarises. */
  stop(): Promise<StreamSummary>;
};

/** The Deployment one writer applies, its annotation set to `seq`. */
export function streamDeployment(name: string, seq: number): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { 'e2e.paas.io/stream': 'true' }, annotations: { 'e2e.paas.io/seq': String(seq) } },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'paas.local/testapp:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
      },
    },
  };
}

/**
 * The reason in kubectl's error: the API server's `Internal error occurred: ...` (a failed patch
 * prints the patch first), else the last line that is not a warning.
 */
export function failureMessage(stderr: string): string {
  const internal = /Internal error occurred: .*/.exec(stderr)?.[0];
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('Warning:'));
  return (internal ?? lines.at(-1) ?? '').slice(0, 400);
}

function applyOnce(o: StreamOptions, name: string, seq: number): Promise<{ ok: boolean; message?: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      o.kubectl,
      ['apply', '-n', o.namespace, '-f', '-', ...(o.applyFlags ?? [])],
      { env: { ...process.env, KUBECONFIG: o.kubeconfig }, timeout: 60_000, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024 },
      (err, _stdout, stderr) => {
        if (err === null) return resolve({ ok: true });
        resolve({ ok: false, message: failureMessage(String(stderr)) || err.message.slice(0, 400) });
      },
    );
    child.stdin?.on('error', () => {});
    child.stdin?.end(JSON.stringify(streamDeployment(name, seq)));
  });
}

/** Starts the writers; they run until stop() or maxSeconds. */
export function startApplyStream(o: StreamOptions): ApplyStream {
  const records: ApplyRecord[] = [];
  const started = Date.now();
  const end = started + o.maxSeconds * 1000;
  let stopped = false;
  const sleeping = new Set<() => void>();
  const interval = o.rate > 0 ? (1000 * o.writers) / o.rate : 0;
  const writer = async (w: number) => {
    const name = `${o.prefix}-${w}`;
    // Writers start spread over one interval, so the applies are evenly spaced.
    let next = started + (interval * w) / o.writers;
    for (let seq = 0; !stopped && Date.now() < end; seq++) {
      const wait = next - Date.now();
      if (wait > 0) {
        await new Promise<void>((r) => {
          const wake = () => {
            clearTimeout(t);
            sleeping.delete(wake);
            r();
          };
          const t = setTimeout(wake, wait);
          sleeping.add(wake);
        });
        if (stopped) break;
      }
      next = Math.max(next + interval, Date.now() - interval); // a slow apply does not cause a burst after it
      const startedAt = Date.now();
      const r = await applyOnce(o, name, seq);
      records.push({ writer: w, seq, startedAt, endedAt: Date.now(), ok: r.ok, ...(r.message !== undefined ? { message: r.message } : {}) });
    }
  };
  const running = Promise.all(Array.from({ length: o.writers }, (_, w) => writer(w)));
  return {
    ok: () => records.filter((r) => r.ok).length,
    failed: () => records.filter((r) => !r.ok),
    async stop() {
      stopped = true;
      for (const wake of [...sleeping]) wake();
      await running;
      return summarise(records, Date.now() - started);
    },
  };
}

/** Counts and groups what a stream recorded. */
export function summarise(records: ApplyRecord[], durationMs: number): StreamSummary {
  const byMessage = new Map<string, number>();
  for (const r of records) if (!r.ok) byMessage.set(r.message ?? '', (byMessage.get(r.message ?? '') ?? 0) + 1);
  return {
    applies: records.length,
    failed: records.filter((r) => !r.ok).length,
    durationMs,
    rate: records.length / (durationMs / 1000),
    messages: [...byMessage.entries()].map(([message, count]) => ({ message, count })).sort((a, b) => b.count - a.count),
    records,
  };
}

/** The q-quantile (0..1) of a list of numbers, by nearest rank; NaN for an empty list. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}
