// Timeslices: time cut into slices of N minutes on the epoch grid (so a slice is the same slice whatever the window),
// each judged on its own ratio. Only whole slices inside a range count: the slice in progress is not judged yet, and a
// slice cut by a correction or a window edge is dropped rather than judged on part of its time.

import { MINUTE_MS } from '../time/zone.js';
import type { Fraction } from './decimal.js';
import type { CountSeries, SliceSpec, SliceStats } from './series.js';

export type SliceClass = 'good' | 'bad' | 'noData' | 'idle';

export function emptySliceStats(): SliceStats {
  return { good: 0, bad: 0, noData: 0, idle: 0, badShare: 0 };
}

/** Sets every count of `s` to zero and returns it. */
export function clearSliceStats(s: SliceStats): SliceStats {
  s.good = 0;
  s.bad = 0;
  s.noData = 0;
  s.idle = 0;
  s.badShare = 0;
  return s;
}

export function addSliceStats(into: SliceStats, s: SliceStats): SliceStats {
  into.good += s.good;
  into.bad += s.bad;
  into.noData += s.noData;
  into.idle += s.idle;
  into.badShare += s.badShare;
  return into;
}

/** good/total ≥ threshold, exactly (cross-multiplied) while the products are safe integers. */
export function meetsThreshold(good: number, total: number, threshold: Fraction): boolean {
  const l = good * threshold.den;
  const r = total * threshold.num;
  if (Number.isSafeInteger(l) && Number.isSafeInteger(r)) return l >= r;
  return good / total >= threshold.num / threshold.den;
}

/** The class of one slice from its sums and whether any of its minutes had data. */
export function classifySlice(good: number, total: number, hasData: boolean, threshold: Fraction): SliceClass {
  if (!hasData) return 'noData';
  if (total <= 0) return 'idle';
  return meetsThreshold(good, total, threshold) ? 'good' : 'bad';
}

/** Indexes (slice number since the epoch) of the whole slices within [fromMs, toMs): [first, end). */
export function wholeSlices(fromMs: number, toMs: number, sliceMinutes: number): { first: number; end: number } {
  const size = sliceMinutes * MINUTE_MS;
  const first = Math.ceil(fromMs / size);
  const end = Math.max(first, Math.floor(toMs / size));
  return { first, end };
}

/** Slice statistics by walking minutes: O(minutes). The fallback when a series has no sliceStats of its own. */
export function computeSliceStats(series: CountSeries, fromMs: number, toMs: number, slice: SliceSpec): SliceStats {
  const stats = emptySliceStats();
  const { first, end } = wholeSlices(fromMs, toMs, slice.minutes);
  if (end <= first) return stats;
  const size = slice.minutes * MINUTE_MS;
  let current = first;
  let good = 0;
  let total = 0;
  let hasData = false;
  const close = () => {
    addClass(stats, classifySlice(good, total, hasData, slice.threshold), good, total);
    good = 0;
    total = 0;
    hasData = false;
  };
  for (const m of series.minutes(first * size, end * size)) {
    const index = Math.floor(m.minuteMs / size);
    while (index > current) {
      close();
      current++;
    }
    good += m.good;
    total += m.total;
    hasData ||= m.hasData;
  }
  while (current < end) {
    close();
    current++;
  }
  return stats;
}

/** Adds one slice of class `c` to `stats`. */
export function addClass(stats: SliceStats, c: SliceClass, good: number, total: number): void {
  stats[c]++;
  if (c === 'good' || c === 'bad') stats.badShare += (total - good) / total;
}

/** The series' own sliceStats when it has one, else the minute walk. */
export function sliceStatsOf(series: CountSeries, fromMs: number, toMs: number, slice: SliceSpec, into?: SliceStats): SliceStats {
  if (series.sliceStats) return series.sliceStats(fromMs, toMs, slice, into);
  const s = computeSliceStats(series, fromMs, toMs, slice);
  return into ? Object.assign(into, s) : s;
}
