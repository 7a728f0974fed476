// The web UI's sessions (api/session.ts): signing in with an API token creates one; its random secret goes into the
// HttpOnly cookie and only the secret's SHA-256 is stored. A session lives at most until its own expiry, and never
// longer than its token: a revoked or expired token ends every session made with it.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import { tokenInfoOf, type TokenInfo } from './tokens.js';

type Db = Kysely<Database> | Transaction<Database>;

const sessionPattern = /^pave_session_[A-Za-z0-9_-]{43}$/;

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Starts a session for a verified token; returns the secret for the cookie (shown nowhere else). */
export async function createWebSession(db: Db, tokenId: string, now: Date, expiresAt: Date): Promise<string> {
  const secret = `pave_session_${randomBytes(32).toString('base64url')}`;
  // Sessions that ended by themselves are dropped as new ones start: the table holds live ones, roughly.
  await db.deleteFrom('web_sessions').where('expires_at', '<=', now).execute();
  await db.insertInto('web_sessions').values({ secret_hash: hashSecret(secret), token_id: tokenId, created_at: now, expires_at: expiresAt }).execute();
  return secret;
}

/** The token a live session acts as; undefined when the session is unknown, ended, expired, or its token is not valid. */
export async function verifyWebSession(db: Db, secret: string, now: Date): Promise<TokenInfo | undefined> {
  if (!sessionPattern.test(secret)) return undefined;
  // Looked up by the secret's hash (a primary key): equality on a hash leaks nothing useful about the secret.
  const row = await db
    .selectFrom('web_sessions as s')
    .innerJoin('tokens as t', 't.id', 's.token_id')
    .selectAll('t')
    .select('s.expires_at as session_expires_at')
    .where('s.secret_hash', '=', hashSecret(secret))
    .executeTakeFirst();
  if (!row || new Date(row.session_expires_at) <= now) return undefined;
  if (row.revoked_at || (row.expires_at && new Date(row.expires_at) <= now)) return undefined;
  const { session_expires_at: _, ...token } = row;
  return tokenInfoOf(token);
}

/** Ends a session (sign-out); ending an unknown or ended one is not an error. */
export async function endWebSession(db: Db, secret: string): Promise<void> {
  await db.deleteFrom('web_sessions').where('secret_hash', '=', hashSecret(secret)).execute();
}
