// Signed, expiring one-click links in notifications: acknowledge or resolve a page as the person notified, without a
// token. The path names the page, the action and the person, and the signature (domain/signed-path, with the action
// link key from store/feed-key) covers all three and the expiry.
import { isValidPathSignature, signedPathQuery } from '../domain/signed-path.js';

export type PageAction = 'acknowledge' | 'resolve';
export const pageActions: readonly PageAction[] = ['acknowledge', 'resolve'];

const purpose = 'pave-action-v1';

/** Default lifetime of an action link: a day covers a long night and the morning after. */
export const actionLinkTtlMs = 24 * 3_600_000;

export function actionPath(pageId: string, action: PageAction, person: string): string {
  return `/api/v1/page-actions/${encodeURIComponent(pageId)}/${action}/${encodeURIComponent(person)}`;
}

/** The link's path and query (prefix the public base URL). */
export function signActionLink(key: Buffer, pageId: string, action: PageAction, person: string, expiresMs: number): string {
  return signedPathQuery(key, purpose, actionPath(pageId, action, person), Math.floor(expiresMs / 1000));
}

export function isValidActionSignature(
  key: Buffer,
  link: { pageId: string; action: PageAction; person: string },
  expires: string | undefined,
  signature: string | undefined,
  nowMs: number,
): boolean {
  return isValidPathSignature(key, purpose, actionPath(link.pageId, link.action, link.person), expires, signature, nowMs);
}
