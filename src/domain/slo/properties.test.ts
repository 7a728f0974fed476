// Property tests: results depend on the events, never on how they were batched, split or ordered; sums are ratios of
// sums; the fast slice path agrees with the minute walk.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArrayCountSeries, type CountPoint } from './array-series.js';
import { compileSlo, type BudgetingMethod, type CompiledSlo } from './definition.js';
import { fraction } from './decimal.js';
import { evaluateSlo } from './evaluate.js';
import type { CountSeries } from './series.js';
import { computeSliceStats } from './slices.js';

const MIN = 60_000;
const START = Date.parse('2024-04-10T00:00:00Z');
const SPAN = 180; // minutes of data
const END = START + SPAN * MIN;

function slo(method: BudgetingMethod): CompiledSlo {
  const c = compileSlo({
    name: 'p',
    objective: 99,
    window: { rolling: 120 },
    budgeting: method,
    timeslice: method === 'occurrences' ? undefined : { minutes: 5, thresholdPercent: method === 'timeslices' ? 90 : undefined },
    noData: 'bad',
    noDataAfterMinutes: 10,
    tiers: [{ severity: 'page', long: 60, short: 5, factor: 2 }],
  });
  if (!c.ok) throw new Error(c.errors.join());
  return c.slo;
}

const event = fc.record({
  minute: fc.integer({ min: 0, max: SPAN - 1 }),
  offset: fc.integer({ min: 0, max: MIN - 1 }),
  good: fc.integer({ min: 0, max: 40 }),
  bad: fc.integer({ min: 0, max: 40 }),
  cut: fc.integer({ min: 0, max: 100 }),
});

type Event = { minute: number; offset: number; good: number; bad: number; cut: number };

/** The events as one point each. */
const whole = (events: Event[]): CountPoint[] =>
  events.map((e) => ({ ts: START + e.minute * MIN + e.offset, good: e.good, total: e.good + e.bad }));

/** The same events split in two at `cut` percent, at other instants of the same minute, in another order. */
const split = (events: Event[]): CountPoint[] => {
  const out: CountPoint[] = [];
  for (const e of events) {
    const g1 = Math.floor((e.good * e.cut) / 100);
    const b1 = Math.floor((e.bad * e.cut) / 100);
    const base = START + e.minute * MIN;
    out.push({ ts: base + (MIN - 1 - e.offset), good: g1, total: g1 + b1 });
    out.push({ ts: base + ((e.offset * 7) % MIN), good: e.good - g1, total: e.good - g1 + e.bad - b1 });
  }
  return out.reverse().sort((a, b) => (a.good % 3) - (b.good % 3));
};

/** The series without its fast slice path, so evaluation walks minutes. */
const walking = (s: ArrayCountSeries): CountSeries => ({ sum: (f, t) => s.sum(f, t), minutes: (f, t) => s.minutes(f, t) });

describe('properties', () => {
  it.each<BudgetingMethod>(['occurrences', 'timeslices', 'ratioTimeslices'])(
    '%s: the same events in different batches, sizes and orders give identical results',
    (method) => {
      const def = slo(method);
      fc.assert(
        fc.property(fc.array(event, { maxLength: 300 }), fc.integer({ min: 0, max: 59 }), (events, extra) => {
          const now = END - extra * 1_000 * 61;
          const a = evaluateSlo(def, ArrayCountSeries.fromPoints(START, END, whole(events)), now);
          const b = evaluateSlo(def, ArrayCountSeries.fromPoints(START, END, split(events)), now);
          expect(b).toEqual(a);
          const c = evaluateSlo(def, ArrayCountSeries.fromPoints(START, END, [...whole(events)].reverse()), now);
          expect(c).toEqual(a);
        }),
        { numRuns: 60 },
      );
    },
  );

  it('occurrences report the ratio of sums, whatever the traffic shape', () => {
    const def = slo('occurrences');
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 200 }), (events) => {
        const e = evaluateSlo(def, ArrayCountSeries.fromPoints(START, END, whole(events)), END);
        const inWindow = events.filter((x) => x.minute >= SPAN - 120);
        const good = inWindow.reduce((s, x) => s + x.good, 0);
        const total = inWindow.reduce((s, x) => s + x.good + x.bad, 0);
        expect(e.sli).toBe(total === 0 ? null : good / total);
      }),
      { numRuns: 100 },
    );
  });

  it('uneven traffic: the ratio of sums (15/1010 bad), not the mean of per-minute ratios (25.5% bad)', () => {
    // Minute 1: 1,000 requests, 10 bad (1%). Minute 2: 10 requests, 5 bad (50%).
    const s = new ArrayCountSeries(END - 2 * MIN, [{ good: 990, total: 1_000 }, { good: 5, total: 10 }]);
    const e = evaluateSlo(slo('occurrences'), s, END);
    expect(e.sli).toBe(995 / 1_010);
    expect(e.burnRates.find((b) => b.label === 'window')?.errorRatio).toBe(15 / 1_010);
    const meanOfRatios = (0.01 + 0.5) / 2;
    expect(1 - (e.sli ?? 0)).not.toBeCloseTo(meanOfRatios, 2);
    expect(e.sli).toBeCloseTo(0.98515, 5);
  });

  it.each<BudgetingMethod>(['timeslices', 'ratioTimeslices'])(
    '%s: evaluation with the series’ slice counters equals the minute walk',
    (method) => {
      const def = slo(method);
      fc.assert(
        fc.property(fc.array(event, { maxLength: 200 }), fc.integer({ min: 0, max: 100 }), (events, back) => {
          const s = ArrayCountSeries.fromPoints(START, END, whole(events));
          const now = END - back * MIN;
          const fast = evaluateSlo(def, s, now);
          const slow = evaluateSlo(def, walking(s), now);
          expect(fast.measurement.slices?.good).toBe(slow.measurement.slices?.good);
          expect(fast.measurement.slices?.noData).toBe(slow.measurement.slices?.noData);
          expect(fast.sli ?? 0).toBeCloseTo(slow.sli ?? 0, 12);
          expect(fast.budget.consumed).toBeCloseTo(slow.budget.consumed, 9);
          expect(fast.tiers.map((t) => t.firing)).toEqual(slow.tiers.map((t) => t.firing));
        }),
        { numRuns: 60 },
      );
    },
  );

  it('sliceStats agrees with computeSliceStats on any range, slice length and threshold', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.record({ good: fc.integer({ min: 0, max: 9 }), extra: fc.integer({ min: 0, max: 3 }) })), {
          maxLength: 120,
        }),
        fc.integer({ min: -30, max: 150 }),
        fc.integer({ min: 0, max: 150 }),
        fc.constantFrom(1, 2, 5, 15, 30),
        fc.integer({ min: 1, max: 100 }),
        (minutes, a, len, slice, pct) => {
          const s = new ArrayCountSeries(START, minutes.map((m) => (m ? { good: m.good, total: m.good + m.extra } : null)));
          const spec = { minutes: slice, threshold: fraction(pct, 100) };
          const from = START + a * MIN;
          const to = from + len * MIN;
          const fast = s.sliceStats(from, to, spec);
          const slow = computeSliceStats(s, from, to, spec);
          expect({ ...fast, badShare: 0 }).toEqual({ ...slow, badShare: 0 });
          expect(fast.badShare).toBeCloseTo(slow.badShare, 9);
        },
      ),
      { numRuns: 300 },
    );
  });
});
