// The notification outbox and escalations, read-only but for one repair: GET /api/v1/notifications (state=dead is
// the dead-letter list), one notification with every delivery attempt, putting a dead one back in the queue (admin),
// and escalations with their event log ("nobody acknowledged after the last step" is state=unacknowledged).
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { escalationStates, getEscalation, listEscalationEvents, listEscalations, type EscalationState } from '../store/escalations.js';
import { getNotification, listAttempts, listNotifications, notificationStates, retryDeadNotification, type Notification, type NotificationState } from '../store/outbox.js';
import type { Database } from '../store/schema.js';
import { notFound, badRequest } from './errors.js';

const idParam = z.object({ id: z.string().regex(/^[1-9][0-9]{0,17}$/, 'a notification id, e.g. 12') });
const pageParam = z.object({ pageId: z.string().min(1).max(128) });
const limit = z.string().regex(/^[0-9]{1,4}$/).optional().describe('at most this many, 1-1000 (default 100)');

function limitOf(text: string | undefined): number {
  const n = text === undefined ? 100 : Number(text);
  if (!(n >= 1 && n <= 1000)) throw badRequest('limit must be 1 to 1000');
  return n;
}

/**
 * A notification on the wire. A webhook or Slack-compatible URL often carries a credential in its path or query (and
 * incident subscribers' URLs are not for every reader), so only its origin is shown; a webhook's secret is shown as
 * where it is read from (an env variable or file name), never its value; and the signed
 * acknowledge/resolve links act as the recipient, so a reader of the outbox sees only that they were there.
 */
export function wireNotification(n: Notification) {
  const dest = n.destination as { url?: string; address?: string; secret?: unknown };
  const destination = (n.channel === 'slack' || n.channel === 'webhook') && dest.url ? { ...dest, url: `${new URL(dest.url).origin}/…` } : dest;
  const data = (n.payload as { data?: { actions?: { expires_at?: string } } }).data;
  const payload =
    data?.actions === undefined
      ? n.payload
      : { ...n.payload, data: { ...data, actions: { acknowledge: '(signed link, not shown)', resolve: '(signed link, not shown)', expires_at: data.actions.expires_at } } };
  return { ...n, destination, payload };
}

export function registerNotifications(app: FastifyInstance, db: Kysely<Database>, now: () => Date): void {
  app.get(
    '/api/v1/notifications',
    {
      config: { access: 'read' },
      schema: {
        tags: ['notifications'],
        summary: 'Notifications in the outbox, newest first; state=dead is the dead-letter list',
        querystring: z.strictObject({
          state: z.enum(notificationStates as [NotificationState, ...NotificationState[]]).optional(),
          page: z.string().min(1).max(128).optional().describe("one page's notifications"),
          before: z.string().regex(/^[1-9][0-9]{0,17}$/).optional().describe('ids below this one (the next page of results)'),
          limit,
        }),
      },
    },
    async (req) => {
      const q = req.query as { state?: NotificationState; page?: string; before?: string; limit?: string };
      const items = await listNotifications(db, { state: q.state, pageId: q.page, before: q.before, limit: limitOf(q.limit) });
      return { items: items.map(wireNotification) };
    },
  );

  app.get(
    '/api/v1/notifications/:id',
    { config: { access: 'read' }, schema: { tags: ['notifications'], summary: 'One notification and every delivery attempt', params: idParam } },
    async (req) => {
      const { id } = req.params as { id: string };
      const n = await getNotification(db, id);
      if (!n) throw notFound(`notification ${id} does not exist`);
      return { ...wireNotification(n), deliveryAttempts: await listAttempts(db, id) };
    },
  );

  app.post(
    '/api/v1/notifications/:id/retry',
    {
      config: { access: 'admin' },
      schema: { tags: ['notifications'], summary: 'Put a dead notification back in the queue, due now, with a fresh count of attempts (admin)', params: idParam },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const n = await getNotification(db, id);
      if (!n) throw notFound(`notification ${id} does not exist`);
      if (!(await retryDeadNotification(db, id, now()))) throw badRequest(`notification ${id} is ${n.state}, not dead: only dead notifications are retried by hand`);
      return wireNotification((await getNotification(db, id))!);
    },
  );

  app.get(
    '/api/v1/escalations',
    {
      config: { access: 'read' },
      schema: {
        tags: ['notifications'],
        summary: 'Escalations, newest first; state=unacknowledged lists pages nobody acknowledged after the last step',
        querystring: z.strictObject({ state: z.enum(escalationStates as [EscalationState, ...EscalationState[]]).optional(), limit }),
      },
    },
    async (req) => {
      const q = req.query as { state?: EscalationState; limit?: string };
      return { items: await listEscalations(db, { state: q.state, limit: limitOf(q.limit) }) };
    },
  );

  app.get(
    '/api/v1/escalations/:pageId',
    { config: { access: 'read' }, schema: { tags: ['notifications'], summary: "A page's escalation and its events (every step fired, with its due time)", params: pageParam } },
    async (req) => {
      const { pageId } = req.params as { pageId: string };
      const e = await getEscalation(db, pageId);
      if (!e) throw notFound(`page ${pageId} has no escalation`);
      return { ...e, events: await listEscalationEvents(db, pageId) };
    },
  );
}
