// CompactCountSeries: the engine's CountSeries at P1 scale (DESIGN §13: 10,000 SLOs × 30 days of minutes, every
// window each cycle, ≤ 1 GiB). Exact for integer counts, incremental, and small:
//
// - Hours: a ring of `capacityHours` hours holding, interleaved in one Float64Array, the cumulative good, total and
//   data-minute counts at the end of each hour (24 bytes an hour, one cache line per lookup). Any whole-hour span is
//   two lookups.
// - Minute detail: pages of one hour (per minute: good, then total + 1 with 0 meaning "no sample", as Uint32: 480
//   bytes) kept only for the newest `recentHours` hours (written as data arrives, overwritten by late data) and for
//   hours pinned with retainDetail() (where a long window starts, a correction begins or ends, a calendar period starts
//   off the hour). A pinned hour older than the recent ones comes back from the store with putHour(): the store keeps
//   every minute (DESIGN §4). planDetail() says which hours the evaluations of the next hour will cut, by running
//   evaluateSlo itself on a recording series, so the plan cannot drift from the math. An answer that would need an
//   hour's minutes that are not held throws MissingMinuteDetail (naming the hour); nothing is ever estimated.
// - A range edge inside an hour is the hour's cumulative count plus a walk of at most 30 minutes of its page (from the
//   nearer end). Hours with no sample at all, or a zero-traffic sample in every minute, need no page.
// - Timeslices: per registered slice spec, cumulative class counters [good, bad, idle slices, Σ bad share] (no data is
//   what is left) per unit: the hour for slices that divide 60 minutes, the slice itself for slices of whole hours
//   dividing a day (120, 180, … 1440: edges never cut a unit). For the first kind each page also keeps the counters
//   cumulated over its slices, so a cut hour is two lookups too. Other lengths (e.g. 90) are refused at construction:
//   such an SLO stays on ArrayCountSeries.
//
// Cost: sum() O(1) (≤ 2 × 30 minute reads), sliceStats() O(1), put() O(1) for the newest hour (O(hours after it) for
// an older one; plus O(60) per slice spec), putHour() O(60 + hours after it), advancing an hour O(pages held).
// Memory for 33 days (30 + the 3-day burn horizon, 795 ring hours) with 8 recent and up to 8 pinned pages:
// 795 × 24 B (ring) + 795 × 2 B (page index) + 16 × 480 B (pages) ≈ 28 KB per SLO, ≈ 285 MB for 10,000; a slice spec
// adds 795 × 32 B + 16 pages × (60/L + 1) × 32 B (57 KB for 1-minute slices, 32 KB for 5-minute ones). Per-minute
// Uint32 good/total for the whole 33 days would be 47,520 × 8 B = 380 KB per SLO, 3.8 GB for 10,000 (ArrayCountSeries:
// 41 B a minute, 19.5 GB): over the 1 GiB target, hence the pages.
//
// Counts must be integers with 0 ≤ good ≤ total ≤ 4,294,967,294 per minute (RangeError otherwise, saying to use
// ArrayCountSeries); cumulative sums stay exact (below 2^53) because the ring re-bases them as old hours drop out.
// Results are identical to ArrayCountSeries over the same minutes for every minute-aligned range (badShare, a sum of
// fractions, is equal up to floating-point rounding: it is summed per hour, then across hours).

import type { CompiledSlo } from '../domain/slo/definition.js';
import { evaluateSlo, type EvaluateOptions } from '../domain/slo/evaluate.js';
import type { Counts, CountSeries, MinuteCounts, SliceSpec, SliceStats, WindowCounts } from '../domain/slo/series.js';
import { classifySlice, clearSliceStats, computeSliceStats, emptySliceStats, wholeSlices } from '../domain/slo/slices.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Uint32 words per page: for each minute, good then total + 1 (0 meaning no sample), interleaved. */
const PAGE = 120;

/** Scratch for putHourPart (putHour copies it): writes are synchronous. */
const partScratch = { good: new Float64Array(60), total: new Float64Array(60), has: new Uint8Array(60) };
/** The largest per-minute count a page holds (total + 1 must fit in a Uint32). */
export const MAX_MINUTE_COUNT = 0xffff_fffe;
/** Cumulative sums are re-based when they pass these (they stay exact integers in a Float64). */
const REBASE = 2 ** 50;

/** Thrown when an answer needs the minutes of an hour whose detail is not held. Load it with putHour() and retry. */
export class MissingMinuteDetail extends Error {
  override name = 'MissingMinuteDetail';
  readonly hourMs: number;
  constructor(hourMs: number, what: string) {
    super(
      `CompactCountSeries: ${what} needs the minute detail of hour ${new Date(hourMs).toISOString()}, which is not held; ` +
        'load it with putHour() (retainDetail() and planDetail() say which hours an evaluation needs)',
    );
    this.hourMs = hourMs;
  }
}

export interface CompactSeriesOptions {
  /** First minute to hold; floored to the hour (to the day's slice grid for slices of whole hours). */
  startMs: number;
  /**
   * History to hold, in minutes: at least the evaluation horizon (evaluationHorizon) plus the late-data window.
   * When newer data arrives, hours older than that are dropped (their minutes then have no data).
   */
  capacityMinutes: number;
  /** The newest hours (the one in progress included) whose minute detail is kept as data arrives. Default 8. */
  recentHours?: number;
  /** Slice specs sliceStats() answers in O(1); others fall back to the minute walk. Minutes must divide 60 or be whole hours dividing a day. */
  slices?: readonly SliceSpec[];
}

function sliceKey(s: SliceSpec): string {
  return `${s.minutes}:${s.threshold.num}/${s.threshold.den}`;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Cumulative slice-class counters for one slice spec over units of `unitHours` hours: per unit, [good, bad, idle,
 * Σ bad share] at its end (no data is what is left). For slices that divide an hour, also per page the same four
 * counters cumulated over the hour's slices, so a cut hour is two lookups.
 */
class SliceIndex {
  readonly key: string;
  readonly minutes: number;
  readonly unitHours: number;
  /** Slices per unit. */
  readonly perUnit: number;
  readonly cap: number;
  readonly c: Float64Array;
  /** Counters before the oldest unit. */
  b0 = 0;
  b1 = 0;
  b2 = 0;
  b3 = 0;
  /** Per page, (perUnit + 1) rows of the four counters cumulated over the hour's slices (unitHours = 1 only). */
  pp: Float64Array;

  constructor(
    readonly spec: SliceSpec,
    hoursCap: number,
    pages: number,
  ) {
    const L = spec.minutes;
    this.key = sliceKey(spec);
    this.minutes = L;
    if (Number.isSafeInteger(L) && L > 0 && 60 % L === 0) {
      this.unitHours = 1;
      this.perUnit = 60 / L;
    } else if (Number.isSafeInteger(L) && L > 0 && L % 60 === 0 && 1440 % L === 0) {
      this.unitHours = L / 60;
      this.perUnit = 1;
    } else {
      throw new RangeError(
        `CompactCountSeries: slices of ${L} minutes neither divide an hour nor are whole hours dividing a day; ` +
          'use ArrayCountSeries (or the minute walk) for such an SLO',
      );
    }
    this.cap = hoursCap / this.unitHours;
    this.c = new Float64Array(this.cap * 4);
    this.pp = new Float64Array(this.unitHours === 1 ? pages * (this.perUnit + 1) * 4 : 0);
  }

  growPages(pages: number): void {
    if (this.unitHours !== 1) return;
    const pp = new Float64Array(pages * (this.perUnit + 1) * 4);
    pp.set(this.pp);
    this.pp = pp;
  }
}

export class CompactCountSeries implements CountSeries {
  /** Ring size in hours. */
  readonly capacityHours: number;
  readonly recentHours: number;
  /** The oldest held hour is a multiple of this many hours (slices of whole hours never straddle it). */
  private readonly align: number;
  /** Absolute hour numbers (ms / HOUR_MS) of the oldest and newest held hours; newest < oldest when empty. */
  private oldest: number;
  private newest: number;
  /** Per ring slot (hour % capacity): cumulative [good, total, data minutes] at the end of that hour. */
  private readonly ring: Float64Array;
  /** The same before the oldest hour. */
  private baseG = 0;
  private baseT = 0;
  private baseD = 0;
  /** Per ring slot, the page holding that hour's minutes, or −1. */
  private readonly pageOf: Int16Array;
  private pages: Uint32Array;
  /** Absolute hour of each page, −1 when free. */
  private pageHour: Float64Array;
  private readonly pinned = new Set<number>();
  private readonly sliceIndexes: SliceIndex[];
  private lastSpec: SliceSpec | null = null;
  private lastIndex: SliceIndex | null = null;
  /** Set by pageForWrite when it made a page: its slice rows must be computed even if the write changes nothing. */
  private freshPage = false;
  /** Scratch results of prefix() and hour(). */
  private pG = 0;
  private pT = 0;
  private pD = 0;
  private hG = 0;
  private hT = 0;
  private hD = 0;
  /**
   * The last two prefixes computed, [at, good, total, data] each; `memoNext` is the slot to replace (the one used
   * less recently). All windows of an evaluation share their end, so it stays held while their starts pass through.
   */
  private readonly memo = new Float64Array([Number.NaN, 0, 0, 0, Number.NaN, 0, 0, 0]);
  private memoNext = 0;

  constructor(options: CompactSeriesOptions) {
    const { startMs, capacityMinutes } = options;
    if (!Number.isFinite(startMs)) throw new RangeError('CompactCountSeries: startMs must be a time');
    if (!(Number.isSafeInteger(capacityMinutes) && capacityMinutes > 0)) {
      throw new RangeError(`CompactCountSeries: capacityMinutes must be a positive whole number, got ${capacityMinutes}`);
    }
    const recent = options.recentHours ?? 8;
    if (!(Number.isSafeInteger(recent) && recent >= 1)) throw new RangeError(`CompactCountSeries: recentHours must be at least 1, got ${recent}`);
    const specs = options.slices ?? [];
    let align = 1;
    for (const s of specs) {
      if (s.minutes % 60 === 0 && 1440 % s.minutes === 0) align = (align * (s.minutes / 60)) / gcd(align, s.minutes / 60);
    }
    this.align = align;
    const hours = Math.ceil(capacityMinutes / 60) + 1;
    this.capacityHours = Math.ceil((hours + align) / align) * align;
    if (this.capacityHours > 1_000_000) throw new RangeError('CompactCountSeries: capacity above a million hours');
    this.recentHours = Math.min(recent, this.capacityHours);
    this.oldest = Math.floor(Math.floor(startMs / HOUR_MS) / align) * align;
    this.newest = this.oldest - 1;
    this.ring = new Float64Array(this.capacityHours * 3);
    this.pageOf = new Int16Array(this.capacityHours).fill(-1);
    // Recent hours plus the usual pins (1d, 3d and window starts, two hours each around an hour boundary, a few corrections).
    const initialPages = Math.min(this.recentHours + 8, this.capacityHours);
    this.pages = new Uint32Array(initialPages * PAGE);
    this.pageHour = new Float64Array(initialPages).fill(-1);
    const seen = new Set<string>();
    this.sliceIndexes = [];
    for (const s of specs) {
      const key = sliceKey(s);
      if (seen.has(key)) continue;
      seen.add(key);
      this.sliceIndexes.push(new SliceIndex(s, this.capacityHours, initialPages));
    }
  }

  /** A series holding `minutes` from `startMs` (null: no sample), with every hour's detail kept unless told otherwise. */
  static fromMinutes(
    startMs: number,
    minutes: ReadonlyArray<Counts | null>,
    options: Partial<CompactSeriesOptions> = {},
  ): CompactCountSeries {
    const capacityMinutes = options.capacityMinutes ?? Math.max(60, minutes.length + 60);
    const s = new CompactCountSeries({
      startMs,
      capacityMinutes,
      recentHours: options.recentHours ?? Math.ceil(capacityMinutes / 60) + 2,
      slices: options.slices,
    });
    s.putMinutes(startMs, minutes);
    return s;
  }

  /** Start of the oldest held hour: minutes before it have no data. */
  get startMs(): number {
    return this.oldest * HOUR_MS;
  }

  /** End of the newest held hour: minutes from it on have no data. */
  get endMs(): number {
    return (this.newest + 1) * HOUR_MS;
  }

  /** Bytes held in typed arrays (the series' memory apart from a few hundred bytes of object). */
  get byteLength(): number {
    let n = this.ring.byteLength + this.pageOf.byteLength + this.pages.byteLength + this.pageHour.byteLength;
    for (const x of this.sliceIndexes) n += x.c.byteLength + x.pp.byteLength;
    return n;
  }

  /** Hour starts whose minute detail is held, sorted. */
  detailHours(): number[] {
    const out: number[] = [];
    for (const h of this.pageHour) if (h >= 0) out.push(h * HOUR_MS);
    return out.sort((a, b) => a - b);
  }

  // ---- writing ---------------------------------------------------------------------------------------------------

  /** Records minute `minuteMs`'s counts, replacing what it held (append, or overwrite with late data). */
  put(minuteMs: number, good: number, total: number): void {
    checkCounts(good, total, minuteMs);
    this.write(minuteMs, good, total + 1);
  }

  /** Marks minute `minuteMs` as having no sample. */
  putNoData(minuteMs: number): void {
    this.write(minuteMs, 0, 0);
  }

  /** put()/putNoData() for each of `minutes` from `fromMs` (null: no sample). */
  putMinutes(fromMs: number, minutes: ReadonlyArray<Counts | null>): void {
    assertAligned(fromMs);
    for (let i = 0; i < minutes.length; i++) {
      const m = minutes[i];
      if (m) this.put(fromMs + i * MINUTE_MS, m.good, m.total);
      else this.putNoData(fromMs + i * MINUTE_MS);
    }
  }

  /**
   * Writes all 60 minutes of the hour starting at `hourMs` (minute i has data when hasData[i] is non-zero): the bulk
   * path for building, and how a pinned hour's detail comes back from the store. Keeps the detail if the hour is
   * recent or pinned, else folds it into the hour's counters only.
   */
  putHour(hourMs: number, good: ArrayLike<number>, total: ArrayLike<number>, hasData: ArrayLike<number>): void {
    if (!Number.isFinite(hourMs) || hourMs % HOUR_MS !== 0) throw new RangeError(`${hourMs} is not on a whole hour`);
    if (good.length < 60 || total.length < 60 || hasData.length < 60) throw new RangeError('putHour needs 60 minutes of good, total and hasData');
    for (let i = 0; i < 60; i++) if (hasData[i]) checkCounts(good[i]!, total[i]!, hourMs + i * MINUTE_MS);
    const h = hourMs / HOUR_MS;
    if (h > this.newest) this.advance(h);
    if (h < this.oldest) throw new RangeError(`CompactCountSeries: hour ${new Date(hourMs).toISOString()} is before the held range`);
    let p = this.pageOf[h % this.capacityHours]!;
    if (p < 0) p = this.allocPage(h);
    const pages = this.pages;
    const base = p * PAGE;
    let g = 0;
    let t = 0;
    let d = 0;
    for (let i = 0; i < 60; i++) {
      if (hasData[i]) {
        const gi = good[i]!;
        const ti = total[i]!;
        pages[base + 2 * i] = gi;
        pages[base + 2 * i + 1] = ti + 1;
        g += gi;
        t += ti;
        d++;
      } else {
        pages[base + 2 * i] = 0;
        pages[base + 2 * i + 1] = 0;
      }
    }
    this.hour(h);
    if (g !== this.hG || t !== this.hT || d !== this.hD) this.addToHours(h, g - this.hG, t - this.hT, d - this.hD);
    for (const x of this.sliceIndexes) this.refreshUnit(x, h);
    this.forgetPrefixes();
    if (!this.isRecent(h) && !this.pinned.has(h)) this.freePage(p);
  }

  /**
   * Writes minutes [fromMinute, toMinute) of the hour starting at `hourMs` in one go; its other minutes keep what they
   * hold. Writing an old, unpinned hour minute by minute would drop its detail after the first minute (only recent and
   * pinned hours keep it), so the next minute could not be written: an hour cut by a window's start is written here.
   * Throws MissingMinuteDetail when the other minutes are not known (the caller loads the whole hour instead).
   */
  putHourPart(hourMs: number, fromMinute: number, toMinute: number, good: ArrayLike<number>, total: ArrayLike<number>, hasData: ArrayLike<number>): void {
    if (!Number.isFinite(hourMs) || hourMs % HOUR_MS !== 0) throw new RangeError(`${hourMs} is not on a whole hour`);
    if (!(Number.isInteger(fromMinute) && Number.isInteger(toMinute) && fromMinute >= 0 && fromMinute < toMinute && toMinute <= 60)) {
      throw new RangeError(`minutes ${fromMinute} to ${toMinute} are not a part of an hour`);
    }
    const h = hourMs / HOUR_MS;
    if (h > this.newest) this.advance(h);
    if (h < this.oldest) throw new RangeError(`CompactCountSeries: hour ${new Date(hourMs).toISOString()} is before the held range`);
    const base = this.pageForWrite(h) * PAGE;
    const { good: g, total: t, has } = partScratch;
    const pages = this.pages;
    for (let i = 0; i < 60; i++) {
      if (i >= fromMinute && i < toMinute) {
        g[i] = good[i]!;
        t[i] = total[i]!;
        has[i] = hasData[i] ? 1 : 0;
      } else {
        const t1 = pages[base + 2 * i + 1]!;
        g[i] = pages[base + 2 * i]!;
        t[i] = t1 > 0 ? t1 - 1 : 0;
        has[i] = t1 > 0 ? 1 : 0;
      }
    }
    this.putHour(hourMs, g, t, has);
  }

  /** Extends the held range to the hour containing minute `endMs − 1 min` (time passes without data); drops the hours beyond capacity. */
  advanceTo(endMs: number): void {
    assertAligned(endMs);
    const h = Math.floor((endMs - MINUTE_MS) / HOUR_MS);
    if (h > this.newest) this.advance(h);
  }

  /** Drops the whole hours (on the alignment grid) before `ms`: the horizon moved on. */
  trimBefore(ms: number): void {
    const n = Math.floor(Math.floor(ms / HOUR_MS) / this.align) * this.align;
    if (n > this.oldest) this.dropTo(n);
  }

  /**
   * Pins the hours starting at `hoursMs` (from planDetail) so their minute detail is kept, releases the detail of every
   * other hour outside the recent ones, and returns the pinned hours whose detail must be loaded with putHour().
   */
  retainDetail(hoursMs: Iterable<number>): number[] {
    this.pinned.clear();
    for (const ms of hoursMs) this.pinned.add(Math.floor(ms / HOUR_MS));
    for (let p = 0; p < this.pageHour.length; p++) {
      const h = this.pageHour[p]!;
      if (h >= 0 && !this.isRecent(h) && !this.pinned.has(h)) this.freePage(p);
    }
    const missing: number[] = [];
    for (const h of this.pinned) {
      if (h < this.oldest || h > this.newest || this.pageOf[h % this.capacityHours]! >= 0) continue;
      this.hour(h);
      if (this.hD === 0 || (this.hD === 60 && this.hT === 0)) continue;
      missing.push(h * HOUR_MS);
    }
    return missing.sort((a, b) => a - b);
  }

  private write(minuteMs: number, g: number, t1: number): void {
    assertAligned(minuteMs);
    const h = Math.floor(minuteMs / HOUR_MS);
    if (h > this.newest) this.advance(h);
    if (h < this.oldest) {
      throw new RangeError(`CompactCountSeries: minute ${new Date(minuteMs).toISOString()} is before the held range (from ${new Date(this.startMs).toISOString()})`);
    }
    this.freshPage = false;
    const p = this.pageForWrite(h);
    const i = p * PAGE + 2 * ((minuteMs - h * HOUR_MS) / MINUTE_MS);
    const pages = this.pages;
    const og = pages[i]!;
    const ot1 = pages[i + 1]!;
    if (og !== g || ot1 !== t1) {
      pages[i] = g;
      pages[i + 1] = t1;
      const dT = (t1 > 0 ? t1 - 1 : 0) - (ot1 > 0 ? ot1 - 1 : 0);
      const dD = (t1 > 0 ? 1 : 0) - (ot1 > 0 ? 1 : 0);
      this.addToHours(h, g - og, dT, dD);
      for (const x of this.sliceIndexes) this.refreshUnit(x, h);
      this.forgetPrefixes();
    } else if (this.freshPage) {
      for (const x of this.sliceIndexes) this.refreshUnit(x, h);
    }
    if (!this.isRecent(h) && !this.pinned.has(h)) this.freePage(p);
  }

  /** The page of hour h for a write: held, or made for an hour whose minutes are all known (none, or all idle). */
  private pageForWrite(h: number): number {
    const p = this.pageOf[h % this.capacityHours]!;
    if (p >= 0) return p;
    this.hour(h);
    if (this.hD === 0) {
      this.freshPage = true;
      return this.allocPage(h);
    }
    if (this.hD === 60 && this.hT === 0) {
      this.freshPage = true;
      const q = this.allocPage(h);
      for (let i = q * PAGE + 1, e = q * PAGE + PAGE; i < e; i += 2) this.pages[i] = 1;
      return q;
    }
    throw new MissingMinuteDetail(h * HOUR_MS, 'a write');
  }

  private isRecent(h: number): boolean {
    return h > this.newest - this.recentHours;
  }

  /** Adds deltas to hour h's counts: its cumulative sums and every later hour's. */
  private addToHours(h: number, dG: number, dT: number, dD: number): void {
    const C = this.capacityHours;
    const r = this.ring;
    for (let k = h; k <= this.newest; k++) {
      const s = (k % C) * 3;
      r[s] = r[s]! + dG;
      r[s + 1] = r[s + 1]! + dT;
      r[s + 2] = r[s + 2]! + dD;
    }
  }

  /** Makes hours up to h exist (empty), dropping the oldest ones beyond capacity. */
  private advance(h: number): void {
    const C = this.capacityHours;
    if (h - this.oldest + 1 > C) {
      const n = Math.ceil((h - C + 1) / this.align) * this.align;
      this.dropTo(n);
    }
    const r = this.ring;
    const from = Math.max(this.newest + 1, this.oldest);
    for (let k = from; k <= h; k++) {
      const s = (k % C) * 3;
      if (k === this.oldest) {
        r[s] = this.baseG;
        r[s + 1] = this.baseT;
        r[s + 2] = this.baseD;
      } else {
        const q = ((k - 1) % C) * 3;
        r[s] = r[q]!;
        r[s + 1] = r[q + 1]!;
        r[s + 2] = r[q + 2]!;
      }
      this.pageOf[k % C] = -1;
    }
    for (const x of this.sliceIndexes) {
      const uh = x.unitHours;
      const u0 = Math.max(Math.floor(this.newest / uh) + 1, this.oldest / uh);
      const u1 = Math.floor(h / uh);
      const c = x.c;
      for (let u = u0; u <= u1; u++) {
        const s = (u % x.cap) * 4;
        if (u === this.oldest / uh) {
          c[s] = x.b0;
          c[s + 1] = x.b1;
          c[s + 2] = x.b2;
          c[s + 3] = x.b3;
        } else {
          const q = ((u - 1) % x.cap) * 4;
          c[s] = c[q]!;
          c[s + 1] = c[q + 1]!;
          c[s + 2] = c[q + 2]!;
          c[s + 3] = c[q + 3]!;
        }
      }
    }
    this.newest = h;
    this.forgetPrefixes();
    for (let p = 0; p < this.pageHour.length; p++) {
      const ph = this.pageHour[p]!;
      if (ph >= 0 && !this.isRecent(ph) && !this.pinned.has(ph)) this.freePage(p);
    }
  }

  /** Drops hours before n (a multiple of align, > oldest). */
  private dropTo(n: number): void {
    const C = this.capacityHours;
    if (this.newest >= this.oldest) {
      const last = Math.min(n - 1, this.newest);
      for (let k = this.oldest; k <= last; k++) {
        const p = this.pageOf[k % C]!;
        if (p >= 0) this.freePage(p);
      }
      const s = (last % C) * 3;
      this.baseG = this.ring[s]!;
      this.baseT = this.ring[s + 1]!;
      this.baseD = this.ring[s + 2]!;
      for (const x of this.sliceIndexes) {
        const u = (Math.floor(last / x.unitHours) % x.cap) * 4;
        x.b0 = x.c[u]!;
        x.b1 = x.c[u + 1]!;
        x.b2 = x.c[u + 2]!;
        x.b3 = x.c[u + 3]!;
      }
    }
    this.oldest = n;
    if (this.newest < n - 1) this.newest = n - 1;
    this.forgetPrefixes();
    this.rebase();
  }

  /** Keeps cumulative sums small: subtracts the base from every held hour (exact: integers). */
  private rebase(): void {
    const C = this.capacityHours;
    if (this.baseG > REBASE || this.baseT > REBASE || this.baseD > REBASE) {
      const { baseG, baseT, baseD } = this;
      for (let k = this.oldest; k <= this.newest; k++) {
        const s = (k % C) * 3;
        this.ring[s] = this.ring[s]! - baseG;
        this.ring[s + 1] = this.ring[s + 1]! - baseT;
        this.ring[s + 2] = this.ring[s + 2]! - baseD;
      }
      this.baseG = 0;
      this.baseT = 0;
      this.baseD = 0;
    }
    for (const x of this.sliceIndexes) {
      if (x.b0 + x.b1 + x.b2 <= REBASE) continue;
      const uh = x.unitHours;
      for (let u = this.oldest / uh; u <= Math.floor(this.newest / uh); u++) {
        const s = (u % x.cap) * 4;
        x.c[s] = x.c[s]! - x.b0;
        x.c[s + 1] = x.c[s + 1]! - x.b1;
        x.c[s + 2] = x.c[s + 2]! - x.b2;
        x.c[s + 3] = x.c[s + 3]! - x.b3;
      }
      x.b0 = 0;
      x.b1 = 0;
      x.b2 = 0;
      x.b3 = 0;
    }
  }

  private allocPage(h: number): number {
    let p = this.pageHour.indexOf(-1);
    if (p < 0) {
      const n = this.pageHour.length;
      const grown = Math.min(32_767, n + Math.max(4, n >> 1));
      if (grown <= n) throw new RangeError('CompactCountSeries: more than 32,767 hours of minute detail held');
      const pages = new Uint32Array(grown * PAGE);
      pages.set(this.pages);
      const hours = new Float64Array(grown).fill(-1);
      hours.set(this.pageHour);
      this.pages = pages;
      this.pageHour = hours;
      for (const x of this.sliceIndexes) x.growPages(grown);
      p = n;
    }
    this.pages.fill(0, p * PAGE, p * PAGE + PAGE);
    this.pageHour[p] = h;
    this.pageOf[h % this.capacityHours] = p;
    return p;
  }

  private freePage(p: number): void {
    const h = this.pageHour[p]!;
    if (h < 0) return;
    const s = h % this.capacityHours;
    if (this.pageOf[s] === p) this.pageOf[s] = -1;
    this.pageHour[p] = -1;
  }

  // ---- slices ------------------------------------------------------------------------------------------------------

  /** Recomputes the slice counters of the unit containing hour h (and the page's rows) after its data changed. */
  private refreshUnit(x: SliceIndex, h: number): void {
    let good = 0;
    let bad = 0;
    let idle = 0;
    let share = 0;
    const u = Math.floor(h / x.unitHours);
    if (x.unitHours === 1) {
      const p = this.pageOf[h % this.capacityHours]!;
      if (p < 0) {
        this.hour(h);
        if (this.hD === 60 && this.hT === 0) idle = x.perUnit;
        else if (this.hD !== 0) throw new MissingMinuteDetail(h * HOUR_MS, 'slice counters');
      } else {
        const pages = this.pages;
        const pp = x.pp;
        const L = x.minutes;
        const threshold = x.spec.threshold;
        let row = p * (x.perUnit + 1) * 4;
        pp[row] = 0;
        pp[row + 1] = 0;
        pp[row + 2] = 0;
        pp[row + 3] = 0;
        for (let i = p * PAGE, end = i + PAGE; i < end; ) {
          let g = 0;
          let t = 0;
          let has = false;
          for (const e = i + 2 * L; i < e; i += 2) {
            const t1 = pages[i + 1]!;
            if (t1 > 0) {
              has = true;
              g += pages[i]!;
              t += t1 - 1;
            }
          }
          const c = classifySlice(g, t, has, threshold);
          if (c === 'good') {
            good++;
            share += (t - g) / t;
          } else if (c === 'bad') {
            bad++;
            share += (t - g) / t;
          } else if (c === 'idle') idle++;
          row += 4;
          pp[row] = good;
          pp[row + 1] = bad;
          pp[row + 2] = idle;
          pp[row + 3] = share;
        }
      }
    } else {
      let g = 0;
      let t = 0;
      let d = 0;
      const h0 = Math.max(u * x.unitHours, this.oldest);
      const h1 = Math.min(u * x.unitHours + x.unitHours - 1, this.newest);
      for (let k = h0; k <= h1; k++) {
        this.hour(k);
        g += this.hG;
        t += this.hT;
        d += this.hD;
      }
      const c = classifySlice(g, t, d > 0, x.spec.threshold);
      if (c === 'good') {
        good = 1;
        share = (t - g) / t;
      } else if (c === 'bad') {
        bad = 1;
        share = (t - g) / t;
      } else if (c === 'idle') idle = 1;
    }
    // Apply the change to this unit and every later one.
    const c = x.c;
    const s = (u % x.cap) * 4;
    const first = u === this.oldest / x.unitHours;
    const q = ((u - 1 + x.cap) % x.cap) * 4;
    const b0 = first ? x.b0 : c[q]!;
    const b1 = first ? x.b1 : c[q + 1]!;
    const b2 = first ? x.b2 : c[q + 2]!;
    const b3 = first ? x.b3 : c[q + 3]!;
    const d0 = good - (c[s]! - b0);
    const d1 = bad - (c[s + 1]! - b1);
    const d2 = idle - (c[s + 2]! - b2);
    const oldShare = c[s + 3]! - b3;
    if (d0 === 0 && d1 === 0 && d2 === 0 && oldShare === share) return;
    const d3 = share - oldShare;
    c[s] = b0 + good;
    c[s + 1] = b1 + bad;
    c[s + 2] = b2 + idle;
    c[s + 3] = b3 + share;
    const last = Math.floor(this.newest / x.unitHours);
    for (let v = u + 1; v <= last; v++) {
      const r = (v % x.cap) * 4;
      c[r] = c[r]! + d0;
      c[r + 1] = c[r + 1]! + d1;
      c[r + 2] = c[r + 2]! + d2;
      c[r + 3] = c[r + 3]! + d3;
    }
  }

  private indexFor(slice: SliceSpec): SliceIndex | null {
    if (slice === this.lastSpec) return this.lastIndex;
    const key = sliceKey(slice);
    const x = this.sliceIndexes.find((i) => i.key === key) ?? null;
    this.lastSpec = slice;
    this.lastIndex = x;
    return x;
  }

  /** Slice statistics over the whole slices in [fromMs, toMs); O(1) for registered specs, the minute walk otherwise. */
  sliceStats(fromMs: number, toMs: number, slice: SliceSpec, into?: SliceStats): SliceStats {
    assertAligned(fromMs);
    assertAligned(toMs);
    const x = this.indexFor(slice);
    if (!x) {
      const walked = computeSliceStats({ sum: (f, t) => this.sum(f, t), minutes: (f, t) => this.minutes(f, t) }, fromMs, toMs, slice);
      return into ? Object.assign(into, walked) : walked;
    }
    const stats = into ? clearSliceStats(into) : emptySliceStats();
    const { first, end } = wholeSlices(fromMs, toMs, slice.minutes);
    if (end <= first) return stats;
    const Lms = slice.minutes * MINUTE_MS;
    const A = first * Lms;
    const B = end * Lms;
    if (x.unitHours > 1) {
      this.units(x, stats, A / Lms, B / Lms);
      return stats;
    }
    const hA = Math.ceil(A / HOUR_MS);
    const hB = Math.floor(B / HOUR_MS);
    if (hA > hB) {
      this.partialSlices(x, stats, hB, A, B);
      return stats;
    }
    if (A < hA * HOUR_MS) this.partialSlices(x, stats, hA - 1, A, hA * HOUR_MS);
    this.units(x, stats, hA, hB);
    if (hB * HOUR_MS < B) this.partialSlices(x, stats, hB, hB * HOUR_MS, B);
    return stats;
  }

  /** Adds the whole units [ua, ub) to stats: counters inside the held range, no data outside. */
  private units(x: SliceIndex, stats: SliceStats, ua: number, ub: number): void {
    if (ub <= ua) return;
    const oldestUnit = this.oldest / x.unitHours;
    const newestUnit = Math.floor(this.newest / x.unitHours);
    const a = Math.max(ua, oldestUnit);
    const b = Math.min(ub, newestUnit + 1);
    let held = 0;
    if (b > a && this.newest >= this.oldest) {
      held = b - a;
      const c = x.c;
      const e = ((b - 1) % x.cap) * 4;
      const first = a === oldestUnit;
      const r = ((a - 1 + x.cap) % x.cap) * 4;
      const g = c[e]! - (first ? x.b0 : c[r]!);
      const bad = c[e + 1]! - (first ? x.b1 : c[r + 1]!);
      const idle = c[e + 2]! - (first ? x.b2 : c[r + 2]!);
      stats.good += g;
      stats.bad += bad;
      stats.idle += idle;
      stats.badShare += c[e + 3]! - (first ? x.b3 : c[r + 3]!);
      stats.noData += held * x.perUnit - g - bad - idle;
    }
    stats.noData += (ub - ua - held) * x.perUnit;
  }

  /** Adds the slices of [fromMs, toMs), within hour h: two lookups in the page's rows. */
  private partialSlices(x: SliceIndex, stats: SliceStats, h: number, fromMs: number, toMs: number): void {
    const L = x.minutes;
    const n = (toMs - fromMs) / (L * MINUTE_MS);
    if (n <= 0) return;
    if (h < this.oldest || h > this.newest) {
      stats.noData += n;
      return;
    }
    const p = this.pageOf[h % this.capacityHours]!;
    if (p < 0) {
      this.hour(h);
      if (this.hD === 0) stats.noData += n;
      else if (this.hD === 60 && this.hT === 0) stats.idle += n;
      else throw new MissingMinuteDetail(h * HOUR_MS, `sliceStats at ${new Date(fromMs).toISOString()}`);
      return;
    }
    const pp = x.pp;
    const base = p * (x.perUnit + 1) * 4;
    const a = base + ((fromMs - h * HOUR_MS) / (L * MINUTE_MS)) * 4;
    const b = base + ((toMs - h * HOUR_MS) / (L * MINUTE_MS)) * 4;
    const g = pp[b]! - pp[a]!;
    const bad = pp[b + 1]! - pp[a + 1]!;
    const idle = pp[b + 2]! - pp[a + 2]!;
    stats.good += g;
    stats.bad += bad;
    stats.idle += idle;
    stats.badShare += pp[b + 3]! - pp[a + 3]!;
    stats.noData += n - g - bad - idle;
  }

  // ---- reading -----------------------------------------------------------------------------------------------------

  /** Sets hG, hT, hD to hour h's counts (h held). */
  private hour(h: number): void {
    const C = this.capacityHours;
    const r = this.ring;
    const s = (h % C) * 3;
    if (h === this.oldest) {
      this.hG = r[s]! - this.baseG;
      this.hT = r[s + 1]! - this.baseT;
      this.hD = r[s + 2]! - this.baseD;
    } else {
      const q = ((h - 1) % C) * 3;
      this.hG = r[s]! - r[q]!;
      this.hT = r[s + 1]! - r[q + 1]!;
      this.hD = r[s + 2]! - r[q + 2]!;
    }
  }

  private forgetPrefixes(): void {
    this.memo[0] = Number.NaN;
    this.memo[4] = Number.NaN;
  }

  /** Sets pG, pT, pD to the cumulative counts before instant t, with oldest·HOUR ≤ t ≤ (newest + 1)·HOUR. */
  private prefix(t: number): void {
    const memo = this.memo;
    for (let o = 0; o < 8; o += 4) {
      if (memo[o] === t) {
        this.pG = memo[o + 1]!;
        this.pT = memo[o + 2]!;
        this.pD = memo[o + 3]!;
        this.memoNext = o === 0 ? 4 : 0;
        return;
      }
    }
    const C = this.capacityHours;
    const r = this.ring;
    const h = Math.floor(t / HOUR_MS);
    let g: number;
    let tot: number;
    let d: number;
    if (h > this.newest) {
      const s = (this.newest % C) * 3;
      g = r[s]!;
      tot = r[s + 1]!;
      d = r[s + 2]!;
    } else {
      if (h === this.oldest) {
        g = this.baseG;
        tot = this.baseT;
        d = this.baseD;
      } else {
        const q = ((h - 1) % C) * 3;
        g = r[q]!;
        tot = r[q + 1]!;
        d = r[q + 2]!;
      }
      const off = (t - h * HOUR_MS) / MINUTE_MS;
      if (off > 0) {
        const slot = h % C;
        const s = slot * 3;
        const hd = r[s + 2]! - d;
        if (hd === 60 && r[s + 1]! === tot) {
          d += off;
        } else if (hd !== 0) {
          const p = this.pageOf[slot]!;
          if (p < 0) throw new MissingMinuteDetail(h * HOUR_MS, `a range edge at ${new Date(t).toISOString()}`);
          const pages = this.pages;
          const base = p * PAGE;
          let wg = 0;
          let wt = 0;
          let wd = 0;
          if (off <= 30) {
            for (let i = base, e = base + 2 * off; i < e; i += 2) {
              const t1 = pages[i + 1]!;
              if (t1 > 0) {
                wg += pages[i]!;
                wt += t1 - 1;
                wd++;
              }
            }
            g += wg;
            tot += wt;
            d += wd;
          } else {
            for (let i = base + 2 * off, e = base + PAGE; i < e; i += 2) {
              const t1 = pages[i + 1]!;
              if (t1 > 0) {
                wg += pages[i]!;
                wt += t1 - 1;
                wd++;
              }
            }
            g = r[s]! - wg;
            tot = r[s + 1]! - wt;
            d = r[s + 2]! - wd;
          }
        }
      }
    }
    this.pG = g;
    this.pT = tot;
    this.pD = d;
    const o = this.memoNext;
    memo[o] = t;
    memo[o + 1] = g;
    memo[o + 2] = tot;
    memo[o + 3] = d;
    this.memoNext = o === 0 ? 4 : 0;
  }

  sum(fromMs: number, toMs: number, into: WindowCounts = { good: 0, total: 0, dataMinutes: 0 }): WindowCounts {
    assertAligned(fromMs);
    assertAligned(toMs);
    const lo = this.oldest * HOUR_MS;
    const hi = (this.newest + 1) * HOUR_MS;
    const a = fromMs > lo ? fromMs : lo;
    const b = toMs < hi ? toMs : hi;
    if (b <= a) {
      into.good = 0;
      into.total = 0;
      into.dataMinutes = 0;
      return into;
    }
    this.prefix(b);
    const g = this.pG;
    const t = this.pT;
    const d = this.pD;
    this.prefix(a);
    into.good = g - this.pG;
    into.total = t - this.pT;
    into.dataMinutes = d - this.pD;
    return into;
  }

  *minutes(fromMs: number, toMs: number): Iterable<MinuteCounts> {
    assertAligned(fromMs);
    assertAligned(toMs);
    const C = this.capacityHours;
    let h = Number.NaN;
    let kind: 'none' | 'idle' | 'page' = 'none';
    for (let t = fromMs; t < toMs; t += MINUTE_MS) {
      const th = Math.floor(t / HOUR_MS);
      if (th !== h) {
        h = th;
        if (h < this.oldest || h > this.newest) kind = 'none';
        else if (this.pageOf[h % C]! >= 0) kind = 'page';
        else {
          this.hour(h);
          if (this.hD === 0) kind = 'none';
          else if (this.hD === 60 && this.hT === 0) kind = 'idle';
          else throw new MissingMinuteDetail(h * HOUR_MS, 'minutes()');
        }
      }
      if (kind === 'page') {
        // Re-read the page index: a consumer may write between yields.
        const p = this.pageOf[h % C]!;
        if (p < 0) throw new MissingMinuteDetail(h * HOUR_MS, 'minutes()');
        const i = p * PAGE + 2 * ((t - h * HOUR_MS) / MINUTE_MS);
        const t1 = this.pages[i + 1]!;
        yield t1 > 0 ? { minuteMs: t, good: this.pages[i]!, total: t1 - 1, hasData: true } : { minuteMs: t, good: 0, total: 0, hasData: false };
      } else if (kind === 'idle') {
        yield { minuteMs: t, good: 0, total: 0, hasData: true };
      } else {
        yield { minuteMs: t, good: 0, total: 0, hasData: false };
      }
    }
  }

  /** Hourly counts of the held hours overlapping [fromMs, toMs), for charts (no minute detail needed). */
  *hours(fromMs: number, toMs: number): Iterable<WindowCounts & { hourMs: number }> {
    const a = Math.max(Math.floor(fromMs / HOUR_MS), this.oldest);
    const b = Math.min(Math.ceil(toMs / HOUR_MS) - 1, this.newest);
    for (let h = a; h <= b; h++) {
      this.hour(h);
      yield { hourMs: h * HOUR_MS, good: this.hG, total: this.hT, dataMinutes: this.hD };
    }
  }
}

// ---- planning minute detail ------------------------------------------------------------------------------------------

/** A CountSeries that answers zeros and records the range edges it is asked about. */
class EdgeRecorder implements CountSeries {
  readonly edges = new Set<number>();
  sum(fromMs: number, toMs: number): WindowCounts {
    if (toMs > fromMs) {
      this.edges.add(fromMs);
      this.edges.add(toMs);
    }
    return { good: 0, total: 0, dataMinutes: 0 };
  }
  minutes(): Iterable<MinuteCounts> {
    return [];
  }
  sliceStats(fromMs: number, toMs: number, slice: SliceSpec): SliceStats {
    const { first, end } = wholeSlices(fromMs, toMs, slice.minutes);
    if (end > first) {
      this.edges.add(first * slice.minutes * MINUTE_MS);
      this.edges.add(end * slice.minutes * MINUTE_MS);
    }
    return emptySliceStats();
  }
}

function edgesAt(slo: CompiledSlo, t: number, options: EvaluateOptions): Set<number> {
  const rec = new EdgeRecorder();
  evaluateSlo(slo, rec, t, options);
  return rec.edges;
}

/**
 * The hours (starts, sorted) whose minute detail evaluateSlo(slo, ·, t) needs for every t in [nowMs, nowMs +
 * lookaheadMinutes], found by running evaluateSlo itself on a recording series, so the plan cannot drift from the
 * math. Every range edge is either fixed (a correction, the SLO start, a calendar period start) or moves forward with
 * t in steps of one slice (end − W). Sampled at nowMs and every hour after, an edge inside an hour needs that hour; an
 * edge on an hour boundary needs the hour it starts when it moves, which a second sample one slice later tells
 * (a moving edge e shows up at e + slice, a fixed one stays at e; when unsure, the hour is kept). An edge moving by at
 * most an hour between samples lies in the hour of one of them. Pass the result to CompactCountSeries.retainDetail
 * and load what it returns. `excluded` should cover the horizon at nowMs + lookahead (else corrections are expanded
 * here, which is fine once an hour).
 */
export function planDetail(slo: CompiledSlo, nowMs: number, options: EvaluateOptions & { lookaheadMinutes?: number } = {}): number[] {
  const look = Math.max(0, options.lookaheadMinutes ?? 60) * MINUTE_MS;
  const step = (slo.slice?.minutes ?? 1) * MINUTE_MS;
  const opts: EvaluateOptions = options.excluded ? { excluded: options.excluded } : {};
  const hours = new Set<number>();
  for (let t = nowMs; ; t = Math.min(t + HOUR_MS, nowMs + look)) {
    const edges = edgesAt(slo, t, opts);
    const last = t >= nowMs + look;
    const later = last ? null : edgesAt(slo, t + step, opts);
    for (const e of edges) {
      if (e % HOUR_MS !== 0) hours.add(Math.floor(e / HOUR_MS) * HOUR_MS);
      else if (later && !(later.has(e) && !later.has(e + step))) hours.add(e);
    }
    if (last) break;
  }
  return [...hours].sort((a, b) => a - b);
}

function checkCounts(good: number, total: number, minuteMs: number): void {
  if (!(Number.isInteger(good) && Number.isInteger(total) && good >= 0 && good <= total && total <= MAX_MINUTE_COUNT)) {
    throw new RangeError(
      `CompactCountSeries: minute ${new Date(minuteMs).toISOString()}: need whole counts 0 ≤ good ≤ total ≤ ${MAX_MINUTE_COUNT}, ` +
        `got good ${good}, total ${total}` +
        (total > MAX_MINUTE_COUNT ? ' (counts this large per minute need ArrayCountSeries)' : ''),
    );
  }
}

function assertAligned(ms: number): void {
  if (!Number.isFinite(ms) || ms % MINUTE_MS !== 0) {
    throw new RangeError(`${ms} is not on a whole minute; series ranges are minute-aligned`);
  }
}
