// SLI counts in the store: series identities, minute counts with hourly roll-ups, and ingest batch keys.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Labels } from '../domain/labels.js';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface StoredSeries {
  id: string;
  key: string;
  name: string;
  labels: Labels;
}

export interface MinuteDelta {
  seriesId: string;
  minuteMs: number;
  good: number;
  total: number;
}

/** Ids for series keys, creating the missing ones. Safe under concurrent ingest (on conflict do nothing, then read). */
export async function ensureSeries(db: Db, wanted: { key: string; name: string; labels: Labels }[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  if (wanted.length === 0) return ids;
  await db
    .insertInto('sli_series')
    .values(wanted.map((w) => ({ key: w.key, name: w.name, labels: JSON.stringify(w.labels) })))
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const rows = await db
    .selectFrom('sli_series')
    .select(['id', 'key'])
    .where('key', 'in', wanted.map((w) => w.key))
    .execute();
  for (const r of rows) ids.set(r.key, String(r.id));
  return ids;
}

export async function listSeries(db: Db, name?: string): Promise<StoredSeries[]> {
  let q = db.selectFrom('sli_series').select(['id', 'key', 'name', 'labels']);
  if (name) q = q.where('name', '=', name);
  const rows = await q.orderBy('key').execute();
  return rows.map((r) => ({ id: String(r.id), key: r.key, name: r.name, labels: r.labels }));
}

const hourMs = 3_600_000;

/** Adds counts to minute buckets and their hour roll-ups in one statement each; call inside the batch's transaction. */
export async function addCounts(db: Db, deltas: MinuteDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const hours = new Map<string, MinuteDelta>();
  for (const d of deltas) {
    const hour = Math.floor(d.minuteMs / hourMs) * hourMs;
    const k = `${d.seriesId}:${hour}`;
    const h = hours.get(k);
    if (h) {
      h.good += d.good;
      h.total += d.total;
    } else hours.set(k, { seriesId: d.seriesId, minuteMs: hour, good: d.good, total: d.total });
  }
  // Chunks keep each statement under PostgreSQL's 65,535 bind parameters.
  for (let i = 0; i < deltas.length; i += 10_000) {
    await db
      .insertInto('sli_minutes')
      .values(deltas.slice(i, i + 10_000).map((d) => ({ series_id: d.seriesId, minute: new Date(d.minuteMs), good: d.good, total: d.total })))
      .onConflict((oc) =>
        oc.columns(['series_id', 'minute']).doUpdateSet({
          good: sql`sli_minutes.good + excluded.good`,
          total: sql`sli_minutes.total + excluded.total`,
        }),
      )
      .execute();
  }
  const hourRows = [...hours.values()];
  for (let i = 0; i < hourRows.length; i += 10_000) {
    await db
      .insertInto('sli_hours')
      .values(hourRows.slice(i, i + 10_000).map((d) => ({ series_id: d.seriesId, hour: new Date(d.minuteMs), good: d.good, total: d.total })))
      .onConflict((oc) =>
        oc.columns(['series_id', 'hour']).doUpdateSet({
          good: sql`sli_hours.good + excluded.good`,
          total: sql`sli_hours.total + excluded.total`,
        }),
      )
      .execute();
  }
}

/**
 * Records an idempotency key with the batch's digest: `new` the first time; `duplicate` when the same batch was
 * already committed (the retry must not count twice); `mismatch` when the key was used for a different batch.
 */
export async function claimBatchKey(db: Db, key: string, digest: string, items: number, actor: string): Promise<'new' | 'duplicate' | 'mismatch'> {
  const r = await db.insertInto('ingest_batches').values({ key, digest, items, actor }).onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
  if (Number(r.numInsertedOrUpdatedRows ?? 0) === 1) return 'new';
  const seen = await db.selectFrom('ingest_batches').select('digest').where('key', '=', key).executeTakeFirst();
  return seen?.digest === digest ? 'duplicate' : 'mismatch';
}

export interface CountRow {
  seriesId: string;
  minuteMs: number;
  good: number;
  total: number;
}

/** Minute counts of the given series in [fromMs, toMs). */
export async function readMinutes(db: Db, seriesIds: string[], fromMs: number, toMs: number): Promise<CountRow[]> {
  if (seriesIds.length === 0) return [];
  const rows = await db
    .selectFrom('sli_minutes')
    .select(['series_id', 'minute', 'good', 'total'])
    .where('series_id', 'in', seriesIds)
    .where('minute', '>=', new Date(fromMs))
    .where('minute', '<', new Date(toMs))
    .orderBy('minute')
    .execute();
  return rows.map((r) => ({ seriesId: String(r.series_id), minuteMs: new Date(r.minute).getTime(), good: Number(r.good), total: Number(r.total) }));
}

/**
 * Exact sums over [fromMs, toMs) for each series: whole hours from the roll-ups, the ragged edges from minutes.
 * This is how a 30-day or calendar-quarter window is summed without reading 43,200 rows per series.
 */
export async function sumCounts(db: Db, seriesIds: string[], fromMs: number, toMs: number): Promise<Map<string, { good: number; total: number }>> {
  const out = new Map<string, { good: number; total: number }>();
  if (seriesIds.length === 0 || toMs <= fromMs) return out;
  const firstHour = Math.ceil(fromMs / hourMs) * hourMs;
  const lastHour = Math.floor(toMs / hourMs) * hourMs;
  const addRow = (id: string, good: number, total: number) => {
    const s = out.get(id) ?? { good: 0, total: 0 };
    s.good += good;
    s.total += total;
    out.set(id, s);
  };
  const minuteRanges: [number, number][] = firstHour < lastHour ? [[fromMs, firstHour], [lastHour, toMs]] : [[fromMs, toMs]];
  if (firstHour < lastHour) {
    const rows = await db
      .selectFrom('sli_hours')
      .select(['series_id', (eb) => eb.fn.sum<string>('good').as('good'), (eb) => eb.fn.sum<string>('total').as('total')])
      .where('series_id', 'in', seriesIds)
      .where('hour', '>=', new Date(firstHour))
      .where('hour', '<', new Date(lastHour))
      .groupBy('series_id')
      .execute();
    for (const r of rows) addRow(String(r.series_id), Number(r.good), Number(r.total));
  }
  for (const [from, to] of minuteRanges) {
    if (to <= from) continue;
    const rows = await db
      .selectFrom('sli_minutes')
      .select(['series_id', (eb) => eb.fn.sum<string>('good').as('good'), (eb) => eb.fn.sum<string>('total').as('total')])
      .where('series_id', 'in', seriesIds)
      .where('minute', '>=', new Date(from))
      .where('minute', '<', new Date(to))
      .groupBy('series_id')
      .execute();
    for (const r of rows) addRow(String(r.series_id), Number(r.good), Number(r.total));
  }
  return out;
}
