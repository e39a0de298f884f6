// The admission latency bench's arithmetic (test/bench/admission.bench.ts), pure so that it is
// unit-tested: the order the set-ups run in, percentiles of per-request latencies, the difference
// to the baseline round by round and its spread, the aims, and the counters it reads (a process's
// /proc/<pid>/stat, a pod's cgroup v1 directories and memory.stat, a Prometheus counter).

/** What a Deployment write goes through. */
export const Setup = {
  /** No mutating admission for Deployments: the baseline. */
  none: 'none',
  /** paas-webhook in-cluster, called through its Service. */
  webhook: 'webhook',
  /** The MutatingAdmissionPolicy the API server runs itself: the floor. */
  policy: 'policy',
} as const;
export type Setup = (typeof Setup)[keyof typeof Setup];

/** The two writes a controller makes. */
export const WriteKind = {
  /** PUT with a new image: a new rollout (the webhook mints a deploy-id). */
  update: 'update',
  /** Server-side apply of the manifest as it is: admission runs, nothing is written. */
  reapply: 'reapply',
} as const;
export type WriteKind = (typeof WriteKind)[keyof typeof WriteKind];

/** One stretch of the run: a set-up at a concurrency, in a round; round 0 warms up and is not reported. */
export interface Phase<S extends string = Setup> {
  round: number;
  warmUp: boolean;
  concurrency: number;
  setup: S;
}

/**
 * The run's phases in order: a warm-up round, then `rounds` rounds; in each, every concurrency in
 * turn, and at each concurrency every set-up, in an order rotated by the round and the
 * concurrency, so that each set-up runs first, second and last equally often (when `rounds` is a
 * multiple of the set-ups' count) and drift in the machine's load hits them alike.
 */
export function schedule<S extends string>(rounds: number, concurrencies: readonly number[], setups: readonly S[]): Phase<S>[] {
  const out: Phase<S>[] = [];
  for (let round = 0; round <= rounds; round++) {
    for (const [i, concurrency] of concurrencies.entries()) {
      const shift = (round + i) % setups.length;
      for (const setup of [...setups.slice(shift), ...setups.slice(0, shift)]) out.push({ round, warmUp: round === 0, concurrency, setup });
    }
  }
  return out;
}

/** The nearest-rank percentile: the smallest sample that at least `p` of them do not exceed (0 < p <= 1). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile of no samples');
  if (!(p > 0 && p <= 1)) throw new Error(`percentile ${p}: expected 0 < p <= 1`);
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.ceil(p * sorted.length) - 1]!;
}

/** p50, p90 and p99 of some latencies, with their count. */
export interface Quantiles {
  n: number;
  p50: number;
  p90: number;
  p99: number;
}

export function quantiles(samples: readonly number[]): Quantiles {
  return { n: samples.length, p50: percentile(samples, 0.5), p90: percentile(samples, 0.9), p99: percentile(samples, 0.99) };
}

/** The middle of some values (the mean of the two middle ones for an even count) and their range. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('spread of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

/** One write, timed on the client. */
export interface Sample<S extends string = Setup> {
  round: number;
  setup: S;
  concurrency: number;
  kind: WriteKind;
  /** From sending the request to the last byte of the answer, in milliseconds. */
  ms: number;
}

/** Which samples a figure is about. */
export interface Slice {
  concurrency: number;
  kind: WriteKind;
}

const inSlice = <S extends string>(s: Sample<S>, slice: Slice, setup: S) => s.setup === setup && s.concurrency === slice.concurrency && s.kind === slice.kind;

/** The latencies of one set-up in a slice, over every measured round. */
export function latencies<S extends string>(samples: readonly Sample<S>[], slice: Slice, setup: S): number[] {
  return samples.filter((s) => s.round > 0 && inSlice(s, slice, setup)).map((s) => s.ms);
}

/**
 * Round by round, the `p` percentile of `setup` minus that of `baseline` in the slice: each round
 * ran both within seconds of each other, so the load they shared cancels. Rounds where either
 * has no sample are left out.
 */
export function roundDifferences<S extends string>(samples: readonly Sample<S>[], slice: Slice, setup: S, baseline: S, p: number): number[] {
  const rounds = [...new Set(samples.filter((s) => s.round > 0).map((s) => s.round))].sort((a, b) => a - b);
  const out: number[] = [];
  for (const round of rounds) {
    const of = (x: S) => samples.filter((s) => s.round === round && inSlice(s, slice, x)).map((s) => s.ms);
    const a = of(setup);
    const b = of(baseline);
    if (a.length > 0 && b.length > 0) out.push(percentile(a, p) - percentile(b, p));
  }
  return out;
}

/** What the webhook may add, at `concurrency` writers (issue #28). */
export const AIM = { concurrency: 16, overNoneP50Ms: 2, overNoneP99Ms: 5, overPolicyP50Ms: 1 } as const;

/** One aim, judged on the median of its round-by-round differences. */
export interface Verdict {
  what: string;
  limitMs: number;
  spread: Spread;
  met: boolean;
}

/** The three aims for one kind of write at AIM.concurrency writers. */
export function verdicts(samples: readonly Sample[], kind: WriteKind): Verdict[] {
  const slice = { concurrency: AIM.concurrency, kind };
  const judge = (what: string, limitMs: number, diffs: number[]): Verdict => {
    const s = spread(diffs);
    return { what, limitMs, spread: s, met: s.median <= limitMs };
  };
  return [
    judge('webhook over none, p50', AIM.overNoneP50Ms, roundDifferences(samples, slice, Setup.webhook, Setup.none, 0.5)),
    judge('webhook over none, p99', AIM.overNoneP99Ms, roundDifferences(samples, slice, Setup.webhook, Setup.none, 0.99)),
    judge('webhook over the MutatingAdmissionPolicy, p50', AIM.overPolicyP50Ms, roundDifferences(samples, slice, Setup.webhook, Setup.policy, 0.5)),
  ];
}

/** utime + stime of a process, in clock ticks, from its /proc/<pid>/stat. */
export function processTicks(stat: string): number {
  // The fields after the command name, which may hold spaces and parentheses: state is field 3,
  // utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) throw new Error(`not a /proc/<pid>/stat line: ${stat.slice(0, 80)}`);
  return utime + stime;
}

/** The pod's cgroup v1 directory under the kubelet's cgroupfs driver (cgroupsPerQOS): the
 * controller's mount, the kubelet's cgroupRoot, kubepods, the QoS class's own but Guaranteed's, pod<uid>. */
export function podCgroupDir(mount: string, cgroupRoot: string, qosClass: string, uid: string): string {
  const qos: Record<string, string | undefined> = { Guaranteed: undefined, Burstable: 'burstable', BestEffort: 'besteffort' };
  if (!(qosClass in qos)) throw new Error(`unknown QoS class ${qosClass}`);
  const q = qos[qosClass];
  return [mount, cgroupRoot.replace(/^\/+|\/+$/g, ''), 'kubepods', ...(q ? [q] : []), `pod${uid}`].join('/');
}

/** The sum of a counter's samples over every label set, in Prometheus' text format. */
export function counterSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    // The value is the first word after the name and its labels (a timestamp may follow).
    const rest = line.startsWith(`${name}{`) ? line.slice(line.lastIndexOf('}') + 1) : line.slice(name.length);
    const value = Number(rest.trim().split(' ')[0]);
    if (Number.isNaN(value)) throw new Error(`not a sample: ${line}`);
    sum += value;
  }
  return sum;
}

/** A key's value in a cgroup v1 memory.stat (`total_rss 41943040` per line). */
export function memoryStat(text: string, key: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${key} `));
  if (line === undefined) throw new Error(`no ${key} in memory.stat`);
  return Number(line.slice(key.length + 1));
}
