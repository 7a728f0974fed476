// The escalation worker, on the leader only (store/leadership): every poll it locks the escalations with a firing
// due (SKIP LOCKED), and in one transaction per batch resolves each due step's targets at the step's due time (a
// schedule's on-call from domain/oncall, with its API overrides; a person; every member of a team), writes the
// notifications their notification rules ask for into the outbox, records the firing, and moves the escalation on,
// or records that nobody acknowledged after the last step. A crash before the commit leaves the step due, so it
// fires after the restart; once committed it never fires again.
import type { Kysely } from 'kysely';
import { ruleDelayMinutes, type Contact, type PersonSpec } from '../config/kinds/person.js';
import { toSchedule, type ScheduleSpec } from '../config/kinds/schedule.js';
import type { TeamSpec } from '../config/kinds/team.js';
import { exhaustedAtOf, firingCount, firingsDue, dueAtOf, type EscalationTarget, type StepFiring } from '../domain/escalation/policy.js';
import { plannedNotifications } from '../domain/escalation/notification-rules.js';
import type { ConfigObject } from '../domain/objects.js';
import { onCallAt } from '../domain/oncall/index.js';
import { advanceEscalation, appendEscalationEvent, claimDueEscalations, type DueEscalation } from '../store/escalations.js';
import { signingKey } from '../store/feed-key.js';
import type { Leadership } from '../store/leadership.js';
import { getObject, type StoredObject } from '../store/objects.js';
import { enqueueNotifications, type Destination, type NewNotification, type NotificationChannel } from '../store/outbox.js';
import { listOverlappingOverrides } from '../store/schedule-overrides.js';
import type { Database } from '../store/schema.js';
import { signActionLink } from './action-links.js';
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

/** The people a target names at `at`: a schedule's on-call person (its API overrides included), a person, a team's members. */
export async function resolveTarget(db: Db, target: EscalationTarget, at: number): Promise<ResolvedTarget> {
  const head = { type: target.type, name: target.name };
  if (target.type === 'person') {
    return (await getObject(db, 'Person', target.name)) ? { ...head, people: [target.name] } : { ...head, people: [], problem: `person ${target.name} does not exist` };
  }
  if (target.type === 'team') {
    const team = await getObject(db, 'Team', target.name);
    if (!team) return { ...head, people: [], problem: `team ${target.name} does not exist` };
    const members = (team.spec as TeamSpec).members ?? [];
    return members.length ? { ...head, people: [...members] } : { ...head, people: [], problem: `team ${target.name} has no members` };
  }
  const obj = (await getObject(db, 'Schedule', target.name)) as (StoredObject & ConfigObject<ScheduleSpec>) | undefined;
  if (!obj) return { ...head, people: [], problem: `schedule ${target.name} does not exist` };
  // Overrides made through the API before this schedule object was created belong to an earlier one of that name.
  const since = Date.parse(obj.status.createdAt);
  const api = (await listOverlappingOverrides(db, [target.name], new Date(at), new Date(at + 1))).filter((o) => Date.parse(o.createdAt) >= since);
  const base = toSchedule(obj);
  const schedule = { ...base, overrides: [...base.overrides, ...api.map((o) => ({ person: o.person, start: Date.parse(o.start), end: Date.parse(o.end) }))] };
  const onCall = onCallAt(schedule, at);
  return onCall ? { ...head, people: [onCall.person] } : { ...head, people: [], problem: `nobody is on call on schedule ${target.name}` };
}

function destinationOf(c: Contact): { channel: NotificationChannel; destination: Destination } | null {
  if (c.type === 'email') return { channel: 'email', destination: { address: c.address } };
  if (c.type === 'webhook') return { channel: 'webhook', destination: c.secret ? { url: c.url, secret: c.secret } : { url: c.url } };
  if (c.type === 'slack') return { channel: 'slack', destination: { url: c.url } };
  return null;
}

export class Escalator {
  private readonly loop: PollingLoop;
  /** Notifications written by the run in progress. */
  private queued = 0;

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
    const key = await signingKey(this.db, 'action_link_signing_key');
    this.queued = 0;
    const moved = await this.db.transaction().execute(async (trx) => {
      // Pages first: a page acknowledged since the last poll stops before its next step could fire.
      const changed = (await startPendingPageEscalations(trx, now, this.opts.batchSize)) + (await stopFinishedPageEscalations(trx));
      const due = await claimDueEscalations(trx, now, this.opts.batchSize);
      for (const e of due) await this.advance(trx, e, now, key);
      return due.length + changed;
    });
    if (this.queued > 0) this.opts.onNotificationsQueued?.();
    return moved;
  }

  private async advance(trx: Db, e: DueEscalation, now: Date, key: Buffer): Promise<void> {
    const policy = e.policySpec;
    const startedAt = Date.parse(e.startedAt);
    // After downtime several firings may be due: each fires now (late, its due time recorded beside it).
    const due = firingsDue(policy, startedAt, e.nextIndex, now.getTime());
    for (const firing of due) await this.fire(trx, e, firing, now, key);
    const nextIndex = e.nextIndex + due.length;
    if (nextIndex < firingCount(policy)) {
      await advanceEscalation(trx, e.pageId, { nextIndex, nextDueAt: new Date(dueAtOf(policy, startedAt, nextIndex)), state: 'active', at: now });
      return;
    }
    const exhaustedAt = exhaustedAtOf(policy, startedAt);
    if (exhaustedAt > now.getTime()) {
      await advanceEscalation(trx, e.pageId, { nextIndex, nextDueAt: new Date(exhaustedAt), state: 'active', at: now });
      return;
    }
    await advanceEscalation(trx, e.pageId, { nextIndex, nextDueAt: null, state: 'unacknowledged', at: now });
    await appendEscalationEvent(trx, {
      pageId: e.pageId,
      type: 'unacknowledged',
      at: now,
      dueAt: new Date(exhaustedAt),
      actor: 'pave:escalation',
      details: { policy: e.policy, firings: firingCount(policy), message: 'nobody acknowledged after the last step' },
    });
  }

  private async fire(trx: Db, e: DueEscalation, firing: StepFiring, now: Date, key: Buffer): Promise<void> {
    const step = e.policySpec.steps[firing.step]!;
    const targets = await Promise.all(step.targets.map((t) => resolveTarget(trx, t, firing.dueAt)));
    const people = [...new Set(targets.flatMap((t) => t.people))];
    const notifications: NewNotification[] = [];
    const notified: { person: string; contacts: number }[] = [];
    for (const person of people) {
      const obj = await getObject(trx, 'Person', person);
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
    this.queued += await enqueueNotifications(trx, notifications, now);
    await appendEscalationEvent(trx, {
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
