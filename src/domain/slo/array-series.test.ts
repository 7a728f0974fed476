import { describe, expect, it } from 'vitest';
import { ArrayCountSeries } from './array-series.js';

const T0 = Date.parse('2024-01-01T00:00:00Z');
const MIN = 60_000;

describe('ArrayCountSeries', () => {
  const s = new ArrayCountSeries(T0, [{ good: 9, total: 10 }, null, { good: 0, total: 0 }, { good: 5, total: 5 }]);

  it('sums half-open minute ranges with prefix sums', () => {
    expect(s.sum(T0, T0 + 4 * MIN)).toEqual({ good: 14, total: 15, dataMinutes: 3 });
    expect(s.sum(T0 + MIN, T0 + 3 * MIN)).toEqual({ good: 0, total: 0, dataMinutes: 1 });
    expect(s.sum(T0, T0)).toEqual({ good: 0, total: 0, dataMinutes: 0 });
  });

  it('treats minutes outside the recorded range as no data', () => {
    expect(s.sum(T0 - 10 * MIN, T0 + MIN)).toEqual({ good: 9, total: 10, dataMinutes: 1 });
    expect(s.sum(T0 + 10 * MIN, T0 + 20 * MIN)).toEqual({ good: 0, total: 0, dataMinutes: 0 });
    expect([...s.minutes(T0 - MIN, T0 + 2 * MIN)]).toEqual([
      { minuteMs: T0 - MIN, good: 0, total: 0, hasData: false },
      { minuteMs: T0, good: 9, total: 10, hasData: true },
      { minuteMs: T0 + MIN, good: 0, total: 0, hasData: false },
    ]);
  });

  it('refuses misaligned ranges and impossible counts', () => {
    expect(() => s.sum(T0 + 1, T0 + MIN)).toThrow('not on a whole minute');
    expect(() => new ArrayCountSeries(T0, [{ good: 2, total: 1 }])).toThrow('need 0 ≤ good ≤ total');
    expect(() => ArrayCountSeries.fromPoints(T0, T0 + MIN, [{ ts: T0 + MIN, good: 1, total: 1 }])).toThrow('outside the series');
  });

  it('buckets points into the minute containing them', () => {
    const p = ArrayCountSeries.fromPoints(T0, T0 + 3 * MIN, [
      { ts: T0 + MIN - 1, good: 1, total: 2 },
      { ts: T0, good: 3, total: 3 },
      { ts: T0 + MIN, good: 0, total: 0 },
    ]);
    expect([...p.minutes(T0, T0 + 3 * MIN)].map((m) => [m.good, m.total, m.hasData])).toEqual([
      [4, 5, true],
      [0, 0, true],
      [0, 0, false],
    ]);
  });
});
