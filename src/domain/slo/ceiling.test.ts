import { describe, expect, it } from 'vitest';
import { checkCeiling, dependencyCeiling } from './ceiling.js';

const three = [
  { name: 'db', objective: 99.9 },
  { name: 'auth', objective: '99.9' },
  { name: 'queue', objective: 99.9 },
];

describe('dependency ceiling: the product of hard dependencies’ objectives', () => {
  it('three at 99.9% allow at most 0.999³ = 99.7002999%', () => {
    expect(dependencyCeiling([99.9, 99.9, 99.9])).toEqual({ num: 997_002_999, den: 1_000_000_000 });
    const c = checkCeiling(99.9, three);
    expect(c.ceilingPercent).toBe('99.7002999');
    expect(c.ceiling).toBe(0.997002999);
    expect(c.exceeds).toBe(true);
    expect(c.warning).toBe(
      'objective 99.9% is above 99.7002999%, the most its hard dependencies allow (db 99.9%, auth 99.9%, queue 99.9%): ' +
        'the product of their objectives',
    );
  });

  it('an objective at or below the ceiling is fine, compared exactly', () => {
    expect(checkCeiling(99.7, three)).toMatchObject({ exceeds: false, warning: null });
    expect(checkCeiling('99.7002999', three).exceeds).toBe(false);
    expect(checkCeiling('99.7003', three).exceeds).toBe(true);
  });

  it('no hard dependencies: the ceiling is 100%', () => {
    expect(checkCeiling(99.99, [])).toMatchObject({ ceilingPercent: '100', ceiling: 1, exceeds: false });
  });
});
