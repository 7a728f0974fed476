// Built-in telemetry ingest: a validated batch becomes minute counts, committed before the answer (2xx = durable).
import { createHash } from 'node:crypto';
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
  | { status: 'key_reused' }
  | { status: 'invalid'; errors: ItemError[] }
  | { status: 'forbidden'; errors: ItemError[] };

interface SeriesIndex {
  at: number;
  thresholds: Map<string, number[]>;
  /** series name → services whose SLOs read it */
  services: Map<string, Set<string>>;
  /** service → owning team */
  owners: Map<string, string>;
}

function indexSlos(slos: { spec: SloSpec }[], services_: { metadata: { name: string }; spec: { owner: string } }[], now: number): SeriesIndex {
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
  const owners = new Map(services_.map((s) => [s.metadata.name, s.spec.owner]));
  return { at: now, thresholds, services, owners };
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
      const [slos, services] = await Promise.all([listObjects(this.db, 'SLO'), listObjects(this.db, 'Service')]);
      this.index = indexSlos(slos as unknown as { spec: SloSpec }[], services as unknown as { metadata: { name: string }; spec: { owner: string } }[], now);
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
    // Team members write series their team's SLOs read, or that no SLO reads yet; never another team's SLI alone.
    if (opts.principal.role === 'member') {
      const denied: ItemError[] = [];
      for (const name of new Set([...parsed.series.values()].map((s) => s.name))) {
        const readers = [...(index.services.get(name) ?? [])];
        if (readers.length === 0 || readers.some((s) => index.owners.get(s) === opts.principal.team)) continue;
        const idx = Array.isArray(items) ? items.findIndex((it) => (it as { series?: unknown })?.series === name) : -1;
        const teams = [...new Set(readers.map((s) => index.owners.get(s) ?? '?'))].join(', ');
        denied.push({ index: idx, path: `items[${idx}].series`, message: `series ${name} is read only by SLOs of ${teams}, not ${opts.principal.team}` });
      }
      if (denied.length) return { status: 'forbidden', errors: denied };
    }

    const all = [...parsed.series.values()];
    const created = new Map<string, string>();
    const digest = opts.idempotencyKey ? createHash('sha256').update(JSON.stringify(items)).digest('hex') : '';
    const result = await this.db.transaction().execute(async (trx): Promise<IngestResult> => {
      if (opts.idempotencyKey) {
        const claim = await claimBatchKey(trx, opts.idempotencyKey, digest, Array.isArray(items) ? items.length : 0, opts.principal.actor);
        if (claim === 'duplicate') return { status: 'duplicate', duplicate: true };
        if (claim === 'mismatch') return { status: 'key_reused' };
      }
      const missing = all.filter((s) => !this.seriesIds.has(s.key));
      if (missing.length) for (const [k, v] of await ensureSeries(trx, missing)) created.set(k, v);
      const deltas: MinuteDelta[] = [];
      for (const s of all) {
        const id = this.seriesIds.get(s.key) ?? created.get(s.key)!;
        for (const [minuteMs, c] of s.minutes) deltas.push({ seriesId: id, minuteMs, good: c.good, total: c.total });
      }
      await addCounts(trx, deltas);
      return { status: 'committed', events: parsed.events, series: all.length, duplicate: false };
    });
    // Series ids are cached only once their rows are committed.
    for (const [k, v] of created) this.seriesIds.set(k, v);
    return result;
  }
}
