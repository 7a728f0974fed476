// Shifts as an RFC 5545 iCalendar feed, per schedule or per person across schedules. Times are UTC (`…Z`), so no
// VTIMEZONE is needed and every client shows each shift at the right instant in its own zone. Lines end in CRLF and
// are folded at 75 octets (never inside a UTF-8 character); TEXT values are escaped (RFC 5545 §3.1, §3.3.11).

import type { Shift, ShiftSource } from './schedule.js';

export interface ScheduleShifts {
  /** The schedule's name (part of each UID). */
  schedule: string;
  /** Shown instead of the name, e.g. "Payments primary". */
  displayName?: string;
  shifts: Shift[];
  /** How the description names what put someone on call; by default `layer <name>` or `override <index>`. */
  describeSource?: (source: ShiftSource) => string;
}

export interface CalendarOptions {
  /** DTSTAMP of every event: when the feed was generated (epoch ms). Passed in: the domain has no clock. */
  generatedAt: number;
  /** Person name → display name, for SUMMARY. */
  people?: Readonly<Record<string, string>>;
  /** Right-hand side of every UID. */
  uidDomain?: string;
}

const CRLF = '\r\n';
const MAX_LINE_OCTETS = 75;

/** `20240331T070000Z` */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** Escapes a TEXT value: backslash, semicolon, comma and newlines; other control characters are not allowed. */
export function escapeText(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, '');
}

function utf8Octets(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/** Folds one content line so that no physical line exceeds 75 octets; continuation lines start with a space. */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = utf8Octets(char.codePointAt(0)!);
    // The first physical line holds 75 octets; each continuation holds its leading space and 74 more.
    if (octets + size > MAX_LINE_OCTETS) {
      parts.push(current);
      current = ' ';
      octets = 1;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join(CRLF);
}

/**
 * A UID that is the same every time the same shift is generated: schedule, person and start. Names are
 * percent-encoded so the `/` separators cannot be forged by a name.
 */
export function shiftUid(schedule: string, shift: Pick<Shift, 'person' | 'start'>, uidDomain = 'pave'): string {
  return `${encodeURIComponent(schedule)}/${encodeURIComponent(shift.person)}/${formatUtc(shift.start)}@${uidDomain}`;
}

function describeSource(source: ShiftSource): string {
  if (source.type === 'override') return `override ${source.override}`;
  return source.swap === undefined ? `layer ${source.layer}` : `layer ${source.layer} (swap ${source.swap})`;
}

function eventLines(entry: ScheduleShifts, shift: Shift, options: CalendarOptions): string[] {
  const person = options.people?.[shift.person] ?? shift.person;
  const schedule = entry.displayName ?? entry.schedule;
  return [
    'BEGIN:VEVENT',
    `UID:${escapeText(shiftUid(entry.schedule, shift, options.uidDomain))}`,
    `DTSTAMP:${formatUtc(options.generatedAt)}`,
    `DTSTART:${formatUtc(shift.start)}`,
    `DTEND:${formatUtc(shift.end)}`,
    `SUMMARY:${escapeText(`On call: ${person} (${schedule})`)}`,
    `DESCRIPTION:${escapeText(`${person} is on call for ${schedule}. From ${shift.sources.map(entry.describeSource ?? describeSource).join(', ')}.`)}`,
    // Being on call does not make someone busy for meetings.
    'TRANSP:TRANSPARENT',
    'END:VEVENT',
  ];
}

function calendar(name: string, events: string[][]): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//pave//on-call schedules//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${escapeText(name)}`,
    // Subscribers re-fetch hourly (RFC 7986 and the older Microsoft hint).
    'REFRESH-INTERVAL;VALUE=DURATION:PT1H',
    'X-PUBLISHED-TTL:PT1H',
    ...events.flat(),
    'END:VCALENDAR',
  ];
  return lines.map(foldLine).join(CRLF) + CRLF;
}

/** The feed of one schedule: one event per shift. */
export function scheduleCalendar(entry: ScheduleShifts, options: CalendarOptions): string {
  return calendar(`On call: ${entry.displayName ?? entry.schedule}`, entry.shifts.map((s) => eventLines(entry, s, options)));
}

/** The feed of one person: their shifts in every schedule given, in time order (UIDs match the schedule feeds). */
export function personCalendar(person: string, schedules: ScheduleShifts[], options: CalendarOptions): string {
  const events = schedules
    .flatMap((entry) => entry.shifts.filter((s) => s.person === person).map((shift) => ({ entry, shift })))
    .sort((a, b) => a.shift.start - b.shift.start || a.entry.schedule.localeCompare(b.entry.schedule));
  return calendar(`On call: ${options.people?.[person] ?? person}`, events.map(({ entry, shift }) => eventLines(entry, shift, options)));
}
