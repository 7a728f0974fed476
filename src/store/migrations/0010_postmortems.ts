// Postmortems (one per incident: its written sections, status draft → in_review → published, due date) and their action
// items (type, repair tag, owner, due date, status, link), which outlive the postmortem's publication and are tracked
// to done for the repair-debt report. Incidents live in migration 0008; the link is by id.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('postmortems')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('incident_id', 'bigint', (c) => c.notNull().unique().references('incidents.id'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft', 'in_review', 'published')`))
    // The template's written sections (summary, root causes, ...): a json object of Markdown strings.
    .addColumn('sections', 'json', (c) => c.notNull())
    // Local date YYYY-MM-DD in the owning team's zone, from the policy when the draft was made; null if not required.
    .addColumn('due_date', 'text', (c) => c.check(sql`due_date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'`))
    .addColumn('due_at', 'timestamptz')
    .addColumn('required_because', 'json', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('published_at', 'timestamptz')
    // What was computed (impact, time metrics, timeline) frozen at publication, so the published text never changes.
    .addColumn('snapshot', 'json')
    .execute();
  await db.schema.createIndex('postmortems_status_idx').on('postmortems').columns(['status', 'id']).execute();

  await db.schema
    .createTable('action_items')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('postmortem_id', 'bigint', (c) => c.notNull().references('postmortems.id'))
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('incidents.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('prevent', 'mitigate', 'detect', 'repair')`))
    .addColumn('tag', 'text', (c) => c.check(sql`tag in ('detection', 'engagement', 'diagnosis')`))
    .addColumn('owner', 'text', (c) => c.notNull())
    // The team that carries the debt (the owner's team, or the postmortem's owning team) and the service it is about.
    .addColumn('team', 'text', (c) => c.notNull())
    .addColumn('service', 'text')
    .addColumn('due_date', 'text', (c) => c.check(sql`due_date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'in_progress', 'done', 'wont_do')`))
    .addColumn('link', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('closed_at', 'timestamptz')
    // Closed exactly when done or won't do, so "open at t" is created_at ≤ t < closed_at.
    .addCheckConstraint('action_items_closed', sql`(status in ('done', 'wont_do')) = (closed_at is not null)`)
    .execute();
  await db.schema.createIndex('action_items_postmortem_idx').on('action_items').columns(['postmortem_id', 'id']).execute();
  await db.schema.createIndex('action_items_open_idx').on('action_items').columns(['closed_at', 'created_at']).execute();
}
