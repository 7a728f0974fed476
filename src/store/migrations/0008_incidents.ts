// Incidents: the incident itself (status, severity, the times the metrics are computed from), the services it
// affects, the pages linked to it, who holds each role now, its append-only event log (status, severity, roles,
// notes, times: the incident's own part of the timeline and the history of every re-assessment), status updates for
// the public, and the webhook URLs subscribed to them. The rest of the timeline is read from the other modules' logs.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('incidents')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('title', 'text', (c) => c.notNull())
    // What the public status page shows instead of the internal title; null shows a generic line.
    .addColumn('public_title', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('investigating', 'identified', 'monitoring', 'resolved')`))
    .addColumn('severity', 'text', (c) => c.notNull().check(sql`severity in ('SEV1', 'SEV2', 'SEV3', 'SEV4')`))
    .addColumn('detected_by', 'text', (c) => c.notNull().check(sql`detected_by in ('monitoring', 'customer', 'other')`))
    .addColumn('impact_start_at', 'timestamptz', (c) => c.notNull())
    .addColumn('detected_at', 'timestamptz', (c) => c.notNull())
    // Set only when someone states it; otherwise engagement is derived from acknowledgements and role joins.
    .addColumn('engaged_at', 'timestamptz')
    .addColumn('mitigated_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('declared_at', 'timestamptz', (c) => c.notNull())
    .addColumn('declared_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addCheckConstraint('incidents_detected_after_impact', sql`detected_at >= impact_start_at`)
    .execute();
  await db.schema.createIndex('incidents_status_idx').on('incidents').columns(['status', 'id']).execute();
  await db.schema.createIndex('incidents_declared_idx').on('incidents').column('declared_at').execute();

  await db.schema
    .createTable('incident_services')
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('incidents.id'))
    .addColumn('service', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_services_pk', ['incident_id', 'service'])
    .execute();
  await db.schema.createIndex('incident_services_service_idx').on('incident_services').columns(['service', 'incident_id']).execute();

  await db.schema
    .createTable('incident_pages')
    // A page belongs to at most one incident.
    .addColumn('page_id', 'bigint', (c) => c.primaryKey().references('pages.id'))
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('incidents.id'))
    .addColumn('linked_at', 'timestamptz', (c) => c.notNull())
    .addColumn('linked_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incident_pages_incident_idx').on('incident_pages').column('incident_id').execute();

  await db.schema
    .createTable('incident_roles')
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('incidents.id'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('commander', 'operations', 'communications', 'planning')`))
    .addColumn('person', 'text', (c) => c.notNull())
    .addColumn('since', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_roles_pk', ['incident_id', 'role'])
    .execute();

  await db.schema
    .createTable('incident_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('incidents.id'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('details', 'json', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incident_events_incident_idx').on('incident_events').columns(['incident_id', 'id']).execute();

  await db.schema
    .createTable('incident_status_updates')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('incidents.id'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    // The incident's status when the update was posted, as the public saw it.
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incident_status_updates_incident_idx').on('incident_status_updates').columns(['incident_id', 'id']).execute();

  await db.schema
    .createTable('incident_subscribers')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('incidents.id'))
    // A webhook URL may carry a secret (Slack-style URLs do): never shown whole, never audited whole.
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addUniqueConstraint('incident_subscribers_url_unique', ['incident_id', 'url'])
    .execute();
}
