// Escalations in the store: one row per page with its next firing and when it is due, and an append-only event log.
// This is the seam with pages: the page side calls startEscalation when a page is triggered and stopEscalation when
// it is acknowledged or resolved, each inside its own transaction so the page's state and its escalation change
// together. The worker that fires due steps is notify/escalator.ts (on the leader).
import { sql, type Kysely } from 'kysely';
import { toEscalationPolicy, type EscalationPolicySpec } from '../config/kinds/escalation-policy.js';
import type { ConfigObject } from '../domain/objects.js';
import { firingCount, dueAtOf, exhaustedAtOf, type EscalationPolicy } from '../domain/escalation/policy.js';
import { getObject, type StoredObject } from './objects.js';
import { cancelUnsentForPage, claimedOf, type ClaimedNotification, type NewNotification } from './outbox.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** What escalation needs to know of a page: enough to write a notification about it. */
export interface EscalationPage {
  id: string;
  service: string | null;
  team: string | null;
  title: string;
  /** e.g. critical, error, warning, info; null when the alert had none. */
  severity: string | null;
  links: { title: string; url: string }[];
}

export type EscalationState = 'active' | 'acknowledged' | 'resolved' | 'unacknowledged';
export const escalationStates: readonly EscalationState[] = ['active', 'acknowledged', 'resolved', 'unacknowledged'];
export type EscalationEventType = 'started' | 'step_fired' | 'acknowledged' | 'resolved' | 'unacknowledged';

export interface Escalation {
  pageId: string;
  policy: string;
  page: EscalationPage;
  state: EscalationState;
  startedAt: string;
  nextIndex: number;
  nextDueAt: string | null;
  stoppedAt: string | null;
  stoppedBy: string | null;
}

export interface EscalationEvent {
  id: string;
  type: EscalationEventType;
  dueAt: string | null;
  at: string;
  step: number | null;
  round: number | null;
  actor: string;
  details: Record<string, unknown>;
}

/** An escalation row as the worker needs it: the policy as it was when the page started. */
export interface DueEscalation extends Escalation {
  policySpec: EscalationPolicy;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

function toEscalation(r: { [K in keyof Database['escalations']]: unknown }): DueEscalation {
  return {
    pageId: r.page_id as string,
    policy: r.policy as string,
    policySpec: r.policy_spec as EscalationPolicy,
    page: r.page as EscalationPage,
    state: r.state as EscalationState,
    startedAt: iso(r.started_at as Date)!,
    nextIndex: r.next_index as number,
    nextDueAt: iso(r.next_due_at as Date | null),
    stoppedAt: iso(r.stopped_at as Date | null),
    stoppedBy: r.stopped_by as string | null,
  };
}

/** One entry of an escalation's log, to be appended. */
export interface EscalationEventInput {
  pageId: string;
  type: EscalationEventType;
  at: Date;
  dueAt?: Date;
  step?: number;
  round?: number;
  actor: string;
  details?: Record<string, unknown>;
}

export async function appendEscalationEvent(db: Db, e: EscalationEventInput): Promise<void> {
  await appendEscalationEvents(db, [e]);
}

/** Appends entries in one statement, in the order given (their ids follow it). */
export async function appendEscalationEvents(db: Db, events: readonly EscalationEventInput[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('escalation_events')
    .values(
      events.map((e) => ({
        page_id: e.pageId,
        type: e.type,
        due_at: e.dueAt ?? null,
        at: e.at,
        step: e.step ?? null,
        round: e.round ?? null,
        actor: e.actor,
        details: JSON.stringify(e.details ?? {}),
      })),
    )
    .execute();
}

/** An escalation started by the transaction that opened its page, already moved on past the steps that fired with it. */
export interface StartedEscalation {
  page: EscalationPage;
  policy: EscalationPolicy;
  startedAt: Date;
  nextIndex: number;
  nextDueAt: Date | null;
  state: EscalationState;
  at: Date;
}

/**
 * Writes, in one statement, the escalations of pages opened in this transaction, their events (in the order given)
 * and the notifications their fired steps queued; resolves with how many notifications are new (one with the same
 * idempotency key is left as it is, as enqueueNotifications does). With `leaseUntil`, the notifications due now are
 * written already claimed (first attempt, leased until then, as claimDueNotifications leaves them) and returned, for
 * the caller to hand to its outbox worker once committed: a worker that dies first leaves them due when the lease
 * ends. A page that has an escalation already makes the statement fail: these pages are new, so that would be a bug,
 * and the caller's savepoint leaves them to the escalator.
 */
export async function insertStartedEscalations(
  db: Db,
  rows: readonly StartedEscalation[],
  events: readonly EscalationEventInput[],
  notifications: readonly NewNotification[],
  now: Date,
  leaseUntil: Date | null = null,
): Promise<{ queued: number; claimed: ClaimedNotification[] }> {
  if (rows.length === 0) return { queued: 0, claimed: [] };
  const escalations = rows.map((r) => ({
    page_id: r.page.id,
    policy: r.policy.name,
    policy_spec: r.policy,
    page: r.page,
    state: r.state,
    started_at: r.startedAt.toISOString(),
    next_index: r.nextIndex,
    next_due_at: r.nextDueAt?.toISOString() ?? null,
    stopped_at: r.state === 'active' ? null : r.at.toISOString(),
    stopped_by: r.state === 'active' ? null : 'pave:escalation',
  }));
  const eventRows = events.map((e) => ({
    page_id: e.pageId,
    type: e.type,
    due_at: e.dueAt?.toISOString() ?? null,
    at: e.at.toISOString(),
    step: e.step ?? null,
    round: e.round ?? null,
    actor: e.actor,
    details: e.details ?? {},
  }));
  const notificationRows = notifications.map((n) => {
    const claimNow = leaseUntil !== null && n.notBefore.getTime() <= now.getTime();
    return {
    idempotency_key: n.idempotencyKey,
    page_id: n.pageId,
    event_type: n.eventType,
    person: n.person,
    channel: n.channel,
    destination: n.destination,
    payload: n.payload,
    state: 'pending',
    cancel_on_ack: n.cancelOnAck,
    attempts: claimNow ? 1 : 0,
    next_attempt_at: (claimNow ? leaseUntil : n.notBefore).toISOString(),
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
  };
  });
  // Rows go in as JSON arrays read back as each table's row type: one statement whatever the number of pages.
  const { rows: out } = await sql<{ queued: number; claimed: unknown[] | null }>`
    with e as (
      insert into escalations (page_id, policy, policy_spec, page, state, started_at, next_index, next_due_at, stopped_at, stopped_by)
      select page_id, policy, policy_spec, page, state, started_at, next_index, next_due_at, stopped_at, stopped_by
      from json_populate_recordset(null::escalations, ${JSON.stringify(escalations)}::json)),
    ev as (
      insert into escalation_events (page_id, type, due_at, at, step, round, actor, details)
      select page_id, type, due_at, at, step, round, actor, details
      from json_populate_recordset(null::escalation_events, ${JSON.stringify(eventRows)}::json) with ordinality as r
      order by r.ordinality),
    n as (
      insert into notifications (idempotency_key, page_id, event_type, person, channel, destination, payload, state, cancel_on_ack, attempts, next_attempt_at, created_at, updated_at)
      select idempotency_key, page_id, event_type, person, channel, destination, payload, state, cancel_on_ack, attempts, next_attempt_at, created_at, updated_at
      from json_populate_recordset(null::notifications, ${JSON.stringify(notificationRows)}::json) with ordinality as r
      order by r.ordinality
      on conflict (idempotency_key) do nothing
      returning *)
    select (select count(*)::int from n) as queued, (select json_agg(n order by n.id) from n where n.attempts = 1) as claimed`.execute(db);
  const claimed = (out[0]?.claimed ?? []) as Parameters<typeof claimedOf>[0][];
  return { queued: out[0]?.queued ?? 0, claimed: claimed.map((r) => claimedOf({ ...r, id: String(r.id) })) };
}

export type StartResult = { started: true } | { started: false; reason: 'already_started' };

/**
 * Starts a page's escalation under `policy` at `now`: its first step is due at once. Call it inside the transaction
 * that records the page as triggered. A page already escalating (or escalated) is left alone.
 */
export async function startEscalation(db: Db, page: EscalationPage, policy: EscalationPolicy, now: Date, actor = 'pave:escalation'): Promise<StartResult> {
  const inserted = await db
    .insertInto('escalations')
    .values({
      page_id: page.id,
      policy: policy.name,
      policy_spec: JSON.stringify(policy),
      page: JSON.stringify(page),
      state: 'active',
      started_at: now,
      next_index: 0,
      next_due_at: new Date(dueAtOf(policy, now.getTime(), 0)),
    })
    .onConflict((oc) => oc.column('page_id').doNothing())
    .returning('page_id')
    .executeTakeFirst();
  if (!inserted) return { started: false, reason: 'already_started' };
  const steps = firingCount(policy);
  await appendEscalationEvent(db, {
    pageId: page.id,
    type: 'started',
    at: now,
    actor,
    details: { policy: policy.name, firings: steps, unacknowledgedAt: new Date(exhaustedAtOf(policy, now.getTime())).toISOString() },
  });
  return { started: true };
}

export type StopResult = { stopped: true; cancelledNotifications: number } | { stopped: false; reason: 'unknown' | 'already_stopped'; state?: EscalationState };

/**
 * Stops a page's escalation because it was acknowledged or resolved: no further step fires, and notifications not
 * sent yet that only asked for an acknowledgement are dropped. Call it inside the transaction that changes the page.
 * Resolving an acknowledged (or unacknowledged) page records that it was resolved.
 */
export async function stopEscalation(db: Db, pageId: string, how: 'acknowledged' | 'resolved', actor: string, now: Date): Promise<StopResult> {
  const row = await db.selectFrom('escalations').select(['state']).where('page_id', '=', pageId).forUpdate().executeTakeFirst();
  if (!row) return { stopped: false, reason: 'unknown' };
  const state = row.state as EscalationState;
  const stoppable = state === 'active' || (how === 'resolved' && (state === 'acknowledged' || state === 'unacknowledged'));
  if (!stoppable) return { stopped: false, reason: 'already_stopped', state };
  await db
    .updateTable('escalations')
    .set({ state: how, next_due_at: null, stopped_at: now, stopped_by: actor })
    .where('page_id', '=', pageId)
    .execute();
  const cancelled = await cancelUnsentForPage(db, pageId, now);
  await appendEscalationEvent(db, { pageId, type: how, at: now, actor, details: { cancelledNotifications: cancelled, previousState: state } });
  return { stopped: true, cancelledNotifications: cancelled };
}

/** Active escalations with a firing (or the unacknowledged mark) due at `now`, locked for this transaction. */
export async function claimDueEscalations(trx: Db, now: Date, limit: number): Promise<DueEscalation[]> {
  const rows = await trx
    .selectFrom('escalations')
    .selectAll()
    .where('state', '=', 'active')
    .where('next_due_at', '<=', now)
    .orderBy('next_due_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
  return rows.map(toEscalation);
}

/** Moves an escalation on: its next firing and due time, or the state it ended in. */
export async function advanceEscalation(trx: Db, pageId: string, next: { nextIndex: number; nextDueAt: Date | null; state: EscalationState; at: Date }): Promise<void> {
  await trx
    .updateTable('escalations')
    .set({
      next_index: next.nextIndex,
      next_due_at: next.nextDueAt,
      state: next.state,
      ...(next.state === 'active' ? {} : { stopped_at: next.at, stopped_by: 'pave:escalation' }),
    })
    .where('page_id', '=', pageId)
    .execute();
}

export async function getEscalation(db: Db, pageId: string): Promise<Escalation | undefined> {
  const r = await db.selectFrom('escalations').selectAll().where('page_id', '=', pageId).executeTakeFirst();
  if (!r) return undefined;
  const { policySpec: _, ...rest } = toEscalation(r);
  return rest;
}

export async function listEscalations(db: Db, q: { state?: EscalationState; limit: number }): Promise<Escalation[]> {
  let query = db.selectFrom('escalations').selectAll();
  if (q.state) query = query.where('state', '=', q.state);
  const rows = await query.orderBy('started_at', 'desc').limit(q.limit).execute();
  return rows.map((r) => {
    const { policySpec: _, ...rest } = toEscalation(r);
    return rest;
  });
}

export async function listEscalationEvents(db: Db, pageId: string): Promise<EscalationEvent[]> {
  const rows = await db.selectFrom('escalation_events').selectAll().where('page_id', '=', pageId).orderBy('id').execute();
  return rows.map((r) => ({
    id: String(r.id),
    type: r.type as EscalationEventType,
    dueAt: iso(r.due_at),
    at: iso(r.at)!,
    step: r.step,
    round: r.round,
    actor: r.actor,
    details: r.details,
  }));
}

export type StartByNameResult = StartResult | { started: false; reason: 'unknown_policy' };

/** startEscalation with the policy named in the catalog: the seam's `startEscalation(page, policyName)`. */
export async function startEscalationByName(db: Db, page: EscalationPage, policyName: string, now: Date, actor?: string): Promise<StartByNameResult> {
  const obj = await getObject(db, 'EscalationPolicy', policyName);
  if (!obj) return { started: false, reason: 'unknown_policy' };
  return startEscalation(db, page, toEscalationPolicy(obj as StoredObject & ConfigObject<EscalationPolicySpec>), now, actor);
}
