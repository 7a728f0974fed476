// Change events for every source, not only PagerDuty's: the existing change_events table (0005) gains what a deploy,
// config, flag, infrastructure, rollback, rollout or break-glass change says about itself. One table, so timelines,
// chart markers and "what changed?" read one place whichever way a change arrived.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Changes recorded through the API have no integration.
  await db.schema.alterTable('change_events').alterColumn('integration', (c) => c.dropNotNull()).execute();
  await db.schema
    .alterTable('change_events')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('deploy'))
    .addColumn('service', 'text')
    .addColumn('team', 'text')
    .addColumn('version', 'text')
    .addColumn('author', 'text')
    .addColumn('recorded_by', 'text')
    .addColumn('link', 'text')
    .addColumn('labels', 'json', (c) => c.notNull().defaultTo(sql`'{}'::json`))
    .execute();
  // PagerDuty change events stored before this migration: sent by their integration.
  await sql`update change_events set author = 'integration:' || integration, recorded_by = 'integration:' || integration where author is null`.execute(db);
  await sql`alter table change_events alter column author set not null, alter column recorded_by set not null, alter column kind drop default`.execute(db);
  await sql`alter table change_events add constraint change_events_kind_check check (kind ~ '^[a-z][a-z0-9_]{0,39}$')`.execute(db);
  await db.schema.createIndex('change_events_service_at_idx').on('change_events').columns(['service', 'at']).execute();
  await db.schema.createIndex('change_events_at_id_idx').on('change_events').columns(['at', 'id']).execute();
}
