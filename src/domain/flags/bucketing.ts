// Unleash-compatible sticky bucketing (REFERENCE §4): the same user lands in the same bucket on every evaluation, on
// every replica and in every Unleash SDK, so raising a rollout from 5% to 10% keeps the first 5% and adds 5% more.
import { murmur3_32 } from './murmur3.js';

/** Unleash's seed for variant choice: independent of the rollout bucket, so "in the 10%" says nothing of the variant. */
export const variantSeed = 86028157;

/** The rollout bucket of a stickiness value, 1..100: `murmur3("<groupId>:<value>", 0) mod 100 + 1`. */
export function rolloutBucket(stickinessValue: string, groupId: string): number {
  return (murmur3_32(`${groupId}:${stickinessValue}`, 0) % 100) + 1;
}

/** In a rollout of `percentage` percent iff the percentage is positive and the bucket is at most the percentage. */
export function inRollout(percentage: number, stickinessValue: string, groupId: string): boolean {
  return percentage > 0 && rolloutBucket(stickinessValue, groupId) <= percentage;
}

/** The variant bucket, 1..totalWeight, with Unleash's variant seed. */
export function variantBucket(stickinessValue: string, groupId: string, totalWeight: number): number {
  return (murmur3_32(`${groupId}:${stickinessValue}`, variantSeed) % totalWeight) + 1;
}

export interface WeightedVariant {
  variant: string;
  weight: number;
}

/**
 * Unleash's walk: accumulate weights (weight 0 never chosen) and take the first variant whose running total reaches the
 * bucket. `variants` must have a positive total weight.
 */
export function pickVariant(variants: readonly WeightedVariant[], totalWeight: number, stickinessValue: string, groupId: string): string {
  const target = variantBucket(stickinessValue, groupId, totalWeight);
  let counter = 0;
  for (const v of variants) {
    if (v.weight === 0) continue;
    counter += v.weight;
    if (counter >= target) return v.variant;
  }
  // Unreachable when totalWeight is the sum of the weights; the last variant keeps the function total.
  return variants[variants.length - 1]!.variant;
}
