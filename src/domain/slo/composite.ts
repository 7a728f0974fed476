// Composite SLOs: a user journey built from weighted component SLOs.
//
// Formula: composite SLI = Σ wᵢ·SLIᵢ / Σ wᵢ over the components with data, and likewise the composite error ratio over
// any burn window = Σ wᵢ·errorRatioᵢ(W) / Σ wᵢ. The composite's budget comes from its own objective:
// consumed = (1 − SLI) / B, burn rate = errorRatio / B.
//
// Why a weighted mean of component ratios, not a ratio of summed events: components measure different things (events
// or minutes) at very different volumes; summing events would let a 1,000 req/s search drown a 10 req/s checkout.
// Weights say how much each step matters to the journey, independently of its traffic. (Each component's own SLI is
// still a ratio of sums over its window.) A component without data is left out and the weights of the others are
// renormalised, so missing data neither helps nor hurts; when no component has data, the composite has none either.
// With equal objectives and weights summing to 1, the composite burns at the weighted mean of the components' burns.

import { timeToExhaustion } from './burn.js';
import type { Objective } from './objective.js';
import { statusOf, type BudgetStatus } from './status.js';

export interface CompositeComponent {
  name: string;
  /** Relative importance, > 0. */
  weight: number;
  /** The component's SLI over the composite's window; null when it has no data. */
  sli: number | null;
  /** Error ratios by burn-window label (`5m`, `1h`, …); null or absent when that window has no data. */
  errorRatios?: Readonly<Record<string, number | null>>;
}

export interface CompositeBurnRate {
  label: string;
  errorRatio: number | null;
  burnRate: number | null;
}

export interface CompositeEvaluation {
  sli: number | null;
  consumedFraction: number;
  remainingFraction: number;
  burnRates: CompositeBurnRate[];
  timeToExhaustionMinutes: number | null;
  /** Each component's share of the SLI (its weight over the weights of components with data; 0 without data). */
  shares: { name: string; share: number }[];
  status: BudgetStatus;
  statusReason: string;
}

export interface CompositeOptions {
  periodMinutes: number;
  /** Burn-window labels to combine, in order. Default: those present in the components. */
  labels?: readonly string[];
  /** The label whose burn rate time to exhaustion uses. Default `1h`. */
  exhaustionLabel?: string;
  warningBelow?: number;
}

export function checkComposite(components: readonly CompositeComponent[]): string[] {
  const errors: string[] = [];
  if (components.length === 0) errors.push('a composite needs at least one component');
  const names = new Set<string>();
  components.forEach((c, i) => {
    if (!(Number.isFinite(c.weight) && c.weight > 0)) errors.push(`components[${i}] (${c.name}): weight must be above 0`);
    if (names.has(c.name)) errors.push(`components[${i}]: ${c.name} appears twice`);
    names.add(c.name);
  });
  return errors;
}

/** Σ wᵢ·vᵢ / Σ wᵢ over the components whose value is not null; null when none has one. */
export function weightedMean(items: readonly { weight: number; value: number | null | undefined }[]): number | null {
  let sum = 0;
  let weights = 0;
  for (const i of items) {
    if (i.value === null || i.value === undefined) continue;
    sum += i.weight * i.value;
    weights += i.weight;
  }
  return weights > 0 ? sum / weights : null;
}

export function evaluateComposite(
  objective: Objective,
  components: readonly CompositeComponent[],
  options: CompositeOptions,
): CompositeEvaluation {
  const { num, den } = objective.budgetFraction;
  const sli = weightedMean(components.map((c) => ({ weight: c.weight, value: c.sli })));
  const consumedFraction = sli === null ? 0 : ((1 - sli) * den) / num;
  const remainingFraction = 1 - consumedFraction;
  const labels = options.labels ?? [...new Set(components.flatMap((c) => Object.keys(c.errorRatios ?? {})))];
  const burnRates = labels.map((label) => {
    const errorRatio = weightedMean(components.map((c) => ({ weight: c.weight, value: c.errorRatios?.[label] })));
    return { label, errorRatio, burnRate: errorRatio === null ? null : (errorRatio * den) / num };
  });
  const exhaustion = burnRates.find((b) => b.label === (options.exhaustionLabel ?? '1h'))?.burnRate ?? null;
  const withData = components.filter((c) => c.sli !== null).reduce((s, c) => s + c.weight, 0);
  const { status, reason } = statusOf({
    remainingFraction,
    warningBelow: options.warningBelow ?? 0.25,
    measured: sli !== null,
    noDataFiring: false,
    pageFiring: false,
  });
  return {
    sli,
    consumedFraction,
    remainingFraction,
    burnRates,
    timeToExhaustionMinutes: timeToExhaustion(remainingFraction, options.periodMinutes, exhaustion),
    shares: components.map((c) => ({ name: c.name, share: c.sli === null || withData === 0 ? 0 : c.weight / withData })),
    status,
    statusReason: reason,
  };
}
