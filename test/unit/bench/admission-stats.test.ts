// The admission latency bench's arithmetic (test/bench/lib/admission-stats.ts), with literal
// expectations: the interleaving of the set-ups, nearest-rank percentiles, the round-by-round
// differences and their spread, the aims, and the CPU counters as /proc, cgroup v1 and Prometheus
// write them.
import { describe, expect, it } from 'vitest';
import {
  counterSum,
  memoryStat,
  percentile,
  podCgroupDir,
  processTicks,
  quantiles,
  roundDifferences,
  schedule,
  Setup,
  spread,
  verdicts,
  WriteKind,
  type Sample,
} from '../../bench/lib/admission-stats.js';

const ALL = [Setup.none, Setup.webhook, Setup.policy];

describe('schedule', () => {
  it('a warm-up round, then each round every concurrency with the set-ups in a rotated order', () => {
    const order = schedule(2, [1, 16], ALL).map((p) => `${p.round}${p.warmUp ? 'w' : ''}:${p.concurrency}:${p.setup}`);
    expect(order).toEqual([
      '0w:1:none',
      '0w:1:webhook',
      '0w:1:policy',
      '0w:16:webhook',
      '0w:16:policy',
      '0w:16:none',
      '1:1:webhook',
      '1:1:policy',
      '1:1:none',
      '1:16:policy',
      '1:16:none',
      '1:16:webhook',
      '2:1:policy',
      '2:1:none',
      '2:1:webhook',
      '2:16:none',
      '2:16:webhook',
      '2:16:policy',
    ]);
  });

  it('over a multiple of three rounds each set-up takes each place equally often at each concurrency', () => {
    const phases = schedule(9, [1, 4, 16], ALL).filter((p) => !p.warmUp);
    for (const c of [1, 4, 16]) {
      const at = phases.filter((p) => p.concurrency === c);
      const places = new Map<string, number>();
      at.forEach((p, i) => places.set(`${p.setup}@${i % 3}`, (places.get(`${p.setup}@${i % 3}`) ?? 0) + 1));
      expect([...places.values()]).toEqual(Array(9).fill(3));
    }
  });
});

describe('percentile (nearest rank)', () => {
  const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
  it.each([
    { p: 0.5, want: 5 },
    { p: 0.9, want: 9 },
    { p: 0.99, want: 10 },
    { p: 0.1, want: 1 },
    { p: 1, want: 10 },
    { p: 0.51, want: 6 },
  ])('p$p of 1..10 is $want', ({ p, want }) => {
    expect(percentile(ten, p)).toBe(want);
  });

  it('of 1..1000: p50 500, p90 900, p99 990; sub-millisecond values as they are', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(quantiles(xs)).toEqual({ n: 1000, p50: 500, p90: 900, p99: 990 });
    expect(quantiles([0.25, 0.125, 0.5])).toEqual({ n: 3, p50: 0.25, p90: 0.5, p99: 0.5 });
  });

  it('refuses no samples and a p outside (0, 1]', () => {
    expect(() => percentile([], 0.5)).toThrow('percentile of no samples');
    expect(() => percentile([1], 0)).toThrow('percentile 0: expected 0 < p <= 1');
  });
});

describe('spread', () => {
  it('the median of an odd and of an even count, and the range', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
    expect(spread([-0.5])).toEqual({ median: -0.5, min: -0.5, max: -0.5 });
  });
});

/** Samples of one slice: for each round, the latencies of each set-up. */
function samples(kind: string, rounds: Record<number, Partial<Record<Setup, number[]>>>, concurrency = 16): Sample[] {
  return Object.entries(rounds).flatMap(([round, bySetup]) =>
    Object.entries(bySetup).flatMap(([setup, ms]) =>
      ms.map((m) => ({ round: Number(round), setup: setup as Setup, concurrency, kind: kind as WriteKind, ms: m })),
    ),
  );
}

describe('roundDifferences', () => {
  const s = [
    ...samples(WriteKind.update, {
      0: { none: [100], webhook: [900] }, // the warm-up: never counted
      1: { none: [1, 2, 3], webhook: [2, 4, 5] },
      2: { none: [2, 2, 2], webhook: [3, 3, 9] },
      3: { none: [1] }, // a round without the other set-up: left out
    }),
    ...samples(WriteKind.reapply, { 1: { none: [50], webhook: [70] } }),
    ...samples(WriteKind.update, { 1: { none: [50], webhook: [70] } }, 4),
  ];

  it('each round: the percentile of the set-up minus the baseline’s, in the slice only', () => {
    expect(roundDifferences(s, { concurrency: 16, kind: WriteKind.update }, Setup.webhook, Setup.none, 0.5)).toEqual([2, 1]);
    expect(roundDifferences(s, { concurrency: 16, kind: WriteKind.update }, Setup.webhook, Setup.none, 0.99)).toEqual([2, 7]);
    expect(roundDifferences(s, { concurrency: 16, kind: WriteKind.reapply }, Setup.webhook, Setup.none, 0.5)).toEqual([20]);
  });
});

describe('verdicts at 16 writers', () => {
  it('judges each aim on the median of the round-by-round differences', () => {
    const s = samples(WriteKind.update, {
      1: { none: [1, 1, 10], webhook: [2.5, 2.5, 14], policy: [2, 2, 2] },
      2: { none: [1, 1, 10], webhook: [4, 4, 18], policy: [2, 2, 2] },
      3: { none: [1, 1, 10], webhook: [2, 2, 13], policy: [2, 2, 2] },
    });
    expect(verdicts(s, WriteKind.update)).toEqual([
      { what: 'webhook over none, p50', limitMs: 2, spread: { median: 1.5, min: 1, max: 3 }, met: true },
      { what: 'webhook over none, p99', limitMs: 5, spread: { median: 4, min: 3, max: 8 }, met: true },
      { what: 'webhook over the MutatingAdmissionPolicy, p50', limitMs: 1, spread: { median: 0.5, min: 0, max: 2 }, met: true },
    ]);
  });

  it('an aim is not met when the median difference is above its limit (the control)', () => {
    const s = samples(WriteKind.reapply, {
      1: { none: [1], webhook: [4], policy: [1] },
      2: { none: [1], webhook: [3.5], policy: [1] },
    });
    expect(verdicts(s, WriteKind.reapply).map((v) => [v.spread.median, v.met])).toEqual([
      [2.75, false],
      [2.75, true],
      [2.75, false],
    ]);
  });
});

describe('the CPU counters', () => {
  it('utime + stime of /proc/<pid>/stat, a command name with spaces and parentheses read past', () => {
    const stat = '4242 (kube-apiserver (x) y) S 1 4242 4242 0 -1 4194560 90000 0 12 0 1500 320 0 0 20 0 40 0 9000 1900000000 80000';
    expect(processTicks(stat)).toBe(1820);
    expect(() => processTicks('garbage')).toThrow('not a /proc/<pid>/stat line');
  });

  it("a pod's cgroup v1 directory under the cgroupfs driver, by QoS class", () => {
    const uid = '0f6e3c5a-1b2c-4d5e-8f90-a1b2c3d4e5f6';
    expect(podCgroupDir('/sys/fs/cgroup/cpuacct', '/paas-node', 'Burstable', uid)).toBe(`/sys/fs/cgroup/cpuacct/paas-node/kubepods/burstable/pod${uid}`);
    expect(podCgroupDir('/sys/fs/cgroup/cpuacct', 'paas-node', 'BestEffort', uid)).toBe(`/sys/fs/cgroup/cpuacct/paas-node/kubepods/besteffort/pod${uid}`);
    expect(podCgroupDir('/sys/fs/cgroup/cpuacct', 'paas-node', 'Guaranteed', uid)).toBe(`/sys/fs/cgroup/cpuacct/paas-node/kubepods/pod${uid}`);
    expect(() => podCgroupDir('/m', 'r', 'Premium', uid)).toThrow('unknown QoS class Premium');
  });

  it("a counter's samples summed over its label sets, and nothing of another metric", () => {
    const text = [
      '# HELP paas_webhook_admissions_total Admission reviews answered',
      '# TYPE paas_webhook_admissions_total counter',
      'paas_webhook_admissions_total{result="patched",operation="UPDATE"} 1200',
      'paas_webhook_admissions_total{result="unchanged",operation="UPDATE"} 34 1700000000000',
      'paas_webhook_admissions_total_extra 5',
      'paas_webhook_admission_duration_seconds_count{result="patched"} 1200',
    ].join('\n');
    expect(counterSum(text, 'paas_webhook_admissions_total')).toBe(1234);
    expect(counterSum(text, 'absent_total')).toBe(0);
  });

  it("a key of a cgroup's memory.stat, and not one whose name it begins", () => {
    const stat = 'cache 1000\nrss 2000\ntotal_rss_huge 0\ntotal_rss 41943040\n';
    expect(memoryStat(stat, 'total_rss')).toBe(41943040);
    expect(memoryStat(stat, 'rss')).toBe(2000);
    expect(() => memoryStat(stat, 'total_swap')).toThrow('no total_swap in memory.stat');
  });
});
