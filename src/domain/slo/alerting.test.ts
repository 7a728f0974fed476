// Burn-rate alerts on a 99.9% / 30-day SLO with steady traffic (100 requests a minute), the REFERENCE §1 cases.
import { describe, expect, it } from 'vitest';
import { ArrayCountSeries } from './array-series.js';
import { compileSlo, type CompiledSlo } from './definition.js';
import { evaluateSlo } from './evaluate.js';
import { timeToExhaustion } from './burn.js';

const MIN = 60_000;
const T0 = Date.parse('2024-04-10T12:00:00Z'); // the outage starts here
const HISTORY = 4 * 1_440; // four clean days before it, so every window is full

const compiled = compileSlo({ name: 'api', objective: 99.9, window: { rolling: 43_200 }, budgeting: 'occurrences' });
if (!compiled.ok) throw new Error(compiled.errors.join());
const slo: CompiledSlo = compiled.slo;

/** Steady traffic from T0 − 4 days to T0 + 2 h, all failing during [T0, T0 + outage minutes). */
function traffic(outageMinutes: number): ArrayCountSeries {
  return new ArrayCountSeries(
    T0 - HISTORY * MIN,
    Array.from({ length: HISTORY + 120 }, (_, i) => {
      const m = i - HISTORY;
      return m >= 0 && m < outageMinutes ? { good: 0, total: 100 } : { good: 100, total: 100 };
    }),
  );
}

const firing = (s: ArrayCountSeries, at: number) =>
  evaluateSlo(slo, s, at).tiers.filter((t) => t.firing).map((t) => t.id);

describe('a 100% outage', () => {
  const s = traffic(120);

  it('fires the 1h/5m page at the end of its first minute (REFERENCE: after k·B·L ≈ 52 s)', () => {
    // k·B·L = 14.4 × 0.001 × 60 min = 0.864 min = 51.84 s of total failure reach the 1h threshold. pave measures whole
    // minutes, so the page fires when the first bad minute closes:
    // errorRatio(1h) = 100 / 6000 = 1/60 ≈ 0.0167 > 14.4 × 0.001 = 0.0144, errorRatio(5m) = 100 / 500 = 0.2 > 0.0144.
    expect(14.4 * 0.001 * 60 * 60).toBeCloseTo(51.84, 10);
    expect(firing(s, T0 + 59_999)).toEqual([]);
    const e = evaluateSlo(slo, s, T0 + MIN);
    expect(e.tiers[0]).toMatchObject({ id: 'api:page:1h/5m', firing: true, longRatio: 1 / 60, shortRatio: 0.2, threshold: 0.0144 });
    expect(1 / 60).toBeGreaterThan(0.0144);
    // The other tiers need more: 6h: 100/36,000 = 0.0028 ≤ 0.006.
    expect(e.tiers.filter((t) => t.firing).map((t) => t.id)).toEqual(['api:page:1h/5m']);
    expect(e.status).toBe('warning');
  });

  it('burns at 1000×: a whole 99.9% / 30-day budget would last 43,200 / 1000 = 43.2 minutes', () => {
    expect(timeToExhaustion(1, 43_200, 1_000)).toBe(43.2);
    const e = evaluateSlo(slo, s, T0 + 5 * MIN);
    expect(e.burnRates.find((b) => b.label === '5m')?.burnRate).toBe(1_000);
    // The window holds the 4 days of history plus 5 minutes: 576,500 events, so B × events = 576.5 may fail; 500 did.
    expect(e.budget).toMatchObject({ total: 576.5, consumed: 500, consumedFraction: 500_000 / 576_500 });
    // Time to exhaustion uses the 1h burn rate, (500 / 6,000) / 0.001 = 83.33…: remaining × 43,200 min / 83.33… ≈ 68.8 min.
    const burn1h = 500_000 / 6_000;
    expect(e.burnRates.find((b) => b.label === '1h')?.burnRate).toBe(burn1h);
    expect(e.timeToExhaustionMinutes).toBeCloseTo(((1 - 500_000 / 576_500) * 43_200) / burn1h, 9);
    expect(e.timeToExhaustionMinutes).toBeCloseTo(68.79, 2);
  });
});

describe('after a 10-minute outage', () => {
  const s = traffic(10);
  const minutesAfter = (from: number, to: number, id: string) =>
    Array.from({ length: to - from + 1 }, (_, k) => from + k).filter((m) => firing(s, T0 + m * MIN).includes(id));

  it('the 6h/30m page clears 30 minutes after the outage ends, when its 30m window no longer holds a bad minute', () => {
    // Threshold 6 × 0.001 = 0.006. 6h ratio reaches it at 3 bad minutes (300/36,000 = 0.0083); from then on it holds
    // (1,000/36,000 = 0.028 after the outage). The 30m window [T0+m−30, T0+m) holds a bad minute until m = 40:
    // at m = 39 it holds T0+9 → 100/3,000 = 0.033 > 0.006; at m = 40 it holds none → 0.
    const sixHour = minutesAfter(0, 60, 'api:page:6h/30m');
    expect(sixHour[0]).toBe(3);
    expect(sixHour[sixHour.length - 1]).toBe(39);
    expect(sixHour).toHaveLength(37);
    const at39 = evaluateSlo(slo, s, T0 + 39 * MIN).tiers[1];
    expect(at39).toMatchObject({ firing: true, shortRatio: 100 / 3_000, longRatio: 1_000 / 36_000, threshold: 0.006 });
    const at40 = evaluateSlo(slo, s, T0 + 40 * MIN).tiers[1];
    expect(at40).toMatchObject({ firing: false, shortRatio: 0 });
  });

  it('the 1h/5m page clears 5 minutes after the outage ends', () => {
    const oneHour = minutesAfter(0, 60, 'api:page:1h/5m');
    expect(oneHour).toEqual(Array.from({ length: 14 }, (_, k) => k + 1)); // m = 1 … 14
  });

  it('the ticket tiers: 1d/2h fires once 1d holds 5 bad minutes (500/144,000 = 0.00347 > 0.003)', () => {
    expect(minutesAfter(0, 12, 'api:ticket:1d/2h')).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
    expect(minutesAfter(0, 12, 'api:ticket:3d/6h')).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
  });
});
