// One SloMeasurements record reused across evaluations (as the engine does, cycle after cycle) must report exactly
// what a fresh evaluation reports, across calendar period boundaries, corrections and every budgeting method.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArrayCountSeries } from './array-series.js';
import { excludedRanges } from './corrections.js';
import { compileSlo, type SloDefinition } from './definition.js';
import { evaluateSlo, evaluationHorizon, evaluationOf } from './evaluate.js';
import { SloMeasurements } from './measurements.js';
import type { Counts } from './series.js';

const MIN = 60_000;
const DAY = 1_440;
/** Three days before the end of March in Paris (the clocks change on the 30th). */
const T0 = Date.parse('2025-03-27T21:00:00Z');

const definitions: SloDefinition[] = [
  { name: 'rolling', objective: 99.9, window: { rolling: 2 * DAY }, budgeting: 'occurrences', noDataAfterMinutes: 10 },
  { name: 'month-paris', objective: 99, window: { calendar: 'month', timezone: 'Europe/Paris' }, budgeting: 'occurrences' },
  { name: 'slices', objective: 99.5, window: { calendar: 'week', timezone: 'America/New_York' }, budgeting: 'timeslices', timeslice: { minutes: 5, thresholdPercent: 95 }, noData: 'bad' },
  { name: 'ratio-slices', objective: 99, window: { rolling: DAY }, budgeting: 'ratioTimeslices', tiers: [{ severity: 'page', long: 60, short: 5, factor: 10 }] },
  {
    name: 'corrected',
    objective: 99.9,
    window: { rolling: DAY },
    budgeting: 'occurrences',
    corrections: [{ start: T0 + 5 * DAY * MIN + 30 * MIN, end: T0 + 5 * DAY * MIN + 95 * MIN, reason: 'upgrade', author: 'test' }],
  },
];

describe('SloMeasurements reused from evaluation to evaluation', () => {
  it('reports what a fresh evaluation reports at every instant, across month and week boundaries', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 2 ** 30 }), (steps, seed) => {
        const minutes = 8 * DAY;
        const data: (Counts | null)[] = Array.from({ length: minutes }, (_, i) => {
          const x = (Math.imul(i + seed, 2654435761) >>> 0) % 1000;
          if (x < 15) return null;
          return { good: 100 - (x % 7 === 0 ? x % 40 : 0), total: 100 };
        });
        const series = new ArrayCountSeries(T0, data);
        for (const def of definitions) {
          const c = compileSlo(def);
          if (!c.ok) throw new Error(c.errors.join('; '));
          const record = new SloMeasurements(c.slo);
          // Evaluate forwards from day 3 (so every window has history), crossing 1 April and a Sunday.
          let now = T0 + 3 * DAY * MIN + 17_000;
          for (const step of steps) {
            now += step * 7 * MIN;
            const horizon = evaluationHorizon(c.slo, now);
            const excluded = excludedRanges(c.slo.corrections, horizon.start, horizon.end);
            expect(evaluationOf(record.measure(series, now, excluded))).toEqual(evaluateSlo(c.slo, series, now));
          }
        }
      }),
      { numRuns: 15 },
    );
  });

  it('refuses to report a record that was never completed', () => {
    const c = compileSlo(definitions[0]!);
    if (!c.ok) throw new Error();
    expect(() => evaluationOf(new SloMeasurements(c.slo))).toThrow(/incomplete/);
  });

  it('measures each distinct window length once: default tiers share the burn windows', () => {
    const c = compileSlo({ ...definitions[0]!, exhaustionWindowMinutes: 90, tiers: [{ severity: 'page', long: 60, short: 7, factor: 14.4 }] });
    if (!c.ok) throw new Error(c.errors.join('; '));
    const plan = new SloMeasurements(c.slo).plan;
    expect(plan.lengths).toEqual([5, 7, 30, 60, 90, 120, 360, 1_440, 4_320]);
    expect(plan.tierLong.map((i) => plan.lengths[i])).toEqual([60]);
    expect(plan.tierShort.map((i) => plan.lengths[i])).toEqual([7]);
    expect(plan.lengths[plan.exhaustion]).toBe(90);
    expect(plan.tierIds).toEqual(['rolling:page:1h/7m']);
  });
});
