import { describe, expect, it } from 'vitest';
import { compileSlo, type SloDefinition } from './definition.js';

const base: SloDefinition = { name: 'checkout', objective: 99.9, window: { rolling: 43_200 }, budgeting: 'occurrences' };
const errors = (d: Partial<SloDefinition>) => {
  const r = compileSlo({ ...base, ...d });
  return r.ok ? [] : r.errors;
};

describe('compileSlo', () => {
  it('compiles with defaults', () => {
    const r = compileSlo(base);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.notes).toEqual([]);
    expect(r.slo).toMatchObject({
      name: 'checkout',
      method: 'occurrences',
      slice: null,
      noData: 'ignore',
      minEvents: 0,
      startMs: null,
      warningBelow: 0.25,
      noDataAfterMinutes: null,
      exhaustionWindowMinutes: 60,
    });
    expect(r.slo.objective.budget).toBe(0.001);
    expect(r.slo.tiers).toHaveLength(4);
  });

  it('compiles timeslices with an exact threshold', () => {
    const r = compileSlo({ ...base, budgeting: 'timeslices', timeslice: { minutes: 5, thresholdPercent: '99.9' } });
    expect(r.ok && r.slo.slice).toEqual({ minutes: 5, threshold: { num: 999, den: 1000 } });
    const ratio = compileSlo({ ...base, budgeting: 'ratioTimeslices' });
    expect(ratio.ok && ratio.slo.slice).toEqual({ minutes: 1, threshold: { num: 1, den: 1 } });
  });

  it('notes what it ignores or leaves out', () => {
    const r = compileSlo({ ...base, noData: 'bad', timeslice: { minutes: 5 }, window: { rolling: 1_440 } });
    expect(r.ok && r.notes).toEqual([
      'timeslice: ignored by occurrences budgeting',
      'noData: applies to timeslices only; occurrences just count events',
      'default tier (ticket 1d/2h): the long window is not shorter than the period (1d), so it is no early warning (left out)',
      'default tier (ticket 3d/6h): the long window is not shorter than the period (1d), so it is no early warning (left out)',
    ]);
  });

  it.each<[string, Partial<SloDefinition>, string[]]>([
    ['objective 100', { objective: 100 }, [
      'objective: objective 100%: must be below 100%; a 100% objective leaves no error budget (B = 0), so every error would exhaust it',
    ]],
    ['unknown zone', { window: { calendar: 'month', timezone: 'Mars/Base' } }, [
      "window: unknown time zone 'Mars/Base'; use an IANA name such as Europe/Paris or UTC",
    ]],
    ['unknown method', { budgeting: 'average' as 'occurrences' }, [
      "budgeting: must be one of occurrences, timeslices, ratioTimeslices, got 'average'",
    ]],
    ['timeslices without threshold', { budgeting: 'timeslices' }, [
      'timeslice.thresholdPercent: required for timeslices (the share of good events a slice needs, e.g. 95)',
    ]],
    ['slice not dividing a day', { budgeting: 'ratioTimeslices', timeslice: { minutes: 7 }, tiers: [] }, [
      'timeslice.minutes: must be a whole number of minutes that divides a day (1, 5, 10, 15, 30, 60…), got 7',
      'window: a rolling window must be a whole number of timeslices',
    ]],
    ['bad numbers', { minEvents: -1, warningBelow: 2, noDataAfterMinutes: 0, noData: 'maybe' as 'bad' }, [
      "noData: must be bad, good or ignore, got 'maybe'",
      'minEvents: must be 0 or more, got -1',
      'warningBelow: must be a fraction from 0 to 1, got 2',
      'noDataAfter: must be a positive whole number of minutes, got 0',
    ]],
    ['bad correction', { corrections: [{ start: 10, end: 5, reason: 'x', author: 'y' }] }, ['corrections[0].end: must be after start']],
    ['tier that can never fire', { objective: 90, tiers: [{ severity: 'page', long: 60, factor: 14.4 }] }, [
      'tiers[0] (page 1h/5m): can never fire: factor 14.4 × budget 0.1 = 1.44 ≥ 1, and an error ratio cannot exceed 1 (lower the factor, or raise the objective above 90%)',
    ]],
  ])('rejects: %s', (_name, d, expected) => {
    expect(errors(d)).toEqual(expected);
  });
});
