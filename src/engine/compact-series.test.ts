// CompactCountSeries against the reference ArrayCountSeries: every sum, sliceStats and minutes answer, after random
// appends, late overwrites, silent stretches and trims, and whole SLO evaluations (occurrences, timeslices,
// ratioTimeslices; rolling 30d/28d and calendar months in zones off the hour) with only the planned minute detail.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArrayCountSeries } from '../domain/slo/array-series.js';
import { excludedRanges, type Correction } from '../domain/slo/corrections.js';
import { fraction } from '../domain/slo/decimal.js';
import { compileSlo, type BudgetingMethod, type CompiledSlo, type NoDataRule } from '../domain/slo/definition.js';
import { evaluateSlo, evaluationHorizon, type SloEvaluation } from '../domain/slo/evaluate.js';
import type { Counts, SliceSpec, SliceStats } from '../domain/slo/series.js';
import type { WindowSpec } from '../domain/time/window.js';
import { CompactCountSeries, MAX_MINUTE_COUNT, MissingMinuteDetail, planDetail } from './compact-series.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.parse('2024-03-29T20:00:00Z');

type Minute = Counts | null;

/** The minutes written so far, by minute start: what the store would hold. */
class Model {
  readonly data = new Map<number, Minute>();
  put(ms: number, m: Minute): void {
    this.data.set(ms, m);
  }
  get(ms: number): Minute {
    return this.data.get(ms) ?? null;
  }
  /** ArrayCountSeries over [from, to) (the compact series' held range). */
  array(from: number, to: number): ArrayCountSeries {
    const out: Minute[] = [];
    for (let t = from; t < to; t += MIN) out.push(this.get(t));
    return new ArrayCountSeries(from, out);
  }
  /** Loads the hour starting at hourMs into the series, as the engine would from the store. */
  load(series: CompactCountSeries, hourMs: number): void {
    const g = new Float64Array(60);
    const t = new Float64Array(60);
    const d = new Uint8Array(60);
    for (let i = 0; i < 60; i++) {
      const m = this.get(hourMs + i * MIN);
      if (m) {
        g[i] = m.good;
        t[i] = m.total;
        d[i] = 1;
      }
    }
    series.putHour(hourMs, g, t, d);
  }
}

/** Runs fn; when it needs an hour's minutes that are not held, pins and loads that hour and tries again. */
function withDetail<T>(series: CompactCountSeries, model: Model, pins: Set<number>, fn: () => T): T {
  for (let i = 0; i < 20; i++) {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof MissingMinuteDetail)) throw e;
      expect(pins.has(e.hourMs)).toBe(false);
      pins.add(e.hourMs);
      expect(series.retainDetail(pins)).toContain(e.hourMs);
      model.load(series, e.hourMs);
    }
  }
  throw new Error('still missing detail after 20 loads');
}

const minuteArb: fc.Arbitrary<Minute> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.constant({ good: 0, total: 0 }) },
  { weight: 5, arbitrary: fc.record({ good: fc.integer({ min: 0, max: 20 }), bad: fc.integer({ min: 0, max: 3 }) }).map((x) => ({ good: x.good, total: x.good + x.bad })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: MAX_MINUTE_COUNT }), fc.integer({ min: 0, max: MAX_MINUTE_COUNT }))
      .map(([a, b]) => ({ good: Math.min(a, b), total: Math.max(a, b) })),
  },
);

type Op =
  | { kind: 'append'; minutes: Minute[] }
  | { kind: 'repeat'; minute: Minute; count: number }
  | { kind: 'overwrite'; back: number; minute: Minute }
  | { kind: 'silence'; minutes: number }
  | { kind: 'trim'; keepHours: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), minutes: fc.array(minuteArb, { minLength: 1, maxLength: 90 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('repeat' as const), minute: minuteArb, count: fc.integer({ min: 30, max: 400 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('overwrite' as const), back: fc.integer({ min: 1, max: 120 }), minute: minuteArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('silence' as const), minutes: fc.integer({ min: 1, max: 600 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('trim' as const), keepHours: fc.integer({ min: 1, max: 30 }) }) },
);

const sliceMinutes = [1, 2, 3, 5, 10, 12, 15, 20, 30, 60, 120, 180, 360, 1440];
const specArb: fc.Arbitrary<SliceSpec> = fc
  .tuple(fc.constantFrom(...sliceMinutes), fc.integer({ min: 1, max: 100 }))
  .map(([minutes, pct]) => ({ minutes, threshold: fraction(pct, 100) }));

/** Applies ops to the series and the model; returns the minute after the last one written. */
function apply(series: CompactCountSeries, model: Model, ops: Op[], start: number, pins: Set<number>): number {
  let cursor = start;
  const write = (ms: number, m: Minute) => {
    withDetail(series, model, pins, () => (m ? series.put(ms, m.good, m.total) : series.putNoData(ms)));
    model.put(ms, m);
  };
  for (const op of ops) {
    switch (op.kind) {
      case 'append':
        for (const m of op.minutes) {
          write(cursor, m);
          cursor += MIN;
        }
        break;
      case 'repeat':
        for (let i = 0; i < op.count; i++) {
          write(cursor, op.minute);
          cursor += MIN;
        }
        break;
      case 'overwrite': {
        const ms = cursor - op.back * MIN;
        if (ms >= series.startMs) write(ms, op.minute);
        break;
      }
      case 'silence':
        cursor += op.minutes * MIN;
        series.advanceTo(cursor);
        break;
      case 'trim':
        series.trimBefore(cursor - op.keepHours * HOUR);
        break;
    }
  }
  return cursor;
}

function expectStats(actual: SliceStats, expected: SliceStats): void {
  expect({ ...actual, badShare: 0 }).toEqual({ ...expected, badShare: 0 });
  expect(Math.abs(actual.badShare - expected.badShare)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected.badShare)));
}

const queryArb = fc.array(fc.tuple(fc.integer({ min: -180, max: 4_000 }), fc.integer({ min: 0, max: 4_200 })), { minLength: 1, maxLength: 12 });

describe('CompactCountSeries equals ArrayCountSeries', () => {
  it('every sum, sliceStats and minutes answer, with minute detail for every hour', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 60, max: 3_000 }),
        fc.array(specArb, { maxLength: 3 }),
        fc.array(opArb, { minLength: 1, maxLength: 14 }),
        queryArb,
        specArb,
        (offset, capacityMinutes, specs, ops, queries, unregistered) => {
          const start = T0 + offset * MIN;
          const series = new CompactCountSeries({ startMs: start, capacityMinutes, recentHours: 10_000, slices: specs });
          const model = new Model();
          const pins = new Set<number>();
          const end = apply(series, model, ops, start, pins);
          expect(pins.size).toBe(0);
          const ref = model.array(series.startMs, series.endMs);
          const base = Math.min(start, series.startMs);
          for (const [a, len] of queries) {
            const from = base + a * MIN;
            const to = from + len * MIN;
            expect(series.sum(from, to)).toEqual(ref.sum(from, to));
            for (const spec of [...specs, unregistered]) expectStats(series.sliceStats(from, to, spec), ref.sliceStats(from, to, spec));
            const short = Math.min(to, from + 240 * MIN);
            expect([...series.minutes(from, short)]).toEqual([...ref.minutes(from, short)]);
          }
          // The whole held range, and past both ends.
          expect(series.sum(series.startMs - DAY, end + DAY)).toEqual(ref.sum(series.startMs - DAY, end + DAY));
          for (const spec of specs) expectStats(series.sliceStats(series.startMs - DAY, end + DAY, spec), ref.sliceStats(series.startMs - DAY, end + DAY, spec));
          // Capacity is kept (unless trimmed).
          if (!ops.some((o) => o.kind === 'trim')) expect(series.startMs).toBeLessThanOrEqual(Math.max(start, end - capacityMinutes * MIN));
        },
      ),
      { numRuns: 250 },
    );
  });

  it('with detail only for recent hours: answers equal once the hours asked for are loaded, and missing detail is never guessed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 600, max: 3_000 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(specArb.filter((s) => s.minutes <= 60), { maxLength: 2 }),
        fc.array(opArb, { minLength: 1, maxLength: 14 }),
        queryArb,
        (offset, capacityMinutes, recentHours, specs, ops, queries) => {
          const start = T0 + offset * MIN;
          const series = new CompactCountSeries({ startMs: start, capacityMinutes, recentHours, slices: specs });
          const model = new Model();
          const pins = new Set<number>();
          apply(series, model, ops, start, pins);
          const ref = model.array(series.startMs, series.endMs);
          const held = series.detailHours().length;
          expect(held).toBeLessThanOrEqual(recentHours + pins.size);
          for (const [a, len] of queries) {
            const from = series.startMs + a * MIN;
            const to = from + len * MIN;
            expect(withDetail(series, model, pins, () => series.sum(from, to))).toEqual(ref.sum(from, to));
            for (const spec of specs) expectStats(withDetail(series, model, pins, () => series.sliceStats(from, to, spec)), ref.sliceStats(from, to, spec));
            const short = Math.min(to, from + 120 * MIN);
            expect(withDetail(series, model, pins, () => [...series.minutes(from, short)])).toEqual([...ref.minutes(from, short)]);
          }
          // Releasing the pins drops the loaded detail again.
          series.retainDetail([]);
          expect(series.detailHours().length).toBeLessThanOrEqual(recentHours);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses what it cannot hold exactly, with messages that say what to do', () => {
    const s = new CompactCountSeries({ startMs: T0, capacityMinutes: 600, recentHours: 1 });
    expect(() => s.put(T0, 5, 4)).toThrow(/0 ≤ good ≤ total/);
    expect(() => s.put(T0, 0, MAX_MINUTE_COUNT + 1)).toThrow(/ArrayCountSeries/);
    expect(() => s.put(T0, 0.5, 1)).toThrow(/whole counts/);
    expect(() => s.put(T0 + 1, 0, 1)).toThrow(/whole minute/);
    expect(() => new CompactCountSeries({ startMs: T0, capacityMinutes: 600, slices: [{ minutes: 90, threshold: fraction(1, 2) }] })).toThrow(/ArrayCountSeries/);
    s.put(T0 + 5 * MIN, 1, 2);
    s.put(T0 + 3 * HOUR, 1, 1);
    expect(() => s.sum(T0 + 10 * MIN, T0 + 4 * HOUR)).toThrow(MissingMinuteDetail);
    expect(() => s.put(T0 + 6 * MIN, 1, 1)).toThrow(/putHour/);
    expect(s.retainDetail([T0 + 10 * MIN])).toEqual([T0]);
    // Whole hours never need detail; neither do hours without data or with zero traffic in every minute.
    expect(s.sum(T0, T0 + 4 * HOUR)).toEqual({ good: 2, total: 3, dataMinutes: 2 });
    expect(s.sum(T0 + HOUR + 7 * MIN, T0 + 2 * HOUR + 9 * MIN)).toEqual({ good: 0, total: 0, dataMinutes: 0 });
    expect(() => s.put(T0 - HOUR, 1, 1)).toThrow(/before the held range/);
  });

  it('recycles minute-detail pages without stale slice counters', () => {
    const spec = { minutes: 5, threshold: fraction(9, 10) };
    const s = new CompactCountSeries({ startMs: T0, capacityMinutes: 120, recentHours: 2, slices: [spec] });
    const model = new Model();
    const put = (ms: number, m: Minute) => {
      model.put(ms, m);
      if (m) s.put(ms, m.good, m.total);
      else s.putNoData(ms);
    };
    // Hours of bad slices, then an hour of zero traffic and an hour without samples, written minute by minute.
    for (let t = T0; t < T0 + 5 * HOUR; t += MIN) put(t, { good: 1, total: 10 });
    for (let t = T0 + 5 * HOUR; t < T0 + 6 * HOUR; t += MIN) put(t, { good: 0, total: 0 });
    for (let t = T0 + 6 * HOUR; t < T0 + 7 * HOUR; t += MIN) put(t, null);
    put(T0 + 7 * HOUR, { good: 1, total: 1 });
    const ref = model.array(s.startMs, s.endMs);
    for (const [a, b] of [[5 * 60 + 10, 6 * 60 + 25], [6 * 60 + 5, 6 * 60 + 50], [6 * 60 + 35, 7 * 60 + 1]] as const) {
      expectStats(s.sliceStats(T0 + a * MIN, T0 + b * MIN, spec), ref.sliceStats(T0 + a * MIN, T0 + b * MIN, spec));
    }
  });

  it('costs 26 bytes an hour plus 488 bytes per page of minute detail', () => {
    const s = new CompactCountSeries({ startMs: T0, capacityMinutes: 33 * 1440, recentHours: 8 });
    const g = new Float64Array(60).fill(990);
    const t = new Float64Array(60).fill(1000);
    const d = new Uint8Array(60).fill(1);
    for (let h = 0; h < 33 * 24; h++) s.putHour(T0 + h * HOUR, g, t, d);
    expect(s.detailHours()).toHaveLength(8);
    expect(s.retainDetail([T0 + 17 * MIN])).toEqual([T0]);
    s.putHour(T0, g, t, d);
    expect(s.detailHours()).toHaveLength(9);
    // 794 ring hours × (24 B of counts + 2 B of page index), 16 pages (8 recent + room for 8 pinned) × (480 B + 8 B).
    expect(s.byteLength).toBe(794 * 26 + 16 * 488);
    const hours = [...s.hours(T0 - DAY, T0 + 40 * DAY)];
    expect(hours.length).toBe(33 * 24);
    expect(hours.reduce((n, h) => n + h.total, 0)).toBe(s.sum(T0, T0 + 33 * DAY).total);
    expect(s.sum(T0 + 17 * MIN, T0 + 33 * DAY - 5 * MIN)).toEqual({ good: 990 * (33 * 1440 - 22), total: 1000 * (33 * 1440 - 22), dataMinutes: 33 * 1440 - 22 });
  });
});

// ---- whole evaluations -------------------------------------------------------------------------------------------------

interface Scenario {
  method: BudgetingMethod;
  window: WindowSpec;
  slice: number;
  threshold: number;
  objective: number;
  noData: NoDataRule;
  startBackDays: number | null;
  noDataAfter: number | null;
  tiers: 'default' | 'custom';
  corrections: { backMinutes: number; minutes: number }[];
  weekly: boolean;
  seed: number;
  traffic: number;
  silentPct: number;
  idlePct: number;
  badPct: number;
  steps: number[];
}

const zones = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe'];
const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  method: fc.constantFrom<BudgetingMethod>('occurrences', 'occurrences', 'timeslices', 'ratioTimeslices'),
  window: fc.oneof(
    fc.constantFrom<WindowSpec>({ rolling: 43_200 }, { rolling: 40_320 }),
    fc.constantFrom(...zones).map((timezone): WindowSpec => ({ calendar: 'month', timezone })),
  ),
  slice: fc.constantFrom(1, 5, 10, 15, 30, 60),
  threshold: fc.constantFrom(90, 95, 99.5),
  objective: fc.constantFrom(95, 99, 99.5, 99.9),
  noData: fc.constantFrom<NoDataRule>('bad', 'good', 'ignore'),
  startBackDays: fc.option(fc.integer({ min: 1, max: 40 })),
  noDataAfter: fc.option(fc.constantFrom(5, 17, 90)),
  tiers: fc.constantFrom<'default' | 'custom'>('default', 'custom'),
  corrections: fc.array(fc.record({ backMinutes: fc.integer({ min: 0, max: 40 * 1440 }), minutes: fc.integer({ min: 1, max: 3_000 }) }), { maxLength: 3 }),
  weekly: fc.boolean(),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  traffic: fc.constantFrom(0, 1, 3, 50, 100_000, 4_000_000_000),
  silentPct: fc.constantFrom(0, 2, 30),
  idlePct: fc.constantFrom(0, 5, 50),
  badPct: fc.constantFrom(0, 1, 10, 60),
  steps: fc.array(fc.integer({ min: 1, max: 59 }), { minLength: 1, maxLength: 3 }),
});

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function compile(s: Scenario, nowMs: number): CompiledSlo | null {
  const slice = s.method === 'occurrences' ? undefined : { minutes: s.slice, thresholdPercent: s.method === 'timeslices' ? s.threshold : undefined };
  const corrections: Correction[] = s.corrections.map((c, i) => {
    const start = nowMs - c.backMinutes * MIN + ((s.seed + i * 7_919) % 60_000);
    return { start, end: start + c.minutes * MIN - 13_000, reason: 'maintenance', author: 'test' };
  });
  if (s.weekly) {
    corrections.push({
      start: Date.parse('2024-01-07T02:20:00Z'),
      durationMinutes: 95,
      rrule: 'FREQ=WEEKLY;BYDAY=SU',
      timezone: 'Europe/Paris',
      reason: 'weekly window',
      author: 'test',
    });
  }
  const c = compileSlo({
    name: 'checkout',
    objective: s.objective,
    window: s.window,
    budgeting: s.method,
    timeslice: slice,
    noData: s.method === 'occurrences' ? undefined : s.noData,
    startMs: s.startBackDays === null ? undefined : nowMs - s.startBackDays * DAY + 17 * MIN,
    noDataAfterMinutes: s.noDataAfter ?? undefined,
    corrections,
    tiers:
      s.tiers === 'default'
        ? undefined
        : [
            { severity: 'page', long: 180, short: 15, factor: 8 },
            { severity: 'ticket', long: 2_880, short: 240, budgetPercent: 12 },
          ],
  });
  return c.ok ? c.slo : null;
}

/** The same minutes, generated from the scenario: traffic, silence, zero-traffic and bad minutes, an outage. */
function minuteOf(s: Scenario, next: () => number, ms: number): Minute {
  if (next() * 100 < s.silentPct) return null;
  if (s.traffic === 0 || next() * 100 < s.idlePct) return { good: 0, total: 0 };
  const total = Math.min(MAX_MINUTE_COUNT, Math.floor(s.traffic * (0.5 + next())));
  const outage = Math.floor(ms / HOUR) % 97 === s.seed % 97;
  const badShare = outage ? 0.9 : next() * 100 < s.badPct ? next() * 0.2 : 0;
  return { good: total - Math.floor(total * badShare), total };
}

/**
 * Deep equality. Σ bad share (slices.badShare) is a sum of fractions added in another order, so it is compared within
 * 1e-9 (relative); for ratioTimeslices every number derives from it and is compared the same way. Everything else,
 * and every firing flag, status and count, must be identical.
 */
function expectSameEvaluation(actual: SloEvaluation, expected: SloEvaluation): void {
  if (expected.method === 'occurrences') {
    expect(actual).toEqual(expected);
    return;
  }
  const loose = expected.method === 'ratioTimeslices';
  const same = (a: unknown, b: unknown, path: string): void => {
    if (typeof b === 'number' && typeof a === 'number' && (loose || path.endsWith('.badShare'))) {
      if (a !== b && !(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)))) expect.fail(`${path}: ${a} ≠ ${b}`);
      return;
    }
    if (b && typeof b === 'object' && a && typeof a === 'object') {
      const keys = new Set([...Object.keys(b), ...Object.keys(a)]);
      for (const k of keys) same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      return;
    }
    expect(a, path).toEqual(b);
  };
  same(actual, expected, 'evaluation');
}

describe('evaluateSlo over CompactCountSeries', () => {
  it('equals evaluateSlo over ArrayCountSeries, holding only recent hours and the hours planDetail names', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 24 * 60 - 1 }), (s, nowOffset) => {
        const now0 = Date.parse('2024-03-31T00:00:00Z') + nowOffset * MIN + 29_000;
        const slo = compile(s, now0);
        if (!slo) return;
        const next = random(s.seed);
        const model = new Model();
        const dataStart = Math.floor(now0 / MIN) * MIN - 36 * DAY + 7 * MIN;
        const capacityMinutes = 33 * 1440 + 60;
        const series = new CompactCountSeries({ startMs: dataStart, capacityMinutes, recentHours: 8, slices: slo.slice ? [slo.slice] : [] });
        let cursor = dataStart;
        const appendTo = (endMs: number) => {
          for (; cursor < endMs; cursor += MIN) {
            const m = minuteOf(s, next, cursor);
            model.put(cursor, m);
            if (m) series.put(cursor, m.good, m.total);
            else series.putNoData(cursor);
          }
        };
        appendTo(Math.floor(now0 / MIN) * MIN);
        const horizonEnd = now0 + 5 * HOUR;
        const excluded = excludedRanges(slo.corrections, evaluationHorizon(slo, now0).start - HOUR, horizonEnd);
        const missing = series.retainDetail(planDetail(slo, now0, { excluded, lookaheadMinutes: 60 }));
        for (const h of missing) model.load(series, h);
        // Late data: the last hour rewritten.
        for (let t = cursor - 60 * MIN; t < cursor; t += 7 * MIN) {
          const m = minuteOf(s, next, t);
          model.put(t, m);
          if (m) series.put(t, m.good, m.total);
          else series.putNoData(t);
        }
        let now = now0;
        const check = () => {
          const ref = model.array(dataStart, cursor);
          expectSameEvaluation(evaluateSlo(slo, series, now, { excluded }), evaluateSlo(slo, ref, now, { excluded }));
        };
        check();
        // Minutes pass without re-planning (within the plan's hour), then a new plan.
        for (const step of s.steps) {
          if (now + step * MIN > now0 + 60 * MIN) break;
          now += step * MIN;
          appendTo(Math.floor(now / MIN) * MIN);
          check();
        }
        now = now0 + 61 * MIN + 3 * HOUR;
        appendTo(Math.floor(now / MIN) * MIN);
        const plan = planDetail(slo, now, { excluded, lookaheadMinutes: 0 });
        for (const h of series.retainDetail(plan)) model.load(series, h);
        check();
        // Detail is held for the 8 recent hours and the planned ones only.
        const recent = Math.floor((cursor - MIN) / HOUR) * HOUR - 7 * HOUR;
        for (const h of series.detailHours()) expect(h >= recent || plan.includes(h)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
