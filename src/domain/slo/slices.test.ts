import { describe, expect, it } from 'vitest';
import { ArrayCountSeries } from './array-series.js';
import { fraction } from './decimal.js';
import { classifySlice, computeSliceStats, meetsThreshold, wholeSlices } from './slices.js';

const T0 = Date.parse('2024-01-01T00:00:00Z');
const MIN = 60_000;

describe('slice classification', () => {
  it('compares a slice ratio with its threshold exactly: 999/1000 meets 99.9%', () => {
    expect(999 / 1000 >= 99.9 / 100).toBe(false); // what floating point would say
    expect(meetsThreshold(999, 1000, fraction(999, 1000))).toBe(true);
    expect(meetsThreshold(998, 1000, fraction(999, 1000))).toBe(false);
  });

  it('tells no data, zero traffic, good and bad apart', () => {
    const t = fraction(95, 100);
    expect(classifySlice(0, 0, false, t)).toBe('noData');
    expect(classifySlice(0, 0, true, t)).toBe('idle');
    expect(classifySlice(19, 20, true, t)).toBe('good');
    expect(classifySlice(18, 20, true, t)).toBe('bad');
  });

  it('counts only whole slices on the epoch grid', () => {
    expect(wholeSlices(T0, T0 + 10 * MIN, 5)).toEqual({ first: T0 / (5 * MIN), end: T0 / (5 * MIN) + 2 });
    expect(wholeSlices(T0 + MIN, T0 + 9 * MIN, 5)).toEqual({ first: T0 / (5 * MIN) + 1, end: T0 / (5 * MIN) + 1 });
  });

  it('classifies 5-minute slices by their summed counts, walking minutes', () => {
    // Slice 1: 100 events, 3 bad over its minutes (97% ≥ 95%: good). Slice 2: 10 bad of 100 (bad, share 0.1).
    // Slice 3: one minute with a zero-traffic sample (idle). Slice 4: no samples (no data).
    const minutes = [
      { good: 20, total: 20 }, { good: 17, total: 20 }, { good: 20, total: 20 }, { good: 20, total: 20 }, { good: 20, total: 20 },
      { good: 10, total: 20 }, { good: 20, total: 20 }, { good: 20, total: 20 }, { good: 20, total: 20 }, { good: 20, total: 20 },
      { good: 0, total: 0 }, null, null, null, null,
      null, null, null, null, null,
    ];
    const s = new ArrayCountSeries(T0, minutes);
    const spec = { minutes: 5, threshold: fraction(95, 100) };
    const expected = { good: 1, bad: 1, idle: 1, noData: 1, badShare: 0.03 + 0.1 };
    const walked = computeSliceStats(s, T0, T0 + 20 * MIN, spec);
    expect(walked).toEqual({ ...expected, badShare: 3 / 100 + 10 / 100 });
    expect(s.sliceStats(T0, T0 + 20 * MIN, spec)).toEqual(walked);
    // A range cutting slices keeps only the whole ones.
    expect(computeSliceStats(s, T0 + MIN, T0 + 14 * MIN, spec)).toEqual({ good: 0, bad: 1, idle: 0, noData: 0, badShare: 0.1 });
    // Slices beyond the recorded minutes have no data.
    expect(s.sliceStats(T0 + 20 * MIN, T0 + 30 * MIN, spec)).toEqual({ good: 0, bad: 0, idle: 0, noData: 2, badShare: 0 });
  });
});
