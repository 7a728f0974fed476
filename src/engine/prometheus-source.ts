// Per-minute good/total counts of a promql SLO, pulled from a Prometheus-compatible API with range queries (step 60 s).
//
// The exact path: when an expression is a sum of `increase(selector[{{window}}])` (domain/promql countSelectors), pave
// asks for the selectors' raw samples (a range-vector query) and computes each minute's growth itself
// (domain/promql-increase: resets and gaps handled, no extrapolation). Any other expression is asked for at a window of
// one minute with a range query (step 60 s) and its per-minute values are taken as they come (Prometheus extrapolates
// them; documented as inexact).
import { countSelectors, promqlForWindow, usesRate, type VectorSelector } from '../domain/promql.js';
import { minuteIncreases, minuteValues, type MatrixSeries, type MinuteIncreases } from '../domain/promql-increase.js';
import type { Counts } from '../domain/slo/series.js';
import type { PrometheusConnection } from '../config/kinds/data-source.js';

const MINUTE_MS = 60_000;
/** Prometheus refuses more than 11,000 points per series in a range query; pull at most this many minutes per query. */
export const MAX_MINUTES_PER_QUERY = 10_000;
/** Raw samples are asked for from this long before a range, so every series has a baseline (Prometheus' lookback). */
const BASELINE_MS = 5 * MINUTE_MS;

export class PrometheusUnavailable extends Error {
  override name = 'PrometheusUnavailable';
}

export interface PromqlIndicator {
  dataSource: string;
  good?: string;
  bad?: string;
  total: string;
}

/** How to fetch (tests and the benchmark may pass their own). */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export interface PrometheusClientOptions {
  retries?: number;
  /** Backoff before retry n (1-based): base × 2^(n−1) ms. */
  backoffMs?: number;
  fetch?: Fetch;
}

/** A range query with step 60 s over [fromMs, toMs]. */
export function queryRange(conn: PrometheusConnection, expr: string, fromMs: number, toMs: number, options: PrometheusClientOptions = {}): Promise<MatrixSeries[]> {
  return query(conn, 'query_range', { query: expr, start: String(fromMs / 1000), end: String(toMs / 1000), step: '60' }, options);
}

/** The raw samples of a selector in (fromMs, toMs]: an instant query of a range vector at toMs. */
export function rawSamples(conn: PrometheusConnection, selector: string, fromMs: number, toMs: number, options: PrometheusClientOptions = {}): Promise<MatrixSeries[]> {
  const seconds = Math.ceil((toMs - fromMs) / 1000);
  return query(conn, 'query', { query: `${selector}[${seconds}s]`, time: String(toMs / 1000) }, options);
}

/** A query answering a matrix, retried on network errors, 5xx and 429. */
async function query(conn: PrometheusConnection, endpoint: string, params: Record<string, string>, options: PrometheusClientOptions): Promise<MatrixSeries[]> {
  const retries = options.retries ?? 2;
  const doFetch = options.fetch ?? fetch;
  const expr = params.query;
  const body = new URLSearchParams(params);
  let lastError = '';
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, (options.backoffMs ?? 500) * 2 ** (attempt - 1)));
    let res: Response;
    try {
      res = await doFetch(`${conn.url}/api/v1/${endpoint}`, {
        method: 'POST',
        headers: { ...conn.headers, 'content-type': 'application/x-www-form-urlencoded' },
        body,
        signal: AbortSignal.timeout(conn.timeoutMs),
      });
    } catch (err) {
      lastError = `${conn.url}: ${(err as Error).message}`;
      continue;
    }
    const text = await res.text();
    let json: { status?: string; error?: string; data?: { resultType?: string; result?: MatrixSeries[] } } = {};
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      // Not JSON (a proxy's error page): reported below with the status.
    }
    if (res.ok && json.status === 'success' && json.data?.resultType === 'matrix') return json.data.result ?? [];
    lastError = `${conn.url} answered ${res.status}: ${json.error ?? text.slice(0, 200)}`;
    // A bad query does not get better by asking again.
    if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new Error(`Prometheus refused the query ${expr}: ${lastError}`);
  }
  throw new PrometheusUnavailable(lastError);
}

/** PromQL for a selector: `name{label="value",...}` with values escaped. */
export function selectorText(s: VectorSelector): string {
  const matchers = s.matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`);
  return matchers.length ? `${s.name}{${matchers.join(',')}}` : s.name;
}

/** One expression's per-minute counts over [fromMs, toMs), in chunks Prometheus accepts. */
async function pullExpression(
  conn: PrometheusConnection,
  expr: string,
  fromMs: number,
  toMs: number,
  options: PrometheusClientOptions,
  onChunk: (minutes: number) => void,
): Promise<MinuteIncreases[]> {
  const selectors = countSelectors(expr);
  const parts: MinuteIncreases[] = [];
  for (let from = fromMs; from < toMs; from += MAX_MINUTES_PER_QUERY * MINUTE_MS) {
    const to = Math.min(toMs, from + MAX_MINUTES_PER_QUERY * MINUTE_MS);
    if (selectors) {
      const series: MatrixSeries[] = [];
      for (const s of selectors) series.push(...(await rawSamples(conn, selectorText(s), from - BASELINE_MS, to, options)));
      parts.push(minuteIncreases(series, from, to));
    } else {
      // Per-second rates over a minute are events per second: × 60 gives the minute's events.
      const scaled = usesRate(expr) ? `(${promqlForWindow(expr, 1)}) * 60` : promqlForWindow(expr, 1);
      parts.push(minuteValues(await queryRange(conn, scaled, from, to, options), from, to));
    }
    onChunk((to - from) / MINUTE_MS);
  }
  return parts;
}

/** Whether every expression of the indicator is pulled exactly (see the file comment). */
export function isExact(indicator: PromqlIndicator): boolean {
  return [indicator.good, indicator.bad, indicator.total].every((e) => e === undefined || countSelectors(e) !== null);
}

/**
 * The SLO's per-minute counts over [fromMs, toMs): total from `total`, good from `good` or as total − bad, good
 * clamped into [0, total] (counted as `clamped`). A minute without data for total has no data.
 */
export async function pullMinutes(
  conn: PrometheusConnection,
  indicator: PromqlIndicator,
  fromMs: number,
  toMs: number,
  options: PrometheusClientOptions = {},
  onProgress?: (doneMinutes: number, totalMinutes: number) => void,
): Promise<{ counts: Map<number, Counts>; clamped: number }> {
  const counts = new Map<number, Counts>();
  let clamped = 0;
  if (toMs <= fromMs) return { counts, clamped };
  // Two expressions over the range: progress counts both.
  const all = (2 * (toMs - fromMs)) / MINUTE_MS;
  let done = 0;
  const onChunk = (minutes: number) => onProgress?.((done += minutes), all);
  const total = await pullExpression(conn, indicator.total, fromMs, toMs, options, onChunk);
  const other = await pullExpression(conn, (indicator.good ?? indicator.bad)!, fromMs, toMs, options, onChunk);
  const isBad = indicator.good === undefined;
  total.forEach((t, p) => {
    const o = other[p]!;
    for (let i = 0; i < t.events.length; i++) {
      if (!t.hasData[i]) continue;
      const tot = t.events[i]!;
      const raw = isBad ? tot - o.events[i]! : o.events[i]!;
      const good = Math.min(Math.max(0, raw), tot);
      if (good !== raw) clamped++;
      counts.set(t.fromMs + i * MINUTE_MS, { good, total: tot });
    }
  });
  return { counts, clamped };
}
