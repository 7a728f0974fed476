// API tokens: shown once at creation, stored as SHA-256 hashes, compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Role } from '../domain/permissions.js';
import { appendAudit } from './audit.js';
import type { Database, TokensTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  team: string | null;
  services: string[];
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface NewToken {
  name: string;
  role: Role;
  team?: string | null;
  services?: string[];
  expiresAt?: Date | null;
  /** The actor creating it; also the audit entry's actor. */
  createdBy: string;
  requestId?: string | null;
}

/** Runs `fn` in the caller's transaction, or in a new one: a token write and its audit entry commit together. */
function inTransaction<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db as Transaction<Database>) : db.transaction().execute(fn);
}

/** What the audit log keeps of a token: never the secret or its hash. */
export function describeToken(t: TokenInfo) {
  return { id: t.id, name: t.name, role: t.role, team: t.team, services: t.services, expiresAt: t.expiresAt, revokedAt: t.revokedAt };
}

/** Tokens look like `pave_<id>_<secret>`: the id finds the row, the whole string is hashed and compared. */
const tokenPattern = /^pave_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateToken(): { id: string; token: string } {
  const id = randomBytes(8).toString('hex').slice(0, 10);
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `pave_${id}_${secret}` };
}

export function isTokenShaped(token: string): boolean {
  return tokenPattern.test(token);
}

export function tokenInfoOf(row: Selectable<TokensTable>): TokenInfo {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    team: row.team,
    services: row.services,
    createdAt: new Date(row.created_at).toISOString(),
    createdBy: row.created_by,
    expiresAt: iso(row.expires_at),
    revokedAt: iso(row.revoked_at),
    lastUsedAt: iso(row.last_used_at),
  };
}

/**
 * Stores a token given by the operator (PAVE_ADMIN_TOKEN) or a freshly generated one, audited; returns the secret,
 * which is never stored, so this is the only time anyone sees it.
 */
export async function createToken(db: Db, t: NewToken, given?: string): Promise<{ token: string; info: TokenInfo }> {
  const fresh = generateToken();
  const token = given ?? fresh.token;
  const id = given ? (tokenPattern.exec(given)?.[1] ?? `x${hashToken(given).slice(0, 9)}`) : fresh.id;
  return inTransaction(db, async (trx) => {
    const row = await trx
    .insertInto('tokens')
    .values({
      id,
      name: t.name,
      secret_hash: hashToken(token),
      role: t.role,
      team: t.team ?? null,
      services: JSON.stringify(t.services ?? []),
      created_by: t.createdBy,
      expires_at: t.expiresAt ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
    const info = tokenInfoOf(row);
    await appendAudit(trx, [{ actor: t.createdBy, action: 'create', kind: 'Token', name: info.id, after: describeToken(info), requestId: t.requestId ?? null }]);
    return { token, info };
  });
}

export async function listTokens(db: Db, includeRevoked = false): Promise<TokenInfo[]> {
  let q = db.selectFrom('tokens').selectAll();
  if (!includeRevoked) q = q.where('revoked_at', 'is', null);
  return (await q.orderBy('created_at').orderBy('id').execute()).map(tokenInfoOf);
}

export async function getToken(db: Db, id: string): Promise<TokenInfo | undefined> {
  const row = await db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? tokenInfoOf(row) : undefined;
}

/** Revokes an active token, audited; undefined when there is no such active token. */
export async function revokeToken(db: Db, id: string, at: Date, by: { actor: string; requestId?: string | null }): Promise<TokenInfo | undefined> {
  return inTransaction(db, async (trx) => {
    const row = await trx
      .updateTable('tokens')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    const info = tokenInfoOf(row);
    await appendAudit(trx, [{ actor: by.actor, action: 'revoke', kind: 'Token', name: id, before: describeToken({ ...info, revokedAt: null }), after: describeToken(info), requestId: by.requestId ?? null }]);
    return info;
  });
}

/** Admin tokens that work now: not revoked and not expired. */
export async function countActiveAdmins(db: Db, now: Date = new Date()): Promise<number> {
  const r = await db
    .selectFrom('tokens')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('role', '=', 'admin')
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The token's row if `token` is valid now (known, not revoked, not expired); undefined otherwise. */
export async function verifyToken(db: Db, token: string, now: Date): Promise<TokenInfo | undefined> {
  const hash = hashToken(token);
  const given = Buffer.from(hash, 'hex');
  const m = tokenPattern.exec(token);
  // Tokens given by an operator need not follow our shape; they are found by hash instead of by id.
  const row = m
    ? await db.selectFrom('tokens').selectAll().where('id', '=', m[1]!).executeTakeFirst()
    : await db.selectFrom('tokens').selectAll().where('secret_hash', '=', hash).executeTakeFirst();
  if (!row) return undefined;
  const stored = Buffer.from(row.secret_hash, 'hex');
  if (stored.length !== given.length || !timingSafeEqual(stored, given)) return undefined;
  if (row.revoked_at) return undefined;
  if (row.expires_at && new Date(row.expires_at) <= now) return undefined;
  return tokenInfoOf(row);
}

export async function touchToken(db: Db, id: string, at: Date): Promise<void> {
  await db.updateTable('tokens').set({ last_used_at: at }).where('id', '=', id).execute();
}

/**
 * On first start with no admin token, creates one: the operator's PAVE_ADMIN_TOKEN if given (stored hashed), else a
 * generated one that the caller prints once. Returns the secret only when it was generated here.
 */
export async function bootstrapAdminToken(db: Kysely<Database>, given: string | undefined): Promise<{ created: boolean; token?: string }> {
  return db.transaction().execute(async (trx) => {
    if (given) {
      const known = await trx.selectFrom('tokens').select('id').where('secret_hash', '=', hashToken(given)).executeTakeFirst();
      if (known) return { created: false };
    }
    if ((await countActiveAdmins(trx)) > 0 && !given) return { created: false };
    const c = await createToken(trx, { name: given ? 'bootstrap (PAVE_ADMIN_TOKEN)' : 'bootstrap', role: 'admin', createdBy: 'pave:bootstrap' }, given);
    return given ? { created: true } : { created: true, token: c.token };
  });
}
