// SLO: a service's promise, measured from an indicator over a window, with an error budget and burn-rate alerting.
import { z } from 'zod';
import type { ConfigObject } from '../../domain/objects.js';
import type { CrossCheckIssue, KindDefinition, ObjectReference } from '../kind.js';
import { objectName, url } from '../metadata.js';
import { checkCeiling, type CeilingCheck } from '../../domain/slo/ceiling.js';
import { compileSlo, type SloDefinition } from '../../domain/slo/definition.js';
import type { CatalogView } from '../../domain/objects.js';
import type { Correction } from '../../domain/slo/corrections.js';
import { parseDuration } from '../../domain/time/duration.js';
import { compileMatcher } from '../../domain/labels.js';
import { promqlProblems, usesRate } from '../../domain/promql.js';
import { timeZone } from './person.js';
import { openSLOSloAdapter } from '../openslo/slo.js';

/** `5m`, `6h`, `30d`, `4w`, `1h30m`: whole minutes, the engine's resolution. */
export const durationString = z
  .string()
  .regex(/^(?=\d)(\d+w)?(\d+d)?(\d+h)?(\d+m)?$/, 'a duration in whole minutes such as 5m, 6h, 30d, 4w or 1h30m');

/** Series names as Prometheus spells metric names. */
const seriesName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,199}$/, 'a series name of letters, digits, _ and : (like a Prometheus metric name)');

/**
 * Label matchers: `value` (equal), `!value` (not equal), `a|b` (one of), `x` as a digit wildcard (`5xx`), and
 * `~regex` / `!~regex` (full match). Kept as strings so documents stay readable.
 */
export const labelMatchers = z.record(
  z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,99}$/, 'a label name'),
  z
    .string()
    .max(500)
    .refine((p) => {
      try {
        compileMatcher(p);
        return true;
      } catch {
        return false;
      }
    }, 'a matcher: value, !value, a|b, 5xx, ~regex or !~regex with a valid regular expression'),
);

const selector = z.strictObject({ series: seriesName, match: labelMatchers.optional() });

const percent = z
  .number()
  .gt(0, 'a percentage above 0')
  .lt(100, 'a percentage below 100 (no service is perfect, and a 100% objective has no budget)')
  .refine((v) => Number.isFinite(v) && /^\d+(\.\d{1,6})?$/.test(String(v)), 'at most 6 decimal places, e.g. 99.95');

const ratioIndicator = z
  .strictObject({
    source: z.enum(['builtin']).default('builtin'),
    good: selector.optional(),
    bad: selector.optional(),
    total: selector,
  })
  .refine((r) => (r.good ? 1 : 0) + (r.bad ? 1 : 0) === 1, { message: 'give exactly one of good or bad', path: ['good'] });

const latencyIndicator = z.strictObject({
  source: z.enum(['builtin']).default('builtin'),
  series: seriesName,
  match: labelMatchers.optional(),
  /** Seconds; must be one of the histogram's bucket bounds (`le`) so the count is exact. */
  threshold: z.number().positive(),
});

const statusClass = z.string().regex(/^([1-5]xx|[1-5][0-9]{2})$/, 'a status class like 2xx or a code like 404');

const eventsIndicator = z.strictObject({
  series: seriesName,
  match: labelMatchers.optional(),
  good: z
    .strictObject({
      status: z.array(statusClass).min(1).default(['1xx', '2xx', '3xx', '4xx']),
      maxLatencyMs: z.number().positive().optional(),
    })
    .default({ status: ['1xx', '2xx', '3xx', '4xx'] }),
  /** Client errors (4xx) are the client's fault: leave them out of the count entirely. */
  excludeClientErrors: z.boolean().default(false),
});

const compositeIndicator = z.strictObject({
  components: z.array(z.strictObject({ slo: objectName, weight: z.number().positive().default(1) })).min(2).max(50),
});

/** PromQL that counts events over the window `{{window}}`, e.g. sum(increase(x[{{window}}])); see domain/promql. */
const promqlExpression = z
  .string()
  .max(10_000)
  .superRefine((expr, ctx) => {
    for (const message of promqlProblems(expr)) ctx.addIssue({ code: 'custom', message });
  });

/** Good (or bad) and total events from a Prometheus-compatible DataSource, each a PromQL count over `{{window}}`. */
const promqlIndicator = z
  .strictObject({
    dataSource: objectName,
    good: promqlExpression.optional(),
    bad: promqlExpression.optional(),
    total: promqlExpression,
  })
  .refine((r) => (r.good === undefined) !== (r.bad === undefined), { message: 'give exactly one of good or bad', path: ['good'] });

const indicator = z
  .strictObject({
    ratio: ratioIndicator.optional(),
    latency: latencyIndicator.optional(),
    events: eventsIndicator.optional(),
    composite: compositeIndicator.optional(),
    promql: promqlIndicator.optional(),
  })
  .refine((i) => Object.values(i).filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of ratio, latency, events, composite or promql',
  });

const window = z.union([
  z.strictObject({ rolling: durationString }),
  z.strictObject({ calendar: z.enum(['week', 'month', 'quarter', 'year']), timezone: timeZone.default('UTC') }),
]);

const tier = z
  .strictObject({
    severity: z.enum(['page', 'ticket']),
    long: durationString,
    short: durationString.optional(),
    /** Burn-rate factor k; or give budgetShare (the share of the budget that may burn within `long`). */
    factor: z.number().positive().optional(),
    budgetShare: z.number().gt(0).lte(100).optional(),
  })
  .refine((t) => (t.factor === undefined) !== (t.budgetShare === undefined), { message: 'give exactly one of factor or budgetShare', path: ['factor'] });

export const sloSpec = z.strictObject({
  service: objectName,
  description: z.string().max(2000).optional(),
  indicator,
  objective: percent,
  window,
  budgeting: z.enum(['occurrences', 'timeslices', 'ratioTimeslices']).default('occurrences'),
  timeslice: z
    .strictObject({
      length: durationString.default('1m'),
      /** Percent of good events a slice needs to count as good (timeslices only). */
      threshold: percent.optional(),
    })
    .optional(),
  noData: z
    .strictObject({
      /** How slices without data count: as bad, as good, or not at all. */
      slices: z.enum(['bad', 'good', 'ignore']).default('ignore'),
      /** Raise a no-data alert when the indicator has been silent this long. */
      alertAfter: durationString.default('30m'),
    })
    .default({ slices: 'ignore', alertAfter: '30m' }),
  alerting: z
    .strictObject({
      enabled: z.boolean().default(true),
      tiers: z.union([z.literal('default'), z.array(tier).min(1).max(10)]).default('default'),
      /** A tier fires only if its long window saw at least this many events. */
      minEvents: z.number().int().min(0).default(0),
    })
    .default({ enabled: true, tiers: 'default', minEvents: 0 }),
  /** Status turns to warning when less than this percent of the budget remains. */
  budgetWarning: z.number().min(0).max(100).default(25),
  /** Data before this instant is ignored (the SLO's launch). */
  startDate: z.iso.datetime({ offset: true }).optional(),
  runbook: url.optional(),
});
export type SloSpec = z.infer<typeof sloSpec>;

/** The pure definition the SLO math works on, from the document and the corrections that apply to it. */
export function sloDefinition(obj: ConfigObject<SloSpec>, corrections: readonly Correction[] = []): SloDefinition {
  const s = obj.spec;
  return {
    name: obj.metadata.name,
    objective: s.objective,
    window: 'rolling' in s.window ? { rolling: parseDuration(s.window.rolling) } : { calendar: s.window.calendar, timezone: s.window.timezone },
    budgeting: s.budgeting,
    timeslice: s.budgeting === 'occurrences' ? undefined : { minutes: parseDuration(s.timeslice?.length ?? '1m'), thresholdPercent: s.timeslice?.threshold },
    noData: s.noData.slices,
    // alerting.enabled: false silences the no-data alert too: it is an alert like the others.
    noDataAfterMinutes: s.alerting.enabled ? parseDuration(s.noData.alertAfter) : undefined,
    minEvents: s.alerting.minEvents,
    startMs: s.startDate ? Date.parse(s.startDate) : undefined,
    corrections,
    tiers: !s.alerting.enabled
      ? []
      : s.alerting.tiers === 'default'
        ? undefined
        : s.alerting.tiers.map((t) => ({
            severity: t.severity,
            long: parseDuration(t.long),
            short: t.short === undefined ? undefined : parseDuration(t.short),
            factor: t.factor,
            budgetPercent: t.budgetShare,
          })),
    warningBelow: s.budgetWarning / 100,
  };
}

/** Where in the document each field of the SLO math's error messages lives. */
function pathOfDefinitionField(message: string): (string | number)[] {
  const field = message.split(':')[0] ?? '';
  if (field.startsWith('tiers') || /tier/i.test(field)) return ['spec', 'alerting', 'tiers'];
  if (field.startsWith('timeslice')) return ['spec', 'timeslice'];
  if (field.startsWith('window')) return ['spec', 'window'];
  if (field.startsWith('objective')) return ['spec', 'objective'];
  if (field.startsWith('minEvents')) return ['spec', 'alerting', 'minEvents'];
  if (field.startsWith('noData')) return ['spec', 'noData'];
  return ['spec'];
}

/**
 * The dependency ceiling: the product of the objectives of the service's hard dependencies. Each dependency promises
 * the weakest of its own SLOs' objectives (a dependency without SLOs promises nothing pave can check and is skipped).
 */
export function ceilingOf(obj: ConfigObject<SloSpec>, catalog: CatalogView): (CeilingCheck & { dependencies: { name: string; objective: number }[] }) | null {
  // Availability caps availability: latency and composite SLOs are neither capped nor used as caps.
  const isAvailability = (s: SloSpec) => Boolean(s.indicator.ratio || s.indicator.events);
  if (!isAvailability(obj.spec)) return null;
  const svc = catalog.get('Service', obj.spec.service) as ConfigObject<{ dependsOn: { service: string; kind: string }[] }> | undefined;
  const deps = (svc?.spec.dependsOn ?? []).filter((d) => d.kind === 'hard');
  const dependencies = deps.flatMap((d) => {
    const objectives = catalog
      .list('SLO')
      .map((s) => s.spec as SloSpec)
      .filter((s) => s.service === d.service && isAvailability(s))
      .map((s) => s.objective);
    return objectives.length ? [{ name: d.service, objective: Math.min(...objectives) }] : [];
  });
  if (dependencies.length === 0) return null;
  return { ...checkCeiling(obj.spec.objective, dependencies), dependencies };
}

function seriesOf(spec: SloSpec): string[] {
  const i = spec.indicator;
  if (i.ratio) return [...new Set([i.ratio.total.series, (i.ratio.good ?? i.ratio.bad)!.series])];
  if (i.latency) return [i.latency.series];
  if (i.events) return [i.events.series];
  return [];
}

/** Warnings about promql expressions that validate but would measure the wrong thing. */
function promqlNotes(spec: SloSpec): CrossCheckIssue[] {
  const promql = spec.indicator.promql;
  if (!promql) return [];
  return (['good', 'bad', 'total'] as const).flatMap((field) => {
    const expr = promql[field];
    if (expr === undefined || !usesRate(expr)) return [];
    return [
      {
        path: ['spec', 'indicator', 'promql', field],
        message: 'rate() gives events per second, not the count over the window: the ratio still holds, but minEvents and event counts would be wrong; use increase()',
        severity: 'warning' as const,
      },
    ];
  });
}

function serviceOwner(obj: ConfigObject<SloSpec>, catalog: { get(kind: string, name: string): ConfigObject | undefined }): string[] {
  const svc = catalog.get('Service', obj.spec.service) as ConfigObject<{ owner: string }> | undefined;
  return svc ? [svc.spec.owner] : [];
}

export const slo: KindDefinition<SloSpec> = {
  kind: 'SLO',
  plural: 'slos',
  aliases: ['slo'],
  description: 'A service level objective: an indicator, an objective over a window, its error budget and burn-rate alerts.',
  specSchema: sloSpec,
  applyOrder: 40,
  references: (spec) => {
    const refs: ObjectReference[] = [{ kind: 'Service', name: spec.service, path: ['spec', 'service'] }];
    spec.indicator.composite?.components.forEach((c, i) => refs.push({ kind: 'SLO', name: c.slo, path: ['spec', 'indicator', 'composite', 'components', i, 'slo'] }));
    if (spec.indicator.promql) refs.push({ kind: 'DataSource', name: spec.indicator.promql.dataSource, path: ['spec', 'indicator', 'promql', 'dataSource'] });
    return refs;
  },
  // Teams declare SLOs only for services they own.
  owners: serviceOwner,
  crossCheck(obj, catalog) {
    const issues: CrossCheckIssue[] = [];
    const s = obj.spec;
    const ceiling = ceilingOf(obj, catalog);
    if (ceiling?.warning) issues.push({ path: ['spec', 'objective'], message: ceiling.warning, severity: 'warning' });
    if (s.budgeting === 'timeslices' && s.timeslice?.threshold === undefined) {
      issues.push({ path: ['spec', 'timeslice', 'threshold'], message: 'timeslices budgeting needs timeslice.threshold (percent of good events for a slice to be good)', severity: 'error' });
    }
    if (s.budgeting !== 'timeslices' && s.timeslice?.threshold !== undefined) {
      issues.push({ path: ['spec', 'timeslice', 'threshold'], message: `timeslice.threshold only applies to timeslices budgeting, not ${s.budgeting}`, severity: 'error' });
    }
    s.indicator.composite?.components.forEach((c, i) => {
      if (c.slo === obj.metadata.name) issues.push({ path: ['spec', 'indicator', 'composite', 'components', i, 'slo'], message: 'a composite SLO cannot contain itself', severity: 'error' });
    });
    const notes = promqlNotes(s);
    if (issues.length > 0) return [...issues, ...notes];
    // The SLO math's own rules: tiers that can never fire, slices that don't fit the window, ...
    const compiled = compileSlo(sloDefinition(obj));
    // The math names its field ("window: ..."); the issue's path already says where, so drop the prefix.
    const text = (m: string) => m.replace(/^[A-Za-z.[\]0-9]+: /, '');
    if (!compiled.ok) for (const e of compiled.errors) issues.push({ path: pathOfDefinitionField(e), message: text(e), severity: 'error' });
    else for (const n of compiled.notes) issues.push({ path: pathOfDefinitionField(n), message: text(n), severity: 'warning' });
    return [...issues, ...notes];
  },
  columns: (obj) => ({
    name: obj.metadata.name,
    service: obj.spec.service,
    objective: `${obj.spec.objective}%`,
    window: 'rolling' in obj.spec.window ? `rolling ${obj.spec.window.rolling}` : `${obj.spec.window.calendar} (${obj.spec.window.timezone})`,
    indicator: Object.keys(obj.spec.indicator).find((k) => (obj.spec.indicator as Record<string, unknown>)[k] !== undefined) ?? '',
    budgeting: obj.spec.budgeting,
  }),
  filters: {
    service: (obj, v) => obj.spec.service === v,
    series: (obj, v) => seriesOf(obj.spec).includes(v),
    dataSource: (obj, v) => obj.spec.indicator.promql?.dataSource === v,
  },
  // OpenSLO v1 SLO documents (with their SLIs and AlertPolicies, see ../openslo and docs/config/openslo.md). A getter,
  // because ../openslo reads this module's schemas and may finish loading after it.
  get openslo() {
    return openSLOSloAdapter;
  },
};

export { seriesOf as sloSeries };
