import { describe, expect, it } from 'vitest';
import type { Layer, Override, Schedule, Shift, Swap } from './schedule.js';
import { onCallAt, shiftsBetween } from './shifts.js';

// 2024 DST changes used below (hand-checked against the tz database rules):
//   Europe/Berlin    spring: Sun 31 Mar 02:00 CET (UTC+1)  = 01:00Z → clocks read 03:00 CEST (UTC+2)
//                    autumn: Sun 27 Oct 03:00 CEST (UTC+2) = 01:00Z → clocks read 02:00 CET (UTC+1)
//   America/New_York spring: Sun 10 Mar 02:00 EST (UTC−5)  = 07:00Z → clocks read 03:00 EDT (UTC−4)
//                    autumn: Sun  3 Nov 02:00 EDT (UTC−4)  = 06:00Z → clocks read 01:00 EST (UTC−5)

const HOUR = 60;
const DAY = 1_440;
const WEEK = 10_080;

const at = (text: string): number => Date.parse(text);
const iso = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16)}Z`;

function layer(fields: Partial<Layer> & Pick<Layer, 'participants'>): Layer {
  return { name: 'primary', lengthMinutes: DAY, handoff: '09:00', start: '2024-01-01', restrictions: [], ...fields };
}

function schedule(timeZone: string, layers: Layer[], extra: { overrides?: Override[]; swaps?: Swap[] } = {}): Schedule {
  return { name: 'test', timeZone, layers, overrides: extra.overrides ?? [], swaps: extra.swaps ?? [] };
}

const rows = (shifts: Shift[]): [string, string, string][] => shifts.map((s) => [s.person, iso(s.start), iso(s.end)]);
const hours = (shifts: Shift[]): number[] => shifts.map((s) => (s.end - s.start) / 3_600_000);
const who = (s: Schedule, text: string): string | null => onCallAt(s, at(text))?.person ?? null;

describe('rotations', () => {
  it('daily: 09:00 Berlin stays 09:00 local across the spring change (a 23-hour shift)', () => {
    const s = schedule('Europe/Berlin', [layer({ participants: ['alice', 'bob', 'chen'], start: '2024-03-29' })]);
    const shifts = shiftsBetween(s, at('2024-03-29T08:00Z'), at('2024-04-01T07:00Z'));
    expect(rows(shifts)).toEqual([
      ['alice', '2024-03-29T08:00Z', '2024-03-30T08:00Z'], // Fri 09:00 CET → Sat 09:00 CET
      ['bob', '2024-03-30T08:00Z', '2024-03-31T07:00Z'], // Sat 09:00 CET → Sun 09:00 CEST
      ['chen', '2024-03-31T07:00Z', '2024-04-01T07:00Z'], // Sun 09:00 CEST → Mon 09:00 CEST
    ]);
    expect(hours(shifts)).toEqual([24, 23, 24]);
  });

  it('daily: 09:00 Berlin stays 09:00 local across the autumn change (a 25-hour shift)', () => {
    const s = schedule('Europe/Berlin', [layer({ participants: ['alice', 'bob', 'chen'], start: '2024-10-25' })]);
    const shifts = shiftsBetween(s, at('2024-10-25T07:00Z'), at('2024-10-28T08:00Z'));
    expect(rows(shifts)).toEqual([
      ['alice', '2024-10-25T07:00Z', '2024-10-26T07:00Z'], // Fri 09:00 CEST → Sat 09:00 CEST
      ['bob', '2024-10-26T07:00Z', '2024-10-27T08:00Z'], // Sat 09:00 CEST → Sun 09:00 CET
      ['chen', '2024-10-27T08:00Z', '2024-10-28T08:00Z'],
    ]);
    expect(hours(shifts)).toEqual([24, 25, 24]);
  });

  it('weekly: Monday 09:00 New York across both changes (167- and 169-hour shifts)', () => {
    const spring = schedule('America/New_York', [layer({ participants: ['dana', 'farah', 'ivan'], lengthMinutes: WEEK, start: '2024-03-04' })]);
    // Mon 4 Mar 09:00 EST = 14:00Z; Mon 11 Mar 09:00 EDT = 13:00Z; Mon 18 Mar 09:00 EDT = 13:00Z.
    expect(rows(shiftsBetween(spring, at('2024-03-04T14:00Z'), at('2024-03-18T13:00Z')))).toEqual([
      ['dana', '2024-03-04T14:00Z', '2024-03-11T13:00Z'],
      ['farah', '2024-03-11T13:00Z', '2024-03-18T13:00Z'],
    ]);
    expect(hours(shiftsBetween(spring, at('2024-03-04T14:00Z'), at('2024-03-18T13:00Z')))).toEqual([167, 168]);

    const autumn = schedule('America/New_York', [layer({ participants: ['dana', 'farah', 'ivan'], lengthMinutes: WEEK, start: '2024-10-28' })]);
    // Mon 28 Oct 09:00 EDT = 13:00Z; Mon 4 Nov 09:00 EST = 14:00Z; Mon 11 Nov 09:00 EST = 14:00Z.
    const shifts = shiftsBetween(autumn, at('2024-10-28T13:00Z'), at('2024-11-18T14:00Z'));
    expect(rows(shifts)).toEqual([
      ['dana', '2024-10-28T13:00Z', '2024-11-04T14:00Z'],
      ['farah', '2024-11-04T14:00Z', '2024-11-11T14:00Z'],
      ['ivan', '2024-11-11T14:00Z', '2024-11-18T14:00Z'],
    ]);
    expect(hours(shifts)).toEqual([169, 168, 168]);
  });

  it('12-hour turns hand off at 09:00 and 21:00 local, so the night of the change lasts 11 hours', () => {
    const s = schedule('Europe/Berlin', [layer({ participants: ['alice', 'bob'], lengthMinutes: 12 * HOUR, start: '2024-03-30' })]);
    expect(rows(shiftsBetween(s, at('2024-03-30T08:00Z'), at('2024-03-31T19:00Z')))).toEqual([
      ['alice', '2024-03-30T08:00Z', '2024-03-30T20:00Z'], // Sat 09:00 → 21:00 CET
      ['bob', '2024-03-30T20:00Z', '2024-03-31T07:00Z'], // Sat 21:00 CET → Sun 09:00 CEST: 11 h
      ['alice', '2024-03-31T07:00Z', '2024-03-31T19:00Z'], // Sun 09:00 → 21:00 CEST
    ]);
  });

  it('custom: 3-day turns for four people, far from the start', () => {
    const s = schedule('UTC', [layer({ participants: ['alice', 'bob', 'chen', 'dana'], lengthMinutes: 3 * DAY, handoff: '00:00', start: '2024-01-01' })]);
    // 2024-04-09 is day 99 after 1 January (31 + 29 + 31 + 8), so turn 33 (33 mod 4 = 1: bob) runs 9–12 April.
    expect(rows(shiftsBetween(s, at('2024-04-10T00:00Z'), at('2024-04-13T00:00Z')))).toEqual([
      ['bob', '2024-04-10T00:00Z', '2024-04-12T00:00Z'],
      ['chen', '2024-04-12T00:00Z', '2024-04-13T00:00Z'],
    ]);
  });

  it('custom: 8-hour turns at 06:00, 14:00 and 22:00', () => {
    const s = schedule('UTC', [layer({ participants: ['alice', 'bob', 'chen'], lengthMinutes: 8 * HOUR, handoff: '06:00', start: '2024-05-01' })]);
    expect(rows(shiftsBetween(s, at('2024-05-01T06:00Z'), at('2024-05-02T14:00Z')))).toEqual([
      ['alice', '2024-05-01T06:00Z', '2024-05-01T14:00Z'],
      ['bob', '2024-05-01T14:00Z', '2024-05-01T22:00Z'],
      ['chen', '2024-05-01T22:00Z', '2024-05-02T06:00Z'],
      ['alice', '2024-05-02T06:00Z', '2024-05-02T14:00Z'],
    ]);
  });

  it('has nobody on call before the first handoff, and nobody after the layer ends', () => {
    const s = schedule('UTC', [layer({ participants: ['alice', 'bob'], start: '2024-05-01', end: at('2024-05-02T21:00Z') })]);
    expect(rows(shiftsBetween(s, at('2024-04-30T00:00Z'), at('2024-05-04T00:00Z')))).toEqual([
      ['alice', '2024-05-01T09:00Z', '2024-05-02T09:00Z'],
      ['bob', '2024-05-02T09:00Z', '2024-05-02T21:00Z'],
    ]);
    expect(who(s, '2024-05-01T08:59Z')).toBeNull();
    expect(who(s, '2024-05-02T21:00Z')).toBeNull();
  });

  it('merges consecutive turns of the same person into one shift', () => {
    const s = schedule('UTC', [layer({ participants: ['alice', 'alice', 'bob'], handoff: '00:00', start: '2024-05-01' })]);
    expect(rows(shiftsBetween(s, at('2024-05-01T00:00Z'), at('2024-05-04T00:00Z')))).toEqual([
      ['alice', '2024-05-01T00:00Z', '2024-05-03T00:00Z'],
      ['bob', '2024-05-03T00:00Z', '2024-05-04T00:00Z'],
    ]);
    const solo = schedule('UTC', [layer({ participants: ['alice'], start: '2024-05-01' })]);
    expect(rows(shiftsBetween(solo, at('2024-06-01T00:00Z'), at('2024-07-01T00:00Z')))).toEqual([['alice', '2024-06-01T00:00Z', '2024-07-01T00:00Z']]);
  });

  it('cuts a shift in progress to the start of the range', () => {
    const s = schedule('UTC', [layer({ participants: ['alice', 'bob'], start: '2024-05-01' })]);
    // alice's turn is 1 May 09:00 → 2 May 09:00; the range starts in the middle of it.
    const shifts = shiftsBetween(s, at('2024-05-01T15:30Z'), at('2024-05-02T12:00Z'));
    expect(rows(shifts)).toEqual([
      ['alice', '2024-05-01T15:30Z', '2024-05-02T09:00Z'],
      ['bob', '2024-05-02T09:00Z', '2024-05-02T12:00Z'],
    ]);
    expect(shifts[0]!.sources).toEqual([{ type: 'layer', layer: 'primary' }]);
    expect(onCallAt(s, at('2024-05-01T15:30Z'))).toEqual({ person: 'alice', source: { type: 'layer', layer: 'primary' } });
    expect(shiftsBetween(s, at('2024-05-02T00:00Z'), at('2024-05-02T00:00Z'))).toEqual([]);
  });
});

describe('handoffs at local times that do not exist or exist twice', () => {
  it('Berlin 02:30 on the spring day: the handoff is at the first instant after the gap (03:00 CEST)', () => {
    const s = schedule('Europe/Berlin', [layer({ participants: ['alice', 'bob', 'chen'], handoff: '02:30', start: '2024-03-30' })]);
    const shifts = shiftsBetween(s, at('2024-03-30T01:30Z'), at('2024-04-02T00:30Z'));
    expect(rows(shifts)).toEqual([
      ['alice', '2024-03-30T01:30Z', '2024-03-31T01:00Z'], // Sat 02:30 CET → Sun 03:00 CEST (02:30 never happens)
      ['bob', '2024-03-31T01:00Z', '2024-04-01T00:30Z'], // → Mon 02:30 CEST
      ['chen', '2024-04-01T00:30Z', '2024-04-02T00:30Z'],
    ]);
    expect(hours(shifts)).toEqual([23.5, 23.5, 24]);
  });

  it('Berlin 02:30 on the autumn day: the handoff is at the first occurrence (02:30 CEST)', () => {
    const s = schedule('Europe/Berlin', [layer({ participants: ['alice', 'bob', 'chen'], handoff: '02:30', start: '2024-10-26' })]);
    const shifts = shiftsBetween(s, at('2024-10-26T00:30Z'), at('2024-10-29T01:30Z'));
    expect(rows(shifts)).toEqual([
      ['alice', '2024-10-26T00:30Z', '2024-10-27T00:30Z'], // Sat 02:30 CEST → Sun 02:30 CEST (not 02:30 CET, 01:30Z)
      ['bob', '2024-10-27T00:30Z', '2024-10-28T01:30Z'], // → Mon 02:30 CET: 25 h
      ['chen', '2024-10-28T01:30Z', '2024-10-29T01:30Z'],
    ]);
    expect(hours(shifts)).toEqual([24, 25, 24]);
  });

  it('New York 02:30 on the spring day (gap) and 01:30 on the autumn day (repeated)', () => {
    const spring = schedule('America/New_York', [layer({ participants: ['dana', 'farah'], handoff: '02:30', start: '2024-03-09' })]);
    expect(rows(shiftsBetween(spring, at('2024-03-09T07:30Z'), at('2024-03-11T06:30Z')))).toEqual([
      ['dana', '2024-03-09T07:30Z', '2024-03-10T07:00Z'], // Sat 02:30 EST → Sun 03:00 EDT
      ['farah', '2024-03-10T07:00Z', '2024-03-11T06:30Z'], // → Mon 02:30 EDT
    ]);
    const autumn = schedule('America/New_York', [layer({ participants: ['dana', 'farah'], handoff: '01:30', start: '2024-11-02' })]);
    expect(rows(shiftsBetween(autumn, at('2024-11-02T05:30Z'), at('2024-11-04T06:30Z')))).toEqual([
      ['dana', '2024-11-02T05:30Z', '2024-11-03T05:30Z'], // Sat 01:30 EDT → Sun 01:30 EDT (first of two)
      ['farah', '2024-11-03T05:30Z', '2024-11-04T06:30Z'], // → Mon 01:30 EST: 25 h
    ]);
  });

  it('an hourly turn that falls inside the skipped hour is empty: its person is skipped that day', () => {
    const s = schedule('Europe/Berlin', [layer({ participants: ['alice', 'bob', 'chen'], lengthMinutes: HOUR, handoff: '00:00', start: '2024-03-31' })]);
    // Turns: 00:00 CET (23:00Z) alice, 01:00 CET (00:00Z) bob, 02:00 (skipped: 01:00Z) chen → 03:00 CEST (01:00Z) alice.
    expect(rows(shiftsBetween(s, at('2024-03-30T23:00Z'), at('2024-03-31T03:00Z')))).toEqual([
      ['alice', '2024-03-30T23:00Z', '2024-03-31T00:00Z'],
      ['bob', '2024-03-31T00:00Z', '2024-03-31T01:00Z'],
      ['alice', '2024-03-31T01:00Z', '2024-03-31T02:00Z'],
      ['bob', '2024-03-31T02:00Z', '2024-03-31T03:00Z'],
    ]);
    expect(who(s, '2024-03-31T01:00Z')).toBe('alice');
  });
});

describe('restrictions and layers', () => {
  it('a weekday 09:00–17:00 restriction follows local time across the New York spring change', () => {
    const s = schedule('America/New_York', [
      layer({
        participants: ['dana', 'farah'],
        lengthMinutes: WEEK,
        start: '2024-03-04',
        restrictions: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }],
      }),
    ]);
    expect(rows(shiftsBetween(s, at('2024-03-08T00:00Z'), at('2024-03-12T00:00Z')))).toEqual([
      ['dana', '2024-03-08T14:00Z', '2024-03-08T22:00Z'], // Fri 09:00–17:00 EST
      // no one on Saturday or Sunday; Monday the rotation has turned at 09:00 EDT
      ['farah', '2024-03-11T13:00Z', '2024-03-11T21:00Z'], // Mon 09:00–17:00 EDT
    ]);
    expect(who(s, '2024-03-09T15:00Z')).toBeNull();
  });

  it('follow the sun: two layers with complementary windows cover the clock, DST included', () => {
    // Berlin-zoned schedule. Europe is on call 09:00–21:00 every day, Asia 21:00–09:00; both rotate weekly on
    // Monday 09:00 from 25 March: week 0 alice / chen, week 1 (from Mon 1 April 09:00 CEST = 07:00Z) bob / hana.
    const s = schedule('Europe/Berlin', [
      layer({ name: 'europe', participants: ['alice', 'bob'], lengthMinutes: WEEK, start: '2024-03-25', restrictions: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '09:00', to: '21:00' }] }),
      layer({ name: 'asia', participants: ['chen', 'hana'], lengthMinutes: WEEK, start: '2024-03-25', restrictions: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '21:00', to: '09:00' }] }),
    ]);
    const shifts = shiftsBetween(s, at('2024-03-30T00:00Z'), at('2024-04-02T00:00Z'));
    expect(rows(shifts)).toEqual([
      ['chen', '2024-03-30T00:00Z', '2024-03-30T08:00Z'], // Fri 21:00 CET → Sat 09:00 CET (cut to the range)
      ['alice', '2024-03-30T08:00Z', '2024-03-30T20:00Z'], // Sat 09:00–21:00 CET
      ['chen', '2024-03-30T20:00Z', '2024-03-31T07:00Z'], // Sat 21:00 CET → Sun 09:00 CEST: the 11-hour night
      ['alice', '2024-03-31T07:00Z', '2024-03-31T19:00Z'], // Sun 09:00–21:00 CEST
      ['chen', '2024-03-31T19:00Z', '2024-04-01T07:00Z'], // the window ends at the weekly handoff
      ['bob', '2024-04-01T07:00Z', '2024-04-01T19:00Z'],
      ['hana', '2024-04-01T19:00Z', '2024-04-02T00:00Z'],
    ]);
    expect(shifts.map((x) => x.sources[0])).toEqual([
      ...['asia', 'europe', 'asia', 'europe', 'asia', 'europe', 'asia'].map((l) => ({ type: 'layer', layer: l })),
    ]);
  });

  it('a later layer wins where it has someone; the earlier one shows through its gaps', () => {
    const s = schedule('Europe/Berlin', [
      layer({ name: 'base', participants: ['emeka'], lengthMinutes: WEEK, start: '2024-01-01' }),
      layer({ name: 'office', participants: ['alice', 'bob'], start: '2024-01-01', restrictions: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }] }),
    ]);
    // Fri 5 Jan and Mon 8 Jan 2024 (CET, UTC+1). Daily turns from Mon 1 Jan 09:00: Fri is turn 4 (alice), Mon turn 7 (bob).
    const shifts = shiftsBetween(s, at('2024-01-05T00:00Z'), at('2024-01-09T00:00Z'));
    expect(rows(shifts)).toEqual([
      ['emeka', '2024-01-05T00:00Z', '2024-01-05T08:00Z'],
      ['alice', '2024-01-05T08:00Z', '2024-01-05T16:00Z'],
      ['emeka', '2024-01-05T16:00Z', '2024-01-08T08:00Z'], // the weekend has no office hours
      ['bob', '2024-01-08T08:00Z', '2024-01-08T16:00Z'],
      ['emeka', '2024-01-08T16:00Z', '2024-01-09T00:00Z'],
    ]);
    expect(onCallAt(s, at('2024-01-06T12:00Z'))).toEqual({ person: 'emeka', source: { type: 'layer', layer: 'base' } });
    expect(onCallAt(s, at('2024-01-08T12:00Z'))).toEqual({ person: 'bob', source: { type: 'layer', layer: 'office' } });
  });

  it('a window that crosses Sunday midnight covers Monday morning', () => {
    const s = schedule('UTC', [layer({ participants: ['alice'], start: '2024-01-01', handoff: '00:00', restrictions: [{ days: ['sun'], from: '20:00', to: '06:00' }] })]);
    expect(rows(shiftsBetween(s, at('2024-01-06T00:00Z'), at('2024-01-16T00:00Z')))).toEqual([
      ['alice', '2024-01-07T20:00Z', '2024-01-08T06:00Z'],
      ['alice', '2024-01-14T20:00Z', '2024-01-15T06:00Z'],
    ]);
  });
});

describe('overrides', () => {
  const base = schedule('UTC', [layer({ participants: ['alice', 'bob'], handoff: '00:00', start: '2024-05-06' })]);

  it('replace whoever is on call; a later override beats an earlier one where they overlap', () => {
    const s: Schedule = {
      ...base,
      overrides: [
        { person: 'dana', start: at('2024-05-06T12:00Z'), end: at('2024-05-06T18:00Z') },
        { person: 'emeka', start: at('2024-05-06T14:00Z'), end: at('2024-05-06T16:00Z') },
        { person: 'dana', start: at('2024-05-06T15:00Z'), end: at('2024-05-06T15:30Z') },
      ],
    };
    const shifts = shiftsBetween(s, at('2024-05-06T00:00Z'), at('2024-05-07T00:00Z'));
    expect(rows(shifts)).toEqual([
      ['alice', '2024-05-06T00:00Z', '2024-05-06T12:00Z'],
      ['dana', '2024-05-06T12:00Z', '2024-05-06T14:00Z'],
      ['emeka', '2024-05-06T14:00Z', '2024-05-06T15:00Z'],
      ['dana', '2024-05-06T15:00Z', '2024-05-06T15:30Z'],
      ['emeka', '2024-05-06T15:30Z', '2024-05-06T16:00Z'],
      ['dana', '2024-05-06T16:00Z', '2024-05-06T18:00Z'],
      ['alice', '2024-05-06T18:00Z', '2024-05-07T00:00Z'],
    ]);
    expect(shifts.map((x) => x.sources)).toEqual([
      [{ type: 'layer', layer: 'primary' }],
      [{ type: 'override', override: 0 }],
      [{ type: 'override', override: 1 }],
      [{ type: 'override', override: 2 }],
      [{ type: 'override', override: 1 }],
      [{ type: 'override', override: 0 }],
      [{ type: 'layer', layer: 'primary' }],
    ]);
    expect(onCallAt(s, at('2024-05-06T15:10Z'))).toEqual({ person: 'dana', source: { type: 'override', override: 2 } });
    expect(who(s, '2024-05-06T15:30Z')).toBe('emeka');
  });

  it('cover time when no layer has anyone, and merge with the same person on either side', () => {
    const s = schedule('UTC', [layer({ participants: ['alice'], start: '2024-05-06', restrictions: [{ days: ['mon'], from: '09:00', to: '17:00' }] })], {
      overrides: [{ person: 'alice', start: at('2024-05-06T17:00Z'), end: at('2024-05-06T20:00Z') }, { person: 'bob', start: at('2024-05-06T22:00Z'), end: at('2024-05-07T02:00Z') }],
    });
    const shifts = shiftsBetween(s, at('2024-05-06T00:00Z'), at('2024-05-07T12:00Z'));
    expect(rows(shifts)).toEqual([
      ['alice', '2024-05-06T09:00Z', '2024-05-06T20:00Z'],
      ['bob', '2024-05-06T22:00Z', '2024-05-07T02:00Z'],
    ]);
    expect(shifts[0]!.sources).toEqual([{ type: 'layer', layer: 'primary' }, { type: 'override', override: 0 }]);
  });

  it('an override that straddles the range is cut to it', () => {
    const s: Schedule = { ...base, overrides: [{ person: 'dana', start: at('2024-05-01T00:00Z'), end: at('2024-05-06T06:00Z') }] };
    expect(rows(shiftsBetween(s, at('2024-05-06T00:00Z'), at('2024-05-06T12:00Z')))).toEqual([
      ['dana', '2024-05-06T00:00Z', '2024-05-06T06:00Z'],
      ['alice', '2024-05-06T06:00Z', '2024-05-06T12:00Z'],
    ]);
  });
});

describe('swaps', () => {
  // Weekly from Mon 1 Jan 2024 09:00 UTC: alice week 0, bob week 1, chen week 2, alice week 3.
  const weekly = schedule('UTC', [layer({ participants: ['alice', 'bob', 'chen'], lengthMinutes: WEEK, start: '2024-01-01' })]);
  const range = [at('2024-01-01T09:00Z'), at('2024-01-22T09:00Z')] as const;

  it('two people exchange their shifts inside the range', () => {
    const s: Schedule = { ...weekly, swaps: [{ people: ['alice', 'chen'], start: range[0], end: range[1] }] };
    const shifts = shiftsBetween(s, ...range);
    expect(rows(shifts)).toEqual([
      ['chen', '2024-01-01T09:00Z', '2024-01-08T09:00Z'],
      ['bob', '2024-01-08T09:00Z', '2024-01-15T09:00Z'],
      ['alice', '2024-01-15T09:00Z', '2024-01-22T09:00Z'],
    ]);
    expect(shifts.map((x) => x.sources)).toEqual([
      [{ type: 'layer', layer: 'primary', swap: 0 }],
      [{ type: 'layer', layer: 'primary' }],
      [{ type: 'layer', layer: 'primary', swap: 0 }],
    ]);
    expect(onCallAt(s, at('2024-01-03T00:00Z'))).toEqual({ person: 'chen', source: { type: 'layer', layer: 'primary', swap: 0 } });
  });

  it('a swap over part of one shift hands that part to the other person', () => {
    const s: Schedule = { ...weekly, swaps: [{ people: ['bob', 'alice'], start: at('2024-01-03T00:00Z'), end: at('2024-01-04T00:00Z') }] };
    expect(rows(shiftsBetween(s, at('2024-01-01T09:00Z'), at('2024-01-08T09:00Z')))).toEqual([
      ['alice', '2024-01-01T09:00Z', '2024-01-03T00:00Z'],
      ['bob', '2024-01-03T00:00Z', '2024-01-04T00:00Z'],
      ['alice', '2024-01-04T00:00Z', '2024-01-08T09:00Z'],
    ]);
  });

  it('swaps apply in order, and overrides sit on top of them', () => {
    const s: Schedule = {
      ...weekly,
      swaps: [
        { people: ['alice', 'bob'], start: range[0], end: range[1] }, // bob, alice, chen
        { people: ['alice', 'chen'], start: range[0], end: range[1] }, // bob, chen, alice
      ],
      overrides: [{ person: 'dana', start: at('2024-01-16T00:00Z'), end: at('2024-01-17T00:00Z') }],
    };
    expect(rows(shiftsBetween(s, ...range))).toEqual([
      ['bob', '2024-01-01T09:00Z', '2024-01-08T09:00Z'],
      ['chen', '2024-01-08T09:00Z', '2024-01-15T09:00Z'],
      ['alice', '2024-01-15T09:00Z', '2024-01-16T00:00Z'],
      ['dana', '2024-01-16T00:00Z', '2024-01-17T00:00Z'],
      ['alice', '2024-01-17T00:00Z', '2024-01-22T09:00Z'],
    ]);
    expect(who(s, '2024-01-10T00:00Z')).toBe('chen');
    expect(onCallAt(s, at('2024-01-10T00:00Z'))!.source).toEqual({ type: 'layer', layer: 'primary', swap: 1 });
  });
});
