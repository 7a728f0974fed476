// Overrides made through the API (`POST /api/v1/schedules/{name}/overrides`): operational changes that live beside the
// Schedule object rather than in its spec, so that applying the schedule's YAML never removes them (DESIGN §7).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('schedule_overrides')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('schedule', 'text', (c) => c.notNull())
    .addColumn('person', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    // clock_timestamp, not now(): the row must be later than the schedule it was checked against, even when the
    // transaction began before that schedule was committed (overrides older than their schedule are ignored).
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addCheckConstraint('schedule_overrides_range', sql`ends_at > starts_at`)
    .execute();
  await db.schema.createIndex('schedule_overrides_schedule_idx').on('schedule_overrides').columns(['schedule', 'ends_at']).execute();
}
