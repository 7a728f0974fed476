// Burn rates and time to exhaustion. A burn rate is errorRatio(W) / B: at 1 the budget lasts exactly the period, at k it
// lasts P / k. For timeslice methods the error ratio is the share of bad time among the counted slices in W.

import { formatDuration } from '../time/duration.js';
import { errorRatioOf, type Measurement } from './measure.js';
import type { Objective } from './objective.js';

/** The burn windows pave reports, in minutes: 5m, 30m, 1h, 2h, 6h, 1d, 3d (plus the whole window). */
export const BURN_WINDOWS: readonly number[] = [5, 30, 60, 120, 360, 1_440, 4_320];
export const BURN_WINDOW_LABELS: readonly string[] = BURN_WINDOWS.map(formatDuration);

export interface BurnRate {
  /** `5m` … `3d`, or `window` for the whole SLO window. */
  label: string;
  /** Length asked for, in minutes (for `window`, the window so far). */
  minutes: number;
  errorRatio: number | null;
  burnRate: number | null;
  events: number;
}

/** errorRatio / B, as one division of exact products; null when nothing counted. */
export function burnRateOf(m: Measurement, objective: Objective): number | null {
  return burnRateFrom(m.good, m.bad, objective);
}

/** burnRateOf on the good and bad amounts. */
export function burnRateFrom(good: number, bad: number, objective: Objective): number | null {
  const counted = good + bad;
  if (!(counted > 0)) return null;
  const { num, den } = objective.budgetFraction;
  return (bad * den) / (counted * num);
}

export function burnRateEntry(label: string, minutes: number, m: Measurement, objective: Objective): BurnRate {
  return {
    label,
    minutes,
    errorRatio: errorRatioOf(m),
    burnRate: burnRateOf(m, objective),
    events: m.events,
  };
}

/**
 * Minutes until the budget is spent if it keeps burning at `burnRate`: a full budget lasts P / burnRate, so the
 * remaining fraction r lasts r × P / burnRate. 0 when already exhausted; null when not burning (rate 0 or unknown).
 */
export function timeToExhaustion(remainingFraction: number, periodMinutes: number, burnRate: number | null): number | null {
  if (remainingFraction <= 0) return 0;
  if (burnRate === null || !(burnRate > 0)) return null;
  return (remainingFraction * periodMinutes) / burnRate;
}
