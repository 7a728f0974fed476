// Integration keys: minted through the API, shown once, stored as SHA-256 hashes (as API tokens are), found by hash.
// PagerDuty senders validate the routing key's shape, so keys of pagerduty integrations are 32 hex characters.
import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { appendAudit } from './audit.js';
import type { Database, IntegrationKeysTable } from './schema.js';
import { hashToken } from './tokens.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface IntegrationKeyInfo {
  id: string;
  integration: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
}

/** A fresh key: 32 hex characters (128 bits) for PagerDuty's routing_key, else `pvi_` and 256 bits. */
export function generateIntegrationKey(format: string): string {
  return format === 'pagerduty' ? randomBytes(16).toString('hex') : `pvi_${randomBytes(32).toString('base64url')}`;
}

function toInfo(row: Selectable<IntegrationKeysTable>): IntegrationKeyInfo {
  return {
    id: row.id,
    integration: row.integration,
    createdAt: new Date(row.created_at).toISOString(),
    createdBy: row.created_by,
    revokedAt: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
  };
}

function inTransaction<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db as Transaction<Database>) : db.transaction().execute(fn);
}

/** Mints a key for `integration`, audited (never the key or its hash); the key is returned once and not kept. */
export async function createIntegrationKey(
  db: Db,
  k: { integration: string; format: string; createdBy: string; requestId?: string | null },
): Promise<{ key: string; info: IntegrationKeyInfo }> {
  const key = generateIntegrationKey(k.format);
  return inTransaction(db, async (trx) => {
    const row = await trx
      .insertInto('integration_keys')
      .values({ id: randomBytes(5).toString('hex'), integration: k.integration, key_hash: hashToken(key), created_by: k.createdBy })
      .returningAll()
      .executeTakeFirstOrThrow();
    const info = toInfo(row);
    await appendAudit(trx, [{ actor: k.createdBy, action: 'create', kind: 'IntegrationKey', name: `${k.integration}/${info.id}`, after: info, requestId: k.requestId ?? null }]);
    return { key, info };
  });
}

export async function listIntegrationKeys(db: Db, integration: string): Promise<IntegrationKeyInfo[]> {
  const rows = await db.selectFrom('integration_keys').selectAll().where('integration', '=', integration).orderBy('created_at').orderBy('id').execute();
  return rows.map(toInfo);
}

/** Revokes an active key of `integration`, audited; undefined when there is no such active key. */
export async function revokeIntegrationKey(db: Db, integration: string, id: string, at: Date, by: { actor: string; requestId?: string | null }): Promise<IntegrationKeyInfo | undefined> {
  return inTransaction(db, async (trx) => {
    const row = await trx
      .updateTable('integration_keys')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('integration', '=', integration)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    const info = toInfo(row);
    await appendAudit(trx, [{ actor: by.actor, action: 'revoke', kind: 'IntegrationKey', name: `${integration}/${id}`, before: { ...info, revokedAt: null }, after: info, requestId: by.requestId ?? null }]);
    return info;
  });
}

/** What a key is stored as (and looked up by). */
export const hashKey = (key: string): string => hashToken(key);

/** Which integration each of these key hashes belongs to, for the active ones only (one statement). */
export async function activeKeyHashes(db: Db, hashes: readonly string[]): Promise<Map<string, string>> {
  if (hashes.length === 0) return new Map();
  const rows = await db.selectFrom('integration_keys').select(['key_hash', 'integration']).where('key_hash', 'in', hashes).where('revoked_at', 'is', null).execute();
  return new Map(rows.map((r) => [r.key_hash, r.integration]));
}

/**
 * Key hash → the integration it was minted for, per store: a key never changes integration, so a hit needs no
 * statement. It says nothing of revocation: whoever acts on it checks the key is still active in the transaction
 * that acts (store/alerts AlertWriter, with activeKeyHashes). Bounded; forgotten wholesale when full.
 */
const keyIntegrations = new WeakMap<Kysely<Database>, Map<string, { integration: string; keyId: string }>>();
const maxCachedKeys = 10_000;

/**
 * integrationOfKey for alert intake: a key seen before costs no statement (see keyIntegrations), so a revoked key
 * may be reported here as valid; the caller must check it again where it writes.
 */
export async function knownIntegrationOfKey(db: Kysely<Database>, key: string): Promise<{ integration: string; keyId: string; keyHash: string } | undefined> {
  if (key.length === 0 || key.length > 256) return undefined;
  const keyHash = hashKey(key);
  let cache = keyIntegrations.get(db);
  if (!cache) keyIntegrations.set(db, (cache = new Map()));
  const hit = cache.get(keyHash);
  if (hit) return { ...hit, keyHash };
  const found = await integrationOfKey(db, key);
  if (!found) return undefined;
  if (cache.size >= maxCachedKeys) cache.clear();
  cache.set(keyHash, found);
  return { ...found, keyHash };
}

/** The integration an active key belongs to, or undefined. The lookup is by hash: the key itself is never compared. */
export async function integrationOfKey(db: Db, key: string): Promise<{ integration: string; keyId: string } | undefined> {
  if (key.length === 0 || key.length > 256) return undefined;
  const row = await db
    .selectFrom('integration_keys')
    .select(['id', 'integration'])
    .where('key_hash', '=', hashToken(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { integration: row.integration, keyId: row.id } : undefined;
}
