// The reference CountSeries over plain per-minute arrays, with prefix sums so that sum() is two lookups per array.
// Used by the tests, and usable by the engine for recent data. Memory: 3 × 8 bytes per minute (plus, per slice spec
// asked for, 5 × 8 bytes per slice); exact for integer counts below 2^53.

import { MINUTE_MS } from '../time/zone.js';
import { addClass, classifySlice, clearSliceStats, emptySliceStats, wholeSlices } from './slices.js';
import type { Counts, CountSeries, MinuteCounts, SliceSpec, SliceStats, WindowCounts } from './series.js';

export interface CountPoint extends Counts {
  /** Epoch ms; the point counts in the minute containing it. */
  ts: number;
}

interface SlicePrefix {
  firstSlice: number;
  good: Float64Array;
  bad: Float64Array;
  noData: Float64Array;
  idle: Float64Array;
  badShare: Float64Array;
}

export class ArrayCountSeries implements CountSeries {
  readonly startMs: number;
  readonly endMs: number;
  private readonly goodPrefix: Float64Array;
  private readonly totalPrefix: Float64Array;
  private readonly dataPrefix: Float64Array;
  private readonly good: Float64Array;
  private readonly total: Float64Array;
  private readonly hasData: Uint8Array;
  private readonly slicePrefixes = new Map<string, SlicePrefix>();
  private lastSlice: SliceSpec | null = null;
  private lastPrefix: SlicePrefix | null = null;

  /** `minutes[i]` is minute startMs + i min: its counts, or null when no sample was recorded. */
  constructor(startMs: number, minutes: ReadonlyArray<Counts | null>) {
    assertAligned(startMs);
    const n = minutes.length;
    this.startMs = startMs;
    this.endMs = startMs + n * MINUTE_MS;
    this.good = new Float64Array(n);
    this.total = new Float64Array(n);
    this.hasData = new Uint8Array(n);
    this.goodPrefix = new Float64Array(n + 1);
    this.totalPrefix = new Float64Array(n + 1);
    this.dataPrefix = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      const m = minutes[i];
      if (m) {
        if (!(m.good >= 0 && m.total >= m.good && Number.isFinite(m.total))) {
          throw new RangeError(`minute ${i}: need 0 ≤ good ≤ total, got good ${m.good}, total ${m.total}`);
        }
        this.good[i] = m.good;
        this.total[i] = m.total;
        this.hasData[i] = 1;
      }
      this.goodPrefix[i + 1] = (this.goodPrefix[i] ?? 0) + (this.good[i] ?? 0);
      this.totalPrefix[i + 1] = (this.totalPrefix[i] ?? 0) + (this.total[i] ?? 0);
      this.dataPrefix[i + 1] = (this.dataPrefix[i] ?? 0) + (this.hasData[i] ?? 0);
    }
  }

  /** Buckets points into the minutes of [startMs, endMs); any point in a minute gives that minute data. */
  static fromPoints(startMs: number, endMs: number, points: Iterable<CountPoint>): ArrayCountSeries {
    assertAligned(startMs);
    assertAligned(endMs);
    const minutes: (Counts | null)[] = new Array<Counts | null>((endMs - startMs) / MINUTE_MS).fill(null);
    for (const p of points) {
      if (!(p.ts >= startMs && p.ts < endMs)) {
        throw new RangeError(`point at ${new Date(p.ts).toISOString()} is outside the series`);
      }
      const i = Math.floor((p.ts - startMs) / MINUTE_MS);
      const m = (minutes[i] ??= { good: 0, total: 0 });
      m.good += p.good;
      m.total += p.total;
    }
    return new ArrayCountSeries(startMs, minutes);
  }

  /** Index range of [fromMs, toMs) clipped to the recorded minutes. */
  private span(fromMs: number, toMs: number): [number, number] {
    assertAligned(fromMs);
    assertAligned(toMs);
    const n = this.good.length;
    const a = Math.min(n, Math.max(0, (fromMs - this.startMs) / MINUTE_MS));
    const b = Math.min(n, Math.max(a, (toMs - this.startMs) / MINUTE_MS));
    return [a, b];
  }

  sum(fromMs: number, toMs: number, into: WindowCounts = { good: 0, total: 0, dataMinutes: 0 }): WindowCounts {
    const [a, b] = this.span(fromMs, toMs);
    into.good = (this.goodPrefix[b] ?? 0) - (this.goodPrefix[a] ?? 0);
    into.total = (this.totalPrefix[b] ?? 0) - (this.totalPrefix[a] ?? 0);
    into.dataMinutes = (this.dataPrefix[b] ?? 0) - (this.dataPrefix[a] ?? 0);
    return into;
  }

  *minutes(fromMs: number, toMs: number): Iterable<MinuteCounts> {
    assertAligned(fromMs);
    assertAligned(toMs);
    for (let t = fromMs; t < toMs; t += MINUTE_MS) {
      const i = (t - this.startMs) / MINUTE_MS;
      if (i >= 0 && i < this.good.length) {
        yield { minuteMs: t, good: this.good[i] ?? 0, total: this.total[i] ?? 0, hasData: this.hasData[i] === 1 };
      } else {
        yield { minuteMs: t, good: 0, total: 0, hasData: false };
      }
    }
  }

  /** O(1) after a one-off O(minutes) pass per slice spec: slices classified once, then prefix counts per class. */
  sliceStats(fromMs: number, toMs: number, slice: SliceSpec, into?: SliceStats): SliceStats {
    assertAligned(fromMs);
    assertAligned(toMs);
    const { first, end } = wholeSlices(fromMs, toMs, slice.minutes);
    const stats = into ? clearSliceStats(into) : emptySliceStats();
    if (end <= first) return stats;
    const p = this.slicePrefix(slice);
    const a = Math.min(Math.max(first, p.firstSlice), p.firstSlice + p.good.length - 1);
    const b = Math.min(Math.max(end, a), p.firstSlice + p.good.length - 1);
    const i = a - p.firstSlice;
    const j = b - p.firstSlice;
    stats.good = (p.good[j] ?? 0) - (p.good[i] ?? 0);
    stats.bad = (p.bad[j] ?? 0) - (p.bad[i] ?? 0);
    stats.idle = (p.idle[j] ?? 0) - (p.idle[i] ?? 0);
    stats.badShare = (p.badShare[j] ?? 0) - (p.badShare[i] ?? 0);
    // Slices outside the recorded minutes have no data.
    stats.noData = (p.noData[j] ?? 0) - (p.noData[i] ?? 0) + (end - first - (b - a));
    return stats;
  }

  private slicePrefix(slice: SliceSpec): SlicePrefix {
    if (slice === this.lastSlice && this.lastPrefix) return this.lastPrefix;
    const key = `${slice.minutes}:${slice.threshold.num}/${slice.threshold.den}`;
    const cached = this.slicePrefixes.get(key);
    this.lastSlice = slice;
    if (cached) return (this.lastPrefix = cached);
    const size = slice.minutes * MINUTE_MS;
    const firstSlice = Math.floor(this.startMs / size);
    const count = Math.max(0, Math.ceil(this.endMs / size) - firstSlice);
    const p: SlicePrefix = {
      firstSlice,
      good: new Float64Array(count + 1),
      bad: new Float64Array(count + 1),
      noData: new Float64Array(count + 1),
      idle: new Float64Array(count + 1),
      badShare: new Float64Array(count + 1),
    };
    for (let k = 0; k < count; k++) {
      let good = 0;
      let total = 0;
      let hasData = false;
      const from = Math.max(0, ((firstSlice + k) * size - this.startMs) / MINUTE_MS);
      const to = Math.min(this.good.length, ((firstSlice + k + 1) * size - this.startMs) / MINUTE_MS);
      for (let i = from; i < to; i++) {
        good += this.good[i] ?? 0;
        total += this.total[i] ?? 0;
        hasData ||= this.hasData[i] === 1;
      }
      const one = emptySliceStats();
      addClass(one, classifySlice(good, total, hasData, slice.threshold), good, total);
      p.good[k + 1] = (p.good[k] ?? 0) + one.good;
      p.bad[k + 1] = (p.bad[k] ?? 0) + one.bad;
      p.noData[k + 1] = (p.noData[k] ?? 0) + one.noData;
      p.idle[k + 1] = (p.idle[k] ?? 0) + one.idle;
      p.badShare[k + 1] = (p.badShare[k] ?? 0) + one.badShare;
    }
    this.slicePrefixes.set(key, p);
    return (this.lastPrefix = p);
  }
}

function assertAligned(ms: number): void {
  if (!Number.isFinite(ms) || ms % MINUTE_MS !== 0) {
    throw new RangeError(`${ms} is not on a whole minute; series ranges are minute-aligned`);
  }
}
