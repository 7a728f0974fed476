// The canary judge (REFERENCE §5, Kayenta's NetflixACAJudge with its known weaknesses addressed): each metric's canary
// values against the baseline's → pass / high / low / nodata with the statistics that decided it; metrics scored per
// group, groups weighted into one score, the score classified pass / marginal / fail. Pure: no I/O, no clock.
import { twoProportionTest, type ProportionCounts, type ProportionResult } from './proportions.js';
import { wilcoxonTest, type WilcoxonResult } from './wilcoxon.js';

/** Which change of the canary counts against it: `increase` (e.g. latency, errors), `decrease` (e.g. throughput), or `either`. */
export type Direction = 'increase' | 'decrease' | 'either';

export interface MetricConfig {
  name: string;
  /** Group the metric scores in (e.g. latency, errors); groups carry weights. */
  group: string;
  direction: Direction;
  /** A critical metric that is not a pass (high, low, or no data) fails the whole canary. */
  critical: boolean;
  /** No data counts as a failure in its group (always so for a critical metric). */
  mustHaveData: boolean;
  /**
   * Practical significance: a shift counts only when the canary/baseline ratio (mean ratio of samples, rate ratio of
   * proportions) is ≥ allowedIncrease (high) or ≤ allowedDecrease (low). Kayenta's defaults: 1 and 1 (any shift).
   */
  allowedIncrease: number;
  allowedDecrease: number;
  /** Missing values (null or NaN) are dropped (`remove`) or read as 0 (`replace`). */
  nanStrategy: 'remove' | 'replace';
  /** Drop outliers outside [min(P1, Q1 − f·IQR), max(P99, Q3 + f·IQR)] before testing (samples only). */
  outliers: 'keep' | 'remove';
  outlierFactor: number;
}

/** A metric's observations: samples (one value per interval: latency, CPU, ...) or counts (errors of requests). */
export type MetricData =
  | { kind: 'samples'; canary: readonly (number | null)[]; baseline: readonly (number | null)[] }
  | { kind: 'proportion'; canary: ProportionCounts; baseline: ProportionCounts };

export interface JudgeConfig {
  metrics: MetricConfig[];
  /** Explicit group weights (percent); groups not named share what is left of 100 equally. */
  groupWeights: Record<string, number>;
  thresholds: { pass: number; marginal: number };
  /** 0.98 unless told otherwise (Kayenta's). */
  confidenceLevel: number;
  /** The whole interval must lie beyond tolerance·|estimate| for a shift to count (Kayenta: 0.25). */
  tolerance: number;
}

export type Classification = 'pass' | 'high' | 'low' | 'nodata';

export interface SampleSummary {
  n: number;
  mean: number | null;
  median: number | null;
  min: number | null;
  max: number | null;
  /** Values dropped: missing ones (nanStrategy remove) and outliers. */
  droppedMissing: number;
  droppedOutliers: number;
}

export interface MetricVerdict {
  name: string;
  group: string;
  classification: Classification;
  /** Counts against its group's score: high, low, or no data when data is required. */
  failed: boolean;
  critical: boolean;
  /** One sentence a person can check against the numbers below. */
  reason: string;
  kind: 'samples' | 'proportion';
  canary: SampleSummary | (ProportionCounts & { rate: number | null });
  baseline: SampleSummary | (ProportionCounts & { rate: number | null });
  /** The test that decided; null when there was nothing to test (no data, identical samples). */
  test:
    | (Pick<WilcoxonResult, 'method' | 'statistic' | 'pValue' | 'estimate' | 'interval' | 'confidenceLevel' | 'ties'> & { name: 'mann-whitney' })
    | (Pick<ProportionResult, 'statistic' | 'pValue' | 'estimate' | 'interval' | 'confidenceLevel'> & { name: 'two-proportion'; method: 'pooled-z, newcombe interval' })
    | null;
  /** The band around 0 the interval must clear: ±tolerance·|estimate|. */
  tolerance: number | null;
  /**
   * Canary relative to baseline: mean ratio (samples) or rate ratio (proportions); null when the baseline's is 0.
   * `cles` (samples): the probability that a canary value exceeds a baseline value, ties counting half.
   */
  effectSize: { ratio: number | null; cles: number | null };
}

export interface GroupScore {
  group: string;
  weight: number;
  score: number;
  pass: number;
  high: number;
  low: number;
  nodata: number;
  /** Metrics counted in the score: pass + high + low + no-data failures. */
  counted: number;
}

export type CanaryResult = 'pass' | 'marginal' | 'fail';

export interface CanaryVerdict {
  result: CanaryResult;
  /** 0..100, two decimals. */
  score: number;
  reason: string;
  thresholds: { pass: number; marginal: number };
  groups: GroupScore[];
  metrics: MetricVerdict[];
}

export const defaultMetricConfig: Omit<MetricConfig, 'name'> = {
  group: 'default',
  direction: 'either',
  critical: false,
  mustHaveData: false,
  allowedIncrease: 1,
  allowedDecrease: 1,
  nanStrategy: 'remove',
  outliers: 'keep',
  outlierFactor: 3,
};

/** Percentile by linear interpolation between order statistics (R's type 7), of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Kayenta's IQR outlier fences with reduced sensitivity: never inside [P1, P99]. */
export function outlierFences(values: readonly number[], factor: number): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const q1 = percentile(sorted, 0.25);
  const q3 = percentile(sorted, 0.75);
  const iqr = q3 - q1;
  return [Math.min(percentile(sorted, 0.01), q1 - factor * iqr), Math.max(percentile(sorted, 0.99), q3 + factor * iqr)];
}

function cleanSamples(raw: readonly (number | null)[], cfg: MetricConfig): { values: number[]; droppedMissing: number; droppedOutliers: number } {
  let values: number[] = [];
  let droppedMissing = 0;
  for (const v of raw) {
    if (v === null || Number.isNaN(v)) {
      if (cfg.nanStrategy === 'replace') values.push(0);
      else droppedMissing++;
    } else values.push(v);
  }
  let droppedOutliers = 0;
  if (cfg.outliers === 'remove' && values.length > 0) {
    const [lo, hi] = outlierFences(values, cfg.outlierFactor);
    const kept = values.filter((v) => v >= lo && v <= hi);
    droppedOutliers = values.length - kept.length;
    values = kept;
  }
  return { values, droppedMissing, droppedOutliers };
}

function summarize(values: readonly number[], droppedMissing: number, droppedOutliers: number): SampleSummary {
  if (values.length === 0) return { n: 0, mean: null, median: null, min: null, max: null, droppedMissing, droppedOutliers };
  const sorted = [...values].sort((a, b) => a - b);
  let sum = 0;
  for (const v of values) sum += v;
  return { n: values.length, mean: sum / values.length, median: percentile(sorted, 0.5), min: sorted[0]!, max: sorted[sorted.length - 1]!, droppedMissing, droppedOutliers };
}

/** Shortest decimal form for messages (6 significant digits). */
function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

interface Decision {
  classification: Classification;
  reason: string;
}

/**
 * High / low / pass from an interval for the shift, its estimate and the effect ratio (Kayenta's rule): significant at
 * the confidence level AND the whole interval beyond tolerance·|estimate| AND the ratio past the allowed one (a null
 * ratio — baseline 0 — does not hold a shift back).
 */
function decide(cfg: MetricConfig, interval: [number, number], estimate: number, ratio: number | null, tolerance: number, what: string, confidence: number): Decision {
  const band = tolerance * Math.abs(estimate);
  const pct = `${fmt(confidence * 100)}%`;
  const range = `${pct} interval ${fmt(interval[0])} to ${fmt(interval[1])}`;
  const ratioText = ratio === null ? 'ratio undefined (baseline 0)' : `ratio ${fmt(ratio)}`;
  const canFlagHigh = cfg.direction !== 'decrease';
  const canFlagLow = cfg.direction !== 'increase';
  if (interval[0] > band) {
    if (!canFlagHigh) return { classification: 'pass', reason: `canary ${what} is higher (shift ${fmt(estimate)}, ${range}), but only a decrease counts against it` };
    if (ratio !== null && ratio < cfg.allowedIncrease)
      return { classification: 'pass', reason: `canary ${what} is higher (shift ${fmt(estimate)}, ${range}), but its ${ratioText} is below the allowed increase ${fmt(cfg.allowedIncrease)}` };
    return { classification: 'high', reason: `canary ${what} is higher: shift ${fmt(estimate)}, ${range} lies above +${fmt(band)}, ${ratioText}${ratio === null ? '' : ` ≥ ${fmt(cfg.allowedIncrease)}`}` };
  }
  if (interval[1] < -band) {
    if (!canFlagLow) return { classification: 'pass', reason: `canary ${what} is lower (shift ${fmt(estimate)}, ${range}), but only an increase counts against it` };
    if (ratio !== null && ratio > cfg.allowedDecrease)
      return { classification: 'pass', reason: `canary ${what} is lower (shift ${fmt(estimate)}, ${range}), but its ${ratioText} is above the allowed decrease ${fmt(cfg.allowedDecrease)}` };
    return { classification: 'low', reason: `canary ${what} is lower: shift ${fmt(estimate)}, ${range} lies below −${fmt(band)}, ${ratioText}${ratio === null ? '' : ` ≤ ${fmt(cfg.allowedDecrease)}`}` };
  }
  return { classification: 'pass', reason: `no significant shift of ${what}: estimate ${fmt(estimate)}, ${range} reaches within ±${fmt(band)} of 0` };
}

function noData(cfg: MetricConfig, why: string): Pick<MetricVerdict, 'classification' | 'failed' | 'reason'> {
  const failed = cfg.mustHaveData || cfg.critical;
  return { classification: 'nodata', failed, reason: `no data: ${why}${failed ? (cfg.critical ? ' (a critical metric must have data)' : ' (this metric must have data)') : ''}` };
}

/** One metric's verdict, explained. Data is assumed valid (finite numbers, 0 ≤ bad ≤ total); the API checks it. */
export function judgeMetric(cfg: MetricConfig, data: MetricData, options: Pick<JudgeConfig, 'confidenceLevel' | 'tolerance'>): MetricVerdict {
  const { confidenceLevel, tolerance } = options;
  const base = { name: cfg.name, group: cfg.group, critical: cfg.critical, kind: data.kind };
  if (data.kind === 'proportion') {
    const rate = (c: ProportionCounts) => (c.total > 0 ? c.bad / c.total : null);
    const canary = { ...data.canary, rate: rate(data.canary) };
    const baseline = { ...data.baseline, rate: rate(data.baseline) };
    const common = { ...base, canary, baseline, tolerance: null, effectSize: { ratio: null, cles: null }, test: null };
    if (data.canary.total === 0 || data.baseline.total === 0)
      return { ...common, ...noData(cfg, `${data.canary.total === 0 ? 'the canary' : 'the baseline'} has no events`) };
    const t = twoProportionTest(data.canary, data.baseline, confidenceLevel);
    const ratio = t.baselineRate === 0 ? (t.canaryRate === 0 ? 1 : null) : t.canaryRate / t.baselineRate;
    const d =
      data.canary.bad * data.baseline.total === data.baseline.bad * data.canary.total
        ? { classification: 'pass' as const, reason: `same error rate ${fmt(t.canaryRate)} on both sides` }
        : decide(cfg, t.interval, t.estimate, ratio, tolerance, 'error rate', confidenceLevel);
    return {
      ...common,
      classification: d.classification,
      failed: d.classification === 'high' || d.classification === 'low',
      reason: `${d.reason} (canary ${data.canary.bad}/${data.canary.total}, baseline ${data.baseline.bad}/${data.baseline.total}, p = ${t.pValue.toPrecision(3)})`,
      test: { name: 'two-proportion', method: 'pooled-z, newcombe interval', statistic: t.statistic, pValue: t.pValue, estimate: t.estimate, interval: t.interval, confidenceLevel },
      tolerance: tolerance * Math.abs(t.estimate),
      effectSize: { ratio, cles: null },
    };
  }
  const c = cleanSamples(data.canary, cfg);
  const b = cleanSamples(data.baseline, cfg);
  const canary = summarize(c.values, c.droppedMissing, c.droppedOutliers);
  const baseline = summarize(b.values, b.droppedMissing, b.droppedOutliers);
  const common = { ...base, canary, baseline };
  if (c.values.length === 0 || b.values.length === 0)
    return { ...common, ...noData(cfg, `${c.values.length === 0 ? 'the canary' : 'the baseline'} has no values`), test: null, tolerance: null, effectSize: { ratio: null, cles: null } };
  const ratio = baseline.mean === 0 || canary.mean === 0 ? null : canary.mean! / baseline.mean!;
  const sortedC = [...c.values].sort((x, y) => x - y);
  const sortedB = [...b.values].sort((x, y) => x - y);
  const identical = sortedC.length === sortedB.length && sortedC.every((v, i) => v === sortedB[i]);
  if (identical || (sortedC[0] === sortedC[sortedC.length - 1] && sortedB[0] === sortedB[sortedB.length - 1] && sortedC[0] === sortedB[0]))
    return { ...common, classification: 'pass', failed: false, reason: `canary and baseline values are identical (n = ${c.values.length} and ${b.values.length})`, test: null, tolerance: null, effectSize: { ratio, cles: 0.5 } };
  const t = wilcoxonTest(c.values, b.values, confidenceLevel);
  const d = decide(cfg, t.interval, t.estimate, ratio, tolerance, 'value', confidenceLevel);
  return {
    ...common,
    classification: d.classification,
    failed: d.classification === 'high' || d.classification === 'low',
    reason: `${d.reason} (Mann-Whitney ${t.method}, W = ${fmt(t.statistic)}, p = ${t.pValue.toPrecision(3)}, n = ${t.nx} canary, ${t.ny} baseline)`,
    test: { name: 'mann-whitney', method: t.method, statistic: t.statistic, pValue: t.pValue, estimate: t.estimate, interval: t.interval, confidenceLevel, ties: t.ties },
    tolerance: tolerance * Math.abs(t.estimate),
    effectSize: { ratio, cles: t.statistic / (t.nx * t.ny) },
  };
}

/** Each group's weight: explicit ones as given, the rest share what is left of 100 equally. */
export function groupWeights(groups: readonly string[], explicit: Record<string, number>): Map<string, number> {
  const unweighted = groups.filter((g) => explicit[g] === undefined);
  let given = 0;
  for (const g of groups) given += explicit[g] ?? 0;
  const share = unweighted.length > 0 ? Math.max(0, 100 - given) / unweighted.length : 0;
  return new Map(groups.map((g) => [g, explicit[g] ?? share]));
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * Scores verdicts: per group pass / (pass + high + low + no-data failures) × 100 (a group with nothing counted scores
 * 100), weighted over groups. Overrides: a critical metric that is not a pass, or no data for half of the metrics or
 * more, scores 0.
 */
export function scoreVerdicts(metrics: readonly MetricVerdict[], config: Pick<JudgeConfig, 'groupWeights' | 'thresholds'>): CanaryVerdict {
  const groups = [...new Set(metrics.map((m) => m.group))];
  const weights = groupWeights(groups, config.groupWeights);
  const scores: GroupScore[] = groups.map((group) => {
    const ms = metrics.filter((m) => m.group === group);
    const count = (c: Classification) => ms.filter((m) => m.classification === c).length;
    const pass = count('pass');
    const counted = pass + count('high') + count('low') + ms.filter((m) => m.classification === 'nodata' && m.failed).length;
    return { group, weight: weights.get(group)!, score: counted === 0 ? 100 : round2((pass / counted) * 100), pass, high: count('high'), low: count('low'), nodata: count('nodata'), counted };
  });
  let weighted = 0;
  for (const g of scores) {
    const ms = metrics.filter((m) => m.group === g.group);
    const pass = ms.filter((m) => m.classification === 'pass').length;
    // Weighted from the exact fraction, rounded once at the end.
    weighted += (g.counted === 0 ? 100 : (pass / g.counted) * 100) * (g.weight / 100);
  }
  let score = round2(weighted);
  let reason: string;
  const criticalFailures = metrics.filter((m) => m.critical && m.classification !== 'pass');
  const noDataCount = metrics.filter((m) => m.classification === 'nodata').length;
  if (criticalFailures.length > 0) {
    score = 0;
    reason = `critical metric${criticalFailures.length > 1 ? 's' : ''} ${criticalFailures.map((m) => `${m.name} (${m.classification})`).join(', ')} failed the canary`;
  } else if (metrics.length > 0 && noDataCount * 2 >= metrics.length) {
    score = 0;
    reason = `${noDataCount} of ${metrics.length} metrics have no data: half or more, so the canary cannot be judged`;
  } else {
    const failing = metrics.filter((m) => m.failed).map((m) => `${m.name} (${m.classification})`);
    reason = `score ${score} from ${metrics.length} metric${metrics.length === 1 ? '' : 's'}${failing.length ? `; failing: ${failing.join(', ')}` : '; all pass'}`;
  }
  const { pass, marginal } = config.thresholds;
  const result: CanaryResult = score >= pass ? 'pass' : score >= marginal ? 'marginal' : 'fail';
  return { result, score, reason: `${result}: ${reason} (pass ≥ ${pass}, marginal ≥ ${marginal})`, thresholds: { pass, marginal }, groups: scores, metrics: [...metrics] };
}

/** Judges every metric of the config with its data (by metric name; a metric without data is no data). */
export function judgeCanary(config: JudgeConfig, data: ReadonlyMap<string, MetricData>): CanaryVerdict {
  const verdicts = config.metrics.map((m) => {
    const d = data.get(m.name);
    if (d) return judgeMetric(m, d, config);
    return judgeMetric(m, { kind: 'samples', canary: [], baseline: [] }, config);
  });
  return scoreVerdicts(verdicts, config);
}
