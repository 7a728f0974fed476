// Escalations and the notification outbox. An escalation is keyed by its page's id as text, so it needs nothing from
// the pages tables: the page side hands a page over with startEscalation and stops it with stopEscalation
// (src/store/escalations.ts). Notifications are written in the same transaction as the event that causes them and
// delivered by a worker with retries; every attempt is kept.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('escalations')
    .addColumn('page_id', 'text', (c) => c.primaryKey())
    .addColumn('policy', 'text', (c) => c.notNull())
    // The policy as it was when the page started: a later apply does not change an escalation under way.
    .addColumn('policy_spec', 'json', (c) => c.notNull())
    // What notifications say about the page: service, team, title, severity, links.
    .addColumn('page', 'json', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('active', 'acknowledged', 'resolved', 'unacknowledged')`))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    // The next firing (0-based across rounds; = the number of firings when only "unacknowledged" is left) and when.
    .addColumn('next_index', 'integer', (c) => c.notNull())
    .addColumn('next_due_at', 'timestamptz')
    .addColumn('stopped_at', 'timestamptz')
    .addColumn('stopped_by', 'text')
    .execute();
  await sql`create index escalations_due_idx on escalations (next_due_at) where state = 'active'`.execute(db);

  await db.schema
    .createTable('escalation_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('page_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) =>
      c.notNull().check(sql`type in ('started', 'step_fired', 'acknowledged', 'resolved', 'unacknowledged')`),
    )
    // When it was due (step_fired, unacknowledged) and when it happened: the difference is the lateness.
    .addColumn('due_at', 'timestamptz')
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('step', 'integer')
    .addColumn('round', 'integer')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('details', 'json', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('escalation_events_page_idx').on('escalation_events').columns(['page_id', 'id']).execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    // Sent with every attempt so receivers can drop repeats: a notification is delivered at least once.
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('page_id', 'text')
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('person', 'text')
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('webhook', 'slack', 'email')`))
    // Where to: url or address, and for webhooks where the secret is (env or file), never the secret itself.
    .addColumn('destination', 'json', (c) => c.notNull())
    // The envelope (REFERENCE §2) that every notifier renders from.
    .addColumn('payload', 'json', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'sent', 'dead', 'cancelled')`))
    // Dropped when the page is acknowledged before it was sent ("email after 5 minutes if not acknowledged").
    .addColumn('cancel_on_ack', 'boolean', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`create index notifications_due_idx on notifications (next_attempt_at) where state = 'pending'`.execute(db);
  await db.schema.createIndex('notifications_state_idx').on('notifications').columns(['state', 'id']).execute();
  await db.schema.createIndex('notifications_page_idx').on('notifications').columns(['page_id']).execute();

  await db.schema
    .createTable('notification_attempts')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('notification_id', 'bigint', (c) => c.notNull().references('notifications.id'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('sent', 'failed')`))
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('notification_attempts_notification_idx').on('notification_attempts').columns(['notification_id', 'id']).execute();
}
