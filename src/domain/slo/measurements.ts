// Every sum one evaluation of an SLO reads, measured once into a reusable record. evaluateSlo (evaluate.ts) builds its
// report from the record; the engine keeps one record per SLO and reads alert states and status straight from it, so
// a cycle over thousands of SLOs allocates nothing per SLO (at 10,000 SLOs, per-evaluation objects cost more in
// garbage collection than the arithmetic itself).
//
// Windows: the SLO window is [max(window start, SLO start), end) where end is now floored to the minute (and, for
// timeslice methods, to the slice grid: the slice in progress is not judged yet; a rolling window then ends there).
// Burn and tier windows are the last W minutes before that end, clipped to the SLO start but not to the calendar
// period (burn rate is about now, whatever the period). Each distinct window length is measured once.

import { MINUTE_MS } from '../time/zone.js';
import { isRolling, windowAt } from '../time/window.js';
import { budgetBasis, consumedFractionOf } from './budget.js';
import { BURN_WINDOWS } from './burn.js';
import type { CompiledSlo } from './definition.js';
import type { Measurement, MeasureUnit } from './measure.js';
import { noDataAlertId, noDataFires } from './no-data.js';
import type { TimeRange } from './ranges.js';
import type { CountSeries, SliceStats, WindowCounts } from './series.js';
import { addSliceStats, clearSliceStats, emptySliceStats, sliceStatsOf } from './slices.js';
import { budgetStatus, type StatusResult } from './status.js';
import { tierFires, tierForPeriod, type Tier } from './tiers.js';

/** The window lengths one evaluation measures, and where each report entry finds its measurement. Fixed per SLO. */
export interface EvaluationPlan {
  /** Distinct lengths in minutes, ascending: burn windows, tier windows, the exhaustion window. */
  lengths: readonly number[];
  /** Index into lengths of each of BURN_WINDOWS. */
  burn: readonly number[];
  /** Index into lengths of each tier's long and short window. */
  tierLong: readonly number[];
  tierShort: readonly number[];
  exhaustion: number;
  /** Each tier's alert identity (`slo:page:1h/5m`), and the no-data alert's. */
  tierIds: readonly string[];
  noDataId: string;
}

const plans = new WeakMap<CompiledSlo, EvaluationPlan>();

export function evaluationPlan(slo: CompiledSlo): EvaluationPlan {
  let plan = plans.get(slo);
  if (plan) return plan;
  const wanted = [...BURN_WINDOWS, slo.exhaustionWindowMinutes, ...slo.tiers.flatMap((t) => [t.long, t.short])];
  const lengths = [...new Set(wanted)].sort((a, b) => a - b);
  const at = (minutes: number) => lengths.indexOf(minutes);
  plan = {
    lengths,
    burn: BURN_WINDOWS.map(at),
    tierLong: slo.tiers.map((t) => at(t.long)),
    tierShort: slo.tiers.map((t) => at(t.short)),
    exhaustion: at(slo.exhaustionWindowMinutes),
    tierIds: slo.tiers.map((t) => `${slo.name}:${t.key}`),
    noDataId: noDataAlertId(slo.name),
  };
  plans.set(slo, plan);
  return plan;
}

// One measurement in a Float64Array: [from, to, good, bad, events, dataMinutes, includedMinutes].
const FROM = 0;
const TO = 1;
const GOOD = 2;
const BAD = 3;
const EVENTS = 4;
const DATA = 5;
const INCLUDED = 6;
const FIELDS = 7;

/** One SLO's measurements at one instant. Reused from evaluation to evaluation; see measureSlo. */
export class SloMeasurements {
  readonly plan: EvaluationPlan;
  /** False until measureSlo completes (a half-written record is never read). */
  complete = false;
  /** now floored to the minute: the window's end. */
  at = 0;
  windowStart = 0;
  periodStart = Number.NaN;
  periodEnd = Number.NaN;
  measuredFrom = 0;
  measuredTo = 0;
  readonly whole = new Float64Array(FIELDS);
  /** Slice counts over the whole window, for timeslice methods. */
  readonly wholeSlices: SliceStats = emptySliceStats();
  /** One measurement per plan length. */
  readonly windows: Float64Array;
  /** Minutes with a sample in the no-data alert's window, and whether it fires (when the SLO has that alert). */
  noDataMinutes = 0;
  noDataFiring = false;
  // Scratch for series reads.
  private readonly counts: WindowCounts = { good: 0, total: 0, dataMinutes: 0 };
  private readonly partSlices: SliceStats = emptySliceStats();
  private readonly rangeSlices: SliceStats = emptySliceStats();
  private thresholdsPeriod = Number.NaN;
  private tierThresholds = new Float64Array(0);

  constructor(readonly slo: CompiledSlo) {
    this.plan = evaluationPlan(slo);
    this.windows = new Float64Array(this.plan.lengths.length * FIELDS);
  }

  get periodMinutes(): number {
    return (this.periodEnd - this.periodStart) / MINUTE_MS;
  }

  /**
   * Measures [from, to) minus the merged, sorted excluded ranges into `out` at `o`: one series.sum() per included
   * sub-range, plus one sliceStats() per sub-range for timeslice methods (summed into `slices`).
   */
  measureRange(series: CountSeries, excluded: readonly TimeRange[], from: number, to: number, out: Float64Array, o: number, slices: SliceStats): void {
    const slo = this.slo;
    const slice = slo.slice;
    clearSliceStats(slices);
    let goodEvents = 0;
    let events = 0;
    let dataMinutes = 0;
    let included = 0;
    // The included sub-ranges, as includedRanges() computes them, walked without building them.
    let cursor = from;
    let j = 0;
    while (cursor < to) {
      while (j < excluded.length && excluded[j]!.end <= cursor) j++;
      const ex = j < excluded.length ? excluded[j]! : undefined;
      if (ex && ex.start <= cursor) {
        cursor = ex.end;
        j++;
        continue;
      }
      const end = ex && ex.start < to ? ex.start : to;
      const s = series.sum(cursor, end, this.counts);
      goodEvents += s.good;
      events += s.total;
      dataMinutes += s.dataMinutes;
      included += (end - cursor) / MINUTE_MS;
      if (slice) addSliceStats(slices, sliceStatsOf(series, cursor, end, slice, this.partSlices));
      cursor = end;
    }
    out[o + FROM] = from;
    out[o + TO] = to;
    out[o + EVENTS] = events;
    out[o + DATA] = dataMinutes;
    out[o + INCLUDED] = included;
    if (slo.method === 'occurrences') {
      out[o + GOOD] = goodEvents;
      out[o + BAD] = events - goodEvents;
      return;
    }
    if (!slice) throw new Error(`${slo.method} needs a slice spec`);
    const len = slice.minutes;
    const noDataGood = slo.noData === 'good' ? slices.noData : 0;
    const noDataBad = slo.noData === 'bad' ? slices.noData : 0;
    if (slo.method === 'timeslices') {
      out[o + GOOD] = (slices.good + noDataGood) * len;
      out[o + BAD] = (slices.bad + noDataBad) * len;
    } else {
      out[o + BAD] = (slices.badShare + noDataBad) * len;
      out[o + GOOD] = (slices.good + slices.bad - slices.badShare + noDataGood) * len;
    }
  }

  /** Measures everything an evaluation at `nowMs` reads. `excluded` must cover evaluationHorizon(slo, nowMs). */
  measure(series: CountSeries, nowMs: number, excluded: readonly TimeRange[]): this {
    const slo = this.slo;
    this.complete = false;
    const end = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
    if (isRolling(slo.window)) {
      this.windowStart = this.periodStart = end - slo.window.rolling * MINUTE_MS;
      this.periodEnd = end;
    } else if (!(end >= this.periodStart && end < this.periodEnd)) {
      // Calendar periods change a few times a year: look the period up only when `end` leaves the one held.
      const w = windowAt(slo.window, nowMs);
      this.windowStart = this.periodStart = w.periodStart;
      this.periodEnd = w.periodEnd;
    }
    this.at = end;

    const sliceMs = (slo.slice?.minutes ?? 1) * MINUTE_MS;
    const measuredTo = Math.floor(end / sliceMs) * sliceMs;
    const startMs = slo.startMs ?? -Infinity;
    // A rolling window ends where judged time ends, so with N-minute slices it always holds whole slices.
    const windowStart = isRolling(slo.window) ? measuredTo - slo.window.rolling * MINUTE_MS : this.windowStart;
    this.measuredTo = measuredTo;
    this.measuredFrom = Math.min(measuredTo, Math.max(windowStart, startMs));
    this.measureRange(series, excluded, this.measuredFrom, measuredTo, this.whole, 0, this.wholeSlices);

    const lengths = this.plan.lengths;
    for (let i = 0; i < lengths.length; i++) {
      const from = Math.min(measuredTo, Math.max(measuredTo - lengths[i]! * MINUTE_MS, startMs));
      this.measureRange(series, excluded, from, measuredTo, this.windows, i * FIELDS, this.rangeSlices);
    }

    if (slo.noDataAfterMinutes !== null) {
      this.noDataMinutes = series.sum(end - slo.noDataAfterMinutes * MINUTE_MS, end, this.counts).dataMinutes;
      this.noDataFiring = noDataFires(end, slo.noDataAfterMinutes, slo.startMs, excluded, this.noDataMinutes);
    } else {
      this.noDataMinutes = 0;
      this.noDataFiring = false;
    }
    this.complete = true;
    return this;
  }

  /** bad / (good + bad) of plan length `i`, or null when nothing counted. */
  errorRatio(i: number): number | null {
    const o = i * FIELDS;
    const counted = this.windows[o + GOOD]! + this.windows[o + BAD]!;
    return counted > 0 ? this.windows[o + BAD]! / counted : null;
  }

  events(i: number): number {
    return this.windows[i * FIELDS + EVENTS]!;
  }

  good(i: number): number {
    return this.windows[i * FIELDS + GOOD]!;
  }

  bad(i: number): number {
    return this.windows[i * FIELDS + BAD]!;
  }

  /** The remaining budget fraction over the whole window (negative when overspent). */
  remainingFraction(): number {
    const slo = this.slo;
    const good = this.whole[GOOD]!;
    const bad = this.whole[BAD]!;
    return 1 - consumedFractionOf(slo.objective, budgetBasis(slo.method, good, bad, this.periodMinutes), bad);
  }

  /** Something counted in the whole window. */
  measured(): boolean {
    return this.whole[GOOD]! + this.whole[BAD]! > 0;
  }

  /** Whether tier `t` (in the SLO's tier order) fires. */
  tierFiring(t: number): boolean {
    const long = this.plan.tierLong[t]!;
    const threshold = this.thresholds()[t]!;
    return tierFires(threshold, this.errorRatio(long), this.errorRatio(this.plan.tierShort[t]!), this.events(long), this.slo.minEvents);
  }

  /** The tiers for the period measured (factor and threshold), in the SLO's tier order. */
  tiers(): Tier[] {
    return tiersForPeriod(this.slo, this.periodMinutes);
  }

  /** Each tier's threshold k·B for the period measured, held per record: read for every tier every cycle. */
  private thresholds(): Float64Array {
    const period = this.periodMinutes;
    if (period !== this.thresholdsPeriod) {
      this.thresholdsPeriod = period;
      this.tierThresholds = Float64Array.from(this.tiers(), (t) => t.threshold);
    }
    return this.tierThresholds;
  }

  status(): StatusResult {
    const severities = this.slo.tiers;
    let pageFiring = false;
    for (let t = 0; t < severities.length && !pageFiring; t++) pageFiring = severities[t]!.severity === 'page' && this.tierFiring(t);
    return budgetStatus(this.remainingFraction(), this.slo.warningBelow, this.measured(), this.noDataFiring, pageFiring);
  }

  /** The whole window's measurement, as an object (for reports). */
  wholeMeasurement(unit: MeasureUnit): Measurement {
    return measurementAt(this.whole, 0, unit, this.slo.slice ? { ...this.wholeSlices } : null);
  }

  /** Plan length `i`'s measurement, as an object (for reports). */
  windowMeasurement(i: number, unit: MeasureUnit): Measurement {
    return measurementAt(this.windows, i * FIELDS, unit, null);
  }
}

function measurementAt(a: Float64Array, o: number, unit: MeasureUnit, slices: SliceStats | null): Measurement {
  return {
    from: a[o + FROM]!,
    to: a[o + TO]!,
    unit,
    good: a[o + GOOD]!,
    bad: a[o + BAD]!,
    events: a[o + EVENTS]!,
    dataMinutes: a[o + DATA]!,
    includedMinutes: a[o + INCLUDED]!,
    slices,
  };
}

/** Tiers for a period length; memoised per compiled SLO (calendar periods change a few times a year). */
const tierMemo = new WeakMap<CompiledSlo, { period: number; tiers: Tier[] }>();

export function tiersForPeriod(slo: CompiledSlo, period: number): Tier[] {
  const m = tierMemo.get(slo);
  if (m && m.period === period) return m.tiers;
  const tiers = slo.tiers.map((r) => tierForPeriod(r, slo.objective, period));
  tierMemo.set(slo, { period, tiers });
  return tiers;
}
