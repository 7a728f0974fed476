// Hand-computed cases for one evaluation: each budgeting method, rolling and calendar windows, window boundaries,
// no-data rules, minEvents, corrections, start date, overspending, time to exhaustion and status.
import { describe, expect, it } from 'vitest';
import { ArrayCountSeries } from './array-series.js';
import { compileSlo, type CompiledSlo, type SloDefinition } from './definition.js';
import { evaluateSlo } from './evaluate.js';
import type { Counts } from './series.js';

const MIN = 60_000;
const DAY = 1_440;
const NOW = Date.parse('2024-04-11T00:00:00Z');

function slo(def: Partial<SloDefinition>): CompiledSlo {
  const c = compileSlo({ name: 'checkout', objective: 99.9, window: { rolling: 30 * DAY }, budgeting: 'occurrences', ...def });
  if (!c.ok) throw new Error(c.errors.join('\n'));
  return c.slo;
}

/** `minutes` minutes ending at `end`, each from `at(i)` (i = 0 is the oldest). */
function series(end: number, minutes: number, at: (i: number) => Counts | null): ArrayCountSeries {
  return new ArrayCountSeries(end - minutes * MIN, Array.from({ length: minutes }, (_, i) => at(i)));
}

const ok = (n: number): Counts => ({ good: n, total: n });

describe('occurrences over a rolling 30-day window, 99.9%', () => {
  // 100 events a minute for 30 days = 4,320,000 events. 1,560 bad early on (10 in each of the first 156 minutes) and
  // 10% errors in the last hour (600 bad): 2,160 bad in all.
  const N = 30 * DAY;
  const data = series(NOW, N, (i) => (i < 156 || i >= N - 60 ? { good: 90, total: 100 } : ok(100)));
  const e = evaluateSlo(slo({}), data, NOW + 59_999);

  it('SLI is the ratio of sums: 1 − 2160/4320000 = 0.9995', () => {
    expect(e.at).toBe(NOW);
    expect(e.measurement).toMatchObject({ good: 4_317_840, bad: 2_160, events: 4_320_000 });
    expect(e.sli).toBe(0.9995);
  });

  it('budget in events: B × events so far = 4320 allowed, 2160 spent, half left', () => {
    expect(e.budget).toEqual({
      unit: 'events',
      total: 4_320,
      consumed: 2_160,
      remaining: 2_160,
      consumedFraction: 0.5,
      remainingFraction: 0.5,
    });
  });

  it('burn rates = error ratio / B over each window', () => {
    expect(e.burnRates.map((b) => [b.label, b.errorRatio, b.burnRate])).toEqual([
      ['5m', 0.1, 100], // 50 / 500
      ['30m', 0.1, 100],
      ['1h', 0.1, 100],
      ['2h', 0.05, 50], // 600 / 12,000
      ['6h', 600 / 36_000, 600_000 / 36_000],
      ['1d', 600 / 144_000, 600_000 / 144_000],
      ['3d', 600 / 432_000, 600_000 / 432_000],
      ['window', 0.0005, 0.5],
    ]);
  });

  it('time to exhaustion at the 1h burn rate: 0.5 × 43200 min / 100 = 216 min', () => {
    expect(e.timeToExhaustionMinutes).toBe(216);
  });

  it('every tier fires, so the status is warning although half the budget is left', () => {
    expect(e.tiers.map((t) => [t.id, t.firing])).toEqual([
      ['checkout:page:1h/5m', true],
      ['checkout:page:6h/30m', true],
      ['checkout:ticket:1d/2h', true], // 1d: 0.0041667 > 0.003; 2h: 0.05 > 0.003
      ['checkout:ticket:3d/6h', true], // 3d: 0.0013889 > 0.001; 6h: 0.0166667 > 0.001
    ]);
    expect(e.status).toBe('warning');
    expect(e.statusReason).toBe('a page tier is firing');
  });

  it('overspent: 6000 bad of 4.32 M leaves −1680 events, −38.9% of the budget, exhausted now', () => {
    const over = series(NOW, N, (i) => (i < 600 ? { good: 90, total: 100 } : ok(100)));
    const x = evaluateSlo(slo({}), over, NOW);
    expect(x.budget).toEqual({
      unit: 'events',
      total: 4_320,
      consumed: 6_000,
      remaining: -1_680,
      consumedFraction: 6_000_000 / 4_320_000,
      remainingFraction: 1 - 6_000_000 / 4_320_000,
    });
    expect(x.budget.remainingFraction).toBeCloseTo(-0.3889, 4);
    expect(x.status).toBe('exhausted');
    expect(x.timeToExhaustionMinutes).toBe(0);
  });

  it('no burn: no time to exhaustion, healthy', () => {
    const clean = evaluateSlo(slo({}), series(NOW, N, () => ok(100)), NOW);
    expect(clean.burnRates.find((b) => b.label === '1h')?.burnRate).toBe(0);
    expect(clean.timeToExhaustionMinutes).toBeNull();
    expect(clean.status).toBe('healthy');
    expect(clean.sli).toBe(1);
  });

  it('warning when less than a quarter of the budget is left (and nothing fires)', () => {
    // 3,456 bad early in the window: 80% of the budget spent.
    const w = evaluateSlo(slo({}), series(NOW, N, (i) => (i < 48 ? { good: 28, total: 100 } : ok(100))), NOW);
    expect(w.budget.consumedFraction).toBe(0.8);
    expect(w.budget.remainingFraction).toBeCloseTo(0.2, 15);
    expect(w.tiers.some((t) => t.firing)).toBe(false);
    expect(w.status).toBe('warning');
    expect(w.statusReason).toBe('remaining budget below the warning level');
    expect(evaluateSlo(slo({ warningBelow: 0.1 }), series(NOW, N, (i) => (i < 48 ? { good: 28, total: 100 } : ok(100))), NOW).status).toBe('healthy');
  });

  it('no data at all: SLI unknown, nothing spent, status no_data', () => {
    const none = evaluateSlo(slo({}), new ArrayCountSeries(NOW, []), NOW);
    expect(none.sli).toBeNull();
    expect(none.budget).toMatchObject({ total: 0, consumed: 0, consumedFraction: 0, remainingFraction: 1 });
    expect(none.burnRates.every((b) => b.burnRate === null)).toBe(true);
    expect(none.status).toBe('no_data');
  });
});

describe('window boundaries: [start, end)', () => {
  // Points: 10:59:59.999 (1 bad), 11:00:00.000 (2 bad), 11:30 (7 good), 12:00:00.000 (4 bad).
  const t = (hhmmss: string) => Date.parse(`2024-04-10T${hhmmss}Z`);
  const data = ArrayCountSeries.fromPoints(t('10:00:00'), t('12:10:00'), [
    { ts: t('10:59:59.999'), good: 0, total: 1 },
    { ts: t('11:00:00'), good: 0, total: 2 },
    { ts: t('11:30:00'), good: 7, total: 7 },
    { ts: t('12:00:00'), good: 0, total: 4 },
  ]);
  const hourly = slo({ window: { rolling: 60 }, tiers: [] });

  it('at 12:00:00 the window is [11:00, 12:00): the event at 11:00:00.000 is in, 10:59:59.999 and 12:00:00.000 are out', () => {
    const e = evaluateSlo(hourly, data, t('12:00:00'));
    expect([e.window.start, e.window.end]).toEqual([t('11:00:00'), t('12:00:00')]);
    expect(e.measurement).toMatchObject({ good: 7, bad: 2, events: 9 });
  });

  it('until 12:00:59.999 the minute in progress is not measured', () => {
    expect(evaluateSlo(hourly, data, t('12:00:59.999')).measurement).toMatchObject({ good: 7, bad: 2 });
  });

  it('at 12:01 the window is [11:01, 12:01): 11:00 leaves, 12:00 enters', () => {
    expect(evaluateSlo(hourly, data, t('12:01:00')).measurement).toMatchObject({ good: 7, bad: 4, events: 11 });
  });

  it('calendar month in Paris: 29 Feb 22:59 UTC is February, 23:00 UTC is 1 March 00:00', () => {
    const points = ArrayCountSeries.fromPoints(Date.parse('2024-02-29T22:00:00Z'), Date.parse('2024-03-01T00:00:00Z'), [
      { ts: Date.parse('2024-02-29T22:59:00Z'), good: 0, total: 5 },
      { ts: Date.parse('2024-02-29T23:00:00Z'), good: 3, total: 4 },
    ]);
    const paris = slo({ window: { calendar: 'month', timezone: 'Europe/Paris' } });
    const e = evaluateSlo(paris, points, Date.parse('2024-03-10T00:00:00Z'));
    expect(e.measurement).toMatchObject({ good: 3, bad: 1, events: 4 });
    expect(e.periodMinutes).toBe(31 * DAY - 60);
  });
});

describe('timeslices: 1-minute slices at 95% over a rolling day, 99% objective', () => {
  // 1,440 minutes of 20 events: 3 minutes at 18/20 (90%: bad), 5 at 19/20 (exactly 95%: good), 10 without any
  // sample (no data) and 4 with zero traffic (idle, never counted).
  const data = series(NOW, DAY, (i) => {
    if (i >= 100 && i < 103) return { good: 18, total: 20 };
    if (i >= 200 && i < 205) return { good: 19, total: 20 };
    if (i >= 300 && i < 310) return null;
    if (i >= 400 && i < 404) return { good: 0, total: 0 };
    return ok(20);
  });
  const def = (noData: 'bad' | 'good' | 'ignore') =>
    slo({ objective: 99, window: { rolling: DAY }, budgeting: 'timeslices', timeslice: { minutes: 1, thresholdPercent: 95 }, noData });

  it('classifies the slices', () => {
    const e = evaluateSlo(def('ignore'), data, NOW);
    expect(e.measurement.slices).toMatchObject({ good: 1_423, bad: 3, noData: 10, idle: 4 });
    expect(e.measurement.slices?.badShare).toBeCloseTo(3 * 0.1 + 5 * 0.05, 12);
  });

  it('noData ignore: SLI = 1423/1426; budget B × P = 14.4 min, 3 spent', () => {
    const e = evaluateSlo(def('ignore'), data, NOW);
    expect(e.sli).toBe(1_423 / 1_426);
    expect(e.budget).toEqual({
      unit: 'minutes',
      total: 14.4,
      consumed: 3,
      remaining: 11.4,
      consumedFraction: 300 / 1_440,
      remainingFraction: 1 - 300 / 1_440,
    });
  });

  it('noData bad: the 10 silent minutes are bad: SLI = 1423/1436, 13 minutes spent', () => {
    const e = evaluateSlo(def('bad'), data, NOW);
    expect(e.sli).toBe(1_423 / 1_436);
    expect(e.budget).toMatchObject({ consumed: 13, consumedFraction: 1_300 / 1_440 });
  });

  it('noData good: SLI = 1433/1436, 3 minutes spent', () => {
    const e = evaluateSlo(def('good'), data, NOW);
    expect(e.sli).toBe(1_433 / 1_436);
    expect(e.budget).toMatchObject({ consumed: 3, consumedFraction: 300 / 1_440 });
  });

  it('burn rate is the share of bad time among counted slices, over B', () => {
    const recent = series(NOW, DAY, (i) => (i >= DAY - 2 ? { good: 0, total: 20 } : ok(20)));
    const e = evaluateSlo(def('ignore'), recent, NOW);
    const byLabel = Object.fromEntries(e.burnRates.map((b) => [b.label, b.burnRate]));
    expect(byLabel['5m']).toBe(40); // 2 bad of 5 slices = 0.4, / 0.01
    expect(byLabel['1h']).toBe(200 / 60);
    expect(byLabel.window).toBe(200 / 1_440);
  });

  it('noData bad with a silent source spends the budget: a day without data exhausts a 99% SLO', () => {
    const e = evaluateSlo(def('bad'), new ArrayCountSeries(NOW, []), NOW);
    expect(e.budget).toMatchObject({ consumed: 1_440, consumedFraction: 100 });
    expect(e.status).toBe('exhausted');
    expect(evaluateSlo(def('ignore'), new ArrayCountSeries(NOW, []), NOW).status).toBe('no_data');
  });

  it('5-minute slices judge only whole slices: the slice in progress waits', () => {
    const five = slo({ objective: 99, window: { rolling: DAY }, budgeting: 'timeslices', timeslice: { minutes: 5, thresholdPercent: 95 } });
    // The last 3 minutes (a slice in progress at NOW + 3 min) are all bad; they do not count yet.
    const d = series(NOW + 3 * MIN, DAY + 3, (i) => (i >= DAY ? { good: 0, total: 20 } : ok(20)));
    const e = evaluateSlo(five, d, NOW + 3 * MIN);
    expect(e.measuredTo).toBe(NOW);
    expect(e.measurement.slices).toMatchObject({ good: 288, bad: 0 });
    expect(e.sli).toBe(1);
    const later = evaluateSlo(five, series(NOW + 5 * MIN, DAY + 5, (i) => (i >= DAY ? { good: 0, total: 20 } : ok(20))), NOW + 5 * MIN);
    expect(later.measurement.slices).toMatchObject({ good: 287, bad: 1 });
    expect(later.budget.consumed).toBe(5);
  });
});

describe('ratioTimeslices: each slice counts as down in proportion to its failures', () => {
  // Every minute 15 of 15 good, but one minute with 5 failures of 15: a third of a bad minute.
  const data = series(NOW, DAY, (i) => (i === 700 ? { good: 10, total: 15 } : ok(15)));
  const def = slo({ objective: 99, window: { rolling: DAY }, budgeting: 'ratioTimeslices' });

  it('SLI = mean of per-slice ratios = (1439 + 2/3) / 1440; a third of a minute spent of 14.4', () => {
    const e = evaluateSlo(def, data, NOW);
    expect(e.measurement.bad).toBe(5 / 15);
    expect(e.sli).toBeCloseTo((1_439 + 2 / 3) / 1_440, 15);
    expect(e.budget.total).toBe(14.4);
    expect(e.budget.consumed).toBe(1 / 3);
    expect(e.budget.consumedFraction).toBeCloseTo(1 / 3 / 14.4, 15);
  });

  it('not a 33% breach: the same data by occurrences is 5 bad of 21,600 events', () => {
    const occ = evaluateSlo(slo({ objective: 99, window: { rolling: DAY } }), data, NOW);
    expect(occ.sli).toBe(21_595 / 21_600);
  });

  it('a slice with no data counts as a whole bad (or good) minute by the noData rule', () => {
    const gap = series(NOW, DAY, (i) => (i === 10 ? null : ok(15)));
    const bad = slo({ objective: 99, window: { rolling: DAY }, budgeting: 'ratioTimeslices', noData: 'bad' });
    expect(evaluateSlo(bad, gap, NOW).budget.consumed).toBe(1);
    expect(evaluateSlo(bad, gap, NOW).sli).toBe(1_439 / 1_440);
    const good = slo({ objective: 99, window: { rolling: DAY }, budgeting: 'ratioTimeslices', noData: 'good' });
    expect(evaluateSlo(good, gap, NOW).sli).toBe(1);
    expect(evaluateSlo(def, gap, NOW).measurement.good).toBe(1_439);
  });
});

describe('calendar windows: the budget is for the whole period', () => {
  // April 2024 (30 days, UTC), evaluated on 11 April: 10 days elapsed, 5 bad minutes.
  const def = slo({ window: { calendar: 'month', timezone: 'UTC' }, budgeting: 'timeslices', timeslice: { thresholdPercent: 99 } });
  const data = series(NOW, 10 * DAY, (i) => (i % 1_000 === 0 && i < 5_000 ? { good: 90, total: 100 } : ok(100)));

  it('timeslices mid-month: budget = 0.001 × 43,200 min = 43.2 min; 5 spent', () => {
    const e = evaluateSlo(def, data, NOW);
    expect(e.periodMinutes).toBe(43_200);
    expect(e.measuredFrom).toBe(Date.parse('2024-04-01T00:00:00Z'));
    expect(e.sli).toBe(14_395 / 14_400);
    expect(e.budget).toEqual({
      unit: 'minutes',
      total: 43.2,
      consumed: 5,
      remaining: 38.2,
      consumedFraction: 5_000 / 43_200,
      remainingFraction: 1 - 5_000 / 43_200,
    });
  });

  it('the budget resets at the boundary: on 1 May the window is empty', () => {
    const may = evaluateSlo(def, data, Date.parse('2024-05-01T00:00:00Z'));
    expect(may.measuredFrom).toBe(may.measuredTo);
    expect(may.budget.consumed).toBe(0);
    expect(may.status).toBe('no_data');
  });
});

describe('minEvents keeps low traffic from paging', () => {
  // 10 events an hour (one every 6 minutes); the latest one, 2 minutes ago, failed: 1h ratio 0.1, a 100× burn.
  const data = series(NOW, 4 * DAY, (i) => {
    if ((4 * DAY - 1 - i) % 6 !== 2) return ok(0);
    return i === 4 * DAY - 3 ? { good: 0, total: 1 } : ok(1);
  });

  it('fires without minEvents, not with minEvents above the hour’s 10 events', () => {
    const noMin = evaluateSlo(slo({}), data, NOW);
    expect(noMin.tiers[0]).toMatchObject({ firing: true, longRatio: 0.1, shortRatio: 1, longEvents: 10 });
    const withMin = evaluateSlo(slo({ minEvents: 11 }), data, NOW);
    expect(withMin.tiers[0]).toMatchObject({ firing: false, longRatio: 0.1, longEvents: 10, minEvents: 11 });
    expect(evaluateSlo(slo({ minEvents: 10 }), data, NOW).tiers[0]?.firing).toBe(true);
  });
});

describe('corrections', () => {
  // 100 events a minute over a day; a 30-minute total outage 10:00–10:30.
  const outageStart = NOW - DAY * MIN + 600 * MIN;
  const data = series(NOW, DAY, (i) => (i >= 600 && i < 630 ? { good: 0, total: 100 } : ok(100)));
  const daily = { window: { rolling: DAY }, tiers: [] };

  it('a one-off correction over the whole outage: the minutes count as neither good nor bad', () => {
    const e = evaluateSlo(
      slo({ ...daily, corrections: [{ start: outageStart, end: outageStart + 30 * MIN, reason: 'planned failover', author: 'alice' }] }),
      data,
      NOW,
    );
    expect(e.measurement).toMatchObject({ good: 141_000, bad: 0, events: 141_000, includedMinutes: 1_410 });
    expect(e.sli).toBe(1);
  });

  it('a correction over half the outage: 1,500 bad of 142,500 events', () => {
    const e = evaluateSlo(
      slo({ ...daily, corrections: [{ start: outageStart, end: outageStart + 15 * MIN, reason: 'r', author: 'a' }] }),
      data,
      NOW,
    );
    expect(e.measurement).toMatchObject({ good: 141_000, bad: 1_500, events: 142_500 });
    expect(e.budget).toMatchObject({ total: 142.5, consumed: 1_500, consumedFraction: 1_500_000 / 142_500 });
  });

  it('a recurring nightly window excludes bad slices every night (timeslices)', () => {
    // Three days; every night 02:00–03:00 UTC all requests fail. A daily correction covers exactly those hours.
    const start = Date.parse('2024-04-08T00:00:00Z');
    const bad = series(NOW, 3 * DAY, (i) => (i % DAY >= 120 && i % DAY < 180 ? { good: 0, total: 10 } : ok(10)));
    const def = {
      window: { rolling: 3 * DAY },
      budgeting: 'timeslices' as const,
      timeslice: { thresholdPercent: 99 },
      tiers: [],
    };
    const without = evaluateSlo(slo(def), bad, NOW);
    expect(without.budget.consumed).toBe(180);
    const nightly = {
      start: start + 120 * MIN,
      durationMinutes: 60,
      rrule: 'FREQ=DAILY',
      reason: 'nightly backup',
      author: 'ops',
    };
    const e = evaluateSlo(slo({ ...def, corrections: [nightly] }), bad, NOW);
    expect(e.budget.consumed).toBe(0);
    expect(e.measurement.slices).toMatchObject({ good: 3 * DAY - 180, bad: 0 });
    expect(e.sli).toBe(1);
  });

  it('takes precomputed exclusions from the caller', () => {
    const excluded = [{ start: outageStart, end: outageStart + 30 * MIN }];
    expect(evaluateSlo(slo(daily), data, NOW, { excluded }).sli).toBe(1);
  });
});

describe('start date: data before launch is ignored', () => {
  it('bad minutes before the start do not count; the start rounds up to a minute', () => {
    const data = series(NOW, 3 * DAY, (i) => (i < DAY ? { good: 0, total: 100 } : ok(100)));
    const e = evaluateSlo(slo({ startMs: NOW - 2 * DAY * MIN - 1 }), data, NOW);
    expect(e.measuredFrom).toBe(NOW - 2 * DAY * MIN);
    expect(e.measurement).toMatchObject({ good: 288_000, bad: 0 });
    expect(e.burnRates.find((b) => b.label === '3d')?.errorRatio).toBe(0);
    expect(evaluateSlo(slo({}), data, NOW).measurement.bad).toBe(144_000);
  });

  it('before the start there is nothing to measure', () => {
    const e = evaluateSlo(slo({ startMs: NOW + DAY * MIN }), series(NOW, 10, () => ok(1)), NOW);
    expect(e.measuredFrom).toBe(e.measuredTo);
    expect(e.status).toBe('no_data');
  });
});

describe('the no-data alert', () => {
  const def = (extra: Partial<SloDefinition> = {}) => slo({ noDataAfterMinutes: 30, tiers: [], ...extra });
  // Data for a day, then silence for the last `silent` minutes.
  const silentFor = (silent: number, last: (i: number) => Counts | null = () => null) =>
    series(NOW, DAY, (i) => (i >= DAY - silent ? last(i) : ok(10)));

  it('fires after 30 silent minutes, not after 29; the status becomes no_data', () => {
    const fired = evaluateSlo(def(), silentFor(30), NOW);
    expect(fired.noData).toEqual({ id: 'checkout:no_data', afterMinutes: 30, dataMinutes: 0, firing: true });
    expect(fired.status).toBe('no_data');
    expect(fired.statusReason).toBe('no-data alert firing');
    expect(evaluateSlo(def(), silentFor(29), NOW).noData?.firing).toBe(false);
  });

  it('zero-traffic samples are data: the source is alive', () => {
    expect(evaluateSlo(def(), silentFor(60, () => ok(0)), NOW).noData?.firing).toBe(false);
  });

  it('silence during a correction is expected', () => {
    const corrections = [{ start: NOW - 40 * MIN, end: NOW - 20 * MIN, reason: 'maintenance', author: 'ops' }];
    expect(evaluateSlo(def({ corrections }), silentFor(60), NOW).noData?.firing).toBe(false);
  });

  it('waits for D minutes after the SLO start', () => {
    expect(evaluateSlo(def({ startMs: NOW - 10 * MIN }), silentFor(60), NOW).noData?.firing).toBe(false);
  });

  it('is off unless configured', () => {
    expect(evaluateSlo(slo({}), silentFor(60), NOW).noData).toBeNull();
  });
});
