// API tokens: create (the secret is in this one answer only), list, revoke. Admins only.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { objectName } from '../config/metadata.js';
import { getObject } from '../store/objects.js';
import type { Database } from '../store/schema.js';
import { countActiveAdmins, createToken, getToken, listTokens, revokeToken } from '../store/tokens.js';
import { requirePrincipal } from './auth.js';
import { ApiError, badRequest, notFound } from './errors.js';

const newToken = z
  .strictObject({
    name: z.string().min(1).max(100),
    role: z.enum(['admin', 'member', 'ingest', 'viewer']),
    team: objectName.optional(),
    services: z.array(objectName).max(1000).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .superRefine((t, ctx) => {
    if (t.role === 'member' && !t.team) ctx.addIssue({ code: 'custom', path: ['team'], message: 'a member token needs the team it writes for' });
    if (t.role !== 'member' && t.team) ctx.addIssue({ code: 'custom', path: ['team'], message: 'only member tokens have a team' });
    if (t.role === 'ingest' && !t.services?.length) ctx.addIssue({ code: 'custom', path: ['services'], message: 'an ingest token needs the services it may send telemetry for' });
    if (t.role !== 'ingest' && t.services?.length) ctx.addIssue({ code: 'custom', path: ['services'], message: 'only ingest tokens are scoped to services' });
  });

export function registerTokens(app: FastifyInstance, db: Kysely<Database>, forget: (id: string) => void, now: () => Date): void {
  app.get(
    '/api/v1/tokens',
    {
      config: { access: 'admin' },
      schema: { tags: ['security'], summary: 'List tokens (never their secrets)', querystring: z.strictObject({ all: z.enum(['true', 'false']).optional() }) },
    },
    async (req) => ({ items: await listTokens(db, (req.query as { all?: string }).all === 'true') }),
  );

  app.post(
    '/api/v1/tokens',
    { config: { access: 'admin' }, schema: { tags: ['security'], summary: 'Create a token; its secret is returned once', body: newToken } },
    async (req, reply) => {
      const principal = requirePrincipal(req);
      const body = req.body as z.infer<typeof newToken>;
      if (body.team && !(await getObject(db, 'Team', body.team))) {
        throw new ApiError(422, 'unknown_reference', `team "${body.team}" does not exist`, [{ path: 'team', message: 'an existing team' }]);
      }
      for (const [i, s] of (body.services ?? []).entries()) {
        if (!(await getObject(db, 'Service', s))) {
          throw new ApiError(422, 'unknown_reference', `service "${s}" does not exist`, [{ path: `services.${i}`, message: 'an existing service' }]);
        }
      }
      const created = await createToken(db, { ...body, expiresAt: body.expiresAt ? new Date(body.expiresAt) : null, createdBy: principal.actor, requestId: req.id });
      return reply.status(201).send({ token: created.token, ...created.info });
    },
  );

  app.delete(
    '/api/v1/tokens/:id',
    { config: { access: 'admin' }, schema: { tags: ['security'], summary: 'Revoke a token', params: z.object({ id: z.string().min(1).max(64) }) } },
    async (req) => {
      const principal = requirePrincipal(req);
      const { id } = req.params as { id: string };
      const existing = await getToken(db, id);
      if (!existing) throw notFound(`token ${id} does not exist`);
      if (existing.revokedAt) throw new ApiError(409, 'conflict', `token ${id} was already revoked at ${existing.revokedAt}`);
      if (existing.role === 'admin' && (await countActiveAdmins(db, now())) <= 1) {
        throw badRequest('refusing to revoke the last admin token: create another admin token first');
      }
      const revoked = await revokeToken(db, id, now(), { actor: principal.actor, requestId: req.id });
      forget(id);
      return revoked;
    },
  );

  app.get('/api/v1/whoami', { config: { access: 'authenticated' }, schema: { tags: ['security'], summary: 'The caller as pave sees it' } }, async (req) => {
    const p = requirePrincipal(req);
    return { actor: p.actor, role: p.role, team: p.team ?? null, services: p.services ?? [] };
  });
}
