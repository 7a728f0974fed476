// pave's own Prometheus metrics at /metrics: HTTP traffic, catalog size, process health.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../store/schema.js';

export interface ServerMetrics {
  registry: Registry;
  applies: Counter<'outcome'>;
}

export function registerMetrics(app: FastifyInstance, db: Kysely<Database>, version: string): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pave_' });
  const requests = new Counter({
    name: 'pave_http_requests_total',
    help: 'HTTP requests answered, by route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'pave_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const applies = new Counter({
    name: 'pave_config_applies_total',
    help: 'Configuration applies, by outcome (applied, planned, invalid, forbidden).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'pave_build_info',
    help: 'pave version; always 1.',
    labelNames: ['version', 'node'] as const,
    registers: [registry],
    collect() {
      this.set({ version, node: process.version }, 1);
    },
  });
  new Gauge({
    name: 'pave_catalog_objects',
    help: 'Catalog objects in the store, by kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      const rows = await db.selectFrom('objects').select(['kind', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('kind').execute();
      this.reset();
      for (const r of rows) this.set({ kind: r.kind }, Number(r.n));
    },
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const labels = { method: req.method, route };
    requests.inc({ ...labels, status: String(reply.statusCode) });
    duration.observe(labels, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { config: { access: 'read' }, schema: { hide: true } }, async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  return { registry, applies };
}
