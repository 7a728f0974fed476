// The server secret that signs calendar feed links: 32 random bytes in pave_meta, made at first use. Every replica
// reads the same row, so a link signed by one is accepted by all. It is never logged nor shown by the API.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

const metaKey = 'feed_signing_key';

/** The key if one was made already: checking a link must not create one. */
export async function findFeedSigningKey(db: Kysely<Database>): Promise<Buffer | undefined> {
  const row = await db.selectFrom('pave_meta').select('value').where('key', '=', metaKey).executeTakeFirst();
  return row ? Buffer.from(row.value, 'base64url') : undefined;
}

/** The feed signing key, created if there is none yet; concurrent first uses agree on one key. */
export async function feedSigningKey(db: Kysely<Database>): Promise<Buffer> {
  const existing = await findFeedSigningKey(db);
  if (existing) return existing;
  await db
    .insertInto('pave_meta')
    .values({ key: metaKey, value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const key = await findFeedSigningKey(db);
  if (!key) throw new Error('the feed signing key could not be stored');
  return key;
}
