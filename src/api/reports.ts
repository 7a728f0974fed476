// Reports: the on-call load of a schedule over a range (pages per shift, night and weekend pages, time to acknowledge
// and resolve, noisiest alerts, fairness, rotation health), computed by domain/oncall/load from its shifts and the
// pages routed to its team; repair debt (action items over time), incident time metrics as percentiles, and the
// weekly production report (JSON, Markdown, HTML, or emailed over SMTP).
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { oncallLoad, type LoadPage, type OncallLoad } from '../domain/oncall/load.js';
import { shiftsBetween } from '../domain/oncall/shifts.js';
import { listObjects } from '../store/objects.js';
import { listTeamPagesCreated, type Page } from '../store/pages.js';
import type { Database } from '../store/schema.js';
import { objectName } from '../config/metadata.js';
import { isOverdue, postmortemPolicyFromEnv, type PostmortemPolicy } from '../domain/postmortem/index.js';
import { incidentMetrics, repairDebt } from '../domain/reports/metrics.js';
import { isoWeekOf, isoWeekRange, weeklyHtml, weeklyMarkdown, type WeeklyIncident, type WeeklyOncall, type WeeklyReport, type WeeklySlo } from '../domain/reports/weekly.js';
import { smtpOptionsFromEnv, smtpTransport } from '../notify/email.js';
import { listActionItems } from '../store/action-items.js';
import { appendAudit } from '../store/audit.js';
import { listIncidents } from '../store/incidents.js';
import { requirePrincipal } from './auth.js';
import { ApiError, badRequest } from './errors.js';
import { postmortemsDue } from './postmortems.js';
import { instantText, instantWithOffset, loadSchedule, scheduleObject } from './oncall.js';

const DAY_MS = 86_400_000;
/** At most a year per report (pages and shifts are read whole). */
export const maxReportDays = 366;

const iso = (ms: number) => new Date(ms).toISOString();

/** The report's view of a stored page: times as epoch ms. */
function loadPage(p: Page): LoadPage {
  const ms = (t: string | null) => (t === null ? null : Date.parse(t));
  return { id: p.id, title: p.title, createdAt: Date.parse(p.createdAt), acknowledgedAt: ms(p.acknowledgedAt), resolvedAt: ms(p.resolvedAt) };
}

/** The on-call load of one schedule over [from, to): its shifts and the pages routed to its team. */
export async function scheduleLoad(db: Kysely<Database>, object: Awaited<ReturnType<typeof scheduleObject>>, from: number, to: number): Promise<OncallLoad> {
  const loaded = await loadSchedule(db, object, from, to);
  const people = await listObjects(db, 'Person');
  const zones = new Map(people.map((p) => [p.metadata.name, String((p.spec as { timezone?: string }).timezone ?? 'UTC')]));
  const participants = [...new Set(loaded.schedule.layers.flatMap((l) => l.participants))];
  return oncallLoad({
    fromMs: from,
    toMs: to,
    shifts: shiftsBetween(loaded.schedule, from, to),
    pages: (await listTeamPagesCreated(db, object.spec.owner, from, to)).map(loadPage),
    participants,
    zones,
  });
}

export function registerReports(app: FastifyInstance, db: Kysely<Database>, now: () => Date): void {
  app.get(
    '/api/v1/reports/oncall-load',
    {
      config: { access: 'read' },
      schema: {
        tags: ['reports'],
        summary: 'On-call load of a schedule over a range',
        description:
          'Per person and per shift: pages (counted against whoever was on call when the page was created), pages in the ' +
          "responder's night (22:00–07:00 in their own zone) and weekend, time to acknowledge and to resolve, pages per " +
          '12 hours on call against the limit of two; the noisiest alerts, fairness across people, and rotation health ' +
          'warnings (REFERENCE §3). Pages are those routed to the schedule\'s team. Default range: the last 28 days.',
        querystring: z.strictObject({
          schedule: z.string().min(1).max(253),
          from: instantText.optional().describe('start, ISO 8601 with an offset; default 28 days before `to`'),
          to: instantText.optional().describe('end (exclusive), ISO 8601 with an offset; default now'),
        }),
      },
    },
    async (req) => {
      const q = req.query as { schedule: string; from?: string; to?: string };
      const to = q.to === undefined ? now().getTime() : instantWithOffset(q.to)!;
      const from = q.from === undefined ? to - 28 * DAY_MS : instantWithOffset(q.from)!;
      if (to <= from) throw badRequest('`to` must be after `from`', [{ in: 'querystring', path: 'to', message: 'must be after from' }]);
      if (to - from > maxReportDays * DAY_MS) {
        throw badRequest(`a report covers at most ${maxReportDays} days; this range is ${Math.ceil((to - from) / DAY_MS)}`, [{ in: 'querystring', path: 'from', message: `at most ${maxReportDays} days before to` }]);
      }
      const object = await scheduleObject(db, q.schedule);
      const report = await scheduleLoad(db, object, from, to);
      const { fromMs, toMs, shifts, ...figures } = report;
      return {
        schedule: q.schedule,
        team: object.spec.owner,
        from: iso(fromMs),
        to: iso(toMs),
        ...figures,
        shifts: shifts.map((s) => ({ ...s, start: iso(s.start), end: iso(s.end) })),
      };
    },
  );
  registerProductionReports(app, db, now);
}

const stepText = z.enum(['1d', '7d']).default('7d').describe('the spacing of the points over time');
const rangeQuery = {
  from: instantText.optional().describe('start, ISO 8601 with an offset; default 28 days before `to` (repair debt: 12 weeks)'),
  to: instantText.optional().describe('end (exclusive), ISO 8601 with an offset; default now'),
};

/** A report range from the query: `to` defaults to now, `from` to `defaultDays` before it; at most maxReportDays. */
function reportRange(q: { from?: string; to?: string }, now: Date, defaultDays: number): { from: number; to: number } {
  const to = q.to === undefined ? now.getTime() : instantWithOffset(q.to)!;
  const from = q.from === undefined ? to - defaultDays * DAY_MS : instantWithOffset(q.from)!;
  if (to <= from) throw badRequest('`to` must be after `from`', [{ in: 'querystring', path: 'to', message: 'must be after from' }]);
  if (to - from > maxReportDays * DAY_MS) {
    throw badRequest(`a report covers at most ${maxReportDays} days; this range is ${Math.ceil((to - from) / DAY_MS)}`, [{ in: 'querystring', path: 'from', message: `at most ${maxReportDays} days before to` }]);
  }
  return { from, to };
}

const minutesOf = (ms: number | null): number | null => (ms === null ? null : ms / 60_000);

/** Incidents declared in [from, to), at most this many (the report says when it was cut). */
const maxReportIncidents = 5_000;

/** How far back the weekly report looks for postmortems still due. */
const postmortemLookbackDays = 90;

/** Gathers the weekly production report of [from, to); figures "as of" the earlier of `to` and now. */
export async function weeklyReportOf(app: FastifyInstance, db: Kysely<Database>, week: string, from: number, to: number, now: Date, policy: PostmortemPolicy): Promise<WeeklyReport> {
  const asOf = Math.min(to, now.getTime());
  const services = new Map((await listObjects(db, 'Service')).map((s) => [s.metadata.name, String((s.spec as { owner?: string }).owner ?? '')]));
  const slos: WeeklySlo[] = [];
  for (const o of await listObjects(db, 'SLO')) {
    const spec = o.spec as { service: string; objective: number | string };
    // The SLO as it stood at the end of the week (or now, mid-week): the engine's own evaluation at that instant.
    const at = await app.sloEngine.history(o.metadata.name, [asOf - 1]);
    const e = at?.[0];
    slos.push({
      name: o.metadata.name,
      service: spec.service,
      team: services.get(spec.service) ?? '',
      objectivePercent: String(spec.objective),
      sli: e?.sli ?? null,
      budgetRemainingFraction: e && e.sli !== null ? e.budget.remainingFraction : null,
      status: e ? e.status : 'not evaluable here',
    });
  }
  slos.sort((a, b) => (a.team + a.service + a.name < b.team + b.service + b.name ? -1 : 1));

  const oncall: WeeklyOncall[] = [];
  const nightByTeam = new Map<string, number>();
  for (const o of await listObjects(db, 'Schedule')) {
    const object = o as Awaited<ReturnType<typeof scheduleObject>>;
    const load = await scheduleLoad(db, object, from, to);
    const night = load.people.reduce((n, p) => n + p.nightPages, 0);
    nightByTeam.set(object.spec.owner, (nightByTeam.get(object.spec.owner) ?? 0) + night);
    oncall.push({ schedule: o.metadata.name, team: object.spec.owner, pages: load.pages, shiftsOverLimit: load.shifts.filter((s) => s.overLimit).length, nightPages: night, warnings: load.warnings });
  }
  const byTeam = [];
  for (const t of await listObjects(db, 'Team')) {
    const pages = (await listTeamPagesCreated(db, t.metadata.name, from, to)).length;
    if (pages > 0) byTeam.push({ team: t.metadata.name, pages, nightPages: nightByTeam.get(t.metadata.name) ?? 0 });
  }

  const incidents: WeeklyIncident[] = (await listIncidents(db, { from: new Date(from), to: new Date(to), limit: maxReportIncidents }))
    .reverse()
    .map((i) => ({
      id: i.id,
      title: i.title,
      severity: i.severity,
      status: i.status,
      services: i.services,
      detectedBy: i.detectedBy,
      ttdMinutes: minutesOf(i.metrics.ttdMs),
      tteMinutes: minutesOf(i.metrics.tteMs),
      ttfMinutes: minutesOf(i.metrics.ttfMs),
      ttmMinutes: minutesOf(i.metrics.ttmMs),
    }));

  const overdue = (await listActionItems(db, { openAt: new Date(asOf) }))
    .filter((i) => isOverdue({ ...i, status: 'open' }, asOf))
    .map((i) => ({ id: i.id, incidentId: i.incidentId, title: i.title, owner: i.owner, team: i.team, dueDate: i.dueDate! }));

  const due = await postmortemsDue(db, policy, new Date(to - postmortemLookbackDays * DAY_MS), new Date(to), new Date(asOf));
  return {
    week,
    from: iso(from),
    to: iso(to),
    slos,
    pages: { total: byTeam.reduce((n, t) => n + t.pages, 0), byTeam },
    oncall,
    incidents,
    overdueActionItems: overdue,
    postmortemsDue: due.map((d) => ({ incidentId: d.incidentId, title: d.title, status: d.status, dueDate: d.dueDate, overdue: d.overdue })),
  };
}

const weekText = z.string().regex(/^\d{4}-W\d{2}$/, 'an ISO week, e.g. 2026-W47').refine((w) => isoWeekRange(w) !== null, 'no such ISO week');

/** Repair debt, incident time metrics and the weekly production report (docs/reports.md). */
function registerProductionReports(app: FastifyInstance, db: Kysely<Database>, now: () => Date): void {
  const policy = postmortemPolicyFromEnv(process.env);
  const smtp = smtpOptionsFromEnv(process.env);

  app.get(
    '/api/v1/reports/repair-debt',
    {
      config: { access: 'read' },
      schema: {
        tags: ['reports'],
        summary: 'Open and overdue action items over time, and per team and service at the end of the range',
        description: 'Points at from, from + step, ... and at `to`. An item is open from its creation until it is done or won\'t do, and overdue once its due date (UTC) has passed while open. Default range: the last 12 weeks.',
        querystring: z.strictObject({ ...rangeQuery, step: stepText, team: objectName.optional(), service: objectName.optional() }),
      },
    },
    async (req) => {
      const q = req.query as { from?: string; to?: string; step: '1d' | '7d'; team?: string; service?: string };
      const { from, to } = reportRange(q, now(), 84);
      const items = await listActionItems(db, { createdBefore: new Date(to), ...(q.team ? { team: q.team } : {}), ...(q.service ? { service: q.service } : {}) });
      return repairDebt(items, from, to, q.step === '1d' ? 1 : 7);
    },
  );

  app.get(
    '/api/v1/reports/incident-metrics',
    {
      config: { access: 'read' },
      schema: {
        tags: ['reports'],
        summary: 'Incident time metrics (TTD, TTE, TTF, TTM in minutes) as percentiles per service and team',
        description: 'Incidents declared in the range (default: the last 28 days); nearest-rank p50 and p90 and the maximum of each metric, over the incidents where it is known. An incident counts for each of its services and teams.',
        querystring: z.strictObject({ ...rangeQuery, team: objectName.optional(), service: objectName.optional() }),
      },
    },
    async (req) => {
      const q = req.query as { from?: string; to?: string; team?: string; service?: string };
      const { from, to } = reportRange(q, now(), 28);
      const list = await listIncidents(db, { from: new Date(from), to: new Date(to), limit: maxReportIncidents, ...(q.team ? { team: q.team } : {}), ...(q.service ? { service: q.service } : {}) });
      const metrics = incidentMetrics(
        list.map((i) => ({
          id: i.id,
          services: i.services,
          teams: i.teams,
          detectedBy: i.detectedBy,
          ttdMinutes: minutesOf(i.metrics.ttdMs),
          tteMinutes: minutesOf(i.metrics.tteMs),
          ttfMinutes: minutesOf(i.metrics.ttfMs),
          ttmMinutes: minutesOf(i.metrics.ttmMs),
        })),
      );
      return { from: iso(from), to: iso(to), truncated: list.length === maxReportIncidents, goals: policy.goals, ...metrics };
    },
  );

  const weekOf = (w: string | undefined): { week: string; from: number; to: number } => {
    // Default: the last whole week.
    const week = w ?? isoWeekOf(now().getTime() - 7 * DAY_MS);
    const r = isoWeekRange(week)!;
    return { week, ...r };
  };

  app.get(
    '/api/v1/reports/weekly',
    {
      config: { access: 'read' },
      schema: {
        tags: ['reports'],
        summary: 'The weekly production report: SLOs and budgets, pages and on-call load, incidents and their times, overdue action items, postmortems due',
        description: 'An ISO week in UTC (default: last week). format=json (default) answers the figures; md and html answer the rendered report (text/markdown, text/html).',
        querystring: z.strictObject({ week: weekText.optional(), format: z.enum(['json', 'md', 'html']).default('json') }),
      },
    },
    async (req, reply) => {
      const q = req.query as { week?: string; format: 'json' | 'md' | 'html' };
      const w = weekOf(q.week);
      const report = await weeklyReportOf(app, db, w.week, w.from, w.to, now(), policy);
      if (q.format === 'md') return reply.type('text/markdown; charset=utf-8').send(weeklyMarkdown(report));
      if (q.format === 'html') return reply.type('text/html; charset=utf-8').send(weeklyHtml(report));
      return report;
    },
  );

  app.post(
    '/api/v1/reports/weekly/email',
    {
      config: { access: 'write' },
      schema: {
        tags: ['reports'],
        summary: 'Email the weekly production report (HTML with a Markdown text part) over SMTP; audited',
        description: 'Needs PAVE_SMTP_URL (see docs/notifications.md): answers 409 not_configured without it. 200 only after the SMTP server accepted the message.',
        body: z.strictObject({ week: weekText.optional(), to: z.array(z.email({ error: 'an email address' })).min(1, 'at least one address').max(50) }),
      },
    },
    async (req) => {
      const p = requirePrincipal(req);
      if (!smtp) throw new ApiError(409, 'not_configured', 'email is not configured: set PAVE_SMTP_URL and PAVE_SMTP_FROM on the server');
      const b = req.body as { week?: string; to: string[] };
      const w = weekOf(b.week);
      const report = await weeklyReportOf(app, db, w.week, w.from, w.to, now(), policy);
      const transport = smtpTransport(smtp);
      try {
        await transport.sendMail({ from: smtp.from, to: b.to, subject: `Production report, week ${w.week}`, text: weeklyMarkdown(report), html: weeklyHtml(report) });
      } catch (err) {
        throw new ApiError(502, 'smtp_failed', `the SMTP server refused the report: ${(err as Error).message.slice(0, 300)}`);
      } finally {
        transport.close();
      }
      await appendAudit(db, [{ actor: p.actor, action: 'email', kind: 'Report', name: `weekly/${w.week}`, after: { to: b.to }, requestId: req.id }]);
      return { week: w.week, sentTo: b.to };
    },
  );
}
