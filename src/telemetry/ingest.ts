// Built-in telemetry ingest: a validated batch becomes minute counts, committed before the answer (2xx = durable).
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { SloSpec } from '../config/kinds/slo.js';
import type { Principal } from '../domain/permissions.js';
import { listObjects } from '../store/objects.js';
import type { Database } from '../store/schema.js';
import { addCounts, claimBatchKeys, commitNewBatches, ensureSeries, type BatchKey, type MinuteDelta } from '../store/sli.js';
import { ScannedBatch, scanBody } from './body-scan.js';
import { countScanned, parseBatch, SeriesIdentities, type IngestRules, type ItemError, type SeriesDelta } from './items.js';

export interface IngestOptions {
  latenessMs: number;
  futureMs: number;
  /** How long the SLO-derived index (thresholds, series ownership) may be reused before re-reading the catalog. */
  catalogTtlMs: number;
  /**
   * When the store runs on this thread (PGlite): how long a group commit may wait for batches whose requests have
   * begun (expectBatch) or that usually come together, so that they share its transaction instead of each paying for
   * their own (see gather). Default 25.
   */
  gatherMs?: number;
}

const defaultGatherMs = 25;

export const defaultIngestOptions: IngestOptions = { latenessMs: 60 * 60_000, futureMs: 5 * 60_000, catalogTtlMs: 2000, gatherMs: defaultGatherMs };

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
function seriesDenials(p: Principal, index: SeriesIndex, names: string[], batchItems: () => unknown): ItemError[] {
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
    const items = batchItems();
    const index_ = Array.isArray(items) ? items.findIndex((it) => (it as { series?: unknown })?.series === name) : -1;
    return [{ index: index_, path: `items[${index_}].series`, message }];
  });
}

/**
 * What an Idempotency-Key is stored with, to tell a retry of its batch from another batch: the SHA-256 of the request
 * body as sent (hashing the bytes costs a tenth of serialising the parsed items again to hash them), or, for batches
 * handed over in-process without a body, of the items serialised (`JSON.stringify`) and unprefixed, which is also what
 * every key stored before body digests was recorded with.
 */
const bodyDigestPrefix = 'body-sha256:';

function batchDigest(items: () => unknown, body: Uint8Array | undefined): string {
  return body ? bodyDigestPrefix + createHash('sha256').update(body).digest('hex') : itemsDigest(items());
}

function itemsDigest(items: unknown): string {
  return createHash('sha256').update(JSON.stringify(items)).digest('hex');
}

/** Whether a key's stored digest names this batch: a retry (duplicate) rather than another batch (key reused). */
function sameBatch(stored: string, p: Pending): boolean {
  if (stored === p.digest) return true;
  // Stored from items (before body digests, or in-process): compare in kind; only a key conflict pays for this.
  return !stored.startsWith(bodyDigestPrefix) && p.digest.startsWith(bodyDigestPrefix) && stored === itemsDigest(p.batch());
}

/** A parsed, authorized batch waiting for the writer. */
interface Pending {
  series: SeriesDelta[];
  events: number;
  items: number;
  key?: string;
  digest: string;
  /** The items: their digest in kind, should the key have been stored with one (sameBatch). */
  batch: () => unknown;
  actor: string;
  resolve(r: IngestResult): void;
  reject(err: unknown): void;
}

/** Whether the store executes queries on this thread: PGlite is PostgreSQL compiled to WebAssembly, run in-process. */
async function runsOnThisThread(db: Kysely<Database>): Promise<boolean> {
  const { rows } = await sql<{ version: string }>`select version() as version`.execute(db);
  return /emscripten|wasm/i.test(rows[0]?.version ?? '');
}

/** Identities and body spellings kept across batches before they are forgotten wholesale. */
const maxKnownIdentities = 50_000;

/** Bounds on one group commit: its transaction's size, and so the latency a batch can add to the others. */
const maxGroupBatches = 64;
const maxGroupItems = 100_000;

export class Ingestor {
  private readonly queue: Pending[] = [];
  private writing = false;
  /** Validated series identities reused across batches (parseBatch, scan). */
  private readonly identities = new SeriesIdentities();
  private index: SeriesIndex | undefined;
  private readonly seriesIds = new Map<string, string>();
  /** Batches announced by expectBatch that have not reached the queue (nor given up) yet. */
  private arriving = 0;
  /** Batches in the transaction being committed. */
  private committing = 0;
  /**
   * How many batches a group gathers when the store runs on this thread (PGlite): the most seen at once in the ingest
   * path (arriving, queued and committing), lowered to what did come when a gather times out.
   */
  private expected = 1;
  private storeOnThisThread: Promise<boolean> | undefined;
  /** Wakes a waiting gather(): a batch was queued or will not come. */
  private onArrival: (() => void) | undefined;

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

  /**
   * Tells the writer that a batch is on its way (its request has begun), so that the next group commit waits up to
   * gatherMs for it. Returns the call that says it arrived (ingest makes it once the batch is queued) or never will;
   * calling it again does nothing. It only shapes groups: a batch announced and never delivered delays one commit by
   * at most gatherMs.
   */
  expectBatch(): () => void {
    this.arriving++;
    let settled = false;
    return () => {
      if (settled) return;
      settled = true;
      this.arriving--;
      this.onArrival?.();
    };
  }

  /** Reads a request body straight from its bytes when it is a plain batch (body-scan.ts); undefined otherwise. */
  scan(body: Buffer): ScannedBatch | undefined {
    return scanBody(body, this.knownIdentities());
  }

  /** The identities kept across batches, forgotten wholesale past a bound (a sender's series are re-learnt at once). */
  private knownIdentities(): SeriesIdentities {
    if (this.identities.size >= maxKnownIdentities) this.identities.clear();
    return this.identities;
  }

  /**
   * Validates, authorizes and commits one batch: its items, or a body scan of them. `body` is the request body the
   * items were read from, when there is one: a retry is then recognised by its bytes (see batchDigest). `arrived` is
   * expectBatch's call for this batch.
   */
  async ingest(batch: unknown, opts: { principal: Principal; idempotencyKey?: string; now: Date; body?: Uint8Array; arrived?: () => void }): Promise<IngestResult> {
    const now = opts.now.getTime();
    const index = await this.seriesIndex(now);
    const rules: IngestRules = {
      now,
      latenessMs: this.options.latenessMs,
      futureMs: this.options.futureMs,
      eventThresholds: (s) => index.thresholds.get(s) ?? [],
      identities: this.knownIdentities(),
    };
    const scanned = batch instanceof ScannedBatch ? batch : undefined;
    // The items as JSON.parse reads them: as given, or parsed from a scanned batch's body only if needed (a batch with
    // an invalid or forbidden item is read again the ordinary way, which names every problem).
    const plainItems = scanned ? once(() => scanned.items()) : () => batch;
    const parsed = (scanned && countScanned(scanned, rules)) ?? parseBatch(plainItems(), rules);
    if (parsed.errors.length > 0) return { status: 'invalid', errors: parsed.errors };

    const denied = seriesDenials(opts.principal, index, [...new Set([...parsed.series.values()].map((s) => s.name))], plainItems);
    if (denied.length) return { status: 'forbidden', errors: denied };

    const digest = opts.idempotencyKey ? batchDigest(plainItems, opts.body) : '';
    return new Promise<IngestResult>((resolve, reject) => {
      this.queue.push({
        series: [...parsed.series.values()],
        events: parsed.events,
        items: scanned ? scanned.count : lengthOf(plainItems()),
        key: opts.idempotencyKey,
        digest,
        batch: plainItems,
        actor: opts.principal.actor,
        resolve,
        reject,
      });
      opts.arrived?.();
      this.expected = Math.max(this.expected, Math.min(maxGroupBatches, this.queue.length + this.arriving + this.committing));
      this.onArrival?.();
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
        await this.gather();
        const group: Pending[] = [];
        let items = 0;
        while (this.queue.length > 0 && group.length < maxGroupBatches && (group.length === 0 || items + this.queue[0]!.items <= maxGroupItems)) {
          const p = this.queue.shift()!;
          items += p.items;
          group.push(p);
        }
        this.committing = group.length;
        try {
          const results = await this.commit(group);
          group.forEach((p, i) => p.resolve(results[i]!));
        } catch (err) {
          // Rolled back as a whole: commit one by one, so that a failing batch fails alone.
          if (group.length === 1) group[0]!.reject(err);
          else for (const p of group) await this.commit([p]).then(([r]) => p.resolve(r!), p.reject);
        } finally {
          this.committing = 0;
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /**
   * Before a group commit: lets the requests whose bytes have already arrived be parsed and queued first, so that they
   * join it. When the store runs on this thread (PGlite), also waits, up to gatherMs, for the batches announced as on
   * their way and for as many as were seen at once before: rows are written once per series and minute per group, so
   * a group of eight batches writes barely more than a group of four, and waiting costs nothing the transaction could
   * have used, the thread being busy receiving and parsing those batches. A store in another process (PostgreSQL)
   * commits while this thread parses the next batches, so there the group is what has arrived.
   */
  private async gather(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    const onThisThread = (this.storeOnThisThread ??= runsOnThisThread(this.db).catch(() => {
      this.storeOnThisThread = undefined; // ask again next time; meanwhile commit what has arrived
      return false;
    }));
    if (!(await onThisThread)) return;
    const until = performance.now() + (this.options.gatherMs ?? defaultGatherMs);
    while ((this.arriving > 0 || this.queue.length < this.expected) && this.queue.length < maxGroupBatches) {
      const left = until - performance.now();
      if (left <= 0) {
        this.expected = Math.max(1, this.queue.length);
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.onArrival = undefined;
          resolve();
        }, left);
        this.onArrival = () => {
          clearTimeout(timer);
          this.onArrival = undefined;
          resolve();
        };
      });
    }
  }

  /**
   * Commits a group: in one statement when every batch is new (distinct keys, series known), which is the steady
   * state; carefully otherwise, or when one of its keys turns out to have been used before.
   */
  private async commit(group: Pending[]): Promise<IngestResult[]> {
    const keys = group.flatMap((p) => (p.key !== undefined ? [p.key] : []));
    const merged = mergeSeries(group);
    if (new Set(keys).size === keys.length && merged.every((s) => this.seriesIds.has(s.key))) {
      const deltas = minuteDeltas(merged, (key) => this.seriesIds.get(key)!);
      if (await commitNewBatches(this.db, group.flatMap(batchKey), deltas)) return group.map(committed);
    }
    return this.commitCarefully(group);
  }

  /**
   * Commits a group in a transaction that first claims its keys: a batch whose key was used before is answered as a
   * duplicate or a reused key and not counted; missing series are created.
   */
  private async commitCarefully(group: Pending[]): Promise<IngestResult[]> {
    const created = new Map<string, string>();
    const results = await this.db.transaction().execute(async (trx) => {
      const claims = await claimBatchKeys(trx, group.flatMap(batchKey));
      const counted: Pending[] = [];
      const out: IngestResult[] = [];
      for (const p of group) {
        if (p.key !== undefined) {
          const claim = claims.get(p.key)!;
          if (claim !== 'new') {
            out.push(sameBatch(claim.digest, p) ? { status: 'duplicate', duplicate: true } : { status: 'key_reused' });
            continue;
          }
          // A key this group claims once: later batches of the group with it see the first one's digest.
          claims.set(p.key, { digest: p.digest });
        }
        counted.push(p);
        out.push(committed(p));
      }
      const merged = mergeSeries(counted);
      const missing = merged.filter((s) => !this.seriesIds.has(s.key));
      if (missing.length) for (const [k, v] of await ensureSeries(trx, missing)) created.set(k, v);
      await addCounts(trx, minuteDeltas(merged, (key) => this.seriesIds.get(key) ?? created.get(key)!));
      return out;
    });
    // Series ids are cached only once their rows are committed.
    for (const [k, v] of created) this.seriesIds.set(k, v);
    return results;
  }
}

function once<T>(f: () => T): () => T {
  let done: { value: T } | undefined;
  return () => (done ??= { value: f() }).value;
}

function lengthOf(items: unknown): number {
  return Array.isArray(items) ? items.length : 0;
}

function committed(p: Pending): IngestResult {
  return { status: 'committed', events: p.events, series: p.series.length, duplicate: false };
}

function batchKey(p: Pending): BatchKey[] {
  return p.key !== undefined ? [{ key: p.key, digest: p.digest, items: p.items, actor: p.actor }] : [];
}

/** The batches' counts summed per series and minute: rows are written once per group, not once per batch. */
function mergeSeries(batches: Pending[]): SeriesDelta[] {
  const merged = new Map<string, SeriesDelta>();
  for (const p of batches) {
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
  }
  return [...merged.values()];
}

function minuteDeltas(series: SeriesDelta[], idOf: (key: string) => string): MinuteDelta[] {
  const deltas: MinuteDelta[] = [];
  for (const s of series) {
    const seriesId = idOf(s.key);
    for (const [minuteMs, c] of s.minutes) deltas.push({ seriesId, minuteMs, good: c.good, total: c.total });
  }
  return deltas;
}
