// OpenSLO v1 SLI: how to read the indicator's metrics. pave reads its own ingest: a metric source of type `pave` (or
// `builtin`, or no type) whose spec is a pave selector {series, match}. The SLI becomes the SLO's `indicator`.
import { z } from 'zod';
import { sloSpec } from '../kinds/slo.js';
import { consumedMetadata, forwardIssues, openSLOApiVersion, problem } from './common.js';

export const builtinSourceTypes = ['pave', 'builtin'];

/**
 * pave's selector schema ({series, match}), taken from the SLO kind so both read series the same way. Looked up when
 * used: the SLO kind imports this module for its adapter.
 */
function paveSelector() {
  return sloSpec.shape.indicator.shape.ratio.unwrap().shape.total;
}

const metricSource = z
  .strictObject({
    metricSourceRef: z.string().optional(),
    type: z.string().optional(),
    spec: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((m, ctx) => {
    const expected = 'type pave (or builtin, or no type) with spec {series, match}';
    let supported = true;
    if (m.type !== undefined && !builtinSourceTypes.includes(m.type)) {
      supported = false;
      const message = /^prometheus$/i.test(m.type)
        ? 'Prometheus sources arrive with the Prometheus integration; until then pave reads series from its built-in ingest'
        : `metric source type ${m.type} is not supported: pave reads series from its built-in ingest`;
      problem(ctx, ['type'], message, expected, 'unsupported');
    }
    if (m.metricSourceRef !== undefined) {
      supported = false;
      problem(ctx, ['metricSourceRef'], 'DataSource references are not supported: pave reads series from its built-in ingest', expected, 'unsupported');
    }
    if (!supported) return;
    if (m.spec === undefined) {
      problem(ctx, ['spec'], 'required field is missing', 'a map {series, match} naming a series of the built-in ingest', 'missing_field');
      return;
    }
    const r = paveSelector().safeParse(m.spec);
    if (!r.success) forwardIssues(ctx, ['spec'], r.error.issues);
  });

const metric = z.strictObject({ metricSource });
export type OpenSLOMetric = z.infer<typeof metric>;

const ratioMetric = z
  .strictObject({
    /** pave's series are counts pushed to its ingest; whether the source was a counter or a gauge changes nothing. */
    counter: z.boolean().optional(),
    good: metric.optional(),
    bad: metric.optional(),
    total: metric.optional(),
    rawType: z.enum(['success', 'failure']).optional(),
    raw: metric.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.raw !== undefined || r.rawType !== undefined) {
      problem(ctx, [r.raw !== undefined ? 'raw' : 'rawType'], 'precomputed ratios (raw) are not supported: pave sums the good and total counts itself', 'good (or bad) and total', 'unsupported');
      return;
    }
    if (r.good && r.bad) problem(ctx, ['bad'], 'give good or bad, not both', 'one numerator: good or bad');
    if (!r.good && !r.bad) problem(ctx, ['good'], 'a ratioMetric needs a numerator', 'good or bad, with total', 'missing_field');
    if (!r.total) problem(ctx, ['total'], 'required field is missing', 'total: the denominator', 'missing_field');
  });

export const sliSpec = z
  .strictObject({
    description: z.string().max(1050).optional(),
    thresholdMetric: metric.optional(),
    ratioMetric: ratioMetric.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.thresholdMetric && s.ratioMetric) problem(ctx, ['thresholdMetric'], 'give ratioMetric or thresholdMetric, not both', 'one of ratioMetric or thresholdMetric');
    if (!s.thresholdMetric && !s.ratioMetric) problem(ctx, ['ratioMetric'], 'an SLI needs a metric', 'ratioMetric (good or bad, and total) or thresholdMetric (a latency histogram)', 'missing_field');
  });
export type OpenSLOSliSpec = z.infer<typeof sliSpec>;

export const sliDocument = z.strictObject({
  apiVersion: z.literal(openSLOApiVersion),
  kind: z.literal('SLI'),
  metadata: consumedMetadata,
  spec: sliSpec,
});

/** An SLI written inside an SLO (`spec.indicator`), or an SLI document inlined there by its `indicatorRef`. */
export const inlineSli = z.strictObject({ metadata: consumedMetadata.optional(), spec: sliSpec });

function selector(m: OpenSLOMetric): { series: string; match?: Record<string, string> } {
  const spec = m.metricSource.spec as { series: string; match?: Record<string, string> };
  return spec.match === undefined ? { series: spec.series } : { series: spec.series, match: spec.match };
}

/**
 * The pave indicator of a valid SLI: a ratioMetric is a ratio indicator; a thresholdMetric is a latency indicator over
 * the histogram series, with the objective's `value` as its threshold in seconds.
 */
export function paveIndicator(sli: OpenSLOSliSpec, thresholdSeconds: number | undefined): Record<string, unknown> {
  const r = sli.ratioMetric;
  if (r) {
    const numerator = r.good ? { good: selector(r.good) } : { bad: selector(r.bad!) };
    return { ratio: { ...numerator, total: selector(r.total!) } };
  }
  return { latency: { ...selector(sli.thresholdMetric!), threshold: thresholdSeconds } };
}
