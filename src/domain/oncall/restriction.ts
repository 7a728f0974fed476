// Restrictions as instants: the windows, in the schedule's zone, during which a restricted layer is on call. Window
// edges are wall-clock times mapped like handoffs (a skipped time → the first instant after the gap, a repeated time
// → its first occurrence), so "09:00–17:00" stays 09:00–17:00 local across DST.

import { DAY_MS, MINUTE_MS, instantOfWallClock, wallClockAt } from '../time/zone.js';
import { MINUTES_PER_DAY, parseTimeOfDay, startOfLocalDay, weekdayOf } from './local-time.js';
import type { Restriction } from './schedule.js';
import { unionOf, type Interval } from './timeline.js';

/** The windows of `restrictions` that overlap [from, to), merged, clipped to the range. Restrictions must be valid. */
export function restrictionWindowsBetween(restrictions: Restriction[], timeZone: string, from: number, to: number): Interval[] {
  if (from >= to) return [];
  const windows: Interval[] = [];
  // A window starts on its local day and may end on the next, so the day before `from` can reach into the range.
  const firstDay = startOfLocalDay(wallClockAt(from, timeZone)) - DAY_MS;
  const lastDay = startOfLocalDay(wallClockAt(to, timeZone));
  for (let day = firstDay; day <= lastDay; day += DAY_MS) {
    const weekday = weekdayOf(day);
    for (const r of restrictions) {
      if (!r.days.includes(weekday)) continue;
      const fromMinutes = parseTimeOfDay(r.from)!;
      const toMinutes = parseTimeOfDay(r.to, true)!;
      const endMinutes = toMinutes > fromMinutes ? toMinutes : toMinutes + MINUTES_PER_DAY;
      const start = instantOfWallClock(day + fromMinutes * MINUTE_MS, timeZone);
      const end = instantOfWallClock(day + endMinutes * MINUTE_MS, timeZone);
      if (end > from && start < to) windows.push({ start: Math.max(start, from), end: Math.min(end, to) });
    }
  }
  return unionOf(windows);
}
