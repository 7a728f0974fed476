// Incidents: declare (by hand or from a page), re-assess, move through the lifecycle, hold roles, take notes, link
// pages, post status updates and keep subscribers. Every write locks the incident row, checks, writes an event (the
// incident's own timeline and the history of every re-assessment) and an audit entry in one transaction. Reads
// derive the engagement time and the time metrics (domain/incident/metrics) from the linked pages and role joins.
import { type ColumnType, type Generated, type Kysely, type Selectable, type Transaction } from 'kysely';
import {
  incidentRoles,
  timesAfterTransition,
  transitionRefusal,
  type DetectedBy,
  type IncidentRole,
  type IncidentStatus,
  type NoteKind,
  type Severity,
} from '../domain/incident/lifecycle.js';
import { engagement, timeMetrics, type EngagementSource, type TimeMetrics } from '../domain/incident/metrics.js';
import {
  describeChange,
  describeEscalationEvent,
  describeIncidentEvent,
  describePageEvent,
  describeSloTransition,
  orderTimeline,
  type TimelineEntry,
} from '../domain/incident/timeline.js';
import { appendAudit } from './audit.js';
import { listChanges, maxChangeListLimit, type ChangeEvent } from './changes.js';
import { listEscalationEvents } from './escalations.js';
import { getObject, listObjects } from './objects.js';
import { getPage, listPageEvents } from './pages.js';
import type { Database } from './schema.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

/** The tables of migration 0008, declared here (beside the only code that writes them). */
export type IncidentTables = {
  incidents: {
    id: Generated<string>;
    title: string;
    public_title: string | null;
    status: string;
    severity: string;
    detected_by: string;
    impact_start_at: Timestamp;
    detected_at: Timestamp;
    engaged_at: Timestamp | null;
    mitigated_at: Timestamp | null;
    resolved_at: Timestamp | null;
    declared_at: Timestamp;
    declared_by: string;
    updated_at: Timestamp;
  };
  incident_services: { incident_id: string; service: string };
  incident_pages: { page_id: string; incident_id: string; linked_at: Timestamp; linked_by: string };
  incident_roles: { incident_id: string; role: string; person: string; since: Timestamp };
  incident_events: { id: Generated<string>; incident_id: string; at: Timestamp; type: string; actor: string; details: Json<Record<string, unknown>> };
  incident_status_updates: { id: Generated<string>; incident_id: string; at: Timestamp; status: string; message: string; author: string };
  incident_subscribers: { id: Generated<string>; incident_id: string; url: string; created_at: Timestamp; created_by: string };
};

type FullDatabase = Database & IncidentTables;
type Db = Kysely<Database> | Transaction<Database>;
type IDb = Kysely<FullDatabase>;

/** The same connection (or transaction), typed with the incident tables. */
const tables = (db: Db): IDb => (db as Kysely<Database>).withTables<IncidentTables>();

export interface RoleHolder {
  role: IncidentRole;
  person: string;
  since: string;
}

export interface Incident {
  id: string;
  title: string;
  /** What the public status page shows; null: a generic line naming the services. */
  publicTitle: string | null;
  status: IncidentStatus;
  severity: Severity;
  detectedBy: DetectedBy;
  services: string[];
  /** Owning teams of the affected services (from the catalog at read time), sorted. */
  teams: string[];
  pageIds: string[];
  roles: RoleHolder[];
  impactStartAt: string;
  detectedAt: string;
  /** First human response: stated, else the earliest acknowledgement of a linked page or role join; null: nobody yet. */
  engagedAt: string | null;
  engagedSource: EngagementSource | null;
  mitigatedAt: string | null;
  resolvedAt: string | null;
  declaredAt: string;
  declaredBy: string;
  updatedAt: string;
  metrics: TimeMetrics;
}

export interface IncidentEvent {
  id: string;
  incidentId: string;
  at: string;
  type: string;
  actor: string;
  details: Record<string, unknown>;
}

export interface StatusUpdate {
  id: string;
  incidentId: string;
  at: string;
  status: IncidentStatus;
  message: string;
  author: string;
}

export interface Subscriber {
  id: string;
  incidentId: string;
  url: string;
  createdAt: string;
  createdBy: string;
}

/** A refusal the caller turns into a client error: which field (if any), and why. */
export class IncidentError extends Error {
  constructor(
    readonly code: 'not_found' | 'conflict' | 'invalid',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'IncidentError';
  }
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());
const ms = (d: Date | string | null): number | null => (d === null ? null : new Date(d).getTime());

type IncidentRow = Selectable<IncidentTables['incidents']>;

/** Builds full incidents from their rows with four batched reads (services, pages, roles, first role joins). */
async function hydrate(db: Db, rows: IncidentRow[]): Promise<Incident[]> {
  if (rows.length === 0) return [];
  const t = tables(db);
  const ids = rows.map((r) => String(r.id));
  const [services, pages, roles, joins] = await Promise.all([
    t.selectFrom('incident_services').select(['incident_id', 'service']).where('incident_id', 'in', ids).orderBy('service').execute(),
    t
      .selectFrom('incident_pages')
      .innerJoin('pages', 'pages.id', 'incident_pages.page_id')
      .select(['incident_pages.incident_id', 'incident_pages.page_id', 'pages.acknowledged_at', 'pages.resolved_at', 'pages.status'])
      .where('incident_pages.incident_id', 'in', ids)
      .orderBy('incident_pages.page_id')
      .execute(),
    t.selectFrom('incident_roles').selectAll().where('incident_id', 'in', ids).execute(),
    t
      .selectFrom('incident_events')
      .select(['incident_id', (eb) => eb.fn.min('at').as('first')])
      .where('incident_id', 'in', ids)
      .where('type', '=', 'role_assigned')
      .groupBy('incident_id')
      .execute(),
  ]);
  const allServices = [...new Set(services.map((s) => s.service))];
  const owners = new Map<string, string>();
  if (allServices.length > 0) {
    const objs = await t.selectFrom('objects').select(['name', 'owner_team']).where('kind', '=', 'Service').where('name', 'in', allServices).execute();
    for (const o of objs) if (o.owner_team) owners.set(o.name, o.owner_team);
  }
  const roleOrder = (r: string): number => incidentRoles.indexOf(r as IncidentRole);
  return rows.map((r) => {
    const id = String(r.id);
    const svc = services.filter((s) => String(s.incident_id) === id).map((s) => s.service);
    const linked = pages.filter((p) => String(p.incident_id) === id);
    // A page resolved without an acknowledgement was still handled by a person only if someone resolved it by hand;
    // pave cannot tell an auto-resolve from that here, so only acknowledgements count.
    const acks = linked.flatMap((p) => (p.acknowledged_at === null ? [] : [ms(p.acknowledged_at)!]));
    const firstJoin = joins.find((j) => String(j.incident_id) === id)?.first;
    const detectedAt = ms(r.detected_at)!;
    const engaged = engagement(detectedAt, ms(r.engaged_at), acks, firstJoin ? [ms(firstJoin as Date | string)!] : []);
    const mitigatedAt = ms(r.mitigated_at);
    return {
      id,
      title: r.title,
      publicTitle: r.public_title,
      status: r.status as IncidentStatus,
      severity: r.severity as Severity,
      detectedBy: r.detected_by as DetectedBy,
      services: svc,
      teams: [...new Set(svc.flatMap((s) => (owners.has(s) ? [owners.get(s)!] : [])))].sort(),
      pageIds: linked.map((p) => String(p.page_id)),
      roles: roles
        .filter((x) => String(x.incident_id) === id)
        .sort((a, b) => roleOrder(a.role) - roleOrder(b.role))
        .map((x) => ({ role: x.role as IncidentRole, person: x.person, since: iso(x.since)! })),
      impactStartAt: iso(r.impact_start_at)!,
      detectedAt: iso(r.detected_at)!,
      engagedAt: engaged === null ? null : new Date(engaged.at).toISOString(),
      engagedSource: engaged?.source ?? null,
      mitigatedAt: iso(r.mitigated_at),
      resolvedAt: iso(r.resolved_at),
      declaredAt: iso(r.declared_at)!,
      declaredBy: r.declared_by,
      updatedAt: iso(r.updated_at)!,
      metrics: timeMetrics({ impactStartAt: ms(r.impact_start_at)!, detectedAt, engagedAt: engaged?.at ?? null, mitigatedAt }),
    };
  });
}

export async function getIncident(db: Db, id: string): Promise<Incident | undefined> {
  const row = await tables(db).selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? (await hydrate(db, [row]))[0] : undefined;
}

export interface IncidentFilter {
  status?: IncidentStatus;
  /** true: not resolved; false: resolved. */
  open?: boolean;
  /** Incidents affecting this service. */
  service?: string;
  /** Incidents affecting a service this team owns. */
  team?: string;
  /** Declared at or after (inclusive). */
  from?: Date;
  /** Declared before (exclusive). */
  to?: Date;
  /** Incidents with a lower id: the next page of results. */
  before?: string;
  /** Newest first; default 100. */
  limit?: number;
}

/** Incidents matching every given filter, newest first. */
export async function listIncidents(db: Db, filter: IncidentFilter = {}): Promise<Incident[]> {
  const t = tables(db);
  let q = t.selectFrom('incidents').selectAll('incidents');
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.open !== undefined) q = q.where('status', filter.open ? '<>' : '=', 'resolved');
  if (filter.service) {
    const service = filter.service;
    q = q.where((eb) => eb.exists(eb.selectFrom('incident_services as s').select('s.service').whereRef('s.incident_id', '=', 'incidents.id').where('s.service', '=', service)));
  }
  if (filter.team) {
    const team = filter.team;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('incident_services as s')
          .innerJoin('objects as o', (j) => j.onRef('o.name', '=', 's.service').on('o.kind', '=', 'Service'))
          .select('s.service')
          .whereRef('s.incident_id', '=', 'incidents.id')
          .where('o.owner_team', '=', team),
      ),
    );
  }
  if (filter.from) q = q.where('declared_at', '>=', filter.from);
  if (filter.to) q = q.where('declared_at', '<', filter.to);
  if (filter.before) q = q.where('id', '<', filter.before);
  const rows = await q.orderBy('id', 'desc').limit(filter.limit ?? 100).execute();
  return hydrate(db, rows);
}

/** The incident a page is linked to, if any. */
export async function incidentOfPage(db: Db, pageId: string): Promise<string | undefined> {
  const r = await tables(db).selectFrom('incident_pages').select('incident_id').where('page_id', '=', pageId).executeTakeFirst();
  return r ? String(r.incident_id) : undefined;
}

export async function listIncidentEvents(db: Db, incidentId: string): Promise<IncidentEvent[]> {
  const rows = await tables(db).selectFrom('incident_events').selectAll().where('incident_id', '=', incidentId).orderBy('id').execute();
  return rows.map((r) => ({ id: String(r.id), incidentId: String(r.incident_id), at: iso(r.at)!, type: r.type, actor: r.actor, details: r.details }));
}

export async function listStatusUpdates(db: Db, incidentIds: string[]): Promise<StatusUpdate[]> {
  if (incidentIds.length === 0) return [];
  const rows = await tables(db).selectFrom('incident_status_updates').selectAll().where('incident_id', 'in', incidentIds).orderBy('id').execute();
  return rows.map((r) => ({ id: String(r.id), incidentId: String(r.incident_id), at: iso(r.at)!, status: r.status as IncidentStatus, message: r.message, author: r.author }));
}

export async function listSubscribers(db: Db, incidentId: string): Promise<Subscriber[]> {
  const rows = await tables(db).selectFrom('incident_subscribers').selectAll().where('incident_id', '=', incidentId).orderBy('id').execute();
  return rows.map((r) => ({ id: String(r.id), incidentId: String(r.incident_id), url: r.url, createdAt: iso(r.created_at)!, createdBy: r.created_by }));
}

/** A webhook URL as it may be shown or audited: scheme, host and port only (a path or query may hold a secret). */
export function redactedUrl(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '(invalid URL)';
  }
}

/** Who acts, and the check that may refuse: it sees the incident inside the transaction, before anything changes. */
export interface Actor {
  actor: string;
  requestId?: string | null;
  now: Date;
  authorize(incident: Incident, trx: Transaction<Database>): Promise<void> | void;
}

async function appendEvent(trx: Db, incidentId: string, at: Date, type: string, actor: string, details: Record<string, unknown>): Promise<IncidentEvent> {
  const r = await tables(trx)
    .insertInto('incident_events')
    .values({ incident_id: incidentId, at, type, actor, details: JSON.stringify(details) })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { id: String(r.id), incidentId, at: iso(r.at)!, type: r.type, actor: r.actor, details: r.details };
}

/**
 * Runs `write` on the locked incident after `authorize`. Every real change writes an event, so a write that wrote none
 * changed nothing: no audit entry, no new `updatedAt`. Otherwise the audit entry records before, after and the events.
 */
async function withIncident<T>(
  db: Kysely<Database>,
  id: string,
  by: Actor,
  action: string,
  write: (trx: Transaction<Database>, before: Incident) => Promise<T>,
): Promise<{ result: T; incident: Incident }> {
  return db.transaction().execute(async (trx) => {
    const locked = await tables(trx).selectFrom('incidents').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
    if (!locked) throw new IncidentError('not_found', `incident ${id} does not exist`);
    const before = (await getIncident(trx, id))!;
    await by.authorize(before, trx);
    const t = tables(trx);
    const last = await t.selectFrom('incident_events').select((eb) => eb.fn.max('id').as('id')).where('incident_id', '=', id).executeTakeFirst();
    const result = await write(trx, before);
    const written = await t
      .selectFrom('incident_events')
      .select(['id', 'type'])
      .where('incident_id', '=', id)
      .where('id', '>', String(last?.id ?? '0'))
      .orderBy('id')
      .execute();
    if (written.length === 0) return { result, incident: before };
    await t.updateTable('incidents').set({ updated_at: by.now }).where('id', '=', id).execute();
    const incident = (await getIncident(trx, id))!;
    await appendAudit(trx, [
      { actor: by.actor, action, kind: 'Incident', name: id, before: auditView(before), after: { ...auditView(incident), events: written.map((e) => ({ id: String(e.id), type: e.type })) }, requestId: by.requestId ?? null },
    ]);
    return { result, incident };
  });
}

/** What the audit log keeps of an incident: the fields people change (not the derived ones). */
function auditView(i: Incident): Record<string, unknown> {
  return {
    title: i.title,
    publicTitle: i.publicTitle,
    status: i.status,
    severity: i.severity,
    detectedBy: i.detectedBy,
    services: i.services,
    pageIds: i.pageIds,
    roles: Object.fromEntries(i.roles.map((r) => [r.role, r.person])),
    impactStartAt: i.impactStartAt,
    detectedAt: i.detectedAt,
    mitigatedAt: i.mitigatedAt,
    resolvedAt: i.resolvedAt,
  };
}

async function requirePerson(trx: Db, person: string, field: string): Promise<void> {
  if (!(await getObject(trx, 'Person', person))) throw new IncidentError('invalid', `person "${person}" does not exist`, field);
}

async function requireServices(trx: Db, services: string[], field: string): Promise<void> {
  for (const s of services) if (!(await getObject(trx, 'Service', s))) throw new IncidentError('invalid', `service "${s}" does not exist`, field);
}

/** Checks the stated times against each other and the clock; names the field at fault. */
function checkTimes(t: { impactStartAt: number; detectedAt: number; engagedAt: number | null; mitigatedAt: number | null; resolvedAt?: number | null }, now: number): void {
  if (t.impactStartAt > now) throw new IncidentError('invalid', 'impactStartAt is in the future', 'impactStartAt');
  if (t.detectedAt > now) throw new IncidentError('invalid', 'detectedAt is in the future', 'detectedAt');
  if (t.impactStartAt > t.detectedAt) {
    throw new IncidentError('invalid', `impactStartAt ${new Date(t.impactStartAt).toISOString()} is after detectedAt ${new Date(t.detectedAt).toISOString()}: impact starts before anyone can see it`, 'impactStartAt');
  }
  if (t.engagedAt !== null && (t.engagedAt < t.detectedAt || t.engagedAt > now)) throw new IncidentError('invalid', 'engagedAt must lie between detectedAt and now', 'engagedAt');
  if (t.mitigatedAt !== null && (t.mitigatedAt < t.impactStartAt || t.mitigatedAt > now)) throw new IncidentError('invalid', 'mitigatedAt must lie between impactStartAt and now', 'mitigatedAt');
  if (t.mitigatedAt !== null && t.resolvedAt != null && t.mitigatedAt > t.resolvedAt) {
    throw new IncidentError('invalid', `mitigatedAt must not be after resolvedAt ${new Date(t.resolvedAt).toISOString()}`, 'mitigatedAt');
  }
}

export interface DeclareInput {
  title: string;
  publicTitle?: string | null;
  severity: Severity;
  detectedBy: DetectedBy;
  services: string[];
  /** Pages promoted into the incident (one step from a page: `[pageId]`). */
  pageIds: string[];
  /** When users first felt it; default: detection. */
  impactStartAt?: Date;
  /** When an operator could first see it; default: the earliest linked page's trigger, else now. */
  detectedAt?: Date;
  roles?: Partial<Record<IncidentRole, string>>;
  /** Webhook URLs that receive its status updates. */
  subscribers?: string[];
  /** A first note, kept on the timeline. */
  note?: string;
}

/** Declares an incident; linked pages' services join its affected services. Refuses a page already in an incident. */
export async function declareIncident(db: Kysely<Database>, input: DeclareInput, by: Omit<Actor, 'authorize'> & { authorize(services: string[], trx: Transaction<Database>): Promise<void> | void }): Promise<Incident> {
  return db.transaction().execute(async (trx) => {
    const t = tables(trx);
    const pageIds = [...new Set(input.pageIds)];
    const pages = pageIds.length === 0 ? [] : await t.selectFrom('pages').select(['id', 'service', 'created_at']).where('id', 'in', pageIds).forUpdate().execute();
    for (const p of pageIds) if (!pages.some((x) => String(x.id) === p)) throw new IncidentError('not_found', `page ${p} does not exist`, 'fromPage');
    const taken = pageIds.length === 0 ? [] : await t.selectFrom('incident_pages').select(['page_id', 'incident_id']).where('page_id', 'in', pageIds).execute();
    if (taken.length > 0) throw new IncidentError('conflict', `page ${taken[0]!.page_id} is already in incident ${taken[0]!.incident_id}`, 'fromPage');
    const services = [...new Set([...input.services, ...pages.flatMap((p) => (p.service ? [p.service] : []))])].sort();
    await requireServices(trx, input.services, 'services');
    for (const person of Object.values(input.roles ?? {})) if (person !== undefined) await requirePerson(trx, person, 'roles');
    await by.authorize(services, trx);

    const now = by.now;
    const firstPage = pages.reduce<number | null>((m, p) => (m === null || ms(p.created_at)! < m ? ms(p.created_at)! : m), null);
    const detectedAt = input.detectedAt?.getTime() ?? firstPage ?? now.getTime();
    const impactStartAt = input.impactStartAt?.getTime() ?? detectedAt;
    checkTimes({ impactStartAt, detectedAt, engagedAt: null, mitigatedAt: null }, now.getTime());

    const row = await t
      .insertInto('incidents')
      .values({
        title: input.title,
        public_title: input.publicTitle ?? null,
        status: 'investigating',
        severity: input.severity,
        detected_by: input.detectedBy,
        impact_start_at: new Date(impactStartAt),
        detected_at: new Date(detectedAt),
        declared_at: now,
        declared_by: by.actor,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const id = String(row.id);
    if (services.length > 0) await t.insertInto('incident_services').values(services.map((service) => ({ incident_id: id, service }))).execute();
    await appendEvent(trx, id, now, 'declared', by.actor, { severity: input.severity, status: 'investigating', services, detectedBy: input.detectedBy });
    for (const p of pageIds) {
      await t.insertInto('incident_pages').values({ page_id: p, incident_id: id, linked_at: now, linked_by: by.actor }).execute();
      await appendEvent(trx, id, now, 'page_linked', by.actor, { pageId: p });
    }
    for (const role of incidentRoles) {
      const person = input.roles?.[role];
      if (person === undefined) continue;
      await t.insertInto('incident_roles').values({ incident_id: id, role, person, since: now }).execute();
      await appendEvent(trx, id, now, 'role_assigned', by.actor, { role, person, previous: null });
    }
    for (const url of [...new Set(input.subscribers ?? [])]) {
      await t.insertInto('incident_subscribers').values({ incident_id: id, url, created_at: now, created_by: by.actor }).execute();
    }
    if (input.note) await appendEvent(trx, id, now, 'note', by.actor, { kind: 'note', text: input.note });
    const incident = (await getIncident(trx, id))!;
    await appendAudit(trx, [{ actor: by.actor, action: 'declare', kind: 'Incident', name: id, after: { ...auditView(incident), subscribers: (input.subscribers ?? []).map(redactedUrl) }, requestId: by.requestId ?? null }]);
    return incident;
  });
}

export interface IncidentChange {
  title?: string;
  publicTitle?: string | null;
  status?: IncidentStatus;
  severity?: Severity;
  detectedBy?: DetectedBy;
  impactStartAt?: Date;
  detectedAt?: Date;
  /** A stated engagement time; null goes back to deriving it. */
  engagedAt?: Date | null;
  mitigatedAt?: Date | null;
  addServices?: string[];
  removeServices?: string[];
  /** Why (kept with a severity or status change on the timeline). */
  reason?: string;
}

/**
 * Applies a change to an incident: status (allowed transitions only, domain/incident/lifecycle), severity (history in
 * events), times (checked against each other), services. One event per kind of change, one audit entry.
 */
export async function changeIncident(db: Kysely<Database>, id: string, change: IncidentChange, by: Actor): Promise<Incident> {
  const { incident } = await withIncident(db, id, by, 'update', async (trx, before) => {
    const t = tables(trx);
    const now = by.now;
    const reason = change.reason === undefined ? {} : { reason: change.reason };
    const row = (await t.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    const set: Partial<{ [K in keyof IncidentRow]: unknown }> = {};

    if (change.status !== undefined) {
      const refusal = transitionRefusal(before.status, change.status);
      if (refusal) throw new IncidentError('conflict', `status ${before.status} → ${change.status} refused: ${refusal}`, 'status');
    }
    // Times: the stated ones, then what the status implies (monitoring or resolved: mitigated; a relapse: not).
    const status = change.status ?? before.status;
    const unmitigated = status === 'investigating' || status === 'identified';
    if (change.mitigatedAt != null && unmitigated) {
      throw new IncidentError('invalid', `mitigatedAt cannot be stated while the incident is ${status}: move it to monitoring (or resolved) with that time`, 'mitigatedAt');
    }
    if (change.mitigatedAt === null && !unmitigated) {
      throw new IncidentError('invalid', `a ${status} incident is mitigated: mitigatedAt cannot be cleared (move it back to investigating for a relapse)`, 'mitigatedAt');
    }
    let mitigatedAt = change.mitigatedAt === undefined ? ms(row.mitigated_at) : change.mitigatedAt === null ? null : change.mitigatedAt.getTime();
    let resolvedAt = ms(row.resolved_at);
    if (change.status !== undefined) ({ mitigatedAt, resolvedAt } = timesAfterTransition(change.status, { mitigatedAt, resolvedAt }, now.getTime()));
    const impactStartAt = change.impactStartAt?.getTime() ?? ms(row.impact_start_at)!;
    const detectedAt = change.detectedAt?.getTime() ?? ms(row.detected_at)!;
    const engagedAt = change.engagedAt === undefined ? ms(row.engaged_at) : change.engagedAt === null ? null : change.engagedAt.getTime();
    checkTimes({ impactStartAt, detectedAt, engagedAt, mitigatedAt, resolvedAt }, now.getTime());

    if (change.title !== undefined && change.title !== before.title) set.title = change.title;
    if (change.publicTitle !== undefined && change.publicTitle !== before.publicTitle) set.public_title = change.publicTitle;
    if (change.title !== undefined || change.publicTitle !== undefined) {
      if (set.title !== undefined || set.public_title !== undefined) await appendEvent(trx, id, now, 'title_changed', by.actor, { ...(set.title !== undefined ? { from: before.title, to: change.title } : {}), ...(set.public_title !== undefined ? { publicTitle: change.publicTitle } : {}) });
    }
    if (change.severity !== undefined && change.severity !== before.severity) {
      set.severity = change.severity;
      await appendEvent(trx, id, now, 'severity_changed', by.actor, { from: before.severity, to: change.severity, ...reason });
    }
    if (change.detectedBy !== undefined && change.detectedBy !== before.detectedBy) {
      set.detected_by = change.detectedBy;
      await appendEvent(trx, id, now, 'detected_by_changed', by.actor, { from: before.detectedBy, to: change.detectedBy });
    }
    const isoOf = (v: number | null): string | null => (v === null ? null : new Date(v).toISOString());
    if (change.status !== undefined) {
      set.status = change.status;
      await appendEvent(trx, id, now, 'status_changed', by.actor, { from: before.status, to: change.status, mitigatedAt: isoOf(mitigatedAt), resolvedAt: isoOf(resolvedAt), ...reason });
    }
    // Stated times get their own entry (what a status change did to the times is in its own entry).
    const stated: Record<string, { from: string | null; to: string | null }> = {};
    const was = { impactStartAt: ms(row.impact_start_at), detectedAt: ms(row.detected_at), engagedAt: ms(row.engaged_at), mitigatedAt: ms(row.mitigated_at) };
    const is = { impactStartAt, detectedAt, engagedAt, mitigatedAt };
    for (const k of Object.keys(was) as (keyof typeof was)[]) {
      if (change[k] !== undefined && was[k] !== is[k]) stated[k] = { from: isoOf(was[k]), to: isoOf(is[k]) };
    }
    if (Object.keys(stated).length > 0) await appendEvent(trx, id, now, 'times_changed', by.actor, stated);
    set.impact_start_at = new Date(impactStartAt);
    set.detected_at = new Date(detectedAt);
    set.engaged_at = engagedAt === null ? null : new Date(engagedAt);
    set.mitigated_at = mitigatedAt === null ? null : new Date(mitigatedAt);
    set.resolved_at = resolvedAt === null ? null : new Date(resolvedAt);
    if (Object.keys(set).length > 0) await t.updateTable('incidents').set(set as never).where('id', '=', id).execute();

    const add = [...new Set(change.addServices ?? [])].filter((s) => !before.services.includes(s));
    const remove = [...new Set(change.removeServices ?? [])].filter((s) => before.services.includes(s));
    for (const s of change.removeServices ?? []) {
      if (!before.services.includes(s)) throw new IncidentError('invalid', `service "${s}" is not an affected service of incident ${id}`, 'removeServices');
    }
    await requireServices(trx, add, 'addServices');
    if (add.length > 0) await t.insertInto('incident_services').values(add.map((service) => ({ incident_id: id, service }))).execute();
    if (remove.length > 0) await t.deleteFrom('incident_services').where('incident_id', '=', id).where('service', 'in', remove).execute();
    if (add.length > 0 || remove.length > 0) await appendEvent(trx, id, now, 'services_changed', by.actor, { added: add, removed: remove });
  });
  return incident;
}

/**
 * Gives `role` to `person` (a hand-over when someone held it: the event names both), or releases it (`person` null).
 * Giving a role to the person who holds it changes nothing.
 */
export async function assignRole(db: Kysely<Database>, id: string, role: IncidentRole, person: string | null, by: Actor): Promise<{ incident: Incident; changed: boolean }> {
  const { result, incident } = await withIncident(db, id, by, 'role', async (trx, before) => {
    const t = tables(trx);
    const held = before.roles.find((r) => r.role === role);
    if ((held?.person ?? null) === person) return false;
    if (person === null) {
      await t.deleteFrom('incident_roles').where('incident_id', '=', id).where('role', '=', role).execute();
      await appendEvent(trx, id, by.now, 'role_released', by.actor, { role, previous: held!.person });
      return true;
    }
    await requirePerson(trx, person, 'person');
    await t
      .insertInto('incident_roles')
      .values({ incident_id: id, role, person, since: by.now })
      .onConflict((oc) => oc.columns(['incident_id', 'role']).doUpdateSet({ person, since: by.now }))
      .execute();
    await appendEvent(trx, id, by.now, 'role_assigned', by.actor, { role, person, previous: held?.person ?? null });
    return true;
  });
  return { incident, changed: result };
}

/** A note on the timeline, of a kind (note, decision, irreversible action, dead end). */
export async function addNote(db: Kysely<Database>, id: string, note: { kind: NoteKind; text: string }, by: Actor): Promise<IncidentEvent> {
  const { result } = await withIncident(db, id, by, 'note', (trx) => appendEvent(trx, id, by.now, 'note', by.actor, { kind: note.kind, text: note.text }));
  return result;
}

/** Links a page to the incident (its service joins the affected services). Refuses a page already in an incident. */
export async function linkPage(db: Kysely<Database>, id: string, pageId: string, by: Actor): Promise<Incident> {
  const { incident } = await withIncident(db, id, by, 'link_page', async (trx, before) => {
    const t = tables(trx);
    const page = await t.selectFrom('pages').select(['id', 'service']).where('id', '=', pageId).forUpdate().executeTakeFirst();
    if (!page) throw new IncidentError('not_found', `page ${pageId} does not exist`, 'pageId');
    const taken = await incidentOfPage(trx, pageId);
    if (taken !== undefined) throw new IncidentError('conflict', `page ${pageId} is already in incident ${taken}`, 'pageId');
    await t.insertInto('incident_pages').values({ page_id: pageId, incident_id: id, linked_at: by.now, linked_by: by.actor }).execute();
    await appendEvent(trx, id, by.now, 'page_linked', by.actor, { pageId });
    if (page.service && !before.services.includes(page.service)) {
      await t.insertInto('incident_services').values({ incident_id: id, service: page.service }).execute();
      await appendEvent(trx, id, by.now, 'services_changed', by.actor, { added: [page.service], removed: [] });
    }
  });
  return incident;
}

/**
 * Posts a status update for the public (status page and subscribers). `deliver` runs in the same transaction with
 * the subscribers' URLs, so the notifications are queued if and only if the update is stored.
 */
export async function postStatusUpdate(
  db: Kysely<Database>,
  id: string,
  message: string,
  by: Actor & { deliver(trx: Transaction<Database>, incident: Incident, update: StatusUpdate, subscribers: Subscriber[]): Promise<number> },
): Promise<{ update: StatusUpdate; notified: number }> {
  const { result } = await withIncident(db, id, by, 'status_update', async (trx, before) => {
    const r = await tables(trx)
      .insertInto('incident_status_updates')
      .values({ incident_id: id, at: by.now, status: before.status, message, author: by.actor })
      .returningAll()
      .executeTakeFirstOrThrow();
    const update: StatusUpdate = { id: String(r.id), incidentId: id, at: iso(r.at)!, status: before.status, message, author: by.actor };
    await appendEvent(trx, id, by.now, 'status_update', by.actor, { updateId: update.id, status: update.status, message });
    const notified = await by.deliver(trx, before, update, await listSubscribers(trx, id));
    return { update, notified };
  });
  return result;
}

export async function addSubscriber(db: Kysely<Database>, id: string, url: string, by: Actor): Promise<Subscriber> {
  const { result } = await withIncident(db, id, by, 'subscribe', async (trx) => {
    const existing = (await listSubscribers(trx, id)).find((s) => s.url === url);
    if (existing) return existing;
    await tables(trx).insertInto('incident_subscribers').values({ incident_id: id, url, created_at: by.now, created_by: by.actor }).execute();
    await appendEvent(trx, id, by.now, 'subscriber_added', by.actor, { url: redactedUrl(url) });
    return (await listSubscribers(trx, id)).find((s) => s.url === url)!;
  });
  return result;
}

export async function removeSubscriber(db: Kysely<Database>, id: string, subscriberId: string, by: Actor): Promise<void> {
  await withIncident(db, id, by, 'unsubscribe', async (trx) => {
    const gone = await tables(trx).deleteFrom('incident_subscribers').where('incident_id', '=', id).where('id', '=', subscriberId).returning('url').executeTakeFirst();
    if (!gone) throw new IncidentError('not_found', `incident ${id} has no subscriber ${subscriberId}`, 'subscriberId');
    await appendEvent(trx, id, by.now, 'subscriber_removed', by.actor, { url: redactedUrl(gone.url) });
  });
}

/** Open incidents, and those resolved since `resolvedSince`, oldest first: what the public status page shows. */
export async function listCurrentIncidents(db: Db, resolvedSince: Date): Promise<Incident[]> {
  const rows = await tables(db)
    .selectFrom('incidents')
    .selectAll()
    .where((eb) => eb.or([eb('status', '<>', 'resolved'), eb('resolved_at', '>=', resolvedSince)]))
    .orderBy('id')
    .execute();
  return hydrate(db, rows);
}

/** How far before the impact start the timeline reaches for SLO alerts and changes (the likely causes). */
export const timelineLeadMs = 60 * 60_000;

/** The services and everything they depend on, transitively (Service spec `dependsOn`, hard and soft), sorted. */
export async function servicesWithDependencies(db: Db, services: readonly string[]): Promise<string[]> {
  const all = new Map((await listObjects(db, 'Service')).map((o) => [o.metadata.name, (o.spec as { dependsOn?: { service: string }[] }).dependsOn ?? []]));
  const seen = new Set<string>();
  const stack = [...services];
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const d of all.get(s) ?? []) stack.push(d.service);
  }
  return [...seen].sort();
}

/** Change events to the affected services and their dependencies in the `hours` before the impact start (inclusive). */
export async function changesBeforeImpact(db: Db, incident: Incident, hours: number): Promise<ChangeEvent[]> {
  const services = await servicesWithDependencies(db, incident.services);
  const to = new Date(incident.impactStartAt);
  return listChanges(db, { services, from: new Date(to.getTime() - hours * 3_600_000), to, limit: maxChangeListLimit });
}

/**
 * The whole timeline, assembled now from each module's own log: the incident's events; its linked pages' events and
 * escalation steps; SLO alert transitions of SLOs on the affected services; change events to the affected services
 * and their dependencies. SLO alerts and changes count from `timelineLeadMs` before the impact start to the
 * resolution (or `now`).
 */
export async function readIncidentTimeline(db: Db, incident: Incident, now: Date): Promise<TimelineEntry[]> {
  const from = new Date(Date.parse(incident.impactStartAt) - timelineLeadMs);
  const to = incident.resolvedAt ? new Date(incident.resolvedAt) : now;
  const entries: TimelineEntry[] = [];
  for (const e of await listIncidentEvents(db, incident.id)) {
    entries.push({
      at: e.at,
      source: 'incident',
      type: e.type,
      summary: describeIncidentEvent(e.type, e.actor, e.details),
      actor: e.actor,
      ...(e.type === 'note' ? { noteKind: e.details.kind as NoteKind } : {}),
      ref: { eventId: e.id },
      details: e.details,
    });
  }
  for (const pageId of incident.pageIds) {
    const page = await getPage(db, pageId);
    if (!page) continue;
    for (const e of await listPageEvents(db, pageId)) {
      entries.push({ at: e.at, source: 'page', type: e.type, summary: describePageEvent(pageId, page.title, e.type, e.actor, e.details), actor: e.actor, ref: { pageId, ...(page.service ? { service: page.service } : {}) }, details: e.details });
    }
    // Acknowledgements and resolutions are already page events; the escalation adds its steps and "nobody acknowledged".
    for (const e of await listEscalationEvents(db, pageId)) {
      if (e.type !== 'step_fired' && e.type !== 'unacknowledged') continue;
      entries.push({ at: e.at, source: 'escalation', type: e.type, summary: describeEscalationEvent(pageId, e.type, e.step, e.round, e.details), actor: e.actor, ref: { pageId }, details: e.details });
    }
  }
  const affected = new Set(incident.services);
  const slos = (await listObjects(db, 'SLO')).filter((o) => affected.has(String((o.spec as { service?: string }).service)));
  if (slos.length > 0) {
    const serviceOf = new Map(slos.map((o) => [o.metadata.name, String((o.spec as { service?: string }).service)]));
    const rows = await db
      .selectFrom('slo_alert_events')
      .selectAll()
      .where('slo', 'in', [...serviceOf.keys()])
      .where('at', '>=', from)
      .where('at', '<=', to)
      .orderBy('id')
      .execute();
    for (const r of rows) {
      entries.push({
        at: iso(r.at)!,
        source: 'slo_alert',
        type: r.state,
        summary: describeSloTransition(r.slo, r.kind, r.severity, r.state),
        actor: null,
        ref: { slo: r.slo, alertId: r.alert_id, service: serviceOf.get(r.slo)! },
        details: { kind: r.kind, severity: r.severity, ...r.details },
      });
    }
  }
  const services = await servicesWithDependencies(db, incident.services);
  for (const c of await listChanges(db, { services, from, to, limit: maxChangeListLimit })) {
    entries.push({
      at: c.at,
      source: 'change',
      type: c.kind,
      summary: describeChange(c.kind, c.service, c.version, c.summary, c.author),
      actor: c.author,
      ref: { changeId: c.id, ...(c.service ? { service: c.service } : {}) },
      details: { version: c.version, link: c.link, source: c.source, dependency: c.service !== null && !affected.has(c.service) },
    });
  }
  return orderTimeline(entries);
}
