// SLO windows: rolling (the last N minutes) or calendar (the week, month, quarter or year containing now, in the
// SLO's time zone). All bounds are epoch ms on whole minutes; every range is half-open [start, end).

import { formatDuration } from './duration.js';
import { DAY_MS, MINUTE_MS, instantOfWallClock, isValidTimeZone, wallClockAt } from './zone.js';

export type CalendarUnit = 'week' | 'month' | 'quarter' | 'year';
export const calendarUnits: readonly CalendarUnit[] = ['week', 'month', 'quarter', 'year'];

/** `rolling` is a duration in minutes. Calendar weeks start on Monday (ISO 8601). */
export type WindowSpec = { rolling: number } | { calendar: CalendarUnit; timezone: string };

export interface WindowBounds {
  /** First minute of the window: end − duration (rolling) or the period's start (calendar). */
  start: number;
  /** `now` floored to the minute; the minute in progress is not measured yet. */
  end: number;
  /** The period the budget is for: [start, end) for rolling windows, the whole calendar period otherwise. */
  periodStart: number;
  periodEnd: number;
}

export interface Period {
  start: number;
  end: number;
}

export function floorToMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

export function ceilToMinute(ms: number): number {
  return Math.ceil(ms / MINUTE_MS) * MINUTE_MS;
}

export function isRolling(spec: WindowSpec): spec is { rolling: number } {
  return 'rolling' in spec;
}

/** The window of `spec` at `nowMs`. For calendar windows, `now` exactly on a boundary opens the new, empty period. */
export function windowAt(spec: WindowSpec, nowMs: number): WindowBounds {
  const end = floorToMinute(nowMs);
  if (isRolling(spec)) {
    const start = end - spec.rolling * MINUTE_MS;
    return { start, end, periodStart: start, periodEnd: end };
  }
  const period = calendarPeriodAt(spec.calendar, spec.timezone, end);
  return { start: period.start, end, periodStart: period.start, periodEnd: period.end };
}

/** Minutes in the budget's period (a calendar month in Paris holding the March change: 31 × 1440 − 60). */
export function periodMinutes(w: WindowBounds): number {
  return (w.periodEnd - w.periodStart) / MINUTE_MS;
}

/** Minutes in the window so far. */
export function windowMinutes(w: WindowBounds): number {
  return (w.end - w.start) / MINUTE_MS;
}

/** The shortest and longest period a spec can have (calendar periods vary with month lengths and DST). */
export function periodRange(spec: WindowSpec): { min: number; max: number } {
  if (isRolling(spec)) return { min: spec.rolling, max: spec.rolling };
  const days = { week: [7, 7], month: [28, 31], quarter: [90, 92], year: [365, 366] }[spec.calendar];
  // A DST change can shorten or lengthen a period by up to an hour (two hours in a few historic zones).
  return { min: (days[0] ?? 0) * 1440 - 120, max: (days[1] ?? 0) * 1440 + 120 };
}

/** Problems with a window spec, as messages; empty when valid. */
export function checkWindowSpec(spec: WindowSpec): string[] {
  if (isRolling(spec)) {
    if (!Number.isSafeInteger(spec.rolling) || spec.rolling <= 0) {
      return [`a rolling window must be a positive whole number of minutes, got ${spec.rolling}`];
    }
    return [];
  }
  const errors: string[] = [];
  if (!calendarUnits.includes(spec.calendar)) {
    errors.push(`unknown calendar period '${spec.calendar}'; use ${calendarUnits.join(', ')}`);
  }
  if (!isValidTimeZone(spec.timezone)) {
    errors.push(`unknown time zone '${spec.timezone}'; use an IANA name such as Europe/Paris or UTC`);
  }
  return errors;
}

export function describeWindow(spec: WindowSpec): string {
  return isRolling(spec) ? `rolling ${formatDuration(spec.rolling)}` : `calendar ${spec.calendar} (${spec.timezone})`;
}

/** Per unit and zone, the last period computed: the engine asks for the same one every cycle. Results never differ. */
const lastPeriod = new Map<string, Period>();

/** The calendar period containing instant `atMs` in `timezone`, with minute-aligned bounds. */
export function calendarPeriodAt(unit: CalendarUnit, timezone: string, atMs: number): Period {
  const key = `${unit}|${timezone}`;
  const cached = lastPeriod.get(key);
  if (cached && cached.start <= atMs && atMs < cached.end) return cached;
  const wall = new Date(wallClockAt(atMs, timezone));
  const y = wall.getUTCFullYear();
  const m = wall.getUTCMonth();
  let from: number;
  let to: number;
  switch (unit) {
    case 'week': {
      const day = Date.UTC(y, m, wall.getUTCDate());
      from = day - ((wall.getUTCDay() + 6) % 7) * DAY_MS;
      to = from + 7 * DAY_MS;
      break;
    }
    case 'month':
      from = Date.UTC(y, m, 1);
      to = Date.UTC(y, m + 1, 1);
      break;
    case 'quarter':
      from = Date.UTC(y, m - (m % 3), 1);
      to = Date.UTC(y, m - (m % 3) + 3, 1);
      break;
    case 'year':
      from = Date.UTC(y, 0, 1);
      to = Date.UTC(y + 1, 0, 1);
      break;
    default:
      throw new RangeError(`unknown calendar period '${String(unit)}'`);
  }
  // Historic local-mean-time offsets had seconds; flooring keeps every bound on a whole minute.
  const period = {
    start: floorToMinute(instantOfWallClock(from, timezone)),
    end: floorToMinute(instantOfWallClock(to, timezone)),
  };
  lastPeriod.set(key, period);
  return period;
}
