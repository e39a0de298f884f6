// Helpers for e2e tests and benchmarks that run real pods on the real node (test/e2e/cluster/
// node.ts): the test app's Deployment as a user would write it, a Service in front of it, a
// bounded load sent from inside the node's network namespace, and a rollout measured under it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { inNodeArgs, RealNode } from '../cluster/node.js';

type Obj = Record<string, any>; // raw Kubernetes objects

const ROOT = resolve(import.meta.dirname, '../../..');

/** The images build-node.sh imports into the node's containerd (none comes from a registry). */
export const TestImage = {
  app: 'paas.local/testapp:1',
  app2: 'paas.local/testapp:2',
  distroless: 'paas.local/testapp-distroless:1',
  wrongArch: 'paas.local/testapp-wrong-arch:1',
} as const;

/** The testapp binary on this machine: the load generator run inside the node's namespace. */
export function testappBinary(): string {
  const bin = join(process.env.PAAS_E2E_IMAGES ?? join(ROOT, '.cache/images/current'), 'testapp');
  if (!existsSync(bin)) throw new Error(`${bin} missing: run \`make cluster-bin\``);
  return bin;
}

/** Pod-spec fields that put a pod on the real node (it is tainted so kwok-era pods stay off). */
export function onRealNode(): { nodeSelector: Obj; tolerations: Obj[] } {
  return {
    nodeSelector: { 'kubernetes.io/hostname': RealNode.name },
    tolerations: [{ key: RealNode.taint.key, operator: 'Equal', value: RealNode.taint.value, effect: RealNode.taint.effect }],
  };
}

/** Pod-spec fields that put a pod on either real node (both carry RealNode.label and its taint),
 * leaving the scheduler to choose which: what the drain suites need. */
export function onRealNodes(): { nodeSelector: Obj; tolerations: Obj[] } {
  return {
    nodeSelector: { [RealNode.label.key]: RealNode.label.value },
    tolerations: [{ key: RealNode.taint.key, operator: 'Equal', value: RealNode.taint.value, effect: RealNode.taint.effect }],
  };
}

export type AppOptions = {
  replicas?: number;
  image?: string;
  /** testapp serve flags, e.g. ['-ready-after', '8s']. */
  args?: string[];
  env?: Record<string, string>;
  /** The container port as declared: named (default `http`) or a bare number. */
  port?: { number: number; name?: string };
  labels?: Record<string, string>;
  /** Opt the Deployment out of the policy (the webhook's objectSelector skips it). */
  optOut?: boolean;
  /** Annotations of the Deployment (the policy's per-Deployment overrides). */
  annotations?: Record<string, string>;
  podSpec?: Obj;
  container?: Obj;
};

/**
 * The test app's Deployment as many teams write it: no strategy, no readiness probe, no preStop
 * hook, no grace period. Only its placement on the real node is test plumbing.
 */
export function appDeployment(name: string, o: AppOptions = {}): Obj {
  const port = o.port ?? { number: 8080, name: 'http' };
  const labels = { ...(o.optOut ? { 'paas.io/rollout-policy': 'disabled' } : {}), ...(o.labels ?? {}) };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name, ...labels }, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      replicas: o.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          ...onRealNode(),
          ...(o.podSpec ?? {}),
          containers: [
            {
              name: 'app',
              image: o.image ?? TestImage.app,
              args: ['-port', String(port.number), ...(o.args ?? [])],
              env: Object.entries(o.env ?? {}).map(([k, v]) => ({ name: k, value: v })),
              ports: [{ ...(port.name ? { name: port.name } : {}), containerPort: port.number }],
              ...(o.container ?? {}),
            },
          ],
        },
      },
    },
  };
}

/** A ClusterIP Service on port 80 in front of the app's pods. */
export function appService(name: string, targetPort: number | string = 'http'): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { app: name }, ports: [{ port: 80, targetPort }] },
  };
}

/**
 * The kinds of client `testapp load -client` can be (test/images/testapp/load.go): how each
 * treats a kept-alive connection the server closed decides what a rollout costs it.
 */
export const LoadClient = {
  /** A new TCP connection per request. */
  new: 'new',
  /** Go's transport, connections kept alive: it retries a request on a reused connection the server closed. */
  keepalive: 'keepalive',
  /** Kept alive; looks at an idle connection before reusing it, as urllib3 does; no retry. */
  checking: 'checking',
  /** Kept alive; reuses without looking, never retries (http.client, a bare pool); honours `Connection: close`. */
  naive: 'naive',
} as const;
export type LoadClient = (typeof LoadClient)[keyof typeof LoadClient];

/** What `testapp serve -on-sigterm` does (test/images/testapp/main.go). */
export const SigtermMode = {
  /** Exits at once: in-flight requests and kept-alive connections are cut. */
  exit: 'exit',
  /** Stops accepting, finishes in-flight requests, closes idle kept-alive connections without a word. */
  graceful: 'graceful',
  /** As graceful, after a drain in which every response says `Connection: close`. */
  announce: 'announce',
} as const;
export type SigtermMode = (typeof SigtermMode)[keyof typeof SigtermMode];

/** `testapp serve` flags for a SIGTERM mode, with its drain (`-drain-delay`) when given. */
export function sigtermArgs(mode: SigtermMode, drainSeconds = 0): string[] {
  return ['-on-sigterm', mode, ...(drainSeconds > 0 ? ['-drain-delay', `${drainSeconds}s`] : [])];
}

/** What `testapp load` prints when it stops. */
export type LoadSummary = {
  url: string;
  client: LoadClient;
  keepAlive: boolean;
  rate: number;
  startedAt: string;
  endedAt: string;
  requests: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
  byVersion: Record<string, number>;
  failures: { at: string; elapsedMs: number; error: string }[];
  /** Connections opened; requests on a reused one; responses that said `Connection: close`; idle ones the check found closed. */
  connections: { opened: number; reused: number; announced: number; stale: number };
  stopReason: string;
};

export type LoadRun = {
  /** Stops the load (SIGINT) and returns its summary. */
  stop(): Promise<LoadSummary>;
  /** Waits for the load to end by itself (its -duration) and returns its summary. */
  finished(): Promise<LoadSummary>;
  child: ChildProcess;
};

export type LoadOptions = {
  url: string;
  rate: number;
  client: LoadClient;
  /** checking and naive: the slots of the pool (testapp's default 8). */
  conns?: number;
  /** The load stops by itself after this long, whatever happens to the test. */
  maxSeconds: number;
  /** Called with each progress line (every second) when given. */
  onProgress?: (line: string) => void;
  /** Each request's bound, in seconds (testapp's default: 2). */
  requestTimeoutS?: number;
};

/**
 * The request bound the e2e files give their loads: a request counts as failed when it is refused,
 * reset or cut, or left unanswered this long. Not 2 s (the benchmarks' bound, as documented): on
 * the 2 shared cores, with other files building images beside it, a full run once saw every
 * request of both clients time out at 2 s for 1.8 s (no refusal, no reset) while a new pod that
 * had started 7 s late took over. A dropped request is refused or reset at once, or blackholed,
 * and still counts at 10 s; so does an answer slower than that.
 */
export const E2E_REQUEST_TIMEOUT_S = 10;

/** Starts `testapp load` inside the node's network namespace (the only place a ClusterIP answers). */
export function startLoad(o: LoadOptions): LoadRun {
  const [cmd, args] = inNodeArgs(testappBinary(), [
    'load',
    '-url',
    o.url,
    '-rate',
    String(o.rate),
    '-duration',
    `${o.maxSeconds}s`,
    '-timeout',
    `${o.requestTimeoutS ?? 2}s`,
    '-client',
    o.client,
    ...(o.conns ? ['-conns', String(o.conns)] : []),
    ...(o.onProgress ? ['-progress', '1s'] : []),
  ]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (o.onProgress) for (const l of d.toString().split('\n')) if (l.trim()) o.onProgress(l.trim());
  });
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  const summary = async (): Promise<LoadSummary> => {
    const code = await exited;
    const line = out.trim().split('\n').pop() ?? '';
    if (code !== 0 || !line.startsWith('{')) throw new Error(`testapp load exited ${code}: ${err.trim()} ${out.trim()}`);
    return JSON.parse(line) as LoadSummary;
  };
  return {
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      return summary();
    },
    finished: summary,
  };
}

/**
 * Waits until the Service answers from inside the node's namespace: one second of new
 * connections at a low rate, none failed. A Deployment is available (`kubectl rollout status`
 * returns) as soon as its pods are Ready, which is before kube-proxy has programmed their
 * endpoints (its sync runs at most once a second, later on a busy machine); until then the
 * ClusterIP refuses connections. A load started in that gap counts failures that belong to no
 * rollout and no drain: CI saw 70 of them, on a Service whose pods had been Ready for half a second.
 */
export async function untilServiceAnswers(url: string, timeoutMs = 30_000): Promise<void> {
  await until(
    async () => {
      const run = startLoad({ url, rate: 20, client: LoadClient.new, maxSeconds: 1 });
      try {
        const s = await run.finished();
        if (s.ok > 0 && s.failed === 0) return true;
        throw new Error(`last second: ${s.failed}/${s.requests} failed ${JSON.stringify(s.errors)}`);
      } finally {
        if (run.child.exitCode === null) run.child.kill('SIGKILL');
      }
    },
    timeoutMs,
    `${url} to answer from the node`,
  );
}

/** The URL of a Service's ClusterIP on port 80. */
export function serviceUrl(service: Obj, path = '/'): string {
  const ip = service.spec?.clusterIP as string | undefined;
  if (!ip || !ip.startsWith('198.18.')) throw new Error(`service ${service.metadata?.name} has no ClusterIP in the node's range: ${ip}`);
  return `http://${ip}:80${path}`;
}

/** A pod's ReplicaSet hash and whether it is on its way out. */
function podFacts(p: Obj): { hash: string; terminating: boolean } {
  return { hash: p.metadata?.labels?.['pod-template-hash'] ?? '', terminating: !!p.metadata?.deletionTimestamp };
}

/**
 * Rolled out and settled: the controller saw the latest spec, every replica is updated and
 * available, and no pod of an older ReplicaSet is left (not even terminating: the moment the
 * last old pod shuts down is the one that matters for dropped requests).
 */
export function settled(deployment: Obj, pods: Obj[], newHash: string | undefined): boolean {
  const s = deployment.status ?? {};
  const want = deployment.spec?.replicas ?? 1;
  if ((s.observedGeneration ?? 0) < (deployment.metadata?.generation ?? 0)) return false;
  if ((s.updatedReplicas ?? 0) !== want || (s.availableReplicas ?? 0) !== want || (s.replicas ?? 0) !== want) return false;
  if (!newHash) return false;
  return pods.every((p) => podFacts(p).hash === newHash && !podFacts(p).terminating) && pods.length === want;
}

/** The pod-template-hash of the Deployment's current ReplicaSet (the one whose template it runs). */
export function newReplicaSetHash(deployment: Obj, replicaSets: Obj[]): string | undefined {
  const revision = deployment.metadata?.annotations?.['deployment.kubernetes.io/revision'];
  const rs = replicaSets.find(
    (r) =>
      r.metadata?.ownerReferences?.some((o: Obj) => o.uid === deployment.metadata?.uid) &&
      r.metadata?.annotations?.['deployment.kubernetes.io/revision'] === revision,
  );
  return rs?.metadata?.labels?.['pod-template-hash'];
}

/** Ready endpoints of one Service over time, from a watch of its EndpointSlices. */
export type EndpointSampler = { stop(): { min: number; max: number; samples: number; timeline: { at: number; ready: number }[] } };

/** Watches a Service's EndpointSlices and records the count of ready endpoints after each change. */
export async function sampleReadyEndpoints(kc: KubeConfig, namespace: string, service: string): Promise<EndpointSampler> {
  const slices = new Map<string, number>();
  const timeline: { at: number; ready: number }[] = [];
  let listed = false;
  const total = () => [...slices.values()].reduce((a, b) => a + b, 0);
  const record = () => {
    if (listed) timeline.push({ at: Date.now(), ready: total() });
  };
  const readyOf = (slice: Obj) => (slice.endpoints ?? []).filter((e: Obj) => e.conditions?.ready === true).length;
  const path = `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`;
  const selector = `kubernetes.io/service-name=${service}`;
  // The initial state comes first as ADDED events; a list gives the baseline before them.
  const initial = await listSlices(kc, namespace, selector);
  for (const s of initial.items) slices.set(s.metadata.name, readyOf(s));
  listed = true;
  record();
  const controller = await new Watch(kc).watch(
    path,
    { labelSelector: selector, resourceVersion: initial.resourceVersion, allowWatchBookmarks: true },
    (type: string, obj: Obj) => {
      if (type === 'BOOKMARK') return;
      if (type === 'DELETED') slices.delete(obj.metadata.name);
      else slices.set(obj.metadata.name, readyOf(obj));
      record();
    },
    () => {},
  );
  return {
    stop() {
      controller.abort();
      const counts = timeline.map((t) => t.ready);
      return { min: Math.min(...counts), max: Math.max(...counts), samples: counts.length, timeline };
    },
  };
}

async function listSlices(kc: KubeConfig, namespace: string, selector: string): Promise<{ items: Obj[]; resourceVersion: string }> {
  const { DiscoveryV1Api } = await import('@kubernetes/client-node');
  const api = kc.makeApiClient(DiscoveryV1Api);
  const list = await api.listNamespacedEndpointSlice({ namespace, labelSelector: selector });
  return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
}

/** The trigger of one rollout, and how to read the cluster while it runs. */
export type RolloutUnderLoad = {
  kc: KubeConfig;
  /** `kubectl get deployments,replicasets,pods -l app=<name> -n <namespace> -o json`, parsed. */
  listApp: () => Promise<Obj[]>;
  namespace: string;
  name: string;
  url: string;
  /** Starts the rollout (an apply, a patch, `kubectl rollout undo`). */
  trigger: () => Promise<void>;
  /** Requests per second of each load. */
  rate: number;
  /** One load per entry, all at once, each as one kind of client. */
  loads: readonly LoadClient[];
  timeoutMs: number;
  /** Also watch the Service's ready endpoints during the rollout. */
  serviceForEndpoints?: string;
  onProgress?: (line: string) => void;
  /** Each request's bound, in seconds (default 2; the e2e files: E2E_REQUEST_TIMEOUT_S). */
  requestTimeoutS?: number;
};

export type RolloutUnderLoadResult = {
  loads: { kind: LoadClient; summary: LoadSummary }[];
  /** From the trigger until the last old pod was gone. */
  durationMs: number;
  /** When the trigger ran (ISO 8601): a failure's `at` before it is not the rollout's. */
  triggeredAt: string;
  endpoints?: ReturnType<EndpointSampler['stop']>;
};

/**
 * Waits until the Service answers (untilServiceAnswers), runs the loads, waits until each has
 * been answered for a second, triggers the rollout, waits
 * until it has settled (no old pod left, not even terminating), lets the loads run one more
 * second, and stops them. The loads are bounded by timeoutMs on their own too.
 */
export async function rolloutUnderLoad(r: RolloutUnderLoad): Promise<RolloutUnderLoadResult> {
  await untilServiceAnswers(r.url);
  const sampler = r.serviceForEndpoints ? await sampleReadyEndpoints(r.kc, r.namespace, r.serviceForEndpoints) : undefined;
  const ok = r.loads.map(() => 0);
  const ticks = r.loads.map(() => 0);
  const runs = r.loads.map((kind, i) =>
    startLoad({
      url: r.url,
      rate: r.rate,
      client: kind,
      maxSeconds: Math.ceil(r.timeoutMs / 1000) + 30,
      ...(r.requestTimeoutS ? { requestTimeoutS: r.requestTimeoutS } : {}),
      onProgress: (line) => {
        const m = /ok=(\d+)/.exec(line);
        if (m) {
          ok[i] = Number(m[1]);
          ticks[i] = (ticks[i] ?? 0) + 1;
        }
        r.onProgress?.(`${kind}: ${line}`);
      },
    }),
  );
  try {
    await until(() => ok.every((n) => n >= r.rate), 30_000, 'every load answered for a second before the rollout');
    const started = Date.now();
    const triggeredAt = new Date(started).toISOString();
    await r.trigger();
    let durationMs = 0;
    await until(
      async () => {
        const items = await r.listApp();
        const deployment = items.find((o) => o.kind === 'Deployment' && o.metadata?.name === r.name);
        const replicaSets = items.filter((o) => o.kind === 'ReplicaSet');
        const pods = items.filter((o) => o.kind === 'Pod');
        if (!deployment || !settled(deployment, pods, newReplicaSetHash(deployment, replicaSets))) return false;
        durationMs = Date.now() - started;
        return true;
      },
      r.timeoutMs,
      `the rollout of ${r.namespace}/${r.name} to settle (no old pod left)`,
    );
    // One more progress tick of every load after the last old pod went.
    const seen = [...ticks];
    await until(() => ticks.every((t, i) => t > (seen[i] ?? 0)), 10_000, 'one more second of load');
    const summaries = [];
    for (const [i, run] of runs.entries()) summaries.push({ kind: r.loads[i]!, summary: await run.stop() });
    return { loads: summaries, durationMs, triggeredAt, endpoints: sampler?.stop() };
  } finally {
    for (const run of runs) if (run.child.exitCode === null) run.child.kill('SIGKILL');
    sampler?.stop();
  }
}

/** What a `kubectl drain` said, and how long it took. */
export type DrainRun = { code: number; stdout: string; stderr: string; durationMs: number };

/** One node drain under load: the loads, the drain, and the app put back together elsewhere. */
export type DrainUnderLoad = {
  kc: KubeConfig;
  namespace: string;
  url: string;
  /** Drains the node (`kubectl drain <node> ...`), bounded by its own --timeout and the caller's. */
  drain: () => Promise<{ code: number; stdout: string; stderr: string }>;
  /** Started together with the drain, once the loads answer (a rollout's trigger). */
  alongside?: () => Promise<void>;
  /** Whether the app runs in full again away from the node (asked after the drain returns). */
  recovered: () => Promise<boolean>;
  /** The control: stop waiting for `recovered` as soon as every load has seen a failure. */
  untilEveryLoadFails?: boolean;
  rate: number;
  loads: readonly LoadClient[];
  timeoutMs: number;
  serviceForEndpoints?: string;
  onProgress?: (line: string) => void;
  /** Each request's bound, in seconds (default 2; the e2e files: E2E_REQUEST_TIMEOUT_S). */
  requestTimeoutS?: number;
};

export type DrainUnderLoadResult = {
  loads: { kind: LoadClient; summary: LoadSummary }[];
  drain: DrainRun;
  /** From the drain's start until `recovered` (undefined: it never was, within the bound). */
  recoveredMs: number | undefined;
  endpoints?: ReturnType<EndpointSampler['stop']>;
};

/**
 * Waits until the Service answers (untilServiceAnswers), runs the loads, waits until each has
 * been answered for a second, starts the drain (and
 * `alongside`), waits for the drain to return and the app to recover (or, for the control, for
 * every load to see a failure), lets the loads run one more second, and stops them. Every wait is
 * bounded by timeoutMs; the loads stop by themselves after it too.
 */
export async function drainUnderLoad(d: DrainUnderLoad): Promise<DrainUnderLoadResult> {
  await untilServiceAnswers(d.url);
  const sampler = d.serviceForEndpoints ? await sampleReadyEndpoints(d.kc, d.namespace, d.serviceForEndpoints) : undefined;
  const ok = d.loads.map(() => 0);
  const failed = d.loads.map(() => 0);
  const ticks = d.loads.map(() => 0);
  const runs = d.loads.map((kind, i) =>
    startLoad({
      url: d.url,
      rate: d.rate,
      client: kind,
      maxSeconds: Math.ceil(d.timeoutMs / 1000) + 30,
      ...(d.requestTimeoutS ? { requestTimeoutS: d.requestTimeoutS } : {}),
      onProgress: (line) => {
        const m = /ok=(\d+) failed=(\d+)/.exec(line);
        if (m) {
          ok[i] = Number(m[1]);
          failed[i] = Number(m[2]);
          ticks[i] = (ticks[i] ?? 0) + 1;
        }
        d.onProgress?.(`${kind}: ${line}`);
      },
    }),
  );
  try {
    await until(() => ok.every((n) => n >= d.rate), 30_000, 'every load answered for a second before the drain');
    const started = Date.now();
    const [drained] = await Promise.all([d.drain(), d.alongside?.()]);
    const drain: DrainRun = { ...drained, durationMs: Date.now() - started };
    let recoveredMs: number | undefined;
    await until(
      async () => {
        if (await d.recovered()) {
          recoveredMs = Date.now() - started;
          return true;
        }
        return d.untilEveryLoadFails === true && failed.every((n) => n > 0);
      },
      Math.max(d.timeoutMs - (Date.now() - started), 10_000),
      `${d.namespace}: the app to run in full away from the drained node${d.untilEveryLoadFails ? ', or every load to fail' : ''}`,
    );
    const seen = [...ticks];
    await until(() => ticks.every((t, i) => t > (seen[i] ?? 0)), 10_000, 'one more second of load');
    const summaries = [];
    for (const [i, run] of runs.entries()) summaries.push({ kind: d.loads[i]!, summary: await run.stop() });
    return { loads: summaries, drain, recoveredMs, endpoints: sampler?.stop() };
  } finally {
    for (const run of runs) if (run.child.exitCode === null) run.child.kill('SIGKILL');
    sampler?.stop();
  }
}

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  let last = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (${last})` : ''}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}
