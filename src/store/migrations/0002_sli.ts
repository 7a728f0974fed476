// SLI time series: series identities, per-minute counts, hourly roll-ups, and ingest batch keys for idempotency.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sli_series')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('labels', 'json', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('sli_series_name_idx').on('sli_series').column('name').execute();

  // Counts are exact integers; minute and hour rows are kept in step by ingest, in one transaction.
  for (const [table, column] of [
    ['sli_minutes', 'minute'],
    ['sli_hours', 'hour'],
  ] as const) {
    await db.schema
      .createTable(table)
      .addColumn('series_id', 'bigint', (c) => c.notNull().references('sli_series.id'))
      .addColumn(column, 'timestamptz', (c) => c.notNull())
      .addColumn('good', 'bigint', (c) => c.notNull())
      .addColumn('total', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['series_id', column])
      .addCheckConstraint(`${table}_counts`, sql`good >= 0 and total >= good`)
      .execute();
  }

  await db.schema
    .createTable('ingest_batches')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('items', 'integer', (c) => c.notNull())
    // SHA-256 of the batch: a key reused for a different batch is refused, not silently dropped.
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .execute();
}
