// The escalation worker, on the leader only (store/leadership): every poll it locks the escalations with a firing
// due (SKIP LOCKED), and in one transaction per batch resolves each due step's targets at the step's due time (a
// schedule's on-call from domain/oncall, with its API overrides; a person; every member of a team), writes the
// notifications their notification rules ask for into the outbox, records the firing, and moves the escalation on,
// or records that nobody acknowledged after the last step. A crash before the commit leaves the step due, so it
// fires after the restart; once committed it never fires again.
//
// A page opened by an alert does not wait for a run: store/alerts calls escalateOpenedPages inside the transaction
// that opens it (PagingHooks.pagesOpened), which starts its escalation and fires every step already due (the first,
// when its policy starts at once) from the catalog snapshot the alerts were routed with, so the first notification is
// committed with the page and the outbox is woken straight away. That is safe on any replica, leader or not: the
// escalation row is written in the page's own transaction, so no other worker ever sees the page without it.
import type { Kysely, Transaction } from 'kysely';
import { toEscalationPolicy, type EscalationPolicySpec } from '../config/kinds/escalation-policy.js';
import { ruleDelayMinutes, type PersonSpec } from '../config/kinds/person.js';
import type { ServiceSpec } from '../config/kinds/service.js';
import { toSchedule, type ScheduleSpec } from '../config/kinds/schedule.js';
import type { TeamSpec } from '../config/kinds/team.js';
import { exhaustedAtOf, firingCount, firingsDue, dueAtOf, type EscalationTarget, type StepFiring } from '../domain/escalation/policy.js';
import { plannedNotifications } from '../domain/escalation/notification-rules.js';
import type { ConfigObject } from '../domain/objects.js';
import { onCallAt } from '../domain/oncall/index.js';
import { catalogObject, type OpenedPage, type PagingCatalog } from '../store/alerts.js';
import { advanceEscalation, appendEscalationEvents, claimDueEscalations, insertStartedEscalations, type DueEscalation, type EscalationEventInput, type EscalationPage, type EscalationState, type StartedEscalation } from '../store/escalations.js';
import { signingKey } from '../store/feed-key.js';
import type { Leadership } from '../store/leadership.js';
import { getObject, type StoredObject } from '../store/objects.js';
import { enqueueNotifications, type ClaimedNotification, type NewNotification } from '../store/outbox.js';
import { listOverlappingOverrides, type ApiOverride } from '../store/schedule-overrides.js';
import type { Database } from '../store/schema.js';
import { signActionLink } from './action-links.js';
import { destinationOf } from './contacts.js';
import { PollingLoop } from './polling-loop.js';
import { startPendingPageEscalations, stopFinishedPageEscalations } from './page-bridge.js';
import type { Envelope } from './message.js';

export interface EscalatorOptions {
  now: () => Date;
  leadership: Leadership;
  /** Base of the acknowledge/resolve links, e.g. https://pave.example.com. */
  publicUrl: () => string;
  actionLinkTtlMs: number;
  batchSize: number;
  pollMs: number;
  onError: (err: unknown) => void;
  /** Told after a run committed new notifications (the outbox worker's nudge, in this process). */
  onNotificationsQueued?: () => void;
  /**
   * For the first notifications of pages opened by alerts (escalateOpenedPages): how long to lease those due at once
   * to this process's outbox worker, or null (it is not running) to leave them to be claimed as usual.
   */
  firstNotificationLeaseMs?: () => number | null;
  /** Given, once committed, the notifications written already claimed (firstNotificationLeaseMs): send them now. */
  onNotificationsClaimed?: (claimed: ClaimedNotification[]) => void;
}

/** Who one target meant when the step fired. */
export interface ResolvedTarget {
  type: EscalationTarget['type'];
  name: string;
  people: string[];
  /** Why nobody: an unknown object, or nobody on call. */
  problem?: string;
}

type Db = Kysely<Database>;

/** Where escalation reads the people, teams and schedules it resolves, and the schedules' API overrides. */
export interface EscalationLookup {
  object(kind: 'Person' | 'Team' | 'Schedule', name: string): Promise<StoredObject | undefined>;
  /** The schedule's API overrides overlapping the instant `at`, in the order they were made. */
  overrides(schedule: string, at: number): Promise<ApiOverride[]>;
}

/** Everything read from the store as it is now (the escalator's own runs). */
function storeLookup(db: Db): EscalationLookup {
  return {
    object: (kind, name) => getObject(db, kind, name),
    overrides: (schedule, at) => listOverlappingOverrides(db, [schedule], new Date(at), new Date(at + 1)),
  };
}

/**
 * Objects from a catalog snapshot (no statement), overrides read once per schedule for the instants in [from, to]
 * and filtered here: what escalating a group of just-opened pages needs.
 */
function snapshotLookup(db: Db, catalog: PagingCatalog, from: number, to: number): EscalationLookup {
  const read = new Map<string, Promise<ApiOverride[]>>();
  return {
    object: async (kind, name) => catalogObject(catalog, kind, name),
    overrides: async (schedule, at) => {
      let all = read.get(schedule);
      if (!all) read.set(schedule, (all = listOverlappingOverrides(db, [schedule], new Date(Math.min(from, at)), new Date(Math.max(to, at) + 1))));
      return (await all).filter((o) => Date.parse(o.end) > at && Date.parse(o.start) < at + 1);
    },
  };
}

/** The people a target names at `at`: a schedule's on-call person (its API overrides included), a person, a team's members. */
export async function resolveTarget(db: Db, target: EscalationTarget, at: number): Promise<ResolvedTarget> {
  return resolveTargetWith(storeLookup(db), target, at);
}

async function resolveTargetWith(lookup: EscalationLookup, target: EscalationTarget, at: number): Promise<ResolvedTarget> {
  const head = { type: target.type, name: target.name };
  if (target.type === 'person') {
    return (await lookup.object('Person', target.name)) ? { ...head, people: [target.name] } : { ...head, people: [], problem: `person ${target.name} does not exist` };
  }
  if (target.type === 'team') {
    const team = await lookup.object('Team', target.name);
    if (!team) return { ...head, people: [], problem: `team ${target.name} does not exist` };
    const members = (team.spec as TeamSpec).members ?? [];
    return members.length ? { ...head, people: [...members] } : { ...head, people: [], problem: `team ${target.name} has no members` };
  }
  const obj = (await lookup.object('Schedule', target.name)) as (StoredObject & ConfigObject<ScheduleSpec>) | undefined;
  if (!obj) return { ...head, people: [], problem: `schedule ${target.name} does not exist` };
  // Overrides made through the API before this schedule object was created belong to an earlier one of that name.
  const since = Date.parse(obj.status.createdAt);
  const api = (await lookup.overrides(target.name, at)).filter((o) => Date.parse(o.createdAt) >= since);
  const base = toSchedule(obj);
  const schedule = { ...base, overrides: [...base.overrides, ...api.map((o) => ({ person: o.person, start: Date.parse(o.start), end: Date.parse(o.end) }))] };
  const onCall = onCallAt(schedule, at);
  return onCall ? { ...head, people: [onCall.person] } : { ...head, people: [], problem: `nobody is on call on schedule ${target.name}` };
}

/** What moving an escalation on writes: the notifications of the steps fired, their events, and where it is next. */
interface Advance {
  notifications: NewNotification[];
  events: EscalationEventInput[];
  next: { nextIndex: number; nextDueAt: Date | null; state: EscalationState };
}

/** A page's service links (dashboards, runbook), for its notifications. */
function serviceLinksOf(service: StoredObject | undefined): EscalationPage['links'] {
  if (!service) return [];
  const spec = service.spec as ServiceSpec;
  return [...(spec.links ?? []), ...(spec.runbook ? [{ title: 'Runbook', url: spec.runbook }] : [])];
}

/** How long the action-link signing key is reused before it is read again (Escalator.linkKey). */
const keyCacheMs = 60_000;

export class Escalator {
  private readonly loop: PollingLoop;
  private key: { value: Buffer; at: number } | undefined;

  constructor(
    private readonly db: Db,
    private readonly opts: EscalatorOptions,
  ) {
    this.loop = new PollingLoop(async () => (await this.runOnce()) >= opts.batchSize, opts.pollMs, opts.onError);
  }

  /** Starts and stops escalations for pages, then fires what is due now, if this replica leads; resolves with how many escalations moved. */
  async runOnce(): Promise<number> {
    if (!(await this.opts.leadership.hold())) return 0;
    const now = this.opts.now();
    const key = await this.linkKey(this.db);
    let queued = 0;
    const moved = await this.db.transaction().execute(async (trx) => {
      // Pages first: a page acknowledged since the last poll stops before its next step could fire.
      const changed = (await startPendingPageEscalations(trx, now, this.opts.batchSize)) + (await stopFinishedPageEscalations(trx));
      const due = await claimDueEscalations(trx, now, this.opts.batchSize);
      const lookup = storeLookup(trx);
      for (const e of due) {
        const a = await this.advance(e, now, key, lookup);
        queued += await enqueueNotifications(trx, a.notifications, now);
        await appendEscalationEvents(trx, a.events);
        await advanceEscalation(trx, e.pageId, { ...a.next, at: now });
      }
      return due.length + changed;
    });
    if (queued > 0) this.opts.onNotificationsQueued?.();
    return moved;
  }

  /**
   * Inside the transaction that opened `pages` (store/alerts PagingHooks.pagesOpened): starts the escalation of each
   * page whose policy is in `catalog`, counted from the page's creation, and fires the steps already due, so the
   * first notification is committed with the page. Pages it leaves (no policy, an unknown one) are the escalator's
   * next run's, as before. Not leader-only: the rows are the page's own, written in its transaction.
   */
  async escalateOpenedPages(
    trx: Transaction<Database>,
    pages: readonly OpenedPage[],
    catalog: PagingCatalog,
  ): Promise<{ escalated: number; notificationsQueued: number; notificationsClaimed: number; afterCommit?: () => void }> {
    const withPolicy = pages.flatMap((p) => {
      const obj = p.escalationPolicy === null ? undefined : catalogObject(catalog, 'EscalationPolicy', p.escalationPolicy);
      return obj ? [{ p, policy: toEscalationPolicy(obj as StoredObject & ConfigObject<EscalationPolicySpec>) }] : [];
    });
    if (withPolicy.length === 0) return { escalated: 0, notificationsQueued: 0, notificationsClaimed: 0 };
    const now = this.opts.now();
    const key = await this.linkKey(trx);
    const lookup = snapshotLookup(trx, catalog, Math.min(...withPolicy.map(({ p }) => p.createdAt.getTime())), now.getTime());
    const started: StartedEscalation[] = [];
    const events: EscalationEventInput[] = [];
    const notifications: NewNotification[] = [];
    for (const { p, policy } of withPolicy) {
      const page: EscalationPage = { id: p.id, service: p.service, team: p.team, title: p.title, severity: p.severity, links: serviceLinksOf(p.service ? catalogObject(catalog, 'Service', p.service) : undefined) };
      const startedAt = p.createdAt.getTime();
      const e: DueEscalation = {
        pageId: p.id,
        policy: policy.name,
        policySpec: policy,
        page,
        state: 'active',
        startedAt: p.createdAt.toISOString(),
        nextIndex: 0,
        nextDueAt: new Date(dueAtOf(policy, startedAt, 0)).toISOString(),
        stoppedAt: null,
        stoppedBy: null,
      };
      const a = await this.advance(e, now, key, lookup);
      started.push({ page, policy, startedAt: p.createdAt, ...a.next, at: now });
      events.push(
        {
          pageId: p.id,
          type: 'started',
          at: p.createdAt,
          actor: 'pave:escalation',
          details: { policy: policy.name, firings: firingCount(policy), unacknowledgedAt: new Date(exhaustedAtOf(policy, startedAt)).toISOString() },
        },
        ...a.events,
      );
      notifications.push(...a.notifications);
    }
    // The notifications due now go to this process's outbox worker straight after the commit, already claimed: no
    // claim in between (DESIGN §13 P3). Not running (tests, shutdown): they are claimed as any other.
    const leaseMs = this.opts.onNotificationsClaimed ? (this.opts.firstNotificationLeaseMs?.() ?? null) : null;
    const written = await insertStartedEscalations(trx, started, events, notifications, now, leaseMs === null ? null : new Date(now.getTime() + leaseMs));
    const handOver = this.opts.onNotificationsClaimed;
    return {
      escalated: started.length,
      notificationsQueued: written.queued,
      notificationsClaimed: written.claimed.length,
      ...(handOver && written.claimed.length > 0 ? { afterCommit: () => handOver(written.claimed) } : {}),
    };
  }

  /**
   * The action-link signing key, read again at most every keyCacheMs: opening pages at a high rate should not read it
   * once per group. It is made once and never rotated by pave; one deleted by hand is replaced within keyCacheMs.
   */
  private async linkKey(db: Db | Transaction<Database>): Promise<Buffer> {
    const now = performance.now();
    if (this.key && now - this.key.at < keyCacheMs) return this.key.value;
    const value = await signingKey(db, 'action_link_signing_key');
    this.key = { value, at: now };
    return value;
  }

  /** Fires an escalation's steps due by `now` and says where it goes next; writes nothing. */
  private async advance(e: DueEscalation, now: Date, key: Buffer, lookup: EscalationLookup): Promise<Advance> {
    const policy = e.policySpec;
    const startedAt = Date.parse(e.startedAt);
    const out: Advance = { notifications: [], events: [], next: { nextIndex: e.nextIndex, nextDueAt: null, state: 'active' } };
    // After downtime several firings may be due: each fires now (late, its due time recorded beside it).
    const due = firingsDue(policy, startedAt, e.nextIndex, now.getTime());
    for (const firing of due) await this.fire(e, firing, now, key, lookup, out);
    const nextIndex = e.nextIndex + due.length;
    if (nextIndex < firingCount(policy)) {
      out.next = { nextIndex, nextDueAt: new Date(dueAtOf(policy, startedAt, nextIndex)), state: 'active' };
      return out;
    }
    const exhaustedAt = exhaustedAtOf(policy, startedAt);
    if (exhaustedAt > now.getTime()) {
      out.next = { nextIndex, nextDueAt: new Date(exhaustedAt), state: 'active' };
      return out;
    }
    out.next = { nextIndex, nextDueAt: null, state: 'unacknowledged' };
    out.events.push({
      pageId: e.pageId,
      type: 'unacknowledged',
      at: now,
      dueAt: new Date(exhaustedAt),
      actor: 'pave:escalation',
      details: { policy: e.policy, firings: firingCount(policy), message: 'nobody acknowledged after the last step' },
    });
    return out;
  }

  private async fire(e: DueEscalation, firing: StepFiring, now: Date, key: Buffer, lookup: EscalationLookup, out: Advance): Promise<void> {
    const step = e.policySpec.steps[firing.step]!;
    const targets = await Promise.all(step.targets.map((t) => resolveTargetWith(lookup, t, firing.dueAt)));
    const people = [...new Set(targets.flatMap((t) => t.people))];
    const notifications: NewNotification[] = [];
    const notified: { person: string; contacts: number }[] = [];
    for (const person of people) {
      const obj = await lookup.object('Person', person);
      if (!obj) continue;
      const spec = obj.spec as PersonSpec;
      const rules = spec.notificationRules.map((r) => ({ contact: r.contact, afterMinutes: ruleDelayMinutes(r.after) }));
      // Each notification's clock starts when the step fired, not when it was due: a late step still waits its delays.
      const planned = plannedNotifications(spec.contacts, rules, now.getTime());
      for (const p of planned) {
        const contact = spec.contacts[p.contactIndex]!;
        const dest = destinationOf(contact);
        if (!dest) continue;
        const idempotencyKey = `page:${e.pageId}:firing:${firing.index}:person:${person}:contact:${p.contactIndex}:rule:${p.rule}`;
        notifications.push({
          idempotencyKey,
          pageId: e.pageId,
          eventType: firing.index === 0 ? 'page.triggered' : 'page.escalated',
          person,
          ...dest,
          payload: this.envelope(e, firing, person, spec.displayName, idempotencyKey, now, key) as unknown as Record<string, unknown>,
          notBefore: new Date(p.notBefore),
          cancelOnAck: true,
        });
      }
      notified.push({ person, contacts: planned.length });
    }
    out.notifications.push(...notifications);
    out.events.push({
      pageId: e.pageId,
      type: 'step_fired',
      at: now,
      dueAt: new Date(firing.dueAt),
      step: firing.step,
      round: firing.round,
      actor: 'pave:escalation',
      details: { targets, notified, notifications: notifications.length },
    });
  }

  private envelope(e: DueEscalation, firing: StepFiring, person: string, displayName: string, id: string, now: Date, key: Buffer): Envelope {
    const base = this.opts.publicUrl().replace(/\/+$/, '');
    const expires = now.getTime() + this.opts.actionLinkTtlMs;
    return {
      id,
      event_type: firing.index === 0 ? 'page.triggered' : 'page.escalated',
      occurred_at: now.toISOString(),
      actor: 'pave:escalation',
      data: {
        page: e.page,
        escalation: { policy: e.policy, step: firing.step, round: firing.round, due_at: new Date(firing.dueAt).toISOString() },
        recipient: { person, display_name: displayName },
        actions: {
          acknowledge: base + signActionLink(key, e.pageId, 'acknowledge', person, expires),
          resolve: base + signActionLink(key, e.pageId, 'resolve', person, expires),
          expires_at: new Date(Math.floor(expires / 1000) * 1000).toISOString(),
        },
      },
    };
  }

  /** Polls every `pollMs`; a full batch is followed at once by the next. */
  start(): void {
    this.loop.start();
  }

  /**
   * Looks for due work now rather than at the next poll: call it after committing a triggered page, so its first step
   * fires (and is handed to the outbox) within milliseconds.
   */
  nudge(): void {
    this.loop.nudge();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.opts.leadership.release();
  }
}
