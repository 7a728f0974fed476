import { describe, expect, it } from 'vitest';
import { checkCorrection, correctionOccurrences, excludedRanges, type Correction, type RecurringCorrection } from './corrections.js';

const utc = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString().replace(':00.000Z', 'Z');
const spans = (ranges: { start: number; end: number }[]) => ranges.map((r) => `${iso(r.start)}/${iso(r.end)}`);

const sundayNights: RecurringCorrection = {
  start: utc('2024-03-03T01:00:00Z'), // Sunday 3 March 2024, 02:00 in Paris (CET)
  durationMinutes: 120,
  rrule: 'FREQ=WEEKLY;BYDAY=SU',
  timezone: 'Europe/Paris',
  reason: 'weekly database maintenance',
  author: 'alice',
};

describe('one-off corrections', () => {
  it('exclude every minute they touch, clipped to the range asked for', () => {
    const c: Correction = { start: utc('2024-01-01T10:00:30Z'), end: utc('2024-01-01T10:05:10Z'), reason: 'r', author: 'a' };
    expect(spans(excludedRanges([c], utc('2024-01-01T00:00:00Z'), utc('2024-01-02T00:00:00Z')))).toEqual([
      '2024-01-01T10:00Z/2024-01-01T10:06Z',
    ]);
    expect(spans(excludedRanges([c], utc('2024-01-01T10:02:00Z'), utc('2024-01-01T10:03:00Z')))).toEqual([
      '2024-01-01T10:02Z/2024-01-01T10:03Z',
    ]);
    expect(excludedRanges([c], utc('2024-01-01T10:06:00Z'), utc('2024-01-02T00:00:00Z'))).toEqual([]);
  });

  it('merge when they overlap, and keep reason and author per occurrence', () => {
    const a: Correction = { start: utc('2024-01-01T10:00:00Z'), end: utc('2024-01-01T11:00:00Z'), reason: 'deploy', author: 'bob' };
    const b: Correction = { start: utc('2024-01-01T10:30:00Z'), end: utc('2024-01-01T12:00:00Z'), reason: 'failover test', author: 'chen', id: 'c-2' };
    const from = utc('2024-01-01T00:00:00Z');
    const to = utc('2024-01-02T00:00:00Z');
    expect(spans(excludedRanges([a, b], from, to))).toEqual(['2024-01-01T10:00Z/2024-01-01T12:00Z']);
    const occ = correctionOccurrences([b, a], from, to);
    expect(occ.map((o) => [o.correction.reason, o.correction.author, o.correction.id])).toEqual([
      ['deploy', 'bob', undefined],
      ['failover test', 'chen', 'c-2'],
    ]);
  });
});

describe('recurring corrections', () => {
  it('follow wall-clock time in their zone across DST changes', () => {
    const got = excludedRanges([sundayNights], utc('2024-03-01T00:00:00Z'), utc('2024-04-10T00:00:00Z'));
    expect(spans(got)).toEqual([
      '2024-03-03T01:00Z/2024-03-03T03:00Z', // 02:00–04:00 CET
      '2024-03-10T01:00Z/2024-03-10T03:00Z',
      '2024-03-17T01:00Z/2024-03-17T03:00Z',
      '2024-03-24T01:00Z/2024-03-24T03:00Z',
      // 31 March: 02:00 does not exist (clocks jump to 03:00 at 01:00 UTC); it starts at the jump, lasts 2 h.
      '2024-03-31T01:00Z/2024-03-31T03:00Z',
      '2024-04-07T00:00Z/2024-04-07T02:00Z', // 02:00–04:00 CEST
    ]);
  });

  it('include an occurrence that started before the range and still runs into it', () => {
    const got = excludedRanges([sundayNights], utc('2024-03-10T02:00:00Z'), utc('2024-03-11T00:00:00Z'));
    expect(spans(got)).toEqual(['2024-03-10T02:00Z/2024-03-10T03:00Z']);
  });

  it('honour COUNT and UNTIL (UNTIL as wall-clock time in the zone), and an RRULE: prefix', () => {
    const daily = { start: utc('2024-01-01T23:30:00Z'), durationMinutes: 60, reason: 'nightly batch', author: 'ops' };
    const from = utc('2024-01-01T00:00:00Z');
    const to = utc('2024-01-31T00:00:00Z');
    expect(spans(excludedRanges([{ ...daily, rrule: 'RRULE:FREQ=DAILY;COUNT=3' }], from, to))).toEqual([
      '2024-01-01T23:30Z/2024-01-02T00:30Z',
      '2024-01-02T23:30Z/2024-01-03T00:30Z',
      '2024-01-03T23:30Z/2024-01-04T00:30Z',
    ]);
    expect(excludedRanges([{ ...daily, rrule: 'FREQ=DAILY;UNTIL=20240105T000000Z' }], from, to)).toHaveLength(4);
  });

  it('cap the number of occurrences expanded', () => {
    const hourly: RecurringCorrection = { start: utc('2024-01-01T00:00:00Z'), durationMinutes: 5, rrule: 'FREQ=HOURLY', reason: 'r', author: 'a' };
    expect(correctionOccurrences([hourly], utc('2024-01-01T00:00:00Z'), utc('2024-01-11T00:00:00Z'))).toHaveLength(240);
    expect(correctionOccurrences([hourly], utc('2024-01-01T00:00:00Z'), utc('2024-01-11T00:00:00Z'), 5)).toHaveLength(5);
  });

  it('do nothing before their first occurrence', () => {
    expect(excludedRanges([sundayNights], utc('2024-02-01T00:00:00Z'), utc('2024-03-01T00:00:00Z'))).toEqual([]);
  });
});

describe('checkCorrection', () => {
  it('accepts valid corrections', () => {
    expect(checkCorrection(sundayNights)).toEqual([]);
    expect(checkCorrection({ start: 0, end: 60_000, reason: 'r', author: 'a' })).toEqual([]);
  });

  it.each([
    [{ start: 0, end: 0, reason: '', author: '' }, ['reason: say why this time is excluded', 'author: say who excluded it', 'end: must be after start']],
    [{ ...sundayNights, rrule: 'FREQ=FOO' }, ["rrule: 'FREQ=FOO' has no valid FREQ (YEARLY, MONTHLY, WEEKLY, DAILY or HOURLY)"]],
    [{ ...sundayNights, rrule: 'FREQ=MINUTELY' }, ['rrule: FREQ must be HOURLY or coarser']],
    [{ ...sundayNights, rrule: 'DTSTART:20240101T000000Z\nRRULE:FREQ=DAILY' }, ["rrule: DTSTART is not allowed here; the first occurrence is the correction's start"]],
    [{ ...sundayNights, rrule: 'FREQ=DAILY;TZID=Europe/Paris' }, ["rrule: TZID is not allowed in the rule; use the correction's timezone"]],
    [{ ...sundayNights, rrule: 'bogus' }, ["rrule: unknown rule part 'bogus' (expected FREQ, INTERVAL, COUNT, UNTIL, WKST, BYDAY, BYMONTH, BYMONTHDAY, BYYEARDAY, BYWEEKNO, BYHOUR, BYMINUTE, BYSETPOS) in 'bogus'"]],
    // rrule itself reads BYDAY=XX as no BYDAY at all: a weekly window would silently become daily.
    [{ ...sundayNights, rrule: 'FREQ=WEEKLY;BYDAY=XX' }, ["rrule: BYDAY=XX is not a list of weekdays (MO, TU, WE, TH, FR, SA, SU, optionally numbered like 1MO or -1FR) in 'FREQ=WEEKLY;BYDAY=XX'"]],
    [{ ...sundayNights, rrule: 'FREQ=DAILY;INTERVAL=0' }, ["rrule: INTERVAL=0 is not a valid value in 'FREQ=DAILY;INTERVAL=0'"]],
    [{ ...sundayNights, rrule: 'FREQ=DAILY;BYHOUR=2;BYHOUR=3' }, ["rrule: BYHOUR appears twice in 'FREQ=DAILY;BYHOUR=2;BYHOUR=3'"]],
    [{ ...sundayNights, rrule: '' }, ['rrule: empty; expected e.g. FREQ=WEEKLY;BYDAY=SU']],
    [{ ...sundayNights, timezone: 'Europe/Atlantis', durationMinutes: 0 }, ['duration: must be a positive whole number of minutes', "timezone: unknown time zone 'Europe/Atlantis'"]],
  ])('reports %#', (c, errors) => {
    expect(checkCorrection(c as Correction)).toEqual(errors);
  });

  it('skips invalid corrections when expanding', () => {
    expect(excludedRanges([{ ...sundayNights, rrule: 'FREQ=FOO' }], 0, utc('2025-01-01T00:00:00Z'))).toEqual([]);
  });
});
