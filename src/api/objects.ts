// Read endpoints for every config kind: GET /api/v1/{plural} and /api/v1/{plural}/{name}, generated from the registry.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { kinds } from '../config/kinds/index.js';
import type { KindDefinition } from '../config/kind.js';
import type { Database } from '../store/schema.js';
import { getObject, listObjects, type StoredObject } from '../store/objects.js';
import { notFound } from './errors.js';

const labelSelector = z
  .string()
  .regex(/^[^=,]+=[^=,]*(,[^=,]+=[^=,]*)*$/, 'key=value[,key=value...]')
  .optional()
  .describe('only objects whose labels match all of these key=value pairs');

function matchesLabels(o: StoredObject, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((pair) => {
    const [k, v] = pair.split('=') as [string, string];
    return o.metadata.labels?.[k] === v;
  });
}

/** Live figures a kind adds to its objects on read (e.g. an SLO's evaluation), beside `status`. */
export interface ObjectExtras {
  one(obj: StoredObject): Promise<Record<string, unknown>>;
  many(obj: StoredObject): Promise<Record<string, unknown>>;
}

function registerKind(app: FastifyInstance, db: Kysely<Database>, kind: KindDefinition, extras: ObjectExtras | undefined): void {
  const filterNames = Object.keys(kind.filters ?? {});
  const query = z.strictObject({
    labels: labelSelector,
    ...Object.fromEntries(filterNames.map((f) => [f, z.string().min(1).optional()])),
  });
  app.get(
    `/api/v1/${kind.plural}`,
    {
      config: { access: 'read' },
      schema: {
        tags: ['catalog'],
        summary: `List ${kind.plural}`,
        description: `${kind.description} Filters: ${filterNames.join(', ') || 'none'}; labels=key=value.`,
        querystring: query,
      },
    },
    async (req) => {
      const q = req.query as Record<string, string | undefined>;
      const objects = await listObjects(db, kind.kind);
      const items = objects.filter(
        (o) =>
          matchesLabels(o, q.labels) &&
          filterNames.every((f) => q[f] === undefined || kind.filters![f]!(o as never, q[f]!)),
      );
      return { kind: kind.kind, items: extras ? await Promise.all(items.map(async (o) => ({ ...o, ...(await extras.many(o)) }))) : items };
    },
  );
  app.get(
    `/api/v1/${kind.plural}/:name`,
    {
      config: { access: 'read' },
      schema: {
        tags: ['catalog'],
        summary: `Get one ${kind.kind}`,
        params: z.object({ name: z.string().min(1).max(253) }),
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const obj = await getObject(db, kind.kind, name);
      if (!obj) throw notFound(`${kind.kind} "${name}" does not exist`);
      return extras ? { ...obj, ...(await extras.one(obj)) } : obj;
    },
  );
}

export function registerObjects(app: FastifyInstance, db: Kysely<Database>, extras: Partial<Record<string, ObjectExtras>> = {}): void {
  for (const kind of kinds) registerKind(app, db, kind, extras[kind.kind]);
  app.get(
    '/api/v1/kinds',
    { config: { access: 'read' }, schema: { tags: ['catalog'], summary: 'The config kinds this server understands' } },
    async () => ({
      items: kinds.map((k) => ({
        kind: k.kind,
        plural: k.plural,
        aliases: k.aliases,
        description: k.description,
        filters: Object.keys(k.filters ?? {}),
        openslo: Boolean(k.openslo),
      })),
    }),
  );
}
