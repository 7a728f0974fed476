// Multi-window, multi-burn-rate alert tiers (SRE Workbook ch. 5, REFERENCE §1). A tier watches a long window L and a
// short window S; it fires when both error ratios exceed k·B and L saw at least minEvents events. The factor is
// either given or derived from a budget share b: k = b·P/L (P the period), so a tier scales with the period.

import { formatDuration } from '../time/duration.js';
import { periodRange, type WindowSpec } from '../time/window.js';
import { compare, formatFraction, fraction, multiply, parseDecimal, valueOf, type Fraction } from './decimal.js';
import type { Objective } from './objective.js';

export type Severity = 'page' | 'ticket';
export const severities: readonly Severity[] = ['page', 'ticket'];

/** A tier as configured. Exactly one of `factor` and `budgetPercent`. Windows in minutes. */
export interface TierSpec {
  severity: Severity;
  long: number;
  /** Defaults to long/12 rounded to a whole minute (at least 1). */
  short?: number;
  /** k, the burn rate that fires: e.g. 14.4. */
  factor?: number | string;
  /** b in percent: the share of the period's budget that may burn within the long window, e.g. 2. */
  budgetPercent?: number | string;
}

/** The defaults of REFERENCE §1; with a 30-day period they give 14.4, 6, 3 and 1. */
export const DEFAULT_TIERS: readonly TierSpec[] = [
  { severity: 'page', long: 60, short: 5, budgetPercent: 2 },
  { severity: 'page', long: 360, short: 30, budgetPercent: 5 },
  { severity: 'ticket', long: 1_440, short: 120, budgetPercent: 10 },
  { severity: 'ticket', long: 4_320, short: 360, budgetPercent: 10 },
];

/** A validated tier, independent of the period: its factor is fixed or its budget share is (as an exact fraction). */
export interface TierRule {
  severity: Severity;
  long: number;
  short: number;
  factor: Fraction | null;
  budgetShare: Fraction | null;
  /** `page:1h/5m`: the tier's part of its alert identity. */
  key: string;
}

/** A tier for one period length: factor k and threshold k·B, as numbers and exact fractions. */
export interface Tier extends TierRule {
  /** k; for a budget share b, b·P/L. */
  k: number;
  kFraction: Fraction;
  /** k·B: the error ratio both windows must exceed. */
  threshold: number;
  thresholdFraction: Fraction;
}

export interface TierCompilation {
  rules: TierRule[];
  /** Problems with configured tiers (the SLO is invalid). */
  errors: string[];
  /** Default tiers left out, and why (the SLO is valid; show these as notes). */
  dropped: string[];
}

export function defaultShort(long: number): number {
  return Math.max(1, Math.round(long / 12));
}

export function tierLabel(t: { severity: Severity; long: number; short: number }): string {
  return `${t.severity} ${formatDuration(t.long)}/${formatDuration(t.short)}`;
}

/** The identity of a tier's alert, stable across evaluations: `checkout-availability:page:1h/5m`. */
export function tierId(sloName: string, t: { severity: Severity; long: number; short: number }): string {
  return `${sloName}:${tierKey(t)}`;
}

export function tierKey(t: { severity: Severity; long: number; short: number }): string {
  return `${t.severity}:${formatDuration(t.long)}/${formatDuration(t.short)}`;
}

/** k for a rule over a period of `periodMinutes`, exactly. */
export function tierFactor(rule: TierRule, periodMinutes: number): Fraction {
  if (rule.factor) return rule.factor;
  const share = rule.budgetShare ?? fraction(0, 1);
  return multiply(share, fraction(periodMinutes, rule.long));
}

/** A rule resolved for one period: k = b·P/L (or the given factor) and the threshold k·B. */
export function tierForPeriod(rule: TierRule, objective: Objective, periodMinutes: number): Tier {
  const kFraction = tierFactor(rule, periodMinutes);
  const thresholdFraction = multiply(kFraction, objective.budgetFraction);
  return { ...rule, k: valueOf(kFraction), kFraction, threshold: valueOf(thresholdFraction), thresholdFraction };
}

/**
 * Validates configured tiers (or, when `specs` is undefined, takes the defaults) for an SLO with `objective` over
 * `window`. Configured tiers that can never fire, or that are malformed, are errors. Default tiers that do not fit
 * the SLO are dropped with a note: those whose long window is not shorter than the shortest period, and those that
 * can never fire (k·B ≥ 1 for the longest period, e.g. the 14.4 page tier of a 90% SLO).
 * For timeslice SLOs both windows must be whole numbers of slices (`sliceMinutes`).
 */
export function compileTiers(
  specs: readonly TierSpec[] | undefined,
  objective: Objective,
  window: WindowSpec,
  sliceMinutes = 1,
): TierCompilation {
  const defaults = specs === undefined;
  const list = specs ?? DEFAULT_TIERS;
  const { min: minPeriod, max: maxPeriod } = periodRange(window);
  const out: TierCompilation = { rules: [], errors: [], dropped: [] };
  const seen = new Set<string>();
  list.forEach((spec, i) => {
    const where = defaults ? `default tier` : `tiers[${i}]`;
    const problems: string[] = [];
    if (!severities.includes(spec.severity)) problems.push(`severity must be page or ticket, got '${String(spec.severity)}'`);
    if (!Number.isSafeInteger(spec.long) || spec.long <= 0) {
      out.errors.push(`${where}: long window must be a positive whole number of minutes, got ${spec.long}`);
      return;
    }
    const short = spec.short ?? defaultShort(spec.long);
    if (!Number.isSafeInteger(short) || short <= 0) {
      out.errors.push(`${where}: short window must be a positive whole number of minutes, got ${short}`);
      return;
    }
    const label = `${where} (${String(spec.severity)} ${formatDuration(spec.long)}/${formatDuration(short)})`;
    if (short >= spec.long) problems.push(`the short window must be shorter than the long window`);
    if (spec.long % sliceMinutes !== 0 || short % sliceMinutes !== 0) {
      problems.push(`both windows must be whole numbers of ${formatDuration(sliceMinutes)} timeslices`);
    }
    let factor: Fraction | null = null;
    let budgetShare: Fraction | null = null;
    if ((spec.factor === undefined) === (spec.budgetPercent === undefined)) {
      problems.push('give exactly one of factor (the burn rate, e.g. 14.4) and budgetPercent (e.g. 2)');
    } else {
      try {
        if (spec.factor !== undefined) {
          factor = parseDecimal(spec.factor, 'factor');
          if (factor.num === 0) problems.push('factor must be above 0');
        } else {
          const p = parseDecimal(spec.budgetPercent ?? 0, 'budgetPercent');
          budgetShare = multiply(p, fraction(1, 100));
          if (p.num === 0 || compare(p, fraction(100, 1)) > 0) problems.push('budgetPercent must be above 0 and at most 100');
        }
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
    if (problems.length === 0 && spec.long >= minPeriod) {
      const msg = `the long window is not shorter than the period (${formatDuration(minPeriod)}), so it is no early warning`;
      if (defaults) {
        out.dropped.push(`${label}: ${msg}`);
        return;
      }
      problems.push(msg);
    }
    const rule: TierRule = { severity: spec.severity, long: spec.long, short, factor, budgetShare, key: '' };
    rule.key = tierKey(rule);
    if (problems.length === 0) {
      const worst = tierForPeriod(rule, objective, maxPeriod);
      if (compare(worst.thresholdFraction, fraction(1, 1)) >= 0) {
        const msg =
          `can never fire: factor ${formatFraction(worst.kFraction)} × budget ${formatFraction(objective.budgetFraction)}` +
          ` = ${formatFraction(worst.thresholdFraction)} ≥ 1, and an error ratio cannot exceed 1` +
          ` (lower the factor, or raise the objective above ${String(objective.percent)}%)`;
        if (defaults) {
          out.dropped.push(`${label}: ${msg}`);
          return;
        }
        problems.push(msg);
      }
    }
    const key = `${String(spec.severity)}:${spec.long}/${short}`;
    if (problems.length === 0 && seen.has(key)) problems.push('the same severity and windows appear twice');
    seen.add(key);
    if (problems.length > 0) {
      out.errors.push(...problems.map((p) => `${label}: ${p}`));
      return;
    }
    out.rules.push(rule);
  });
  return out;
}

/** An error ratio over the last `minutes` and the events it saw. */
export interface WindowRatio {
  errorRatio: number | null;
  events: number;
}

export interface TierEvaluation {
  /** Stable alert identity, see tierId. */
  id: string;
  severity: Severity;
  long: number;
  short: number;
  k: number;
  threshold: number;
  longRatio: number | null;
  shortRatio: number | null;
  longEvents: number;
  minEvents: number;
  firing: boolean;
}

/** The firing rule of a tier: both error ratios above k·B (strictly) and enough events in the long window. */
export function tierFires(threshold: number, longRatio: number | null, shortRatio: number | null, longEvents: number, minEvents: number): boolean {
  return longRatio !== null && shortRatio !== null && longRatio > threshold && shortRatio > threshold && longEvents >= minEvents;
}

/**
 * Evaluates tiers against error ratios: a tier fires when errorRatio(L) > k·B and errorRatio(S) > k·B and
 * events(L) ≥ minEvents. `ratioAt(minutes)` measures the window of that length ending now. Both sides of each
 * comparison are single divisions of exact values, so a ratio exactly at the threshold does not fire.
 */
export function evaluateTiers(
  sloName: string,
  tiers: readonly Tier[],
  ratioAt: (minutes: number) => WindowRatio,
  minEvents: number,
): TierEvaluation[] {
  return tiers.map((t) => {
    const long = ratioAt(t.long);
    const short = ratioAt(t.short);
    const firing = tierFires(t.threshold, long.errorRatio, short.errorRatio, long.events, minEvents);
    return {
      id: `${sloName}:${t.key}`,
      severity: t.severity,
      long: t.long,
      short: t.short,
      k: t.k,
      threshold: t.threshold,
      longRatio: long.errorRatio,
      shortRatio: short.errorRatio,
      longEvents: long.events,
      minEvents,
      firing,
    };
  });
}

/** One line of arithmetic a person can check, e.g. for `pave slo explain`. */
export function explainTier(e: TierEvaluation): string {
  const l = formatDuration(e.long);
  const s = formatDuration(e.short);
  const ratio = (r: number | null) => (r === null ? 'no data' : String(r));
  const cmp = (r: number | null) => (r !== null && r > e.threshold ? '>' : '≤');
  return (
    `${e.severity} ${l}/${s} ${e.firing ? 'FIRING' : 'ok'}: threshold k·B = ${e.k} × B = ${e.threshold}; ` +
    `error ratio ${l} ${ratio(e.longRatio)} ${cmp(e.longRatio)} ${e.threshold}, ` +
    `${s} ${ratio(e.shortRatio)} ${cmp(e.shortRatio)} ${e.threshold}; ` +
    `events ${l} ${e.longEvents} ${e.longEvents >= e.minEvents ? '≥' : '<'} minEvents ${e.minEvents}`
  );
}
