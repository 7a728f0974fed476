// Pages as people see them: lists, one page with its alerts and events, and acknowledge / resolve by a person
// (audited, in the same transaction as the change, holding the page's scope lock as ingest does).
import type { Kysely, Selectable, Transaction } from 'kysely';
import { lockScope } from './alerts.js';
import { appendAudit } from './audit.js';
import type { AlertsTable, Database, PageEventsTable, PagesTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export type PageStatus = 'triggered' | 'acknowledged' | 'resolved';
export const pageStatuses: readonly PageStatus[] = ['triggered', 'acknowledged', 'resolved'];

export interface Page {
  id: string;
  title: string;
  status: PageStatus;
  scope: string;
  groupLabels: Record<string, string>;
  team: string | null;
  service: string | null;
  escalationPolicy: string | null;
  unrouted: boolean;
  routeReason: string;
  createdAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
}

export interface Alert {
  id: string;
  /** Null while a silence keeps it off a page. */
  pageId: string | null;
  /** The silence that kept it off a page; null for an alert that paged. */
  silencedBy: string | null;
  scope: string;
  source: string;
  identity: string;
  status: 'firing' | 'resolved';
  summary: string;
  severity: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  expiresAt: string | null;
  resolvedAt: string | null;
  firstReceivedAt: string;
  lastReceivedAt: string;
  receivedCount: number;
  details: Record<string, unknown>;
}

export interface PageEvent {
  id: string;
  pageId: string;
  at: string;
  type: string;
  actor: string;
  alertId: string | null;
  details: Record<string, unknown>;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

function toPage(r: Selectable<PagesTable>): Page {
  return {
    id: String(r.id),
    title: r.title,
    status: r.status as PageStatus,
    scope: r.scope,
    groupLabels: r.group_labels,
    team: r.team,
    service: r.service,
    escalationPolicy: r.escalation_policy,
    unrouted: r.unrouted,
    routeReason: r.route_reason,
    createdAt: iso(r.created_at)!,
    acknowledgedAt: iso(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: iso(r.resolved_at),
    resolvedBy: r.resolved_by,
  };
}

function toAlert(r: Selectable<AlertsTable>): Alert {
  return {
    id: String(r.id),
    pageId: r.page_id === null ? null : String(r.page_id),
    silencedBy: r.silenced_by,
    scope: r.scope,
    source: r.source,
    identity: r.identity,
    status: r.status as Alert['status'],
    summary: r.summary,
    severity: r.severity,
    labels: r.labels,
    annotations: r.annotations,
    startsAt: iso(r.starts_at)!,
    expiresAt: iso(r.expires_at),
    resolvedAt: iso(r.resolved_at),
    firstReceivedAt: iso(r.first_received_at)!,
    lastReceivedAt: iso(r.last_received_at)!,
    receivedCount: r.received_count,
    details: r.details,
  };
}

function toEvent(r: Selectable<PageEventsTable>): PageEvent {
  return { id: String(r.id), pageId: String(r.page_id), at: iso(r.at)!, type: r.type, actor: r.actor, alertId: r.alert_id === null ? null : String(r.alert_id), details: r.details };
}

export interface PageQuery {
  status?: PageStatus;
  team?: string;
  unrouted?: boolean;
  /** Pages with an id below this one (newest first, for paging backwards). */
  before?: string;
  limit: number;
}

export async function listPages(db: Db, q: PageQuery): Promise<Page[]> {
  let query = db.selectFrom('pages').selectAll();
  if (q.status) query = query.where('status', '=', q.status);
  if (q.team) query = query.where('team', '=', q.team);
  if (q.unrouted !== undefined) query = query.where('unrouted', '=', q.unrouted);
  if (q.before) query = query.where('id', '<', q.before);
  return (await query.orderBy('id', 'desc').limit(q.limit).execute()).map(toPage);
}

/** Pages routed to `team` created in [fromMs, toMs), oldest first (for reports: no limit, the caller bounds the range). */
export async function listTeamPagesCreated(db: Db, team: string, fromMs: number, toMs: number): Promise<Page[]> {
  const rows = await db
    .selectFrom('pages')
    .selectAll()
    .where('team', '=', team)
    .where('created_at', '>=', new Date(fromMs))
    .where('created_at', '<', new Date(toMs))
    .orderBy('created_at')
    .execute();
  return rows.map(toPage);
}

export async function getPage(db: Db, id: string): Promise<Page | undefined> {
  const r = await db.selectFrom('pages').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toPage(r) : undefined;
}

export async function listPageAlerts(db: Db, pageId: string): Promise<Alert[]> {
  return (await db.selectFrom('alerts').selectAll().where('page_id', '=', pageId).orderBy('id').execute()).map(toAlert);
}

export async function listPageEvents(db: Db, pageId: string): Promise<PageEvent[]> {
  return (await db.selectFrom('page_events').selectAll().where('page_id', '=', pageId).orderBy('id').execute()).map(toEvent);
}

export interface AlertQuery {
  status?: 'firing' | 'resolved';
  /** Only alerts on unrouted pages (true) or routed ones (false). */
  unrouted?: boolean;
  /** Only alerts a silence kept off a page (true), or only those that paged (false). */
  silenced?: boolean;
  before?: string;
  limit: number;
}

export async function listAlerts(db: Db, q: AlertQuery): Promise<Alert[]> {
  let query = db.selectFrom('alerts').selectAll('alerts');
  if (q.unrouted !== undefined) query = query.innerJoin('pages', 'pages.id', 'alerts.page_id').where('pages.unrouted', '=', q.unrouted);
  if (q.silenced !== undefined) query = query.where('alerts.silenced_by', q.silenced ? 'is not' : 'is', null);
  if (q.status) query = query.where('alerts.status', '=', q.status);
  if (q.before) query = query.where('alerts.id', '<', q.before);
  return (await query.orderBy('alerts.id', 'desc').limit(q.limit).execute()).map(toAlert);
}

export type PageChange = { outcome: 'changed' | 'unchanged'; page: Page } | { outcome: 'not_found' } | { outcome: 'conflict'; page: Page };

/**
 * Acknowledges (triggered → acknowledged) or resolves (triggered or acknowledged → resolved, its firing alerts with
 * it) a page for a person. Acknowledging an acknowledged page changes nothing; acknowledging or resolving a resolved
 * page is a conflict. `authorize` sees the page before anything changes and throws to refuse.
 */
export async function changePage(
  db: Kysely<Database>,
  id: string,
  action: 'acknowledge' | 'resolve',
  by: { actor: string; requestId?: string | null; now: Date; authorize(page: Page): void },
): Promise<PageChange> {
  const scope = await db.selectFrom('pages').select('scope').where('id', '=', id).executeTakeFirst();
  if (!scope) return { outcome: 'not_found' };
  return db.transaction().execute(async (trx) => {
    await lockScope(trx, scope.scope);
    const before = await getPage(trx, id);
    if (!before) return { outcome: 'not_found' as const };
    by.authorize(before);
    if (before.status === 'resolved') return { outcome: 'conflict' as const, page: before };
    if (action === 'acknowledge' && before.status === 'acknowledged') return { outcome: 'unchanged' as const, page: before };
    const at = by.now;
    if (action === 'acknowledge') {
      await trx.updateTable('pages').set({ status: 'acknowledged', acknowledged_at: at, acknowledged_by: by.actor }).where('id', '=', id).execute();
    } else {
      await trx.updateTable('pages').set({ status: 'resolved', resolved_at: at, resolved_by: by.actor }).where('id', '=', id).execute();
    }
    // Resolving a page resolves its firing alerts: a sender that still fires them opens a new page on its next repeat.
    const closed =
      action === 'resolve'
        ? (await trx.updateTable('alerts').set({ status: 'resolved', resolved_at: at }).where('page_id', '=', id).where('status', '=', 'firing').returning('id').execute()).length
        : 0;
    await trx
      .insertInto('page_events')
      .values({ page_id: id, at, type: action === 'acknowledge' ? 'acknowledged' : 'resolved', actor: by.actor, alert_id: null, details: JSON.stringify(action === 'resolve' ? { alertsResolved: closed } : {}) })
      .execute();
    const after = (await getPage(trx, id))!;
    await appendAudit(trx, [
      { actor: by.actor, action: action, kind: 'Page', name: id, before: { status: before.status }, after: { status: after.status }, requestId: by.requestId ?? null },
    ]);
    return { outcome: 'changed' as const, page: after };
  });
}
