// On-call load over one week of a daily rotation, computed by hand (REFERENCE §3 limits).
import { describe, expect, it } from 'vitest';
import { isNight, isWeekend, oncallLoad, type LoadPage } from './load.js';
import type { Shift } from './schedule.js';

const H = 3_600_000;
const D = 24 * H;
const monday = Date.parse('2026-03-02T00:00:00Z');
const zones = new Map([
  ['alice', 'Europe/Paris'], // UTC+1 in early March
  ['bob', 'America/New_York'], // UTC−5 until 8 March 2026, UTC−4 after
  ['chen', 'Asia/Singapore'], // UTC+8
]);
const order = ['alice', 'bob', 'chen', 'alice', 'bob', 'chen', 'alice'];
const shifts: Shift[] = order.map((person, d) => ({ person, start: monday + d * D, end: monday + (d + 1) * D, sources: [] }));
const page = (id: string, at: string, title: string, ackMin: number | null, resolveMin: number | null): LoadPage => {
  const createdAt = Date.parse(at);
  return { id, title, createdAt, acknowledgedAt: ackMin === null ? null : createdAt + ackMin * 60_000, resolvedAt: resolveMin === null ? null : createdAt + resolveMin * 60_000 };
};
const pages = [
  page('1', '2026-03-02T23:30:00Z', 'checkout 5xx', 4, 60), // alice: 00:30 Tuesday in Paris: night, weekday
  page('2', '2026-03-03T12:00:00Z', 'search latency', 10, 30), // bob: 07:00 in New York: not night (night ends at 07:00)
  page('3', '2026-03-07T03:00:00Z', 'payments no data', null, null), // chen: 11:00 Saturday in Singapore: weekend, day
  page('4', '2026-03-07T20:00:00Z', 'checkout 5xx', 2, 20), // chen: 04:00 Sunday in Singapore: night and weekend
  page('5', '2026-03-08T10:00:00Z', 'checkout 5xx', 1, 5), // alice, 11:00 Sunday in Paris
  page('6', '2026-03-08T11:00:00Z', 'checkout 5xx', 3, 9),
  page('7', '2026-03-08T12:00:00Z', 'search latency', 5, 50),
  page('8', '2026-03-09T00:00:00Z', 'outside the range', 1, 1),
];

describe('night and weekend in the responder\'s zone', () => {
  it('puts the edges where the clock says', () => {
    expect(isNight(Date.parse('2026-03-03T12:00:00Z'), 'America/New_York')).toBe(false); // 07:00
    expect(isNight(Date.parse('2026-03-03T11:59:00Z'), 'America/New_York')).toBe(true); // 06:59
    expect(isNight(Date.parse('2026-03-02T21:00:00Z'), 'Europe/Paris')).toBe(true); // 22:00
    expect(isNight(Date.parse('2026-03-02T20:59:00Z'), 'Europe/Paris')).toBe(false); // 21:59
    expect(isWeekend(Date.parse('2026-03-06T16:00:00Z'), 'Asia/Singapore')).toBe(true); // Saturday 00:00
    expect(isWeekend(Date.parse('2026-03-06T15:59:00Z'), 'Asia/Singapore')).toBe(false); // Friday 23:59
    // Across New York's spring change (8 March 2026, 02:00 → 03:00): Monday 00:00 local is 04:00Z, not 05:00Z.
    expect(isWeekend(Date.parse('2026-03-09T03:59:00Z'), 'America/New_York')).toBe(true);
    expect(isWeekend(Date.parse('2026-03-09T04:00:00Z'), 'America/New_York')).toBe(false);
  });
});

describe('oncallLoad over a week of a daily rotation', () => {
  const r = oncallLoad({ fromMs: monday, toMs: monday + 7 * D, shifts, pages, participants: ['alice', 'bob', 'chen'], zones });

  it('counts each page against whoever was on call, with night and weekend in their own zone', () => {
    expect(r.pages).toBe(7);
    expect(r.unattended).toBe(0);
    expect(r.coverage).toBe(1);
    expect(r.people.map((p) => [p.person, p.shifts, p.onCallHours, p.pages, p.nightPages, p.weekendPages])).toEqual([
      ['alice', 3, 72, 4, 1, 3],
      ['chen', 2, 48, 2, 1, 2],
      ['bob', 2, 48, 1, 0, 0],
    ]);
  });

  it('normalises to 12-hour shifts and summarises acknowledgement and resolution times', () => {
    const alice = r.people.find((p) => p.person === 'alice')!;
    expect(alice.pagesPer12Hours).toBe(0.667); // 4 pages / (72 h / 12)
    expect(alice.onCallShare).toBe(0.429); // 72 / 168
    expect(alice.timeToAcknowledge).toEqual({ count: 4, medianMinutes: 3, p90Minutes: 5, maxMinutes: 5 }); // 1, 3, 4, 5
    expect(alice.timeToResolve).toEqual({ count: 4, medianMinutes: 9, p90Minutes: 60, maxMinutes: 60 }); // 5, 9, 50, 60
    const chen = r.people.find((p) => p.person === 'chen')!;
    expect(chen.timeToAcknowledge).toEqual({ count: 1, medianMinutes: 2, p90Minutes: 2, maxMinutes: 2 }); // page 3 never acknowledged
    // Alice's Sunday: 3 pages in a 24-hour shift = 1.5 per 12 hours, within the limit of 2.
    expect(r.shifts.at(-1)).toMatchObject({ person: 'alice', pages: 3, pagesPer12Hours: 1.5, overLimit: false });
  });

  it('lists the noisiest alerts, fairness, and the rotation health warnings', () => {
    expect(r.noisiest).toEqual([
      { title: 'checkout 5xx', pages: 4 },
      { title: 'search latency', pages: 2 },
      { title: 'payments no data', pages: 1 },
    ]);
    expect(r.fairness).toEqual({ pagesHighest: 4, pagesLowest: 1, busiestShareOfPages: 0.571, onCallHoursHighest: 72, onCallHoursLowest: 48 });
    expect(r.warnings).toEqual([
      'a 24/7 rotation needs at least 8 people at one site or 6 at each of two sites; this one has 1 in Europe/Paris, 1 in America/New_York, 1 in Asia/Singapore',
      'alice was on call 43% of the time (more than 25%)',
      'chen was on call 29% of the time (more than 25%)',
      'bob was on call 29% of the time (more than 25%)',
    ]);
  });

  it('flags a shift over two pages per 12 hours, pages nobody was on call for, and rotations below three people', () => {
    const busy = oncallLoad({
      fromMs: monday,
      toMs: monday + D,
      shifts: [{ person: 'alice', start: monday, end: monday + 12 * H, sources: [] }],
      pages: [page('a', '2026-03-02T01:00:00Z', 'x', 1, 2), page('b', '2026-03-02T02:00:00Z', 'x', 1, 2), page('c', '2026-03-02T03:00:00Z', 'x', 1, 2), page('d', '2026-03-02T13:00:00Z', 'x', 1, 2)],
      participants: ['alice', 'bob'],
      zones,
    });
    expect(busy.shifts).toEqual([{ person: 'alice', start: monday, end: monday + 12 * H, pages: 3, nightPages: 3, pagesPer12Hours: 3, overLimit: true }]);
    expect(busy.unattended).toBe(1);
    expect(busy.coverage).toBe(0.5);
    expect(busy.warnings).toEqual([
      'only 2 people in the rotation: below 3 it is unsafe (nobody can be sick or on holiday)',
      'alice was on call 50% of the time (more than 25%)',
      'alice got 3 pages per 12 hours on call (the limit is 2 on average)',
      '1 page(s) arrived while nobody was on call',
    ]);
  });
});
