// Pages and alerts: list, show (with alerts and events), acknowledge and resolve (members of the routed team, or
// admins; audited). Also the paging upkeep that needs no request: Alertmanager API v2 alerts whose endsAt passed are
// resolved, and new SLO alert transitions become alerts. It runs every few seconds and before every read, so what
// a reader sees is current.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Principal } from '../domain/permissions.js';
import { consumeSloTransitions, expireAlerts } from '../store/alerts.js';
import { changePage, getPage, listAlerts, listPageAlerts, listPageEvents, listPages, pageStatuses, type Page } from '../store/pages.js';
import type { Database } from '../store/schema.js';
import { requirePrincipal } from './auth.js';
import { ApiError, forbidden, notFound } from './errors.js';

/** How often the upkeep runs without being asked. */
export const pagingUpkeepMs = 5_000;

const pageId = z.string().regex(/^[1-9][0-9]{0,17}$/, 'a page id, e.g. 12');
const idParams = z.object({ id: pageId });
const limit = z
  .string()
  .regex(/^[0-9]{1,4}$/, 'a whole number from 1 to 1000')
  .refine((v) => Number(v) >= 1 && Number(v) <= 1000, 'a whole number from 1 to 1000')
  .optional();
const bool = z.enum(['true', 'false']).optional();
const pagesQuery = z.strictObject({
  status: z.enum(pageStatuses as [string, ...string[]]).optional(),
  team: z.string().min(1).max(253).optional(),
  unrouted: bool,
  before: pageId.optional().describe('pages with a lower id: the next page of results'),
  limit,
});
const alertsQuery = z.strictObject({
  status: z.enum(['firing', 'resolved']).optional(),
  unrouted: bool,
  silenced: bool.describe('true: only alerts a silence kept off a page; false: only those that paged'),
  before: pageId.optional(),
  limit,
});

/** Members of the page's routed team and admins may acknowledge or resolve it; unrouted pages are for admins. */
export function mayHandlePage(p: Principal, page: Page): { allowed: true } | { allowed: false; reason: string } {
  if (p.role === 'admin') return { allowed: true };
  if (page.team === null) return { allowed: false, reason: `page ${page.id} is unrouted: only an admin may handle it` };
  if (p.role === 'member' && p.team === page.team) return { allowed: true };
  return { allowed: false, reason: `page ${page.id} pages team ${page.team}: only its members or an admin may handle it` };
}

export function registerPages(app: FastifyInstance, db: Kysely<Database>, now: () => Date): void {
  let running: Promise<void> | undefined;
  /** One upkeep at a time in this process; others wait for it. */
  const upkeep = (): Promise<void> =>
    (running ??= (async () => {
      try {
        const at = now();
        await expireAlerts(db, at);
        await consumeSloTransitions(db, at);
      } finally {
        running = undefined;
      }
    })());
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    timer = setInterval(() => upkeep().catch((err) => app.log.error({ err }, 'paging upkeep failed')), pagingUpkeepMs);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    await running?.catch(() => undefined);
  });

  app.get(
    '/api/v1/pages',
    { config: { access: 'read' }, schema: { tags: ['paging'], summary: 'Pages, newest first', querystring: pagesQuery } },
    async (req) => {
      await upkeep();
      const q = req.query as z.infer<typeof pagesQuery>;
      const items = await listPages(db, {
        ...(q.status ? { status: q.status as Page['status'] } : {}),
        ...(q.team ? { team: q.team } : {}),
        ...(q.unrouted ? { unrouted: q.unrouted === 'true' } : {}),
        ...(q.before ? { before: q.before } : {}),
        limit: Number(q.limit ?? 100),
      });
      return { items };
    },
  );

  app.get(
    '/api/v1/pages/:id',
    { config: { access: 'read' }, schema: { tags: ['paging'], summary: 'One page with its alerts and every event', params: idParams } },
    async (req) => {
      await upkeep();
      const { id } = req.params as { id: string };
      const page = await getPage(db, id);
      if (!page) throw notFound(`page ${id} does not exist`);
      const [alerts, events] = await Promise.all([listPageAlerts(db, id), listPageEvents(db, id)]);
      return { ...page, alerts, events };
    },
  );

  for (const action of ['acknowledge', 'resolve'] as const) {
    const path = action === 'acknowledge' ? 'ack' : 'resolve';
    app.post(
      `/api/v1/pages/:id/${path}`,
      {
        config: { access: 'write' },
        schema: {
          tags: ['paging'],
          summary:
            action === 'acknowledge'
              ? 'Acknowledge a page: escalation stops (members of the routed team, or admins; audited)'
              : 'Resolve a page and its firing alerts (members of the routed team, or admins; audited)',
          params: idParams,
        },
      },
      async (req) => {
        const principal = requirePrincipal(req);
        const { id } = req.params as { id: string };
        const r = await changePage(db, id, action, {
          actor: principal.actor,
          requestId: req.id,
          now: now(),
          authorize(page) {
            const d = mayHandlePage(principal, page);
            if (!d.allowed) throw forbidden(d.reason);
          },
        });
        if (r.outcome === 'not_found') throw notFound(`page ${id} does not exist`);
        if (r.outcome === 'conflict') throw new ApiError(409, 'conflict', `page ${id} was resolved at ${r.page.resolvedAt} by ${r.page.resolvedBy}; a new trigger opens a new page`);
        return { ...r.page, changed: r.outcome === 'changed' };
      },
    );
  }

  app.get(
    '/api/v1/alerts',
    { config: { access: 'read' }, schema: { tags: ['paging'], summary: 'Alerts, newest first; ?unrouted=true lists those no route matched, ?silenced=true those a silence kept off a page', querystring: alertsQuery } },
    async (req) => {
      await upkeep();
      const q = req.query as z.infer<typeof alertsQuery>;
      const items = await listAlerts(db, {
        ...(q.status ? { status: q.status } : {}),
        ...(q.unrouted ? { unrouted: q.unrouted === 'true' } : {}),
        ...(q.silenced ? { silenced: q.silenced === 'true' } : {}),
        ...(q.before ? { before: q.before } : {}),
        limit: Number(q.limit ?? 100),
      });
      return { items };
    },
  );
}
