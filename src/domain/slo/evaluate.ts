// One evaluation of one SLO at `now`: SLI, budget, burn rates, time to exhaustion, tiers, no-data alert and status.
//
// Windows: the SLO window is [max(window start, SLO start), end) where end is now floored to the minute (and, for
// timeslice methods, to the slice grid: the slice in progress is not judged yet; a rolling window then ends there).
// Burn and tier windows are the last W minutes before that end, clipped to the SLO start but not to the calendar
// period (burn rate is about now, whatever the period).
//
// Cost: each distinct window length is measured once (8 with the default tiers): O(windows × included sub-ranges)
// series.sum() calls, plus as many sliceStats() calls for timeslice methods. Corrections are expanded with rrule
// unless the caller passes `excluded` (the engine should cache it per SLO, see evaluationHorizon).

import { MINUTE_MS } from '../time/zone.js';
import { isRolling, periodMinutes, windowAt, type WindowBounds } from '../time/window.js';
import { budgetOf, type Budget } from './budget.js';
import { BURN_WINDOW_LABELS, BURN_WINDOWS, burnRateEntry, burnRateOf, timeToExhaustion, type BurnRate } from './burn.js';
import { excludedRanges } from './corrections.js';
import type { BudgetingMethod, CompiledSlo } from './definition.js';
import { errorRatioOf, measure, sliOf, unitOf, type MeasureContext, type Measurement, type MeasureUnit } from './measure.js';
import { evaluateNoData, type NoDataEvaluation } from './no-data.js';
import type { TimeRange } from './ranges.js';
import type { CountSeries } from './series.js';
import { statusOf, type BudgetStatus } from './status.js';
import { evaluateTiers, tierForPeriod, type Tier, type TierEvaluation } from './tiers.js';

export interface EvaluateOptions {
  /** Excluded ranges (merged, sorted, minute-aligned) covering at least evaluationHorizon(); else expanded here. */
  excluded?: readonly TimeRange[];
}

export interface SloEvaluation {
  name: string;
  /** now floored to the minute. */
  at: number;
  window: WindowBounds;
  /** The measured SLO window: [measuredFrom, measuredTo). */
  measuredFrom: number;
  measuredTo: number;
  periodMinutes: number;
  method: BudgetingMethod;
  unit: MeasureUnit;
  /** The sums behind the SLI and budget. */
  measurement: Measurement;
  sli: number | null;
  budget: Budget;
  /** 5m, 30m, 1h, 2h, 6h, 1d, 3d, then `window`. */
  burnRates: BurnRate[];
  /** At the burn rate of the last exhaustionWindow minutes; see burn.ts. */
  timeToExhaustionMinutes: number | null;
  exhaustionWindowMinutes: number;
  /** The tiers for this period (factor and threshold), and their evaluation in the same order. */
  tierDefinitions: Tier[];
  tiers: TierEvaluation[];
  noData: NoDataEvaluation | null;
  status: BudgetStatus;
  statusReason: string;
}

/** The range an evaluation at `nowMs` reads exclusions for: from the earliest window start to now. */
export function evaluationHorizon(slo: CompiledSlo, nowMs: number): TimeRange {
  const w = windowAt(slo.window, nowMs);
  let longest = Math.max(...BURN_WINDOWS, slo.exhaustionWindowMinutes, slo.noDataAfterMinutes ?? 0);
  for (const t of slo.tiers) longest = Math.max(longest, t.long);
  // A rolling window of a timeslice SLO ends on the slice grid, up to one slice before w.end.
  const slice = (slo.slice?.minutes ?? 1) * MINUTE_MS;
  return { start: Math.min(w.start, w.end - longest * MINUTE_MS) - slice, end: w.end };
}

/** Tiers for a period length; memoised per compiled SLO (calendar periods change a few times a year). */
const tierMemo = new WeakMap<CompiledSlo, { period: number; tiers: Tier[] }>();

function tiersForPeriod(slo: CompiledSlo, period: number): Tier[] {
  const m = tierMemo.get(slo);
  if (m && m.period === period) return m.tiers;
  const tiers = slo.tiers.map((r) => tierForPeriod(r, slo.objective, period));
  tierMemo.set(slo, { period, tiers });
  return tiers;
}

export function evaluateSlo(slo: CompiledSlo, series: CountSeries, nowMs: number, options: EvaluateOptions = {}): SloEvaluation {
  const window = windowAt(slo.window, nowMs);
  const P = periodMinutes(window);
  let excluded = options.excluded;
  if (!excluded) {
    const horizon = evaluationHorizon(slo, nowMs);
    excluded = excludedRanges(slo.corrections, horizon.start, horizon.end);
  }
  const ctx: MeasureContext = { method: slo.method, slice: slo.slice, noData: slo.noData, series, excluded };

  const sliceMs = (slo.slice?.minutes ?? 1) * MINUTE_MS;
  const measuredTo = Math.floor(window.end / sliceMs) * sliceMs;
  const startMs = slo.startMs ?? -Infinity;
  // A rolling window ends where judged time ends, so with N-minute slices it always holds whole slices.
  const windowStart = isRolling(slo.window) ? measuredTo - slo.window.rolling * MINUTE_MS : window.start;
  const measuredFrom = Math.min(measuredTo, Math.max(windowStart, startMs));

  const whole = measure(ctx, measuredFrom, measuredTo);
  const byLength = new Map<number, Measurement>();
  const last = (minutes: number): Measurement => {
    let m = byLength.get(minutes);
    if (!m) {
      const from = Math.min(measuredTo, Math.max(measuredTo - minutes * MINUTE_MS, startMs));
      m = measure(ctx, from, measuredTo);
      byLength.set(minutes, m);
    }
    return m;
  };

  const sli = sliOf(whole);
  const budget = budgetOf(slo.method, slo.objective, whole, P);
  const burnRates = BURN_WINDOWS.map((w, i) => burnRateEntry(BURN_WINDOW_LABELS[i] ?? '', w, last(w), slo.objective));
  burnRates.push(burnRateEntry('window', (measuredTo - measuredFrom) / MINUTE_MS, whole, slo.objective));
  const tte = timeToExhaustion(budget.remainingFraction, P, burnRateOf(last(slo.exhaustionWindowMinutes), slo.objective));

  const tierDefinitions = tiersForPeriod(slo, P);
  const tiers = evaluateTiers(
    slo.name,
    tierDefinitions,
    (minutes) => {
      const m = last(minutes);
      return { errorRatio: errorRatioOf(m), events: m.events };
    },
    slo.minEvents,
  );

  const noData =
    slo.noDataAfterMinutes === null
      ? null
      : evaluateNoData(slo.name, series, window.end, slo.noDataAfterMinutes, slo.startMs, excluded);

  const { status, reason } = statusOf({
    remainingFraction: budget.remainingFraction,
    warningBelow: slo.warningBelow,
    measured: sli !== null,
    noDataFiring: noData?.firing ?? false,
    pageFiring: tiers.some((t) => t.firing && t.severity === 'page'),
  });

  return {
    name: slo.name,
    at: window.end,
    window,
    measuredFrom,
    measuredTo,
    periodMinutes: P,
    method: slo.method,
    unit: unitOf(slo.method),
    measurement: whole,
    sli,
    budget,
    burnRates,
    timeToExhaustionMinutes: tte,
    exhaustionWindowMinutes: slo.exhaustionWindowMinutes,
    tierDefinitions,
    tiers,
    noData,
    status,
    statusReason: reason,
  };
}
