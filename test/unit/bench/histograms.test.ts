// The API server's histograms as the admission latency bench reads them (their quantiles as
// Prometheus computes them), and the kubectl stream of the in-cluster e2e suites: counts and quantiles.
import { describe, expect, it } from 'vitest';
import { failureMessage, quantile, summarise, type ApplyRecord } from '../../e2e/lib/apply-stream.js';
import { histogram, histogramDelta, histogramQuantile } from '../../e2e/lib/prom-histogram.js';

// A hand-written sample in the Prometheus text format the API server's /metrics uses: two label
// sets of one metric, another webhook's series, a _sum line.
const METRICS = `# HELP apiserver_admission_webhook_admission_duration_seconds [STABLE] Admission webhook latency
# TYPE apiserver_admission_webhook_admission_duration_seconds histogram
apiserver_admission_webhook_admission_duration_seconds_bucket{name="rollout-policy.paas.io",operation="UPDATE",rejected="false",type="admit",le="0.005"} 60
apiserver_admission_webhook_admission_duration_seconds_bucket{name="rollout-policy.paas.io",operation="UPDATE",rejected="false",type="admit",le="0.025"} 95
apiserver_admission_webhook_admission_duration_seconds_bucket{name="rollout-policy.paas.io",operation="UPDATE",rejected="false",type="admit",le="0.1"} 100
apiserver_admission_webhook_admission_duration_seconds_bucket{name="rollout-policy.paas.io",operation="UPDATE",rejected="false",type="admit",le="+Inf"} 100
apiserver_admission_webhook_admission_duration_seconds_bucket{name="rollout-policy.paas.io",operation="CREATE",rejected="false",type="admit",le="0.005"} 7
apiserver_admission_webhook_admission_duration_seconds_bucket{name="rollout-policy.paas.io",operation="CREATE",rejected="false",type="admit",le="0.025"} 7
apiserver_admission_webhook_admission_duration_seconds_bucket{name="rollout-policy.paas.io",operation="CREATE",rejected="false",type="admit",le="0.1"} 7
apiserver_admission_webhook_admission_duration_seconds_bucket{name="rollout-policy.paas.io",operation="CREATE",rejected="false",type="admit",le="+Inf"} 7
apiserver_admission_webhook_admission_duration_seconds_sum{name="rollout-policy.paas.io",operation="UPDATE",rejected="false",type="admit"} 0.4
apiserver_admission_webhook_admission_duration_seconds_bucket{name="other.paas.io",operation="UPDATE",rejected="false",type="admit",le="+Inf"} 5
`;

describe('histogram', () => {
  it.each<{ name: string; match: Record<string, string>; want: [number, number][] }>([
    {
      name: 'one label set',
      match: { operation: 'UPDATE', name: 'rollout-policy.paas.io' },
      want: [
        [0.005, 60],
        [0.025, 95],
        [0.1, 100],
        [Infinity, 100],
      ],
    },
    {
      name: 'summed over label sets',
      match: { name: 'rollout-policy.paas.io' },
      want: [
        [0.005, 67],
        [0.025, 102],
        [0.1, 107],
        [Infinity, 107],
      ],
    },
    { name: 'a label value must match whole', match: { name: 'paas.io' }, want: [] },
    { name: 'another webhook', match: { name: 'other.paas.io' }, want: [[Infinity, 5]] },
  ])('$name', ({ match, want }) => {
    expect([...histogram(METRICS, 'apiserver_admission_webhook_admission_duration_seconds', match)]).toEqual(want);
  });

  it('is empty for a metric that is not there', () => {
    expect(histogram(METRICS, 'apiserver_admission_step_admission_duration_seconds', {}).size).toBe(0);
  });
});

describe('histogramQuantile (as Prometheus histogram_quantile)', () => {
  const h = new Map([
    [0.005, 60],
    [0.025, 95],
    [0.1, 100],
    [Infinity, 100],
  ]);
  it.each([
    { q: 0.5, want: 0.005 * (50 / 60) },
    { q: 0.6, want: 0.005 },
    { q: 0.9, want: 0.005 + 0.02 * (30 / 35) },
    { q: 0.99, want: 0.025 + 0.075 * (4 / 5) },
    { q: 1, want: 0.1 },
  ])('q $q', ({ q, want }) => {
    expect(histogramQuantile(h, q)).toBeCloseTo(want, 12);
  });
  it('the lower bound of +Inf when the quantile falls there', () => {
    expect(
      histogramQuantile(
        new Map([
          [0.005, 1],
          [Infinity, 10],
        ]),
        0.5,
      ),
    ).toBe(0.005);
  });
  it('NaN with no observation', () => {
    expect(
      histogramQuantile(
        new Map([
          [0.005, 0],
          [Infinity, 0],
        ]),
        0.5,
      ),
    ).toBeNaN();
  });
  it('the difference of two scrapes is what was observed between them', () => {
    const before = new Map([
      [0.005, 10],
      [Infinity, 12],
    ]);
    const after = new Map([
      [0.005, 15],
      [Infinity, 20],
    ]);
    expect([...histogramDelta(after, before)]).toEqual([
      [0.005, 5],
      [Infinity, 8],
    ]);
  });
});

describe('the kubectl stream', () => {
  it.each([
    { values: [], q: 0.5, want: NaN },
    { values: [7], q: 0.99, want: 7 },
    { values: [5, 1, 4, 2, 3], q: 0.5, want: 3 },
    { values: Array.from({ length: 100 }, (_, i) => 100 - i), q: 0.99, want: 99 },
    { values: Array.from({ length: 100 }, (_, i) => i + 1), q: 1, want: 100 },
  ])('quantile of $values.length values at $q', ({ values, q, want }) => {
    expect(quantile(values, q)).toEqual(want);
  });

  it('summarise counts the failures by message, most frequent first', () => {
    const rec = (ok: boolean, message?: string): ApplyRecord => ({ writer: 0, seq: 0, startedAt: 0, endedAt: 1, ok, ...(message ? { message } : {}) });
    const s = summarise([rec(true), rec(false, 'b'), rec(false, 'a'), rec(false, 'a'), rec(true)], 2000);
    expect(s).toMatchObject({
      applies: 5,
      failed: 3,
      durationMs: 2000,
      rate: 2.5,
      messages: [
        { message: 'a', count: 2 },
        { message: 'b', count: 1 },
      ],
    });
  });
});

describe('failureMessage', () => {
  // Hand-written after kubectl's formats: the first line of the first case is what the in-cluster
  // suite saw when a patch was refused.
  it.each([
    {
      name: 'a refused patch: the reason after the patch dump',
      stderr:
        'Error from server (InternalError): error when applying patch:\n{"metadata":{}}\nto:\nResource: "apps/v1, Resource=deployments"\nfor: "STDIN": error when patching "STDIN": Internal error occurred: failed calling webhook "rollout-policy.paas.io": failed to call webhook: EOF\n',
      want: 'Internal error occurred: failed calling webhook "rollout-policy.paas.io": failed to call webhook: EOF',
    },
    {
      name: 'a refused create',
      stderr:
        'Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "x": context deadline exceeded\n',
      want: 'Internal error occurred: failed calling webhook "x": context deadline exceeded',
    },
    {
      name: 'another error, warnings skipped',
      stderr: 'Warning: would violate PodSecurity\nThe deployments "a" is invalid: spec.replicas: Invalid value\n',
      want: 'The deployments "a" is invalid: spec.replicas: Invalid value',
    },
    { name: 'nothing printed', stderr: '', want: '' },
  ])('$name', ({ stderr, want }) => {
    expect(failureMessage(stderr)).toBe(want);
  });
});
