// The wire form of an SLO evaluation: times as ISO 8601, numbers as computed, nothing internal.
import type { SloResult } from '../engine/slo-engine.js';
import type { SloEvaluation } from '../domain/slo/evaluate.js';

const iso = (ms: number) => new Date(ms).toISOString();

export function evaluationReport(e: SloEvaluation) {
  return {
    at: iso(e.at),
    window: { start: iso(e.window.start), end: iso(e.window.end), periodStart: iso(e.window.periodStart), periodEnd: iso(e.window.periodEnd), periodMinutes: e.periodMinutes },
    measured: { from: iso(e.measuredFrom), to: iso(e.measuredTo) },
    method: e.method,
    unit: e.unit,
    measurement: { good: e.measurement.good, bad: e.measurement.bad, events: e.measurement.events, dataMinutes: e.measurement.dataMinutes, includedMinutes: e.measurement.includedMinutes, slices: e.measurement.slices },
    sli: e.sli,
    budget: e.budget,
    burnRates: e.burnRates,
    timeToExhaustionMinutes: e.timeToExhaustionMinutes,
    exhaustionWindowMinutes: e.exhaustionWindowMinutes,
    tiers: e.tiers,
    noData: e.noData,
    status: e.status,
    statusReason: e.statusReason,
  };
}

/** Full report of one SLO's latest result. */
export function sloReport(r: SloResult) {
  if (r.kind === 'invalid') return { kind: r.kind, status: 'invalid', errors: r.errors };
  if (r.kind === 'composite') {
    return {
      kind: r.kind,
      at: iso(r.at),
      periodMinutes: r.periodMinutes,
      ...r.evaluation,
      components: r.components.map((c) => ({ name: c.name, sli: c.sli, status: c.status })),
    };
  }
  const source = r.source && {
    dataSource: r.source.dataSource,
    exact: r.source.exact,
    failing: r.source.failing ? { since: iso(r.source.failing.since), message: r.source.failing.message } : null,
  };
  return { kind: r.kind, ...evaluationReport(r.evaluation), clampedMinutes: r.clampedMinutes, ...(source ? { source } : {}) };
}

/** The few figures a list or a catalog badge needs. */
export function sloSummary(r: SloResult | undefined) {
  if (!r) return { status: 'pending' };
  if (r.kind === 'invalid') return { status: 'invalid', errors: r.errors };
  const e = r.evaluation;
  const burn1h = e.burnRates.find((b) => b.label === '1h')?.burnRate ?? null;
  const firing = r.kind === 'simple' ? r.evaluation.tiers.filter((t) => t.firing).map((t) => t.id) : [];
  return {
    status: e.status,
    sli: e.sli,
    remainingFraction: r.kind === 'composite' ? r.evaluation.remainingFraction : r.evaluation.budget.remainingFraction,
    burnRate1h: burn1h,
    timeToExhaustionMinutes: e.timeToExhaustionMinutes,
    firing,
  };
}
