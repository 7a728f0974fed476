// Alerts in, pages out: one transaction per notification, serialized per scope (an integration, or `pave:slo`) with
// a transaction-level advisory lock, so that concurrent notifications of the same group neither open two pages nor
// lose an update. Identity, grouping and routing are decided in domain/alerting; this module only keeps the rows.
import { sql, type Kysely, type Transaction } from 'kysely';
import { activeSilences, alertFromSloTransition, pageGroupOf, pageTitleOf, pagesForSeverity, routeAlert, silenceMatches, type AlertSource, type IncomingAlert, type Route, type RouteDefault, type RoutingCatalog, type Silence } from '../domain/alerting/index.js';
import { toSilence, type SilenceSpec } from '../config/kinds/silence.js';
import type { ConfigObject } from '../domain/objects.js';
import { catalogVersion } from './catalog-version.js';
import { listObjects } from './objects.js';
import type { Database } from './schema.js';
import { listTransitions } from './slo-alerts.js';

type Db = Kysely<Database> | Transaction<Database>;

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
export async function loadRoutingCatalog(db: Db): Promise<RoutingCatalog> {
  const [services, teams, policies] = await Promise.all([listObjects(db, 'Service'), listObjects(db, 'Team'), listObjects(db, 'EscalationPolicy')]);
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

/** Every Silence in the catalog; which are in force is decided per notification (domain/alerting/silences). */
export async function loadSilences(db: Db): Promise<Silence[]> {
  return (await listObjects(db, 'Silence')).map((o) => toSilence(o as unknown as ConfigObject<SilenceSpec>));
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
async function resolveAlertRow(trx: Transaction<Database>, alert: OpenAlertRow, at: Date, endedAt: Date, actor: string, reason: string): Promise<void> {
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
  if (page) await addPageEvent(trx, { pageId: alert.page_id, at, type: 'resolved', actor: autoResolveActor, details: { reason: 'all its alerts resolved' } });
}

async function openAlert(trx: Transaction<Database>, scope: string, identity: string): Promise<OpenAlertRow | undefined> {
  return trx.selectFrom('alerts').select(['id', 'page_id', 'silenced_by']).where('scope', '=', scope).where('identity', '=', identity).where('status', '=', 'firing').executeTakeFirst();
}

/** The open page of a group, or a new triggered one routed by this alert (its `triggered` event is the seam). */
async function pageFor(trx: Transaction<Database>, batch: AlertBatch, alert: IncomingAlert, route: Route): Promise<{ id: string; created: boolean; route?: Route }> {
  const group = pageGroupOf(alert.labels, batch.groupBy);
  const open = await trx.selectFrom('pages').select('id').where('scope', '=', batch.scope).where('group_key', '=', group.key).where('status', '<>', 'resolved').executeTakeFirst();
  if (open) return { id: open.id, created: false };
  const page = await trx
    .insertInto('pages')
    .values({
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
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: page.id, created: true, route };
}

/** Puts an alert on its group's page (opening one if none is open) and logs it there; `triggered` when it opened. */
async function pageAlert(trx: Transaction<Database>, batch: AlertBatch, alert: IncomingAlert, route: Route, alertId: string, pageId: { id: string; created: boolean }, outcome: BatchOutcome): Promise<void> {
  const at = batch.now;
  if (pageId.created) {
    await addPageEvent(trx, {
      pageId: pageId.id,
      at,
      type: 'triggered',
      actor: batch.actor,
      alertId,
      details: { team: route.team, service: route.service, escalationPolicy: route.escalationPolicy, unrouted: route.unrouted, route: route.reason },
    });
    outcome.pagesTriggered.push(pageId.id);
  } else {
    await addPageEvent(trx, { pageId: pageId.id, at, type: 'alert_added', actor: batch.actor, alertId, details: { identity: alert.identity } });
  }
}

/**
 * Applies one notification's alerts inside the caller's transaction (which must hold lockScope for its scope).
 * A firing alert that a silence in force matches is stored with the silence's name and no page; its first
 * notification after the silence ends puts it on a page as a new alert would be. Silences never touch an alert that
 * is already on a page: its page goes on as it is.
 */
export async function applyAlertBatch(trx: Transaction<Database>, batch: AlertBatch, routing: RoutingCatalog, silences: readonly Silence[] = []): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { opened: 0, repeated: 0, resolved: 0, pagesTriggered: [] };
  const at = batch.now;
  const inForce = activeSilences(silences, at.getTime());
  for (const alert of batch.alerts) {
    const existing = await openAlert(trx, batch.scope, alert.identity);
    if (alert.status === 'resolved') {
      if (!existing) continue; // resolved before pave saw it fire, or resolved already: nothing to page or close
      await resolveAlertRow(trx, existing, at, new Date(alert.endedAt ?? at.getTime()), batch.actor, 'resolved by its sender');
      outcome.resolved++;
      continue;
    }
    const fields = {
      labels: JSON.stringify(alert.labels),
      annotations: JSON.stringify(alert.annotations),
      summary: alert.summary,
      severity: alert.severity,
      expires_at: alert.expiresAt === null ? null : new Date(alert.expiresAt),
      last_received_at: at,
      details: JSON.stringify(alert.details),
      source_group: alert.sourceGroup,
    };
    if (existing && existing.page_id !== null) {
      // A repeat: the same alert still firing. It refreshes the alert and never pages again.
      await trx
        .updateTable('alerts')
        .set({ ...fields, received_count: sql`received_count + 1` })
        .where('id', '=', existing.id)
        .execute();
      outcome.repeated++;
      continue;
    }
    const route = routeAlert(alert.labels, batch.route, routing);
    const silencedBy = inForce.find((s) => silenceMatches(s, alert.labels, route.service))?.name ?? null;
    if (existing) {
      // A repeat of a silenced alert: still silenced (perhaps by another silence now), or its silence ended and it pages.
      const page = silencedBy === null ? await pageFor(trx, batch, alert, route) : null;
      await trx
        .updateTable('alerts')
        .set({ ...fields, received_count: sql`received_count + 1`, silenced_by: silencedBy, page_id: page?.id ?? null })
        .where('id', '=', existing.id)
        .execute();
      outcome.repeated++;
      if (page) await pageAlert(trx, batch, alert, route, existing.id, page, outcome);
      continue;
    }
    const page = silencedBy === null ? await pageFor(trx, batch, alert, route) : null;
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
        page_id: page?.id ?? null,
        silenced_by: silencedBy,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    outcome.opened++;
    if (page) await pageAlert(trx, batch, alert, route, row.id, page, outcome);
  }
  if (batch.reconcileGroup) {
    const present = batch.alerts.map((a) => a.identity);
    let q = trx.selectFrom('alerts').select(['id', 'page_id']).where('scope', '=', batch.scope).where('source_group', '=', batch.reconcileGroup).where('status', '=', 'firing');
    if (present.length > 0) q = q.where('identity', 'not in', present);
    for (const gone of await q.orderBy('id').execute()) {
      await resolveAlertRow(trx, gone, at, at, batch.actor, 'missing from a complete notification of its group');
      outcome.resolved++;
    }
  }
  return outcome;
}

interface RoutingSnapshot {
  version: string;
  routing: RoutingCatalog;
  silences: Silence[];
}

/** Per store: routing and silences as last read, with the fingerprint of the objects they were read from. */
const routingSnapshots = new WeakMap<Kysely<Database>, RoutingSnapshot>();
const routingKinds = ['Service', 'Team', 'EscalationPolicy', 'Silence'] as const;

/**
 * Routing and silences for one notification. Reading and parsing every Service, Team, policy and Silence per alert
 * cost more than the rest of paging together; they are re-read only when the fingerprint of those kinds (one
 * statement, store/catalog-version) changes, so an apply on any replica takes effect at the next alert.
 */
export async function currentRouting(db: Kysely<Database>): Promise<{ routing: RoutingCatalog; silences: Silence[] }> {
  const version = await catalogVersion(db, routingKinds);
  const known = routingSnapshots.get(db);
  if (known?.version === version) return known;
  const [routing, silences] = await Promise.all([loadRoutingCatalog(db), loadSilences(db)]);
  const snapshot = { version, routing, silences };
  routingSnapshots.set(db, snapshot);
  return snapshot;
}

/** Applies a batch in its own transaction, holding its scope's lock. */
export async function ingestAlertBatch(db: Kysely<Database>, batch: AlertBatch): Promise<BatchOutcome> {
  const { routing, silences } = await currentRouting(db);
  return db.transaction().execute(async (trx) => {
    await lockScope(trx, batch.scope);
    return applyAlertBatch(trx, batch, routing, silences);
  });
}

/**
 * PagerDuty acknowledge: the page of the open alert with this identity in this scope is acknowledged. Returns false
 * when there is no such open alert (unknown, resolved, or another routing key's): the event is dropped.
 */
export async function acknowledgeAlert(db: Kysely<Database>, scope: string, identity: string, actor: string, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
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
    return true;
  });
}

/** PagerDuty resolve: resolves the open alert with this identity in this scope; false when there is none (dropped). */
export async function resolveAlert(db: Kysely<Database>, scope: string, identity: string, actor: string, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await lockScope(trx, scope);
    const alert = await openAlert(trx, scope, identity);
    if (!alert) return false;
    await resolveAlertRow(trx, alert, now, now, actor, 'resolved by its sender');
    return true;
  });
}

/** Resolves Alertmanager API v2 alerts whose endsAt has passed without the sender sending them again. */
export async function expireAlerts(db: Kysely<Database>, now: Date, limit = 1000): Promise<number> {
  const due = await db.selectFrom('alerts').select(['scope']).distinct().where('status', '=', 'firing').where('expires_at', '<=', now).limit(limit).execute();
  let expired = 0;
  for (const { scope } of due) {
    expired += await db.transaction().execute(async (trx) => {
      await lockScope(trx, scope);
      const rows = await trx
        .selectFrom('alerts')
        .select(['id', 'page_id', 'expires_at'])
        .where('scope', '=', scope)
        .where('status', '=', 'firing')
        .where('expires_at', '<=', now)
        .orderBy('id')
        .limit(limit)
        .execute();
      for (const r of rows) await resolveAlertRow(trx, r, now, new Date(r.expires_at!), 'pave:alert-expiry', 'its endsAt passed without the sender sending it again');
      return rows.length;
    });
  }
  return expired;
}

/**
 * Turns new SLO alert transitions (store/slo-alerts) into alerts of scope `pave:slo`, from a cursor kept in
 * pave_meta and moved in the same transaction, so each transition is applied exactly once whoever runs this.
 */
export async function consumeSloTransitions(db: Kysely<Database>, now: Date, limit = 500): Promise<{ applied: number; outcome: BatchOutcome }> {
  const { routing, silences } = await currentRouting(db);
  return db.transaction().execute(async (trx) => {
    await lockScope(trx, sloScope);
    const cursor = await trx.selectFrom('pave_meta').select('value').where('key', '=', sloCursorKey).executeTakeFirst();
    const transitions = await listTransitions(trx, { afterId: cursor?.value, limit });
    const empty: BatchOutcome = { opened: 0, repeated: 0, resolved: 0, pagesTriggered: [] };
    if (transitions.length === 0) return { applied: 0, outcome: empty };
    const alerts = transitions.filter((t) => pagesForSeverity(t.severity)).map(alertFromSloTransition);
    const outcome = await applyAlertBatch(trx, { scope: sloScope, source: 'slo', alerts, groupBy: ['service', 'alertname'], route: {}, actor: sloScope, now }, routing, silences);
    const last = transitions[transitions.length - 1]!.id;
    await trx
      .insertInto('pave_meta')
      .values({ key: sloCursorKey, value: last })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: last }))
      .execute();
    return { applied: transitions.length, outcome };
  });
}
