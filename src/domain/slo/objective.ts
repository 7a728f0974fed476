// The objective: a percentage such as 99.9, held exactly, with the budget ratio B = 1 − T derived in integers so that
// 99.9 gives exactly 0.001 (floating point gives 0.0010000000000000009).

import { DecimalError, formatFraction, fraction, parseDecimal, valueOf, type Fraction } from './decimal.js';

export interface Objective {
  /** The objective as written, canonical: `99.9`. */
  percent: string;
  /** T as a number: 0.999. */
  target: number;
  /** B = 1 − T as a number: 0.001. */
  budget: number;
  /** T exactly. */
  targetFraction: Fraction;
  /** B exactly. */
  budgetFraction: Fraction;
}

export class ObjectiveError extends Error {
  override name = 'ObjectiveError';
}

/** Parses an objective in percent, strictly between 0 and 100. Throws ObjectiveError. */
export function parseObjective(percent: number | string): Objective {
  let p: Fraction;
  try {
    p = parseDecimal(percent, 'objective');
  } catch (e) {
    if (e instanceof DecimalError) throw new ObjectiveError(`${e.message} (a percentage, e.g. 99.9)`);
    throw e;
  }
  if (p.num === 0) throw new ObjectiveError(`objective ${String(percent)}%: must be above 0%`);
  if (p.num >= 100 * p.den) {
    throw new ObjectiveError(
      `objective ${String(percent)}%: must be below 100%; a 100% objective leaves no error budget (B = 0), so every error would exhaust it`,
    );
  }
  const targetFraction = fraction(p.num, p.den * 100);
  const budgetFraction = fraction(p.den * 100 - p.num, p.den * 100);
  return {
    percent: formatFraction(p),
    target: valueOf(targetFraction),
    budget: valueOf(budgetFraction),
    targetFraction,
    budgetFraction,
  };
}

/** The error message for an objective, or null when valid. */
export function objectiveError(percent: number | string): string | null {
  try {
    parseObjective(percent);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
