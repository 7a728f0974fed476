// What Prometheus rules for one SLO must say, decided once from the catalog: the windows to record, the tiers with
// their exact thresholds (from the same compileSlo / tierForPeriod as pave's engine), and the labels and texts of the
// alerts. Pure: catalog objects in, a plan out; ./generate.ts writes it as rules, ./promtool-tests.ts tests it.

import type { ServiceSpec } from '../config/kinds/service.js';
import { sloDefinition, type SloSpec } from '../config/kinds/slo.js';
import type { ConfigObject } from '../domain/objects.js';
import { BURN_WINDOWS } from '../domain/slo/burn.js';
import { formatFraction, fraction, multiply, valueOf, type Fraction } from '../domain/slo/decimal.js';
import { compileSlo } from '../domain/slo/definition.js';
import type { Objective } from '../domain/slo/objective.js';
import { tierForPeriod, type Tier } from '../domain/slo/tiers.js';
import { promDuration } from '../domain/promql.js';
import { MINUTES_PER_DAY } from '../domain/time/duration.js';
import type { CalendarUnit, WindowSpec } from '../domain/time/window.js';

/** A promql indicator as the SLO kind stores it. */
export interface PromqlIndicator {
  dataSource: string;
  good?: string;
  bad?: string;
  total: string;
}

/** Everything the rule and test writers need about one SLO. */
export interface SloRulePlan {
  slo: string;
  service: string;
  /** The service's owning team; empty when the service is not in the catalog given. */
  team: string;
  indicator: PromqlIndicator;
  objective: Objective;
  window: WindowSpec;
  /** Windows recorded directly from the indicator's expressions, ascending minutes: the burn and tier windows. */
  burnWindows: number[];
  /**
   * The rolling SLO window and how its counts are recorded: already a burn window; `tiled`, as the sum of its 5-minute
   * increases; or `direct`, from the expressions (a window that is no whole number of 5 minutes). Null for calendar
   * windows, which PromQL cannot express.
   */
  sloWindow: { minutes: number; source: 'burn' | 'tiled' | 'direct' } | null;
  /** Period length the tiers' factors are resolved for (the rolling window, or the shortest calendar period). */
  periodMinutes: number;
  tiers: Tier[];
  minEvents: number;
  /** Minutes of silence before the no-data alert; null when the SLO raises none. */
  noDataAfterMinutes: number | null;
  runbook: string | null;
  link: string;
  /** Facts worth a comment at the top of the rule file. */
  notes: string[];
}

export type PlanResult = { ok: true; plan: SloRulePlan } | { ok: false; reason: string };

/** Each tile of the SLO window's sum; the 5m burn window's recording is reused. */
export const TILE_MINUTES = 5;

/**
 * The shortest length of a calendar period, in whole days. PromQL has no time zones and cannot tell how long the
 * current month is in Europe/Paris, so budget-share factors use the shortest period: the rules then fire whenever
 * pave's engine would (k = b·P/L grows with P), a little earlier in longer periods.
 */
export const SHORTEST_CALENDAR_PERIOD: Record<CalendarUnit, number> = {
  week: 7 * MINUTES_PER_DAY,
  month: 28 * MINUTES_PER_DAY,
  quarter: 90 * MINUTES_PER_DAY,
  year: 365 * MINUTES_PER_DAY,
};

/** Where pave shows the SLO. Until the web UI exists, its API resource. */
export function sloLink(paveUrl: string, slo: string): string {
  return `${paveUrl.replace(/\/+$/, '')}/api/v1/slos/${encodeURIComponent(slo)}`;
}

/** A human description of the window: `30d`, `calendar month (Europe/Paris)`. */
export function windowText(w: WindowSpec): string {
  return 'rolling' in w ? promDuration(w.rolling) : `calendar ${w.calendar} (${w.timezone})`;
}

/** A percentage of a fraction, exact when it terminates (0.0144 → `1.44`), else to 4 significant digits. */
export function percentText(f: Fraction): string {
  const p = multiply(f, fraction(100, 1));
  const exact = formatFraction(p);
  return exact.length <= 12 ? exact : String(Number(valueOf(p).toPrecision(4)));
}

export function planSloRules(
  slo: ConfigObject<SloSpec>,
  service: ConfigObject<ServiceSpec> | undefined,
  options: { paveUrl: string },
): PlanResult {
  const name = slo.metadata.name;
  const indicator = slo.spec.indicator.promql;
  if (!indicator) return { ok: false, reason: 'its indicator is not promql: pave evaluates it from its own ingest' };
  if (slo.spec.budgeting !== 'occurrences') {
    return {
      ok: false,
      reason: `it uses ${slo.spec.budgeting} budgeting, which counts good and bad minutes; Prometheus rules count events (occurrences), so their alerts would not be pave's`,
    };
  }
  const compiled = compileSlo(sloDefinition(slo));
  if (!compiled.ok) return { ok: false, reason: `it is invalid: ${compiled.errors.join('; ')}` };
  const c = compiled.slo;
  // The default tiers pave leaves out for this SLO (e.g. a 1h page that could never fire at 90%) are left out here too.
  const notes: string[] = compiled.notes.filter((n) => n.includes('tier')).map((n) => `As in pave, ${n}`);
  const window = c.window;
  let periodMinutes: number;
  if ('rolling' in window) periodMinutes = window.rolling;
  else {
    periodMinutes = SHORTEST_CALENDAR_PERIOD[window.calendar];
    const scaled = c.tiers.some((t) => t.factor === null);
    notes.push(
      `The SLO window is a calendar ${window.calendar} in ${window.timezone}. PromQL range vectors are rolling and know no time zones, ` +
        `so these rules record no SLO-window ratio (read the budget from pave). The burn-rate alerts depend only on rolling windows` +
        (scaled
          ? `, and are pave's except that budget-share factors (k = b·P/L) use the shortest ${window.calendar}, ${promDuration(periodMinutes)}: ` +
            `in longer periods pave's engine uses a slightly higher k, so these rules fire whenever pave does, and a little earlier.`
          : ' and fixed factors: they are exactly pave\'s.'),
    );
  }
  const tiers = c.tiers.map((t) => tierForPeriod(t, c.objective, periodMinutes));
  const burnWindows = [...new Set([...BURN_WINDOWS, ...tiers.flatMap((t) => [t.long, t.short])])].sort((a, b) => a - b);
  let sloWindow: SloRulePlan['sloWindow'] = null;
  if ('rolling' in window) {
    const minutes = window.rolling;
    sloWindow = { minutes, source: burnWindows.includes(minutes) ? 'burn' : minutes % TILE_MINUTES === 0 ? 'tiled' : 'direct' };
  }
  if (c.startMs !== null) notes.push(`startDate is not applied: windows here include data from before ${new Date(c.startMs).toISOString()}.`);
  return {
    ok: true,
    plan: {
      slo: name,
      service: slo.spec.service,
      team: service?.spec.owner ?? '',
      indicator,
      objective: c.objective,
      window,
      burnWindows,
      sloWindow,
      periodMinutes,
      tiers,
      minEvents: c.minEvents,
      noDataAfterMinutes: c.noDataAfterMinutes,
      runbook: slo.spec.runbook ?? service?.spec.runbook ?? null,
      link: sloLink(options.paveUrl, name),
      notes,
    },
  };
}
