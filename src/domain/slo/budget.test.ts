import { describe, expect, it } from 'vitest';
import { budgetOf } from './budget.js';
import { burnRateOf, timeToExhaustion } from './burn.js';
import type { Measurement } from './measure.js';
import { parseObjective } from './objective.js';
import { statusOf } from './status.js';

const m = (good: number, bad: number, unit: 'events' | 'minutes' = 'events'): Measurement => ({
  from: 0, to: 0, unit, good, bad, events: good + bad, dataMinutes: 0, includedMinutes: 0, slices: null,
});
const o999 = parseObjective(99.9);

describe('budgetOf', () => {
  it('occurrences: allowed = B × events; 3 bad of 1,000 at 99.9% is 3× the budget', () => {
    expect(budgetOf('occurrences', o999, m(997, 3), 43_200)).toEqual({
      unit: 'events', total: 1, consumed: 3, remaining: -2, consumedFraction: 3, remainingFraction: -2,
    });
  });

  it('timeslices: allowed = B × period minutes, whatever has elapsed: 99.9% of a 365-day year allows 525.6 minutes', () => {
    expect(budgetOf('timeslices', o999, m(1_000, 0, 'minutes'), 525_600).total).toBe(525.6);
    expect(budgetOf('timeslices', o999, m(1_000, 0, 'minutes'), 1_440).total).toBe(1.44);
    expect(budgetOf('timeslices', parseObjective(99.99), m(0, 0, 'minutes'), 43_200).total).toBe(4.32);
    expect(budgetOf('timeslices', parseObjective(99.999), m(0, 0, 'minutes'), 43_200).total * 60).toBeCloseTo(25.92, 10);
  });
});

describe('burn rates and time to exhaustion', () => {
  it('burn = error ratio / B; 100% errors burn at 1000× a 99.9% budget', () => {
    expect(burnRateOf(m(0, 10), o999)).toBe(1_000);
    expect(burnRateOf(m(999, 1), o999)).toBe(1);
    expect(burnRateOf(m(0, 0), o999)).toBeNull();
  });

  it('remaining × P / burn; 0 when spent; null when not burning', () => {
    expect(timeToExhaustion(1, 43_200, 1)).toBe(43_200); // 30 days
    expect(timeToExhaustion(1, 43_200, 2)).toBe(21_600); // 15 days
    expect(timeToExhaustion(1, 43_200, 10)).toBe(4_320); // 3 days
    expect(timeToExhaustion(0.25, 43_200, 10)).toBe(1_080);
    expect(timeToExhaustion(0, 43_200, 10)).toBe(0);
    expect(timeToExhaustion(-0.5, 43_200, null)).toBe(0);
    expect(timeToExhaustion(0.5, 43_200, 0)).toBeNull();
    expect(timeToExhaustion(0.5, 43_200, null)).toBeNull();
  });
});

describe('statusOf', () => {
  const base = { remainingFraction: 0.9, warningBelow: 0.25, measured: true, noDataFiring: false, pageFiring: false };
  it.each([
    [{}, 'healthy'],
    [{ remainingFraction: 0 }, 'exhausted'],
    [{ remainingFraction: -1, measured: false, noDataFiring: true }, 'exhausted'],
    [{ measured: false }, 'no_data'],
    [{ noDataFiring: true, pageFiring: true }, 'no_data'],
    [{ remainingFraction: 0.2499 }, 'warning'],
    [{ remainingFraction: 0.25 }, 'healthy'],
    [{ pageFiring: true }, 'warning'],
  ])('%j → %s', (over, status) => {
    expect(statusOf({ ...base, ...over }).status).toBe(status);
  });
});
