// Prometheus recording and alerting rules for one SLO, from its plan (./model.ts). Pure: no I/O, no clock, the same
// text for the same catalog. Why each rule is written the way it is: docs/rules.md.
//
// Every recorded series carries one identity label, `slo`; service, team, objective and window live in the info metric
// `pave:slo_info`, so renaming a team or editing an objective never breaks a long-range rule (Sloth #311).

import { Document, isMap, isSeq, type YAMLMap } from 'yaml';
import { formatFraction, fraction, multiply, type Fraction } from '../domain/slo/decimal.js';
import { isPlainSum, promDuration, promqlForWindow } from '../domain/promql.js';
import { formatDuration } from '../domain/time/duration.js';
import type { Tier } from '../domain/slo/tiers.js';
import { percentText, TILE_MINUTES, windowText, type SloRulePlan } from './model.js';

export const BURN_ALERT = 'SLOErrorBudgetBurn';
export const NO_DATA_ALERT = 'SLONoData';

/** The names of what is recorded, per window (`5m`, `30d`). */
export const recorded = {
  events: (w: number) => `pave:slo_events:increase${promDuration(w)}`,
  errors: (w: number) => `pave:slo_errors:increase${promDuration(w)}`,
  errorRatio: (w: number) => `pave:slo_error_ratio:ratio${promDuration(w)}`,
  info: 'pave:slo_info',
  objective: 'pave:slo_objective',
  budget: 'pave:slo_error_budget',
  budgetRemaining: 'pave:slo_error_budget_remaining',
};

export interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: (RecordingRule | AlertingRule)[];
  /** Comments written above rules, by index. */
  comments: Map<number, string>;
}

/** A decimal literal of an exact fraction: `0.0144`, never `0.014400000000000001`. */
export function decimal(f: Fraction): string {
  return formatFraction(f);
}

/** A selector of a recorded series of this SLO. */
function series(name: string, plan: SloRulePlan): string {
  return `${name}{slo=${JSON.stringify(plan.slo)}}`;
}

/**
 * A Prometheus range just under `minutes`, so that a subquery `[range:5m]` holds exactly minutes/5 steps whether or not
 * the evaluation falls on a 5-minute boundary (Prometheus 2 includes both ends of a range, Prometheus 3 only the end).
 */
export function rangeJustUnder(minutes: number): string {
  return `${promDuration(minutes - 1)}59s999ms`;
}

/** An indicator expression at window `w`, summed into one label-free series (pave adds the `slo` label). */
function count(expr: string, w: number): string {
  const text = promqlForWindow(expr, w);
  return isPlainSum(text) ? text : `sum(${text})`;
}

/** Total events over `w`, from the indicator's total expression. */
function eventsExpr(plan: SloRulePlan, w: number): string {
  return count(plan.indicator.total, w);
}

/**
 * Bad events over `w`. A missing numerator counts as zero (a 100% outage has no good series at all, and must not
 * silence the alert); total − good is clamped at zero, as pave clamps good to total.
 */
function errorsExpr(plan: SloRulePlan, w: number): string {
  const i = plan.indicator;
  if (i.bad !== undefined) return `${count(i.bad, w)} or vector(0)`;
  return `clamp_min(${count(i.total, w)} - (${count(i.good!, w)} or vector(0)), 0)`;
}

/** bad / total, absent (not NaN) when the window holds no events: pave's "no error ratio". */
function ratioExpr(plan: SloRulePlan, w: number): string {
  return `${series(recorded.errors(w), plan)} / (${series(recorded.events(w), plan)} > 0)`;
}

function windowRules(plan: SloRulePlan, w: number, how: 'direct' | 'tiled'): RecordingRule[] {
  const labels = () => ({ slo: plan.slo });
  const tiled = (name: string) => `sum_over_time(${series(name, plan)}[${rangeJustUnder(w)}:${promDuration(TILE_MINUTES)}])`;
  return [
    { record: recorded.events(w), expr: how === 'direct' ? eventsExpr(plan, w) : tiled(recorded.events(TILE_MINUTES)), labels: labels() },
    { record: recorded.errors(w), expr: how === 'direct' ? errorsExpr(plan, w) : tiled(recorded.errors(TILE_MINUTES)), labels: labels() },
    { record: recorded.errorRatio(w), expr: ratioExpr(plan, w), labels: labels() },
  ];
}

export function alertLabels(plan: SloRulePlan, severity: string, tier?: Tier): Record<string, string> {
  const labels: Record<string, string> = { slo: plan.slo, service: plan.service, team: plan.team, severity };
  if (tier) labels.tier = `${formatDuration(tier.long)}/${formatDuration(tier.short)}`;
  if (plan.team === '') delete labels.team;
  return labels;
}

/** Minutes written for people in days, hours and minutes (`2d2h`, `1d22h40m`), `about` when not whole. */
function durationText(minutes: Fraction): string {
  const whole = Math.round(minutes.num / minutes.den);
  if (whole <= 0) return 'under a minute';
  const parts = [
    [Math.floor(whole / 1_440), 'd'],
    [Math.floor((whole % 1_440) / 60), 'h'],
    [whole % 60, 'm'],
  ] as const;
  const text = parts.filter(([n]) => n > 0).map(([n, u]) => `${n}${u}`).join('');
  return minutes.den === 1 ? text : `about ${text}`;
}

/** A factor for people: exact when short (`14.4`), else 4 significant digits (`0.9333`). */
function factorText(f: Fraction): string {
  const exact = formatFraction(f);
  return exact.length <= 12 ? exact : String(Number((f.num / f.den).toPrecision(4)));
}

function periodText(plan: SloRulePlan): string {
  const w = plan.window;
  return 'rolling' in w ? `${promDuration(w.rolling)} window` : `${promDuration(plan.periodMinutes)} ${w.calendar}`;
}

export function burnAnnotations(plan: SloRulePlan, tier: Tier): Record<string, string> {
  const long = formatDuration(tier.long);
  const short = formatDuration(tier.short);
  const k = factorText(tier.kFraction);
  // b = k·L/P: the share of the period's budget that burns within L at this rate.
  const share = percentText(multiply(tier.kFraction, fraction(tier.long, plan.periodMinutes)));
  const objective = `${plan.objective.percent}% over ${windowText(plan.window)}`;
  const annotations: Record<string, string> = {
    summary: `${plan.slo}: error budget burn rate above ${k} over ${long} and ${short} (${tier.severity})`,
    description:
      `More than ${percentText(tier.thresholdFraction)}% of ${plan.service}'s events failed over both the last ${long} and ${short} ` +
      `(objective ${objective}, error budget ${percentText(plan.objective.budgetFraction)}%). ` +
      `At ${k}x, ${share}% of the ${periodText(plan)}'s budget burns in ${long} and all of it in ${durationText(multiply(fraction(plan.periodMinutes, 1), fraction(tier.kFraction.den, tier.kFraction.num)))}.` +
      (plan.minEvents > 0 ? ` Fires only when the last ${long} holds at least ${plan.minEvents} events.` : ''),
  };
  if (plan.runbook) annotations.runbook_url = plan.runbook;
  annotations.pave_url = plan.link;
  return annotations;
}

export function noDataAnnotations(plan: SloRulePlan): Record<string, string> {
  const after = formatDuration(plan.noDataAfterMinutes ?? 0);
  const annotations: Record<string, string> = {
    summary: `${plan.slo}: no data for ${after}`,
    description: `The queries of ${plan.slo} (service ${plan.service}) returned no samples for ${after}: a silent indicator must not look healthy.`,
  };
  if (plan.runbook) annotations.runbook_url = plan.runbook;
  annotations.pave_url = plan.link;
  return annotations;
}

function burnRule(plan: SloRulePlan, tier: Tier): AlertingRule {
  const t = decimal(tier.thresholdFraction);
  const clauses = [`${series(recorded.errorRatio(tier.long), plan)} > ${t}`, `${series(recorded.errorRatio(tier.short), plan)} > ${t}`];
  if (plan.minEvents > 0) clauses.push(`${series(recorded.events(tier.long), plan)} >= ${plan.minEvents}`);
  return {
    alert: BURN_ALERT,
    // The value is the burn rate of the long window: its error ratio over the budget.
    expr: `(\n  ${clauses.join('\nand\n  ')}\n) / ${decimal(plan.objective.budgetFraction)}`,
    labels: alertLabels(plan, tier.severity, tier),
    annotations: burnAnnotations(plan, tier),
  };
}

/**
 * pave raises no-data when the last D minutes hold no sample. The 5-minute events recording exists while the last 5
 * minutes hold samples, so it has been absent for D − 5 minutes exactly when the data has for D.
 */
function noDataRule(plan: SloRulePlan, afterMinutes: number): AlertingRule {
  return {
    alert: NO_DATA_ALERT,
    expr: `absent_over_time(${series(recorded.events(TILE_MINUTES), plan)}[${promDuration(Math.max(1, afterMinutes - TILE_MINUTES))}])`,
    labels: alertLabels(plan, 'page'),
    annotations: noDataAnnotations(plan),
  };
}

function infoLabels(plan: SloRulePlan): Record<string, string> {
  const w = plan.window;
  const labels: Record<string, string> = {
    slo: plan.slo,
    service: plan.service,
    team: plan.team,
    objective: plan.objective.percent,
    window: 'rolling' in w ? promDuration(w.rolling) : w.calendar,
  };
  if (!('rolling' in w)) labels.timezone = w.timezone;
  if (plan.team === '') delete labels.team;
  return labels;
}

/** The rule groups of one SLO: one evaluated with Prometheus' interval, and a 5-minute one for the SLO window. */
export function ruleGroups(plan: SloRulePlan): RuleGroup[] {
  const main: RuleGroup = { name: `pave-slo:${plan.slo}`, rules: [], comments: new Map() };
  const note = (g: RuleGroup, text: string) => g.comments.set(g.rules.length, text);
  note(main, 'Metadata, joined on `slo` (identity labels stay minimal so that changing them never breaks a long range).');
  main.rules.push(
    { record: recorded.info, expr: 'vector(1)', labels: infoLabels(plan) },
    { record: recorded.objective, expr: `vector(${decimal(plan.objective.targetFraction)})`, labels: { slo: plan.slo } },
    { record: recorded.budget, expr: `vector(${decimal(plan.objective.budgetFraction)})`, labels: { slo: plan.slo } },
  );
  note(main, 'Events, bad events and their ratio over each burn window: increases over the window itself, a ratio of sums.');
  for (const w of plan.burnWindows) main.rules.push(...windowRules(plan, w, 'direct'));
  if (plan.tiers.length > 0) {
    note(
      main,
      `Multi-window, multi-burn-rate alerts: the tiers of pave's engine. A tier fires when the error ratio of both its windows ` +
        `exceeds k × ${decimal(plan.objective.budgetFraction)} (the budget)${plan.minEvents > 0 ? ` and its long window holds at least ${plan.minEvents} events` : ''}.`,
    );
  }
  for (const tier of plan.tiers) main.rules.push(burnRule(plan, tier));
  if (plan.noDataAfterMinutes !== null) {
    note(main, `No data: no sample for ${formatDuration(plan.noDataAfterMinutes)}.`);
    main.rules.push(noDataRule(plan, plan.noDataAfterMinutes));
  }
  const groups = [main];
  const sw = plan.sloWindow;
  if (sw) {
    const window: RuleGroup = { name: `pave-slo:${plan.slo}:window`, interval: promDuration(TILE_MINUTES), rules: [], comments: new Map() };
    if (sw.source !== 'burn') {
      note(
        window,
        sw.source === 'tiled'
          ? `The ${promDuration(sw.minutes)} SLO window as the sum of its 5-minute increases: a ratio of sums, cheap (one lookup per 5 minutes), ` +
              'up to 5 minutes behind, and covering only the time since these rules were loaded.'
          : `The ${promDuration(sw.minutes)} SLO window, from the queries (it is no whole number of 5 minutes).`,
      );
      window.rules.push(...windowRules(plan, sw.minutes, sw.source));
    }
    window.rules.push({
      record: recorded.budgetRemaining,
      expr: `1 - ${series(recorded.errorRatio(sw.minutes), plan)} / ${decimal(plan.objective.budgetFraction)}`,
      labels: { slo: plan.slo },
    });
    groups.push(window);
  }
  return groups;
}

/** The header of a rule file: where it comes from, and what it does not do. */
export function fileHeader(plans: readonly SloRulePlan[]): string {
  const lines = [
    plans.length === 1
      ? ` Prometheus rules for SLO ${plans[0]!.slo} (service ${plans[0]!.service}), generated by \`pave rules generate\`.`
      : ` Prometheus rules for ${plans.length} SLOs, generated by \`pave rules generate\`.`,
    ' Do not edit: change the SLO and generate again. What each rule does and why: docs/rules.md in pave.',
    " Not applied here: pave's corrections (maintenance windows; silence these alerts in Alertmanager instead).",
  ];
  for (const p of plans) for (const n of p.notes) lines.push(wrap(`${plans.length > 1 ? `${p.slo}: ` : ''}${n}`));
  return lines.join('\n');
}

/** Rule groups as a Prometheus rule file, with the comments. */
export function ruleFileYaml(groups: readonly RuleGroup[], header: string): string {
  const doc = new Document(
    { groups: groups.map((g) => ({ name: g.name, ...(g.interval ? { interval: g.interval } : {}), rules: g.rules })) },
    { aliasDuplicateObjects: false },
  );
  doc.commentBefore = header;
  const groupNodes = (doc.get('groups') as unknown as { items: YAMLMap[] }).items;
  groups.forEach((g, i) => {
    const rules = groupNodes[i]!.get('rules');
    if (!isSeq(rules)) return;
    for (const [index, text] of g.comments) {
      const node = rules.items[index];
      if (isMap(node)) node.commentBefore = wrap(text);
    }
  });
  return doc.toString({ lineWidth: 0, indentSeq: true });
}

/** A comment wrapped at about 110 characters, each line starting with a space after `#`. */
function wrap(text: string): string {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > 110) {
      out.push(` ${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(` ${line}`);
  return out.join('\n');
}
