// Rollouts' runtime state and step log (migration 0012). Writes happen inside the caller's transaction, under a
// per-rollout advisory lock, with the step's traffic change and change event, so state and effects never disagree.
import { sql, type Generated, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { RolloutPhase } from '../domain/rollout/machine.js';
import type { Database } from './schema.js';

export interface RolloutsTable {
  name: string;
  revision: string;
  phase: string;
  step: number;
  weight: number;
  step_started_at: Date | null;
  reason: string;
  last_error: string | null;
  started_at: Date;
  updated_at: Date;
  updated_by: string;
}

export interface RolloutEventsTable {
  id: Generated<string>;
  rollout: string;
  revision: string;
  at: Date;
  action: string;
  phase: string;
  step: number;
  weight: number;
  reason: string;
  actor: string;
  change_id: string | null;
  details: Record<string, unknown>;
}

type Tables = { rollouts: RolloutsTable; rollout_events: RolloutEventsTable };
type Db = Kysely<Database> | Transaction<Database>;

function withRollouts(db: Db): Kysely<Database & Tables> {
  return (db as Kysely<Database>).withTables<Tables>();
}

export interface StoredRollout {
  name: string;
  revision: string;
  phase: RolloutPhase;
  step: number;
  weight: number;
  stepStartedAt: string | null;
  reason: string;
  lastError: string | null;
  startedAt: string;
  updatedAt: string;
  updatedBy: string;
}

export interface RolloutEvent {
  id: string;
  rollout: string;
  revision: string;
  at: string;
  action: string;
  phase: RolloutPhase;
  step: number;
  weight: number;
  reason: string;
  actor: string;
  changeId: string | null;
  details: Record<string, unknown>;
}

const iso = (d: Date | string) => new Date(d).toISOString();

function toRollout(r: Selectable<RolloutsTable>): StoredRollout {
  return {
    name: r.name,
    revision: r.revision,
    phase: r.phase as RolloutPhase,
    step: Number(r.step),
    weight: Number(r.weight),
    stepStartedAt: r.step_started_at === null ? null : iso(r.step_started_at),
    reason: r.reason,
    lastError: r.last_error,
    startedAt: iso(r.started_at),
    updatedAt: iso(r.updated_at),
    updatedBy: r.updated_by,
  };
}

/** Serialises changes of one rollout between the runner and people (two-int advisory lock: "roll", name hash). */
const rolloutLockClass = 0x726f6c6c;

export async function lockRollout(trx: Transaction<Database>, name: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(${rolloutLockClass}::int4, hashtext(${name}))`.execute(trx);
}

export async function getRollout(db: Db, name: string): Promise<StoredRollout | undefined> {
  const r = await withRollouts(db).selectFrom('rollouts').selectAll().where('name', '=', name).executeTakeFirst();
  return r ? toRollout(r) : undefined;
}

export async function listRollouts(db: Db): Promise<StoredRollout[]> {
  return (await withRollouts(db).selectFrom('rollouts').selectAll().orderBy('name').execute()).map(toRollout);
}

/** Writes the whole state of a rollout (insert or replace). */
export async function saveRollout(db: Db, r: Omit<StoredRollout, 'updatedAt'> & { updatedAt: Date }): Promise<void> {
  const row = {
    name: r.name,
    revision: r.revision,
    phase: r.phase,
    step: r.step,
    weight: r.weight,
    step_started_at: r.stepStartedAt === null ? null : new Date(r.stepStartedAt),
    reason: r.reason,
    last_error: r.lastError,
    started_at: new Date(r.startedAt),
    updated_at: r.updatedAt,
    updated_by: r.updatedBy,
  };
  const { name: _name, ...update } = row;
  await withRollouts(db).insertInto('rollouts').values(row).onConflict((oc) => oc.column('name').doUpdateSet(update)).execute();
}

/** Records a failure to apply a step (kept until the next success); the state is otherwise unchanged. */
export async function setRolloutError(db: Db, name: string, error: string, at: Date): Promise<void> {
  await withRollouts(db).updateTable('rollouts').set({ last_error: error.slice(0, 2000), updated_at: at }).where('name', '=', name).execute();
}

export async function appendRolloutEvent(db: Db, e: Omit<RolloutEvent, 'id' | 'at'> & { at: Date }): Promise<void> {
  await withRollouts(db)
    .insertInto('rollout_events')
    .values({
      rollout: e.rollout,
      revision: e.revision,
      at: e.at,
      action: e.action,
      phase: e.phase,
      step: e.step,
      weight: e.weight,
      reason: e.reason,
      actor: e.actor,
      change_id: e.changeId,
      details: JSON.stringify(e.details) as unknown as Record<string, unknown>,
    })
    .execute();
}

/** A rollout's step log, oldest first (at most `limit`, the newest ones). */
export async function listRolloutEvents(db: Db, rollout: string, limit = 200): Promise<RolloutEvent[]> {
  const rows = await withRollouts(db).selectFrom('rollout_events').selectAll().where('rollout', '=', rollout).orderBy('id', 'desc').limit(limit).execute();
  return rows.reverse().map((r) => ({
    id: String(r.id),
    rollout: r.rollout,
    revision: r.revision,
    at: iso(r.at),
    action: r.action,
    phase: r.phase as RolloutPhase,
    step: Number(r.step),
    weight: Number(r.weight),
    reason: r.reason,
    actor: r.actor,
    changeId: r.change_id === null ? null : String(r.change_id),
    details: r.details,
  }));
}
