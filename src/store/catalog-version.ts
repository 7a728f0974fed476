// A cheap fingerprint of the catalog and of the series known, so that loops which derive state from them (the SLO
// engine) re-read everything only when something changed, not every cycle.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Changes whenever an object of `kinds` is created, updated or deleted, or a series is added: the objects' count,
 * generations and latest update time, and the newest series id, in one statement.
 */
export async function catalogVersion(db: Kysely<Database>, kinds: readonly string[]): Promise<string> {
  const r = await sql<{ objects: string; generations: string; updated: string | null; series: string | null }>`
    select count(*)::text as objects, coalesce(sum(generation), 0)::text as generations,
           max(updated_at)::text as updated, (select max(id) from sli_series)::text as series
    from objects where kind = any(${`{${kinds.join(',')}}`}::text[])`.execute(db);
  const row = r.rows[0];
  return row ? `${row.objects}/${row.generations}/${row.updated ?? ''}/${row.series ?? ''}` : '';
}
