// Interval algebra over half-open [start, end) ranges in epoch ms. A timeline is a list of segments sorted by start
// that never overlap; every function here takes and returns timelines, and drops empty pieces.

import type { ShiftSource } from './schedule.js';

export interface Interval {
  start: number;
  end: number;
}

/** One person on call over an interval, and why. */
export interface Segment extends Interval {
  person: string;
  source: ShiftSource;
}

/** The union of any intervals, as sorted, disjoint intervals (touching ones joined). */
export function unionOf(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ start: i.start, end: i.end });
  }
  return out;
}

/** The parts of `segments` inside `intervals` (sorted, disjoint). */
export function intersect(segments: Segment[], intervals: Interval[]): Segment[] {
  const out: Segment[] = [];
  let j = 0;
  for (const s of segments) {
    while (j < intervals.length && intervals[j]!.end <= s.start) j++;
    for (let k = j; k < intervals.length && intervals[k]!.start < s.end; k++) {
      const start = Math.max(s.start, intervals[k]!.start);
      const end = Math.min(s.end, intervals[k]!.end);
      if (end > start) out.push({ ...s, start, end });
    }
  }
  return out;
}

/** The parts of `segments` outside `holes` (sorted, disjoint). */
export function subtract(segments: Segment[], holes: Interval[]): Segment[] {
  const out: Segment[] = [];
  let j = 0;
  for (const s of segments) {
    while (j < holes.length && holes[j]!.end <= s.start) j++;
    let cursor = s.start;
    for (let k = j; k < holes.length && holes[k]!.start < s.end; k++) {
      if (holes[k]!.start > cursor) out.push({ ...s, start: cursor, end: holes[k]!.start });
      cursor = Math.max(cursor, holes[k]!.end);
    }
    if (cursor < s.end) out.push({ ...s, start: cursor });
  }
  return out;
}

/** `upper` wherever it has someone, `lower` elsewhere. */
export function overlay(lower: Segment[], upper: Segment[]): Segment[] {
  return [...subtract(lower, upper), ...upper.filter((s) => s.end > s.start)].sort((a, b) => a.start - b.start);
}

/** The segments cut to [from, to). */
export function clip(segments: Segment[], from: number, to: number): Segment[] {
  return intersect(segments, [{ start: from, end: to }]);
}
