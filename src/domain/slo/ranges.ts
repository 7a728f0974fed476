// Half-open time ranges [start, end) in epoch ms, and the set operations the SLO math needs on them.

import { MINUTE_MS } from '../time/zone.js';

export interface TimeRange {
  start: number;
  end: number;
}

/** Sorted, non-overlapping, non-adjacent ranges covering the same instants; empty ranges are dropped. */
export function mergeRanges(ranges: Iterable<TimeRange>): TimeRange[] {
  const sorted = [...ranges].filter((r) => r.end > r.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: TimeRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

/** Widens a range to whole minutes: a minute touched by the range is covered by it. */
export function widenToMinutes(r: TimeRange): TimeRange {
  return { start: Math.floor(r.start / MINUTE_MS) * MINUTE_MS, end: Math.ceil(r.end / MINUTE_MS) * MINUTE_MS };
}

/** The parts of merged `ranges` that lie within [from, to). */
export function clipRanges(ranges: readonly TimeRange[], from: number, to: number): TimeRange[] {
  const out: TimeRange[] = [];
  for (const r of ranges) {
    const start = Math.max(r.start, from);
    const end = Math.min(r.end, to);
    if (end > start) out.push({ start, end });
  }
  return out;
}

/**
 * [from, to) minus the merged, sorted `excluded` ranges: the sub-ranges that count. O(number of excluded ranges).
 */
export function includedRanges(from: number, to: number, excluded: readonly TimeRange[]): TimeRange[] {
  if (to <= from) return [];
  if (excluded.length === 0) return [{ start: from, end: to }];
  const out: TimeRange[] = [];
  let cursor = from;
  for (const r of excluded) {
    if (r.end <= cursor) continue;
    if (r.start >= to) break;
    if (r.start > cursor) out.push({ start: cursor, end: r.start });
    cursor = Math.max(cursor, r.end);
    if (cursor >= to) break;
  }
  if (cursor < to) out.push({ start: cursor, end: to });
  return out;
}

/** Total length of merged ranges, in minutes. */
export function rangesMinutes(ranges: readonly TimeRange[]): number {
  let ms = 0;
  for (const r of ranges) ms += r.end - r.start;
  return ms / MINUTE_MS;
}

/** True when any of `ranges` shares an instant with [from, to). */
export function overlapsAny(ranges: readonly TimeRange[], from: number, to: number): boolean {
  return ranges.some((r) => r.start < to && r.end > from);
}
