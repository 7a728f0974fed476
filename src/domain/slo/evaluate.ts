// One evaluation of one SLO at `now`: SLI, budget, burn rates, time to exhaustion, tiers, no-data alert and status.
//
// The windows and what is measured are in measurements.ts; this file turns measurements into the report.
//
// Cost: each distinct window length is measured once (8 with the default tiers): O(windows × included sub-ranges)
// series.sum() calls, plus as many sliceStats() calls for timeslice methods. Corrections are expanded with rrule
// unless the caller passes `excluded` (the engine should cache it per SLO, see evaluationHorizon).

import { MINUTE_MS } from '../time/zone.js';
import { windowAt, type WindowBounds } from '../time/window.js';
import { budgetOf, type Budget } from './budget.js';
import { BURN_WINDOW_LABELS, BURN_WINDOWS, burnRateEntry, burnRateFrom, timeToExhaustion, type BurnRate } from './burn.js';
import { excludedRanges } from './corrections.js';
import type { BudgetingMethod, CompiledSlo } from './definition.js';
import { SloMeasurements } from './measurements.js';
import { sliOf, unitOf, type Measurement, type MeasureUnit } from './measure.js';
import type { NoDataEvaluation } from './no-data.js';
import type { TimeRange } from './ranges.js';
import type { CountSeries } from './series.js';
import type { BudgetStatus } from './status.js';
import { evaluateTiers, type Tier, type TierEvaluation } from './tiers.js';

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

export function evaluateSlo(slo: CompiledSlo, series: CountSeries, nowMs: number, options: EvaluateOptions = {}): SloEvaluation {
  let excluded = options.excluded;
  if (!excluded) {
    const horizon = evaluationHorizon(slo, nowMs);
    excluded = excludedRanges(slo.corrections, horizon.start, horizon.end);
  }
  return evaluationOf(new SloMeasurements(slo).measure(series, nowMs, excluded));
}

/** The full report of a measured SLO: the numbers behind `pave slo status`, `explain` and the API. */
export function evaluationOf(m: SloMeasurements): SloEvaluation {
  if (!m.complete) throw new Error(`${m.slo.name}: measurements are incomplete`);
  const slo = m.slo;
  const plan = m.plan;
  const P = m.periodMinutes;
  const unit = unitOf(slo.method);
  const whole = m.wholeMeasurement(unit);
  const byLength = (minutes: number) => plan.lengths.indexOf(minutes);

  const sli = sliOf(whole);
  const budget = budgetOf(slo.method, slo.objective, whole, P);
  const burnRates = BURN_WINDOWS.map((w, i) => burnRateEntry(BURN_WINDOW_LABELS[i] ?? '', w, m.windowMeasurement(plan.burn[i]!, unit), slo.objective));
  burnRates.push(burnRateEntry('window', (m.measuredTo - m.measuredFrom) / MINUTE_MS, whole, slo.objective));
  const e = plan.exhaustion;
  const tte = timeToExhaustion(budget.remainingFraction, P, burnRateFrom(m.good(e), m.bad(e), slo.objective));

  const tierDefinitions = m.tiers();
  const tiers = evaluateTiers(slo.name, tierDefinitions, (minutes) => ({ errorRatio: m.errorRatio(byLength(minutes)), events: m.events(byLength(minutes)) }), slo.minEvents);

  const noData: NoDataEvaluation | null =
    slo.noDataAfterMinutes === null ? null : { id: plan.noDataId, afterMinutes: slo.noDataAfterMinutes, dataMinutes: m.noDataMinutes, firing: m.noDataFiring };

  const { status, reason } = m.status();
  return {
    name: slo.name,
    at: m.at,
    window: { start: m.windowStart, end: m.at, periodStart: m.periodStart, periodEnd: m.periodEnd },
    measuredFrom: m.measuredFrom,
    measuredTo: m.measuredTo,
    periodMinutes: P,
    method: slo.method,
    unit,
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
