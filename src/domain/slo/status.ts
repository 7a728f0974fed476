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

export function statusOf(i: StatusInput): StatusResult {
  if (i.remainingFraction <= 0) return { status: 'exhausted', reason: 'error budget spent' };
  if (!i.measured) return { status: 'no_data', reason: 'nothing measured in the window' };
  if (i.noDataFiring) return { status: 'no_data', reason: 'no-data alert firing' };
  if (i.remainingFraction < i.warningBelow) return { status: 'warning', reason: 'remaining budget below the warning level' };
  if (i.pageFiring) return { status: 'warning', reason: 'a page tier is firing' };
  return { status: 'healthy', reason: 'within budget' };
}
