import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { escapeText, foldLine, personCalendar, scheduleCalendar, shiftUid } from './ical.js';
import type { Layer, Schedule, Shift } from './schedule.js';
import { shiftsBetween } from './shifts.js';

const at = (text: string): number => Date.parse(text);
const WEEK = 10_080;

function layer(fields: Partial<Layer> & Pick<Layer, 'participants'>): Layer {
  return { name: 'primary', lengthMinutes: 1_440, handoff: '09:00', start: '2024-01-01', restrictions: [], ...fields };
}

// Berlin, across the spring change (Sun 31 Mar 2024): a daily rotation, a business-hours layer, a swap and an override.
const primary: Schedule = {
  name: 'payments-primary',
  timeZone: 'Europe/Berlin',
  layers: [
    layer({ name: 'nights', participants: ['alice', 'bob', 'chen'], start: '2024-03-25' }),
    layer({ name: 'office', participants: ['zoe'], start: '2024-03-25', restrictions: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }] }),
  ],
  swaps: [{ people: ['alice', 'bob'], start: at('2024-03-30T00:00Z'), end: at('2024-04-02T00:00Z') }],
  overrides: [{ person: 'chen', start: at('2024-03-29T12:00Z'), end: at('2024-03-29T13:30Z') }],
};
const secondary: Schedule = {
  name: 'payments-secondary',
  timeZone: 'America/New_York',
  layers: [layer({ participants: ['bob', 'alice'], lengthMinutes: WEEK, start: '2024-03-04' })],
  swaps: [],
  overrides: [],
};
const from = at('2024-03-27T00:00Z');
const to = at('2024-04-03T00:00Z');
const generatedAt = at('2024-03-26T10:15:00Z');
// Names that need escaping and folding: commas, semicolons, a backslash, a newline, accents, CJK and an emoji.
const people = {
  alice: 'Alice Martin, SRE; Paris \\ Lyon',
  bob: 'Bob Okafor\nsecond line',
  chen: '陈伟 (Chen Wei) — Singapore office, weekend cover 🌏🌏🌏🌏🌏🌏🌏🌏',
  zoe: 'Zoë Ångström-Øverli',
};

interface ParsedEvent {
  uid: string;
  start: number;
  end: number;
  summary: string;
  description: string;
}

function parse(ics: string): { name: string; events: ParsedEvent[] } {
  const root = new ICAL.Component(ICAL.parse(ics));
  const events = root.getAllSubcomponents('vevent').map((c) => {
    const e = new ICAL.Event(c);
    expect(e.startDate.zone?.tzid).toBe('UTC');
    return { uid: e.uid, start: e.startDate.toUnixTime() * 1000, end: e.endDate.toUnixTime() * 1000, summary: e.summary, description: e.description };
  });
  // RFC 5545 §3.8.8.2: an x-property's value is TEXT unless it says otherwise; ical.js leaves unknown ones escaped.
  const name = String(root.getFirstPropertyValue('x-wr-calname')).replace(/\\([\\;,nN])/g, (_, c: string) => (c.toLowerCase() === 'n' ? '\n' : c));
  return { name, events };
}

const physicalLines = (ics: string) => ics.split('\r\n').slice(0, -1);

describe('iCalendar feeds', () => {
  const shifts = shiftsBetween(primary, from, to);

  it('a schedule feed, parsed by ical.js, has exactly the shifts of shiftsBetween', () => {
    expect(shifts.length).toBeGreaterThan(8); // the fixture exercises layers, the swap and the override
    const ics = scheduleCalendar({ schedule: primary.name, displayName: 'Payments, primary', shifts }, { generatedAt, people });
    const parsed = parse(ics);
    expect(parsed.name).toBe('On call: Payments, primary');
    expect(parsed.events).toEqual(
      shifts.map((s) => ({
        uid: shiftUid(primary.name, s),
        start: s.start,
        end: s.end,
        summary: `On call: ${people[s.person as keyof typeof people]} (Payments, primary)`,
        description: expect.stringContaining(`${people[s.person as keyof typeof people]} is on call for Payments, primary. From `),
      })),
    );
    // The override and the swap are named in the description.
    expect(parsed.events.find((e) => e.start === at('2024-03-29T12:00Z'))?.description).toContain('From override 0.');
    expect(parsed.events.some((e) => e.description.includes('layer nights (swap 0)'))).toBe(true);
  });

  it('is well-formed RFC 5545: CRLF lines of at most 75 octets, folded outside UTF-8 sequences, UTC times', () => {
    const ics = scheduleCalendar({ schedule: primary.name, shifts }, { generatedAt, people });
    expect(ics.endsWith('\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const lines = physicalLines(ics);
    for (const line of lines) expect(Buffer.byteLength(line, 'utf8'), line).toBeLessThanOrEqual(75);
    expect(lines.some((l) => l.startsWith(' '))).toBe(true); // chen's summary is long enough to fold
    // Unfolding gives back whole characters: nothing was cut inside a multi-byte sequence.
    const unfolded = ics.replace(/\r\n /g, '');
    expect(unfolded).toContain('陈伟 (Chen Wei) — Singapore office\\, weekend cover 🌏🌏🌏🌏🌏🌏🌏🌏');
    expect(unfolded).not.toContain('\uFFFD');
    expect(unfolded).toContain('SUMMARY:On call: Alice Martin\\, SRE\\; Paris \\\\ Lyon (payments-primary)');
    expect(unfolded).toContain('SUMMARY:On call: Bob Okafor\\nsecond line (payments-primary)');
    expect(unfolded).toContain('DTSTAMP:20240326T101500Z');
    // Sun 31 Mar 09:00 CEST is 07:00Z: the handoff after the change, in UTC.
    expect(unfolded).toMatch(/DTSTART:20240331T070000Z/);
    expect(unfolded.split('\r\n').slice(0, 5)).toEqual(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//pave//on-call schedules//EN', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH']);
  });

  it('gives each shift a stable, unique UID', () => {
    const uids = (ics: string) => parse(ics).events.map((e) => e.uid);
    const first = uids(scheduleCalendar({ schedule: primary.name, shifts }, { generatedAt, people }));
    const again = uids(scheduleCalendar({ schedule: primary.name, shifts: shiftsBetween(primary, from, to) }, { generatedAt: generatedAt + 3_600_000 }));
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
    expect(first[1]).toMatch(/^payments-primary\/[a-z]+\/2024\d{4}T\d{6}Z@pave$/);
    // Separators cannot be forged by names: ("a/b", "c") and ("a", "b/c") differ.
    expect(shiftUid('a/b', { person: 'c', start: 0 })).not.toBe(shiftUid('a', { person: 'b/c', start: 0 }));
  });

  it('a person feed has their shifts of every schedule, in time order, with the same UIDs', () => {
    const second = shiftsBetween(secondary, from, to);
    const entries = [
      { schedule: primary.name, shifts },
      { schedule: secondary.name, shifts: second },
    ];
    const ics = personCalendar('alice', entries, { generatedAt, people });
    const parsed = parse(ics);
    expect(parsed.name).toBe('On call: Alice Martin, SRE; Paris \\ Lyon');
    const expected = [...shifts.map((s) => ({ schedule: primary.name, s })), ...second.map((s) => ({ schedule: secondary.name, s }))]
      .filter(({ s }) => s.person === 'alice')
      .sort((a, b) => a.s.start - b.s.start)
      .map(({ schedule, s }) => ({ uid: shiftUid(schedule, s), start: s.start, end: s.end }));
    expect(expected.map((e) => e.uid).some((u) => u.startsWith('payments-secondary/'))).toBe(true);
    expect(parsed.events.map(({ uid, start, end }) => ({ uid, start, end }))).toEqual(expected);
    const scheduleUids = new Set(parse(scheduleCalendar({ schedule: primary.name, shifts }, { generatedAt })).events.map((e) => e.uid));
    for (const e of parsed.events.filter((x) => x.uid.startsWith('payments-primary/'))) expect(scheduleUids.has(e.uid)).toBe(true);
  });

  it('an empty range gives a valid calendar without events', () => {
    const empty: Shift[] = [];
    expect(parse(scheduleCalendar({ schedule: 'x', shifts: empty }, { generatedAt })).events).toEqual([]);
  });
});

describe('folding and escaping', () => {
  it('folds at 75 octets, continuation lines starting with one space', () => {
    const exact = `SUMMARY:${'x'.repeat(67)}`; // 75 octets
    expect(foldLine(exact)).toBe(exact);
    const long = `SUMMARY:${'x'.repeat(68)}`; // 76 octets
    expect(foldLine(long)).toBe(`SUMMARY:${'x'.repeat(67)}\r\n x`);
    // 'é' is 2 octets: 8 + 33 × 2 = 74, the 34th would make 76, so it moves to the next line whole.
    const accents = `SUMMARY:${'é'.repeat(40)}`;
    const [head, tail] = foldLine(accents).split('\r\n');
    expect(head).toBe(`SUMMARY:${'é'.repeat(33)}`);
    expect(tail).toBe(` ${'é'.repeat(7)}`);
  });

  it('escapes backslashes, semicolons, commas and newlines, and drops other control characters', () => {
    expect(escapeText('a,b;c\\d\ne\r\nf\rg\u0007h\ti')).toBe('a\\,b\\;c\\\\d\\ne\\nf\\ng' + 'h\ti');
  });
});
