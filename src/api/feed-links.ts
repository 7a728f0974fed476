// Signed calendar feed links: a calendar application cannot send a bearer token, so a feed URL carries its own proof,
// an expiry and an HMAC-SHA256 over the feed's path and that expiry, keyed by the server's feed signing key. Checking
// recomputes the HMAC and compares in constant time; whatever is wrong, the caller learns only that the link is not
// valid.
import { isValidPathSignature, signedPathQuery } from '../domain/signed-path.js';

/** The feeds there are: one per schedule and one per person. */
export type FeedTarget = { type: 'schedule'; name: string } | { type: 'person'; name: string };

export interface SignedFeedLink {
  /** Path and query, e.g. `/api/v1/schedules/payments-primary/feed.ics?expires=…&signature=…`. */
  path: string;
  /** Unix seconds. */
  expires: number;
}

// A version prefix, so a later format (or another use of the same signer) cannot be confused with this one.
const purpose = 'pave-feed-v1';

/** The feed's path as signed: names percent-encoded, so one path has one spelling whatever the request used. */
export function feedPath(target: FeedTarget): string {
  const collection = target.type === 'schedule' ? 'schedules' : 'people';
  return `/api/v1/${collection}/${encodeURIComponent(target.name)}/feed.ics`;
}

export function signFeedLink(key: Buffer, target: FeedTarget, expires: number): SignedFeedLink {
  return { path: signedPathQuery(key, purpose, feedPath(target), expires), expires };
}

/** Whether a feed request's `expires` and `signature` are a valid, unexpired signature of this feed (domain/signed-path). */
export function isValidFeedSignature(key: Buffer, target: FeedTarget, expires: string | undefined, signature: string | undefined, nowMs: number): boolean {
  return isValidPathSignature(key, purpose, feedPath(target), expires, signature, nowMs);
}
