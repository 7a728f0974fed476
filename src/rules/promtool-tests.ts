// A promtool unit-test file for one SLO's rules (`promtool test rules`). Each scenario is a minute-by-minute story of
// good and bad events; what must fire, and when, is computed with pave's own tier rule (domain/slo evaluateTiers) over
// the same minutes, so the test shows that Prometheus and pave's engine agree. Input series are counters built so that
// the SLO's own PromQL counts those events (./test-series.ts).
//
// Why the windows are exact here: inputs are sampled every minute from a counter at 0, so `increase(x[W])` at a whole
// minute t is x(t) − x(t − W), with no extrapolation; and a sample at minute k holds the events of minutes before k,
// which is the window [t − W, t) that pave measures.

import { Document } from 'yaml';
import { formatSeries } from '../domain/promql.js';
import { evaluateTiers, type Tier, type WindowRatio } from '../domain/slo/tiers.js';
import { formatDuration } from '../domain/time/duration.js';
import { alertLabels, BURN_ALERT, burnAnnotations, NO_DATA_ALERT, noDataAnnotations, recorded } from './generate.js';
import { TILE_MINUTES, type SloRulePlan } from './model.js';
import { syntheticSeries, type SyntheticSeries } from './test-series.js';

/** Events in each minute of a scenario; `null` minutes have no sample at all. */
interface Scenario {
  good: (number | null)[];
  bad: (number | null)[];
}

interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts: { exp_labels: Record<string, string>; exp_annotations: Record<string, string> }[];
}

interface ExprTest {
  expr: string;
  eval_time: string;
  exp_samples: { labels: string; value: number }[];
}

interface TestGroup {
  name: string;
  interval: string;
  input_series: { series: string; values: string }[];
  alert_rule_test: AlertTest[];
  promql_expr_test?: ExprTest[];
}

export interface PromtoolTestFile {
  yaml: string;
  /** False when no input series could be derived from the PromQL: the file then only tests silence. */
  modelled: boolean;
  notes: string[];
}

/** Events and bad events over the window [t − w, t), clipped at the scenario's start. */
function windowCounts(s: Scenario, t: number, w: number): { total: number; bad: number } {
  let total = 0;
  let bad = 0;
  for (let j = Math.max(0, t - w); j < t; j++) {
    total += (s.good[j] ?? 0) + (s.bad[j] ?? 0);
    bad += s.bad[j] ?? 0;
  }
  return { total, bad };
}

/** The error ratio over [t − w, t) as pave's tier rule reads it: bad / total, null without events. */
function windowRatio(s: Scenario, t: number, w: number): WindowRatio {
  const { total, bad } = windowCounts(s, t, w);
  return { errorRatio: total > 0 ? bad / total : null, events: total };
}

function firingAt(plan: SloRulePlan, s: Scenario, t: number): Tier[] {
  const evaluations = evaluateTiers(plan.slo, plan.tiers, (w) => windowRatio(s, t, w), plan.minEvents);
  return plan.tiers.filter((_, i) => evaluations[i]!.firing);
}

/** Counter samples at minutes 0..length: the events of the minutes before each; null where a minute has no data. */
function counterValues(s: Scenario, series: SyntheticSeries): (number | null)[] {
  const values: (number | null)[] = [0];
  let sum = 0;
  for (let j = 0; j < s.good.length; j++) {
    const g = s.good[j];
    const b = s.bad[j];
    if (g === null || b === null || g === undefined || b === undefined) {
      values.push(null);
      continue;
    }
    sum += g * series.perGood + b * series.perBad;
    values.push(sum);
  }
  return values;
}

/** promtool's expanding notation: `0+100x59 6000+0x10 _x5` (a+bxn is n+1 values, _xn is n missing ones). */
export function expandingNotation(values: readonly (number | null)[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    const v = values[i];
    if (v === null || v === undefined) {
      let n = 0;
      while (i < values.length && values[i] === null) [i, n] = [i + 1, n + 1];
      parts.push(n === 1 ? '_' : `_x${n}`);
      continue;
    }
    const next = values[i + 1];
    if (next === null || next === undefined) {
      parts.push(String(v));
      i++;
      continue;
    }
    const step = next - v;
    let n = 1;
    while (i + n + 1 < values.length && values[i + n + 1] !== null && (values[i + n + 1] as number) - (values[i + n] as number) === step) n++;
    parts.push(step === 0 ? `${v}x${n}` : `${v}${step > 0 ? '+' : ''}${step}x${n}`);
    i += n + 1;
  }
  return parts.join(' ');
}

function inputSeries(s: Scenario, series: readonly SyntheticSeries[]): TestGroup['input_series'] {
  return series.map((x) => ({ series: formatSeries(x.name, x.labels), values: expandingNotation(counterValues(s, x)) }));
}

/** An eval_time: `6h`, `6h15m`. */
function minutes(t: number): string {
  return formatDuration(t);
}

function burnAlerts(plan: SloRulePlan, tiers: readonly Tier[]): AlertTest['exp_alerts'] {
  return tiers.map((t) => ({ exp_labels: alertLabels(plan, t.severity, t), exp_annotations: burnAnnotations(plan, t) }));
}

function burnTest(plan: SloRulePlan, s: Scenario, t: number): AlertTest {
  return { eval_time: minutes(t), alertname: BURN_ALERT, exp_alerts: burnAlerts(plan, firingAt(plan, s, t)) };
}

function noDataTest(plan: SloRulePlan, t: number, firing: boolean): AlertTest {
  return {
    eval_time: minutes(t),
    alertname: NO_DATA_ALERT,
    exp_alerts: firing ? [{ exp_labels: alertLabels(plan, 'page'), exp_annotations: noDataAnnotations(plan) }] : [],
  };
}

/** promtool 2.42 compares values exactly; a recorded ratio is checked within 1e-9 with `bool`. */
function closeTo(plan: SloRulePlan, metric: string, t: number, expected: number): ExprTest {
  return {
    expr: `abs(${metric}{slo=${JSON.stringify(plan.slo)}} - ${expected}) < bool 1e-9`,
    eval_time: minutes(t),
    exp_samples: [{ labels: `{slo=${JSON.stringify(plan.slo)}}`, value: 1 }],
  };
}

function constant(length: number, value: number): number[] {
  return Array.from({ length }, () => value);
}

/** Events per minute for an outage test: enough for minEvents over the shortest long window, at least 1000. */
function outageRate(plan: SloRulePlan): number {
  const shortestLong = Math.min(...plan.tiers.map((t) => t.long));
  return Math.max(1_000, Math.ceil((2 * plan.minEvents) / shortestLong));
}

/**
 * Steady good traffic long enough to fill the watched tiers' long windows, then a partial outage failing 4 times the
 * highest threshold among them (so each tier takes minutes to cross its threshold, and the minute before must stay
 * quiet) until every one has fired, for 10 more minutes; then good traffic until they have all cleared. The watched
 * tiers are the pages (the tickets when there are none); the others are expected wherever pave's rule says they fire.
 */
function outageGroup(plan: SloRulePlan, series: readonly SyntheticSeries[]): { group: TestGroup; summary: string } | null {
  const severity = plan.tiers.some((t) => t.severity === 'page') ? 'page' : 'ticket';
  const watched = (tiers: Tier[]) => tiers.filter((t) => t.severity === severity);
  const watchedTiers = watched(plan.tiers);
  const rate = outageRate(plan);
  const failing = Math.min(rate, Math.ceil(4 * Math.max(...watchedTiers.map((t) => t.threshold)) * rate));
  const start = Math.max(60, ...watchedTiers.map((t) => t.long));
  const limit = 2 * Math.max(...plan.tiers.map((t) => t.long)) + 60;
  const s: Scenario = { good: constant(start, rate), bad: constant(start, 0) };
  const minute = (bad: number) => {
    s.good.push(rate - bad);
    s.bad.push(bad);
  };
  const fired = new Map<string, number>();
  for (let t = start + 1; t <= start + limit && fired.size < watchedTiers.length; t++) {
    minute(failing);
    for (const tier of watched(firingAt(plan, s, t))) if (!fired.has(tier.key)) fired.set(tier.key, t);
  }
  if (fired.size < watchedTiers.length) return null;
  const lastFire = Math.max(...fired.values());
  const end = lastFire + 10;
  for (let t = lastFire + 1; t <= end; t++) minute(failing);
  // Each watched tier clears when its short window no longer burns: a minute either side of each is checked.
  const cleared = new Map<string, number>();
  for (let t = end + 1; t <= end + limit && cleared.size < watchedTiers.length; t++) {
    minute(0);
    const firing = new Set(watched(firingAt(plan, s, t)).map((x) => x.key));
    for (const tier of watchedTiers) if (!firing.has(tier.key) && !cleared.has(tier.key)) cleared.set(tier.key, t);
  }
  if (cleared.size < watchedTiers.length) return null;
  const clear = Math.max(...cleared.values());
  for (let i = 0; i < 5; i++) minute(0);
  const last = s.good.length;
  const fires = [...fired.entries()].sort((a, b) => a[1] - b[1]);
  const edges = [...fires, ...cleared.entries()].flatMap(([, t]) => [t - 1, t]);
  const times = [...new Set([start, ...edges, end, last])].sort((a, b) => a - b);
  const [firstKey, firstFire] = fires[0]!;
  const first = plan.tiers.find((t) => t.key === firstKey)!;
  const long = windowRatio(s, firstFire, first.long);
  const summary =
    `${rate} events a minute; from ${minutes(start)}, ${failing} of them fail: ` +
    fires.map(([key, t]) => `${key.replace(':', ' ')} fires at ${minutes(t)}`).join(', ') +
    `; from ${minutes(end)} none fail, and the ${severity} alerts clear at ${minutes(clear)}`;
  return {
    summary,
    group: {
      name: `outage: ${summary}`,
      interval: '1m',
      input_series: inputSeries(s, series),
      alert_rule_test: [...times.map((t) => burnTest(plan, s, t)), ...(plan.noDataAfterMinutes !== null ? [noDataTest(plan, firstFire, false)] : [])],
      promql_expr_test: [
        // Before the outage nothing failed: no bad events, a zero ratio.
        closeTo(plan, recorded.errors(first.long), start, 0),
        closeTo(plan, recorded.errorRatio(first.long), start, 0),
        closeTo(plan, recorded.errorRatio(first.long), firstFire, long.errorRatio!),
        closeTo(plan, recorded.events(first.long), firstFire, long.events),
        closeTo(plan, recorded.errors(first.long), firstFire, windowCounts(s, firstFire, first.long).bad),
      ],
    },
  };
}

/** Steady traffic failing at half the lowest threshold: nothing fires, and the recorded ratios are exact. */
function quietGroup(plan: SloRulePlan, series: readonly SyntheticSeries[]): TestGroup {
  const lowest = Math.min(1, ...plan.tiers.map((t) => t.threshold));
  const rate = Math.max(100, Math.ceil(2 / lowest), Math.ceil((2 * plan.minEvents) / 5));
  // Long enough to fill the page windows, and a tiled SLO window of up to a day, so that its sum is checked full.
  const tiled = plan.sloWindow?.source === 'tiled' && plan.sloWindow.minutes <= 1_440 ? plan.sloWindow.minutes + 10 : 0;
  const length = Math.ceil(Math.max(370, tiled) / TILE_MINUTES) * TILE_MINUTES;
  const s: Scenario = { good: constant(length, rate - 1), bad: constant(length, 1) };
  const times = [...new Set([5, 60, 360, length])];
  for (const t of times) {
    if (firingAt(plan, s, t).length > 0) throw new Error(`quiet scenario of ${plan.slo} fires at ${t}m: the generator chose a bad rate`);
  }
  const expressions = [closeTo(plan, recorded.errorRatio(5), length, windowRatio(s, length, 5).errorRatio!)];
  expressions.push(closeTo(plan, recorded.events(60), length, 60 * rate));
  if (plan.sloWindow) {
    // The SLO window's events and ratio, and the budget left.
    const w = windowRatio(s, length, plan.sloWindow.minutes);
    expressions.push(closeTo(plan, recorded.events(plan.sloWindow.minutes), length, w.events));
    expressions.push(closeTo(plan, recorded.errorRatio(plan.sloWindow.minutes), length, w.errorRatio!));
    expressions.push(closeTo(plan, recorded.budgetRemaining, length, 1 - w.errorRatio! / plan.objective.budget));
  }
  return {
    name: `steady traffic: ${rate} events a minute, 1 of them bad (under half of every threshold): nothing fires`,
    interval: '1m',
    input_series: inputSeries(s, series),
    alert_rule_test: [
      ...times.map((t) => ({ eval_time: minutes(t), alertname: BURN_ALERT, exp_alerts: [] })),
      ...(plan.noDataAfterMinutes !== null ? [noDataTest(plan, length, false)] : []),
    ],
    promql_expr_test: expressions,
  };
}

/**
 * Data for 30 minutes, then none: the no-data alert fires D minutes after the last minute with data (as pave's does),
 * and not a minute before. The 5-minute recording outlives the data by 4 minutes, hence the rule's D − 5 range.
 */
function noDataGroup(plan: SloRulePlan, series: readonly SyntheticSeries[], after: number): TestGroup {
  const withData = 30;
  const fire = withData + TILE_MINUTES + Math.max(1, after - TILE_MINUTES);
  const rate = 100;
  const s: Scenario = { good: [...constant(withData, rate), ...Array<null>(fire + 5 - withData).fill(null)], bad: [...constant(withData, 0), ...Array<null>(fire + 5 - withData).fill(null)] };
  return {
    name: `no data: ${rate} good events a minute until ${minutes(withData)}, then no samples: ${NO_DATA_ALERT} fires at ${minutes(fire)}`,
    interval: '1m',
    input_series: inputSeries(s, series),
    alert_rule_test: [noDataTest(plan, fire - 1, false), noDataTest(plan, fire, true), { eval_time: minutes(fire), alertname: BURN_ALERT, exp_alerts: [] }],
  };
}

/** Without input series: nothing burns, and the no-data alert fires. */
function silentGroup(plan: SloRulePlan, after: number | null): TestGroup {
  const t = Math.max(60, (after ?? 0) + 10);
  return {
    name: 'no input: no burn-rate alert fires' + (after !== null ? `, and ${NO_DATA_ALERT} does` : ''),
    interval: '1m',
    input_series: [],
    alert_rule_test: [{ eval_time: minutes(t), alertname: BURN_ALERT, exp_alerts: [] }, ...(after !== null ? [noDataTest(plan, t, true)] : [])],
  };
}

export function promtoolTests(plan: SloRulePlan, ruleFile: string): PromtoolTestFile {
  const notes: string[] = [];
  const series = syntheticSeries(plan.indicator);
  const groups: TestGroup[] = [];
  if (!series) {
    notes.push(
      'pave could not derive input series from the PromQL (it models sums of increase(selector[{{window}}]) only), ' +
        'so this file only tests that nothing burns without data; add scenarios with your own input_series.',
    );
    groups.push(silentGroup(plan, plan.noDataAfterMinutes));
  } else {
    if (plan.tiers.length > 0) {
      const outage = outageGroup(plan, series);
      if (outage) groups.push(outage.group);
      else notes.push('no tier fires within the outage scenario; only the quiet and no-data scenarios are tested.');
    }
    groups.push(quietGroup(plan, series));
    if (plan.noDataAfterMinutes !== null) groups.push(noDataGroup(plan, series, plan.noDataAfterMinutes));
  }
  const doc = new Document({ rule_files: [ruleFile], evaluation_interval: '1m', tests: groups }, { aliasDuplicateObjects: false });
  doc.commentBefore = [
    ` promtool unit tests for the rules of SLO ${plan.slo}, generated by \`pave rules generate\`.`,
    ` Run: promtool test rules ${ruleFile.replace(/\.rules\.yml$/, '.test.yml')}`,
    " Expected alerts and times are computed with pave's own tier rule over the same minutes as the input series.",
    ...notes.map((n) => ` ${n}`),
  ].join('\n');
  return { yaml: doc.toString({ lineWidth: 0, indentSeq: true }), modelled: series !== null, notes };
}
