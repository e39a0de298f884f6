// Durations read and written as kubectl does (kube-client/duration.ts). The expectations of the
// two writers are the oracles' own tables: apimachinery's pkg/util/duration/duration_test.go
// (TestHumanDuration, TestHumanDurationBoundaries) and Go's time package (Duration.String).
import { describe, expect, it } from 'vitest';
import { goDuration, humanDuration, parseDuration } from '../../../kube-client/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration (kubectl --timeout)', () => {
  it.each([
    { text: '0', ms: 0 },
    { text: '0s', ms: 0 },
    { text: '30s', ms: 30_000 },
    { text: '5m', ms: 300_000 },
    { text: '1h2m', ms: 3_720_000 },
    { text: '1h2m3s', ms: 3_723_000 },
    { text: '1.5h', ms: 5_400_000 },
    { text: '250ms', ms: 250 },
    { text: '+10s', ms: 10_000 },
  ])('reads $text as $ms ms', ({ text, ms }) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['5', '', 'abc', '5 m', '-5s', '1d', 's'])('refuses %j, naming the value', (text) => {
    expect(() => parseDuration(text)).toThrow(`"${text}"`);
  });
});

describe("humanDuration: kubectl's ages (apimachinery duration.HumanDuration)", () => {
  it.each([
    // TestHumanDuration
    { ms: S, text: '1s' },
    { ms: 70 * S, text: '70s' },
    { ms: 190 * S, text: '3m10s' },
    { ms: 70 * M, text: '70m' },
    { ms: 47 * H, text: '47h' },
    { ms: 49 * H, text: '2d1h' },
    { ms: (8 * 24 + 2) * H, text: '8d' },
    { ms: 367 * D, text: '367d' },
    { ms: (365 * 2 * 24 + 25) * H, text: '2y1d' },
    { ms: (365 * 8 * 24 + 2) * H, text: '8y' },
    // TestHumanDurationBoundaries
    { ms: -2 * S, text: '<invalid>' },
    { ms: -2 * S + 1, text: '0s' },
    { ms: 0, text: '0s' },
    { ms: S - 1, text: '0s' },
    { ms: 2 * M - 1, text: '119s' },
    { ms: 2 * M, text: '2m' },
    { ms: 2 * M + S, text: '2m1s' },
    { ms: 10 * M - 1, text: '9m59s' },
    { ms: 10 * M, text: '10m' },
    { ms: 10 * M + S, text: '10m' },
    { ms: 3 * H - 1, text: '179m' },
    { ms: 3 * H, text: '3h' },
    { ms: 3 * H + M, text: '3h1m' },
    { ms: 8 * H - 1, text: '7h59m' },
    { ms: 8 * H, text: '8h' },
    { ms: 8 * H + 59 * M, text: '8h' },
    { ms: 2 * D - 1, text: '47h' },
    { ms: 2 * D, text: '2d' },
    { ms: 2 * D + H, text: '2d1h' },
    { ms: 8 * D - 1, text: '7d23h' },
    { ms: 8 * D, text: '8d' },
    { ms: 8 * D + 23 * H, text: '8d' },
    { ms: 2 * 365 * D - 1, text: '729d' },
    { ms: 2 * 365 * D, text: '2y' },
    { ms: 2 * 365 * D + 23 * H + 59 * M, text: '2y' },
    { ms: 2 * 365 * D + D - 1, text: '2y' },
    { ms: 2 * 365 * D + D, text: '2y1d' },
    { ms: 3 * 365 * D, text: '3y' },
    { ms: 7 * 365 * D, text: '7y' },
    { ms: 8 * 365 * D - 1, text: '7y364d' },
    { ms: 8 * 365 * D, text: '8y' },
    { ms: 8 * 365 * D + 364 * D, text: '8y' },
    { ms: 9 * 365 * D, text: '9y' },
    // One hour, which three formatters once wrote three ways.
    { ms: H, text: '60m' },
  ])('writes $ms ms as $text', ({ ms, text }) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe("goDuration: a bound or a flag's value (Go's time.Duration.String)", () => {
  it.each([
    { ms: 0, text: '0s' },
    { ms: 250, text: '250ms' },
    { ms: 3300, text: '3.3s' },
    { ms: 2 * S, text: '2s' },
    { ms: 90 * S, text: '1m30s' },
    { ms: 4 * M + 5 * S, text: '4m5s' },
    { ms: 4 * M + 5001, text: '4m5.001s' },
    { ms: 5 * M, text: '5m0s' },
    { ms: 5 * H + 6 * M + 7001, text: '5h6m7.001s' },
    { ms: H, text: '1h0m0s' },
    { ms: -1500, text: '-1.5s' },
  ])('writes $ms ms as $text', ({ ms, text }) => {
    expect(goDuration(ms)).toBe(text);
  });
});
