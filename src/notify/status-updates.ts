// Status updates to subscribers: one webhook notification per subscriber URL, queued in the outbox in the
// transaction that stores the update (store/incidents.postStatusUpdate), delivered, retried and dead-lettered like
// every other notification. The payload is the public view only — what the status page shows, nothing internal.
import type { Transaction } from 'kysely';
import type { Incident, StatusUpdate, Subscriber } from '../store/incidents.js';
import { enqueueNotifications, type NewNotification } from '../store/outbox.js';
import type { Database } from '../store/schema.js';

export const statusUpdateEventType = 'incident.status_update';

/** The public line naming an incident: its public title, else the services it affects. */
export function publicTitleOf(incident: Pick<Incident, 'publicTitle' | 'services'>): string {
  if (incident.publicTitle) return incident.publicTitle;
  return incident.services.length > 0 ? `Service disruption: ${incident.services.join(', ')}` : 'Service disruption';
}

export interface StatusUpdatePayload {
  id: string;
  event_type: typeof statusUpdateEventType;
  occurred_at: string;
  data: {
    incident: { title: string; status: string; services: string[]; started_at: string; resolved_at: string | null };
    update: { status: string; message: string; posted_at: string };
  };
}

export function statusUpdatePayload(incident: Incident, update: StatusUpdate, key: string): StatusUpdatePayload {
  return {
    id: key,
    event_type: statusUpdateEventType,
    occurred_at: update.at,
    data: {
      incident: { title: publicTitleOf(incident), status: update.status, services: incident.services, started_at: incident.impactStartAt, resolved_at: incident.resolvedAt },
      update: { status: update.status, message: update.message, posted_at: update.at },
    },
  };
}

export function statusUpdateNotifications(incident: Incident, update: StatusUpdate, subscribers: Subscriber[], now: Date): NewNotification[] {
  return subscribers.map((s) => {
    const key = `incident-update:${update.id}:${s.id}`;
    return {
      idempotencyKey: key,
      pageId: null,
      eventType: statusUpdateEventType,
      person: null,
      channel: 'webhook',
      destination: { url: s.url },
      payload: statusUpdatePayload(incident, update, key) as unknown as Record<string, unknown>,
      notBefore: now,
      cancelOnAck: false,
    };
  });
}

/** For postStatusUpdate's `deliver`: queues one notification per subscriber; returns how many. */
export async function queueStatusUpdate(trx: Transaction<Database>, incident: Incident, update: StatusUpdate, subscribers: Subscriber[], now: Date): Promise<number> {
  const items = statusUpdateNotifications(incident, update, subscribers, now);
  return items.length === 0 ? 0 : enqueueNotifications(trx, items, now);
}
