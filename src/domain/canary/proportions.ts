// Error rates judged as proportions of counts: canary bad/total against baseline bad/total, pooled over the whole
// period. Ratios of per-interval ratios (what a Mann-Whitney test over error-rate samples compares) weigh a quiet
// minute like a busy one and call sparse errors a pass (spinnaker/kayenta#426); counts do neither.
// - the test: the two-proportion z test with the pooled proportion (R's prop.test(c(b1, b2), c(n1, n2),
//   correct = FALSE) gives the same p-value as its chi-square);
// - the interval for the difference p1 − p2: Newcombe's hybrid score interval (his method 10), built from the Wilson
//   interval of each proportion (R's prop.test(b, n, correct = FALSE)$conf.int); unlike the Wald interval it stays
//   sensible at 0 errors and at small counts.
import { pnorm, pnormUpper, qnorm } from './normal.js';

export interface ProportionCounts {
  bad: number;
  total: number;
}

export interface ProportionResult {
  method: 'two-proportion';
  /** The z statistic of p1 − p2 with the pooled proportion; 0 when the pooled proportion is 0 or 1. */
  statistic: number;
  pValue: number;
  /** p1 − p2: canary error rate minus baseline error rate. */
  estimate: number;
  interval: [number, number];
  confidenceLevel: number;
  canaryRate: number;
  baselineRate: number;
}

/** Wilson's score interval for bad/total at the quantile z. */
export function wilsonInterval(bad: number, total: number, z: number): [number, number] {
  const p = bad / total;
  const z2 = z * z;
  const denominator = 1 + z2 / total;
  const center = (p + z2 / (2 * total)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

/** Both totals must be positive whole numbers and 0 ≤ bad ≤ total (the caller checks; see judge.ts). */
export function twoProportionTest(canary: ProportionCounts, baseline: ProportionCounts, confidenceLevel = 0.98): ProportionResult {
  const p1 = canary.bad / canary.total;
  const p2 = baseline.bad / baseline.total;
  const pooled = (canary.bad + baseline.bad) / (canary.total + baseline.total);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / canary.total + 1 / baseline.total));
  const statistic = se === 0 ? 0 : (p1 - p2) / se;
  const pValue = se === 0 ? 1 : Math.min(1, 2 * Math.min(pnorm(statistic), pnormUpper(statistic)));
  const z = -qnorm((1 - confidenceLevel) / 2);
  const [l1, u1] = wilsonInterval(canary.bad, canary.total, z);
  const [l2, u2] = wilsonInterval(baseline.bad, baseline.total, z);
  const estimate = p1 - p2;
  const interval: [number, number] = [estimate - Math.hypot(p1 - l1, u2 - p2), estimate + Math.hypot(u1 - p1, p2 - l2)];
  return { method: 'two-proportion', statistic, pValue, estimate, interval, confidenceLevel, canaryRate: p1, baselineRate: p2 };
}
