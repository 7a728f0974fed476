// The SLO definition the math works on (the config kind maps YAML onto it), and its compilation: validate once when
// the configuration changes, so each evaluation cycle only does arithmetic.

import { checkWindowSpec, isRolling, type WindowSpec } from '../time/window.js';
import { checkCorrection, type Correction } from './corrections.js';
import { fraction, multiply, parseDecimal } from './decimal.js';
import { parseObjective, type Objective } from './objective.js';
import type { SliceSpec } from './series.js';
import { compileTiers, type TierRule, type TierSpec } from './tiers.js';

export type BudgetingMethod = 'occurrences' | 'timeslices' | 'ratioTimeslices';
export const budgetingMethods: readonly BudgetingMethod[] = ['occurrences', 'timeslices', 'ratioTimeslices'];

/** What a timeslice with no data counts as: bad, good, or not at all. Occurrences have no slices and ignore it. */
export type NoDataRule = 'bad' | 'good' | 'ignore';
export const noDataRules: readonly NoDataRule[] = ['bad', 'good', 'ignore'];

export interface SloDefinition {
  /** Used in alert identities. */
  name: string;
  /** Percent, strictly between 0 and 100, e.g. 99.9 (or "99.9"). */
  objective: number | string;
  window: WindowSpec;
  budgeting: BudgetingMethod;
  /** Slice length in minutes (default 1; must divide a day) and, for `timeslices`, the per-slice threshold in percent. */
  timeslice?: { minutes?: number; thresholdPercent?: number | string };
  /** Default `ignore`. */
  noData?: NoDataRule;
  /** Events the long window of a tier must hold before it may fire. Default 0. */
  minEvents?: number;
  /** Epoch ms; data before it is ignored (the SLO's launch). */
  startMs?: number;
  corrections?: readonly Correction[];
  /** Alert tiers; undefined = the defaults scaled to the period, [] = no burn-rate alerts. */
  tiers?: readonly TierSpec[];
  /** Status turns `warning` when the remaining budget fraction is below this. Default 0.25. */
  warningBelow?: number;
  /** Raise a no-data alert after this many minutes without any sample. Undefined: no such alert. */
  noDataAfterMinutes?: number;
  /** The burn window (minutes) time to exhaustion extrapolates. Default 60. */
  exhaustionWindowMinutes?: number;
}

export interface CompiledSlo {
  name: string;
  objective: Objective;
  window: WindowSpec;
  method: BudgetingMethod;
  /** For timeslice methods; null for occurrences. */
  slice: SliceSpec | null;
  noData: NoDataRule;
  minEvents: number;
  /** Minute-aligned (rounded up); null when unset. */
  startMs: number | null;
  corrections: readonly Correction[];
  tiers: TierRule[];
  warningBelow: number;
  noDataAfterMinutes: number | null;
  exhaustionWindowMinutes: number;
}

export type CompileResult =
  | { ok: true; slo: CompiledSlo; notes: string[] }
  | { ok: false; errors: string[] };

const MINUTE_MS = 60_000;

/** Validates and compiles a definition. Errors and notes are messages that name the field. */
export function compileSlo(def: SloDefinition): CompileResult {
  const errors: string[] = [];
  const notes: string[] = [];
  if (typeof def.name !== 'string' || def.name === '') errors.push('name: required');

  let objective: Objective | null = null;
  try {
    objective = parseObjective(def.objective);
  } catch (e) {
    errors.push(`objective: ${(e as Error).message}`);
  }

  errors.push(...checkWindowSpec(def.window).map((m) => `window: ${m}`));
  if (!budgetingMethods.includes(def.budgeting)) {
    errors.push(`budgeting: must be one of ${budgetingMethods.join(', ')}, got '${String(def.budgeting)}'`);
  }

  const noData = def.noData ?? 'ignore';
  if (!noDataRules.includes(noData)) errors.push(`noData: must be bad, good or ignore, got '${String(noData)}'`);

  let slice: SliceSpec | null = null;
  const sliceMinutes = def.timeslice?.minutes ?? 1;
  if (def.budgeting === 'occurrences') {
    if (def.timeslice) notes.push('timeslice: ignored by occurrences budgeting');
    if (def.noData && def.noData !== 'ignore') notes.push('noData: applies to timeslices only; occurrences just count events');
  } else {
    if (!Number.isSafeInteger(sliceMinutes) || sliceMinutes <= 0 || 1_440 % sliceMinutes !== 0) {
      errors.push(`timeslice.minutes: must be a whole number of minutes that divides a day (1, 5, 10, 15, 30, 60…), got ${sliceMinutes}`);
    }
    let threshold = fraction(1, 1);
    if (def.budgeting === 'timeslices') {
      const t = def.timeslice?.thresholdPercent;
      if (t === undefined) errors.push('timeslice.thresholdPercent: required for timeslices (the share of good events a slice needs, e.g. 95)');
      else {
        try {
          const p = parseDecimal(t, 'timeslice.thresholdPercent');
          if (p.num === 0 || p.num > 100 * p.den) errors.push('timeslice.thresholdPercent: must be above 0 and at most 100');
          threshold = multiply(p, fraction(1, 100));
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
    } else if (def.timeslice?.thresholdPercent !== undefined) {
      notes.push('timeslice.thresholdPercent: ignored by ratioTimeslices (each slice counts by its own ratio)');
    }
    slice = { minutes: sliceMinutes, threshold };
  }

  const minEvents = def.minEvents ?? 0;
  if (!(Number.isFinite(minEvents) && minEvents >= 0)) errors.push(`minEvents: must be 0 or more, got ${minEvents}`);
  if (def.startMs !== undefined && !Number.isFinite(def.startMs)) errors.push('startMs: must be a time');
  const warningBelow = def.warningBelow ?? 0.25;
  if (!(warningBelow >= 0 && warningBelow <= 1)) errors.push(`warningBelow: must be a fraction from 0 to 1, got ${warningBelow}`);
  const noDataAfter = def.noDataAfterMinutes ?? null;
  if (noDataAfter !== null && !(Number.isSafeInteger(noDataAfter) && noDataAfter > 0)) {
    errors.push(`noDataAfter: must be a positive whole number of minutes, got ${noDataAfter}`);
  }
  const exhaustion = def.exhaustionWindowMinutes ?? 60;
  if (!(Number.isSafeInteger(exhaustion) && exhaustion > 0)) errors.push(`exhaustionWindow: must be a positive whole number of minutes`);

  const corrections = def.corrections ?? [];
  corrections.forEach((c, i) => errors.push(...checkCorrection(c).map((m) => `corrections[${i}].${m}`)));

  let tiers: TierRule[] = [];
  if (objective && checkWindowSpec(def.window).length === 0) {
    const compiled = compileTiers(def.tiers, objective, def.window, slice?.minutes ?? 1);
    errors.push(...compiled.errors);
    notes.push(...compiled.dropped.map((d) => `${d} (left out)`));
    tiers = compiled.rules;
  }
  if (isRolling(def.window) && slice && def.window.rolling % slice.minutes !== 0) {
    errors.push('window: a rolling window must be a whole number of timeslices');
  }

  if (errors.length > 0 || !objective) return { ok: false, errors };
  return {
    ok: true,
    notes,
    slo: {
      name: def.name,
      objective,
      window: def.window,
      method: def.budgeting,
      slice,
      noData,
      minEvents,
      startMs: def.startMs === undefined ? null : Math.ceil(def.startMs / MINUTE_MS) * MINUTE_MS,
      corrections,
      tiers,
      warningBelow,
      noDataAfterMinutes: noDataAfter,
      exhaustionWindowMinutes: exhaustion,
    },
  };
}
