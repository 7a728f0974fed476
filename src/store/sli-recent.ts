// The engine's per-cycle read: the recent minutes of every series any SLO reads, in one statement (one array
// parameter, however many series), instead of one query per SLO.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { CountRow } from './sli.js';

export async function readRecentMinutes(db: Kysely<Database>, seriesIds: readonly string[], fromMs: number, toMs: number): Promise<CountRow[]> {
  if (seriesIds.length === 0 || toMs <= fromMs) return [];
  const ids = `{${seriesIds.join(',')}}`;
  const r = await sql<{ series_id: string; minute_ms: string; good: string; total: string }>`
    select series_id, (extract(epoch from minute) * 1000)::bigint as minute_ms, good, total
    from sli_minutes
    where series_id = any(${ids}::bigint[]) and minute >= ${new Date(fromMs)} and minute < ${new Date(toMs)}`.execute(db);
  return r.rows.map((row) => ({ seriesId: String(row.series_id), minuteMs: Number(row.minute_ms), good: Number(row.good), total: Number(row.total) }));
}
