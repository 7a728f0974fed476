// The impact of an incident on each SLO of its services: the error budget consumed during the incident window, the
// bad events, the duration. Exactly the SLO engine's arithmetic (domain/slo measure + budget): the incident window is
// measured like any other window (corrections excluded, data before the SLO start ignored, whole slices for timeslice
// methods) and its bad amount is divided by the budget of the SLO's period at the incident's end:
//   occurrences:       consumed = bad events in the incident / (B × events in the SLO window at the incident's end)
//   timeslice methods: consumed = bad minutes in the incident / (B × period minutes)
import { consumedFractionOf } from '../slo/budget.js';
import { excludedRanges } from '../slo/corrections.js';
import type { CompiledSlo } from '../slo/definition.js';
import { measure } from '../slo/measure.js';
import { includedRanges, rangesMinutes, type TimeRange } from '../slo/ranges.js';
import type { CountSeries } from '../slo/series.js';
import { periodMinutes, windowAt } from '../time/window.js';

const MINUTE_MS = 60_000;

export interface SloImpact {
  slo: string;
  service: string;
  objectivePercent: string;
  method: CompiledSlo['method'];
  /** The window measured, [from, to): the incident window on whole minutes (whole slices), from the SLO's start. */
  from: string;
  to: string;
  durationMinutes: number;
  /** Minutes of the window a correction excluded. */
  excludedMinutes: number;
  /** Events in the included minutes, and how many were bad (total − good). */
  events: number;
  badEvents: number;
  /** The budget's unit and the bad amount in it (bad events, or bad minutes for timeslice methods). */
  unit: 'events' | 'minutes';
  bad: number;
  /** The SLO period's allowed bad amount at the incident's end, in `unit`. */
  budgetTotal: number;
  /** Share of that budget the incident consumed (1 = all of it). */
  budgetConsumedFraction: number;
}

/** The incident window on the SLO's grid: whole minutes (whole slices for timeslice methods), from the SLO's start. */
export function impactWindow(slo: CompiledSlo, fromMs: number, toMs: number): { from: number; to: number } {
  const grid = (slo.slice?.minutes ?? 1) * MINUTE_MS;
  let from = Math.floor(fromMs / grid) * grid;
  const to = Math.ceil(toMs / grid) * grid;
  if (slo.startMs !== null && from < slo.startMs) from = Math.min(to, Math.ceil(slo.startMs / grid) * grid);
  return { from, to: Math.max(from, to) };
}

/**
 * The ranges whose events make the occurrences budget at the incident's end: the SLO window at `toMs` (from the SLO's
 * start), minus corrections. The caller sums them from the store (store/sli sumCounts) and passes the event total in.
 */
export function budgetBasisRanges(slo: CompiledSlo, toMs: number): TimeRange[] {
  const w = windowAt(slo.window, toMs);
  const start = slo.startMs !== null ? Math.max(w.start, slo.startMs) : w.start;
  if (w.end <= start) return [];
  return includedRanges(start, w.end, excludedRanges(slo.corrections, start, w.end));
}

/**
 * Impact of the incident window [fromMs, toMs) on one SLO. `series` must cover the measured window (see impactWindow);
 * `windowEvents` is the number of events in budgetBasisRanges(slo, to) (occurrences only; ignored otherwise).
 */
export function sloImpact(input: { slo: CompiledSlo; service: string; fromMs: number; toMs: number; series: CountSeries; windowEvents: number }): SloImpact {
  const { slo } = input;
  const { from, to } = impactWindow(slo, input.fromMs, input.toMs);
  const excluded = excludedRanges(slo.corrections, from, to);
  const m = measure({ method: slo.method, slice: slo.slice, noData: slo.noData, series: input.series, excluded }, from, to);
  let good = 0;
  let events = 0;
  for (const r of includedRanges(from, to, excluded)) {
    const s = input.series.sum(r.start, r.end);
    good += s.good;
    events += s.total;
  }
  // The window at the incident's end is the one whose budget the incident spent (the engine's window at that instant).
  const basis = slo.method === 'occurrences' ? input.windowEvents : periodMinutes(windowAt(slo.window, to));
  const { num, den } = slo.objective.budgetFraction;
  return {
    slo: slo.name,
    service: input.service,
    objectivePercent: slo.objective.percent,
    method: slo.method,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    durationMinutes: (to - from) / MINUTE_MS,
    excludedMinutes: rangesMinutes(excluded),
    events,
    badEvents: events - good,
    unit: m.unit,
    bad: m.bad,
    budgetTotal: (basis * num) / den,
    budgetConsumedFraction: consumedFractionOf(slo.objective, basis, m.bad),
  };
}
