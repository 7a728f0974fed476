import { describe, expect, it } from 'vitest';
import { ArrayCountSeries } from '../domain/slo/array-series.js';
import { compileSlo } from '../domain/slo/definition.js';
import { SloMeasurements } from '../domain/slo/measurements.js';
import type { Counts } from '../domain/slo/series.js';
import { diffAlertStates, knownAlertStates } from './alert-diff.js';

const MIN = 60_000;
const T0 = Date.parse('2025-06-02T00:00:00Z');

function measured(at: (minute: number) => Counts | null, minutes: number) {
  const c = compileSlo({ name: 'api', objective: 99.9, window: { rolling: 7 * 1_440 }, budgeting: 'occurrences', noDataAfterMinutes: 5 });
  if (!c.ok) throw new Error(c.errors.join('; '));
  const series = new ArrayCountSeries(T0, Array.from({ length: minutes }, (_, i) => at(i)));
  return new SloMeasurements(c.slo).measure(series, T0 + minutes * MIN, []);
}

describe('diffAlertStates', () => {
  it('reports only the alerts whose state changed, as index × 2 + firing, and updates the known states', () => {
    // A day of clean traffic, then 10 minutes of 100% errors: the 1h/5m page tier (14.4 × 0.001 over both windows)
    // fires; 6h/30m needs 0.006 over 6h (10/360 = 0.028: fires too); the ticket tiers need 1d > 0.003 (10/1440 =
    // 0.0069: fires) and 3d > 0.001 over 3 days, of which only one day has data (10/1440: fires).
    const m = measured((i) => (i < 1_430 ? { good: 100, total: 100 } : { good: 0, total: 100 }), 1_440);
    const known = knownAlertStates(m, (id) => id === 'api:ticket:3d/6h');
    expect([...known]).toEqual([0, 0, 0, 1, 0]);
    const changed: number[] = [];
    diffAlertStates(m, known, changed);
    expect(changed).toEqual([0 * 2 + 1, 1 * 2 + 1, 2 * 2 + 1]);
    expect([...known]).toEqual([1, 1, 1, 1, 0]);
    changed.length = 0;
    diffAlertStates(m, known, changed);
    expect(changed).toEqual([]);
  });

  it('fires and resolves the no-data alert', () => {
    const silent = measured((i) => (i < 1_430 ? { good: 100, total: 100 } : null), 1_440);
    const known = knownAlertStates(silent, () => false);
    const changed: number[] = [];
    diffAlertStates(silent, known, changed);
    expect(changed).toEqual([4 * 2 + 1]);
    const back = measured(() => ({ good: 100, total: 100 }), 1_440);
    changed.length = 0;
    diffAlertStates(back, known, changed);
    expect(changed).toEqual([4 * 2 + 0]);
  });
});
