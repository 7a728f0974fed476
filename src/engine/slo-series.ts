// An SLO's own minute counts, folded from the stored series through its indicator's terms, held compactly: hourly
// cumulative counts for the whole horizon and minute detail only for the recent hours and the hours where windows
// start (see compact-series.ts), so thousands of SLOs fit in memory and nothing is rebuilt per cycle.
import type { Kysely } from 'kysely';
import { applyTerms, type Term } from '../domain/indicator.js';
import { ArrayCountSeries } from '../domain/slo/array-series.js';
import type { CompiledSlo } from '../domain/slo/definition.js';
import type { TimeRange } from '../domain/slo/ranges.js';
import type { CountSeries, Counts } from '../domain/slo/series.js';
import type { Database } from '../store/schema.js';
import { readMinutes, type CountRow } from '../store/sli.js';
import { CompactCountSeries, MissingMinuteDetail, planDetail } from './compact-series.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** An SLO's per-minute counts of [fromMs, toMs): from the store's series, or pulled from Prometheus. */
export type MinuteReader = (fromMs: number, toMs: number) => Promise<{ counts: Map<number, Counts>; clamped: number }>;

/** Reads the SLO's folded minute counts of [fromMs, toMs) from the store; good is clamped into [0, total]. */
export async function foldMinutes(db: Kysely<Database>, terms: readonly Term[], fromMs: number, toMs: number): Promise<{ counts: Map<number, Counts>; clamped: number }> {
  const ids = [...new Set(terms.map((t) => t.seriesId))];
  return foldRows(terms, await readMinutes(db, ids, fromMs, toMs), fromMs, toMs);
}

/** Folds stored rows (of any series; those the terms do not name are ignored) of [fromMs, toMs) into the SLO's counts. */
export function foldRows(terms: readonly Term[], rows: Iterable<CountRow>, fromMs: number, toMs: number): { counts: Map<number, Counts>; clamped: number } {
  const bySeries = new Map<string, Term[]>();
  for (const t of terms) bySeries.set(t.seriesId, [...(bySeries.get(t.seriesId) ?? []), t]);
  const counts = new Map<number, Counts>();
  for (const r of rows) {
    const own = bySeries.get(r.seriesId);
    if (!own || r.minuteMs < fromMs || r.minuteMs >= toMs) continue;
    const c = counts.get(r.minuteMs) ?? { good: 0, total: 0 };
    applyTerms(own, r.good, r.total, c);
    counts.set(r.minuteMs, c);
  }
  let clamped = 0;
  for (const c of counts.values()) {
    const total = Math.max(0, c.total);
    const good = Math.min(Math.max(0, c.good), total);
    if (good !== c.good || total !== c.total) clamped++;
    c.good = good;
    c.total = total;
  }
  return { counts, clamped };
}

/** A one-off series over [fromMs, toMs) for history charts: plain arrays, built and dropped per request. */
export async function loadArraySeries(read: MinuteReader, fromMs: number, toMs: number): Promise<ArrayCountSeries> {
  const { counts } = await read(fromMs, toMs);
  const minutes: (Counts | null)[] = new Array<Counts | null>((toMs - fromMs) / MINUTE_MS).fill(null);
  for (const [m, c] of counts) minutes[(m - fromMs) / MINUTE_MS] = c;
  return new ArrayCountSeries(fromMs, minutes);
}

/** Scratch for writing whole hours (putHour copies them): shared, as writes are synchronous. */
const hourBuffers = { good: new Float64Array(60), total: new Float64Array(60), has: new Uint8Array(60) };

function hoursWithData(counts: Map<number, Counts>): Set<number> {
  const hours = new Set<number>();
  for (const m of counts.keys()) hours.add(m - (m % HOUR_MS));
  return hours;
}

/** One SLO's counts over its evaluation horizon, kept in step with the store cycle after cycle. */
export class SloMinutes {
  private readonly held: CompactCountSeries;
  /** Hours the last plan pinned, plus any found missing since. */
  private pins: number[] = [];
  private plannedForHour = Number.NaN;
  /** Minutes whose good exceeded total in the last load (e.g. good and total from different series). */
  clamped = 0;
  /** Nothing written yet (see write). */
  private fresh = true;
  endMs: number;

  constructor(
    private readonly read: MinuteReader,
    private readonly compiled: CompiledSlo,
    startMs: number,
    endMs: number,
    latenessMs: number,
  ) {
    const lateHours = Math.ceil(latenessMs / HOUR_MS);
    this.held = new CompactCountSeries({
      startMs,
      capacityMinutes: (endMs - startMs) / MINUTE_MS + lateHours * 60 + 120,
      recentHours: Math.max(8, lateHours + 7),
      slices: compiled.slice ? [compiled.slice] : [],
    });
    this.endMs = startMs;
    this.held.advanceTo(Math.max(startMs + MINUTE_MS, endMs));
  }

  get startMs(): number {
    return this.held.startMs;
  }

  /** Replaces the minutes of [fromMs, toMs) with what the store holds now: whole hours in bulk, edges minute by minute. */
  async load(fromMs: number, toMs: number): Promise<void> {
    this.apply(await this.read(fromMs, toMs), fromMs, toMs);
  }

  /** Replaces the minutes of [fromMs, toMs) with counts already read (the engine reads all SLOs' recent minutes at once). */
  apply({ counts, clamped }: { counts: Map<number, Counts>; clamped: number }, fromMs: number, toMs: number): void {
    this.clamped = clamped;
    this.write(counts, fromMs, toMs);
    if (toMs > this.endMs) this.endMs = toMs;
    this.held.advanceTo(toMs);
  }

  private write(counts: Map<number, Counts>, fromMs: number, toMs: number): void {
    const { good, total, has } = hourBuffers;
    // Into a new series only the hours with data are written: it holds nothing yet, and writing an empty hour walks
    // its 60 minutes to change nothing (a 33-day horizon is 792 hours, for each of 10,000 SLOs at start-up).
    const withData = this.fresh ? hoursWithData(counts) : undefined;
    this.fresh = false;
    for (let m = fromMs; m < toMs; ) {
      if (withData && !withData.has(m - (m % HOUR_MS))) {
        m = Math.min(toMs, m - (m % HOUR_MS) + HOUR_MS);
        continue;
      }
      if (m % HOUR_MS === 0 && m + HOUR_MS <= toMs) {
        has.fill(0);
        for (let i = 0; i < 60; i++) {
          const c = counts.get(m + i * MINUTE_MS);
          good[i] = c?.good ?? 0;
          total[i] = c?.total ?? 0;
          if (c) has[i] = 1;
        }
        this.held.putHour(m, good, total, has);
        m += HOUR_MS;
        continue;
      }
      // Part of an hour (a window's start, or the minutes so far of the current hour): written in one go.
      const hourMs = m - (m % HOUR_MS);
      const from = (m - hourMs) / MINUTE_MS;
      const to = Math.min(60, (toMs - hourMs) / MINUTE_MS);
      for (let i = from; i < to; i++) {
        const c = counts.get(hourMs + i * MINUTE_MS);
        good[i] = c?.good ?? 0;
        total[i] = c?.total ?? 0;
        has[i] = c ? 1 : 0;
      }
      this.held.putHourPart(hourMs, from, to, good, total, has);
      m = hourMs + to * MINUTE_MS;
    }
  }

  private async loadHours(hours: number[]): Promise<void> {
    for (const h of hours) {
      const { counts } = await this.read(h, h + HOUR_MS);
      this.write(counts, h, h + HOUR_MS);
    }
  }

  /** Moves the held range on to `toMs` with no data for the new minutes (the source could not be read). */
  advanceTo(toMs: number): void {
    if (toMs > this.endMs) this.endMs = toMs;
    this.held.advanceTo(toMs);
  }

  /** Drops hours before `startMs` (the window moved on). */
  trim(startMs: number): void {
    this.held.trimBefore(startMs);
  }

  /** The held counts (see prepare: minute detail is planned once an hour). */
  get series(): CountSeries {
    return this.held;
  }

  /** True when the minute detail for evaluating at `nowMs` has been planned (prepare need not run). */
  plannedAt(nowMs: number): boolean {
    return Math.floor(nowMs / HOUR_MS) === this.plannedForHour;
  }

  /**
   * The series for evaluating at `nowMs`: once an hour, pins the hours whose minute detail the coming hour's
   * evaluations need (planned by running the SLO math itself) and loads the ones not held.
   */
  async prepare(nowMs: number, excluded: readonly TimeRange[]): Promise<CountSeries> {
    const hour = Math.floor(nowMs / HOUR_MS);
    if (hour !== this.plannedForHour) {
      this.pins = planDetail(this.compiled, nowMs, { excluded: [...excluded], lookaheadMinutes: 60 });
      await this.loadHours(this.held.retainDetail(this.pins));
      this.plannedForHour = hour;
    }
    return this.held;
  }

  /** Runs `evaluate`; when it needs an hour the plan missed, loads and pins that hour and tries again. */
  async withDetail<T>(evaluate: (series: CountSeries) => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return evaluate(this.held);
      } catch (err) {
        if (!(err instanceof MissingMinuteDetail) || attempt >= 5) throw err;
        this.pins = [...this.pins, err.hourMs];
        await this.loadHours(this.held.retainDetail(this.pins));
      }
    }
  }
}
