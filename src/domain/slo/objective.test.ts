import { describe, expect, it } from 'vitest';
import { objectiveError, ObjectiveError, parseObjective } from './objective.js';

describe('parseObjective', () => {
  it('derives B = 1 − T exactly: 99.9 gives 0.001, not 0.0010000000000000009', () => {
    expect(1 - 0.999).not.toBe(0.001);
    const o = parseObjective(99.9);
    expect(o).toEqual({
      percent: '99.9',
      target: 0.999,
      budget: 0.001,
      targetFraction: { num: 999, den: 1000 },
      budgetFraction: { num: 1, den: 1000 },
    });
  });

  it.each([
    ['99.99', 0.9999, 0.0001],
    [99.999, 0.99999, 0.00001],
    [99.95, 0.9995, 0.0005],
    [90, 0.9, 0.1],
    ['99.90', 0.999, 0.001],
  ])('%s', (p, target, budget) => {
    const o = parseObjective(p);
    expect(o.target).toBe(target);
    expect(o.budget).toBe(budget);
  });

  it.each([
    [100, 'must be below 100%; a 100% objective leaves no error budget'],
    [0, 'must be above 0%'],
    [101, 'must be below 100%'],
    ['-5', 'plain non-negative decimal'],
    ['99.9%', 'plain non-negative decimal'],
  ])('rejects %s', (p, message) => {
    expect(() => parseObjective(p)).toThrow(ObjectiveError);
    expect(objectiveError(p)).toContain(message);
  });

  it('has no error for a valid objective', () => {
    expect(objectiveError('99.5')).toBeNull();
  });
});
