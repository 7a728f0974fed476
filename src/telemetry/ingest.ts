// Built-in telemetry ingest: a validated batch becomes minute counts, committed before the answer (2xx = durable).
import type { Kysely } from 'kysely';
import type { SloSpec } from '../config/kinds/slo.js';
import type { Principal } from '../domain/permissions.js';
import { listObjects } from '../store/objects.js';
import type { Database } from '../store/schema.js';
import { addCounts, claimBatchKey, ensureSeries, type MinuteDelta } from '../store/sli.js';
import { parseBatch, type ItemError } from './items.js';

export interface IngestOptions {
  latenessMs: number;
  futureMs: number;
  /** How long the SLO-derived index (thresholds, series ownership) may be reused before re-reading the catalog. */
  catalogTtlMs: number;
}

export const defaultIngestOptions: IngestOptions = { latenessMs: 60 * 60_000, futureMs: 5 * 60_000, catalogTtlMs: 2000 };

export type IngestResult =
  | { status: 'committed'; events: number; series: number; duplicate: false }
  | { status: 'duplicate'; duplicate: true }
  | { status: 'invalid'; errors: ItemError[] }
  | { status: 'forbidden'; errors: ItemError[] };

interface SeriesIndex {
  at: number;
  thresholds: Map<string, number[]>;
  /** series name → services whose SLOs read it */
  services: Map<string, Set<string>>;
}

function indexSlos(slos: { spec: SloSpec }[], now: number): SeriesIndex {
  const thresholds = new Map<string, number[]>();
  const services = new Map<string, Set<string>>();
  const own = (series: string, service: string) => services.set(series, (services.get(series) ?? new Set()).add(service));
  for (const { spec } of slos) {
    const i = spec.indicator;
    for (const sel of [i.ratio?.total, i.ratio?.good, i.ratio?.bad]) if (sel) own(sel.series, spec.service);
    if (i.latency) own(i.latency.series, spec.service);
    if (i.events) {
      own(i.events.series, spec.service);
      const t = i.events.good.maxLatencyMs;
      if (t !== undefined) thresholds.set(i.events.series, [...new Set([...(thresholds.get(i.events.series) ?? []), t])].sort((a, b) => a - b));
    }
  }
  return { at: now, thresholds, services };
}

export class Ingestor {
  private index: SeriesIndex | undefined;
  private readonly seriesIds = new Map<string, string>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: IngestOptions = defaultIngestOptions,
  ) {}

  /** Forget the SLO-derived index, e.g. right after an apply changed SLOs. */
  invalidate(): void {
    this.index = undefined;
  }

  private async seriesIndex(now: number): Promise<SeriesIndex> {
    if (!this.index || now - this.index.at > this.options.catalogTtlMs) {
      const slos = await listObjects(this.db, 'SLO');
      this.index = indexSlos(slos as unknown as { spec: SloSpec }[], now);
    }
    return this.index;
  }

  async ingest(items: unknown, opts: { principal: Principal; idempotencyKey?: string; now: Date }): Promise<IngestResult> {
    const now = opts.now.getTime();
    const index = await this.seriesIndex(now);
    const parsed = parseBatch(items, {
      now,
      latenessMs: this.options.latenessMs,
      futureMs: this.options.futureMs,
      eventThresholds: (s) => index.thresholds.get(s) ?? [],
    });
    if (parsed.errors.length > 0) return { status: 'invalid', errors: parsed.errors };

    // Ingest tokens write only the series that their services' SLOs read.
    if (opts.principal.role === 'ingest') {
      const allowed = new Set(opts.principal.services ?? []);
      const denied: ItemError[] = [];
      const names = new Set([...parsed.series.values()].map((s) => s.name));
      for (const name of names) {
        const owners = index.services.get(name);
        if (!owners || ![...owners].some((s) => allowed.has(s))) {
          const idx = Array.isArray(items) ? items.findIndex((it) => (it as { series?: unknown })?.series === name) : -1;
          denied.push({ index: idx, path: `items[${idx}].series`, message: `series ${name} is not read by an SLO of ${[...allowed].join(', ') || 'any service'}: this token may not send it` });
        }
      }
      if (denied.length) return { status: 'forbidden', errors: denied };
    }

    const all = [...parsed.series.values()];
    const created = new Map<string, string>();
    const result = await this.db.transaction().execute(async (trx) => {
      if (opts.idempotencyKey && !(await claimBatchKey(trx, opts.idempotencyKey, Array.isArray(items) ? items.length : 0, opts.principal.actor))) {
        return { status: 'duplicate', duplicate: true } as const;
      }
      const missing = all.filter((s) => !this.seriesIds.has(s.key));
      if (missing.length) for (const [k, v] of await ensureSeries(trx, missing)) created.set(k, v);
      const deltas: MinuteDelta[] = [];
      for (const s of all) {
        const id = this.seriesIds.get(s.key) ?? created.get(s.key)!;
        for (const [minuteMs, c] of s.minutes) deltas.push({ seriesId: id, minuteMs, good: c.good, total: c.total });
      }
      await addCounts(trx, deltas);
      return { status: 'committed', events: parsed.events, series: all.length, duplicate: false } as const;
    });
    // Series ids are cached only once their rows are committed.
    for (const [k, v] of created) this.seriesIds.set(k, v);
    return result;
  }
}
