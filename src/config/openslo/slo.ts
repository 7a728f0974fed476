// OpenSLO v1 SLO → a self-contained pave SLO: the indicator (inline, or the SLI document its `indicatorRef` names,
// inlined before validation by ./index.ts), its one objective, window, budgeting method and alert policies as tiers.
import { z } from 'zod';
import type { ConfigObject } from '../../domain/objects.js';
import type { OpenSLOAdapter } from '../kind.js';
import { timeZone } from '../kinds/person.js';
import { objectName } from '../metadata.js';
import type { Path } from '../source.js';
import { inlinePolicy, policyNotes, policyTier } from './alert-policy.js';
import { fixedDuration, inlineOrReference, isReference, openSLOApiVersion, openSLOLabels, paveLabels, problem, timesHundred, type Note } from './common.js';
import { inlineSli, paveIndicator } from './sli.js';
import { restoreSpecAnnotations } from './spec-annotations.js';

export const budgetingMethods = { Occurrences: 'occurrences', Timeslices: 'timeslices', RatioTimeslices: 'ratioTimeslices' } as const;
export const calendarDurations: Record<string, 'week' | 'month' | 'quarter' | 'year'> = { '1w': 'week', '1M': 'month', '1Q': 'quarter', '1Y': 'year' };
const sliceExpected = 'a number of minutes or a duration such as 1m, 5m or 1h';

const calendar = z.strictObject({
  startTime: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/, 'a date and time without a time zone, e.g. 2026-01-01 00:00:00')
    .optional(),
  timeZone: timeZone.optional(),
});

const timeWindow = z.strictObject({
  duration: z.string(),
  isRolling: z.boolean().optional(),
  calendar: calendar.optional(),
});

const objective = z.strictObject({
  displayName: z.string().optional(),
  op: z.enum(['lte', 'gte', 'lt', 'gt']).optional(),
  value: z.number().optional(),
  target: z.number().min(0).lt(1).optional(),
  targetPercent: z.number().min(0).lt(100).optional(),
  timeSliceTarget: z.number().gt(0).lte(1).optional(),
  timeSliceWindow: z
    .union([z.number().int().positive(), z.string().regex(/^0*[1-9]\d*[mhdwMQY]$/)], { error: sliceExpected })
    .optional(),
  // Composite SLOs (objectives with their own indicators) are recognised to say they are not supported.
  indicator: z.unknown().optional(),
  indicatorRef: z.unknown().optional(),
  compositeWeight: z.unknown().optional(),
});
type Objective = z.infer<typeof objective>;

function isRollingWindow(w: z.infer<typeof timeWindow>): boolean {
  return w.isRolling ?? w.calendar === undefined;
}

/** The time slice length in pave's spelling, or null when it has no fixed length (M, Q, Y). */
function sliceLength(w: Objective['timeSliceWindow']): string | null {
  if (w === undefined) return '1m';
  return typeof w === 'number' ? `${w}m` : fixedDuration(w);
}

const sloSpec = z
  .strictObject({
    description: z.string().max(1050).optional(),
    service: objectName,
    // Lazy: ./sli.ts reads the SLO kind's selector schema, and the SLO kind imports this module.
    indicator: z.lazy(() => inlineSli).optional(),
    /** Still here only when it named no valid SLI of the apply: that is reported where it is resolved. */
    indicatorRef: z.unknown().optional(),
    timeWindow: z.array(timeWindow).min(1),
    budgetingMethod: z.enum(Object.keys(budgetingMethods) as (keyof typeof budgetingMethods)[]),
    objectives: z.array(objective).min(1),
    alertPolicies: inlineOrReference(inlinePolicy, 'alertPolicyRef').optional(),
  })
  .superRefine((s, ctx) => {
    if (!s.indicator && s.indicatorRef === undefined) {
      problem(ctx, ['indicator'], 'an SLO needs an indicator', 'indicator (an inline SLI) or indicatorRef (the name of an SLI in the same apply)', 'missing_field');
    }
    if (s.indicator && s.indicatorRef !== undefined) {
      problem(ctx, ['indicatorRef'], 'give indicator or indicatorRef, not both', 'one of indicator (an inline SLI) or indicatorRef (the name of an SLI)');
    }

    if (s.timeWindow.length > 1) problem(ctx, ['timeWindow', 1], 'an SLO has exactly one time window', 'one time window', 'too_big');
    const w = s.timeWindow[0]!;
    const at = (...p: Path) => ['timeWindow', 0, ...p];
    if (isRollingWindow(w)) {
      if (w.calendar) problem(ctx, at('calendar'), 'a rolling window has no calendar', 'isRolling: false for a calendar window, or no calendar');
      if (fixedDuration(w.duration) === null) {
        problem(ctx, at('duration'), 'a rolling window needs a fixed length: months, quarters and years vary', 'a duration in minutes, hours, days or weeks, e.g. 30d, 28d or 4w');
      }
    } else {
      if (!w.calendar) problem(ctx, at(), 'a calendar-aligned window needs its calendar', 'calendar: {startTime, timeZone}', 'missing_field');
      if (!(w.duration in calendarDurations)) {
        problem(ctx, at('duration'), 'a calendar window is one calendar week, month, quarter or year', '1w, 1M, 1Q or 1Y');
      }
    }

    if (s.objectives.length > 1) {
      problem(ctx, ['objectives', 1], `pave SLOs have one objective each: split this SLO into ${s.objectives.length} SLOs, one per objective`, 'one objective', 'too_big');
    }
    const o = s.objectives[0]!;
    const obj = (k: string) => ['objectives', 0, k];
    const composite = (['indicator', 'indicatorRef', 'compositeWeight'] as const).find((k) => o[k] !== undefined);
    if (composite) {
      problem(ctx, obj(composite), 'composite OpenSLO SLOs (objectives with their own indicators) are not supported: write a pave composite SLO', 'an objective without indicator, indicatorRef or compositeWeight', 'unsupported');
    }
    if (o.target !== undefined && o.targetPercent !== undefined) {
      problem(ctx, obj('targetPercent'), 'give target or targetPercent, not both', 'one of target (0 to 1) or targetPercent (0 to 100)');
    }
    if (o.target === undefined && o.targetPercent === undefined) {
      problem(ctx, ['objectives', 0], 'an objective needs a target', 'target (a fraction such as 0.999) or targetPercent (such as 99.9)', 'missing_field');
    }

    // The indicator decides what op and value mean; an unresolved indicatorRef already has its error.
    if (s.indicator) {
      if (s.indicator.spec.thresholdMetric) {
        if (o.op === undefined) {
          problem(ctx, obj('op'), 'a thresholdMetric objective needs op and value: the share of requests at or under value seconds', 'lte or lt', 'missing_field');
        } else if (o.op !== 'lte' && o.op !== 'lt') {
          problem(ctx, obj('op'), 'pave latency indicators count the requests at or under a threshold', 'lte or lt', 'unsupported');
        }
        if (o.value === undefined) problem(ctx, obj('value'), 'a thresholdMetric objective needs value: the latency threshold', 'a number of seconds, e.g. 0.3', 'missing_field');
        else if (o.value <= 0) problem(ctx, obj('value'), 'a latency threshold must be above zero', 'a number of seconds above 0, e.g. 0.3');
      } else if (o.value !== undefined) {
        problem(ctx, obj('value'), 'value applies only to an SLI with a thresholdMetric; this SLI has a ratioMetric', 'no value');
      }
    }

    const method = s.budgetingMethod;
    if (method === 'Occurrences') {
      for (const k of ['timeSliceTarget', 'timeSliceWindow'] as const) {
        if (o[k] !== undefined) problem(ctx, obj(k), `${k} applies only to Timeslices${k === 'timeSliceWindow' ? ' and RatioTimeslices' : ''} budgeting`, `no ${k} with Occurrences`);
      }
    } else {
      if (method === 'Timeslices' && o.timeSliceTarget === undefined) {
        problem(ctx, ['objectives', 0], 'Timeslices budgeting needs timeSliceTarget: the share of good events that makes a slice good', 'timeSliceTarget above 0 and below 1, e.g. 0.95', 'missing_field');
      }
      if (method === 'Timeslices' && o.timeSliceTarget === 1) {
        problem(ctx, obj('timeSliceTarget'), 'pave counts a slice as good at a threshold below 100%', 'a number above 0 and below 1, e.g. 0.99');
      }
      if (method === 'RatioTimeslices' && o.timeSliceTarget !== undefined) {
        problem(ctx, obj('timeSliceTarget'), 'timeSliceTarget applies only to Timeslices budgeting: RatioTimeslices averages the slices', 'no timeSliceTarget with RatioTimeslices');
      }
      if (sliceLength(o.timeSliceWindow) === null) problem(ctx, obj('timeSliceWindow'), 'a time slice needs a fixed length', sliceExpected);
    }

    if ((s.alertPolicies?.length ?? 0) > 10) {
      problem(ctx, ['alertPolicies', 10], 'pave takes at most 10 alert tiers, one per AlertPolicy', 'at most 10 AlertPolicies', 'too_big');
    }
  });

export const sloDocument = z.strictObject({
  apiVersion: z.literal(openSLOApiVersion),
  kind: z.literal('SLO'),
  metadata: z.strictObject({
    name: objectName,
    displayName: z.string().optional(),
    labels: openSLOLabels.optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: sloSpec,
});
export type OpenSLOSlo = z.infer<typeof sloDocument>;

/** The pave SLO of a valid SLO document whose references are resolved. */
export function sloToPave(doc: unknown): ConfigObject {
  const d = sloDocument.parse(doc);
  const s = d.spec;
  if (!s.indicator) throw new Error(`SLO ${d.metadata.name}: indicatorRef ${JSON.stringify(s.indicatorRef)} is not resolved`);
  const o = s.objectives[0]!;
  const w = s.timeWindow[0]!;
  const budgeting = budgetingMethods[s.budgetingMethod];
  const labels = paveLabels(d.metadata.labels);
  const timeZoneOf = w.calendar?.timeZone;
  const spec: Record<string, unknown> = {
    service: s.service,
    ...(s.description === undefined ? {} : { description: s.description }),
    indicator: paveIndicator(s.indicator.spec, o.value),
    // Decimal arithmetic, so that 0.999 is 99.9 and not 99.89999999999999.
    objective: o.target !== undefined ? timesHundred(o.target) : o.targetPercent,
    window: isRollingWindow(w)
      ? { rolling: fixedDuration(w.duration) ?? w.duration }
      : { calendar: calendarDurations[w.duration], ...(timeZoneOf === undefined ? {} : { timezone: timeZoneOf }) },
    budgeting,
  };
  if (budgeting !== 'occurrences') {
    spec.timeslice = {
      length: sliceLength(o.timeSliceWindow),
      ...(budgeting === 'timeslices' && o.timeSliceTarget !== undefined ? { threshold: timesHundred(o.timeSliceTarget) } : {}),
    };
  }
  const policies = (s.alertPolicies ?? []).map((p) => inlinePolicy.parse(p));
  if (policies.length > 0) spec.alerting = { tiers: policies.map((p) => policyTier(p.spec)) };
  // Fields OpenSLO cannot express, carried by `pave openslo export` in pave.dev/spec.* annotations.
  return restoreSpecAnnotations({
    apiVersion: 'pave/v1',
    kind: 'SLO',
    metadata: {
      name: d.metadata.name,
      ...(d.metadata.displayName ? { displayName: d.metadata.displayName } : {}),
      ...(Object.keys(labels).length ? { labels } : {}),
      annotations: { ...d.metadata.annotations, 'pave.dev/source': 'openslo/v1' },
    },
    spec,
  });
}

/** Where each field of the pave SLO comes from in the OpenSLO document. OpenSLO paths are returned unchanged. */
export function sloSourcePath(path: Path): Path {
  if (path[0] !== 'spec') return path;
  const [, field, a, b, ...rest] = path;
  const objective = ['spec', 'objectives', 0];
  switch (field) {
    case 'indicator':
      if (a === 'ratio') {
        const base = ['spec', 'indicator', 'spec', 'ratioMetric'];
        return b === 'good' || b === 'bad' || b === 'total' ? [...base, b, 'metricSource', 'spec', ...rest] : base;
      }
      if (a === 'promql') {
        const base = ['spec', 'indicator', 'spec', 'ratioMetric'];
        if (b === 'good' || b === 'bad' || b === 'total') return [...base, b, 'metricSource', 'spec', 'query'];
        return b === 'dataSource' ? [...base, 'total', 'metricSource', 'metricSourceRef'] : base;
      }
      if (a === 'latency') {
        if (b === 'threshold') return [...objective, 'value'];
        const base = ['spec', 'indicator', 'spec', 'thresholdMetric', 'metricSource'];
        return b === 'series' || b === 'match' ? [...base, 'spec', b, ...rest] : base;
      }
      return path;
    case 'objective':
      return [...objective, 'target'];
    case 'window':
      if (a === 'timezone') return ['spec', 'timeWindow', 0, 'calendar', 'timeZone'];
      return a === 'rolling' || a === 'calendar' ? ['spec', 'timeWindow', 0, 'duration'] : ['spec', 'timeWindow', 0];
    case 'budgeting':
      return ['spec', 'budgetingMethod'];
    case 'timeslice':
      if (a === 'length') return [...objective, 'timeSliceWindow'];
      if (a === 'threshold') return [...objective, 'timeSliceTarget'];
      return objective;
    case 'alerting': {
      if (a !== 'tiers' || typeof b !== 'number') return ['spec', 'alertPolicies'];
      const condition = ['spec', 'alertPolicies', b, 'spec', 'conditions', 0, 'spec'];
      const [tierField] = rest;
      if (tierField === 'severity') return [...condition, 'severity'];
      if (tierField === 'long') return [...condition, 'condition', 'lookbackWindow'];
      if (tierField === 'factor') return [...condition, 'condition', 'threshold'];
      return ['spec', 'alertPolicies', b];
    }
    case 'noData':
    case 'budgetWarning':
    case 'startDate':
    case 'runbook':
      return ['spec'];
    default:
      return path;
  }
}

/** A calendar startTime at which pave's periods start anyway (Monday, the 1st, a quarter's or year's first day). */
function alignedStart(startTime: string, unit: 'week' | 'month' | 'quarter' | 'year'): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?$/.exec(startTime);
  if (!m) return true;
  const [, y, mo, d, ...time] = m.map(Number) as number[];
  if (time.some((t) => t !== undefined && !Number.isNaN(t) && t !== 0)) return false;
  switch (unit) {
    case 'week':
      return new Date(Date.UTC(y!, mo! - 1, d!)).getUTCDay() === 1;
    case 'month':
      return d === 1;
    case 'quarter':
      return d === 1 && (mo! - 1) % 3 === 0;
    case 'year':
      return d === 1 && mo === 1;
  }
}

const periodStart = { week: 'Monday at 00:00', month: 'the 1st at 00:00', quarter: 'the first day of January, April, July and October at 00:00', year: 'January 1st at 00:00' };

/** What pave reads differently from how a valid SLO document is written. */
export function sloNotes(d: OpenSLOSlo): Note[] {
  const notes: Note[] = [];
  const w = d.spec.timeWindow[0]!;
  const unit = calendarDurations[w.duration];
  const start = w.calendar?.startTime;
  if (!isRollingWindow(w) && unit && start !== undefined && !alignedStart(start, unit)) {
    notes.push({
      path: ['spec', 'timeWindow', 0, 'calendar', 'startTime'],
      message: `pave's calendar ${unit}s start on ${periodStart[unit]} in the window's time zone; startTime ${start} does not move them`,
    });
  }
  (d.spec.alertPolicies ?? []).forEach((p, i) => {
    if (isReference(p, 'alertPolicyRef')) return;
    const parsed = inlinePolicy.safeParse(p);
    if (parsed.success) notes.push(...policyNotes(parsed.data.spec, ['spec', 'alertPolicies', i, 'spec']));
  });
  return notes;
}

export const openSLOSloAdapter: OpenSLOAdapter = {
  schema: sloDocument,
  toPave: sloToPave,
  sourcePath: sloSourcePath,
};
