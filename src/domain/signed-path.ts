// Signed, expiring URL paths: an HMAC-SHA256 over a purpose, the path and an expiry, keyed by a server secret. Used
// where a request cannot carry a bearer token: calendar feeds (api/feed-links.ts) and the acknowledge and resolve
// links in notifications (notify/action-links.ts). Pure: the caller passes the key and the time.
import { createHmac, timingSafeEqual } from 'node:crypto';

const EXPIRES_TEXT = /^[0-9]{1,12}$/;
const SIGNATURE_TEXT = /^[A-Za-z0-9_-]{43}$/;

/** Keeps the signatures of one use from being valid for another (`pave-feed-v1`, `pave-action-v1`). */
export type SigningPurpose = string;

function mac(key: Buffer, purpose: SigningPurpose, path: string, expires: string): Buffer {
  return createHmac('sha256', key).update(`${purpose}\n${path}\n${expires}`, 'utf8').digest();
}

/** The base64url signature of `path` until `expires` (unix seconds). */
export function signPath(key: Buffer, purpose: SigningPurpose, path: string, expires: number): string {
  return mac(key, purpose, path, String(expires)).toString('base64url');
}

/** `path?expires=…&signature=…` */
export function signedPathQuery(key: Buffer, purpose: SigningPurpose, path: string, expires: number): string {
  return `${path}?expires=${expires}&signature=${signPath(key, purpose, path, expires)}`;
}

/**
 * Whether `expires` and `signature` are a valid, unexpired signature of `path`. Every check runs whatever the others
 * found, and the answer is one boolean, so neither the timing nor the result says which failed.
 */
export function isValidPathSignature(
  key: Buffer,
  purpose: SigningPurpose,
  path: string,
  expires: string | undefined,
  signature: string | undefined,
  nowMs: number,
): boolean {
  const expiresText = expires !== undefined && EXPIRES_TEXT.test(expires) ? expires : '0';
  const expected = mac(key, purpose, path, expiresText);
  const given = signature !== undefined && SIGNATURE_TEXT.test(signature) ? Buffer.from(signature, 'base64url') : Buffer.alloc(expected.length);
  const sameMac = given.length === expected.length && timingSafeEqual(given, expected);
  // Only the canonical spelling: 43 base64url characters can encode the same 32 bytes in several ways.
  const wellFormed = expiresText === expires && given.toString('base64url') === signature;
  const unexpired = Number(expiresText) * 1000 > nowMs;
  return sameMac && wellFormed && unexpired;
}
