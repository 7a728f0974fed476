// SLO alerts: the current state of every burn-rate and no-data alert, and the append-only log of its transitions,
// which the paging layer consumes.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('slo_alerts')
    .addColumn('alert_id', 'text', (c) => c.primaryKey())
    .addColumn('slo', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('burn', 'no_data')`))
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('firing', 'resolved')`))
    .addColumn('since', 'timestamptz', (c) => c.notNull())
    .addColumn('details', 'json', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('slo_alerts_slo_idx').on('slo_alerts').column('slo').execute();

  await db.schema
    .createTable('slo_alert_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('alert_id', 'text', (c) => c.notNull())
    .addColumn('slo', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('details', 'json', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('slo_alert_events_slo_idx').on('slo_alert_events').columns(['slo', 'id']).execute();
}
