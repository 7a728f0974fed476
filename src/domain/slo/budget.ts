// The error budget over the SLO window.
//
// occurrences:       allowed bad events = B × events in the window so far; consumed = bad events;
//                    consumed fraction = bad / (B × total) = (1 − SLI) / B.
// timeslice methods: allowed bad time = B × period minutes (the whole calendar period, even mid-period); consumed =
//                    bad minutes (timeslices: bad slices × slice length; ratioTimeslices: Σ (1 − good_i/total_i) × slice
//                    length); consumed fraction = bad minutes / (B × P).
// remaining = total − consumed, and remaining fraction = 1 − consumed fraction: both go negative when overspent.

import type { BudgetingMethod } from './definition.js';
import type { Measurement, MeasureUnit } from './measure.js';
import type { Objective } from './objective.js';

export interface Budget {
  unit: MeasureUnit;
  /** Allowed bad amount, in `unit`. */
  total: number;
  /** Bad amount spent, in `unit`. */
  consumed: number;
  /** total − consumed; negative when overspent. */
  remaining: number;
  consumedFraction: number;
  /** 1 − consumedFraction; negative when overspent. */
  remainingFraction: number;
}

/** Allowed and consumed share one basis: events counted so far (occurrences), or the period's minutes. */
export function budgetBasis(method: BudgetingMethod, good: number, bad: number, periodMinutes: number): number {
  return method === 'occurrences' ? good + bad : periodMinutes;
}

/** bad / (B × basis) as one division of exact products, so e.g. 3 bad of 1,000 at B = 0.001 is exactly 3. */
export function consumedFractionOf(objective: Objective, basis: number, bad: number): number {
  const { num, den } = objective.budgetFraction;
  return basis > 0 ? (bad * den) / (basis * num) : 0;
}

/** Budget over the window measurement `m`, for a period of `periodMinutes`. */
export function budgetOf(method: BudgetingMethod, objective: Objective, m: Measurement, periodMinutes: number): Budget {
  const { num, den } = objective.budgetFraction;
  const basis = budgetBasis(method, m.good, m.bad, periodMinutes);
  const total = (basis * num) / den;
  const consumed = m.bad;
  const consumedFraction = consumedFractionOf(objective, basis, consumed);
  return {
    unit: m.unit,
    total,
    consumed,
    remaining: total - consumed,
    consumedFraction,
    remainingFraction: 1 - consumedFraction,
  };
}
