// Alerts in, pages out. Notifications of one scope (an integration, or `pave:slo`) are serialized with a
// transaction-level advisory lock, so that concurrent notifications of the same group neither open two pages nor lose
// an update. Concurrent notifications of a scope are written as one group (AlertWriter): one transaction, one lock,
// one read of the scope's open alerts and one write of all its repeats, each notification still answered with its
// own outcome and only once the group committed. Identity, grouping and routing are decided in domain/alerting; this
// module only keeps the rows.
import { sql, type Kysely, type Transaction } from 'kysely';
import { activeSilences, alertFromSloTransition, pageGroupOf, pageTitleOf, pagesForSeverity, routeAlert, silenceMatches, type AlertSource, type IncomingAlert, type Route, type RouteDefault, type RoutingCatalog, type Silence } from '../domain/alerting/index.js';
import { toSilence, type SilenceSpec } from '../config/kinds/silence.js';
import type { IntegrationFormat } from '../config/kinds/integration.js';
import type { ConfigObject } from '../domain/objects.js';
import { objectsVersionSql } from './catalog-version.js';
import { listObjects, type StoredObject } from './objects.js';
import type { Database } from './schema.js';
import { listTransitions } from './slo-alerts.js';

/** The scope of pave's own SLO alerts (integration names cannot contain a colon). */
export const sloScope = 'pave:slo';
/** Who auto-resolves a page whose alerts all resolved. */
export const autoResolveActor = 'pave:auto-resolve';
const sloCursorKey = 'paging.slo_alert_events.cursor';
/** First key of the two-key advisory locks that serialize one scope's alerts. */
const scopeLockSpace = 0x70617603;

export interface AlertBatch {
  scope: string;
  source: AlertSource;
  alerts: readonly IncomingAlert[];
  /** Alertmanager's groupKey of a complete notification: its open alerts missing from `alerts` are resolved. */
  reconcileGroup?: string | null;
  groupBy: readonly string[];
  route: RouteDefault;
  /** Who is acting, for page events: `integration:<name>` or `pave:slo`. */
  actor: string;
  now: Date;
}

export interface BatchOutcome {
  /** Alerts that started firing (new occurrences). */
  opened: number;
  /** Repeats of alerts already firing. */
  repeated: number;
  resolved: number;
  /** Pages this batch triggered. */
  pagesTriggered: string[];
}

/** Serializes everything that changes a scope's alerts and pages, until the transaction ends. */
export async function lockScope(trx: Transaction<Database>, scope: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(${scopeLockSpace}::int4, hashtext(${scope}))`.execute(trx);
}

/**
 * What routing needs of the catalog. A page follows its service's escalationPolicy, else its team's, else a policy
 * the team owns (spec.owner); a policy named `catch-all` (or with spec.catchAll) takes unrouted pages.
 */
function routingCatalogOf(services: readonly StoredObject[], teams: readonly StoredObject[], policies: readonly StoredObject[]): RoutingCatalog {
  const named = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const teamPolicies = new Map<string, string>();
  const servicePolicies = new Map<string, string>();
  for (const t of teams) {
    const p = named((t.spec as { escalationPolicy?: unknown }).escalationPolicy);
    if (p) teamPolicies.set(t.metadata.name, p);
  }
  let catchAllPolicy: string | null = null;
  for (const p of policies) {
    const spec = p.spec as { team?: unknown; owner?: unknown; catchAll?: unknown };
    const team = named(spec.owner) ?? named(spec.team);
    if (team && !teamPolicies.has(team)) teamPolicies.set(team, p.metadata.name);
    if (catchAllPolicy === null && (spec.catchAll === true || p.metadata.name === 'catch-all')) catchAllPolicy = p.metadata.name;
  }
  for (const s of services) {
    const p = named((s.spec as { escalationPolicy?: unknown }).escalationPolicy);
    if (p) servicePolicies.set(s.metadata.name, p);
  }
  return {
    serviceOwners: new Map(services.map((s) => [s.metadata.name, String((s.spec as { owner: string }).owner)])),
    teams: new Set(teams.map((t) => t.metadata.name)),
    servicePolicies,
    teamPolicies,
    catchAllPolicy,
  };
}

interface OpenAlertRow {
  id: string;
  /** Null while a silence keeps the alert off a page. */
  page_id: string | null;
  silenced_by?: string | null;
}

async function addPageEvent(trx: Transaction<Database>, e: { pageId: string; at: Date; type: string; actor: string; alertId?: string | null; details?: Record<string, unknown> }): Promise<void> {
  await trx
    .insertInto('page_events')
    .values({ page_id: e.pageId, at: e.at, type: e.type, actor: e.actor, alert_id: e.alertId ?? null, details: JSON.stringify(e.details ?? {}) })
    .execute();
}

/** Resolves a firing alert and, when it was its page's last, the page too (auto-resolve). A silenced alert has no page. */
async function resolveAlertRow(trx: Transaction<Database>, alert: OpenAlertRow, at: Date, endedAt: Date, actor: string, reason: string, state?: ScopeState): Promise<void> {
  await trx.updateTable('alerts').set({ status: 'resolved', resolved_at: endedAt, last_received_at: at }).where('id', '=', alert.id).execute();
  if (alert.page_id === null) return;
  await addPageEvent(trx, { pageId: alert.page_id, at, type: 'alert_resolved', actor, alertId: alert.id, details: { reason } });
  const firing = await trx.selectFrom('alerts').select('id').where('page_id', '=', alert.page_id).where('status', '=', 'firing').limit(1).executeTakeFirst();
  if (firing) return;
  const page = await trx
    .updateTable('pages')
    .set({ status: 'resolved', resolved_at: at, resolved_by: autoResolveActor })
    .where('id', '=', alert.page_id)
    .where('status', '<>', 'resolved')
    .returning('id')
    .executeTakeFirst();
  if (!page) return;
  await addPageEvent(trx, { pageId: alert.page_id, at, type: 'resolved', actor: autoResolveActor, details: { reason: 'all its alerts resolved' } });
  if (state) {
    state.pagesResolved++;
    state.pageClosed(String(alert.page_id));
  }
}

async function openAlert(trx: Transaction<Database>, scope: string, identity: string): Promise<OpenAlertRow | undefined> {
  return trx.selectFrom('alerts').select(['id', 'page_id', 'silenced_by']).where('scope', '=', scope).where('identity', '=', identity).where('status', '=', 'firing').executeTakeFirst();
}

/** A repeat waiting to be written with the others of its group: the newest fields, and how many times it came. */
interface PendingRepeat {
  fields: AlertFields;
  count: number;
}

type AlertFields = {
  labels: string;
  annotations: string;
  summary: string;
  severity: string | null;
  expires_at: Date | null;
  last_received_at: Date;
  details: string;
  source_group: string | null;
};

function fieldsOf(alert: IncomingAlert, at: Date): AlertFields {
  return {
    labels: JSON.stringify(alert.labels),
    annotations: JSON.stringify(alert.annotations),
    summary: alert.summary,
    severity: alert.severity,
    expires_at: alert.expiresAt === null ? null : new Date(alert.expiresAt),
    last_received_at: at,
    details: JSON.stringify(alert.details),
    source_group: alert.sourceGroup,
  };
}

/** A page opened by a group, as escalation needs it (PagingHooks.pagesOpened). */
export interface OpenedPage {
  id: string;
  scope: string;
  title: string;
  team: string | null;
  service: string | null;
  escalationPolicy: string | null;
  /** The severity of the alert that opened it. */
  severity: string | null;
  createdAt: Date;
}

/**
 * What one transaction knows of its scope's open alerts, so that a group of notifications reads them once: every
 * identity the group names is looked up in one statement (null: none open), and the map is kept true as the group
 * writes. Repeats of alerts already on a page (most notifications) are held and written in one statement, before
 * anything that reads or changes those rows (a resolve, a reconcile) and at the end, so the rows end as if each
 * notification had been applied in turn.
 */
export class ScopeState {
  private readonly open = new Map<string, OpenAlertRow | null>();
  private readonly repeats = new Map<string, PendingRepeat>();
  /** Identities whose repeats prefetch wrote already. */
  private readonly written = new Set<string>();
  /** Group key → its open page's id; null: none open. Keys absent were not looked up. */
  private readonly pages = new Map<string, string | null>();
  readonly opened: OpenedPage[] = [];
  pagesResolved = 0;

  constructor(
    private readonly trx: Transaction<Database>,
    readonly scope: string,
  ) {}

  /**
   * Reads, in one statement, the open alerts of every identity these batches name and the open pages of the groups of
   * their firing alerts (all of them, not only those that turn out new: one statement either way), and refreshes the
   * repeats it can tell apart without reading first: an identity whose every notification in these batches fires
   * (none resolves, no batch reconciles) is a repeat of each time it comes if its open alert is on a page, so that
   * alert takes the newest fields and its count in the same statement (applyAlertBatch then only counts them).
   */
  async prefetch(batches: readonly AlertBatch[]): Promise<void> {
    const identities = [...new Set(batches.flatMap((b) => b.alerts.map((a) => a.identity)))].filter((i) => !this.open.has(i));
    const groups = new Set<string>();
    for (const b of batches) for (const a of b.alerts) if (a.status === 'firing') groups.add(pageGroupOf(a.labels, b.groupBy).key);
    const groupKeys = [...groups].filter((k) => !this.pages.has(k));
    if (identities.length === 0 && groupKeys.length === 0) return;
    const ahead = new Map<string, PendingRepeat>();
    if (!batches.some((b) => b.reconcileGroup)) {
      const unknown = new Set(identities);
      const resolving = new Set<string>();
      for (const b of batches) {
        for (const a of b.alerts) {
          if (!unknown.has(a.identity)) continue;
          if (a.status !== 'firing') resolving.add(a.identity);
          else ahead.set(a.identity, { fields: fieldsOf(a, b.now), count: (ahead.get(a.identity)?.count ?? 0) + 1 });
        }
      }
      for (const i of resolving) ahead.delete(i);
    }
    const held = [...ahead];
    const col = <T>(f: (r: PendingRepeat) => T) => held.map(([, r]) => f(r));
    const { rows } = await sql<{ alerts: [string, string | null, string | null, string][] | null; pages: [string, string][] | null; refreshed: string[] | null }>`
      with v as (
        select * from unnest(${held.map(([identity]) => identity)}::text[], ${col((r) => r.fields.labels)}::json[], ${col((r) => r.fields.annotations)}::json[],
          ${col((r) => r.fields.summary)}::text[], ${col((r) => r.fields.severity)}::text[], ${col((r) => r.fields.expires_at)}::timestamptz[],
          ${col((r) => r.fields.last_received_at)}::timestamptz[], ${col((r) => r.fields.details)}::json[], ${col((r) => r.fields.source_group)}::text[],
          ${col((r) => r.count)}::int[])
          as v(identity, labels, annotations, summary, severity, expires_at, last_received_at, details, source_group, n)),
      refreshed as (
        update alerts as a set labels = v.labels, annotations = v.annotations, summary = v.summary, severity = v.severity,
          expires_at = v.expires_at, last_received_at = v.last_received_at, details = v.details, source_group = v.source_group,
          received_count = a.received_count + v.n
        from v
        where a.scope = ${this.scope} and a.status = 'firing' and a.page_id is not null and a.identity = v.identity
        returning a.identity)
      select
        (select json_agg(json_build_array(id::text, page_id::text, silenced_by, identity)) from alerts
          where scope = ${this.scope} and status = 'firing' and identity = any(${identities}::text[])) as alerts,
        (select json_agg(json_build_array(id::text, group_key)) from pages
          where scope = ${this.scope} and status <> 'resolved' and group_key = any(${groupKeys}::text[])) as pages,
        (select json_agg(identity) from refreshed) as refreshed`.execute(this.trx);
    for (const i of identities) this.open.set(i, null);
    for (const [id, pageId, silencedBy, identity] of rows[0]?.alerts ?? []) this.open.set(identity, { id, page_id: pageId, silenced_by: silencedBy });
    for (const k of groupKeys) this.pages.set(k, null);
    for (const [id, groupKey] of rows[0]?.pages ?? []) this.pages.set(groupKey, id);
    for (const identity of rows[0]?.refreshed ?? []) this.written.add(identity);
  }

  /** Whether this identity's repeats were written by prefetch (its notifications then only count). */
  refreshedAhead(identity: string): boolean {
    return this.written.has(identity);
  }

  /** The open page of a group, if any. */
  async openPage(groupKey: string): Promise<string | undefined> {
    const known = this.pages.get(groupKey);
    if (known !== undefined) return known ?? undefined;
    const row = await this.trx.selectFrom('pages').select('id').where('scope', '=', this.scope).where('group_key', '=', groupKey).where('status', '<>', 'resolved').executeTakeFirst();
    const id = row ? String(row.id) : null;
    this.pages.set(groupKey, id);
    return id ?? undefined;
  }

  pageOpened(groupKey: string, pageId: string): void {
    this.pages.set(groupKey, pageId);
  }

  /** A page resolved in this transaction: its group has no open page any more. */
  pageClosed(pageId: string): void {
    for (const [k, id] of this.pages) if (id === pageId) this.pages.set(k, null);
  }

  async find(identity: string): Promise<OpenAlertRow | undefined> {
    const known = this.open.get(identity);
    if (known !== undefined) return known ?? undefined;
    const row = await openAlert(this.trx, this.scope, identity);
    this.open.set(identity, row ?? null);
    return row;
  }

  set(identity: string, row: OpenAlertRow | null): void {
    this.open.set(identity, row);
  }

  /** Forgets resolved alerts (by id), e.g. after a reconcile resolved alerts not named by identity. */
  forgetIds(ids: ReadonlySet<string>): void {
    for (const [identity, row] of this.open) if (row && ids.has(row.id)) this.open.set(identity, null);
  }

  holdRepeat(id: string, fields: AlertFields): void {
    const known = this.repeats.get(id);
    this.repeats.set(id, { fields, count: (known?.count ?? 0) + 1 });
  }

  /** Writes the held repeats in one statement: each alert gets its newest fields and its count. */
  async flush(): Promise<void> {
    if (this.repeats.size === 0) return;
    const held = [...this.repeats];
    this.repeats.clear();
    const col = <T>(f: (r: PendingRepeat) => T) => held.map(([, r]) => f(r));
    await sql`
      update alerts as a set labels = v.labels, annotations = v.annotations, summary = v.summary, severity = v.severity,
        expires_at = v.expires_at, last_received_at = v.last_received_at, details = v.details, source_group = v.source_group,
        received_count = a.received_count + v.n
      from unnest(${held.map(([id]) => id)}::bigint[], ${col((r) => r.fields.labels)}::json[], ${col((r) => r.fields.annotations)}::json[],
        ${col((r) => r.fields.summary)}::text[], ${col((r) => r.fields.severity)}::text[], ${col((r) => r.fields.expires_at)}::timestamptz[],
        ${col((r) => r.fields.last_received_at)}::timestamptz[], ${col((r) => r.fields.details)}::json[], ${col((r) => r.fields.source_group)}::text[],
        ${col((r) => r.count)}::int[])
        as v(id, labels, annotations, summary, severity, expires_at, last_received_at, details, source_group, n)
      where a.id = v.id`.execute(this.trx);
  }
}

/** The open page of a group, or a new triggered one routed by this alert (its `triggered` event is the seam). */
async function pageFor(trx: Transaction<Database>, batch: AlertBatch, alert: IncomingAlert, route: Route, state: ScopeState): Promise<{ id: string; created: boolean; route?: Route }> {
  const group = pageGroupOf(alert.labels, batch.groupBy);
  const open = await state.openPage(group.key);
  if (open) return { id: open, created: false };
  const page = await trx
    .insertInto('pages')
    .values(newPageRow(batch, alert, route, group))
    .returning('id')
    .executeTakeFirstOrThrow();
  state.pageOpened(group.key, String(page.id));
  return { id: String(page.id), created: true, route };
}

function newPageRow(batch: AlertBatch, alert: IncomingAlert, route: Route, group: { key: string; labels: Record<string, string> }) {
  return {
    scope: batch.scope,
    group_key: group.key,
    group_labels: JSON.stringify(group.labels),
    title: pageTitleOf(alert),
    status: 'triggered',
    team: route.team,
    service: route.service,
    escalation_policy: route.escalationPolicy,
    unrouted: route.unrouted,
    route_reason: route.reason,
    created_at: batch.now,
  };
}

function triggeredDetails(route: Route): Record<string, unknown> {
  return { team: route.team, service: route.service, escalationPolicy: route.escalationPolicy, unrouted: route.unrouted, route: route.reason };
}

/**
 * A new firing alert on its group's page, in one statement: the page when none is open (`pageId` undefined), the
 * alert, and the page's event (`triggered` or `alert_added`), the three inserts chained in one WITH.
 */
async function insertPagedAlert(
  trx: Transaction<Database>,
  batch: AlertBatch,
  alert: IncomingAlert,
  fields: AlertFields,
  route: Route,
  pageId: string | undefined,
): Promise<{ alertId: string; pageId: string }> {
  const at = batch.now;
  const group = pageGroupOf(alert.labels, batch.groupBy);
  const page = pageId === undefined ? newPageRow(batch, alert, route, group) : undefined;
  const pageCte = page
    ? sql`insert into pages (scope, group_key, group_labels, title, status, team, service, escalation_policy, unrouted, route_reason, created_at)
        values (${page.scope}, ${page.group_key}, ${page.group_labels}::json, ${page.title}, ${page.status}, ${page.team}, ${page.service},
          ${page.escalation_policy}, ${page.unrouted}, ${page.route_reason}, ${page.created_at}::timestamptz) returning id`
    : sql`select ${pageId}::bigint as id`;
  const event = page ? { type: 'triggered', details: triggeredDetails(route) } : { type: 'alert_added', details: { identity: alert.identity } };
  const { rows } = await sql<{ alert_id: string; page_id: string }>`
    with p as (${pageCte}),
    a as (
      insert into alerts (labels, annotations, summary, severity, expires_at, last_received_at, details, source_group, scope, source, identity,
        status, starts_at, first_received_at, received_count, page_id, silenced_by)
      select ${fields.labels}::json, ${fields.annotations}::json, ${fields.summary}::text, ${fields.severity}::text, ${fields.expires_at}::timestamptz,
        ${fields.last_received_at}::timestamptz, ${fields.details}::json, ${fields.source_group}::text, ${batch.scope}::text, ${batch.source}::text,
        ${alert.identity}::text, 'firing', ${new Date(alert.startsAt)}::timestamptz, ${at}::timestamptz, 1, p.id, null
      from p returning id, page_id),
    e as (
      insert into page_events (page_id, at, type, actor, alert_id, details)
      select a.page_id, ${at}::timestamptz, ${event.type}::text, ${batch.actor}::text, a.id, ${JSON.stringify(event.details)}::json from a)
    select a.id::text as alert_id, a.page_id::text as page_id from a`.execute(trx);
  const row = rows[0]!;
  return { alertId: row.alert_id, pageId: row.page_id };
}

function recordOpened(batch: AlertBatch, alert: IncomingAlert, route: Route, pageId: string, outcome: BatchOutcome, state: ScopeState): void {
  outcome.pagesTriggered.push(pageId);
  state.opened.push({
    id: pageId,
    scope: batch.scope,
    title: pageTitleOf(alert),
    team: route.team,
    service: route.service,
    escalationPolicy: route.escalationPolicy,
    severity: alert.severity,
    createdAt: batch.now,
  });
}

/** Puts an alert on its group's page (opening one if none is open) and logs it there; `triggered` when it opened. */
async function pageAlert(
  trx: Transaction<Database>,
  batch: AlertBatch,
  alert: IncomingAlert,
  route: Route,
  alertId: string,
  pageId: { id: string; created: boolean },
  outcome: BatchOutcome,
  state: ScopeState,
): Promise<void> {
  const at = batch.now;
  if (pageId.created) {
    await addPageEvent(trx, { pageId: pageId.id, at, type: 'triggered', actor: batch.actor, alertId, details: triggeredDetails(route) });
    recordOpened(batch, alert, route, pageId.id, outcome, state);
  } else {
    await addPageEvent(trx, { pageId: pageId.id, at, type: 'alert_added', actor: batch.actor, alertId, details: { identity: alert.identity } });
  }
}

/**
 * Applies one notification's alerts inside the caller's transaction (which must hold lockScope for its scope).
 * A firing alert that a silence in force matches is stored with the silence's name and no page; its first
 * notification after the silence ends puts it on a page as a new alert would be. Silences never touch an alert that
 * is already on a page: its page goes on as it is. `state` is the group's view of the scope (ScopeState): repeats are
 * held there and written by its flush(), which the caller must call before the transaction commits; without one,
 * this batch has its own and it is flushed here.
 */
export async function applyAlertBatch(trx: Transaction<Database>, batch: AlertBatch, routing: RoutingCatalog, silences: readonly Silence[] = [], state?: ScopeState): Promise<BatchOutcome> {
  const own = state ?? new ScopeState(trx, batch.scope);
  if (!state) {
    await own.prefetch([batch]);
  }
  const outcome: BatchOutcome = { opened: 0, repeated: 0, resolved: 0, pagesTriggered: [] };
  const at = batch.now;
  const inForce = activeSilences(silences, at.getTime());
  for (const alert of batch.alerts) {
    const existing = await own.find(alert.identity);
    const fields = fieldsOf(alert, at);
    if (alert.status === 'firing' && existing && existing.page_id !== null) {
      // A repeat: the same alert still firing. It refreshes the alert (now, or written ahead) and never pages again.
      if (!own.refreshedAhead(alert.identity)) own.holdRepeat(existing.id, fields);
      outcome.repeated++;
      continue;
    }
    if (alert.status === 'resolved') {
      if (!existing) continue; // resolved before pave saw it fire, or resolved already: nothing to page or close
      // The held repeats are written first, so that this alert's row changes in the order its notifications came.
      await own.flush();
      await resolveAlertRow(trx, existing, at, new Date(alert.endedAt ?? at.getTime()), batch.actor, 'resolved by its sender', own);
      own.set(alert.identity, null);
      outcome.resolved++;
      continue;
    }
    const route = routeAlert(alert.labels, batch.route, routing);
    const silencedBy = inForce.find((s) => silenceMatches(s, alert.labels, route.service))?.name ?? null;
    if (existing) {
      // A repeat of a silenced alert: still silenced (perhaps by another silence now), or its silence ended and it pages.
      // (Held repeats are of alerts on a page, never this row; a new alert below is a row of its own too.)
      const page = silencedBy === null ? await pageFor(trx, batch, alert, route, own) : null;
      await trx
        .updateTable('alerts')
        .set({ ...fields, received_count: sql`received_count + 1`, silenced_by: silencedBy, page_id: page?.id ?? null })
        .where('id', '=', existing.id)
        .execute();
      own.set(alert.identity, { id: existing.id, page_id: page?.id ?? null, silenced_by: silencedBy });
      outcome.repeated++;
      if (page) await pageAlert(trx, batch, alert, route, existing.id, page, outcome, own);
      continue;
    }
    if (silencedBy === null) {
      // A new alert that pages: its page (if its group has none open), the alert and the page's event in one statement.
      const open = await own.openPage(pageGroupOf(alert.labels, batch.groupBy).key);
      const r = await insertPagedAlert(trx, batch, alert, fields, route, open);
      own.set(alert.identity, { id: r.alertId, page_id: r.pageId, silenced_by: null });
      if (open === undefined) {
        own.pageOpened(pageGroupOf(alert.labels, batch.groupBy).key, r.pageId);
        recordOpened(batch, alert, route, r.pageId, outcome, own);
      }
      outcome.opened++;
      continue;
    }
    const row = await trx
      .insertInto('alerts')
      .values({
        ...fields,
        scope: batch.scope,
        source: batch.source,
        identity: alert.identity,
        status: 'firing',
        starts_at: new Date(alert.startsAt),
        first_received_at: at,
        received_count: 1,
        page_id: null,
        silenced_by: silencedBy,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    own.set(alert.identity, { id: String(row.id), page_id: null, silenced_by: silencedBy });
    outcome.opened++;
  }
  if (batch.reconcileGroup) {
    await own.flush();
    const present = batch.alerts.map((a) => a.identity);
    let q = trx.selectFrom('alerts').select(['id', 'page_id']).where('scope', '=', batch.scope).where('source_group', '=', batch.reconcileGroup).where('status', '=', 'firing');
    if (present.length > 0) q = q.where('identity', 'not in', present);
    const gone = await q.orderBy('id').execute();
    for (const alert of gone) {
      await resolveAlertRow(trx, alert, at, at, batch.actor, 'missing from a complete notification of its group', own);
      outcome.resolved++;
    }
    own.forgetIds(new Set(gone.map((g) => String(g.id))));
  }
  if (!state) await own.flush();
  return outcome;
}

/** The catalog as paging reads it, with the fingerprint (store/catalog-version) of the objects it was read from. */
export interface PagingCatalog {
  version: string;
  routing: RoutingCatalog;
  silences: Silence[];
  /** The objects paging and escalation look up by name, keyed `Kind/name`. */
  objects: ReadonlyMap<string, StoredObject>;
}

/** An object of the catalog snapshot, as getObject would read it. */
export function catalogObject(catalog: PagingCatalog, kind: string, name: string): StoredObject | undefined {
  return catalog.objects.get(`${kind}/${name}`);
}

/** Per store: the paging catalog as last read. */
const pagingCatalogs = new WeakMap<Kysely<Database>, PagingCatalog>();
const pagingKinds = ['Service', 'Team', 'EscalationPolicy', 'Silence', 'Integration', 'Person', 'Schedule'] as const;

/** The fingerprint of the paging kinds, read in the statement that takes a group's lock (openGroup). */
const pagingVersionSql = objectsVersionSql(pagingKinds);

/** The paging catalog of this version: the one last read if it is still current, else read again now. */
async function catalogOfVersion(db: Kysely<Database> | Transaction<Database>, store: Kysely<Database>, version: string): Promise<PagingCatalog> {
  const known = pagingCatalogs.get(store);
  if (known?.version === version) return known;
  const lists = await Promise.all(pagingKinds.map((k) => listObjects(db, k)));
  const byKind = new Map(pagingKinds.map((k, i) => [k as string, lists[i]!]));
  const catalog: PagingCatalog = {
    version,
    routing: routingCatalogOf(byKind.get('Service')!, byKind.get('Team')!, byKind.get('EscalationPolicy')!),
    silences: byKind.get('Silence')!.map((o) => toSilence(o as unknown as ConfigObject<SilenceSpec>)),
    objects: new Map(lists.flat().map((o) => [`${o.kind}/${o.metadata.name}`, o])),
  };
  pagingCatalogs.set(store, catalog);
  return catalog;
}

/**
 * Routing, silences and the objects escalation reads. Reading and parsing them per alert cost more than the rest of
 * paging together; they are re-read only when the fingerprint of their kinds (one statement) changes, so an apply on
 * any replica takes effect at the next group of notifications.
 */
export async function currentCatalog(db: Kysely<Database>): Promise<PagingCatalog> {
  const { rows } = await sql<{ version: string }>`select ${pagingVersionSql} as version`.execute(db);
  return catalogOfVersion(db, db, rows[0]!.version);
}

/**
 * Opens a group's transaction in one statement: takes the scope's lock, and reads the paging catalog's fingerprint
 * and which of these key hashes are active (and whose). Those two may be read as of just before the lock was granted,
 * as they would be read before the transaction began; the scope's alerts and pages are read after it, in the next.
 */
async function openGroup(trx: Transaction<Database>, scope: string, keyHashes: readonly string[]): Promise<{ version: string; keys: Map<string, string> }> {
  const { rows } = await sql<{ version: string; keys: [string, string][] | null }>`
    select pg_advisory_xact_lock(${scopeLockSpace}::int4, hashtext(${scope})) is null as unused, ${pagingVersionSql} as version,
      (select json_agg(json_build_array(key_hash, integration)) from integration_keys
        where key_hash = any(${[...keyHashes]}::text[]) and revoked_at is null) as keys`.execute(trx);
  const row = rows[0]!;
  return { version: row.version, keys: new Map(row.keys ?? []) };
}

/** The paging catalog as last read, without asking the store (undefined before the first read). */
export function lastCatalog(db: Kysely<Database>): PagingCatalog | undefined {
  return pagingCatalogs.get(db);
}

/** What changed in the pages, told after a commit (PagingHooks.committed). */
export interface PagingChange {
  pagesOpened: number;
  /** Of pagesOpened, those whose escalation started in the same transaction (PagingHooks.pagesOpened). */
  pagesEscalated: number;
  /** Pages acknowledged or resolved (auto-resolve, a sender's acknowledge or resolve). */
  pagesStopped: number;
  notificationsQueued: number;
  /** Of notificationsQueued, those the pagesOpened hook wrote already claimed and hands over itself (afterCommit). */
  notificationsClaimed: number;
}

/** What the pagesOpened hook did, and what it does once the transaction committed (never if it rolled back). */
export interface PagesEscalated {
  escalated: number;
  notificationsQueued: number;
  notificationsClaimed: number;
  afterCommit?: () => void;
}

/**
 * How the rest of pave learns of page changes made here (set by the server): the escalation side may start opened
 * pages' escalations inside the transaction that opens them, and is told after each commit that changed pages, so
 * that a repeat, which changes no page, wakes nothing.
 */
export interface PagingHooks {
  /**
   * Inside the transaction that opened `pages` (under a savepoint: if it throws, its writes are undone, the alerts
   * and pages are still committed, and the pages escalate at the escalator's next run). Resolves with how many pages
   * it escalated and how many notifications it queued, and what to do once committed.
   */
  pagesOpened?(trx: Transaction<Database>, pages: readonly OpenedPage[], catalog: PagingCatalog): Promise<PagesEscalated>;
  /** After a commit that changed pages. */
  committed?(change: PagingChange): void;
  onError?(err: unknown): void;
}

const pagingHooks = new WeakMap<Kysely<Database>, PagingHooks>();

/**
 * Sets the paging hooks of a store (one set per store: the server that owns the escalator); returns their removal,
 * which puts back the hooks they replaced.
 */
export function setPagingHooks(db: Kysely<Database>, hooks: PagingHooks): () => void {
  const previous = pagingHooks.get(db);
  pagingHooks.set(db, hooks);
  return () => {
    if (pagingHooks.get(db) !== hooks) return;
    if (previous) pagingHooks.set(db, previous);
    else pagingHooks.delete(db);
  };
}

function tellCommitted(db: Kysely<Database>, change: Partial<PagingChange>, escalated?: PagesEscalated): void {
  const c: PagingChange = { pagesOpened: 0, pagesEscalated: 0, pagesStopped: 0, notificationsQueued: 0, notificationsClaimed: 0, ...change };
  const hooks = pagingHooks.get(db);
  try {
    escalated?.afterCommit?.();
    if (c.pagesOpened + c.pagesStopped + c.notificationsQueued > 0) hooks?.committed?.(c);
  } catch (err) {
    hooks?.onError?.(err);
  }
}

/** Runs the pagesOpened hook under a savepoint; nothing escalated when there is none or it failed (the escalator's next run does it). */
async function escalateOpened(trx: Transaction<Database>, hooks: PagingHooks | undefined, state: ScopeState, catalog: PagingCatalog): Promise<PagesEscalated> {
  const none: PagesEscalated = { escalated: 0, notificationsQueued: 0, notificationsClaimed: 0 };
  if (!hooks?.pagesOpened || state.opened.length === 0) return none;
  await sql`savepoint paging_escalation`.execute(trx);
  try {
    const done = await hooks.pagesOpened(trx, state.opened, catalog);
    await sql`release savepoint paging_escalation`.execute(trx);
    return done;
  } catch (err) {
    await sql`rollback to savepoint paging_escalation`.execute(trx);
    hooks.onError?.(err);
    return none;
  }
}

/** The change a group (or an SLO transitions batch) made, for PagingHooks.committed. */
function changeOf(state: ScopeState, e: PagesEscalated): PagingChange {
  return {
    pagesOpened: state.opened.length,
    pagesEscalated: e.escalated,
    pagesStopped: state.pagesResolved,
    notificationsQueued: e.notificationsQueued,
    notificationsClaimed: e.notificationsClaimed,
  };
}

/** Why a notification sent with an integration key was not applied. */
export type IntakeRefusal = 'unknown_key' | 'unknown_integration' | 'wrong_format';

/** A notification sent with an integration key: checked, with its integration, in the transaction that applies it. */
export interface KeyedAlerts {
  /** SHA-256 of the key (store/integration-keys hashKey). */
  keyHash: string;
  /** The integration the key was minted for: the scope. */
  integration: string;
  format: IntegrationFormat;
  /** The batch, from the integration as this transaction sees it. */
  build(integration: StoredObject): AlertBatch;
}

export type IntakeResult = { status: 'committed'; outcome: BatchOutcome } | { status: 'refused'; reason: IntakeRefusal; integration?: StoredObject };

interface PendingAlerts {
  work: AlertBatch | KeyedAlerts;
  alerts: number;
  resolve(r: IntakeResult): void;
  reject(err: unknown): void;
}

/** Bounds on one group: its transaction's length, and so the latency it adds to the notifications in it. */
const maxGroupNotifications = 128;
const maxGroupAlerts = 5000;

const isKeyed = (w: AlertBatch | KeyedAlerts): w is KeyedAlerts => 'keyHash' in w;

/**
 * Group commit of alert notifications, per scope: one writer per scope drains its queue, applying every notification
 * that arrived while the previous group was being written in one transaction, then answers each with its own outcome
 * (a notification is answered only after its group committed). A group that fails is applied again one notification
 * per transaction, so that a failing notification fails alone. Scopes write independently (in parallel on PostgreSQL).
 */
export class AlertWriter {
  private readonly queues = new Map<string, PendingAlerts[]>();

  constructor(private readonly db: Kysely<Database>) {}

  submit(work: AlertBatch | KeyedAlerts): Promise<IntakeResult> {
    const scope = isKeyed(work) ? work.integration : work.scope;
    return new Promise<IntakeResult>((resolve, reject) => {
      let queue = this.queues.get(scope);
      const idle = !queue;
      if (!queue) this.queues.set(scope, (queue = []));
      queue.push({ work, alerts: isKeyed(work) ? 1 : work.alerts.length, resolve, reject });
      if (idle) void this.write(scope, queue);
    });
  }

  private async write(scope: string, queue: PendingAlerts[]): Promise<void> {
    try {
      while (queue.length > 0) {
        // Let requests whose bytes have already arrived be parsed and queued first, so that they join this group. No
        // longer wait: measured at 500 alerts/s, waiting a few ms for larger groups saved no CPU and added latency.
        await new Promise((r) => setImmediate(r));
        const group: PendingAlerts[] = [];
        let alerts = 0;
        while (queue.length > 0 && group.length < maxGroupNotifications && (group.length === 0 || alerts + queue[0]!.alerts <= maxGroupAlerts)) {
          const p = queue.shift()!;
          alerts += p.alerts;
          group.push(p);
        }
        try {
          const results = await this.commit(scope, group);
          group.forEach((p, i) => p.resolve(results[i]!));
        } catch (err) {
          if (group.length === 1) group[0]!.reject(err);
          else for (const p of group) await this.commit(scope, [p]).then(([r]) => p.resolve(r!), p.reject);
        }
      }
    } finally {
      this.queues.delete(scope);
    }
  }

  private async commit(scope: string, group: PendingAlerts[]): Promise<IntakeResult[]> {
    const hooks = pagingHooks.get(this.db);
    const { results, state, escalation } = await this.db.transaction().execute(async (trx) => {
      const hashes = [...new Set(group.flatMap((p) => (isKeyed(p.work) ? [p.work.keyHash] : [])))];
      const opened = await openGroup(trx, scope, hashes);
      const catalog = await catalogOfVersion(trx, this.db, opened.version);
      const active = opened.keys;
      const work = group.map((p): AlertBatch | IntakeResult => {
        const w = p.work;
        if (!isKeyed(w)) return w;
        if (active.get(w.keyHash) !== w.integration) return { status: 'refused', reason: 'unknown_key' };
        const integration = catalogObject(catalog, 'Integration', w.integration);
        if (!integration) return { status: 'refused', reason: 'unknown_integration' };
        if ((integration.spec as { format?: unknown }).format !== w.format) return { status: 'refused', reason: 'wrong_format', integration };
        return w.build(integration);
      });
      const state = new ScopeState(trx, scope);
      await state.prefetch(work.filter((w): w is AlertBatch => 'alerts' in w));
      const results: IntakeResult[] = [];
      for (const w of work) {
        if (!('alerts' in w)) results.push(w);
        else results.push({ status: 'committed', outcome: await applyAlertBatch(trx, w, catalog.routing, catalog.silences, state) });
      }
      await state.flush();
      return { results, state, escalation: await escalateOpened(trx, hooks, state, catalog) };
    });
    tellCommitted(this.db, changeOf(state, escalation), escalation);
    return results;
  }
}

const writers = new WeakMap<Kysely<Database>, AlertWriter>();

/** The store's alert writer (one per store in this process). */
export function alertWriter(db: Kysely<Database>): AlertWriter {
  let w = writers.get(db);
  if (!w) writers.set(db, (w = new AlertWriter(db)));
  return w;
}

/** Applies a batch, holding its scope's lock, in a transaction it may share with concurrent batches of its scope. */
export async function ingestAlertBatch(db: Kysely<Database>, batch: AlertBatch): Promise<BatchOutcome> {
  const r = await alertWriter(db).submit(batch);
  if (r.status !== 'committed') throw new Error(`alert batch refused: ${r.reason}`); // only keyed notifications are refused
  return r.outcome;
}

/**
 * PagerDuty acknowledge: the page of the open alert with this identity in this scope is acknowledged. Returns false
 * when there is no such open alert (unknown, resolved, or another routing key's): the event is dropped.
 */
export async function acknowledgeAlert(db: Kysely<Database>, scope: string, identity: string, actor: string, now: Date): Promise<boolean> {
  let acknowledged = 0;
  const found = await db.transaction().execute(async (trx) => {
    await lockScope(trx, scope);
    const alert = await openAlert(trx, scope, identity);
    if (!alert) return false;
    if (alert.page_id === null) return true; // silenced: accepted, but there is no page to acknowledge
    const page = await trx
      .updateTable('pages')
      .set({ status: 'acknowledged', acknowledged_at: now, acknowledged_by: actor })
      .where('id', '=', alert.page_id)
      .where('status', '=', 'triggered')
      .returning('id')
      .executeTakeFirst();
    if (page) await addPageEvent(trx, { pageId: alert.page_id, at: now, type: 'acknowledged', actor, alertId: alert.id, details: {} });
    if (page) acknowledged++;
    return true;
  });
  tellCommitted(db, { pagesStopped: acknowledged });
  return found;
}

/** PagerDuty resolve: resolves the open alert with this identity in this scope; false when there is none (dropped). */
export async function resolveAlert(db: Kysely<Database>, scope: string, identity: string, actor: string, now: Date): Promise<boolean> {
  let stopped = 0;
  const found = await db.transaction().execute(async (trx) => {
    await lockScope(trx, scope);
    const alert = await openAlert(trx, scope, identity);
    if (!alert) return false;
    const state = new ScopeState(trx, scope);
    await resolveAlertRow(trx, alert, now, now, actor, 'resolved by its sender', state);
    stopped = state.pagesResolved;
    return true;
  });
  tellCommitted(db, { pagesStopped: stopped });
  return found;
}

/** Resolves Alertmanager API v2 alerts whose endsAt has passed without the sender sending them again. */
export async function expireAlerts(db: Kysely<Database>, now: Date, limit = 1000): Promise<number> {
  const due = await db.selectFrom('alerts').select(['scope']).distinct().where('status', '=', 'firing').where('expires_at', '<=', now).limit(limit).execute();
  let expired = 0;
  let stopped = 0;
  for (const { scope } of due) {
    expired += await db.transaction().execute(async (trx) => {
      await lockScope(trx, scope);
      const state = new ScopeState(trx, scope);
      const rows = await trx
        .selectFrom('alerts')
        .select(['id', 'page_id', 'expires_at'])
        .where('scope', '=', scope)
        .where('status', '=', 'firing')
        .where('expires_at', '<=', now)
        .orderBy('id')
        .limit(limit)
        .execute();
      for (const r of rows) await resolveAlertRow(trx, r, now, new Date(r.expires_at!), 'pave:alert-expiry', 'its endsAt passed without the sender sending it again', state);
      stopped += state.pagesResolved;
      return rows.length;
    });
  }
  tellCommitted(db, { pagesStopped: stopped });
  return expired;
}

/**
 * Turns new SLO alert transitions (store/slo-alerts) into alerts of scope `pave:slo`, from a cursor kept in
 * pave_meta and moved in the same transaction, so each transition is applied exactly once whoever runs this.
 */
export async function consumeSloTransitions(db: Kysely<Database>, now: Date, limit = 500): Promise<{ applied: number; outcome: BatchOutcome }> {
  const catalog = await currentCatalog(db);
  const hooks = pagingHooks.get(db);
  let change: Partial<PagingChange> = {};
  let escalated: PagesEscalated | undefined;
  const consumed = await db.transaction().execute(async (trx) => {
    await lockScope(trx, sloScope);
    const cursor = await trx.selectFrom('pave_meta').select('value').where('key', '=', sloCursorKey).executeTakeFirst();
    const transitions = await listTransitions(trx, { afterId: cursor?.value, limit });
    const empty: BatchOutcome = { opened: 0, repeated: 0, resolved: 0, pagesTriggered: [] };
    if (transitions.length === 0) return { applied: 0, outcome: empty };
    const alerts = transitions.filter((t) => pagesForSeverity(t.severity)).map(alertFromSloTransition);
    const state = new ScopeState(trx, sloScope);
    const sloBatch: AlertBatch = { scope: sloScope, source: 'slo', alerts, groupBy: ['service', 'alertname'], route: {}, actor: sloScope, now };
    await state.prefetch([sloBatch]);
    const outcome = await applyAlertBatch(trx, sloBatch, catalog.routing, catalog.silences, state);
    await state.flush();
    escalated = await escalateOpened(trx, hooks, state, catalog);
    change = changeOf(state, escalated);
    const last = transitions[transitions.length - 1]!.id;
    await trx
      .insertInto('pave_meta')
      .values({ key: sloCursorKey, value: last })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: last }))
      .execute();
    return { applied: transitions.length, outcome };
  });
  tellCommitted(db, change, escalated);
  return consumed;
}
