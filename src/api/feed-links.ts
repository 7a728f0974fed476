// Signed calendar feed links: a calendar application cannot send a bearer token, so a feed URL carries its own proof,
// an expiry and an HMAC-SHA256 over the feed's path and that expiry, keyed by the server's feed signing key. Checking
// recomputes the HMAC and compares in constant time; whatever is wrong, the caller learns only that the link is not
// valid.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The feeds there are: one per schedule and one per person. */
export type FeedTarget = { type: 'schedule'; name: string } | { type: 'person'; name: string };

export interface SignedFeedLink {
  /** Path and query, e.g. `/api/v1/schedules/payments-primary/feed.ics?expires=…&signature=…`. */
  path: string;
  /** Unix seconds. */
  expires: number;
}

const EXPIRES_TEXT = /^[0-9]{1,12}$/;
const SIGNATURE_TEXT = /^[A-Za-z0-9_-]{43}$/;

/** The feed's path as signed: names percent-encoded, so one path has one spelling whatever the request used. */
export function feedPath(target: FeedTarget): string {
  const collection = target.type === 'schedule' ? 'schedules' : 'people';
  return `/api/v1/${collection}/${encodeURIComponent(target.name)}/feed.ics`;
}

function mac(key: Buffer, path: string, expires: string): Buffer {
  // A version prefix, so a later format cannot be confused with this one.
  return createHmac('sha256', key).update(`pave-feed-v1\n${path}\n${expires}`, 'utf8').digest();
}

export function signFeedLink(key: Buffer, target: FeedTarget, expires: number): SignedFeedLink {
  const path = feedPath(target);
  const signature = mac(key, path, String(expires)).toString('base64url');
  return { path: `${path}?expires=${expires}&signature=${signature}`, expires };
}

/**
 * Whether a feed request's `expires` and `signature` are a valid, unexpired signature of this feed. Every check runs
 * whatever the others found, and the answer is one boolean, so neither the timing nor the result says which failed.
 */
export function isValidFeedSignature(key: Buffer, target: FeedTarget, expires: string | undefined, signature: string | undefined, nowMs: number): boolean {
  const expiresText = expires !== undefined && EXPIRES_TEXT.test(expires) ? expires : '0';
  const expected = mac(key, feedPath(target), expiresText);
  const given = signature !== undefined && SIGNATURE_TEXT.test(signature) ? Buffer.from(signature, 'base64url') : Buffer.alloc(expected.length);
  const sameMac = given.length === expected.length && timingSafeEqual(given, expected);
  // Only the canonical spelling: 43 base64url characters can encode the same 32 bytes in several ways.
  const wellFormed = expiresText === expires && given.toString('base64url') === signature;
  const unexpired = Number(expiresText) * 1000 > nowMs;
  return sameMac && wellFormed && unexpired;
}
