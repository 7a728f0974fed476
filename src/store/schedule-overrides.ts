// On-call overrides made through the API, kept beside their Schedule object (not in its spec) so that applying the
// schedule's YAML neither sees nor removes them. Each write and its audit entry commit together.
import type { Kysely, Selectable, Transaction } from 'kysely';
import { appendAudit } from './audit.js';
import type { Database, ScheduleOverridesTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The audit log's kind for these rows; the name is `<schedule>/<id>`. */
export const overrideAuditKind = 'ScheduleOverride';

export interface ApiOverride {
  id: string;
  schedule: string;
  person: string;
  /** ISO 8601, UTC. */
  start: string;
  end: string;
  reason: string;
  createdAt: string;
  createdBy: string;
}

export interface NewApiOverride {
  schedule: string;
  person: string;
  start: Date;
  end: Date;
  reason: string;
}

export interface Actor {
  actor: string;
  requestId?: string | null;
}

function toOverride(row: Selectable<ScheduleOverridesTable>): ApiOverride {
  return {
    id: String(row.id),
    schedule: row.schedule,
    person: row.person,
    start: new Date(row.starts_at).toISOString(),
    end: new Date(row.ends_at).toISOString(),
    reason: row.reason,
    createdAt: new Date(row.created_at).toISOString(),
    createdBy: row.created_by,
  };
}

function inTransaction<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db as Transaction<Database>) : db.transaction().execute(fn);
}

export interface OverrideQuery {
  /** Only overrides created at or after this instant: a schedule deleted and created again does not inherit the old ones. */
  createdSince: Date;
  /** Only overrides that end after this instant. */
  endingAfter?: Date;
  /** Only overrides that start before this instant. */
  startingBefore?: Date;
}

/** A schedule's API overrides in the order they were made (a later one wins where they overlap). */
export async function listOverrides(db: Db, schedule: string, q: OverrideQuery): Promise<ApiOverride[]> {
  let query = db.selectFrom('schedule_overrides').selectAll().where('schedule', '=', schedule).where('created_at', '>=', q.createdSince);
  if (q.endingAfter) query = query.where('ends_at', '>', q.endingAfter);
  if (q.startingBefore) query = query.where('starts_at', '<', q.startingBefore);
  const rows = await query.orderBy('id').execute();
  return rows.map(toOverride);
}

/** The API overrides of these schedules that overlap [from, to), in the order they were made; one query for all. */
export async function listOverlappingOverrides(db: Db, schedules: string[], from: Date, to: Date): Promise<ApiOverride[]> {
  if (schedules.length === 0) return [];
  const rows = await db
    .selectFrom('schedule_overrides')
    .selectAll()
    .where('schedule', 'in', schedules)
    .where('ends_at', '>', from)
    .where('starts_at', '<', to)
    .orderBy('id')
    .execute();
  return rows.map(toOverride);
}

export async function getOverride(db: Db, schedule: string, id: string): Promise<ApiOverride | undefined> {
  const row = await db.selectFrom('schedule_overrides').selectAll().where('schedule', '=', schedule).where('id', '=', id).executeTakeFirst();
  return row ? toOverride(row) : undefined;
}

export async function createOverride(db: Db, o: NewApiOverride, by: Actor): Promise<ApiOverride> {
  return inTransaction(db, async (trx) => {
    const row = await trx
      .insertInto('schedule_overrides')
      .values({ schedule: o.schedule, person: o.person, starts_at: o.start, ends_at: o.end, reason: o.reason, created_by: by.actor })
      .returningAll()
      .executeTakeFirstOrThrow();
    const created = toOverride(row);
    await appendAudit(trx, [{ actor: by.actor, action: 'create', kind: overrideAuditKind, name: `${o.schedule}/${created.id}`, after: created, requestId: by.requestId ?? null }]);
    return created;
  });
}

/** Deletes the override and records what it was; false when it was already gone. */
export async function deleteOverride(db: Db, existing: ApiOverride, by: Actor): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const gone = await trx.deleteFrom('schedule_overrides').where('id', '=', existing.id).where('schedule', '=', existing.schedule).executeTakeFirst();
    if (Number(gone.numDeletedRows) === 0) return false;
    await appendAudit(trx, [{ actor: by.actor, action: 'delete', kind: overrideAuditKind, name: `${existing.schedule}/${existing.id}`, before: existing, requestId: by.requestId ?? null }]);
    return true;
  });
}
