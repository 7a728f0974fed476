// What acknowledging or resolving a page does, as the signed links in notifications ask. This is the seam with the
// pages side: it passes its own handler (changing the page and calling stopEscalation in one transaction); until
// then the default stops the escalation only.
import type { Kysely } from 'kysely';
import { stopEscalation } from '../store/escalations.js';
import type { Database } from '../store/schema.js';
import type { PageAction } from './action-links.js';

export interface PageActionResult {
  /** done: it happened now; already: the page was already in that state (or past it); unknown: no such page. */
  outcome: 'done' | 'already' | 'unknown';
}

export type PageActionHandler = (action: PageAction, pageId: string, actor: string, now: Date) => Promise<PageActionResult>;

export function escalationOnlyPageActions(db: Kysely<Database>): PageActionHandler {
  return async (action, pageId, actor, now) => {
    const r = await db.transaction().execute((trx) => stopEscalation(trx, pageId, action === 'acknowledge' ? 'acknowledged' : 'resolved', actor, now));
    if (r.stopped) return { outcome: 'done' };
    return { outcome: r.reason === 'unknown' ? 'unknown' : 'already' };
  };
}
