import { describe, expect, it } from 'vitest';
import {
  calendarPeriodAt,
  checkWindowSpec,
  describeWindow,
  periodMinutes,
  periodRange,
  windowAt,
  windowMinutes,
  type WindowSpec,
} from './window.js';

const utc = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const month = (timezone: string): WindowSpec => ({ calendar: 'month', timezone });

describe('rolling windows', () => {
  it('end is now floored to the minute; start is end minus the duration; the period is the window', () => {
    const w = windowAt({ rolling: 43_200 }, utc('2024-05-10T12:34:56.789Z'));
    expect(iso(w.end)).toBe('2024-05-10T12:34:00.000Z');
    expect(iso(w.start)).toBe('2024-04-10T12:34:00.000Z');
    expect(w.periodStart).toBe(w.start);
    expect(w.periodEnd).toBe(w.end);
    expect(periodMinutes(w)).toBe(43_200);
    expect(windowMinutes(w)).toBe(43_200);
  });
});

describe('calendar months', () => {
  it.each([
    ['28 days (February 2023)', '2023-02-14T10:00:00Z', '2023-02-01T00:00:00.000Z', '2023-03-01T00:00:00.000Z', 28 * 1440],
    ['29 days (February 2024)', '2024-02-29T23:59:59Z', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z', 29 * 1440],
    ['30 days (April 2024)', '2024-04-30T12:00:00Z', '2024-04-01T00:00:00.000Z', '2024-05-01T00:00:00.000Z', 30 * 1440],
    ['31 days (January 2024)', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000Z', '2024-02-01T00:00:00.000Z', 31 * 1440],
  ])('%s in UTC', (_name, now, start, end, minutes) => {
    const w = windowAt(month('UTC'), utc(now));
    expect(iso(w.periodStart)).toBe(start);
    expect(iso(w.periodEnd)).toBe(end);
    expect(periodMinutes(w)).toBe(minutes);
    expect(w.start).toBe(w.periodStart);
  });

  it('a Paris March holds the spring change: 31 × 1440 − 60 minutes', () => {
    const w = windowAt(month('Europe/Paris'), utc('2024-03-31T12:00:00Z'));
    expect(iso(w.periodStart)).toBe('2024-02-29T23:00:00.000Z'); // 1 March 00:00 CET
    expect(iso(w.periodEnd)).toBe('2024-03-31T22:00:00.000Z'); // 1 April 00:00 CEST
    expect(periodMinutes(w)).toBe(31 * 1440 - 60);
  });

  it('a Paris October holds the autumn change: 31 × 1440 + 60 minutes', () => {
    const w = windowAt(month('Europe/Paris'), utc('2024-10-27T01:30:00Z'));
    expect(iso(w.periodStart)).toBe('2024-09-30T22:00:00.000Z');
    expect(iso(w.periodEnd)).toBe('2024-10-31T23:00:00.000Z');
    expect(periodMinutes(w)).toBe(31 * 1440 + 60);
  });

  it('New York: March loses an hour, November gains one', () => {
    const march = windowAt(month('America/New_York'), utc('2024-03-15T00:00:00Z'));
    expect(iso(march.periodStart)).toBe('2024-03-01T05:00:00.000Z');
    expect(iso(march.periodEnd)).toBe('2024-04-01T04:00:00.000Z');
    expect(periodMinutes(march)).toBe(31 * 1440 - 60);
    const november = windowAt(month('America/New_York'), utc('2024-11-20T00:00:00Z'));
    expect(iso(november.periodStart)).toBe('2024-11-01T04:00:00.000Z');
    expect(iso(november.periodEnd)).toBe('2024-12-01T05:00:00.000Z');
    expect(periodMinutes(november)).toBe(30 * 1440 + 60);
  });

  it('the window runs from the period start to now; the budget period is the whole month', () => {
    const w = windowAt(month('UTC'), utc('2024-04-11T06:00:30Z'));
    expect(windowMinutes(w)).toBe(10 * 1440 + 360);
    expect(periodMinutes(w)).toBe(30 * 1440);
  });

  it('now exactly on the boundary opens the new period with an empty window', () => {
    const at = windowAt(month('UTC'), utc('2024-03-01T00:00:00Z'));
    expect(iso(at.periodStart)).toBe('2024-03-01T00:00:00.000Z');
    expect(at.start).toBe(at.end);
    expect(windowMinutes(at)).toBe(0);
    const before = windowAt(month('UTC'), utc('2024-02-29T23:59:59.999Z'));
    expect(iso(before.periodStart)).toBe('2024-02-01T00:00:00.000Z');
    expect(windowMinutes(before)).toBe(29 * 1440 - 1);
  });

  it('Kolkata (+05:30): the month turns at 18:30 UTC', () => {
    const dec = windowAt(month('Asia/Kolkata'), utc('2023-12-31T18:29:00Z'));
    expect(iso(dec.periodStart)).toBe('2023-11-30T18:30:00.000Z');
    expect(iso(dec.periodEnd)).toBe('2023-12-31T18:30:00.000Z');
    const jan = windowAt(month('Asia/Kolkata'), utc('2023-12-31T18:30:00Z'));
    expect(iso(jan.periodStart)).toBe('2023-12-31T18:30:00.000Z');
    expect(iso(jan.periodEnd)).toBe('2024-01-31T18:30:00.000Z');
    expect(windowMinutes(jan)).toBe(0);
  });

  it('Kathmandu (+05:45): the month turns at 18:15 UTC', () => {
    const w = windowAt(month('Asia/Kathmandu'), utc('2024-01-10T00:00:00Z'));
    expect(iso(w.periodStart)).toBe('2023-12-31T18:15:00.000Z');
    expect(iso(w.periodEnd)).toBe('2024-01-31T18:15:00.000Z');
    expect(periodMinutes(w)).toBe(31 * 1440);
  });

  it('a month whose first midnight was skipped starts at the jump (Asunción, October 2023)', () => {
    const oct = windowAt(month('America/Asuncion'), utc('2023-10-15T00:00:00Z'));
    expect(iso(oct.periodStart)).toBe('2023-10-01T04:00:00.000Z');
    expect(iso(oct.periodEnd)).toBe('2023-11-01T03:00:00.000Z');
    expect(periodMinutes(oct)).toBe(31 * 1440 - 60);
    const sep = windowAt(month('America/Asuncion'), utc('2023-10-01T03:59:00Z'));
    expect(iso(sep.periodEnd)).toBe('2023-10-01T04:00:00.000Z');
    expect(periodMinutes(sep)).toBe(30 * 1440);
  });
});

describe('calendar weeks, quarters and years', () => {
  it('weeks start on Monday (ISO)', () => {
    const w = windowAt({ calendar: 'week', timezone: 'UTC' }, utc('2024-03-06T15:00:00Z')); // a Wednesday
    expect(iso(w.periodStart)).toBe('2024-03-04T00:00:00.000Z');
    expect(iso(w.periodEnd)).toBe('2024-03-11T00:00:00.000Z');
    const sunday = windowAt({ calendar: 'week', timezone: 'UTC' }, utc('2024-03-10T23:59:00Z'));
    expect(iso(sunday.periodStart)).toBe('2024-03-04T00:00:00.000Z');
    const monday = windowAt({ calendar: 'week', timezone: 'UTC' }, utc('2024-03-11T00:00:00Z'));
    expect(iso(monday.periodStart)).toBe('2024-03-11T00:00:00.000Z');
  });

  it('a Paris week holding the spring change is 7 × 1440 − 60 minutes', () => {
    const w = windowAt({ calendar: 'week', timezone: 'Europe/Paris' }, utc('2024-03-31T12:00:00Z')); // Sunday
    expect(iso(w.periodStart)).toBe('2024-03-24T23:00:00.000Z');
    expect(iso(w.periodEnd)).toBe('2024-03-31T22:00:00.000Z');
    expect(periodMinutes(w)).toBe(7 * 1440 - 60);
  });

  it('quarters: Q1 2024 is 91 days in UTC; Q2 in Paris starts at 1 April 00:00 CEST', () => {
    const q1 = windowAt({ calendar: 'quarter', timezone: 'UTC' }, utc('2024-02-10T00:00:00Z'));
    expect(iso(q1.periodStart)).toBe('2024-01-01T00:00:00.000Z');
    expect(iso(q1.periodEnd)).toBe('2024-04-01T00:00:00.000Z');
    expect(periodMinutes(q1)).toBe(91 * 1440);
    const q2 = windowAt({ calendar: 'quarter', timezone: 'Europe/Paris' }, utc('2024-06-30T21:59:00Z'));
    expect(iso(q2.periodStart)).toBe('2024-03-31T22:00:00.000Z');
    expect(iso(q2.periodEnd)).toBe('2024-06-30T22:00:00.000Z');
    expect(periodMinutes(q2)).toBe(91 * 1440);
    const q4 = windowAt({ calendar: 'quarter', timezone: 'UTC' }, utc('2024-12-31T00:00:00Z'));
    expect(iso(q4.periodEnd)).toBe('2025-01-01T00:00:00.000Z');
    expect(periodMinutes(q4)).toBe(92 * 1440);
  });

  it('years: 2024 has 366 days, 2023 has 365; in Paris the two changes cancel', () => {
    expect(periodMinutes(windowAt({ calendar: 'year', timezone: 'UTC' }, utc('2024-07-01T00:00:00Z')))).toBe(527_040);
    expect(periodMinutes(windowAt({ calendar: 'year', timezone: 'UTC' }, utc('2023-07-01T00:00:00Z')))).toBe(525_600);
    const paris = windowAt({ calendar: 'year', timezone: 'Europe/Paris' }, utc('2024-07-01T00:00:00Z'));
    expect(iso(paris.periodStart)).toBe('2023-12-31T23:00:00.000Z');
    expect(periodMinutes(paris)).toBe(527_040);
  });

  it('asks again after the cached period ends', () => {
    const a = calendarPeriodAt('month', 'UTC', utc('2024-01-31T23:59:00Z'));
    const b = calendarPeriodAt('month', 'UTC', utc('2024-02-01T00:00:00Z'));
    expect(b.start).toBe(a.end);
    const earlier = calendarPeriodAt('month', 'UTC', utc('2023-12-31T23:59:00Z'));
    expect(earlier.end).toBe(a.start);
  });
});

describe('window specs', () => {
  it('validates', () => {
    expect(checkWindowSpec({ rolling: 43_200 })).toEqual([]);
    expect(checkWindowSpec({ rolling: 0 })).toEqual(['a rolling window must be a positive whole number of minutes, got 0']);
    expect(checkWindowSpec({ calendar: 'month', timezone: 'Europe/Paris' })).toEqual([]);
    expect(checkWindowSpec({ calendar: 'fortnight' as 'week', timezone: 'Nowhere' })).toEqual([
      "unknown calendar period 'fortnight'; use week, month, quarter, year",
      "unknown time zone 'Nowhere'; use an IANA name such as Europe/Paris or UTC",
    ]);
  });

  it('describes and bounds periods', () => {
    expect(describeWindow({ rolling: 40_320 })).toBe('rolling 4w');
    expect(describeWindow(month('Europe/Paris'))).toBe('calendar month (Europe/Paris)');
    expect(periodRange({ rolling: 60 })).toEqual({ min: 60, max: 60 });
    expect(periodRange(month('UTC'))).toEqual({ min: 28 * 1440 - 120, max: 31 * 1440 + 120 });
  });
});
