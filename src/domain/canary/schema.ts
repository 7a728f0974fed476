// The canary judge's configuration as zod schemas, shared by POST /api/v1/canary/judge, `pave canary judge` and the
// Rollout kind's analysis: metric settings (REFERENCE §5), where each metric's data comes from, groups and thresholds.
import { z } from 'zod';
import { defaultMetricConfig, type JudgeConfig, type MetricConfig } from './judge.js';

const name = z.string().min(1).max(200);
const finite = z.number().refine(Number.isFinite, 'a finite number');
const isoTime = z.iso.datetime({ offset: true, error: 'an RFC 3339 time with a zone, e.g. 2026-11-22T10:00:00Z' });
const matchers = z.record(z.string().min(1).max(100), z.string().max(500)).optional().describe('label matchers as in SLO selectors: value, !value, a|b, 5xx, ~regex');

const counts = z
  .strictObject({ bad: z.number().int().min(0), total: z.number().int().min(0) })
  .refine((c) => c.bad <= c.total, { message: 'bad must not exceed total', path: ['bad'] });

/** Where a time-bounded side reads from; a rollout's analysis leaves the times out (the step's bake window is used). */
function side<T extends z.ZodRawShape>(shape: T, timed: boolean) {
  const times = timed ? { from: isoTime, to: isoTime } : {};
  return z.strictObject({ ...shape, ...times }).superRefine((s, ctx) => {
    const t = s as { from?: string; to?: string };
    if (t.from && t.to && Date.parse(t.to) <= Date.parse(t.from)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must be after from' });
    if (t.from && t.to && Date.parse(t.to) - Date.parse(t.from) > 31 * 86_400_000) ctx.addIssue({ code: 'custom', path: ['to'], message: 'a range of at most 31 days' });
  });
}

export const storeValues = ['errors', 'bad-ratio', 'total'] as const;

/** Samples a side may have: the rank test's root finding costs about 0.1 s per 1,000 (about 14 days of minutes). */
export const maxSamplesPerSide = 20_000;

/** A metric: its judging settings and exactly one source of data. */
export function metricSchema(timed: boolean) {
  const storeSide = side({ match: matchers }, timed);
  const promSide = side({ query: z.string().min(1).max(10_000) }, timed);
  return z
    .strictObject({
      name,
      group: name.default(defaultMetricConfig.group),
      direction: z.enum(['increase', 'decrease', 'either']).default(defaultMetricConfig.direction),
      critical: z.boolean().default(false),
      mustHaveData: z.boolean().default(false),
      allowedIncrease: finite.refine((v) => v > 0, 'a positive ratio, e.g. 1.1 for +10%').default(1),
      allowedDecrease: finite.refine((v) => v > 0, 'a positive ratio, e.g. 0.9 for −10%').default(1),
      nanStrategy: z.enum(['remove', 'replace']).default('remove'),
      outliers: z.enum(['keep', 'remove']).default('keep'),
      outlierFactor: finite.refine((v) => v >= 0, 'a number ≥ 0').default(3),
      samples: z
        .strictObject({ canary: z.array(finite.nullable()).max(maxSamplesPerSide), baseline: z.array(finite.nullable()).max(maxSamplesPerSide) })
        .optional()
        .describe('one value per interval (e.g. per-minute p99 latency); null for a missing one'),
      counts: z.strictObject({ canary: counts, baseline: counts }).optional().describe('bad of total events: judged as proportions'),
      store: z
        .strictObject({
          series: name.describe("a series in pave's store (ingested good/total counts)"),
          value: z.enum(storeValues).default('errors').describe('errors: bad/total summed over the range (a proportion); bad-ratio or total: one sample per minute'),
          canary: storeSide,
          baseline: storeSide,
        })
        .optional(),
      prometheus: z
        .strictObject({
          dataSource: name.describe('a DataSource object'),
          canary: promSide,
          baseline: promSide,
        })
        .optional()
        .describe('a range query (step 60 s) per side, each answering one series; its values are the samples'),
    })
    .superRefine((m, ctx) => {
      const given = (['samples', 'counts', 'store', 'prometheus'] as const).filter((k) => m[k] !== undefined);
      if (given.length !== 1) ctx.addIssue({ code: 'custom', path: given.length ? [given[1]!] : ['samples'], message: `give exactly one source of data: samples, counts, store or prometheus${given.length ? ` (got ${given.join(', ')})` : ''}` });
      if (m.allowedDecrease > 1) ctx.addIssue({ code: 'custom', path: ['allowedDecrease'], message: 'a ratio ≤ 1 (0.9 means a drop of 10% or more counts)' });
      if (m.allowedIncrease < 1) ctx.addIssue({ code: 'custom', path: ['allowedIncrease'], message: 'a ratio ≥ 1 (1.1 means a rise of 10% or more counts)' });
    });
}

/** The settings shared by every judgement: groups, thresholds, confidence. */
const judgeSettings = {
  groupWeights: z.record(name, finite.refine((v) => v >= 0 && v <= 100, 'a weight from 0 to 100')).default({}),
  thresholds: z
    .strictObject({ pass: finite.refine((v) => v >= 0 && v <= 100, 'a score from 0 to 100').default(95), marginal: finite.refine((v) => v >= 0 && v <= 100, 'a score from 0 to 100').default(75) })
    .refine((t) => t.marginal <= t.pass, { message: 'marginal must not exceed pass', path: ['marginal'] })
    .default({ pass: 95, marginal: 75 }),
  confidenceLevel: finite.refine((v) => v >= 0.5 && v < 1, 'a level from 0.5 to below 1, e.g. 0.98').default(0.98),
  tolerance: finite.refine((v) => v >= 0 && v <= 10, 'a fraction of the estimate from 0 to 10, e.g. 0.25').default(0.25),
};

export function judgeRequestSchema(timed: boolean) {
  return z
    .strictObject({ ...judgeSettings, metrics: z.array(metricSchema(timed)).min(1).max(200) })
    .superRefine((r, ctx) => {
      const seen = new Set<string>();
      r.metrics.forEach((m, i) => {
        if (seen.has(m.name)) ctx.addIssue({ code: 'custom', path: ['metrics', i, 'name'], message: `metric ${m.name} is named twice` });
        seen.add(m.name);
      });
      const groups = new Set(r.metrics.map((m) => m.group));
      for (const g of Object.keys(r.groupWeights)) if (!groups.has(g)) ctx.addIssue({ code: 'custom', path: ['groupWeights', g], message: `no metric is in group ${g}` });
      const total = Object.values(r.groupWeights).reduce((a, b) => a + b, 0);
      if (total > 100) ctx.addIssue({ code: 'custom', path: ['groupWeights'], message: `weights add up to ${total}; at most 100` });
      if ([...groups].every((g) => r.groupWeights[g] !== undefined) && Object.keys(r.groupWeights).length > 0 && total !== 100)
        ctx.addIssue({ code: 'custom', path: ['groupWeights'], message: `every group has a weight, so they must add up to 100 (they add up to ${total})` });
    });
}

/** A judge request whose sources carry their own time ranges (the API, the CLI). */
export const judgeRequest = judgeRequestSchema(true);
export type JudgeRequest = z.infer<typeof judgeRequest>;
/** A canary analysis without times (a Rollout's: the time range is each step's bake window). */
export const canaryAnalysis = judgeRequestSchema(false);
export type CanaryAnalysis = z.infer<typeof canaryAnalysis>;
export type MetricRequest = JudgeRequest['metrics'][number] | CanaryAnalysis['metrics'][number];

/** The judge's configuration from a validated request (the data sources left aside). */
export function judgeConfigOf(r: Pick<JudgeRequest, 'groupWeights' | 'thresholds' | 'confidenceLevel' | 'tolerance'> & { metrics: readonly MetricRequest[] }): JudgeConfig {
  const metrics: MetricConfig[] = r.metrics.map((m) => ({
    name: m.name,
    group: m.group,
    direction: m.direction,
    critical: m.critical,
    mustHaveData: m.mustHaveData,
    allowedIncrease: m.allowedIncrease,
    allowedDecrease: m.allowedDecrease,
    nanStrategy: m.nanStrategy,
    outliers: m.outliers,
    outlierFactor: m.outlierFactor,
  }));
  return { metrics, groupWeights: r.groupWeights, thresholds: r.thresholds, confidenceLevel: r.confidenceLevel, tolerance: r.tolerance };
}
