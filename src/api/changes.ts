// Change events over HTTP: POST /api/v1/changes records a deploy, config, flag, infrastructure, ... change of one
// service (ingest, member or admin tokens, for the services they may act for; audited), GET lists them with filters.
// PagerDuty change events (alerts-pagerduty.ts) land in the same table.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { changeKinds } from '../domain/budget-policy/change-kinds.js';
import type { Principal } from '../domain/permissions.js';
import { labelMap, objectName, url } from '../config/metadata.js';
import { appendAudit } from '../store/audit.js';
import { changeCursor, listChanges, maxChangeListLimit, parseChangeCursor, recordChange, type ChangeEvent } from '../store/changes.js';
import { getObject } from '../store/objects.js';
import type { Database } from '../store/schema.js';
import { requirePrincipal } from './auth.js';
import { ApiError, forbidden } from './errors.js';

/** How far ahead of the server's clock a change may be dated (clock skew between a CI runner and pave). */
const maxFutureMs = 5 * 60_000;

export const changeBody = z.strictObject({
  service: objectName,
  kind: z.enum(changeKinds, { error: `one of ${changeKinds.join(', ')}` }).default('deploy'),
  version: z.string().min(1).max(200).optional(),
  summary: z.string().trim().min(1, 'a summary of the change').max(1024),
  link: url.optional(),
  source: z.string().min(1).max(200).optional(),
  author: z.string().min(1).max(200).optional().describe('who made the change; the token when absent'),
  at: z.iso.datetime({ offset: true }).optional().describe('when the change happened; now when absent'),
  labels: labelMap.refine((m) => Object.keys(m).length <= 20, 'at most 20 labels').optional(),
});
export type ChangeBody = z.infer<typeof changeBody>;

const nameList = z
  .string()
  .max(4000)
  .regex(/^[a-z0-9-]+(,[a-z0-9-]+)*$/, 'a comma-separated list of names, e.g. checkout,payments-api');
const changesQuery = z.strictObject({
  service: nameList.optional().describe('comma-separated services'),
  team: nameList.optional().describe('comma-separated teams'),
  kind: z
    .string()
    .max(400)
    .refine((v) => v.split(',').every((k) => (changeKinds as readonly string[]).includes(k)), `a comma-separated list of: ${changeKinds.join(', ')}`)
    .optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(maxChangeListLimit).default(100),
  before: z.string().max(200).optional().describe('`next` of the previous page: the events after it, in the same order'),
});

/**
 * May `p` record a change of `service` (owned by `owner`)? Admins any; members their team's services; ingest tokens
 * the services they were made for.
 */
export function mayRecordChange(p: Principal, service: string, owner: string): { allowed: true } | { allowed: false; reason: string } {
  if (p.role === 'admin') return { allowed: true };
  if (p.role === 'member' && p.team === owner) return { allowed: true };
  if (p.role === 'ingest' && (p.services ?? []).includes(service)) return { allowed: true };
  if (p.role === 'ingest') return { allowed: false, reason: `this ingest token is for ${(p.services ?? []).join(', ') || 'no service'}, not ${service}` };
  return { allowed: false, reason: `service ${service} is owned by ${owner}: only its members, its ingest tokens or an admin may record its changes` };
}

/** Resolves the service of a change body and checks the principal may act for it; its owning team. */
export async function serviceOwnerFor(db: Kysely<Database>, p: Principal, service: string): Promise<string> {
  const svc = await getObject(db, 'Service', service);
  if (!svc) throw new ApiError(400, 'invalid_request', `service "${service}" is not in the catalog`, [{ in: 'body', path: 'service', message: 'no such service' }]);
  const owner = (svc.spec as { owner: string }).owner;
  const d = mayRecordChange(p, service, owner);
  if (!d.allowed) throw forbidden(d.reason);
  return owner;
}

export function registerChanges(app: FastifyInstance, db: Kysely<Database>, now: () => Date): void {
  app.post(
    '/api/v1/changes',
    {
      config: { access: 'ingest' },
      schema: {
        tags: ['changes'],
        summary: 'Record a change event (deploy, config, flag, infrastructure, ...) of one service',
        description: `Kinds: ${changeKinds.join(', ')}. 201 with the stored event. The author is the token unless given; the token is kept as recordedBy.`,
        body: changeBody,
      },
    },
    async (req, reply) => {
      const principal = requirePrincipal(req);
      const b = req.body as ChangeBody;
      const received = now();
      const at = b.at ? new Date(b.at) : received;
      if (at.getTime() > received.getTime() + maxFutureMs) {
        throw new ApiError(400, 'invalid_request', `at ${b.at} is in the future (server time ${received.toISOString()})`, [{ in: 'body', path: 'at', message: 'more than 5 minutes in the future' }]);
      }
      // A break-glass is what the gate records when it overrides a freeze; one written by hand would fake that record.
      if (b.kind === 'break_glass') {
        throw new ApiError(400, 'invalid_request', 'break_glass changes are recorded by the gate: use POST /api/v1/gates/check with breakGlass (pave gate check --break-glass)', [{ in: 'body', path: 'kind', message: 'recorded by the gate only' }]);
      }
      const owner = await serviceOwnerFor(db, principal, b.service);
      const change = await db.transaction().execute(async (trx): Promise<ChangeEvent> => {
        const c = await recordChange(trx, {
          kind: b.kind,
          service: b.service,
          team: owner,
          version: b.version ?? null,
          author: b.author ?? principal.actor,
          recordedBy: principal.actor,
          summary: b.summary,
          link: b.link ?? null,
          source: b.source ?? null,
          at,
          receivedAt: received,
          labels: b.labels ?? {},
        });
        await appendAudit(trx, [{ actor: principal.actor, action: 'record', kind: 'ChangeEvent', name: c.id, after: c, requestId: req.id }]);
        return c;
      });
      return reply.status(201).send(change);
    },
  );

  app.get(
    '/api/v1/changes',
    {
      config: { access: 'read' },
      schema: { tags: ['changes'], summary: 'Change events, newest first, filtered by services, teams, kinds and time (from and to inclusive); page on with before=<next>', querystring: changesQuery },
    },
    async (req) => {
      const q = req.query as z.infer<typeof changesQuery>;
      if (q.from && q.to && Date.parse(q.from) > Date.parse(q.to)) {
        throw new ApiError(400, 'invalid_request', 'from must not be after to', [{ in: 'querystring', path: 'from', message: 'after to' }]);
      }
      const before = q.before === undefined ? undefined : parseChangeCursor(q.before);
      if (q.before !== undefined && !before) {
        throw new ApiError(400, 'invalid_request', 'before is not a cursor pave gave: pass the `next` of the previous page as it was', [{ in: 'querystring', path: 'before', message: 'not a cursor' }]);
      }
      const items = await listChanges(db, {
        ...(q.service ? { services: q.service.split(',') } : {}),
        ...(q.team ? { teams: q.team.split(',') } : {}),
        ...(q.kind ? { kinds: q.kind.split(',') } : {}),
        ...(q.from ? { from: new Date(q.from) } : {}),
        ...(q.to ? { to: new Date(q.to) } : {}),
        ...(before ? { before } : {}),
        limit: q.limit,
      });
      return { items, next: items.length === q.limit ? changeCursor(items.at(-1)!) : null };
    },
  );
}
