// Incidents over HTTP: declare (by hand, or from a page in one step), list, show, change (status, severity, times,
// services), roles, notes, linked pages, the timeline, "what changed?", status updates and their subscribers.
// Responders edit (domain/incident/permissions: the owning team of an affected service, the team a linked page paged,
// the teams of role holders), admins always, viewers read. Every write is one transaction with its audit entry.
import type { FastifyInstance } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { objectName, url } from '../config/metadata.js';
import { detectedByValues, incidentRoles, incidentStatuses, noteKinds, severityScaleFromEnv, type IncidentRole, type SeverityScale } from '../domain/incident/lifecycle.js';
import { mayDeclareIncident, mayEditIncident, mayPostStatusUpdate } from '../domain/incident/permissions.js';
import type { Principal } from '../domain/permissions.js';
import { queueStatusUpdate } from '../notify/status-updates.js';
import {
  addNote,
  addSubscriber,
  assignRole,
  changeIncident,
  changesBeforeImpact,
  declareIncident,
  getIncident,
  IncidentError,
  linkPage,
  listIncidents,
  listStatusUpdates,
  listSubscribers,
  postStatusUpdate,
  readIncidentTimeline,
  redactedUrl,
  removeSubscriber,
  type Actor,
  type DeclareInput,
  type Incident,
  type Subscriber,
} from '../store/incidents.js';
import { listObjects } from '../store/objects.js';
import { getPage } from '../store/pages.js';
import type { Database } from '../store/schema.js';
import { requirePrincipal } from './auth.js';
import { ApiError, badRequest, forbidden, notFound } from './errors.js';

const id = z.string().regex(/^[1-9][0-9]{0,17}$/, 'an id, e.g. 12');
const idParams = z.object({ id });
const instant = z.iso.datetime({ offset: true, error: 'an RFC 3339 time with an offset, e.g. 2026-03-25T10:00:00Z' });
const title = z.string().trim().min(1, 'a title').max(300);
const publicTitle = z.string().trim().min(1).max(300);
const text = z.string().trim().min(1, 'some text').max(10_000);
const roles = z.strictObject(Object.fromEntries(incidentRoles.map((r) => [r, objectName.optional()])) as Record<IncidentRole, z.ZodOptional<typeof objectName>>);

/** A label; whether it is on this server's scale is checked by the route (the scale is configuration). */
const severityField = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$/, 'a severity label such as SEV2');

const declareFields = {
  publicTitle: publicTitle.optional().describe('what the public status page shows; a generic line naming the services when absent'),
  severity: severityField.optional().describe('a label of the severity scale (SEV1–SEV4 unless PAVE_INCIDENT_SEVERITIES says otherwise); the default severity when absent'),
  detectedBy: z.enum(detectedByValues).default('monitoring').describe('who noticed first: monitoring, customer or other'),
  services: z.array(objectName).max(50).default([]).describe('affected services; a promoted page adds its own'),
  impactStartAt: instant.optional().describe('when users first felt it (may be back-dated); the detection time when absent'),
  detectedAt: instant.optional().describe("when an operator could first see it; the page's trigger time, else now, when absent"),
  roles: roles.optional().describe('people in roles from the start, e.g. {"commander": "alice"}'),
  subscribers: z.array(url).max(20).optional().describe('webhook URLs that receive its status updates'),
  note: text.optional(),
};
const declareBody = z.strictObject({ title, fromPage: id.optional().describe('promote this page: it is linked, its service affected'), ...declareFields });
const promoteBody = z.strictObject({ title: title.optional().describe("the page's title when absent"), ...declareFields });
const changeBody = z
  .strictObject({
    title: title.optional(),
    publicTitle: publicTitle.nullable().optional(),
    status: z.enum(incidentStatuses).optional(),
    severity: severityField.optional(),
    detectedBy: z.enum(detectedByValues).optional(),
    impactStartAt: instant.optional(),
    detectedAt: instant.optional(),
    engagedAt: instant.nullable().optional().describe('a stated first response; null derives it again from acknowledgements and role joins'),
    mitigatedAt: instant.nullable().optional(),
    addServices: z.array(objectName).max(50).optional(),
    removeServices: z.array(objectName).max(50).optional(),
    reason: z.string().trim().min(1).max(2000).optional().describe('why: kept with a status or severity change'),
  })
  .refine((b) => Object.keys(b).some((k) => k !== 'reason'), 'nothing to change: give at least one field besides reason');
const roleParams = z.object({ id, role: z.enum(incidentRoles) });
const roleBody = z.strictObject({ person: objectName.nullable().describe('the person taking the role (a hand-over if someone held it); null releases it') });
const noteBody = z.strictObject({ kind: z.enum(noteKinds).default('note'), text });
const linkBody = z.strictObject({ pageId: id });
const updateBody = z.strictObject({ message: z.string().trim().min(1, 'a message').max(5000) });
const subscriberBody = z.strictObject({ url });
const subscriberParams = z.object({ id, subscriberId: id });
const listQuery = z.strictObject({
  status: z.enum(incidentStatuses).optional(),
  open: z.enum(['true', 'false']).optional().describe('true: not resolved; false: resolved'),
  service: objectName.optional(),
  team: objectName.optional(),
  from: instant.optional().describe('declared at or after'),
  to: instant.optional().describe('declared before'),
  before: id.optional().describe('incidents with a lower id: the next page of results'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const changesQuery = z.strictObject({ hours: z.coerce.number().int().min(1, 'from 1 to 720').max(720, 'from 1 to 720').default(24) });

/** A store refusal as an API error naming the field. */
function apiErrorOf(err: unknown): unknown {
  if (!(err instanceof IncidentError)) return err;
  const details = err.field ? [{ path: err.field, message: err.message }] : [];
  if (err.code === 'not_found') return new ApiError(404, 'not_found', err.message, details);
  if (err.code === 'conflict') return new ApiError(409, 'conflict', err.message, details);
  return new ApiError(400, 'bad_request', err.message, details);
}

async function refusingStore<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw apiErrorOf(err);
  }
}

/** Teams each person is a member of (Team `members`). */
async function teamsOf(db: Kysely<Database> | Transaction<Database>, people: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(people.map((p) => [p, []]));
  if (people.length === 0) return out;
  for (const t of await listObjects(db, 'Team')) {
    for (const m of (t.spec as { members?: string[] }).members ?? []) out.get(m)?.push(t.metadata.name);
  }
  return out;
}

async function pagedTeams(db: Kysely<Database> | Transaction<Database>, pageIds: readonly string[]): Promise<string[]> {
  const teams = new Set<string>();
  for (const p of pageIds) {
    const page = await getPage(db, p);
    if (page?.team) teams.add(page.team);
  }
  return [...teams];
}

async function serviceOwners(db: Kysely<Database> | Transaction<Database>, services: readonly string[]): Promise<string[]> {
  if (services.length === 0) return [];
  const rows = await db.selectFrom('objects').select('owner_team').where('kind', '=', 'Service').where('name', 'in', [...services]).execute();
  return [...new Set(rows.flatMap((r) => (r.owner_team ? [r.owner_team] : [])))];
}

/** Refuses unless `p` responds to the incident (or is an admin). */
async function authorizeEdit(p: Principal, incident: Incident, trx: Transaction<Database>): Promise<void> {
  if (p.role === 'admin') return;
  const holders = await teamsOf(trx, incident.roles.map((r) => r.person));
  const d = mayEditIncident(p, incident.id, {
    owningTeams: incident.teams,
    pagedTeams: await pagedTeams(trx, incident.pageIds),
    roleHolderTeams: [...holders.values()].flat(),
  });
  if (!d.allowed) throw forbidden(d.reason);
}

/** The subscribers as shown: never the whole URL (its path or query may be a secret). */
const shownSubscriber = (s: Subscriber) => ({ id: s.id, url: redactedUrl(s.url), createdAt: s.createdAt, createdBy: s.createdBy });

export function registerIncidents(app: FastifyInstance, db: Kysely<Database>, now: () => Date, scale: SeverityScale = severityScaleFromEnv(process.env)): void {
  /** The severity asked for, checked against the scale (a 400 naming the field, as a schema error would). */
  const severityOf = (value: string | undefined): string | undefined => {
    if (value === undefined || scale.levels.includes(value)) return value;
    throw new ApiError(400, 'bad_request', `severity must be one of ${scale.levels.join(', ')}, not "${value}"`, [
      { in: 'body', path: 'severity', message: `expected one of ${scale.levels.join(', ')}` },
    ]);
  };
  const actor = (req: { id: string }, principal: Principal, authorize: Actor['authorize']): Actor => ({ actor: principal.actor, requestId: req.id, now: now(), authorize });
  const editor = (req: { id: string }, principal: Principal): Actor => actor(req, principal, (incident, trx) => authorizeEdit(principal, incident, trx));

  async function declare(principal: Principal, requestId: string, input: DeclareInput): Promise<Incident> {
    return refusingStore(() =>
      declareIncident(db, input, {
        actor: principal.actor,
        requestId,
        now: now(),
        async authorize(services, trx) {
          const d = mayDeclareIncident(principal, await serviceOwners(trx, services), await pagedTeams(trx, input.pageIds));
          if (!d.allowed) throw forbidden(d.reason);
        },
      }),
    );
  }

  const declareInput = (b: z.infer<typeof promoteBody>, titleText: string, pageIds: string[]): DeclareInput => ({
    title: titleText,
    publicTitle: b.publicTitle ?? null,
    severity: severityOf(b.severity) ?? scale.default,
    detectedBy: b.detectedBy,
    services: b.services,
    pageIds,
    ...(b.impactStartAt ? { impactStartAt: new Date(b.impactStartAt) } : {}),
    ...(b.detectedAt ? { detectedAt: new Date(b.detectedAt) } : {}),
    ...(b.roles ? { roles: Object.fromEntries(Object.entries(b.roles).filter(([, v]) => v !== undefined)) } : {}),
    ...(b.subscribers ? { subscribers: b.subscribers } : {}),
    ...(b.note ? { note: b.note } : {}),
  });

  app.get(
    '/api/v1/incidents',
    { config: { access: 'read' }, schema: { tags: ['incidents'], summary: 'Incidents, newest first, with their time metrics', querystring: listQuery } },
    async (req) => {
      const q = req.query as z.infer<typeof listQuery>;
      const items = await listIncidents(db, {
        ...(q.status ? { status: q.status } : {}),
        ...(q.open ? { open: q.open === 'true' } : {}),
        ...(q.service ? { service: q.service } : {}),
        ...(q.team ? { team: q.team } : {}),
        ...(q.from ? { from: new Date(q.from) } : {}),
        ...(q.to ? { to: new Date(q.to) } : {}),
        ...(q.before ? { before: q.before } : {}),
        limit: q.limit,
      });
      return { items };
    },
  );

  app.post(
    '/api/v1/incidents',
    {
      config: { access: 'write' },
      schema: { tags: ['incidents'], summary: 'Declare an incident (members of a team owning an affected service or paged by `fromPage`, or admins; audited)', body: declareBody },
    },
    async (req, reply) => {
      const principal = requirePrincipal(req);
      const b = req.body as z.infer<typeof declareBody>;
      const incident = await declare(principal, req.id, declareInput(b, b.title, b.fromPage ? [b.fromPage] : []));
      return reply.status(201).send(incident);
    },
  );

  app.post(
    '/api/v1/pages/:id/incident',
    {
      config: { access: 'write' },
      schema: { tags: ['incidents'], summary: 'Promote a page to an incident in one step: linked, its service affected, its trigger the detection time', params: idParams, body: promoteBody },
    },
    async (req, reply) => {
      const principal = requirePrincipal(req);
      const { id: pageId } = req.params as { id: string };
      const b = (req.body ?? {}) as z.infer<typeof promoteBody>;
      const page = await getPage(db, pageId);
      if (!page) throw notFound(`page ${pageId} does not exist`);
      const incident = await declare(principal, req.id, declareInput(b, b.title ?? page.title, [pageId]));
      return reply.status(201).send(incident);
    },
  );

  app.get(
    '/api/v1/incidents/:id',
    { config: { access: 'read' }, schema: { tags: ['incidents'], summary: 'One incident: times and metrics, roles, pages, status updates, subscribers (URLs shortened)', params: idParams } },
    async (req) => {
      const { id: incidentId } = req.params as { id: string };
      const incident = await getIncident(db, incidentId);
      if (!incident) throw notFound(`incident ${incidentId} does not exist`);
      const [updates, subscribers] = await Promise.all([listStatusUpdates(db, [incidentId]), listSubscribers(db, incidentId)]);
      return { ...incident, statusUpdates: updates, subscribers: subscribers.map(shownSubscriber) };
    },
  );

  app.patch(
    '/api/v1/incidents/:id',
    {
      config: { access: 'write' },
      schema: {
        tags: ['incidents'],
        summary: 'Change an incident: status (investigating → identified → monitoring → resolved; refused transitions are 409), severity, times, services (responders or admins; audited)',
        params: idParams,
        body: changeBody,
      },
    },
    async (req) => {
      const principal = requirePrincipal(req);
      const { id: incidentId } = req.params as { id: string };
      const b = req.body as z.infer<typeof changeBody>;
      const at = (v: string | null | undefined): Date | null | undefined => (v === undefined ? undefined : v === null ? null : new Date(v));
      const change = {
        ...(b.title !== undefined ? { title: b.title } : {}),
        ...(b.publicTitle !== undefined ? { publicTitle: b.publicTitle } : {}),
        ...(b.status !== undefined ? { status: b.status } : {}),
        ...(b.severity !== undefined ? { severity: severityOf(b.severity)! } : {}),
        ...(b.detectedBy !== undefined ? { detectedBy: b.detectedBy } : {}),
        ...(b.impactStartAt !== undefined ? { impactStartAt: at(b.impactStartAt)! } : {}),
        ...(b.detectedAt !== undefined ? { detectedAt: at(b.detectedAt)! } : {}),
        ...(b.engagedAt !== undefined ? { engagedAt: at(b.engagedAt)! } : {}),
        ...(b.mitigatedAt !== undefined ? { mitigatedAt: at(b.mitigatedAt)! } : {}),
        ...(b.addServices !== undefined ? { addServices: b.addServices } : {}),
        ...(b.removeServices !== undefined ? { removeServices: b.removeServices } : {}),
        ...(b.reason !== undefined ? { reason: b.reason } : {}),
      };
      return refusingStore(() => changeIncident(db, incidentId, change, editor(req, principal)));
    },
  );

  app.put(
    '/api/v1/incidents/:id/roles/:role',
    {
      config: { access: 'write' },
      schema: { tags: ['incidents'], summary: 'Give a role (commander, operations, communications, planning) to a person, hand it over, or release it (null); history kept', params: roleParams, body: roleBody },
    },
    async (req) => {
      const principal = requirePrincipal(req);
      const { id: incidentId, role } = req.params as z.infer<typeof roleParams>;
      const { person } = req.body as z.infer<typeof roleBody>;
      const r = await refusingStore(() =>
        assignRole(
          db,
          incidentId,
          role,
          person,
          actor(req, principal, async (incident, trx) => {
            if (person === null && !incident.roles.some((x) => x.role === role)) throw badRequest(`nobody holds the ${role} role of incident ${incidentId}`, [{ path: 'person', message: 'nobody to release' }]);
            await authorizeEdit(principal, incident, trx);
          }),
        ),
      );
      return { ...r.incident, changed: r.changed };
    },
  );

  app.post(
    '/api/v1/incidents/:id/notes',
    { config: { access: 'write' }, schema: { tags: ['incidents'], summary: 'A note on the timeline: note, decision, irreversible_action or dead_end (responders or admins)', params: idParams, body: noteBody } },
    async (req, reply) => {
      const principal = requirePrincipal(req);
      const { id: incidentId } = req.params as { id: string };
      const b = req.body as z.infer<typeof noteBody>;
      const event = await refusingStore(() => addNote(db, incidentId, { kind: b.kind, text: b.text }, editor(req, principal)));
      return reply.status(201).send(event);
    },
  );

  app.post(
    '/api/v1/incidents/:id/pages',
    { config: { access: 'write' }, schema: { tags: ['incidents'], summary: 'Link another page to the incident (its service becomes affected)', params: idParams, body: linkBody } },
    async (req) => {
      const principal = requirePrincipal(req);
      const { id: incidentId } = req.params as { id: string };
      const { pageId } = req.body as z.infer<typeof linkBody>;
      return refusingStore(() => linkPage(db, incidentId, pageId, editor(req, principal)));
    },
  );

  app.get(
    '/api/v1/incidents/:id/timeline',
    {
      config: { access: 'read' },
      schema: {
        tags: ['incidents'],
        summary: "The timeline, assembled from each module's log: the incident's events and notes, its pages and escalations, SLO alerts of the affected services, changes to them and their dependencies",
        params: idParams,
      },
    },
    async (req) => {
      const { id: incidentId } = req.params as { id: string };
      const incident = await getIncident(db, incidentId);
      if (!incident) throw notFound(`incident ${incidentId} does not exist`);
      return { incident: { id: incident.id, impactStartAt: incident.impactStartAt, resolvedAt: incident.resolvedAt }, items: await readIncidentTimeline(db, incident, now()) };
    },
  );

  app.get(
    '/api/v1/incidents/:id/changes',
    {
      config: { access: 'read' },
      schema: { tags: ['incidents'], summary: 'What changed? Changes to the affected services and their dependencies in the `hours` (default 24) before the impact start, newest first', params: idParams, querystring: changesQuery },
    },
    async (req) => {
      const { id: incidentId } = req.params as { id: string };
      const { hours } = req.query as z.infer<typeof changesQuery>;
      const incident = await getIncident(db, incidentId);
      if (!incident) throw notFound(`incident ${incidentId} does not exist`);
      const items = await changesBeforeImpact(db, incident, hours);
      return { from: new Date(Date.parse(incident.impactStartAt) - hours * 3_600_000).toISOString(), to: incident.impactStartAt, items };
    },
  );

  app.post(
    '/api/v1/incidents/:id/updates',
    {
      config: { access: 'write' },
      schema: { tags: ['incidents'], summary: 'A public status update (the communications lead or an admin): on the status page, and sent to the subscribers through the outbox', params: idParams, body: updateBody },
    },
    async (req, reply) => {
      const principal = requirePrincipal(req);
      const { id: incidentId } = req.params as { id: string };
      const { message } = req.body as z.infer<typeof updateBody>;
      const at = now();
      const r = await refusingStore(() =>
        postStatusUpdate(db, incidentId, message, {
          actor: principal.actor,
          requestId: req.id,
          now: at,
          async authorize(incident, trx) {
            if (principal.role === 'admin') return;
            const lead = incident.roles.find((x) => x.role === 'communications')?.person ?? null;
            const teams = lead === null ? [] : ((await teamsOf(trx, [lead])).get(lead) ?? []);
            const d = mayPostStatusUpdate(principal, incident.id, lead, teams);
            if (!d.allowed) throw forbidden(d.reason);
          },
          deliver: (trx, incident, update, subscribers) => queueStatusUpdate(trx, incident, update, subscribers, at),
        }),
      );
      // The outbox sends within milliseconds instead of at its next poll.
      if (r.notified > 0) app.outbox?.nudge();
      return reply.status(201).send({ ...r.update, notified: r.notified });
    },
  );

  app.post(
    '/api/v1/incidents/:id/subscribers',
    { config: { access: 'write' }, schema: { tags: ['incidents'], summary: "Subscribe a webhook URL to the incident's status updates (responders or admins)", params: idParams, body: subscriberBody } },
    async (req, reply) => {
      const principal = requirePrincipal(req);
      const { id: incidentId } = req.params as { id: string };
      const { url: target } = req.body as z.infer<typeof subscriberBody>;
      const s = await refusingStore(() => addSubscriber(db, incidentId, target, editor(req, principal)));
      return reply.status(201).send(shownSubscriber(s));
    },
  );

  app.delete(
    '/api/v1/incidents/:id/subscribers/:subscriberId',
    { config: { access: 'write' }, schema: { tags: ['incidents'], summary: 'Remove a subscriber', params: subscriberParams } },
    async (req) => {
      const principal = requirePrincipal(req);
      const { id: incidentId, subscriberId } = req.params as z.infer<typeof subscriberParams>;
      await refusingStore(() => removeSubscriber(db, incidentId, subscriberId, editor(req, principal)));
      return { removed: subscriberId };
    },
  );
}
