// Postmortems and their action items over HTTP, keyed by the incident (one postmortem per incident):
//   POST  /api/v1/incidents/{id}/postmortem                start the prefilled draft (idempotent)
//   GET   /api/v1/incidents/{id}/postmortem[/markdown]     the document with its computed parts, or its Markdown export
//   PATCH /api/v1/incidents/{id}/postmortem                edit sections (not once published)
//   POST  /api/v1/incidents/{id}/postmortem/status         draft → in_review → published (or back to draft)
//   POST  /api/v1/incidents/{id}/postmortem/action-items   add an action item
//   PATCH /api/v1/action-items/{id}                        update one
//   GET   /api/v1/postmortems, /api/v1/action-items        lists
// Writers: admins, and members of a responding team (domain/incident/permissions: owners of the affected services,
// teams the linked pages paged, teams of role holders); everyone else with read access reads. Every write is audited.
// The impact (SLO budget spent in the incident window), the time metrics and the timeline are computed on each read
// until publication, and frozen into the postmortem when it is published.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { objectName, url } from '../config/metadata.js';
import { mayEditIncident } from '../domain/incident/permissions.js';
import type { Principal } from '../domain/permissions.js';
import {
  actionItemStatuses,
  actionItemTypes,
  businessDaysAfter,
  goalsMissed,
  isOverdue,
  postmortemMarkdown,
  postmortemPolicyFromEnv,
  postmortemReasons,
  postmortemStatuses,
  postmortemWarnings,
  repairTags,
  sectionNames,
  type ActionItem,
  type GoalMiss,
  type PostmortemPolicy,
  type PostmortemSections,
  type PostmortemStatus,
  type PostmortemView,
  type SloImpact,
  type TimelineEntry,
  type TimeMetrics,
} from '../domain/postmortem/index.js';
import { addActionItem, getActionItem, listActionItems, updateActionItem, type ActionItemPatch } from '../store/action-items.js';
import { getIncident, listIncidents, readIncidentTimeline, type Incident } from '../store/incidents.js';
import { getObject, listObjects } from '../store/objects.js';
import { getPage } from '../store/pages.js';
import {
  changePostmortemStatus,
  editPostmortem,
  ensurePostmortem,
  getPostmortem,
  getPostmortemOfIncident,
  listPostmortems,
  readSloImpact,
  type StoredPostmortem,
} from '../store/postmortems.js';
import type { Database } from '../store/schema.js';
import { requirePrincipal } from './auth.js';
import { ApiError, badRequest, forbidden, notFound } from './errors.js';

const id = z.string().regex(/^[1-9][0-9]{0,17}$/, 'an id, e.g. 12');
const incidentParams = z.object({ id: id.describe('the incident id') });
const itemParams = z.object({ id: id.describe('the action item id') });

/** A calendar date that exists, YYYY-MM-DD. */
const localDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .refine((d) => new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'no such date');
const sectionText = z.string().max(50_000, 'at most 50,000 characters');
const sectionsBody = z
  .strictObject(Object.fromEntries(sectionNames.map((n) => [n, sectionText.optional()])) as Record<keyof PostmortemSections, z.ZodOptional<typeof sectionText>>)
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: `name at least one section: ${sectionNames.join(', ')}` });
const statusBody = z.strictObject({ status: z.enum(postmortemStatuses as [PostmortemStatus, ...PostmortemStatus[]]) });
const itemFields = {
  title: z.string().trim().min(1, 'what is to be done').max(500),
  type: z.enum(actionItemTypes as [string, ...string[]], { error: `one of ${actionItemTypes.join(', ')}` }),
  tag: z.enum(repairTags as [string, ...string[]], { error: `one of ${repairTags.join(', ')}` }).nullable(),
  owner: objectName.describe('a Person or a Team of the catalog'),
  team: objectName.describe('the team that carries the item in repair-debt reports; default: the owner (a team) or their team'),
  service: objectName.nullable().describe('one of the incident\'s services'),
  dueDate: localDate.nullable(),
  status: z.enum(actionItemStatuses as [string, ...string[]], { error: `one of ${actionItemStatuses.join(', ')}` }),
  link: url.nullable(),
};
const newItemBody = z.strictObject({
  ...itemFields,
  tag: itemFields.tag.optional(),
  team: itemFields.team.optional(),
  service: itemFields.service.optional(),
  dueDate: itemFields.dueDate.optional(),
  status: itemFields.status.default('open'),
  link: itemFields.link.optional(),
});
const itemPatchBody = z
  .strictObject(Object.fromEntries(Object.entries(itemFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof itemFields]: z.ZodOptional<(typeof itemFields)[K]> })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: `name at least one field: ${Object.keys(itemFields).join(', ')}` });

const minutesOf = (ms: number | null): number | null => (ms === null ? null : ms / 60_000);

/** The teams that may edit the incident's postmortem, as domain/incident/permissions sees them. */
async function respondersOf(db: Kysely<Database>, incident: Incident): Promise<{ owningTeams: string[]; pagedTeams: string[]; roleHolderTeams: string[] }> {
  const pagedTeams: string[] = [];
  for (const pageId of incident.pageIds) {
    const team = (await getPage(db, pageId))?.team;
    if (team) pagedTeams.push(team);
  }
  const holders = new Set(incident.roles.map((r) => r.person));
  const teams = await listObjects(db, 'Team');
  const roleHolderTeams = teams.filter((t) => ((t.spec as { members?: string[] }).members ?? []).some((m) => holders.has(m))).map((t) => t.metadata.name);
  return { owningTeams: incident.teams, pagedTeams: [...new Set(pagedTeams)], roleHolderTeams };
}

/** The computed parts of a postmortem: what is frozen at publication. */
interface Computed {
  impact: SloImpact[];
  impactSkipped: { slo: string; reason: string }[];
  metrics: TimeMetrics;
  missedGoals: GoalMiss[];
  timeline: TimelineEntry[];
}

async function compute(db: Kysely<Database>, incident: Incident, policy: PostmortemPolicy, now: Date): Promise<Computed> {
  const to = Date.parse(incident.mitigatedAt ?? incident.resolvedAt ?? now.toISOString());
  const { impact, skipped } = await readSloImpact(db, incident.services, Date.parse(incident.impactStartAt), Math.max(to, Date.parse(incident.impactStartAt)));
  const m = incident.metrics;
  const metrics: TimeMetrics = { ttdMinutes: minutesOf(m.ttdMs), tteMinutes: minutesOf(m.tteMs), ttfMinutes: minutesOf(m.ttfMs), ttmMinutes: minutesOf(m.ttmMs) };
  const timeline = (await readIncidentTimeline(db, incident, now)).map((e) => ({ at: e.at, kind: e.noteKind ?? `${e.source}:${e.type}`, text: e.summary }));
  return { impact, impactSkipped: skipped, metrics, missedGoals: goalsMissed(metrics, policy.goals), timeline };
}

/** The due date: `policy.dueBusinessDays` after the incident resolved (or from now), in the owning team's zone or UTC. */
async function dueDateOf(db: Kysely<Database>, incident: Incident, policy: PostmortemPolicy, now: Date): Promise<{ date: string; dueAt: number }> {
  const team = incident.teams[0] ? await getObject(db, 'Team', incident.teams[0]) : undefined;
  const zone = (team?.spec as { timezone?: string } | undefined)?.timezone ?? 'UTC';
  return businessDaysAfter(Date.parse(incident.resolvedAt ?? now.toISOString()), policy.dueBusinessDays, zone);
}

export type PostmortemResponse = PostmortemView & { impactSkipped: { slo: string; reason: string }[]; overdue: boolean; incidentId: string };

export async function buildPostmortemView(db: Kysely<Database>, incident: Incident, pm: StoredPostmortem, policy: PostmortemPolicy, now: Date): Promise<PostmortemResponse> {
  const computed = pm.status === 'published' && pm.snapshot ? (pm.snapshot as Computed) : await compute(db, incident, policy, now);
  const items = await listActionItems(db, { postmortemIds: [pm.id] });
  const people = (await listObjects(db, 'Person')).map((p) => ({ name: p.metadata.name, displayName: (p.spec as { displayName?: string }).displayName }));
  return {
    id: pm.id,
    incidentId: incident.id,
    incident: {
      id: incident.id,
      title: incident.title,
      severity: incident.severity,
      status: incident.status,
      services: incident.services,
      team: incident.teams[0] ?? null,
      detectedBy: incident.detectedBy,
      impactStartAt: incident.impactStartAt,
      detectedAt: incident.detectedAt,
      engagedAt: incident.engagedAt,
      mitigatedAt: incident.mitigatedAt,
      resolvedAt: incident.resolvedAt,
      roles: Object.fromEntries(incident.roles.map((r) => [r.role, r.person])),
    },
    status: pm.status,
    requiredBecause: pm.requiredBecause,
    dueDate: pm.dueDate,
    overdue: pm.status !== 'published' && pm.dueAt !== null && Date.parse(pm.dueAt) <= now.getTime(),
    sections: pm.sections,
    impact: computed.impact,
    impactSkipped: computed.impactSkipped,
    metrics: computed.metrics,
    missedGoals: computed.missedGoals,
    timeline: computed.timeline,
    actionItems: items,
    warnings: postmortemWarnings({ sections: pm.sections, people, missed: computed.missedGoals, actionItems: items }),
    createdAt: pm.createdAt,
    updatedAt: pm.updatedAt,
    publishedAt: pm.publishedAt,
  };
}

/** A short factual summary for a new draft; people replace it. */
function draftSummary(i: Incident): string {
  const until = i.mitigatedAt ?? i.resolvedAt;
  return `${i.severity} incident "${i.title}" on ${i.services.join(', ') || 'no named service'}: impact from ${i.impactStartAt}${until ? ` until ${until}` : ''}, detected by ${i.detectedBy}.`;
}

export interface PostmortemDue {
  incidentId: string;
  title: string;
  /** `missing` when nobody started it. */
  status: PostmortemStatus | 'missing';
  requiredBecause: string[];
  dueDate: string | null;
  overdue: boolean;
}

/**
 * Postmortems the policy requires that are not published, for incidents declared in [from, to) (at most 1,000, newest
 * first): those started and those nobody started yet (due from the incident's resolution; no date while it is open).
 */
export async function postmortemsDue(db: Kysely<Database>, policy: PostmortemPolicy, from: Date, to: Date, now: Date): Promise<PostmortemDue[]> {
  const incidents = await listIncidents(db, { from, to, limit: 1000 });
  const stored = new Map((await listPostmortems(db, { incidentIds: incidents.map((i) => i.id) })).map((p) => [p.incidentId, p]));
  const out: PostmortemDue[] = [];
  for (const i of [...incidents].reverse()) {
    const pm = stored.get(i.id);
    const reasons = pm?.requiredBecause ?? postmortemReasons(policy, { severity: i.severity, paged: i.pageIds.length > 0 });
    if (reasons.length === 0 || pm?.status === 'published') continue;
    const due = pm ? (pm.dueAt ? { date: pm.dueDate!, dueAt: Date.parse(pm.dueAt) } : null) : i.resolvedAt ? await dueDateOf(db, i, policy, now) : null;
    out.push({ incidentId: i.id, title: i.title, status: pm?.status ?? 'missing', requiredBecause: reasons, dueDate: due?.date ?? null, overdue: due !== null && due.dueAt <= now.getTime() });
  }
  return out;
}

export function registerPostmortems(app: FastifyInstance, db: Kysely<Database>, now: () => Date, policy: PostmortemPolicy = postmortemPolicyFromEnv(process.env)): void {
  const incidentOr404 = async (incidentId: string): Promise<Incident> => {
    const i = await getIncident(db, incidentId);
    if (!i) throw notFound(`incident ${incidentId} does not exist`);
    return i;
  };
  const postmortemOr404 = async (incidentId: string): Promise<StoredPostmortem> => {
    const pm = await getPostmortemOfIncident(db, incidentId);
    if (!pm) throw notFound(`incident ${incidentId} has no postmortem yet: POST /api/v1/incidents/${incidentId}/postmortem (pave postmortem start ${incidentId}) starts the draft`);
    return pm;
  };
  const authorizeFor = async (p: Principal, incident: Incident): Promise<void> => {
    const d = mayEditIncident(p, incident.id, await respondersOf(db, incident));
    if (!d.allowed) throw forbidden(`${d.reason} (postmortems are edited by the incident's responders)`);
  };
  const refused = (message: string) => new ApiError(409, 'conflict', message);
  const startDraft = async (incident: Incident, p: Principal, requestId: string): Promise<{ postmortem: StoredPostmortem; created: boolean }> => {
    // Most calls (every edit) find it: no insert attempt, so no identity value is spent on a conflict.
    const existing = await getPostmortemOfIncident(db, incident.id);
    if (existing) return { postmortem: existing, created: false };
    const at = now();
    const due = await dueDateOf(db, incident, policy, at);
    const reasons = postmortemReasons(policy, { severity: incident.severity, paged: incident.pageIds.length > 0 });
    return ensurePostmortem(db, incident.id, { dueDate: due.date, dueAt: new Date(due.dueAt), requiredBecause: reasons, sections: { summary: draftSummary(incident) } }, { actor: p.actor, requestId, now: at });
  };

  app.post(
    '/api/v1/incidents/:id/postmortem',
    {
      config: { access: 'write' },
      schema: {
        tags: ['postmortems'],
        summary: "Start the incident's postmortem: a draft prefilled with a summary, the SLO impact and the timeline (idempotent: 201 when made, 200 when it existed)",
        params: incidentParams,
      },
    },
    async (req, reply) => {
      const p = requirePrincipal(req);
      const incident = await incidentOr404((req.params as { id: string }).id);
      await authorizeFor(p, incident);
      const { postmortem, created } = await startDraft(incident, p, req.id);
      reply.code(created ? 201 : 200);
      return buildPostmortemView(db, incident, postmortem, policy, now());
    },
  );

  app.get(
    '/api/v1/incidents/:id/postmortem',
    { config: { access: 'read' }, schema: { tags: ['postmortems'], summary: "The incident's postmortem: sections, impact, time metrics, timeline, action items, warnings", params: incidentParams } },
    async (req) => {
      const incidentId = (req.params as { id: string }).id;
      const incident = await incidentOr404(incidentId);
      return buildPostmortemView(db, incident, await postmortemOr404(incidentId), policy, now());
    },
  );

  app.get(
    '/api/v1/incidents/:id/postmortem/markdown',
    { config: { access: 'read' }, schema: { tags: ['postmortems'], summary: "The incident's postmortem as Markdown (text/markdown)", params: incidentParams } },
    async (req, reply) => {
      const incidentId = (req.params as { id: string }).id;
      const incident = await incidentOr404(incidentId);
      const view = await buildPostmortemView(db, incident, await postmortemOr404(incidentId), policy, now());
      reply.type('text/markdown; charset=utf-8');
      return postmortemMarkdown(view);
    },
  );

  app.patch(
    '/api/v1/incidents/:id/postmortem',
    {
      config: { access: 'write' },
      schema: {
        tags: ['postmortems'],
        summary: 'Replace sections of the postmortem (drafts and postmortems in review; starts the draft if there is none). Blame earns warnings, never a refusal',
        params: incidentParams,
        body: sectionsBody,
      },
    },
    async (req) => {
      const p = requirePrincipal(req);
      const incident = await incidentOr404((req.params as { id: string }).id);
      await authorizeFor(p, incident);
      const { postmortem } = await startDraft(incident, p, req.id);
      const r = await editPostmortem(db, postmortem.id, req.body as Partial<PostmortemSections>, { actor: p.actor, requestId: req.id, now: now(), authorize: () => undefined });
      if (r.outcome === 'not_found') throw notFound(`postmortem ${postmortem.id} does not exist`);
      if (r.outcome === 'refused') throw refused(r.message);
      return buildPostmortemView(db, incident, r.postmortem, policy, now());
    },
  );

  app.post(
    '/api/v1/incidents/:id/postmortem/status',
    {
      config: { access: 'write' },
      schema: {
        tags: ['postmortems'],
        summary: 'Move the postmortem: draft → in_review → published, or in_review → draft. Publishing freezes the computed impact, metrics and timeline',
        params: incidentParams,
        body: statusBody,
      },
    },
    async (req) => {
      const p = requirePrincipal(req);
      const incidentId = (req.params as { id: string }).id;
      const incident = await incidentOr404(incidentId);
      await authorizeFor(p, incident);
      const pm = await postmortemOr404(incidentId);
      const to = (req.body as { status: PostmortemStatus }).status;
      const snapshot = to === 'published' ? await compute(db, incident, policy, now()) : undefined;
      const r = await changePostmortemStatus(db, pm.id, to, { actor: p.actor, requestId: req.id, now: now(), authorize: () => undefined, snapshot });
      if (r.outcome === 'not_found') throw notFound(`postmortem ${pm.id} does not exist`);
      if (r.outcome === 'refused') throw new ApiError(409, 'conflict', r.message, [{ in: 'body', path: 'status', message: r.message }]);
      return buildPostmortemView(db, incident, r.postmortem, policy, now());
    },
  );

  /** Checks an item's references: the owner exists, the service is the incident's, a tag only on repair items. */
  const checkItem = async (incident: Incident, item: { owner?: string; service?: string | null; type?: string; tag?: string | null; team?: string }): Promise<{ ownerTeam: string | null }> => {
    const problems: { in: string; path: string; message: string }[] = [];
    let ownerTeam: string | null = null;
    if (item.owner !== undefined) {
      const [person, team] = await Promise.all([getObject(db, 'Person', item.owner), getObject(db, 'Team', item.owner)]);
      if (!person && !team) problems.push({ in: 'body', path: 'owner', message: `no Person or Team named ${item.owner}` });
      if (team) ownerTeam = team.metadata.name;
      else if (person) {
        const teams = (await listObjects(db, 'Team')).filter((t) => ((t.spec as { members?: string[] }).members ?? []).includes(item.owner!)).map((t) => t.metadata.name);
        ownerTeam = teams.find((t) => incident.teams.includes(t)) ?? teams[0] ?? null;
      }
    }
    if (item.team !== undefined && !(await getObject(db, 'Team', item.team))) problems.push({ in: 'body', path: 'team', message: `no Team named ${item.team}` });
    if (item.service !== undefined && item.service !== null && !incident.services.includes(item.service)) {
      problems.push({ in: 'body', path: 'service', message: `not one of the incident's services (${incident.services.join(', ') || 'none'})` });
    }
    if (item.tag !== undefined && item.tag !== null && item.type !== undefined && item.type !== 'repair') {
      problems.push({ in: 'body', path: 'tag', message: 'only repair items carry a tag (detection, engagement, diagnosis)' });
    }
    if (problems.length) throw badRequest(problems.map((x) => `${x.path}: ${x.message}`).join('; '), problems);
    return { ownerTeam };
  };

  app.post(
    '/api/v1/incidents/:id/postmortem/action-items',
    {
      config: { access: 'write' },
      schema: { tags: ['postmortems'], summary: "Add an action item to the incident's postmortem (starts the draft if there is none)", params: incidentParams, body: newItemBody },
    },
    async (req, reply) => {
      const p = requirePrincipal(req);
      const incident = await incidentOr404((req.params as { id: string }).id);
      await authorizeFor(p, incident);
      const b = req.body as z.infer<typeof newItemBody>;
      const { ownerTeam } = await checkItem(incident, b);
      const { postmortem } = await startDraft(incident, p, req.id);
      const item = await addActionItem(
        db,
        postmortem,
        {
          title: b.title,
          type: b.type as ActionItem['type'],
          tag: (b.tag ?? null) as ActionItem['tag'],
          owner: b.owner,
          team: b.team ?? ownerTeam ?? incident.teams[0] ?? b.owner,
          service: b.service ?? (incident.services.length === 1 ? incident.services[0]! : null),
          dueDate: b.dueDate ?? null,
          status: b.status as ActionItem['status'],
          link: b.link ?? null,
        },
        { actor: p.actor, requestId: req.id, now: now() },
      );
      reply.code(201);
      return item;
    },
  );

  app.patch(
    '/api/v1/action-items/:id',
    { config: { access: 'write' }, schema: { tags: ['postmortems'], summary: 'Update an action item (status, owner, due date, ...): the incident\'s responders and admins', params: itemParams, body: itemPatchBody } },
    async (req) => {
      const p = requirePrincipal(req);
      const itemId = (req.params as { id: string }).id;
      const existing = await getActionItem(db, itemId);
      if (!existing) throw notFound(`action item ${itemId} does not exist`);
      const incident = await incidentOr404(existing.incidentId);
      await authorizeFor(p, incident);
      const b = req.body as ActionItemPatch;
      await checkItem(incident, { ...b, type: b.type ?? existing.type, tag: b.tag === undefined ? (b.type !== undefined ? existing.tag : undefined) : b.tag });
      const updated = await updateActionItem(db, itemId, b, { actor: p.actor, requestId: req.id, now: now(), authorize: () => undefined });
      if (!updated) throw notFound(`action item ${itemId} does not exist`);
      return updated;
    },
  );

  app.get(
    '/api/v1/action-items',
    {
      config: { access: 'read' },
      schema: {
        tags: ['postmortems'],
        summary: 'Action items, oldest first, with whether each is overdue now',
        querystring: z.strictObject({
          team: objectName.optional(),
          service: objectName.optional(),
          open: z.enum(['true', 'false']).optional().describe('true: not done or won\'t do'),
          overdue: z.enum(['true']).optional().describe('only items open after their due date'),
        }),
      },
    },
    async (req) => {
      const q = req.query as { team?: string; service?: string; open?: string; overdue?: string };
      const at = now();
      const items = (await listActionItems(db, { ...(q.team ? { team: q.team } : {}), ...(q.service ? { service: q.service } : {}) }))
        .map((i) => ({ ...i, overdue: isOverdue(i, at.getTime()) }))
        .filter((i) => (q.open === undefined ? true : (i.closedAt === null) === (q.open === 'true')))
        .filter((i) => (q.overdue ? i.overdue : true));
      return { items };
    },
  );

  app.get(
    '/api/v1/postmortems',
    {
      config: { access: 'read' },
      schema: {
        tags: ['postmortems'],
        summary: 'Postmortems, oldest first, with their incident, due date and whether overdue',
        querystring: z.strictObject({ status: z.enum(postmortemStatuses as [string, ...string[]]).optional() }),
      },
    },
    async (req) => {
      const q = req.query as { status?: PostmortemStatus };
      const at = now().getTime();
      const list = await listPostmortems(db, q.status ? { status: q.status } : {});
      const items = [];
      for (const pm of list) {
        const incident = await getIncident(db, pm.incidentId);
        items.push({
          id: pm.id,
          incidentId: pm.incidentId,
          title: incident?.title ?? null,
          severity: incident?.severity ?? null,
          status: pm.status,
          dueDate: pm.dueDate,
          overdue: pm.status !== 'published' && pm.dueAt !== null && Date.parse(pm.dueAt) <= at,
          updatedAt: pm.updatedAt,
          publishedAt: pm.publishedAt,
        });
      }
      return { items };
    },
  );

  // Looked up by postmortem id too, for links that carry it (the web UI, audit entries).
  app.get(
    '/api/v1/postmortems/:id',
    { config: { access: 'read' }, schema: { tags: ['postmortems'], summary: 'One postmortem by its own id', params: z.object({ id }) } },
    async (req) => {
      const pmId = (req.params as { id: string }).id;
      const pm = await getPostmortem(db, pmId);
      if (!pm) throw notFound(`postmortem ${pmId} does not exist`);
      return buildPostmortemView(db, await incidentOr404(pm.incidentId), pm, policy, now());
    },
  );
}
