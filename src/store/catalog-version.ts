// A cheap fingerprint of the catalog and of the series known, so that loops which derive state from them (the SLO
// engine, paging's catalog snapshot) re-read everything only when something changed, not every cycle.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.js';

/**
 * Changes whenever an object of `kinds` is created, updated or deleted: the objects' count, generations and latest
 * update time. An SQL expression, so that a statement doing something else can read it too (paging reads it with its
 * lock).
 */
export function objectsVersionSql(kinds: readonly string[]): RawBuilder<string> {
  return sql<string>`(select count(*)::text || '/' || coalesce(sum(generation), 0)::text || '/' || coalesce(max(updated_at)::text, '')
    from objects where kind = any(${`{${kinds.join(',')}}`}::text[]))`;
}

/** The fingerprint of the objects of `kinds` and of the series known (the newest series id), in one statement. */
export async function catalogVersion(db: Kysely<Database>, kinds: readonly string[]): Promise<string> {
  const r = await sql<{ version: string }>`
    select ${objectsVersionSql(kinds)} || '/' || coalesce((select max(id) from sli_series)::text, '') as version`.execute(db);
  return r.rows[0]?.version ?? '';
}
