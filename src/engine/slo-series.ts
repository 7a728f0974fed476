// An SLO's own minute counts, folded from the stored series through its indicator's terms.
import type { Kysely } from 'kysely';
import { applyTerms, type Term } from '../domain/indicator.js';
import { ArrayCountSeries } from '../domain/slo/array-series.js';
import type { Counts } from '../domain/slo/series.js';
import type { Database } from '../store/schema.js';
import { readMinutes } from '../store/sli.js';

const MINUTE_MS = 60_000;

/** Minute counts of one SLO over [startMs, endMs), kept in memory and refreshed at the recent end. */
export class SloMinutes {
  private counts = new Map<number, Counts>();
  /** Set when the indicator's good exceeded its total in some minute (e.g. good and total from different series). */
  clamped = 0;

  constructor(
    readonly terms: readonly Term[],
    public startMs: number,
    public endMs: number,
  ) {}

  private seriesIds(): string[] {
    return [...new Set(this.terms.map((t) => t.seriesId))];
  }

  /** Replaces the minutes of [fromMs, toMs) with what the store holds now. */
  async load(db: Kysely<Database>, fromMs: number, toMs: number): Promise<void> {
    for (let m = fromMs; m < toMs; m += MINUTE_MS) this.counts.delete(m);
    const bySeries = new Map<string, Term[]>();
    for (const t of this.terms) bySeries.set(t.seriesId, [...(bySeries.get(t.seriesId) ?? []), t]);
    const rows = await readMinutes(db, this.seriesIds(), fromMs, toMs);
    for (const r of rows) {
      const c = this.counts.get(r.minuteMs) ?? { good: 0, total: 0 };
      applyTerms(bySeries.get(r.seriesId) ?? [], r.good, r.total, c);
      this.counts.set(r.minuteMs, c);
    }
    if (toMs > this.endMs) this.endMs = toMs;
  }

  /** Drops minutes before `startMs` (the window moved on). */
  trim(startMs: number): void {
    if (startMs <= this.startMs) return;
    for (const m of this.counts.keys()) if (m < startMs) this.counts.delete(m);
    this.startMs = startMs;
  }

  /** A CountSeries over [startMs, endMs) for the SLO math. */
  series(): ArrayCountSeries {
    const n = Math.max(0, (this.endMs - this.startMs) / MINUTE_MS);
    const minutes: (Counts | null)[] = new Array<Counts | null>(n).fill(null);
    this.clamped = 0;
    for (const [m, c] of this.counts) {
      const i = (m - this.startMs) / MINUTE_MS;
      if (i < 0 || i >= n) continue;
      const total = Math.max(0, c.total);
      const good = Math.min(Math.max(0, c.good), total);
      if (good !== c.good || total !== c.total) this.clamped++;
      minutes[i] = { good, total };
    }
    return new ArrayCountSeries(this.startMs, minutes);
  }
}
