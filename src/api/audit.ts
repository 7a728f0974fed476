// GET /api/v1/audit: the append-only record of every write, newest first.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { listAudit } from '../store/audit.js';
import type { Database } from '../store/schema.js';

const auditQuery = z.strictObject({
  kind: z.string().max(100).optional(),
  name: z.string().max(253).optional(),
  actor: z.string().max(300).optional(),
  action: z.string().max(50).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  before: z
    .string()
    .regex(/^[0-9]{1,19}$/, 'an audit entry id')
    .refine((v) => /^[0-9]{1,19}$/.test(v) && BigInt(v) <= 9223372036854775807n, 'an audit entry id (at most 9223372036854775807)')
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export function registerAudit(app: FastifyInstance, db: Kysely<Database>): void {
  app.get(
    '/api/v1/audit',
    {
      config: { access: 'read' },
      schema: {
        tags: ['security'],
        summary: 'Audit log entries, newest first',
        description: 'Page backwards with `before=<id of the last entry seen>`.',
        querystring: auditQuery,
      },
    },
    async (req) => {
      const q = req.query as z.infer<typeof auditQuery>;
      const items = await listAudit(db, {
        ...q,
        since: q.since ? new Date(q.since) : undefined,
        until: q.until ? new Date(q.until) : undefined,
      });
      return { items, next: items.length === q.limit ? items.at(-1)!.id : null };
    },
  );
}
