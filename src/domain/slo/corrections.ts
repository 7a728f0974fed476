// Corrections and maintenance windows: time excluded from the budget, one-off or recurring (RFC 5545 RRULE), each
// with who and why. Excluded minutes count as neither good nor bad for any budgeting method; a minute touched by a
// correction is excluded whole.
//
// Recurrences are expanded on wall-clock time in the correction's zone ("every Sunday 02:00 Europe/Paris" stays at
// 02:00 across DST changes), then mapped to instants; a duration is elapsed time. The rrule library computes on
// floating (UTC-field) dates, so DST is handled here, not by it.

import rrulePkg from 'rrule';
import { MINUTE_MS, DAY_MS, instantOfWallClock, isValidTimeZone, wallClockAt } from '../time/zone.js';
import { mergeRanges, clipRanges, widenToMinutes, type TimeRange } from './ranges.js';

const { RRule } = rrulePkg;

interface CorrectionBase {
  /** Stable id, if the configuration gives one. */
  id?: string;
  /** Why the time is excluded, e.g. "planned database upgrade". */
  reason: string;
  /** Who declared it. */
  author: string;
}

export interface OneOffCorrection extends CorrectionBase {
  /** Epoch ms; [start, end). */
  start: number;
  end: number;
}

export interface RecurringCorrection extends CorrectionBase {
  /** Epoch ms of the first occurrence; its wall-clock time in `timezone` is the recurrence's DTSTART. */
  start: number;
  durationMinutes: number;
  /** RRULE body, e.g. `FREQ=WEEKLY;BYDAY=SU` (an `RRULE:` prefix is allowed; DTSTART is not: use `start`). */
  rrule: string;
  /** IANA zone the recurrence follows; UTC when absent. UNTIL in the rule is read as wall-clock time in it. */
  timezone?: string;
}

export type Correction = OneOffCorrection | RecurringCorrection;

/** One occurrence of a correction, minute-aligned, with the correction it comes from (for reason and author). */
export interface CorrectionOccurrence extends TimeRange {
  correction: Correction;
}

/** Most occurrences expanded per recurring correction per call; more are ignored (a guard, far above sane rules). */
export const MAX_OCCURRENCES = 100_000;

const TOO_FINE = new Set([RRule.SECONDLY, RRule.MINUTELY]);

export function isRecurring(c: Correction): c is RecurringCorrection {
  return 'rrule' in c;
}

/** Problems with a correction, as messages naming the field; empty when valid. */
export function checkCorrection(c: Correction): string[] {
  const errors: string[] = [];
  if (typeof c.reason !== 'string' || c.reason.trim() === '') errors.push('reason: say why this time is excluded');
  if (typeof c.author !== 'string' || c.author.trim() === '') errors.push('author: say who excluded it');
  if (!Number.isFinite(c.start)) errors.push('start: must be a time');
  if (!isRecurring(c)) {
    if (!Number.isFinite(c.end)) errors.push('end: must be a time');
    else if (Number.isFinite(c.start) && c.end <= c.start) errors.push('end: must be after start');
    return errors;
  }
  if (!Number.isSafeInteger(c.durationMinutes) || c.durationMinutes <= 0) {
    errors.push('duration: must be a positive whole number of minutes');
  }
  const tz = c.timezone ?? 'UTC';
  if (!isValidTimeZone(tz)) errors.push(`timezone: unknown time zone '${tz}'`);
  const parsed = parseRule(c.rrule);
  if (typeof parsed === 'string') errors.push(`rrule: ${parsed}`);
  return errors;
}

type RuleOptions = ReturnType<typeof RRule.parseString>;

// The rrule library reads what it understands and ignores the rest (BYDAY=XX parses as no BYDAY, so a weekly rule
// would recur every day): check each part's name and values ourselves first.
const INTEGER_LIST = /^[+-]?\d{1,3}(,[+-]?\d{1,3})*$/;
const RULE_PARTS: Record<string, RegExp> = {
  FREQ: /^(YEARLY|MONTHLY|WEEKLY|DAILY|HOURLY|MINUTELY|SECONDLY)$/,
  INTERVAL: /^[1-9]\d{0,3}$/,
  COUNT: /^[1-9]\d{0,5}$/,
  UNTIL: /^\d{8}(T\d{6}Z?)?$/,
  WKST: /^(MO|TU|WE|TH|FR|SA|SU)$/,
  BYDAY: /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)(,([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU))*$/,
  BYMONTH: INTEGER_LIST,
  BYMONTHDAY: INTEGER_LIST,
  BYYEARDAY: INTEGER_LIST,
  BYWEEKNO: INTEGER_LIST,
  BYHOUR: INTEGER_LIST,
  BYMINUTE: INTEGER_LIST,
  BYSETPOS: INTEGER_LIST,
};

function ruleSyntaxProblem(body: string): string | null {
  const seen = new Set<string>();
  for (const part of body.split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).toUpperCase();
    const value = eq < 0 ? '' : part.slice(eq + 1).toUpperCase();
    const pattern = RULE_PARTS[name];
    if (!pattern) return `unknown rule part '${part}' (expected ${Object.keys(RULE_PARTS).join(', ')})`;
    if (seen.has(name)) return `${name} appears twice`;
    seen.add(name);
    // A wrong FREQ gets its own message below.
    if (name !== 'FREQ' && !pattern.test(value)) {
      return name === 'BYDAY' ? `BYDAY=${value} is not a list of weekdays (MO, TU, WE, TH, FR, SA, SU, optionally numbered like 1MO or -1FR)` : `${name}=${value} is not a valid value`;
    }
  }
  return null;
}

/** The rule's options, or an error message. */
function parseRule(text: string): RuleOptions | string {
  if (typeof text !== 'string' || text.trim() === '') return 'empty; expected e.g. FREQ=WEEKLY;BYDAY=SU';
  const body = text.trim().replace(/^RRULE:/i, '');
  if (/DTSTART/i.test(body)) return 'DTSTART is not allowed here; the first occurrence is the correction\'s start';
  if (/[\n\r]/.test(body)) return 'one RRULE only';
  if (/TZID/i.test(body)) return 'TZID is not allowed in the rule; use the correction\'s timezone';
  const strict = ruleSyntaxProblem(body);
  if (strict) return `${strict} in '${text}'`;
  let options: RuleOptions;
  try {
    options = RRule.parseString(body);
  } catch (e) {
    return `${(e as Error).message} in '${text}'`;
  }
  if (options.freq === undefined || options.freq === null) {
    return `'${text}' has no valid FREQ (YEARLY, MONTHLY, WEEKLY, DAILY or HOURLY)`;
  }
  if (TOO_FINE.has(options.freq)) return 'FREQ must be HOURLY or coarser';
  return options;
}

/**
 * The occurrences of `corrections` overlapping [fromMs, toMs), minute-aligned (widened to whole minutes), unclipped,
 * in order of start. Invalid corrections are skipped (validate them with checkCorrection when configured).
 */
export function correctionOccurrences(
  corrections: readonly Correction[],
  fromMs: number,
  toMs: number,
  maxOccurrences = MAX_OCCURRENCES,
): CorrectionOccurrence[] {
  const out: CorrectionOccurrence[] = [];
  for (const c of corrections) {
    if (checkCorrection(c).length > 0) continue;
    if (!isRecurring(c)) {
      if (c.start < toMs && c.end > fromMs) out.push({ ...widenToMinutes(c), correction: c });
      continue;
    }
    const duration = c.durationMinutes * MINUTE_MS;
    const tz = c.timezone ?? 'UTC';
    const options = parseRule(c.rrule) as RuleOptions;
    const rule = new RRule({ ...options, dtstart: new Date(wallClockAt(c.start, tz)) });
    // Any occurrence overlapping the range starts within [from − duration, to); a day's margin covers every offset.
    const after = new Date(wallClockAt(fromMs - duration, tz) - DAY_MS);
    const before = new Date(wallClockAt(toMs, tz) + DAY_MS);
    for (const wall of rule.between(after, before, true, (_d, i) => i < maxOccurrences)) {
      const start = instantOfWallClock(wall.getTime(), tz);
      const end = start + duration;
      if (start < toMs && end > fromMs) out.push({ ...widenToMinutes({ start, end }), correction: c });
    }
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** The time corrections exclude within [fromMs, toMs): merged, sorted, minute-aligned [start, end) ranges. */
export function excludedRanges(corrections: readonly Correction[], fromMs: number, toMs: number): TimeRange[] {
  if (corrections.length === 0) return [];
  return clipRanges(mergeRanges(correctionOccurrences(corrections, fromMs, toMs)), fromMs, toMs);
}
