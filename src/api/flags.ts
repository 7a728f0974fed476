// Feature flags over the API: runtime changes of a flag's kill switch and rollout percentage by its owning team (or
// an admin), audited and recorded as change events; the flag's state and what is in force on GET /api/v1/flags[/name]
// (through objects.ts extras); the stale-flag report; and the OFREP evaluation routes (api/ofrep.ts) over one
// in-memory FlagCatalog that every flag change made through this process invalidates at once.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { canChangeObject } from '../domain/permissions.js';
import type { FlagSpec } from '../config/kinds/flag.js';
import { FlagCatalog, FlagChangeError, getFlag, getFlagState, listStaleFlags, setFlagRollout } from '../store/flags.js';
import type { StoredObject } from '../store/objects.js';
import type { Database } from '../store/schema.js';
import { requirePrincipal } from './auth.js';
import { ApiError, badRequest, forbidden, notFound } from './errors.js';
import type { ObjectExtras } from './objects.js';
import { registerOfrep } from './ofrep.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The compiled flags OFREP serves; call invalidate() after changing flags in this process outside the API. */
    flagCatalog: FlagCatalog;
  }
}

const nameParams = z.object({ name: z.string().min(1).max(253) });

const stateBody = z
  .strictObject({
    enabled: z.boolean().optional().describe('the kill switch: false serves the off variant to everyone'),
    percentage: z.number().int('a whole percentage').min(0).max(100).optional().describe("the rollout's percentage (0-100)"),
    reason: z.string().min(1).max(2000).optional().describe('why, for the audit log and the change event'),
  })
  .refine((b) => b.enabled !== undefined || b.percentage !== undefined, { message: 'give enabled, percentage or both', path: ['enabled'] });

const resetBody = z.strictObject({ reason: z.string().min(1).max(2000).optional() }).optional();

/** The runtime state and what is in force, beside each Flag object on GET /api/v1/flags[/{name}]. */
export function flagExtras(db: Kysely<Database>): ObjectExtras {
  const extra = async (obj: StoredObject) => {
    const spec = obj.spec as unknown as FlagSpec;
    const raw = await getFlagState(db, obj.metadata.name);
    const state = raw && raw.updatedAt >= obj.status.createdAt ? raw : undefined;
    return {
      runtime: state ?? null,
      effective: {
        enabled: state?.enabled ?? spec.enabled,
        percentage: spec.rollout ? (state?.percentage ?? spec.rollout.percentage) : null,
      },
    };
  };
  return { one: extra, many: extra };
}

function flagChangeError(err: unknown): never {
  if (err instanceof FlagChangeError) {
    if (err.code === 'not_found') throw notFound(err.message);
    if (err.code === 'no_rollout') throw new ApiError(409, 'no_rollout', err.message, [{ path: 'percentage', message: err.message }]);
    throw badRequest(err.message);
  }
  throw err;
}

export function registerFlags(app: FastifyInstance, db: Kysely<Database>, now: () => Date): FlagCatalog {
  const catalog = new FlagCatalog(db, { maxAgeMs: 1000, now: () => Date.now() });
  app.decorate('flagCatalog', catalog);
  registerOfrep(app, catalog, now);

  /** Owning team or admin; answers 404 for a flag that does not exist. */
  const authorize = async (req: Parameters<typeof requirePrincipal>[0], name: string) => {
    const principal = requirePrincipal(req);
    const flag = await getFlag(db, name);
    if (!flag) throw notFound(`flag ${name} does not exist`);
    const owner = (flag.object.spec as unknown as FlagSpec).owner;
    const d = canChangeObject(principal, `Flag/${name}`, [owner], [owner]);
    if (!d.allowed) throw forbidden(d.reason);
    return principal;
  };

  app.post(
    '/api/v1/flags/:name/state',
    {
      config: { access: 'write' },
      schema: {
        tags: ['flags'],
        summary: "Change a flag at runtime: its kill switch and/or rollout percentage (the owning team or an admin; audited, recorded as a change event)",
        description: 'The runtime state wins over the file until reset (DELETE); an apply of the flag does not change it.',
        params: nameParams,
        body: stateBody,
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const body = req.body as z.infer<typeof stateBody>;
      const principal = await authorize(req, name);
      try {
        const r = await setFlagRollout(db, name, body, { actor: principal.actor, requestId: req.id, now: now() });
        catalog.invalidate();
        return r;
      } catch (err) {
        flagChangeError(err);
      }
    },
  );

  app.delete(
    '/api/v1/flags/:name/state',
    {
      config: { access: 'write' },
      schema: {
        tags: ['flags'],
        summary: 'Forget a flag\'s runtime state: its file decides again (the owning team or an admin; audited, recorded as a change event)',
        params: nameParams,
        body: resetBody,
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const body = req.body as z.infer<typeof resetBody>;
      const principal = await authorize(req, name);
      try {
        const r = await setFlagRollout(db, name, { reset: true, ...(body?.reason ? { reason: body.reason } : {}) }, { actor: principal.actor, requestId: req.id, now: now() });
        catalog.invalidate();
        return r;
      } catch (err) {
        flagChangeError(err);
      }
    },
  );

  const staleQuery = z.strictObject({
    team: z.string().min(1).max(253).optional().describe('only flags this team owns'),
  });
  app.get(
    '/api/v1/reports/stale-flags',
    {
      config: { access: 'read' },
      schema: {
        tags: ['flags', 'reports'],
        summary: 'Flags older than their expected lifetime (by purpose, or spec.expectedLifetime), most overdue first',
        querystring: staleQuery,
      },
    },
    async (req) => {
      const q = req.query as z.infer<typeof staleQuery>;
      const at = now();
      return { at: at.toISOString(), items: await listStaleFlags(db, at, q.team) };
    },
  );

  return catalog;
}
