import { describe, expect, it } from 'vitest';
import { parseObjective } from './objective.js';
import {
  compileTiers,
  defaultShort,
  DEFAULT_TIERS,
  evaluateTiers,
  explainTier,
  tierForPeriod,
  tierId,
  type TierSpec,
} from './tiers.js';

const o999 = parseObjective(99.9);
const DAYS = 1_440;
const rolling30d = { rolling: 30 * DAYS };

describe('default tiers scaled to the period: k = b·P/L', () => {
  const rules = compileTiers(undefined, o999, rolling30d).rules;

  it('30 days: 14.4 / 6 / 3 / 1, thresholds k·B printing as exact decimals', () => {
    const tiers = rules.map((r) => tierForPeriod(r, o999, 30 * DAYS));
    expect(tiers.map((t) => t.k)).toEqual([14.4, 6, 3, 1]);
    expect(tiers.map((t) => t.threshold)).toEqual([0.0144, 0.006, 0.003, 0.001]);
    expect(tiers.map((t) => String(t.threshold))).toEqual(['0.0144', '0.006', '0.003', '0.001']);
    expect(tiers.map((t) => `${t.severity} ${t.long}/${t.short}`)).toEqual(['page 60/5', 'page 360/30', 'ticket 1440/120', 'ticket 4320/360']);
  });

  it('28 days: 13.44 / 5.6 / 2.8 / 0.9333…', () => {
    const tiers = rules.map((r) => tierForPeriod(r, o999, 28 * DAYS));
    expect(tiers.map((t) => t.k)).toEqual([13.44, 5.6, 2.8, 14 / 15]);
    expect(tiers[3]?.k).toBeCloseTo(0.9333, 4);
    expect(tiers[3]?.kFraction).toEqual({ num: 14, den: 15 });
    expect(tiers.map((t) => t.threshold)).toEqual([0.01344, 0.0056, 0.0028, 14 / 15_000]);
  });

  it('a 31-day calendar month scales too: 0.02 × 44640 / 60 = 14.88', () => {
    expect(tierForPeriod(rules[0]!, o999, 31 * DAYS).k).toBe(14.88);
  });

  it('drops default tiers whose long window is not shorter than the period', () => {
    const c = compileTiers(undefined, o999, { rolling: DAYS });
    expect(c.errors).toEqual([]);
    expect(c.rules.map((r) => r.long)).toEqual([60, 360]);
    expect(c.dropped).toEqual([
      'default tier (ticket 1d/2h): the long window is not shorter than the period (1d), so it is no early warning',
      'default tier (ticket 3d/6h): the long window is not shorter than the period (1d), so it is no early warning',
    ]);
  });

  it('drops default tiers that can never fire: a 90% SLO cannot burn at 14.4 (14.4 × 0.1 = 1.44 ≥ 1)', () => {
    const c = compileTiers(undefined, parseObjective(90), rolling30d);
    expect(c.rules.map((r) => r.long)).toEqual([360, 1_440, 4_320]);
    expect(c.dropped).toEqual([
      'default tier (page 1h/5m): can never fire: factor 14.4 × budget 0.1 = 1.44 ≥ 1, and an error ratio cannot exceed 1 (lower the factor, or raise the objective above 90%)',
    ]);
  });

  it('checks never-firing against the longest period of a calendar window (31 days + 2 h)', () => {
    const c = compileTiers(undefined, parseObjective(93.3), { calendar: 'month', timezone: 'UTC' });
    // 0.02 × 44760 / 60 = 14.92; × 0.067 = 0.99964 < 1: kept. At 93.2%: × 0.068 = 1.01456: dropped.
    expect(c.rules).toHaveLength(4);
    expect(compileTiers(undefined, parseObjective(93.2), { calendar: 'month', timezone: 'UTC' }).rules).toHaveLength(3);
  });
});

describe('custom tiers', () => {
  const compile = (specs: TierSpec[], percent = 99.9, sliceMinutes = 1) =>
    compileTiers(specs, parseObjective(percent), rolling30d, sliceMinutes);

  it('take a factor or a budget share; the short window defaults to L/12', () => {
    const c = compile([
      { severity: 'page', long: 30, factor: 20 },
      { severity: 'ticket', long: 720, short: 60, budgetPercent: '5' },
    ]);
    expect(c.errors).toEqual([]);
    expect(c.rules).toEqual([
      { severity: 'page', long: 30, short: 3, factor: { num: 20, den: 1 }, budgetShare: null, key: 'page:30m/3m' },
      { severity: 'ticket', long: 720, short: 60, factor: null, budgetShare: { num: 1, den: 20 }, key: 'ticket:12h/1h' },
    ]);
    expect(tierForPeriod(c.rules[1]!, o999, 30 * DAYS).k).toBe(3);
    expect(defaultShort(60)).toBe(5);
    expect(defaultShort(5)).toBe(1);
  });

  it('an empty list means no burn-rate alerts', () => {
    expect(compile([])).toEqual({ rules: [], errors: [], dropped: [] });
  });

  it.each<[string, TierSpec[], number, string[]]>([
    ['never fires', [{ severity: 'page', long: 60, short: 5, factor: 14.4 }], 90, [
      'tiers[0] (page 1h/5m): can never fire: factor 14.4 × budget 0.1 = 1.44 ≥ 1, and an error ratio cannot exceed 1 (lower the factor, or raise the objective above 90%)',
    ]],
    ['k·B exactly 1 never fires either', [{ severity: 'page', long: 60, short: 5, factor: 10 }], 90, [
      'tiers[0] (page 1h/5m): can never fire: factor 10 × budget 0.1 = 1 ≥ 1, and an error ratio cannot exceed 1 (lower the factor, or raise the objective above 90%)',
    ]],
    ['short not shorter', [{ severity: 'page', long: 60, short: 60, factor: 2 }], 99.9, [
      'tiers[0] (page 1h/1h): the short window must be shorter than the long window',
    ]],
    ['both factor and share', [{ severity: 'page', long: 60, factor: 2, budgetPercent: 2 }], 99.9, [
      'tiers[0] (page 1h/5m): give exactly one of factor (the burn rate, e.g. 14.4) and budgetPercent (e.g. 2)',
    ]],
    ['zero factor', [{ severity: 'page', long: 60, factor: 0 }], 99.9, ['tiers[0] (page 1h/5m): factor must be above 0']],
    ['share over 100%', [{ severity: 'page', long: 60, budgetPercent: 150 }], 99.9, [
      'tiers[0] (page 1h/5m): budgetPercent must be above 0 and at most 100',
    ]],
    ['long window as long as the period', [{ severity: 'ticket', long: 30 * DAYS, factor: 1 }], 99.9, [
      'tiers[0] (ticket 30d/60h): the long window is not shorter than the period (30d), so it is no early warning',
    ]],
    ['unknown severity', [{ severity: 'urgent' as 'page', long: 60, factor: 2 }], 99.9, [
      "tiers[0] (urgent 1h/5m): severity must be page or ticket, got 'urgent'",
    ]],
    ['bad long window', [{ severity: 'page', long: 0, factor: 2 }], 99.9, [
      'tiers[0]: long window must be a positive whole number of minutes, got 0',
    ]],
    ['duplicate', [{ severity: 'page', long: 60, factor: 2 }, { severity: 'page', long: 60, short: 5, budgetPercent: 1 }], 99.9, [
      'tiers[1] (page 1h/5m): the same severity and windows appear twice',
    ]],
  ])('rejects: %s', (_name, specs, percent, errors) => {
    const c = compile(specs, percent);
    expect(c.errors).toEqual(errors);
  });

  it('must be whole numbers of timeslices', () => {
    expect(compile([{ severity: 'page', long: 60, short: 5, factor: 2 }], 99.9, 10).errors).toEqual([
      'tiers[0] (page 1h/5m): both windows must be whole numbers of 10m timeslices',
    ]);
  });
});

describe('evaluateTiers', () => {
  const tiers = compileTiers(undefined, o999, rolling30d).rules.map((r) => tierForPeriod(r, o999, 30 * DAYS));
  const flat = (errorRatio: number | null, events = 1_000_000) => () => ({ errorRatio, events });

  it('gives each tier a stable identity', () => {
    expect(tiers.map((t) => tierId('checkout', t))).toEqual([
      'checkout:page:1h/5m',
      'checkout:page:6h/30m',
      'checkout:ticket:1d/2h',
      'checkout:ticket:3d/6h',
    ]);
    expect(DEFAULT_TIERS).toHaveLength(4);
  });

  it('fires only above the threshold: a ratio exactly at k·B does not fire', () => {
    const at = evaluateTiers('s', tiers, flat(144 / 10_000), 0);
    expect(at.map((t) => t.firing)).toEqual([false, true, true, true]);
    const above = evaluateTiers('s', tiers, flat(145 / 10_000), 0);
    expect(above.map((t) => t.firing)).toEqual([true, true, true, true]);
  });

  it('needs both windows above the threshold', () => {
    const longOnly = evaluateTiers('s', tiers, (m) => ({ errorRatio: m === 60 ? 0.5 : 0, events: 1000 }), 0);
    expect(longOnly[0]).toMatchObject({ firing: false, longRatio: 0.5, shortRatio: 0, threshold: 0.0144, k: 14.4 });
  });

  it('needs minEvents in the long window; no data never fires', () => {
    expect(evaluateTiers('s', tiers, flat(0.1, 10), 100).some((t) => t.firing)).toBe(false);
    expect(evaluateTiers('s', tiers, flat(0.1, 100), 100).every((t) => t.firing)).toBe(true);
    expect(evaluateTiers('s', tiers, flat(null, 0), 0).some((t) => t.firing)).toBe(false);
  });

  it('explains its arithmetic', () => {
    const [page] = evaluateTiers('s', tiers, (m) => ({ errorRatio: m === 60 ? 1 / 60 : 0.2, events: 6000 }), 100);
    expect(explainTier(page!)).toBe(
      'page 1h/5m FIRING: threshold k·B = 14.4 × B = 0.0144; error ratio 1h 0.016666666666666666 > 0.0144, ' +
        '5m 0.2 > 0.0144; events 1h 6000 ≥ minEvents 100',
    );
  });
});
