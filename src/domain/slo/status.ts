// The budget status shown everywhere (catalog, gates, reports). In order of precedence:
//   exhausted  remaining budget fraction ≤ 0;
//   no_data    nothing measurable in the window, or the no-data alert fires (a silent SLI must not look healthy);
//   warning    remaining fraction below the SLO's warningBelow (default 25%), or a page tier fires (the budget is
//              burning fast now, even if much is left);
//   healthy    otherwise.

export type BudgetStatus = 'healthy' | 'warning' | 'exhausted' | 'no_data';

export interface StatusInput {
  remainingFraction: number;
  warningBelow: number;
  /** False when nothing counted in the window (no events, no counted slices). */
  measured: boolean;
  noDataFiring: boolean;
  pageFiring: boolean;
}

export interface StatusResult {
  status: BudgetStatus;
  reason: string;
}

// One frozen result per outcome: statusOf runs for every SLO every cycle and allocates nothing.
const results = {
  exhausted: Object.freeze<StatusResult>({ status: 'exhausted', reason: 'error budget spent' }),
  unmeasured: Object.freeze<StatusResult>({ status: 'no_data', reason: 'nothing measured in the window' }),
  noDataAlert: Object.freeze<StatusResult>({ status: 'no_data', reason: 'no-data alert firing' }),
  lowBudget: Object.freeze<StatusResult>({ status: 'warning', reason: 'remaining budget below the warning level' }),
  paging: Object.freeze<StatusResult>({ status: 'warning', reason: 'a page tier is firing' }),
  healthy: Object.freeze<StatusResult>({ status: 'healthy', reason: 'within budget' }),
};

export function statusOf(i: StatusInput): StatusResult {
  return budgetStatus(i.remainingFraction, i.warningBelow, i.measured, i.noDataFiring, i.pageFiring);
}

/** statusOf with the inputs as arguments (the engine's cycle calls it for every SLO). */
export function budgetStatus(remainingFraction: number, warningBelow: number, measured: boolean, noDataFiring: boolean, pageFiring: boolean): StatusResult {
  if (remainingFraction <= 0) return results.exhausted;
  if (!measured) return results.unmeasured;
  if (noDataFiring) return results.noDataAlert;
  if (remainingFraction < warningBelow) return results.lowBudget;
  if (pageFiring) return results.paging;
  return results.healthy;
}
