// The no-data alert: a silent SLI must not look healthy. It fires when no sample at all (not even a zero-traffic one)
// arrived during the last D minutes, all of which were measurable: after the SLO's start and outside corrections
// (silence during maintenance is expected). One series.sum() call.

import { MINUTE_MS } from '../time/zone.js';
import { overlapsAny, type TimeRange } from './ranges.js';
import type { CountSeries } from './series.js';

export interface NoDataEvaluation {
  /** Stable alert identity: `${slo}:no_data`. */
  id: string;
  afterMinutes: number;
  /** Minutes with a sample in the last afterMinutes. */
  dataMinutes: number;
  firing: boolean;
}

export function noDataAlertId(sloName: string): string {
  return `${sloName}:no_data`;
}

export function evaluateNoData(
  sloName: string,
  series: CountSeries,
  endMs: number,
  afterMinutes: number,
  startMs: number | null,
  excluded: readonly TimeRange[],
): NoDataEvaluation {
  const from = endMs - afterMinutes * MINUTE_MS;
  const { dataMinutes } = series.sum(from, endMs);
  return { id: noDataAlertId(sloName), afterMinutes, dataMinutes, firing: noDataFires(endMs, afterMinutes, startMs, excluded, dataMinutes) };
}

/** The firing rule: no sample in the last afterMinutes, all of them measurable (after the start, outside corrections). */
export function noDataFires(endMs: number, afterMinutes: number, startMs: number | null, excluded: readonly TimeRange[], dataMinutes: number): boolean {
  const from = endMs - afterMinutes * MINUTE_MS;
  return dataMinutes === 0 && (startMs === null || startMs <= from) && !overlapsAny(excluded, from, endMs);
}
