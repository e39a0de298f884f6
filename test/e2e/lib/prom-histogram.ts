// Prometheus histograms from a /metrics text (the API server's), and quantiles of them the way
// Prometheus' histogram_quantile computes them: the admission latency bench reads the API server's
// view of its calls to the webhook here, beside its own finer client-side figures.

/** Upper bound (`le`) -> cumulative count. */
export type Histogram = Map<number, number>;

/** Sums the buckets of every series of `metric` whose labels contain all of `match`. */
export function histogram(text: string, metric: string, match: Record<string, string>): Histogram {
  const h: Histogram = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}_bucket{`)) continue;
    const labels = new Map([...line.slice(line.indexOf('{') + 1, line.lastIndexOf('}')).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    const le = labels.get('le');
    if (le === undefined) continue;
    if (!Object.entries(match).every(([k, v]) => labels.get(k) === v)) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    h.set(bound, (h.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf('}') + 1).trim()));
  }
  return h;
}

/** What was observed between two scrapes of the same histogram. */
export function histogramDelta(after: Histogram, before: Histogram): Histogram {
  return new Map([...after].map(([le, n]) => [le, n - (before.get(le) ?? 0)]));
}

/** histogram_quantile: linear interpolation inside the bucket that holds the q-th observation. */
export function histogramQuantile(h: Histogram, q: number): number {
  const buckets = [...h].sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return prevLe;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(1, count - prevCount);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}
