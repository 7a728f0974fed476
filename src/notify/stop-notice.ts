// Stopping an escalation tells the people it already reached: everyone with a notification sent for the page gets a
// `page.acknowledged` or `page.resolved` notification on the same contacts, written in the transaction that stops it.
import type { Kysely } from 'kysely';
import { getEscalation, stopEscalation, type EscalationPage, type StopResult } from '../store/escalations.js';
import { enqueueNotifications, type Destination, type NewNotification, type NotificationChannel } from '../store/outbox.js';
import type { Database } from '../store/schema.js';
import type { Envelope } from './message.js';

type Db = Kysely<Database>;

/** stopEscalation, then a notice to every contact that was sent something about the page (inside `trx`). */
export async function stopEscalationAndNotify(trx: Db, pageId: string, how: 'acknowledged' | 'resolved', actor: string, now: Date): Promise<StopResult> {
  const result = await stopEscalation(trx, pageId, how, actor, now);
  if (!result.stopped) return result;
  const escalation = await getEscalation(trx, pageId);
  if (!escalation) return result;
  const sent = await trx
    .selectFrom('notifications')
    .select(['id', 'person', 'channel', 'destination', 'payload'])
    .where('page_id', '=', pageId)
    .where('state', '=', 'sent')
    .where('event_type', 'in', ['page.triggered', 'page.escalated'])
    .orderBy('id')
    .execute();
  const seen = new Set<string>();
  const notices: NewNotification[] = [];
  const eventType = how === 'acknowledged' ? 'page.acknowledged' : 'page.resolved';
  for (const n of sent) {
    const target = `${n.channel} ${JSON.stringify(n.destination)}`;
    if (seen.has(target)) continue;
    seen.add(target);
    const idempotencyKey = `page:${pageId}:${how}:notification:${n.id}`;
    const recipient = (n.payload as { data?: { recipient?: { person: string; display_name: string } } }).data?.recipient;
    const envelope: Envelope = {
      id: idempotencyKey,
      event_type: eventType,
      occurred_at: now.toISOString(),
      actor,
      data: { page: escalation.page as EscalationPage, ...(recipient ? { recipient } : {}) },
    };
    notices.push({
      idempotencyKey,
      pageId,
      eventType,
      person: n.person,
      channel: n.channel as NotificationChannel,
      destination: n.destination as Destination,
      payload: envelope as unknown as Record<string, unknown>,
      notBefore: now,
      cancelOnAck: false,
    });
  }
  await enqueueNotifications(trx, notices, now);
  return result;
}
