import { describe, expect, it } from 'vitest';
import { checkComposite, evaluateComposite, weightedMean, type CompositeComponent } from './composite.js';
import { parseObjective } from './objective.js';

describe('composite SLOs: SLI = Σ wᵢ·SLIᵢ / Σ wᵢ over components with data; budget from the composite objective', () => {
  const components: CompositeComponent[] = [
    { name: 'checkout', weight: 2, sli: 0.999, errorRatios: { '5m': 0.02, '1h': 0.01 } },
    { name: 'search', weight: 1, sli: 0.99, errorRatios: { '5m': null, '1h': 0.001 } },
    { name: 'payments', weight: 1, sli: null }, // no data: left out, weights renormalised
  ];
  const e = evaluateComposite(parseObjective(99.5), components, { periodMinutes: 43_200 });

  it('SLI (2 × 0.999 + 1 × 0.99) / 3 = 0.996; consumed (1 − 0.996) / 0.005 = 0.8', () => {
    expect(e.sli).toBeCloseTo(0.996, 14);
    expect(e.consumedFraction).toBeCloseTo(0.8, 12);
    expect(e.remainingFraction).toBeCloseTo(0.2, 12);
    expect(e.status).toBe('warning');
    expect(e.shares).toEqual([
      { name: 'checkout', share: 2 / 3 },
      { name: 'search', share: 1 / 3 },
      { name: 'payments', share: 0 },
    ]);
  });

  it('burn per window from the weighted error ratios: 1h (2 × 0.01 + 0.001) / 3 = 0.007 → 1.4; 5m only checkout → 4', () => {
    expect(e.burnRates.map((b) => b.label)).toEqual(['5m', '1h']);
    expect(e.burnRates[0]?.errorRatio).toBe(0.02);
    expect(e.burnRates[0]?.burnRate).toBeCloseTo(4, 12);
    expect(e.burnRates[1]?.errorRatio).toBeCloseTo(0.007, 15);
    expect(e.burnRates[1]?.burnRate).toBeCloseTo(1.4, 12);
    // Time to exhaustion at the 1h burn: 0.2 × 43,200 / 1.4 ≈ 6,171.43 minutes.
    expect(e.timeToExhaustionMinutes).toBeCloseTo((0.2 * 43_200) / 1.4, 6);
  });

  it('with equal objectives and weights, the composite burns at the mean of the components’ burns', () => {
    const o = parseObjective(99.9);
    const c = evaluateComposite(
      o,
      [
        { name: 'a', weight: 1, sli: 0.998, errorRatios: { '1h': 0.002 } }, // burn 2
        { name: 'b', weight: 1, sli: 0.9995, errorRatios: { '1h': 0.0005 } }, // burn 0.5
      ],
      { periodMinutes: 43_200 },
    );
    expect(c.burnRates[0]?.burnRate).toBeCloseTo(1.25, 12);
    expect(c.consumedFraction).toBeCloseTo(1.25, 12);
    expect(c.status).toBe('exhausted');
  });

  it('no component with data: no SLI, nothing spent, no_data', () => {
    const none = evaluateComposite(parseObjective(99), [{ name: 'a', weight: 1, sli: null }], { periodMinutes: 60 });
    expect(none).toMatchObject({ sli: null, consumedFraction: 0, remainingFraction: 1, status: 'no_data', timeToExhaustionMinutes: null });
  });

  it('weightedMean skips missing values', () => {
    expect(weightedMean([{ weight: 3, value: 1 }, { weight: 1, value: 0 }, { weight: 5, value: null }])).toBe(0.75);
    expect(weightedMean([])).toBeNull();
  });

  it('validates weights and names', () => {
    expect(checkComposite([])).toEqual(['a composite needs at least one component']);
    expect(checkComposite([{ name: 'a', weight: 0, sli: null }, { name: 'a', weight: 1, sli: null }])).toEqual([
      'components[0] (a): weight must be above 0',
      'components[1]: a appears twice',
    ]);
  });
});
