// POST /api/v1/ingest: telemetry batches (counts, histograms, raw events). 2xx means committed.
import type { FastifyInstance, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z, type ZodType } from 'zod';
import { ScannedBatch } from '../telemetry/body-scan.js';
import { maxBatchItems } from '../telemetry/items.js';
import type { Ingestor } from '../telemetry/ingest.js';
import { requirePrincipal } from './auth.js';
import { ApiError } from './errors.js';

export const ingestBodyLimit = 16 * 1024 * 1024;

const item = z.looseObject({
  series: z.string().describe('series name, like a Prometheus metric name'),
  labels: z.record(z.string(), z.string()).optional(),
  ts: z.union([z.string(), z.number()]).describe('ISO 8601 time or epoch milliseconds'),
  good: z.number().int().optional().describe('counts item: good events'),
  total: z.number().int().optional().describe('counts item: all events'),
  buckets: z.record(z.string(), z.number().int()).optional().describe('histogram item: cumulative counts by bucket bound (le), with +Inf'),
  status: z.number().int().optional().describe('event item: HTTP status'),
  latencyMs: z.number().optional().describe('event item: latency in milliseconds'),
});

const { $schema: _, ...itemDoc } = z.toJSONSchema(item, { io: 'input' });

/** Validators of the ingest route: a scanned body was checked by the scan itself; anything else by its zod schema. */
const scannedOrValidated: FastifySchemaCompiler<ZodType> = (route) => {
  const validate = validatorCompiler(route);
  return route.httpPart === 'body' ? (data: unknown) => (data instanceof ScannedBatch ? { value: data } : validate(data)) : validate;
};

export function registerIngest(app: FastifyInstance, ingestor: Ingestor, now: () => Date): void {
  // Each request announces its batch to the group-commit writer as soon as it is authenticated, and says it arrived
  // once the batch is queued (or, failing before that, when it is answered or aborted).
  const arrivals = new WeakMap<FastifyRequest, () => void>();
  const settle = async (req: FastifyRequest) => {
    arrivals.get(req)?.();
  };
  app.post(
    '/api/v1/ingest',
    {
      bodyLimit: ingestBodyLimit,
      // Plain batches are read straight from the body's bytes (body-scan.ts); anything else is parsed as JSON and
      // validated by the schema below, as on every route.
      config: { access: 'ingest', scanJsonBody: (body: Buffer) => ingestor.scan(body) },
      // Fastify calls it with each part's schema (body, headers), though its type names the whole route's schema.
      validatorCompiler: scannedOrValidated as never,
      onRequest: async (req) => {
        arrivals.set(req, ingestor.expectBatch());
      },
      onResponse: settle,
      onRequestAbort: settle,
      schema: {
        tags: ['telemetry'],
        summary: 'Send a batch of SLI telemetry',
        description:
          `Up to ${maxBatchItems} items: counts {series, labels, ts, good, total}, histograms {series, labels, ts, buckets}, ` +
          'or raw events {series, labels, ts, status, latencyMs}. The answer comes after the batch is committed. ' +
          'Send an Idempotency-Key header so a retried batch counts once. Errors name the item index and field.',
        headers: z.looseObject({ 'idempotency-key': z.string().min(1).max(200).optional() }),
        // Items are checked once, by parseBatch (naming index and field); the schema documents them without
        // validating each one a second time.
        body: z.strictObject({ items: z.array(z.unknown()).max(maxBatchItems).meta({ items: itemDoc }) }),
      },
    },
    async (req, reply) => {
      const principal = requirePrincipal(req);
      const key = req.headers['idempotency-key'];
      const body = req.body as ScannedBatch | { items: unknown[] };
      const items = body instanceof ScannedBatch ? body : body.items;
      const arrived = arrivals.get(req);
      let r: Awaited<ReturnType<Ingestor['ingest']>>;
      try {
        r = await ingestor.ingest(items, {
          principal,
          idempotencyKey: typeof key === 'string' ? `${principal.tokenId ?? principal.actor}:${key}` : undefined,
          now: now(),
          body: req.rawBody,
          arrived,
        });
      } finally {
        arrived?.();
      }
      if (r.status === 'invalid') {
        throw new ApiError(400, 'invalid_items', `${r.errors.length} invalid item(s); nothing was ingested: ${r.errors.slice(0, 3).map((e) => `${e.path}: ${e.message}`).join('; ')}`, r.errors);
      }
      if (r.status === 'forbidden') throw new ApiError(403, 'forbidden', `not allowed to send ${r.errors.map((e) => e.path).join(', ')}; nothing was ingested`, r.errors);
      if (r.status === 'key_reused') {
        throw new ApiError(409, 'idempotency_key_reused', 'this Idempotency-Key was already used for a different batch; nothing was ingested (use a new key per batch)');
      }
      if (r.status === 'duplicate') return reply.status(200).send({ duplicate: true, message: 'this Idempotency-Key was already committed; nothing counted twice' });
      return reply.status(200).send({ duplicate: false, events: r.events, series: r.series });
    },
  );
}
