// What acknowledging or resolving a page does, as the signed links in notifications ask: the page changes through the
// pages store (store/pages.changePage: status, page event, audit), then its escalation stops at once (the escalator
// would also stop it at its next poll, from the page's state). An escalation started without a page row (through
// startEscalation directly) is stopped on its own.
import type { Kysely } from 'kysely';
import { changePage } from '../store/pages.js';
import type { Database } from '../store/schema.js';
import type { PageAction } from './action-links.js';
import { stopEscalationAndNotify } from './stop-notice.js';

export interface PageActionResult {
  /** done: it happened now; already: the page was already in that state (or past it); unknown: no such page. */
  outcome: 'done' | 'already' | 'unknown';
}

export type PageActionHandler = (action: PageAction, pageId: string, actor: string, now: Date) => Promise<PageActionResult>;

export function escalationOnlyPageActions(db: Kysely<Database>): PageActionHandler {
  return async (action, pageId, actor, now) => {
    const r = await db.transaction().execute((trx) => stopEscalationAndNotify(trx, pageId, action === 'acknowledge' ? 'acknowledged' : 'resolved', actor, now));
    if (r.stopped) return { outcome: 'done' };
    return { outcome: r.reason === 'unknown' ? 'unknown' : 'already' };
  };
}

const PAGE_ID = /^[1-9][0-9]{0,17}$/;

/** The default: change the page (the signed link is the authorization), then stop its escalation. */
export function pageActionsThroughPages(db: Kysely<Database>): PageActionHandler {
  const escalationOnly = escalationOnlyPageActions(db);
  return async (action, pageId, actor, now) => {
    if (!PAGE_ID.test(pageId)) return escalationOnly(action, pageId, actor, now);
    const r = await changePage(db, pageId, action, { actor, now, authorize: () => undefined });
    if (r.outcome === 'not_found') return escalationOnly(action, pageId, actor, now);
    await db.transaction().execute((trx) => stopEscalationAndNotify(trx, pageId, action === 'acknowledge' ? 'acknowledged' : 'resolved', actor, now));
    return { outcome: r.outcome === 'changed' ? 'done' : 'already' };
  };
}
