// How an SLO's indicator reads the stored series: each SLO's good and total per minute are sums of series columns.
import { compileMatchers, type Labels } from './labels.js';

/** The parts of an SLO indicator this module needs (the config kind's shape). */
export interface IndicatorSpec {
  ratio?: { good?: Selector; bad?: Selector; total: Selector };
  latency?: { series: string; match?: Record<string, string>; threshold: number };
  events?: { series: string; match?: Record<string, string>; good: { status: string[]; maxLatencyMs?: number }; excludeClientErrors: boolean };
  composite?: unknown;
}

interface Selector {
  series: string;
  match?: Record<string, string>;
}

export interface SeriesInfo {
  id: string;
  name: string;
  labels: Labels;
}

/** One series column added to (or, for `bad`, subtracted from) the SLO's good or total. */
export interface Term {
  seriesId: string;
  /** `good` and `total` read that column; `bad` reads total − good. */
  column: 'good' | 'total' | 'bad';
  into: 'good' | 'total';
  sign: 1 | -1;
}

/** The series names an indicator reads (to load only those). */
export function indicatorSeriesNames(i: IndicatorSpec): string[] {
  if (i.ratio) return [...new Set([i.ratio.total.series, (i.ratio.good ?? i.ratio.bad)!.series])];
  if (i.latency) return [i.latency.series];
  if (i.events) return [i.events.series];
  return [];
}

function pick(series: SeriesInfo[], name: string, match: Record<string, string> | undefined, extra: (l: Labels) => boolean = () => true): SeriesInfo[] {
  const m = compileMatchers(match);
  return series.filter((s) => s.name === name && m(s.labels) && extra(s.labels));
}

function statusMatches(status: string | undefined, patterns: string[]): boolean {
  if (!status) return false;
  return patterns.some((p) => (p.endsWith('xx') ? status[0] === p[0] : status === p));
}

/**
 * Terms for an indicator over the known series. Ratio: good sums the good column of the good selector (or total minus
 * the bad selector's bad events); total sums the total column. Latency: good is the `le` bucket at the threshold, total
 * the `+Inf` bucket. Events: total counts every status (4xx left out when excluded); good counts the good statuses,
 * within the latency threshold when one is set.
 */
export function indicatorTerms(i: IndicatorSpec, series: SeriesInfo[]): Term[] {
  const terms: Term[] = [];
  const add = (list: SeriesInfo[], column: Term['column'], into: Term['into'], sign: 1 | -1 = 1) =>
    list.forEach((s) => terms.push({ seriesId: s.id, column, into, sign }));
  if (i.ratio) {
    const total = pick(series, i.ratio.total.series, i.ratio.total.match);
    add(total, 'total', 'total');
    if (i.ratio.good) add(pick(series, i.ratio.good.series, i.ratio.good.match), 'good', 'good');
    else {
      add(total, 'total', 'good');
      add(pick(series, i.ratio.bad!.series, i.ratio.bad!.match), 'bad', 'good', -1);
    }
  } else if (i.latency) {
    const le = String(i.latency.threshold);
    add(pick(series, i.latency.series, i.latency.match, (l) => l.le === le), 'total', 'good');
    add(pick(series, i.latency.series, i.latency.match, (l) => l.le === '+Inf'), 'total', 'total');
  } else if (i.events) {
    const e = i.events;
    const counted = (l: Labels) => l.status !== undefined && !(e.excludeClientErrors && l.status[0] === '4');
    add(pick(series, e.series, e.match, (l) => counted(l) && l.le === undefined), 'total', 'total');
    const le = e.good.maxLatencyMs === undefined ? undefined : String(e.good.maxLatencyMs);
    add(pick(series, e.series, e.match, (l) => counted(l) && statusMatches(l.status, e.good.status) && l.le === le), 'total', 'good');
  }
  return terms;
}

/** Folds one series' counts into the SLO's counts according to the terms that read it. */
export function applyTerms(terms: readonly Term[], good: number, total: number, into: { good: number; total: number }): void {
  for (const t of terms) {
    const v = t.column === 'good' ? good : t.column === 'total' ? total : total - good;
    into[t.into] += t.sign * v;
  }
}
