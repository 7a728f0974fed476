// Alert ingest and paging: integration keys (hashed), alerts (one row per occurrence: a resolved alert that fires
// again is a new row), pages (alerts grouped and routed to a team), and page_events, the append-only log of
// everything that happened to a page. page_events is also the seam to escalation: a `triggered` row is what the
// escalation side consumes (in id order) to start a policy; `acknowledged` and `resolved` rows stop it.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('integration_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('integration', 'text', (c) => c.notNull())
    // SHA-256 of the whole key: the key itself is shown once and never stored.
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('integration_keys_integration_idx').on('integration_keys').column('integration').execute();

  await db.schema
    .createTable('pages')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    // Where its alerts came from: an Integration's name, or `pave:slo` for pave's own SLO alerts.
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('group_labels', 'json', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('triggered', 'acknowledged', 'resolved')`))
    // The route: the team paged (null when unrouted), the service it came through, the escalation policy if any.
    .addColumn('team', 'text')
    .addColumn('service', 'text')
    .addColumn('escalation_policy', 'text')
    .addColumn('unrouted', 'boolean', (c) => c.notNull())
    .addColumn('route_reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('acknowledged_at', 'timestamptz')
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('resolved_by', 'text')
    .execute();
  // At most one open page per group: repeats and new alerts of the group join it.
  await sql`create unique index pages_open_group_idx on pages (scope, group_key) where status <> 'resolved'`.execute(db);
  await db.schema.createIndex('pages_status_idx').on('pages').columns(['status', 'id']).execute();
  await db.schema.createIndex('pages_team_idx').on('pages').columns(['team', 'id']).execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('alertmanager', 'alertmanager-v2', 'pagerduty', 'webhook', 'slo')`))
    // Fingerprint, dedup_key, SLO alert id or a hash of the labels: what makes two notifications the same alert.
    .addColumn('identity', 'text', (c) => c.notNull())
    // The sender's own group (Alertmanager's groupKey), to reconcile alerts missing from a complete notification.
    .addColumn('source_group', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('firing', 'resolved')`))
    .addColumn('labels', 'json', (c) => c.notNull())
    .addColumn('annotations', 'json', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('severity', 'text')
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    // Alertmanager API v2: the alert resolves when this passes unless the sender sends it again.
    .addColumn('expires_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('first_received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('received_count', 'integer', (c) => c.notNull())
    .addColumn('details', 'json', (c) => c.notNull())
    .addColumn('page_id', 'bigint', (c) => c.notNull().references('pages.id'))
    .execute();
  await sql`create unique index alerts_open_identity_idx on alerts (scope, identity) where status = 'firing'`.execute(db);
  await db.schema.createIndex('alerts_page_idx').on('alerts').columns(['page_id', 'id']).execute();
  await sql`create index alerts_expiring_idx on alerts (expires_at) where status = 'firing' and expires_at is not null`.execute(db);

  await db.schema
    .createTable('page_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('page_id', 'bigint', (c) => c.notNull().references('pages.id'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('type', 'text', (c) =>
      c.notNull().check(sql`type in ('triggered', 'alert_added', 'alert_resolved', 'acknowledged', 'resolved')`),
    )
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('alert_id', 'bigint')
    .addColumn('details', 'json', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('page_events_page_idx').on('page_events').columns(['page_id', 'id']).execute();
  await db.schema.createIndex('page_events_type_idx').on('page_events').columns(['type', 'id']).execute();

  // PagerDuty change events: they never page; they mark the timeline of the integration's service or team.
  await db.schema
    .createTable('change_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('integration', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('details', 'json', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('change_events_at_idx').on('change_events').columns(['integration', 'at']).execute();
}
