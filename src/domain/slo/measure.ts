// Measuring a range under a budgeting method: how much of it was good and how much bad, in events (occurrences) or
// minutes (timeslice methods), skipping excluded time. Everything else (SLI, budget, burn rates, tiers) is arithmetic
// on these measurements.
//
// Cost: one series.sum() per included sub-range (occurrences), plus one sliceStats() per sub-range for timeslice
// methods; never a loop over minutes unless the series lacks sliceStats.

import type { BudgetingMethod, NoDataRule } from './definition.js';
import { includedRanges, type TimeRange } from './ranges.js';
import type { CountSeries, SliceSpec, SliceStats } from './series.js';
import { addSliceStats, emptySliceStats, sliceStatsOf } from './slices.js';

export type MeasureUnit = 'events' | 'minutes';

export interface MeasureContext {
  method: BudgetingMethod;
  /** Required for timeslice methods. */
  slice: SliceSpec | null;
  noData: NoDataRule;
  series: CountSeries;
  /** Merged, sorted, minute-aligned excluded ranges (see corrections.ts). */
  excluded: readonly TimeRange[];
}

export interface Measurement {
  /** The range measured, [from, to), before exclusions. */
  from: number;
  to: number;
  unit: MeasureUnit;
  /** Good amount in `unit`: good events, good slice minutes, or Σ r_i × slice minutes. */
  good: number;
  /** Bad amount in `unit`. good + bad is what counts toward the ratio. */
  bad: number;
  /** All events in the included minutes (for minEvents and display). */
  events: number;
  /** Included minutes with a sample. */
  dataMinutes: number;
  /** Included minutes. */
  includedMinutes: number;
  /** Slice counts, for timeslice methods. */
  slices: SliceStats | null;
}

export function unitOf(method: BudgetingMethod): MeasureUnit {
  return method === 'occurrences' ? 'events' : 'minutes';
}

/** bad / (good + bad), or null when nothing counted. */
export function errorRatioOf(m: Measurement): number | null {
  const counted = m.good + m.bad;
  return counted > 0 ? m.bad / counted : null;
}

/** good / (good + bad), or null when nothing counted. */
export function sliOf(m: Measurement): number | null {
  const counted = m.good + m.bad;
  return counted > 0 ? m.good / counted : null;
}

/** Measures [from, to) minus the excluded ranges. */
export function measure(ctx: MeasureContext, from: number, to: number): Measurement {
  const m: Measurement = {
    from,
    to,
    unit: unitOf(ctx.method),
    good: 0,
    bad: 0,
    events: 0,
    dataMinutes: 0,
    includedMinutes: 0,
    slices: null,
  };
  const parts = ctx.excluded.length === 0 ? (to > from ? [{ start: from, end: to }] : []) : includedRanges(from, to, ctx.excluded);
  let goodEvents = 0;
  for (const r of parts) {
    const s = ctx.series.sum(r.start, r.end);
    goodEvents += s.good;
    m.events += s.total;
    m.dataMinutes += s.dataMinutes;
    m.includedMinutes += (r.end - r.start) / 60_000;
  }
  if (ctx.method === 'occurrences') {
    m.good = goodEvents;
    m.bad = m.events - goodEvents;
    return m;
  }
  const slice = ctx.slice;
  if (!slice) throw new Error(`${ctx.method} needs a slice spec`);
  const stats = emptySliceStats();
  for (const r of parts) addSliceStats(stats, sliceStatsOf(ctx.series, r.start, r.end, slice));
  m.slices = stats;
  const len = slice.minutes;
  const noDataGood = ctx.noData === 'good' ? stats.noData : 0;
  const noDataBad = ctx.noData === 'bad' ? stats.noData : 0;
  if (ctx.method === 'timeslices') {
    m.good = (stats.good + noDataGood) * len;
    m.bad = (stats.bad + noDataBad) * len;
  } else {
    m.bad = (stats.badShare + noDataBad) * len;
    m.good = (stats.good + stats.bad - stats.badShare + noDataGood) * len;
  }
  return m;
}
