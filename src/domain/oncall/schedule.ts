// An on-call schedule as pure data: layers of rotations in one IANA zone, with swaps and overrides on top. The rules
// that turn it into shifts are in ./shifts.ts; the README beside this file states them in full.

import { isValidTimeZone } from '../time/zone.js';
import { MINUTES_PER_DAY, WEEKDAYS, parseLocalDate, parseTimeOfDay, type Weekday } from './local-time.js';
import { firstHandoff } from './rotation.js';

/**
 * A time-of-day window on some weekdays, in the schedule's zone, during which a layer is on call. `to` at or before
 * `from` ends on the next day (`22:00`–`06:00`); `24:00` is the end of the day.
 */
export interface Restriction {
  /** The days on which the window starts. */
  days: Weekday[];
  /** `HH:MM`, 00:00–23:59. */
  from: string;
  /** `HH:MM`, 00:00–24:00. */
  to: string;
}

export interface Layer {
  /** Unique within the schedule; shifts name the layer they come from. */
  name: string;
  /** People in rotation order: shift k goes to participants[k mod n]. */
  participants: string[];
  /** Wall-clock minutes between handoffs (1440 = a day, 10080 = a week, 720 = 12 hours). */
  lengthMinutes: number;
  /** `HH:MM`: when the first shift starts on `start`, in the schedule's zone. */
  handoff: string;
  /** `YYYY-MM-DD`: the day of the first handoff. Before it the layer has nobody on call. */
  start: string;
  /** Epoch ms; from then on the layer has nobody on call. */
  end?: number;
  /** When non-empty, the layer is on call only inside these windows (the rotation keeps turning outside them). */
  restrictions: Restriction[];
}

/** `person` is on call for [start, end), whoever the layers say, and even where they have nobody. */
export interface Override {
  person: string;
  /** Epoch ms. */
  start: number;
  end: number;
}

/** Within [start, end), wherever the layers put one of the two people, the other is on call instead. */
export interface Swap {
  people: readonly [string, string];
  /** Epoch ms. */
  start: number;
  end: number;
}

export interface Schedule {
  name: string;
  /** IANA zone of every handoff and restriction. */
  timeZone: string;
  /** Lowest priority first: where several layers have someone on call, the last of them wins. */
  layers: Layer[];
  /** Applied to the layers' result in declaration order. */
  swaps: Swap[];
  /** On top of everything; where overrides overlap, the later one wins. */
  overrides: Override[];
}

/** What put a person on call: a layer (possibly through a swap, by index) or an override (by index). */
export type ShiftSource = { type: 'layer'; layer: string; swap?: number } | { type: 'override'; override: number };

/** A maximal stretch of time with one person on call, [start, end) in epoch ms. */
export interface Shift {
  person: string;
  start: number;
  end: number;
  /** Distinct sources of the merged pieces, in time order (usually one). */
  sources: ShiftSource[];
}

export interface OnCall {
  person: string;
  source: ShiftSource;
}

export interface ScheduleIssue {
  /** Path inside the schedule, e.g. ['layers', 0, 'restrictions', 1, 'to']. */
  path: (string | number)[];
  message: string;
}

/** One restriction on one day, as minutes from Monday 00:00 in a week of 10,080 (may run past the week's end). */
interface WeeklyWindow {
  restriction: number;
  day: Weekday;
  start: number;
  end: number;
}

const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

function describeWindow(r: Restriction, day: Weekday): string {
  return `${day} ${r.from}–${r.to}`;
}

/** The weekly windows of a layer's valid restrictions, for the overlap check. */
function weeklyWindows(restrictions: Restriction[]): WeeklyWindow[] {
  return restrictions.flatMap((r, index) => {
    const from = parseTimeOfDay(r.from);
    const to = parseTimeOfDay(r.to, true);
    if (from === null || to === null || from === to) return [];
    const length = to > from ? to - from : to + MINUTES_PER_DAY - from;
    return r.days.flatMap((day) => {
      const d = WEEKDAYS.indexOf(day);
      if (d < 0) return [];
      const start = d * MINUTES_PER_DAY + from;
      return [{ restriction: index, day, start, end: start + length }];
    });
  });
}

function checkRestrictions(restrictions: Restriction[], base: (string | number)[]): ScheduleIssue[] {
  const issues: ScheduleIssue[] = [];
  restrictions.forEach((r, i) => {
    const at = (...p: (string | number)[]) => [...base, i, ...p];
    if (r.days.length === 0) issues.push({ path: at('days'), message: 'a restriction needs at least one day' });
    r.days.forEach((day, j) => {
      if (!WEEKDAYS.includes(day)) issues.push({ path: at('days', j), message: `'${day}' is not a day: use ${WEEKDAYS.join(', ')}` });
      else if (r.days.indexOf(day) !== j) issues.push({ path: at('days', j), message: `${day} is listed twice` });
    });
    const from = parseTimeOfDay(r.from);
    const to = parseTimeOfDay(r.to, true);
    if (from === null) issues.push({ path: at('from'), message: `'${r.from}' is not a time of day HH:MM (00:00 to 23:59)` });
    if (to === null) issues.push({ path: at('to'), message: `'${r.to}' is not a time of day HH:MM (00:00 to 24:00)` });
    if (from !== null && to !== null && from === to) {
      issues.push({ path: at('to'), message: `from and to are the same time (${r.from}): for the whole day write from: "00:00", to: "24:00"` });
    }
  });
  // Overlaps on the weekly circle: a window may run past Sunday midnight into Monday.
  const windows = weeklyWindows(restrictions).flatMap((w) =>
    w.end > MINUTES_PER_WEEK ? [{ ...w, end: MINUTES_PER_WEEK }, { ...w, start: 0, end: w.end - MINUTES_PER_WEEK }] : [w],
  );
  windows.sort((a, b) => a.start - b.start || a.restriction - b.restriction);
  const reported = new Set<string>();
  for (let i = 1; i < windows.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = windows[j]!;
      const b = windows[i]!;
      if (a.end <= b.start || a.restriction === b.restriction) continue;
      const [first, second] = a.restriction < b.restriction ? [a, b] : [b, a];
      const key = `${first.restriction}/${second.restriction}`;
      if (reported.has(key)) continue;
      reported.add(key);
      issues.push({
        path: [...base, second.restriction],
        message: `overlaps restriction ${first.restriction} (${describeWindow(restrictions[second.restriction]!, second.day)} overlaps ${describeWindow(restrictions[first.restriction]!, first.day)})`,
      });
    }
  }
  return issues;
}

function checkLayer(layer: Layer, index: number, timeZone: string | null): ScheduleIssue[] {
  const at = (...p: (string | number)[]) => ['layers', index, ...p];
  const issues: ScheduleIssue[] = [];
  if (layer.name.trim() === '') issues.push({ path: at('name'), message: 'a layer needs a name' });
  if (layer.participants.length === 0) issues.push({ path: at('participants'), message: 'a layer needs at least one participant' });
  if (!Number.isSafeInteger(layer.lengthMinutes) || layer.lengthMinutes <= 0) {
    issues.push({ path: at('lengthMinutes'), message: `the rotation length must be a positive whole number of minutes, not ${layer.lengthMinutes}` });
  }
  const handoff = parseTimeOfDay(layer.handoff);
  if (handoff === null) issues.push({ path: at('handoff'), message: `'${layer.handoff}' is not a time of day HH:MM (00:00 to 23:59)` });
  const start = parseLocalDate(layer.start);
  if (start === null) issues.push({ path: at('start'), message: `'${layer.start}' is not a date YYYY-MM-DD` });
  if (layer.end !== undefined && timeZone && handoff !== null && start !== null) {
    const first = firstHandoff(layer, timeZone);
    if (!(layer.end > first)) issues.push({ path: at('end'), message: `the layer ends before its first handoff (${layer.start} ${layer.handoff})` });
  }
  issues.push(...checkRestrictions(layer.restrictions, at('restrictions')));
  return issues;
}

/** Every problem with a schedule, each at its path; empty when the schedule is valid. */
export function checkSchedule(schedule: Schedule): ScheduleIssue[] {
  const issues: ScheduleIssue[] = [];
  const zoneOk = isValidTimeZone(schedule.timeZone);
  if (!zoneOk) issues.push({ path: ['timeZone'], message: `unknown time zone '${schedule.timeZone}': use an IANA name such as Europe/Berlin or UTC` });
  if (schedule.layers.length === 0) issues.push({ path: ['layers'], message: 'a schedule needs at least one layer' });
  const names = new Map<string, number>();
  schedule.layers.forEach((layer, i) => {
    issues.push(...checkLayer(layer, i, zoneOk ? schedule.timeZone : null));
    const first = names.get(layer.name);
    if (first !== undefined) issues.push({ path: ['layers', i, 'name'], message: `layer name '${layer.name}' is already used by layer ${first}` });
    else names.set(layer.name, i);
  });
  schedule.swaps.forEach((s, i) => {
    if (s.people[0] === s.people[1]) issues.push({ path: ['swaps', i, 'people'], message: `a swap needs two different people, not ${s.people[0]} twice` });
    if (!(s.end > s.start)) issues.push({ path: ['swaps', i, 'end'], message: 'end must be after start' });
  });
  schedule.overrides.forEach((o, i) => {
    if (!(o.end > o.start)) issues.push({ path: ['overrides', i, 'end'], message: 'end must be after start' });
  });
  return issues;
}

