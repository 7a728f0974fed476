// The notification outbox: rows written in the transaction of the event that causes them, claimed by any replica's
// worker with FOR UPDATE SKIP LOCKED, and leased while being sent, so a worker that dies mid-send (SIGKILL) leaves a
// row that becomes due again when its lease ends: every notification is delivered at least once, and the
// idempotency key lets receivers drop a repeat.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

export type NotificationChannel = 'webhook' | 'slack' | 'email';
export type NotificationState = 'pending' | 'sent' | 'dead' | 'cancelled';
export const notificationStates: readonly NotificationState[] = ['pending', 'sent', 'dead', 'cancelled'];

/** Where a notification goes. A webhook's secret is named by where it is (env or file), never stored here. */
export type Destination =
  | { url: string; secret?: { env: string } | { file: string } }
  | { address: string };

export interface NewNotification {
  idempotencyKey: string;
  pageId: string | null;
  eventType: string;
  person: string | null;
  channel: NotificationChannel;
  destination: Destination;
  payload: Record<string, unknown>;
  /** Not before this instant (a rule's delay). */
  notBefore: Date;
  cancelOnAck: boolean;
}

export interface Notification {
  id: string;
  idempotencyKey: string;
  pageId: string | null;
  eventType: string;
  person: string | null;
  channel: NotificationChannel;
  destination: Destination;
  payload: Record<string, unknown>;
  state: NotificationState;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface NotificationAttempt {
  attempt: number;
  at: string;
  outcome: 'sent' | 'failed';
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

function toNotification(r: Database['notifications'] extends infer T ? { [K in keyof T]: unknown } : never): Notification {
  return {
    id: String(r.id),
    idempotencyKey: r.idempotency_key as string,
    pageId: r.page_id as string | null,
    eventType: r.event_type as string,
    person: r.person as string | null,
    channel: r.channel as NotificationChannel,
    destination: r.destination as Destination,
    payload: r.payload as Record<string, unknown>,
    state: r.state as NotificationState,
    attempts: Number(r.attempts),
    nextAttemptAt: iso(r.next_attempt_at as Date)!,
    lastError: r.last_error as string | null,
    createdAt: iso(r.created_at as Date)!,
    sentAt: iso(r.sent_at as Date | null),
  };
}

/** Adds notifications (inside the caller's transaction); one already there with the same key is left as it is. */
export async function enqueueNotifications(db: Db, items: NewNotification[], now: Date): Promise<number> {
  if (items.length === 0) return 0;
  const rows = await db
    .insertInto('notifications')
    .values(
      items.map((n) => ({
        idempotency_key: n.idempotencyKey,
        page_id: n.pageId,
        event_type: n.eventType,
        person: n.person,
        channel: n.channel,
        destination: JSON.stringify(n.destination),
        payload: JSON.stringify(n.payload),
        state: 'pending',
        cancel_on_ack: n.cancelOnAck,
        next_attempt_at: n.notBefore,
        created_at: now,
        updated_at: now,
      })),
    )
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .execute();
  return rows.length;
}

/** A notification this worker holds until `leaseUntil`, on its `attempt`-th attempt. */
export interface ClaimedNotification extends Notification {
  attempt: number;
}

/** A notifications row (as selected, or as JSON from json_agg) held by the worker that claimed it. */
export function claimedOf(row: { [K in keyof Database['notifications']]: unknown }): ClaimedNotification {
  return { ...toNotification(row), attempt: Number(row.attempts) };
}

/**
 * Takes up to `limit` due notifications: their attempt count goes up and they are leased for `leaseMs`, in one
 * statement (its own transaction), so the send itself holds no lock and other replicas skip them meanwhile.
 */
export async function claimDueNotifications(db: Db, now: Date, limit: number, leaseMs: number): Promise<ClaimedNotification[]> {
  const { rows } = await sql<Database['notifications'] extends infer T ? { [K in keyof T]: unknown } : never>`
    update notifications set attempts = attempts + 1, next_attempt_at = ${new Date(now.getTime() + leaseMs)}::timestamptz, updated_at = ${now}::timestamptz
    where id in (
      select id from notifications where state = 'pending' and next_attempt_at <= ${now}::timestamptz
      order by next_attempt_at limit ${limit} for update skip locked)
    returning *`.execute(db);
  // In due order, as they were picked (RETURNING follows no order).
  const picked = rows.map(claimedOf);
  return picked.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
}

export type DeliveryOutcome =
  | { outcome: 'sent' }
  | { outcome: 'retry'; at: Date; error: string }
  | { outcome: 'dead'; error: string };

/** One attempt's facts, as recordDelivery(ies) store them. */
export interface AttemptRecord {
  at: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

/**
 * Records one attempt and the notification's new state. Applies only if the row is still on that attempt (a lease
 * that ran out and was claimed again by another worker wins); the attempt itself is recorded either way.
 */
export async function recordDelivery(db: Db, n: ClaimedNotification, result: DeliveryOutcome, attempt: AttemptRecord): Promise<void> {
  await recordDeliveries(db, [{ n, result, attempt }]);
}

/**
 * recordDelivery for several attempts in one statement, whatever their number: the outbox worker records the sends
 * that finished together at once, instead of a transaction each.
 */
export async function recordDeliveries(db: Db, records: readonly { n: ClaimedNotification; result: DeliveryOutcome; attempt: AttemptRecord }[]): Promise<void> {
  if (records.length === 0) return;
  const col = <T>(f: (r: (typeof records)[number]) => T) => records.map(f);
  // One statement (so one transaction): the attempts appended, and each notification's state moved on.
  // sent: state sent, sent_at set, no error; retry: still pending, due again at its time, with the error; dead: the error.
  await sql`
    with v as (
      select * from unnest(${col((r) => r.n.id)}::bigint[], ${col((r) => r.n.attempt)}::int[],
        ${col((r) => (r.result.outcome === 'retry' ? 'pending' : r.result.outcome))}::text[], ${col((r) => r.attempt.at)}::timestamptz[],
        ${col((r) => (r.result.outcome === 'retry' ? r.result.at : null))}::timestamptz[],
        ${col((r) => (r.result.outcome === 'sent' ? null : r.result.error.slice(0, 2000)))}::text[],
        ${col((r) => (r.result.outcome === 'sent' ? 'sent' : 'failed'))}::text[], ${col((r) => Math.round(r.attempt.durationMs))}::int[],
        ${col((r) => r.attempt.statusCode)}::int[], ${col((r) => r.attempt.error?.slice(0, 2000) ?? null)}::text[])
        with ordinality as v(id, attempt, state, at, next_at, error, outcome, duration_ms, status_code, attempt_error, ord)),
    moved as (
      update notifications as n set
        state = v.state,
        sent_at = case when v.state = 'sent' then v.at else n.sent_at end,
        next_attempt_at = case when v.state = 'pending' then v.next_at else n.next_attempt_at end,
        last_error = v.error,
        updated_at = v.at
      from v
      where n.id = v.id and n.attempts = v.attempt and n.state = 'pending')
    insert into notification_attempts (notification_id, attempt, at, outcome, duration_ms, status_code, error)
    select id, attempt, at, outcome, duration_ms, status_code, attempt_error from v order by ord`.execute(db);
}

/** Drops a page's notifications not sent yet that exist only to get it acknowledged (inside the caller's transaction). */
export async function cancelUnsentForPage(db: Db, pageId: string, now: Date): Promise<number> {
  const rows = await db
    .updateTable('notifications')
    .set({ state: 'cancelled', updated_at: now })
    .where('page_id', '=', pageId)
    .where('state', '=', 'pending')
    .where('cancel_on_ack', '=', true)
    .returning('id')
    .execute();
  return rows.length;
}

export interface NotificationQuery {
  state?: NotificationState;
  pageId?: string;
  /** Ids below this (for paging backwards). */
  before?: string;
  limit: number;
}

/** Newest first. */
export async function listNotifications(db: Db, q: NotificationQuery): Promise<Notification[]> {
  let query = db.selectFrom('notifications').selectAll();
  if (q.state) query = query.where('state', '=', q.state);
  if (q.pageId) query = query.where('page_id', '=', q.pageId);
  if (q.before) query = query.where('id', '<', q.before);
  const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
  return rows.map(toNotification);
}

export async function getNotification(db: Db, id: string): Promise<Notification | undefined> {
  const r = await db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toNotification(r) : undefined;
}

export async function listAttempts(db: Db, notificationId: string): Promise<NotificationAttempt[]> {
  const rows = await db.selectFrom('notification_attempts').selectAll().where('notification_id', '=', notificationId).orderBy('id').execute();
  return rows.map((r) => ({
    attempt: r.attempt,
    at: iso(r.at)!,
    outcome: r.outcome as 'sent' | 'failed',
    durationMs: r.duration_ms,
    statusCode: r.status_code,
    error: r.error,
  }));
}

/** Puts a dead notification back in the queue, due now, with a fresh count of attempts. */
export async function retryDeadNotification(db: Db, id: string, now: Date): Promise<boolean> {
  const rows = await db
    .updateTable('notifications')
    .set({ state: 'pending', attempts: 0, next_attempt_at: now, updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'dead')
    .returning('id')
    .execute();
  return rows.length > 0;
}
