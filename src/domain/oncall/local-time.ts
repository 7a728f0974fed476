// Wall-clock values a schedule is written in: local dates (`2024-03-25`), times of day (`09:00`) and weekdays. They
// mean nothing without the schedule's zone; turning them into instants is ../time/zone.ts's job (instantOfWallClock).

import { DAY_MS, MINUTE_MS } from '../time/zone.js';

export const MINUTES_PER_DAY = 1_440;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Minutes after local midnight for `HH:MM` (00:00–23:59; `24:00` too when `allowEndOfDay`), or null if malformed. */
export function parseTimeOfDay(text: string, allowEndOfDay = false): number | null {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  if (Number(m[2]) > 59) return null;
  if (minutes < MINUTES_PER_DAY || (allowEndOfDay && minutes === MINUTES_PER_DAY)) return minutes;
  return null;
}

/** Wall ms (Date.UTC of the local fields) of local midnight on `YYYY-MM-DD`, or null if there is no such day. */
export function parseLocalDate(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const check = new Date(wall);
  if (check.getUTCFullYear() !== Number(m[1]) || check.getUTCMonth() !== Number(m[2]) - 1 || check.getUTCDate() !== Number(m[3])) return null;
  return wall;
}

/** The weekday of the local day that starts at wall ms `dayWall`. */
export function weekdayOf(dayWall: number): Weekday {
  // Date.getUTCDay: 0 = Sunday; WEEKDAYS starts on Monday.
  return WEEKDAYS[(new Date(dayWall).getUTCDay() + 6) % 7]!;
}

/** Wall ms of local midnight of the day containing wall ms `wall`. */
export function startOfLocalDay(wall: number): number {
  return Math.floor(wall / DAY_MS) * DAY_MS;
}

/** `HH:MM` for minutes after midnight (1440 gives `24:00`). */
export function formatTimeOfDay(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

export function minutesToMs(minutes: number): number {
  return minutes * MINUTE_MS;
}
