// What the alert routes share: the integration of a key, found with no statement when the key was seen before, and
// the notification handed to its scope's group commit (store/alerts AlertWriter), which checks the key is still active
// and reads the integration again in the transaction that applies it. So a revoked key or a deleted integration is
// refused exactly as before, while a steady sender costs no statement of its own beyond the group's.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { IntegrationFormat } from '../config/kinds/integration.js';
import { alertWriter, catalogObject, currentCatalog, lastCatalog, type AlertBatch, type BatchOutcome } from '../store/alerts.js';
import { knownIntegrationOfKey } from '../store/integration-keys.js';
import type { Database } from '../store/schema.js';
import { forbidden, unauthorized } from './errors.js';
import { ingestPaths, type IntegrationObject } from './integrations.js';

/** A key's integration as intake found it: good enough to validate a request against, checked again at commit. */
export interface IntakeKey {
  keyHash: string;
  integration: IntegrationObject;
  format: IntegrationFormat;
}

export type IntakeRefusal = { refused: 'unknown_key' } | { refused: 'wrong_format'; integration: IntegrationObject };

/** The integration of `key` if it is of `format`; the catalog is read again before refusing (it may have changed). */
export async function intakeKey(db: Kysely<Database>, key: string, format: IntegrationFormat): Promise<IntakeKey | IntakeRefusal> {
  const found = await knownIntegrationOfKey(db, key);
  if (!found) return { refused: 'unknown_key' };
  const lookup = (c: Awaited<ReturnType<typeof currentCatalog>> | undefined) => (c ? (catalogObject(c, 'Integration', found.integration) as IntegrationObject | undefined) : undefined);
  let integration = lookup(lastCatalog(db));
  if (!integration || integration.spec.format !== format) integration = lookup(await currentCatalog(db));
  if (!integration) return { refused: 'unknown_key' }; // the integration was deleted: its keys no longer work
  if (integration.spec.format !== format) return { refused: 'wrong_format', integration };
  return { keyHash: found.keyHash, integration, format };
}

export const isRefusal = (k: IntakeKey | IntakeRefusal): k is IntakeRefusal => 'refused' in k;

/** The error a bearer-authenticated route answers for a refused key (as integrationFromBearer words it). */
export function bearerRefusal(r: IntakeRefusal): Error {
  if (r.refused === 'unknown_key') return unauthorized('invalid or revoked integration key');
  const spec = r.integration.spec;
  return forbidden(`this key belongs to integration ${r.integration.metadata.name}, whose format is ${spec.format}: its senders post to ${ingestPaths[spec.format]}`);
}

/** The integration named by `Authorization: Bearer <integration key>`; 401 or 403 otherwise. */
export async function intakeFromBearer(db: Kysely<Database>, req: FastifyRequest, format: IntegrationFormat): Promise<IntakeKey> {
  const header = req.headers.authorization;
  if (!header) throw unauthorized('missing integration key: send "Authorization: Bearer <integration key>" (mint one with `pave integration key NAME`)');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw unauthorized('malformed Authorization header: expected "Bearer <integration key>"');
  const k = await intakeKey(db, m[1]!, format);
  if (isRefusal(k)) throw bearerRefusal(k);
  return k;
}

/**
 * Applies a notification sent with `key`: `build` makes its batch from the integration as the committing transaction
 * sees it. Resolves once committed, or with the refusal the transaction found (the key revoked, the integration
 * deleted or changed format meanwhile).
 */
export async function submitAlerts(db: Kysely<Database>, key: IntakeKey, build: (integration: IntegrationObject) => AlertBatch): Promise<{ outcome: BatchOutcome } | IntakeRefusal> {
  const r = await alertWriter(db).submit({
    keyHash: key.keyHash,
    integration: key.integration.metadata.name,
    format: key.format,
    build: (obj) => build(obj as IntegrationObject),
  });
  if (r.status === 'committed') return { outcome: r.outcome };
  if (r.reason === 'wrong_format' && r.integration) return { refused: 'wrong_format', integration: r.integration as IntegrationObject };
  return { refused: 'unknown_key' };
}
