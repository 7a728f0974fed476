// SLO status, history and alerts: GET /api/v1/slos/{name}/history, /api/v1/services/{name}/slos, /api/v1/slo-alerts.
// The SLO list and single reads (GET /api/v1/slos[/{name}]) come from objects.ts with the evaluation added here.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { SloEngine } from '../engine/slo-engine.js';
import { getObject, listObjects, type StoredObject } from '../store/objects.js';
import type { Database } from '../store/schema.js';
import { listAlertStates, listTransitions } from '../store/slo-alerts.js';
import { ApiError, notFound } from './errors.js';
import type { ObjectExtras } from './objects.js';
import { evaluationReport, sloReport, sloSummary } from './slo-report.js';

const MINUTE_MS = 60_000;
const maxPoints = 2000;

export function sloExtras(engine: SloEngine): ObjectExtras {
  return {
    one: async (o: StoredObject) => {
      const r = await engine.result(o.metadata.name);
      return { evaluation: r ? sloReport(r) : { status: 'pending' }, dependencyCeiling: engine.ceiling(o.metadata.name) };
    },
    many: async (o: StoredObject) => ({ summary: sloSummary(await engine.result(o.metadata.name)) }),
  };
}

const stepPattern = /^(\d+)(m|h|d)$/;
function parseStep(step: string): number {
  const m = stepPattern.exec(step)!;
  return Number(m[1]) * { m: 1, h: 60, d: 1440 }[m[2] as 'm' | 'h' | 'd'] * MINUTE_MS;
}

export function registerSlos(app: FastifyInstance, db: Kysely<Database>, engine: SloEngine, now: () => Date): void {
  app.get(
    '/api/v1/slos/:name/history',
    {
      config: { access: 'read' },
      schema: {
        tags: ['slos'],
        summary: 'SLI, budget remaining and burn rates of one SLO as series for charts',
        description: `Evaluations at from, from+step, ... up to to (at most ${maxPoints} points). Defaults: the last 24 hours every 15 minutes.`,
        params: z.object({ name: z.string().min(1).max(253) }),
        querystring: z.strictObject({
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
          step: z.string().regex(stepPattern, 'a step like 1m, 15m, 1h or 1d').default('15m'),
        }),
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const q = req.query as { from?: string; to?: string; step: string };
      if (!(await getObject(db, 'SLO', name))) throw notFound(`SLO "${name}" does not exist`);
      const step = parseStep(q.step);
      // Nothing is known about the future: a later `to` is cut at now.
      const to = Math.floor(Math.min(q.to ? Date.parse(q.to) : Infinity, now().getTime()) / MINUTE_MS) * MINUTE_MS;
      const from = Math.floor((q.from ? Date.parse(q.from) : to - 24 * 60 * MINUTE_MS) / MINUTE_MS) * MINUTE_MS;
      if (from > to) throw new ApiError(400, 'bad_request', 'from must not be after to');
      if ((to - from) / step + 1 > maxPoints) throw new ApiError(400, 'bad_request', `that is more than ${maxPoints} points: use a larger step`);
      const times: number[] = [];
      for (let t = from; t <= to; t += step) times.push(t);
      const evaluations = await engine.history(name, times);
      if (!evaluations) throw new ApiError(409, 'not_evaluable', `SLO "${name}" has no history of its own (a composite, or an invalid definition)`);
      return {
        slo: name,
        step: q.step,
        points: evaluations.map((e) => {
          const r = evaluationReport(e);
          return {
            t: r.at,
            sli: r.sli,
            remainingFraction: r.budget.remainingFraction,
            status: r.status,
            burnRates: Object.fromEntries(r.burnRates.map((b) => [b.label, b.burnRate])),
            firing: r.tiers.filter((t) => t.firing).map((t) => t.id),
          };
        }),
      };
    },
  );

  app.get(
    '/api/v1/services/:name/slos',
    {
      config: { access: 'read' },
      schema: { tags: ['slos'], summary: 'The SLOs of one service, with their current status', params: z.object({ name: z.string().min(1).max(253) }) },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      if (!(await getObject(db, 'Service', name))) throw notFound(`Service "${name}" does not exist`);
      const slos = (await listObjects(db, 'SLO')).filter((o) => (o.spec as { service?: string }).service === name);
      return { service: name, items: await Promise.all(slos.map(async (o) => ({ ...o, summary: sloSummary(await engine.result(o.metadata.name)) }))) };
    },
  );

  app.get(
    '/api/v1/slo-alerts',
    {
      config: { access: 'read' },
      schema: {
        tags: ['slos'],
        summary: 'SLO burn-rate and no-data alerts: current states, or the transition log after an id',
        querystring: z.strictObject({
          slo: z.string().max(253).optional(),
          log: z.enum(['true', 'false']).optional(),
          after: z.string().regex(/^[0-9]{1,18}$/, 'a transition id').optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
    },
    async (req) => {
      const q = req.query as { slo?: string; log?: string; after?: string; limit: number };
      if (q.log === 'true') return { items: await listTransitions(db, { slo: q.slo, afterId: q.after, limit: q.limit }) };
      return { items: await listAlertStates(db, q.slo), lastCycle: engine.lastCycle };
    },
  );

  app.post(
    '/api/v1/slos/evaluate',
    {
      config: { access: 'write' },
      schema: {
        tags: ['slos'],
        summary: 'Evaluate every SLO now (instead of waiting for the next cycle)',
        description: 'Takes no body and no query parameters.',
        querystring: z.strictObject({}),
      },
    },
    async (req) => {
      if (req.headers['content-type'] || Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding']) {
        throw new ApiError(400, 'bad_request', 'this endpoint takes no body');
      }
      await engine.evaluateNow();
      return { lastCycle: engine.lastCycle, at: now().toISOString() };
    },
  );
}
