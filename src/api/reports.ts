// Reports: the on-call load of a schedule over a range (pages per shift, night and weekend pages, time to acknowledge
// and resolve, noisiest alerts, fairness, rotation health), computed by domain/oncall/load from its shifts and the
// pages routed to its team.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { oncallLoad, type LoadPage } from '../domain/oncall/load.js';
import { shiftsBetween } from '../domain/oncall/shifts.js';
import { listObjects } from '../store/objects.js';
import { listTeamPagesCreated, type Page } from '../store/pages.js';
import type { Database } from '../store/schema.js';
import { badRequest } from './errors.js';
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
      const loaded = await loadSchedule(db, object, from, to);
      const people = await listObjects(db, 'Person');
      const zones = new Map(people.map((p) => [p.metadata.name, String((p.spec as { timezone?: string }).timezone ?? 'UTC')]));
      const participants = [...new Set(loaded.schedule.layers.flatMap((l) => l.participants))];
      const report = oncallLoad({
        fromMs: from,
        toMs: to,
        shifts: shiftsBetween(loaded.schedule, from, to),
        pages: (await listTeamPagesCreated(db, object.spec.owner, from, to)).map(loadPage),
        participants,
        zones,
      });
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
}
