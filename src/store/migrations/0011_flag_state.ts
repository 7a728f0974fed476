// Runtime state of feature flags (the kill switch and the rollout percentage) changed through the API, the CLI, the
// UI or a progressive rollout. It lives beside the Flag object, not in its spec, so applying the flag's YAML never
// resets a rollout that is under way; a value here wins over the file until it is reset.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('flag_state')
    .addColumn('flag', 'text', (c) => c.primaryKey())
    // null: the file decides.
    .addColumn('enabled', 'boolean')
    .addColumn('percentage', 'smallint')
    // clock_timestamp, not now(): a state must be later than the Flag object it was checked against (states older
    // than their flag belong to a deleted flag of the same name and are ignored), and every write moves it.
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addCheckConstraint('flag_state_percentage', sql`percentage is null or (percentage between 0 and 100)`)
    .execute();
}
