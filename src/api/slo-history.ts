// GET /api/v1/slos/{name}/series: an SLO's own good and total counts per minute (or per 5 min, 15 min, hour) over a
// range of up to 31 days, for the web UI's SLI charts. The counts are the stored series folded through the SLO's
// indicator by the engine's own fold (engine/slo-series foldMinutes), so a chart and the budget agree to the event.
// Budget burn-down over time is GET /api/v1/slos/{name}/history (api/slos.ts), which evaluates the whole SLO math.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { SloSpec } from '../config/kinds/slo.js';
import { indicatorSeriesNames, indicatorTerms } from '../domain/indicator.js';
import { foldMinutes } from '../engine/slo-series.js';
import { getObject } from '../store/objects.js';
import type { Database } from '../store/schema.js';
import { listSeries } from '../store/sli.js';
import { ApiError, badRequest, notFound } from './errors.js';

const MINUTE_MS = 60_000;
/** 31 days: a 30-day window, or a calendar month, with room for its edges. */
export const maxSeriesRangeMs = 31 * 1440 * MINUTE_MS;
const resolutions = { '1m': 1, '5m': 5, '15m': 15, '1h': 60 } as const;
type Resolution = keyof typeof resolutions;

export interface SloSeries {
  slo: string;
  service: string;
  /** The objective in percent, as written in the SLO (99.9). */
  objectivePercent: number;
  /** Start of the first bucket (ms since the epoch, UTC); bucket i starts at from + i·stepMs. */
  from: number;
  to: number;
  stepMs: number;
  resolution: Resolution;
  /** Per bucket: good and total events (0 and 0 where nothing was counted). */
  good: number[];
  total: number[];
  /** Minutes whose good exceeded total and were clamped (good and total from different series). */
  clampedMinutes: number;
}

const isoWithOffset = z.iso.datetime({ offset: true, error: 'an ISO 8601 date-time with an offset, e.g. 2026-03-27T08:00:00Z' });

export function registerSloHistory(app: FastifyInstance, db: Kysely<Database>, now: () => Date): void {
  app.get(
    '/api/v1/slos/:name/series',
    {
      config: { access: 'read' },
      schema: {
        tags: ['slos'],
        summary: "An SLO's good and total events per minute, 5 minutes, 15 minutes or hour, for charts",
        description:
          'Range [from, to), at most 31 days; default the last 24 hours. `resolution` defaults to 1m. Buckets start at ' +
          '`from` rounded down to the resolution (UTC). SLOs measured by Prometheus (promql) or composed of others answer 409.',
        params: z.object({ name: z.string().min(1).max(253) }),
        querystring: z.strictObject({
          from: isoWithOffset.optional(),
          to: isoWithOffset.optional(),
          resolution: z.enum(['1m', '5m', '15m', '1h']).default('1m'),
        }),
      },
    },
    async (req): Promise<SloSeries> => {
      const { name } = req.params as { name: string };
      const q = req.query as { from?: string; to?: string; resolution: Resolution };
      const obj = await getObject(db, 'SLO', name);
      if (!obj) throw notFound(`SLO "${name}" does not exist`);
      const spec = obj.spec as unknown as SloSpec;
      if (spec.indicator.promql) throw new ApiError(409, 'not_stored', `SLO "${name}" is measured by Prometheus: its counts are not stored in pave; use /api/v1/slos/${name}/history`);
      if (spec.indicator.composite) throw new ApiError(409, 'not_evaluable', `SLO "${name}" is a composite of other SLOs: it has no counts of its own; use /api/v1/slos/${name}/history`);
      const stepMs = resolutions[q.resolution] * MINUTE_MS;
      // Nothing is known about the future: a later `to` is cut at the end of the current minute.
      const nowEnd = Math.floor(now().getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
      const to = Math.ceil(Math.min(q.to ? Date.parse(q.to) : nowEnd, nowEnd) / stepMs) * stepMs;
      const from = Math.floor((q.from ? Date.parse(q.from) : to - 1440 * MINUTE_MS) / stepMs) * stepMs;
      if (from >= to) throw badRequest('from must be before to (and before now)', [{ in: 'querystring', path: 'from', message: 'must be before to' }]);
      if (to - from > maxSeriesRangeMs) {
        throw badRequest(`the range is ${((to - from) / 86_400_000).toFixed(1)} days: ask for at most 31 days at a time`, [{ in: 'querystring', path: 'from', message: 'at most 31 days before to' }]);
      }
      const names = new Set(indicatorSeriesNames(spec.indicator));
      const terms = indicatorTerms(spec.indicator, (await listSeries(db)).filter((s) => names.has(s.name)));
      const buckets = (to - from) / stepMs;
      const good = new Array<number>(buckets).fill(0);
      const total = new Array<number>(buckets).fill(0);
      const { counts, clamped } = await foldMinutes(db, terms, from, to);
      for (const [minuteMs, c] of counts) {
        const i = Math.floor((minuteMs - from) / stepMs);
        good[i] = good[i]! + c.good;
        total[i] = total[i]! + c.total;
      }
      return { slo: name, service: spec.service, objectivePercent: spec.objective, from, to, stepMs, resolution: q.resolution, good, total, clampedMinutes: clamped };
    },
  );
}
