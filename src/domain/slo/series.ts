// The data the SLO math reads: per-minute good/total counts of one SLI. The engine supplies an implementation over its
// minute buckets and hourly roll-ups; ArrayCountSeries (array-series.ts) is the reference one over plain arrays.
//
// "No data" and "zero traffic" differ: a minute with no sample recorded has no data (the source was silent); a minute
// whose sample says total = 0 had data and no traffic. Sums treat both as zero events; timeslices treat them apart
// (see slices.ts), and the no-data alert watches for minutes without data.

import type { Fraction } from './decimal.js';

export interface Counts {
  good: number;
  total: number;
}

export interface WindowCounts extends Counts {
  /** Minutes in the range with a sample recorded (zero-traffic samples included). */
  dataMinutes: number;
}

export interface MinuteCounts extends Counts {
  /** Start of the minute, epoch ms. */
  minuteMs: number;
  /** False when no sample was recorded for this minute; good and total are then 0. */
  hasData: boolean;
}

/** How a timeslice SLO cuts and judges time: slices of `minutes` on the epoch grid, good when good/total ≥ threshold. */
export interface SliceSpec {
  minutes: number;
  /** The per-slice threshold as an exact fraction (95% = 19/20). */
  threshold: Fraction;
}

/** Counts of whole slices in a range, by class. Additive over disjoint ranges, so an engine can keep prefix counts. */
export interface SliceStats {
  /** Slices with traffic meeting the threshold. */
  good: number;
  /** Slices with traffic below the threshold. */
  bad: number;
  /** Slices with no sample in any of their minutes. */
  noData: number;
  /** Slices with samples but no traffic (total = 0): nothing to judge, never counted. */
  idle: number;
  /** Σ (1 − good_i/total_i) over the slices with traffic: their bad share, for ratioTimeslices. */
  badShare: number;
}

/**
 * A count series. Every range is minute-aligned and half-open [fromMs, toMs); implementations may throw on
 * misaligned ranges. Minutes outside the recorded data have no data.
 */
export interface CountSeries {
  /**
   * Sums over the range. The SLO math calls it O(windows) times per evaluation and never loops over minutes. With
   * `into`, the sums are written there and it is returned (the engine's cycle allocates nothing per window).
   */
  sum(fromMs: number, toMs: number, into?: WindowCounts): WindowCounts;
  /** Each minute of the range in order, with or without data. For charts, explanations and fallbacks. */
  minutes(fromMs: number, toMs: number): Iterable<MinuteCounts>;
  /**
   * Optional: slice statistics over the whole slices within the range (see slices.ts). An engine answers this from
   * per-slice counters kept as minutes close; without it, the math classifies slices minute by minute. With `into`,
   * the statistics are written there and it is returned.
   */
  sliceStats?(fromMs: number, toMs: number, slice: SliceSpec, into?: SliceStats): SliceStats;
}
