// Built-in telemetry ingest: a validated batch becomes minute counts, committed before the answer (2xx = durable).
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { SloSpec } from '../config/kinds/slo.js';
import type { Principal } from '../domain/permissions.js';
import { listObjects } from '../store/objects.js';
import type { Database } from '../store/schema.js';
import { addCounts, claimBatchKeys, ensureSeries, type MinuteDelta } from '../store/sli.js';
import { parseBatch, type ItemError, type SeriesDelta, type SeriesIdentity } from './items.js';

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

/**
 * Which series `p` may not write, as item errors (pointing at the first item of each). Ingest tokens write only series
 * their services' SLOs read; team members write series their team's SLOs read, or that no SLO reads yet, never another
 * team's SLI alone; admins write anything.
 */
function seriesDenials(p: Principal, index: SeriesIndex, names: string[], items: unknown): ItemError[] {
  const reason = (name: string): string | null => {
    const readers = [...(index.services.get(name) ?? [])];
    if (p.role === 'ingest') {
      const allowed = p.services ?? [];
      return readers.some((s) => allowed.includes(s)) ? null : `series ${name} is not read by an SLO of ${allowed.join(', ') || 'any service'}: this token may not send it`;
    }
    if (p.role === 'member') {
      if (readers.length === 0 || readers.some((s) => index.owners.get(s) === p.team)) return null;
      return `series ${name} is read only by SLOs of ${[...new Set(readers.map((s) => index.owners.get(s) ?? '?'))].join(', ')}, not ${p.team}`;
    }
    return null;
  };
  return names.flatMap((name) => {
    const message = reason(name);
    if (message === null) return [];
    const index_ = Array.isArray(items) ? items.findIndex((it) => (it as { series?: unknown })?.series === name) : -1;
    return [{ index: index_, path: `items[${index_}].series`, message }];
  });
}

/** A parsed, authorized batch waiting for the writer. */
interface Pending {
  series: SeriesDelta[];
  events: number;
  items: number;
  key?: string;
  digest: string;
  actor: string;
  resolve(r: IngestResult): void;
  reject(err: unknown): void;
}

/** Bounds on one group commit: its transaction's size, and so the latency a batch can add to the others. */
const maxGroupBatches = 64;
const maxGroupItems = 100_000;

export class Ingestor {
  private readonly queue: Pending[] = [];
  private writing = false;
  /** Validated series identities reused across batches (parseBatch), forgotten wholesale past 50,000. */
  private readonly identities = new Map<string, SeriesIdentity>();
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
      identities: this.identities.size < 50_000 ? this.identities : (this.identities.clear(), this.identities),
    });
    if (parsed.errors.length > 0) return { status: 'invalid', errors: parsed.errors };

    const denied = seriesDenials(opts.principal, index, [...new Set([...parsed.series.values()].map((s) => s.name))], items);
    if (denied.length) return { status: 'forbidden', errors: denied };

    const digest = opts.idempotencyKey ? createHash('sha256').update(JSON.stringify(items)).digest('hex') : '';
    return new Promise<IngestResult>((resolve, reject) => {
      this.queue.push({
        series: [...parsed.series.values()],
        events: parsed.events,
        items: Array.isArray(items) ? items.length : 0,
        key: opts.idempotencyKey,
        digest,
        actor: opts.principal.actor,
        resolve,
        reject,
      });
      if (!this.writing) void this.write();
    });
  }

  /**
   * Group commit: one writer drains the queue, committing every batch that arrived while the previous transaction
   * ran as one transaction (their counts summed per series and minute, so rows are written once per group, not once
   * per batch), then answers each. A batch is still answered only after its counts are committed.
   */
  private async write(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        // Let the requests whose bytes have already arrived be parsed and queued first: they join this group.
        await new Promise((r) => setImmediate(r));
        const group: Pending[] = [];
        let items = 0;
        while (this.queue.length > 0 && group.length < maxGroupBatches && (group.length === 0 || items + this.queue[0]!.items <= maxGroupItems)) {
          const p = this.queue.shift()!;
          items += p.items;
          group.push(p);
        }
        try {
          const results = await this.commit(group);
          group.forEach((p, i) => p.resolve(results[i]!));
        } catch (err) {
          // Rolled back as a whole: commit one by one, so that a failing batch fails alone.
          if (group.length === 1) group[0]!.reject(err);
          else for (const p of group) await this.commit([p]).then(([r]) => p.resolve(r!), p.reject);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async commit(group: Pending[]): Promise<IngestResult[]> {
    const created = new Map<string, string>();
    const results = await this.db.transaction().execute(async (trx) => {
      const claims = await claimBatchKeys(trx, group.flatMap((p) => (p.key ? [{ key: p.key, digest: p.digest, items: p.items, actor: p.actor }] : [])));
      const merged = new Map<string, SeriesDelta>();
      const out: IngestResult[] = [];
      for (const p of group) {
        if (p.key !== undefined) {
          const claim = claims.get(p.key)!;
          if (claim !== 'new') {
            out.push(claim.digest === p.digest ? { status: 'duplicate', duplicate: true } : { status: 'key_reused' });
            continue;
          }
          // A key this group claims once: later batches of the group with it see the first one's digest.
          claims.set(p.key, { digest: p.digest });
        }
        for (const s of p.series) {
          const m = merged.get(s.key);
          if (!m) merged.set(s.key, { ...s, minutes: new Map([...s.minutes].map(([t, c]) => [t, { ...c }])) });
          else
            for (const [t, c] of s.minutes) {
              const x = m.minutes.get(t);
              if (x) (x.good += c.good), (x.total += c.total);
              else m.minutes.set(t, { ...c });
            }
        }
        out.push({ status: 'committed', events: p.events, series: p.series.length, duplicate: false });
      }
      const all = [...merged.values()];
      const missing = all.filter((s) => !this.seriesIds.has(s.key));
      if (missing.length) for (const [k, v] of await ensureSeries(trx, missing)) created.set(k, v);
      const deltas: MinuteDelta[] = [];
      for (const s of all) {
        const id = this.seriesIds.get(s.key) ?? created.get(s.key)!;
        for (const [minuteMs, c] of s.minutes) deltas.push({ seriesId: id, minuteMs, good: c.good, total: c.total });
      }
      await addCounts(trx, deltas);
      return out;
    });
    // Series ids are cached only once their rows are committed.
    for (const [k, v] of created) this.seriesIds.set(k, v);
    return results;
  }
}
