// The two-sample Wilcoxon rank-sum (Mann-Whitney U) test with a confidence interval for the location shift, as R's
// `wilcox.test(x, y, conf.int = TRUE, conf.level)` computes it (R 4.x, two-sided, mu = 0, correct = TRUE):
// - fewer than 50 values on each side and no ties: the exact distribution of W; the interval from the sorted pairwise
//   differences at qwilcox(α/2) and the estimate is their median (Hodges-Lehmann);
// - otherwise the normal approximation with tie and continuity correction; the interval's ends are the shifts μ where
//   the standardized statistic of (x − μ, y) crosses ±z(1 − α/2), found with R's root finder, and the estimate is
//   where the uncorrected statistic crosses 0.
// x is the canary (experiment), y the baseline (control): a positive shift means the canary is higher.
import { pnorm, pnormUpper, qnorm } from './normal.js';
import { zeroin } from './zeroin.js';

export interface WilcoxonResult {
  method: 'exact' | 'normal';
  /** W = rank sum of x − nx(nx+1)/2: the number of (x, y) pairs with x > y, ties counting one half. */
  statistic: number;
  pValue: number;
  /** Location shift x − y (Hodges-Lehmann). */
  estimate: number;
  interval: [number, number];
  confidenceLevel: number;
  /** Whether the pooled samples hold ties (which rules out the exact method). */
  ties: boolean;
  nx: number;
  ny: number;
}

/** Average ranks (1-based) of `values`, ties sharing the mean of their positions; also each tie group's size. */
export function rankWithTies(values: readonly number[]): { ranks: number[]; tieSizes: number[] } {
  const order = values.map((_, i) => i).sort((i, j) => values[i]! - values[j]!);
  const ranks = new Array<number>(values.length);
  const tieSizes: number[] = [];
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end]!] === values[order[start]!]) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]!] = rank;
    tieSizes.push(end - start);
    start = end;
  }
  return { ranks, tieSizes };
}

/**
 * Frequencies of the Mann-Whitney statistic U = 0..m·n under the null hypothesis for samples of m and n values
 * (R's cwilcox): the number of orderings of m x's and n y's with U pairs x > y. Counts are exact below 2^53, as in R.
 */
export function wilcoxonFrequencies(m: number, n: number): Float64Array {
  const size = m * n + 1;
  // rows[i][u]: orderings of i x's and j y's with U = u, for the current j (updated in place as j grows).
  const rows: Float64Array[] = [];
  for (let i = 0; i <= m; i++) {
    rows.push(new Float64Array(size));
    rows[i]![0] = 1;
  }
  for (let j = 1; j <= n; j++) {
    for (let i = 1; i <= m; i++) {
      // The largest value is an x (above all j y's: U − j left for the rest) or a y (U unchanged).
      const row = rows[i]!;
      const prev = rows[i - 1]!;
      for (let u = size - 1; u >= j; u--) row[u] = row[u]! + prev[u - j]!;
    }
  }
  return rows[m]!;
}

/** P(W ≤ q) for samples of m and n (R's pwilcox). */
function pwilcox(q: number, freq: Float64Array, total: number): number {
  q = Math.floor(q + 1e-7);
  if (q < 0) return 0;
  if (q >= freq.length - 1) return 1;
  let sum = 0;
  for (let u = 0; u <= q; u++) sum += freq[u]!;
  return sum / total;
}

/** P(W > q) (R's pwilcox(q, lower.tail = FALSE)), summed from the upper end so it keeps precision. */
function pwilcoxUpper(q: number, freq: Float64Array, total: number): number {
  q = Math.floor(q + 1e-7);
  if (q < 0) return 1;
  let sum = 0;
  for (let u = freq.length - 1; u > q; u--) sum += freq[u]!;
  return sum / total;
}

/** Smallest q with P(W ≤ q) ≥ prob, for prob ≤ 0.5 (R's qwilcox). */
function qwilcox(prob: number, freq: Float64Array, total: number): number {
  const target = prob - 10 * 2.220446049250313e-16;
  let p = 0;
  for (let q = 0; q < freq.length; q++) {
    p += freq[q]! / total;
    if (p >= target) return q;
  }
  return freq.length - 1;
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * R's wilcox.test(x, y, conf.int = TRUE, conf.level) for two non-empty samples of finite numbers. When every value is
 * the same on each side (both samples constant), the shift is known exactly and the interval is that one point: R
 * cannot compute an interval then (its ranks are all tied at the root), and Kayenta adds random noise instead.
 */
export function wilcoxonTest(x: readonly number[], y: readonly number[], confidenceLevel = 0.98): WilcoxonResult {
  if (x.length === 0 || y.length === 0) throw new RangeError('wilcoxonTest needs at least one value on each side');
  if (!(confidenceLevel > 0 && confidenceLevel < 1)) throw new RangeError('confidenceLevel must be between 0 and 1');
  const nx = x.length;
  const ny = y.length;
  const alpha = 1 - confidenceLevel;
  const { ranks, tieSizes } = rankWithTies([...x, ...y]);
  let rankSumX = 0;
  for (let i = 0; i < nx; i++) rankSumX += ranks[i]!;
  const statistic = rankSumX - (nx * (nx + 1)) / 2;
  const ties = tieSizes.some((t) => t > 1);

  if (nx < 50 && ny < 50 && !ties) {
    const freq = wilcoxonFrequencies(nx, ny);
    let total = 0;
    for (const f of freq) total += f;
    const p = statistic > (nx * ny) / 2 ? pwilcoxUpper(statistic - 1, freq, total) : pwilcox(statistic, freq, total);
    const diffs: number[] = [];
    for (const xi of x) for (const yj of y) diffs.push(xi - yj);
    diffs.sort((a, b) => a - b);
    let qu = qwilcox(alpha / 2, freq, total);
    if (qu === 0) qu = 1;
    const ql = nx * ny - qu;
    return {
      method: 'exact',
      statistic,
      pValue: Math.min(2 * p, 1),
      estimate: median(diffs),
      interval: [diffs[qu - 1]!, diffs[ql]!],
      confidenceLevel,
      ties,
      nx,
      ny,
    };
  }

  const n = nx + ny;
  const sigmaOf = (sizes: readonly number[]) => {
    let tieTerm = 0;
    for (const t of sizes) tieTerm += t * t * t - t;
    return Math.sqrt(((nx * ny) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  };
  const z0 = statistic - (nx * ny) / 2;
  const z = (z0 - Math.sign(z0) * 0.5) / sigmaOf(tieSizes);
  const pValue = 2 * Math.min(pnorm(z), pnormUpper(z));

  const xMin = Math.min(...x);
  const xMax = Math.max(...x);
  const yMin = Math.min(...y);
  const yMax = Math.max(...y);
  const muMin = xMin - yMax;
  const muMax = xMax - yMin;
  if (xMin === xMax && yMin === yMax) {
    const shift = xMin - yMin;
    return { method: 'normal', statistic, pValue, estimate: shift, interval: [shift, shift], confidenceLevel, ties, nx, ny };
  }

  /** The standardized statistic of (x − d, y), with or without the continuity correction. */
  const standardized = (d: number, correct: boolean): number => {
    const pooled = new Array<number>(n);
    for (let i = 0; i < nx; i++) pooled[i] = x[i]! - d;
    for (let j = 0; j < ny; j++) pooled[nx + j] = y[j]!;
    const r = rankWithTies(pooled);
    let sum = 0;
    for (let i = 0; i < nx; i++) sum += r.ranks[i]!;
    const dz = sum - (nx * (nx + 1)) / 2 - (nx * ny) / 2;
    return (dz - (correct ? Math.sign(dz) * 0.5 : 0)) / sigmaOf(r.tieSizes);
  };
  const tol = 1e-4;
  const atMin = standardized(muMin, true);
  const atMax = standardized(muMax, true);
  const root = (zq: number): number => {
    const fLower = atMin - zq;
    if (fLower <= 0) return muMin;
    const fUpper = atMax - zq;
    if (fUpper >= 0) return muMax;
    return zeroin((d) => standardized(d, true) - zq, muMin, muMax, fLower, fUpper, tol);
  };
  // R asks for qnorm(α/2, lower.tail = FALSE) and qnorm(α/2): the same number with opposite signs, to the last bit.
  const zq = qnorm(alpha / 2);
  const lower = root(-zq);
  const upper = root(zq);
  const estimate = zeroin((d) => standardized(d, false), muMin, muMax, standardized(muMin, false), standardized(muMax, false), tol);
  return { method: 'normal', statistic, pValue, estimate, interval: [lower, upper], confidenceLevel, ties, nx, ny };
}
