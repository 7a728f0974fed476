// Integration keys (mint, list, revoke) and what every alert ingest route shares: finding the integration a key
// belongs to, and a bound on alert requests in flight so that pave pushes back with 503 under overload (Alertmanager
// and PagerDuty senders retry 5xx; Alertmanager drops 4xx, 429 included).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { groupLabelsOf, integration as integrationKind, type IntegrationFormat, type IntegrationSpec } from '../config/kinds/integration.js';
import { catalogView, type ConfigObject } from '../domain/objects.js';
import { canChangeObject, type Principal } from '../domain/permissions.js';
import type { AlertBatch } from '../store/alerts.js';
import { createIntegrationKey, integrationOfKey, listIntegrationKeys, revokeIntegrationKey } from '../store/integration-keys.js';
import { getObject, listObjects, type StoredObject } from '../store/objects.js';
import type { Database } from '../store/schema.js';
import { requirePrincipal } from './auth.js';
import { ApiError, forbidden, notFound, unauthorized } from './errors.js';

export type IntegrationObject = StoredObject & ConfigObject<IntegrationSpec>;

/** Where each format's senders post. */
export const ingestPaths: Record<IntegrationFormat, string> = {
  alertmanager: 'POST /api/v1/integrations/alertmanager',
  'alertmanager-v2': 'POST /api/v2/alerts',
  pagerduty: 'POST /v2/enqueue',
  webhook: 'POST /api/v1/integrations/webhook',
};

/** At most `limit` alert requests at once; the next is answered 503 with Retry-After, never dropped silently. */
export class AlertIngestGate {
  private inFlight = 0;
  constructor(readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.limit) {
      throw new ApiError(503, 'overloaded', `pave is handling ${this.limit} alert requests already; retry shortly`, [], { 'retry-after': '5' });
    }
    this.inFlight++;
    try {
      return await fn();
    } finally {
      this.inFlight--;
    }
  }
}

/** The integration of an active key, which must be of `format`; undefined when the key is unknown or revoked. */
export async function integrationForKey(db: Kysely<Database>, key: string, format: IntegrationFormat): Promise<IntegrationObject | undefined> {
  const found = await integrationOfKey(db, key);
  if (!found) return undefined;
  const obj = (await getObject(db, 'Integration', found.integration)) as IntegrationObject | undefined;
  if (!obj) return undefined; // the integration was deleted: its keys no longer work
  if (obj.spec.format !== format) {
    throw forbidden(`this key belongs to integration ${obj.metadata.name}, whose format is ${obj.spec.format}: its senders post to ${ingestPaths[obj.spec.format]}`);
  }
  return obj;
}

/** The integration named by `Authorization: Bearer <integration key>`; 401 otherwise. */
export async function integrationFromBearer(db: Kysely<Database>, req: FastifyRequest, format: IntegrationFormat): Promise<IntegrationObject> {
  const header = req.headers.authorization;
  if (!header) throw unauthorized('missing integration key: send "Authorization: Bearer <integration key>" (mint one with `pave integration key NAME`)');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw unauthorized('malformed Authorization header: expected "Bearer <integration key>"');
  const obj = await integrationForKey(db, m[1]!, format);
  if (!obj) throw unauthorized('invalid or revoked integration key');
  return obj;
}

/** The batch fields an integration decides: scope, grouping, fallback route, actor. */
export function batchOf(obj: IntegrationObject): Pick<AlertBatch, 'scope' | 'groupBy' | 'route' | 'actor'> {
  return {
    scope: obj.metadata.name,
    groupBy: groupLabelsOf(obj.spec),
    route: { ...(obj.spec.service ? { service: obj.spec.service } : {}), ...(obj.spec.team ? { team: obj.spec.team } : {}) },
    actor: `integration:${obj.metadata.name}`,
  };
}

const nameParams = z.object({ name: z.string().min(1).max(253) });
const keyParams = z.object({ name: z.string().min(1).max(253), id: z.string().regex(/^[0-9a-f]{10}$/, 'a key id such as 3f9a0c12de') });

async function assertMayManage(db: Kysely<Database>, principal: Principal, name: string): Promise<IntegrationObject> {
  const obj = (await getObject(db, 'Integration', name)) as IntegrationObject | undefined;
  if (!obj) throw notFound(`Integration "${name}" does not exist`);
  const services = await listObjects(db, 'Service');
  const owners = integrationKind.owners(obj, catalogView([obj, ...services]));
  const decision = canChangeObject(principal, `Integration/${name}`, owners, owners);
  if (!decision.allowed) throw forbidden(decision.reason);
  return obj;
}

export function registerIntegrations(app: FastifyInstance, db: Kysely<Database>, now: () => Date): void {
  app.post(
    '/api/v1/integrations/:name/keys',
    {
      config: { access: 'write' },
      schema: {
        tags: ['paging'],
        summary: "Mint a key for an integration; the key is in this answer only (the owning team's members, or admins)",
        description: 'PagerDuty integrations get a 32-character routing key; the others a `pvi_` bearer key. Stored as a SHA-256 hash; audited (kind IntegrationKey) without the key.',
        params: nameParams,
      },
    },
    async (req, reply) => {
      const principal = requirePrincipal(req);
      const { name } = req.params as { name: string };
      const obj = await assertMayManage(db, principal, name);
      const created = await createIntegrationKey(db, { integration: name, format: obj.spec.format, createdBy: principal.actor, requestId: req.id });
      return reply.status(201).send({ key: created.key, ...created.info, format: obj.spec.format, sendTo: ingestPaths[obj.spec.format] });
    },
  );

  app.get(
    '/api/v1/integrations/:name/keys',
    { config: { access: 'write' }, schema: { tags: ['paging'], summary: "An integration's keys (never the keys themselves)", params: nameParams } },
    async (req) => {
      const { name } = req.params as { name: string };
      await assertMayManage(db, requirePrincipal(req), name);
      return { items: await listIntegrationKeys(db, name) };
    },
  );

  app.delete(
    '/api/v1/integrations/:name/keys/:id',
    { config: { access: 'write' }, schema: { tags: ['paging'], summary: 'Revoke an integration key (audited)', params: keyParams } },
    async (req) => {
      const principal = requirePrincipal(req);
      const { name, id } = req.params as { name: string; id: string };
      await assertMayManage(db, principal, name);
      const revoked = await revokeIntegrationKey(db, name, id, now(), { actor: principal.actor, requestId: req.id });
      if (!revoked) throw notFound(`integration ${name} has no active key ${id}`);
      return revoked;
    },
  );
}
