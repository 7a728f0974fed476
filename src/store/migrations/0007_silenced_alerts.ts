// Silences: an alert a silence keeps off a page is still stored, with no page and the silence's name. It joins a
// page (page_id set, silenced_by cleared) at its first notification after the silence ends.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alerts').alterColumn('page_id', (c) => c.dropNotNull()).execute();
  await db.schema.alterTable('alerts').addColumn('silenced_by', 'text').execute();
  // Either on a page or silenced, never neither.
  await sql`alter table alerts add constraint alerts_paged_or_silenced check (page_id is not null or silenced_by is not null)`.execute(db);
  await sql`create index alerts_silenced_idx on alerts (id) where silenced_by is not null`.execute(db);
}
