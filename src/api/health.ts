// Liveness and readiness probes; public so that load balancers and orchestrators need no token.
import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { appliedMigrations, latestMigration } from '../store/store.js';

export function registerHealth(app: FastifyInstance, db: Kysely<Database>): void {
  app.get('/healthz', { config: { access: 'public' }, schema: { tags: ['health'], summary: 'The process is up' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { access: 'public' }, schema: { tags: ['health'], summary: 'The store is reachable and migrated' } }, async (_req, reply) => {
    try {
      await sql`select 1`.execute(db);
      const applied = await appliedMigrations(db);
      const current = applied.at(-1) ?? null;
      if (current !== latestMigration) {
        return reply.status(503).send({ status: 'migrating', migration: current, expected: latestMigration });
      }
      return { status: 'ready', migration: current };
    } catch (err) {
      return reply.status(503).send({ status: 'unavailable', reason: `store unreachable: ${(err as Error).message}` });
    }
  });
}
