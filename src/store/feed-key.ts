// The server secrets that sign links (calendar feed links; notification action links): each 32 random bytes in
// pave_meta, made at first use. Every replica reads the same row, so a link signed by one is accepted by all. A key
// is never logged nor shown by the API.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

// Notification action links (acknowledge, resolve) have a key of their own, so revoking every feed link (deleting
// the feed key) leaves them alone, and the other way round.
export type SigningKeyName = 'feed_signing_key' | 'action_link_signing_key';

/** The key if one was made already: checking a link must not create one. */
export async function findSigningKey(db: Kysely<Database>, metaKey: SigningKeyName): Promise<Buffer | undefined> {
  const row = await db.selectFrom('pave_meta').select('value').where('key', '=', metaKey).executeTakeFirst();
  return row ? Buffer.from(row.value, 'base64url') : undefined;
}

export const findFeedSigningKey = (db: Kysely<Database>): Promise<Buffer | undefined> => findSigningKey(db, 'feed_signing_key');
export const feedSigningKey = (db: Kysely<Database>): Promise<Buffer> => signingKey(db, 'feed_signing_key');

/** The signing key named `metaKey`, created if there is none yet; concurrent first uses agree on one key. */
export async function signingKey(db: Kysely<Database>, metaKey: SigningKeyName): Promise<Buffer> {
  const existing = await findSigningKey(db, metaKey);
  if (existing) return existing;
  await db
    .insertInto('pave_meta')
    .values({ key: metaKey, value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const key = await findSigningKey(db, metaKey);
  if (!key) throw new Error(`the ${metaKey.replaceAll('_', ' ')} could not be stored`);
  return key;
}
