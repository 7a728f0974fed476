// POST /api/v1/canary/judge: the canary judge (domain/canary) over samples or counts given in the request, counts from
// pave's own SLI store, or range queries to a Prometheus DataSource. Read-only: any token that may read may judge.
// `metricData` is also how a Rollout's canary analysis reads its data (handed to the rollout runner by server.ts).
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { compileMatchers } from '../domain/labels.js';
import { judgeCanary, type CanaryVerdict, type MetricData } from '../domain/canary/judge.js';
import { judgeConfigOf, judgeRequest, maxSamplesPerSide, type MetricRequest } from '../domain/canary/schema.js';
import { dataSourceConnection, dataSourceSpec } from '../config/kinds/data-source.js';
import { PrometheusUnavailable, queryRange, type Fetch } from '../engine/prometheus-source.js';
import { getObject } from '../store/objects.js';
import type { Database } from '../store/schema.js';
import { listSeries, readMinutes, sumCounts } from '../store/sli.js';
import { ApiError, badRequest } from './errors.js';

/** A metric's data could not be read for a reason the caller can fix; `path` names the field. */
export class MetricSourceError extends Error {
  constructor(
    readonly path: string,
    message: string,
    readonly status: 400 | 503 = 400,
  ) {
    super(message);
    this.name = 'MetricSourceError';
  }
}

export interface MetricDataOptions {
  /** The range for sources that carry none (a Rollout's analysis: the step's bake window). */
  range?: { fromMs: number; toMs: number };
  fetch?: Fetch;
  env?: Readonly<Record<string, string | undefined>>;
}

const MINUTE_MS = 60_000;

function rangeOf(side: { from?: unknown; to?: unknown }, options: MetricDataOptions, path: string): { fromMs: number; toMs: number } {
  if (typeof side.from === 'string' && typeof side.to === 'string') return { fromMs: Date.parse(side.from), toMs: Date.parse(side.to) };
  if (options.range) return options.range;
  throw new MetricSourceError(path, 'from and to are required');
}

/** Per-minute samples of the matched series from the store: bad/total of each minute with events, or total events. */
async function storeSamples(db: Kysely<Database>, seriesIds: string[], fromMs: number, toMs: number, value: 'bad-ratio' | 'total'): Promise<number[]> {
  const byMinute = new Map<number, { good: number; total: number }>();
  for (const r of await readMinutes(db, seriesIds, fromMs, toMs)) {
    const m = byMinute.get(r.minuteMs) ?? { good: 0, total: 0 };
    m.good += r.good;
    m.total += r.total;
    byMinute.set(r.minuteMs, m);
  }
  const out: number[] = [];
  // Minutes in order; a minute with no row had no events: 0 events, and no error ratio to speak of.
  for (let t = Math.ceil(fromMs / MINUTE_MS) * MINUTE_MS; t < toMs; t += MINUTE_MS) {
    const m = byMinute.get(t);
    if (value === 'total') out.push(m?.total ?? 0);
    else if (m && m.total > 0) out.push((m.total - m.good) / m.total);
  }
  return out;
}

/** Reads one metric's canary and baseline data from where its request says. `index` names it in errors. */
export async function metricData(db: Kysely<Database>, metric: MetricRequest, index: number, options: MetricDataOptions = {}): Promise<MetricData> {
  const data = await readMetricData(db, metric, index, options);
  if (data.kind === 'samples') {
    for (const side of ['canary', 'baseline'] as const) {
      if (data[side].length > maxSamplesPerSide) {
        const source = metric.store ? 'store' : metric.prometheus ? 'prometheus' : 'samples';
        throw new MetricSourceError(`metrics.${index}.${source}.${side}`, `${data[side].length} samples; at most ${maxSamplesPerSide} a side (a shorter range)`);
      }
    }
  }
  return data;
}

async function readMetricData(db: Kysely<Database>, metric: MetricRequest, index: number, options: MetricDataOptions = {}): Promise<MetricData> {
  const at = `metrics.${index}`;
  if (metric.samples) return { kind: 'samples', canary: metric.samples.canary, baseline: metric.samples.baseline };
  if (metric.counts) return { kind: 'proportion', canary: metric.counts.canary, baseline: metric.counts.baseline };
  if (metric.store) {
    const s = metric.store;
    const series = await listSeries(db, s.series);
    if (series.length === 0) throw new MetricSourceError(`${at}.store.series`, `no series named ${s.series} in pave's store`);
    const ids = (side: { match?: Record<string, string> }) => {
      const matches = compileMatchers(side.match);
      return series.filter((x) => matches(x.labels)).map((x) => x.id);
    };
    const canaryIds = ids(s.canary);
    const baselineIds = ids(s.baseline);
    const canaryRange = rangeOf(s.canary, options, `${at}.store.canary`);
    const baselineRange = rangeOf(s.baseline, options, `${at}.store.baseline`);
    if (s.value === 'errors') {
      const sum = async (ids: string[], r: { fromMs: number; toMs: number }) => {
        let good = 0;
        let total = 0;
        for (const c of (await sumCounts(db, ids, r.fromMs, r.toMs)).values()) {
          good += c.good;
          total += c.total;
        }
        return { bad: total - good, total };
      };
      return { kind: 'proportion', canary: await sum(canaryIds, canaryRange), baseline: await sum(baselineIds, baselineRange) };
    }
    return {
      kind: 'samples',
      canary: canaryIds.length ? await storeSamples(db, canaryIds, canaryRange.fromMs, canaryRange.toMs, s.value) : [],
      baseline: baselineIds.length ? await storeSamples(db, baselineIds, baselineRange.fromMs, baselineRange.toMs, s.value) : [],
    };
  }
  const p = metric.prometheus!;
  const stored = await getObject(db, 'DataSource', p.dataSource);
  if (!stored) throw new MetricSourceError(`${at}.prometheus.dataSource`, `no DataSource named ${p.dataSource}`);
  const { connection, missing } = dataSourceConnection(dataSourceSpec.parse(stored.spec), options.env ?? process.env);
  if (missing.length) throw new MetricSourceError(`${at}.prometheus.dataSource`, `DataSource ${p.dataSource}: environment variable ${missing.join(', ')} is not set on the server`, 503);
  const pull = async (side: 'canary' | 'baseline'): Promise<(number | null)[]> => {
    const r = rangeOf(p[side], options, `${at}.prometheus.${side}`);
    let result;
    try {
      result = await queryRange(connection, p[side].query, r.fromMs, r.toMs, { fetch: options.fetch, retries: 1 });
    } catch (err) {
      if (err instanceof PrometheusUnavailable) throw new MetricSourceError(`${at}.prometheus.dataSource`, `DataSource ${p.dataSource} cannot be read: ${err.message}`, 503);
      throw new MetricSourceError(`${at}.prometheus.${side}.query`, (err as Error).message);
    }
    if (result.length > 1) throw new MetricSourceError(`${at}.prometheus.${side}.query`, `the query answered ${result.length} series; aggregate it to one (e.g. with sum or histogram_quantile(… sum by (le) …))`);
    return (result[0]?.values ?? []).map(([, v]) => {
      const n = Number(v);
      return Number.isFinite(n) ? n : null;
    });
  };
  return { kind: 'samples', canary: await pull('canary'), baseline: await pull('baseline') };
}

export function registerCanary(app: FastifyInstance, db: Kysely<Database>, options: { fetch?: Fetch } = {}): void {
  app.post(
    '/api/v1/canary/judge',
    {
      config: { access: 'read' },
      schema: {
        tags: ['change safety'],
        summary: 'Judge a canary against its baseline',
        description:
          'Per metric: Mann-Whitney test with a confidence interval for the shift (as R wilcox.test) for samples, or a ' +
          'two-proportion test for bad/total counts; pass, high, low or nodata honouring direction, effect-size and ' +
          'critical settings, explained with the statistic, interval, effect size and sample sizes. Metrics are scored ' +
          'per group, groups weighted into a score, the score classified pass / marginal / fail (REFERENCE §5). Nothing is stored.',
        body: judgeRequest,
      },
    },
    async (req): Promise<CanaryVerdict> => {
      const body = req.body as typeof judgeRequest._output;
      const data = new Map<string, MetricData>();
      for (const [i, m] of body.metrics.entries()) {
        try {
          data.set(m.name, await metricData(db, m, i, { fetch: options.fetch }));
        } catch (err) {
          if (!(err instanceof MetricSourceError)) throw err;
          const detail = { in: 'body', path: err.path, message: err.message };
          if (err.status === 503) throw new ApiError(503, 'data_source_unavailable', `${err.path}: ${err.message}`, [detail]);
          throw badRequest(`${err.path}: ${err.message}`, [detail]);
        }
      }
      return judgeCanary(judgeConfigOf(body), data);
    },
  );
}
