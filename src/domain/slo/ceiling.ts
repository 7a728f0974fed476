// The dependency ceiling: a service that fails whenever any of its hard dependencies fails cannot be more available
// than the product of their objectives (three at 99.9% allow at most 99.7002999%). Computed exactly.

import { compare, formatFraction, fraction, multiply, valueOf, type Fraction } from './decimal.js';
import { parseObjective } from './objective.js';

export interface HardDependency {
  name: string;
  /** Its objective in percent. */
  objective: number | string;
}

export interface CeilingCheck {
  /** The product of the dependencies' objectives, in percent, exact: `99.7002999`. 100 without dependencies. */
  ceilingPercent: string;
  /** The same as a fraction of 1 (0.997002999). */
  ceiling: number;
  /** True when the objective is above the ceiling. */
  exceeds: boolean;
  /** The warning to show when it exceeds, else null. */
  warning: string | null;
}

/** Π Tᵢ as an exact fraction of 1. */
export function dependencyCeiling(objectives: readonly (number | string)[]): Fraction {
  return multiply(fraction(1, 1), ...objectives.map((o) => parseObjective(o).targetFraction));
}

export function checkCeiling(objective: number | string, dependencies: readonly HardDependency[]): CeilingCheck {
  const own = parseObjective(objective);
  const ceiling = dependencyCeiling(dependencies.map((d) => d.objective));
  const ceilingPercent = formatFraction(multiply(ceiling, fraction(100, 1)));
  const exceeds = compare(own.targetFraction, ceiling) > 0;
  const list = dependencies.map((d) => `${d.name} ${parseObjective(d.objective).percent}%`).join(', ');
  return {
    ceilingPercent,
    ceiling: valueOf(ceiling),
    exceeds,
    warning: exceeds
      ? `objective ${own.percent}% is above ${ceilingPercent}%, the most its hard dependencies allow (${list}): ` +
        'the product of their objectives'
      : null,
  };
}
