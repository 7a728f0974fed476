// OpenSLO v1 SLI: how to read the indicator's metrics. Two sources: pave's own ingest, a metric source of type `pave`
// (or `builtin`, or no type) whose spec is a pave selector {series, match}; and Prometheus, a metric source of type
// `Prometheus` naming a DataSource (`metricSourceRef`) whose spec is `{query}`, a PromQL count over `{{window}}`. The SLI
// becomes the SLO's `indicator`: `ratio` or `latency` for the first, `promql` for the second.
import { z } from 'zod';
import { sloSpec } from '../kinds/slo.js';
import { consumedMetadata, forwardIssues, isMap, openSLOApiVersion, problem } from './common.js';

export const builtinSourceTypes = ['pave', 'builtin'];

/** A Prometheus metric source: an explicit type Prometheus, or no type and a DataSource reference (OpenSLO infers it). */
function isPrometheusSource(m: { type?: string; metricSourceRef?: string }): boolean {
  return m.type === undefined ? m.metricSourceRef !== undefined : /^prometheus$/i.test(m.type);
}

const prometheusQuery = z.strictObject({ query: z.string().min(1, 'a PromQL query') });

/**
 * pave's selector schema ({series, match}), taken from the SLO kind so both read series the same way. Looked up when
 * used: the SLO kind imports this module for its adapter.
 */
function paveSelector() {
  return sloSpec.shape.indicator.shape.ratio.unwrap().shape.total;
}

/** A metric source; `role` says whether it counts events (ratioMetric) or is compared with a threshold. */
const metricSourceFor = (role: 'ratio' | 'threshold') =>
  z
    .strictObject({
      metricSourceRef: z.string().optional(),
      type: z.string().optional(),
      spec: z.record(z.string(), z.unknown()).optional(),
    })
    .superRefine((m, ctx) => {
      if (isPrometheusSource(m) && role === 'threshold') {
        problem(
          ctx,
          [],
          'a Prometheus thresholdMetric compares a value with a threshold, and pave needs event counts: write a ratioMetric whose good query counts the histogram bucket at the threshold (le="0.3") and whose total counts _count',
          'ratioMetric with Prometheus good and total queries',
          'unsupported',
        );
        return;
      }
      if (isPrometheusSource(m)) {
        if (m.type === undefined && m.spec !== undefined && 'series' in m.spec) {
          problem(
            ctx,
            ['metricSourceRef'],
            "a metric source with a metricSourceRef and no type reads that DataSource (Prometheus) with spec {query}; a pave series takes type pave and no metricSourceRef",
            'type pave without metricSourceRef, or spec {query}',
            'unsupported',
          );
          return;
        }
        // The query itself (its {{window}}) is checked as the pave SLO's promql expression, at this field.
        if (m.metricSourceRef === undefined) {
          problem(ctx, ['metricSourceRef'], 'a Prometheus metric source names the DataSource to query', 'metricSourceRef: the name of a DataSource', 'missing_field');
        }
        if (m.spec === undefined) problem(ctx, ['spec'], 'required field is missing', 'a map {query: <PromQL count over {{window}}>}', 'missing_field');
        else {
          const r = prometheusQuery.safeParse(m.spec);
          if (!r.success) forwardIssues(ctx, ['spec'], r.error.issues);
        }
        return;
      }
      const expected = 'type pave (or builtin, or no type) with spec {series, match}, or type Prometheus with metricSourceRef and spec {query}';
      if (m.type !== undefined && !builtinSourceTypes.includes(m.type)) {
        problem(ctx, ['type'], `metric source type ${m.type} is not supported: pave reads its built-in ingest and Prometheus`, expected, 'unsupported');
        return;
      }
      if (m.metricSourceRef !== undefined) {
        problem(ctx, ['metricSourceRef'], `a ${m.type} metric source reads pave's built-in ingest, which needs no DataSource`, 'no metricSourceRef, or type Prometheus', 'unsupported');
        return;
      }
      if (m.spec === undefined) {
        problem(ctx, ['spec'], 'required field is missing', 'a map {series, match} naming a series of the built-in ingest', 'missing_field');
        return;
      }
      const r = paveSelector().safeParse(m.spec);
      if (!r.success) forwardIssues(ctx, ['spec'], r.error.issues);
    });

const metric = z.strictObject({ metricSource: metricSourceFor('ratio') });
const thresholdMetric = z.strictObject({ metricSource: metricSourceFor('threshold') });
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
    // pave's promql indicator reads one DataSource: the numerator and the total come from the same one.
    const numerator = r.good ? 'good' : 'bad';
    const num = r.good ?? r.bad;
    if (num && r.total) {
      const [a, b] = [isPrometheusSource(num.metricSource), isPrometheusSource(r.total.metricSource)];
      if (a !== b) {
        problem(ctx, [numerator, 'metricSource'], `${numerator} and total read different kinds of source: both Prometheus, or both pave series`, 'the same kind of metric source as total');
      } else if (a && num.metricSource.metricSourceRef !== undefined && r.total.metricSource.metricSourceRef !== undefined && num.metricSource.metricSourceRef !== r.total.metricSource.metricSourceRef) {
        problem(ctx, [numerator, 'metricSource', 'metricSourceRef'], `${numerator} reads DataSource ${num.metricSource.metricSourceRef} and total reads ${r.total.metricSource.metricSourceRef}: pave reads both counts from one DataSource`, `metricSourceRef: ${r.total.metricSource.metricSourceRef}`);
      }
    }
  });

export const sliSpec = z
  .strictObject({
    description: z.string().max(1050).optional(),
    thresholdMetric: thresholdMetric.optional(),
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
 * The pave indicator of a valid SLI: a ratioMetric is a ratio indicator (a promql indicator when its sources are
 * Prometheus); a thresholdMetric is a latency indicator over the histogram series, with the objective's `value` as its
 * threshold in seconds.
 */
export function paveIndicator(sli: OpenSLOSliSpec, thresholdSeconds: number | undefined): Record<string, unknown> {
  const r = sli.ratioMetric;
  if (r && isPrometheusSource(r.total!.metricSource)) {
    const query = (m: OpenSLOMetric) => (isMap(m.metricSource.spec) ? m.metricSource.spec.query : undefined);
    const numerator = r.good ? { good: query(r.good) } : { bad: query(r.bad!) };
    return { promql: { dataSource: r.total!.metricSource.metricSourceRef, ...numerator, total: query(r.total!) } };
  }
  if (r) {
    const numerator = r.good ? { good: selector(r.good) } : { bad: selector(r.bad!) };
    return { ratio: { ...numerator, total: selector(r.total!) } };
  }
  return { latency: { ...selector(sli.thresholdMetric!), threshold: thresholdSeconds } };
}
