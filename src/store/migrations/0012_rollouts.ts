// Progressive rollouts' runtime state (where each Rollout is, so a restart resumes it) and their step log. The plan
// lives in the Rollout object; a new revision of the object (a changed spec) starts a new run.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rollouts')
    .addColumn('name', 'text', (c) => c.primaryKey())
    // Digest of the spec this run follows.
    .addColumn('revision', 'text', (c) => c.notNull())
    .addColumn('phase', 'text', (c) => c.notNull())
    // −1 before the first step.
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('weight', 'smallint', (c) => c.notNull())
    .addColumn('step_started_at', 'timestamptz')
    .addColumn('reason', 'text', (c) => c.notNull())
    // The last failure to apply a step (a webhook down), cleared by the next success.
    .addColumn('last_error', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addCheckConstraint('rollouts_phase', sql`phase in ('progressing', 'held', 'paused', 'completed', 'rolled_back', 'aborted')`)
    .addCheckConstraint('rollouts_weight', sql`weight between 0 and 100`)
    .execute();
  await db.schema
    .createTable('rollout_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('rollout', 'text', (c) => c.notNull())
    .addColumn('revision', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('weight', 'smallint', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    // The change event this step recorded, for timelines.
    .addColumn('change_id', 'bigint')
    .addColumn('details', 'json', (c) => c.notNull().defaultTo(sql`'{}'::json`))
    .execute();
  await db.schema.createIndex('rollout_events_rollout').on('rollout_events').columns(['rollout', 'id']).execute();
}
