import { describe, expect, it } from 'vitest';
import { minuteIncreases, minuteValues, type MatrixSeries } from './promql-increase.js';

const MIN = 60_000;
const T0 = Date.parse('2026-05-04T10:00:00Z');
/** A series with values at minute boundaries T0 + k min (null: absent at that boundary), for minuteValues. */
const series = (...values: (number | null)[]): MatrixSeries => ({
  values: values.flatMap((v, k) => (v === null ? [] : [[(T0 + k * MIN) / 1000, String(v)] as const])),
});

const at = (ms: number, v: number) => [ms / 1000, String(v)] as const;

describe('minuteIncreases', () => {
  it('puts each sample\'s growth in the minute (m, m + 1 min] it falls in, and sums series', () => {
    // Baselines at T0 (not counted), then samples every 15 s.
    const a: MatrixSeries = { values: [at(T0, 10), at(T0 + 15_000, 12), at(T0 + 60_000, 15), at(T0 + 75_000, 20), at(T0 + 120_000, 40)] };
    const b: MatrixSeries = { values: [at(T0 - 30_000, 0), at(T0 + 30_000, 1), at(T0 + 90_000, 3)] };
    const r = minuteIncreases([a, b], T0, T0 + 2 * MIN);
    // Minute 0 holds (T0, T0+60s]: a 10→12→15 (+5), b 0→1 (+1). Minute 1: a 15→20→40 (+25), b 1→3 (+2).
    expect([...r.events]).toEqual([6, 27]);
    expect([...r.hasData]).toEqual([1, 1]);
  });

  it('counts growth across a reset inside a minute exactly: before it, and from zero after it', () => {
    // 100 → 120 (+20), restart: 5 (+5), 30 (+25) = 50 in the minute.
    const r = minuteIncreases([{ values: [at(T0, 100), at(T0 + 15_000, 120), at(T0 + 30_000, 5), at(T0 + 45_000, 30)] }], T0, T0 + MIN);
    expect([...r.events]).toEqual([50]);
  });

  it('puts the growth over a scrape gap into the minute scraping resumes, and leaves the gap without data', () => {
    const r = minuteIncreases([{ values: [at(T0, 10), at(T0 + 150_000, 25), at(T0 + 200_000, 26)] }], T0, T0 + 4 * MIN);
    expect([...r.events]).toEqual([0, 0, 15, 1]);
    expect([...r.hasData]).toEqual([0, 0, 1, 1]);
  });

  it('takes a series first seen inside the range as its baseline, as Prometheus does', () => {
    const r = minuteIncreases([{ values: [at(T0 + 90_000, 7), at(T0 + 150_000, 9)] }], T0, T0 + 3 * MIN);
    expect([...r.events]).toEqual([0, 0, 2]);
    expect([...r.hasData]).toEqual([0, 1, 1]);
  });

  it('stops at the end of the range and rounds fractional counters', () => {
    const r = minuteIncreases([{ values: [at(T0, 1), at(T0 + 60_000, 2.6), at(T0 + 9 * MIN, 99)] }], T0, T0 + 2 * MIN);
    expect([...r.events]).toEqual([2, 0]);
  });
});

describe('minuteValues (the inexact fallback)', () => {
  it('takes each value as the minute ending at its timestamp, rounded, never negative', () => {
    const r = minuteValues([series(0, 59.87, -0.2, 3.5)], T0, T0 + 3 * MIN);
    expect([...r.events]).toEqual([60, 0, 4]);
    expect([...r.hasData]).toEqual([1, 1, 1]);
  });
});
