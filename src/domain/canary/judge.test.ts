import { describe, expect, it } from 'vitest';
import { defaultMetricConfig, groupWeights, judgeCanary, judgeMetric, outlierFences, scoreVerdicts, type JudgeConfig, type MetricConfig, type MetricData } from './judge.js';

const options = { confidenceLevel: 0.98, tolerance: 0.25 };
const metric = (name: string, over: Partial<MetricConfig> = {}): MetricConfig => ({ ...defaultMetricConfig, name, ...over });
const samples = (canary: (number | null)[], baseline: (number | null)[]): MetricData => ({ kind: 'samples', canary, baseline });
// 30 latencies around 100 ms, no ties; the canary's "shifted" copy is 20 ms slower.
const baseline = Array.from({ length: 30 }, (_, i) => 100 + ((i * 7) % 30) / 3 + i / 1000);
const slower = baseline.map((v) => v + 20);

describe('judgeMetric on samples', () => {
  it('passes identical samples without testing, and says so', () => {
    const v = judgeMetric(metric('latency'), samples(baseline, [...baseline].reverse()), options);
    expect(v.classification).toBe('pass');
    expect(v.failed).toBe(false);
    expect(v.test).toBeNull();
    expect(v.reason).toMatch(/identical/);
  });

  it('fails a clear shift up as high, with the statistics that decided it', () => {
    const v = judgeMetric(metric('latency', { direction: 'increase' }), samples(slower, baseline), options);
    expect(v.classification).toBe('high');
    expect(v.failed).toBe(true);
    expect(v.test?.name).toBe('mann-whitney');
    expect(v.test?.method).toBe('exact');
    expect(v.test?.statistic).toBe(900); // every canary value above every baseline value
    expect(v.test?.estimate).toBeCloseTo(20, 9);
    expect(v.test!.interval[0]).toBeGreaterThan(v.tolerance!);
    expect(v.effectSize.ratio).toBeCloseTo(slower.reduce((a, b) => a + b) / baseline.reduce((a, b) => a + b), 12);
    expect(v.effectSize.cles).toBe(1);
    expect(v.canary).toMatchObject({ n: 30 });
    expect(v.reason).toMatch(/higher: shift 20/);
  });

  it('honours the direction: an increase passes a metric where only a decrease counts, and vice versa', () => {
    expect(judgeMetric(metric('throughput', { direction: 'decrease' }), samples(slower, baseline), options).classification).toBe('pass');
    expect(judgeMetric(metric('throughput', { direction: 'decrease' }), samples(baseline, slower), options).classification).toBe('low');
    expect(judgeMetric(metric('latency', { direction: 'increase' }), samples(baseline, slower), options).classification).toBe('pass');
    expect(judgeMetric(metric('latency', { direction: 'either' }), samples(baseline, slower), options).classification).toBe('low');
  });

  it('a significant shift smaller than the allowed effect passes', () => {
    // +20 ms on ~105 ms is a mean ratio of ~1.19: flagged at allowedIncrease 1.1, passed at 1.25.
    expect(judgeMetric(metric('latency', { allowedIncrease: 1.1 }), samples(slower, baseline), options).classification).toBe('high');
    const v = judgeMetric(metric('latency', { allowedIncrease: 1.25 }), samples(slower, baseline), options);
    expect(v.classification).toBe('pass');
    expect(v.reason).toMatch(/below the allowed increase 1.25/);
  });

  it('handles ties (whole-millisecond values): normal approximation, no false alarm on the same distribution', () => {
    const a = Array.from({ length: 60 }, (_, i) => 200 + (i % 7));
    const b = Array.from({ length: 55 }, (_, i) => 200 + ((i + 3) % 7));
    const v = judgeMetric(metric('latency'), samples(a, b), options);
    expect(v.test?.method).toBe('normal');
    expect(v.test && 'ties' in v.test && v.test.ties).toBe(true);
    expect(v.classification).toBe('pass');
    // The same tied values shifted by 5 ms are caught.
    expect(judgeMetric(metric('latency'), samples(a.map((x) => x + 5), b), options).classification).toBe('high');
  });

  it('no data: a failure only when the metric must have data or is critical', () => {
    const optional = judgeMetric(metric('cpu'), samples([], [1, 2]), options);
    expect(optional).toMatchObject({ classification: 'nodata', failed: false });
    expect(optional.reason).toMatch(/canary has no values/);
    expect(judgeMetric(metric('cpu', { mustHaveData: true }), samples([1], []), options)).toMatchObject({ classification: 'nodata', failed: true });
    expect(judgeMetric(metric('cpu', { critical: true }), samples([null], [1]), options)).toMatchObject({ classification: 'nodata', failed: true });
  });

  it('missing values are dropped or read as 0, and outliers dropped on request', () => {
    const v = judgeMetric(metric('latency'), samples([null, 1, 2, 3], [1, 2, 3]), options);
    expect(v.canary).toMatchObject({ n: 3, droppedMissing: 1 });
    expect(v.classification).toBe('pass');
    expect(judgeMetric(metric('latency', { nanStrategy: 'replace' }), samples([null, 1], [1]), options).canary).toMatchObject({ n: 2, min: 0 });
    const spiky = [...baseline, 100_000];
    const kept = judgeMetric(metric('latency'), samples(spiky, baseline), options);
    const removed = judgeMetric(metric('latency', { outliers: 'remove' }), samples(spiky, baseline), options);
    expect(kept.canary).toMatchObject({ n: 31, max: 100_000 });
    expect(removed.canary).toMatchObject({ n: 30, droppedOutliers: 1 });
    expect(removed.classification).toBe('pass');
  });

  it('outlier fences are never inside [P1, P99]', () => {
    const v = Array.from({ length: 101 }, (_, i) => i); // P1 = 1, Q1 = 25, Q3 = 75, P99 = 99
    expect(outlierFences(v, 3)).toEqual([-125, 225]);
    expect(outlierFences(v, 0)).toEqual([1, 99]);
  });
});

describe('judgeMetric on proportions (error rates as counts)', () => {
  const counts = (cb: number, ct: number, bb: number, bt: number): MetricData => ({ kind: 'proportion', canary: { bad: cb, total: ct }, baseline: { bad: bb, total: bt } });

  it('flags a doubled error rate over many requests, explained with the counts', () => {
    const v = judgeMetric(metric('errors', { direction: 'increase' }), counts(48, 2000, 20, 2000), options);
    expect(v.classification).toBe('high');
    expect(v.test?.name).toBe('two-proportion');
    expect(v.effectSize.ratio).toBeCloseTo(2.4, 12);
    expect(v.reason).toMatch(/canary 48\/2000, baseline 20\/2000/);
  });

  it('passes the same rate, and 3 errors against 0 in 1,000 requests each (not significant)', () => {
    expect(judgeMetric(metric('errors'), counts(12, 1500, 11, 1400), options).classification).toBe('pass');
    const sparse = judgeMetric(metric('errors'), counts(3, 1000, 0, 1000), options);
    expect(sparse.classification).toBe('pass');
    expect(sparse.effectSize.ratio).toBeNull();
    // ... but 25 errors against 0 over the same traffic is caught, where per-minute Mann-Whitney on mostly-zero samples is not.
    expect(judgeMetric(metric('errors'), counts(25, 1000, 0, 1000), options).classification).toBe('high');
  });

  it('same rate at different traffic passes without a test of difference; no traffic is no data', () => {
    expect(judgeMetric(metric('errors'), counts(2, 100, 20, 1000), options)).toMatchObject({ classification: 'pass', reason: expect.stringMatching(/same error rate/) });
    expect(judgeMetric(metric('errors', { mustHaveData: true }), counts(0, 0, 1, 10), options)).toMatchObject({ classification: 'nodata', failed: true });
  });
});

describe('scoring', () => {
  const config = (metrics: MetricConfig[], groupWeights: Record<string, number> = {}): JudgeConfig => ({
    metrics,
    groupWeights,
    thresholds: { pass: 95, marginal: 75 },
    ...options,
  });

  it('groups without weights share what explicit weights leave', () => {
    expect(groupWeights(['a', 'b', 'c'], { a: 50 })).toEqual(new Map([['a', 50], ['b', 25], ['c', 25]]));
    expect(groupWeights(['a', 'b'], {})).toEqual(new Map([['a', 50], ['b', 50]]));
  });

  it('passes when every metric passes, fails on a failing group by weight', () => {
    const ok = judgeCanary(config([metric('a', { group: 'latency' }), metric('b', { group: 'errors' })]), new Map([['a', samples(baseline, baseline)], ['b', samples([1, 2], [1, 2])]]));
    expect(ok).toMatchObject({ result: 'pass', score: 100 });
    const cfg = config([metric('lat1', { group: 'latency' }), metric('lat2', { group: 'latency' }), metric('err', { group: 'errors' })], { latency: 80, errors: 20 });
    const v = judgeCanary(cfg, new Map([['lat1', samples(slower, baseline)], ['lat2', samples(baseline, baseline)], ['err', samples([1], [1])]]));
    // latency group: 1 pass of 2 counted = 50, errors 100: 50·0.8 + 100·0.2 = 60 → fail
    expect(v.groups.find((g) => g.group === 'latency')).toMatchObject({ score: 50, pass: 1, high: 1, counted: 2, weight: 80 });
    expect(v).toMatchObject({ score: 60, result: 'fail' });
    expect(v.reason).toMatch(/failing: lat1 \(high\)/);
  });

  it('marginal between the thresholds; rounding to two decimals', () => {
    const ms = [0, 1, 2, 3, 4, 5].map((i) => metric(`m${i}`));
    const data = new Map(ms.map((m, i) => [m.name, i === 0 ? samples(slower, baseline) : samples(baseline, baseline)] as const));
    const v = judgeCanary(config(ms), data);
    expect(v).toMatchObject({ score: 83.33, result: 'marginal' });
  });

  it('a critical metric that fails scores 0 whatever the rest', () => {
    const ms = [metric('lat', { critical: true }), ...[1, 2, 3, 4].map((i) => metric(`ok${i}`))];
    const data = new Map<string, MetricData>([['lat', samples(slower, baseline)], ...[1, 2, 3, 4].map((i) => [`ok${i}`, samples([1, 2], [1, 2])] as [string, MetricData])]);
    const v = judgeCanary(config(ms), data);
    expect(v).toMatchObject({ score: 0, result: 'fail' });
    expect(v.reason).toMatch(/critical metric lat \(high\)/);
  });

  it('no data for half the metrics scores 0; optional no-data is not counted otherwise', () => {
    const half = judgeCanary(config([metric('a'), metric('b')]), new Map([['a', samples([1], [1])]]));
    expect(half).toMatchObject({ score: 0, result: 'fail' });
    const third = judgeCanary(config([metric('a'), metric('b'), metric('c')]), new Map([['a', samples([1], [1])], ['b', samples([2], [2])]]));
    expect(third).toMatchObject({ score: 100, result: 'pass' });
    expect(third.groups[0]).toMatchObject({ nodata: 1, counted: 2 });
  });

  it('scoreVerdicts keeps every metric verdict in the answer', () => {
    const v = scoreVerdicts([judgeMetric(metric('x'), samples([1, 2, 3], [1, 2, 3]), options)], { groupWeights: {}, thresholds: { pass: 95, marginal: 75 } });
    expect(v.metrics).toHaveLength(1);
    expect(v.thresholds).toEqual({ pass: 95, marginal: 75 });
  });
});
