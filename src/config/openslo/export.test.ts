import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { applyTerms, indicatorTerms, type IndicatorSpec, type SeriesInfo } from '../../domain/indicator.js';
import { objectKey, type ConfigObject } from '../../domain/objects.js';
import type { ConfigIssue } from '../source.js';
import { checkCatalog, formatIssue, validateFiles } from '../validate.js';
import { timesHundred } from './common.js';
import { boundedName, compositeSeries, eventsAsRatio, exportedDocuments, exportOpenSLO, formatOpenSLO, shiftDecimal, type OpenSLODocument } from './export.js';
import { decodeSpecValue, encodeSpecValue, restoreSpecAnnotations, specAnnotationPrefix } from './spec-annotations.js';

// ---------------------------------------------------------------------------------------------------------------------
// OpenSLO v1 as its specification defines it: the README of OpenSLO/OpenSLO (the normative text), with the shapes of
// the reference Go SDK (pkg/openslo/v1) and of the JSON schemas (schemas/v1) where they agree with it. Where they
// disagree, the README wins and the choice is noted: alertPolicies items are {alertPolicyRef} or inline policies (the
// JSON schema lists bare names, the SDK cannot read those); RatioTimeslices is a budgeting method (README, SDK; the
// JSON schema predates it); annotation values are any string (README: map[string]string; the JSON schema reuses the
// label-value pattern); alertAfter may be 0m (README: "defaults to 0m"; SDK: value ≥ 0); timeZone is an IANA name
// (README), which `UTC` is though the JSON schema's Area/Location pattern misses it.
// ---------------------------------------------------------------------------------------------------------------------

/** RFC 1123 label: the SDK's rule for object names and references. */
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'an RFC 1123 label');
const shorthand = z.string().regex(/^[1-9]\d*[mhdwMQY]$/, 'a duration-shorthand');
const shorthandOrZero = z.string().regex(/^\d+[mhdwMQY]$/, 'a duration-shorthand (0 allowed)');
const description = z.string().max(1050);
const labelKey = /^[a-zA-Z0-9]([-._a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;
const annotationKey = /^(([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*\/)?[a-zA-Z0-9]([-._a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;
const ianaZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone');

const metadata = z.strictObject({
  name: dnsLabel,
  displayName: z.string().min(1).optional(),
  labels: z.record(z.string().regex(labelKey), z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])).optional(),
  annotations: z
    .record(
      z.string().regex(annotationKey).refine((k) => /^(.{0,253}\/)?.{0,63}$/.test(k), 'prefix ≤ 253 and name ≤ 63 characters'),
      z.string(),
    )
    .optional(),
});

const metricSource = z.strictObject({ metricSourceRef: dnsLabel.optional(), type: z.string().min(1).optional(), spec: z.record(z.string(), z.unknown()) });
const metric = z.strictObject({ metricSource });
const exactlyOne = (o: Record<string, unknown>, keys: string[]) => keys.filter((k) => o[k] !== undefined).length === 1;

const sliSpec = z
  .strictObject({
    description: description.optional(),
    thresholdMetric: metric.optional(),
    ratioMetric: z
      .strictObject({
        counter: z.boolean(),
        good: metric.optional(),
        bad: metric.optional(),
        total: metric.optional(),
        rawType: z.enum(['success', 'failure']).optional(),
        raw: metric.optional(),
      })
      .refine((r) => (r.raw ? r.rawType !== undefined && !r.good && !r.bad && !r.total : exactlyOne(r, ['good', 'bad']) && r.total !== undefined), 'good or bad with total, or raw with rawType')
      .optional(),
  })
  .refine((s) => exactlyOne(s, ['thresholdMetric', 'ratioMetric']), 'exactly one of thresholdMetric and ratioMetric');

const timeWindow = z
  .strictObject({
    duration: shorthand,
    isRolling: z.boolean().optional(),
    calendar: z
      .strictObject({ startTime: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/), timeZone: ianaZone })
      .optional(),
  })
  .refine((w) => (w.isRolling === true ? w.calendar === undefined : w.calendar !== undefined), 'a rolling window has no calendar; a calendar window has one');

const objective = z
  .strictObject({
    displayName: z.string().min(1).optional(),
    op: z.enum(['lte', 'gte', 'lt', 'gt']).optional(),
    value: z.number().optional(),
    target: z.number().min(0).lt(1).optional(),
    targetPercent: z.number().min(0).lt(100).optional(),
    timeSliceTarget: z.number().gt(0).lte(1).optional(),
    timeSliceWindow: z.union([shorthand, z.number().positive()]).optional(),
  })
  .refine((o) => exactlyOne(o, ['target', 'targetPercent']), 'exactly one of target and targetPercent');

const conditionSpec = z.strictObject({
  description: description.optional(),
  severity: z.string().min(1),
  condition: z.strictObject({ kind: z.literal('burnrate'), op: z.enum(['lte', 'gte', 'lt', 'gt']), threshold: z.number(), lookbackWindow: shorthand, alertAfter: shorthandOrZero }),
});
const targetSpec = z.strictObject({ target: z.string().min(1), description: description.optional() });
const policySpec = z.strictObject({
  description: description.optional(),
  alertWhenNoData: z.boolean(),
  alertWhenResolved: z.boolean(),
  alertWhenBreaching: z.boolean(),
  conditions: z.array(z.union([z.strictObject({ conditionRef: dnsLabel }), z.strictObject({ kind: z.literal('AlertCondition'), metadata, spec: conditionSpec })])).length(1),
  notificationTargets: z.array(z.union([z.strictObject({ targetRef: dnsLabel }), z.strictObject({ kind: z.literal('AlertNotificationTarget'), metadata, spec: targetSpec })])).min(1),
});

const sloSpec = z
  .strictObject({
    description: description.optional(),
    service: dnsLabel,
    indicator: z.strictObject({ metadata, spec: sliSpec }).optional(),
    indicatorRef: dnsLabel.optional(),
    timeWindow: z.array(timeWindow).length(1),
    budgetingMethod: z.enum(['Occurrences', 'Timeslices', 'RatioTimeslices']),
    objectives: z.array(objective).min(1),
    alertPolicies: z.array(z.union([z.strictObject({ alertPolicyRef: dnsLabel }), z.strictObject({ kind: z.literal('AlertPolicy'), metadata, spec: policySpec })])).optional(),
  })
  .superRefine((s, ctx) => {
    if (!exactlyOne(s, ['indicator', 'indicatorRef'])) ctx.addIssue({ code: 'custom', message: 'exactly one of indicator and indicatorRef' });
    for (const o of s.objectives) {
      if (s.budgetingMethod === 'Timeslices' && (o.timeSliceTarget === undefined || o.timeSliceWindow === undefined)) ctx.addIssue({ code: 'custom', message: 'Timeslices needs timeSliceTarget and timeSliceWindow' });
      if (s.budgetingMethod === 'RatioTimeslices' && o.timeSliceWindow === undefined) ctx.addIssue({ code: 'custom', message: 'RatioTimeslices needs timeSliceWindow' });
    }
    if (s.indicator?.spec.thresholdMetric && (s.objectives.length !== 1 || s.objectives[0]!.op === undefined || s.objectives[0]!.value === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a thresholdMetric SLO has one objective, with op and value' });
    }
  });

const openSLOv1 = z.discriminatedUnion('kind', [
  z.strictObject({
    apiVersion: z.literal('openslo/v1'),
    kind: z.literal('DataSource'),
    metadata,
    spec: z.strictObject({ description: description.optional(), type: z.string().min(1), connectionDetails: z.record(z.string(), z.unknown()) }),
  }),
  z.strictObject({ apiVersion: z.literal('openslo/v1'), kind: z.literal('Service'), metadata, spec: z.strictObject({ description: description.optional() }) }),
  z.strictObject({ apiVersion: z.literal('openslo/v1'), kind: z.literal('SLO'), metadata, spec: sloSpec }),
  z.strictObject({ apiVersion: z.literal('openslo/v1'), kind: z.literal('AlertPolicy'), metadata, spec: policySpec }),
]);

/** Problems with documents as OpenSLO v1: each document's shape, and references that name no document of the set. */
function openSLOProblems(documents: readonly unknown[]): string[] {
  const problems: string[] = [];
  const names = (kind: string) => new Set(documents.filter((d) => (d as OpenSLODocument).kind === kind).map((d) => (d as OpenSLODocument).metadata.name));
  const [services, policies, dataSources] = [names('Service'), names('AlertPolicy'), names('DataSource')];
  for (const d of documents) {
    const r = openSLOv1.safeParse(d);
    const who = `${(d as OpenSLODocument).kind}/${(d as OpenSLODocument).metadata?.name}`;
    if (!r.success) {
      problems.push(...r.error.issues.map((i) => `${who}: ${i.path.join('.')}: ${i.message}`));
      continue;
    }
    if (r.data.kind !== 'SLO') continue;
    if (!services.has(r.data.spec.service)) problems.push(`${who}: service ${r.data.spec.service} is not in the set`);
    for (const p of r.data.spec.alertPolicies ?? []) if ('alertPolicyRef' in p && !policies.has(p.alertPolicyRef)) problems.push(`${who}: no AlertPolicy ${p.alertPolicyRef}`);
    const sli = r.data.spec.indicator?.spec;
    for (const m of [sli?.thresholdMetric, sli?.ratioMetric?.good, sli?.ratioMetric?.bad, sli?.ratioMetric?.total]) {
      const ref = m?.metricSource.metricSourceRef;
      if (ref !== undefined && !dataSources.has(ref)) problems.push(`${who}: no DataSource ${ref}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------------
// Import, export, import.
// ---------------------------------------------------------------------------------------------------------------------

interface Loaded {
  objects: ConfigObject[];
  issues: ConfigIssue[];
}

function load(files: { name: string; content: string }[]): Loaded {
  const v = validateFiles(files);
  const objects = v.objects.map((o) => o.object);
  const sources = new Map(v.objects.map((o) => [objectKey(o.object), o.source]));
  return { objects, issues: [...v.issues, ...checkCatalog(objects, sources, v.declared)] };
}

const errorsOf = (l: Loaded) => l.issues.filter((i) => i.severity === 'error').map(formatIssue);

function exportedYaml(objects: readonly ConfigObject[]): string {
  return formatOpenSLO(exportedDocuments(exportOpenSLO(objects)));
}

const parseYaml = (text: string): OpenSLODocument[] => parseAllDocuments(text).map((d) => d.toJS() as OpenSLODocument);

/** Metadata as compared across a round trip: pave's import marks its source, and keeps a service's owner and tier. */
function comparableMetadata(o: ConfigObject): ConfigObject['metadata'] {
  const added = o.kind === 'SLO' ? ['pave.dev/source'] : ['pave.dev/source', 'pave.dev/owner', 'pave.dev/tier'];
  const annotations = Object.fromEntries(Object.entries(o.metadata.annotations ?? {}).filter(([k]) => !added.includes(k)));
  const { annotations: _, ...rest } = o.metadata;
  return { ...rest, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) };
}

/**
 * pave objects → OpenSLO → pave objects, with the objects OpenSLO has no form for (teams, SLAs, ...) applied beside the
 * export as they were. Checks the export is valid OpenSLO v1 and imports without errors, that every object comes back
 * with the same spec (and metadata), and that exporting what came back gives the same YAML.
 */
function roundTrip(original: Loaded): { yaml: string; documents: OpenSLODocument[]; reimported: Loaded } {
  expect(errorsOf(original)).toEqual([]);
  const yaml = exportedYaml(original.objects);
  const documents = parseYaml(yaml);
  expect(openSLOProblems(documents)).toEqual([]);
  const exported = new Set(documents.filter((d) => d.kind !== 'AlertPolicy').map((d) => `${d.kind}/${d.metadata.name}`));
  const rest = original.objects.filter((o) => !exported.has(objectKey(o)));
  const reimported = load([
    { name: 'rest.yaml', content: rest.map((o) => stringify(o)).join('---\n') },
    { name: 'openslo.yaml', content: yaml },
  ]);
  expect(errorsOf(reimported)).toEqual([]);
  // The only warnings: pave does not deliver to notification targets; the export names pave's own.
  expect(reimported.issues.filter((i) => i.severity === 'warning' && !/notificationTargets are not read/.test(i.message)).map(formatIssue)).toEqual([]);
  const back = new Map(reimported.objects.map((o) => [objectKey(o), o]));
  expect(reimported.objects).toHaveLength(original.objects.length);
  for (const o of original.objects) {
    const b = back.get(objectKey(o));
    expect(b?.spec, objectKey(o)).toEqual(o.spec);
    expect(comparableMetadata(b!), objectKey(o)).toEqual(comparableMetadata(o));
  }
  expect(exportedYaml(reimported.objects)).toBe(yaml);
  return { yaml, documents, reimported };
}

const root = new URL('../../../', import.meta.url);
const read = (path: string) => ({ name: path, content: readFileSync(new URL(path, root), 'utf8') });
const exampleFiles = readdirSync(new URL('examples/', root)).map((f) => read(`examples/${f}`));
const openSLOExamples = readdirSync(new URL('docs/examples/openslo/', root))
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => read(`docs/examples/openslo/${f}`));

const slosOf = (documents: OpenSLODocument[]) => documents.filter((d) => d.kind === 'SLO');
const carried = (d: OpenSLODocument) => Object.keys(d.metadata.annotations ?? {}).filter((k) => k.startsWith(specAnnotationPrefix));

/** A team and a service for hand-written SLOs. */
const base = `apiVersion: pave/v1
kind: Team
metadata: { name: payments }
spec: {}
---
apiVersion: pave/v1
kind: Service
metadata: { name: checkout }
spec: { owner: payments }
---
apiVersion: pave/v1
kind: Service
metadata: { name: ledger }
spec: { owner: payments }
`;
const paveSlo = (name: string, spec: string) => `---\napiVersion: pave/v1\nkind: SLO\nmetadata: { name: ${name} }\nspec:\n  service: checkout\n${spec}`;
const ratio = `  indicator:\n    ratio:\n      good: { series: checkout_requests, match: { code: "!5xx" } }\n      total: { series: checkout_requests }\n`;

describe('pave openslo export: round trips', () => {
  it('the example catalog: pave → OpenSLO → pave gives the same objects, and exporting again the same YAML', () => {
    const { documents } = roundTrip(load(exampleFiles));
    const slos = slosOf(documents);
    expect(slos.map((d) => d.metadata.name)).toEqual([
      'catalog-api-availability',
      'checkout-availability',
      'checkout-latency',
      'identity-availability',
      'payments-api-availability',
      'storefront-purchase-journey',
    ]);
    // OpenSLO has the budgeting methods, windows, objectives and tiers; pave-only fields travel as annotations.
    const payments = slos.find((d) => d.metadata.name === 'payments-api-availability')!;
    expect(payments.spec).toMatchObject({
      budgetingMethod: 'Timeslices',
      timeWindow: [{ duration: '1M', isRolling: false, calendar: { startTime: '2024-01-01 00:00:00', timeZone: 'Europe/Paris' } }],
      objectives: [{ target: 0.9995, timeSliceTarget: 0.99, timeSliceWindow: '1m' }],
    });
    expect(carried(payments)).toEqual(['pave.dev/spec.alerting.tiers', 'pave.dev/spec.indicator', 'pave.dev/spec.noData.alertAfter']);
    expect(payments.metadata.annotations!['pave.dev/spec.noData.alertAfter']).toBe('15m');
    const checkout = slos.find((d) => d.metadata.name === 'checkout-availability')!;
    expect(checkout.metadata.annotations).toEqual({ 'pave.dev/spec.alerting.minEvents': '100', 'pave.dev/spec.alerting.tiers': 'default' });
    expect(checkout.spec.alertPolicies).toEqual(['page-1h-5m', 'page-6h-30m', 'ticket-1d-2h', 'ticket-3d-6h'].map((t) => ({ alertPolicyRef: `checkout-availability-${t}` })));
    // SLAs and corrections have no OpenSLO form: they stay pave documents.
    expect(documents.map((d) => d.kind).filter((k) => !['Service', 'SLO', 'AlertPolicy'].includes(k))).toEqual([]);
  });

  it('the hand-written OpenSLO examples: OpenSLO → pave → OpenSLO → pave gives the same objects, with no pave annotations needed', () => {
    const { documents } = roundTrip(load([...exampleFiles, ...openSLOExamples]));
    const fraud = slosOf(documents).filter((d) => d.spec.service === 'fraud-scoring');
    expect(fraud.map((d) => d.metadata.name)).toEqual(['fraud-scoring-availability', 'fraud-scoring-latency']);
    // Everything the documents said is OpenSLO; only the latency SLO's default tiers (it names no policy) are pave's.
    expect(fraud.map(carried)).toEqual([[], ['pave.dev/spec.alerting.tiers']]);
    expect(fraud[0]!.spec.alertPolicies).toEqual([{ alertPolicyRef: 'fraud-scoring-availability-page-1h-5m' }, { alertPolicyRef: 'fraud-scoring-availability-ticket-3d-6h' }]);
  });

  it('OpenSLO written every way the import reads it comes back the same', () => {
    const oslo = `apiVersion: pave/v1
kind: Team
metadata: { name: storefront }
spec: {}
---
apiVersion: openslo/v1
kind: Service
metadata:
  name: search-api
  displayName: Search API
  labels: { team: storefront, tier: critical, region: [eu, us] }
  annotations: { example.com/dashboard: search }
spec: { description: Full-text product search }
---
apiVersion: openslo/v1
kind: Service
metadata: { name: image-resizer, labels: { owner: [storefront, platform] }, annotations: { pave.dev/tier: best-effort } }
spec: {}
---
apiVersion: openslo/v1
kind: SLI
metadata: { name: search-errors }
spec:
  ratioMetric:
    counter: false
    bad: { metricSource: { type: builtin, spec: { series: search_requests, match: { code: "5xx" } } } }
    total: { metricSource: { spec: { series: search_requests } } }
---
apiVersion: openslo/v1
kind: AlertCondition
metadata: { name: fast }
spec:
  severity: high
  condition: { kind: burnrate, op: gte, threshold: 10, lookbackWindow: 60m, alertAfter: 0m }
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: { name: page-fast }
spec: { conditions: [ { conditionRef: fast } ] }
---
apiVersion: openslo/v1
kind: SLO
metadata: { name: search-availability, labels: { team: storefront } }
spec:
  service: search-api
  indicatorRef: search-errors
  timeWindow: [ { duration: 1w, calendar: { startTime: "2026-01-07 09:00:00", timeZone: America/New_York } } ]
  budgetingMethod: Timeslices
  objectives: [ { targetPercent: 99.95, timeSliceTarget: 0.9, timeSliceWindow: 5 } ]
  alertPolicies:
    - page-fast
    - kind: AlertPolicy
      metadata: { name: slow }
      spec:
        conditions:
          - kind: AlertCondition
            metadata: { name: slow }
            spec: { severity: sev3, condition: { threshold: 1, lookbackWindow: 3d } }
---
apiVersion: openslo/v1
kind: SLO
metadata: { name: search-latency }
spec:
  service: search-api
  description: 95% of searches within 200 ms
  indicator:
    spec: { thresholdMetric: { metricSource: { type: pave, spec: { series: search_duration_seconds, match: { route: "~/search.*" } } } } }
  timeWindow: [ { duration: 1Y, isRolling: false, calendar: { timeZone: UTC } } ]
  budgetingMethod: RatioTimeslices
  objectives: [ { op: lt, value: 0.2, target: 0.95, timeSliceWindow: 5m } ]
  alertPolicies: [ { alertPolicyRef: page-fast } ]
---
apiVersion: openslo/v1
kind: SLO
metadata: { name: resizer-availability }
spec:
  service: image-resizer
  indicator:
    spec:
      ratioMetric:
        good: { metricSource: { type: pave, spec: { series: resizer_requests, match: { code: "2xx" } } } }
        total: { metricSource: { type: pave, spec: { series: resizer_requests } } }
  timeWindow: [ { duration: 28d, isRolling: true } ]
  budgetingMethod: Occurrences
  objectives: [ { target: 0.99999 } ]
  alertPolicies: [ page-fast ]
`;
    const original = load([{ name: 'oslo.yaml', content: oslo }]);
    // The unaligned calendar start is read as pave reads it (a warning); the export writes an aligned one.
    expect(original.issues.map((i) => i.path)).toEqual(['spec.timeWindow[0].calendar.startTime']);
    const { documents, reimported } = roundTrip(original);
    expect(slosOf(documents).map(carried)).toEqual([[], [], []]);
    const services = documents.filter((d) => d.kind === 'Service');
    // Owner and tier from labels stay labels; the tier that was an annotation stays one; lists stay lists.
    expect(services.map((d) => d.metadata)).toEqual([
      { name: 'image-resizer', labels: { owner: ['storefront', 'platform'] }, annotations: { 'pave.dev/tier': 'best-effort' } },
      { name: 'search-api', displayName: 'Search API', labels: { region: ['eu', 'us'], team: 'storefront', tier: 'critical' }, annotations: { 'example.com/dashboard': 'search' } },
    ]);
    const search = slosOf(documents).find((d) => d.metadata.name === 'search-availability')!;
    expect(search.spec.objectives).toEqual([{ target: 0.9995, timeSliceTarget: 0.9, timeSliceWindow: '5m' }]);
    expect(reimported.objects.find((o) => o.metadata.name === 'search-availability')!.spec).toMatchObject({
      objective: 99.95,
      window: { calendar: 'week', timezone: 'America/New_York' },
      timeslice: { length: '5m', threshold: 90 },
      alerting: { tiers: [{ severity: 'page', long: '60m', factor: 10 }, { severity: 'ticket', long: '3d', factor: 1 }] },
    });
  });

  it('every budgeting method, window, tier form and indicator of pave comes back exactly', () => {
    const longText = 'x'.repeat(1500);
    const slos = [
      paveSlo('occurrences-rolling', `${ratio}  objective: 99.9\n  window: { rolling: 30d }\n`),
      paveSlo(
        'timeslices-week',
        `  indicator:\n    ratio:\n      bad: { series: checkout_requests, match: { code: "5xx|429" } }\n      total: { series: checkout_requests }\n  objective: 99.5\n  window: { calendar: week }\n  budgeting: timeslices\n  timeslice: { length: 5m, threshold: 95 }\n  noData: { slices: bad }\n`,
      ),
      paveSlo('ratio-timeslices-year', `${ratio}  objective: 57\n  window: { calendar: year, timezone: Asia/Tokyo }\n  budgeting: ratioTimeslices\n  timeslice: { length: 1m }\n  alerting: { enabled: false }\n`),
      paveSlo(
        'latency-month-custom-tiers',
        `  indicator:\n    latency: { series: checkout_seconds, match: { route: "/pay" }, threshold: 0.25 }\n  objective: 99.99\n  window: { calendar: month, timezone: Europe/Paris }\n  alerting:\n    minEvents: 20\n    tiers:\n      - { severity: page, long: 1h, short: 2m, budgetShare: 2 }\n      - { severity: page, long: 6h, factor: 6 }\n      - { severity: ticket, long: 3d, factor: 0.933333 }\n`,
      ),
      paveSlo(
        'events-quarter',
        `  indicator:\n    events: { series: checkout_events, match: { region: eu }, good: { status: [2xx, "404"], maxLatencyMs: 500 } }\n  objective: 99.999\n  window: { calendar: quarter, timezone: America/New_York }\n  budgetWarning: 10\n  startDate: 2026-01-01T00:00:00+01:00\n  runbook: https://runbooks.example.com/checkout\n  noData: { alertAfter: 1h }\n`,
      ),
      paveSlo('events-defaults', `  indicator:\n    events: { series: checkout_events, excludeClientErrors: true, good: { status: [2xx, 4xx] } }\n  objective: 99\n  window: { rolling: 6d12h }\n`),
      paveSlo('factor-tiers-only', `${ratio}  objective: 99.9\n  window: { rolling: 28d }\n  alerting: { tiers: [ { severity: page, long: 1h, factor: 14.4 }, { severity: ticket, long: 1d, factor: 3 } ] }\n`),
      paveSlo(
        'journey',
        `  description: ${longText}\n  indicator:\n    composite: { components: [ { slo: occurrences-rolling, weight: 3 }, { slo: events-defaults } ] }\n  objective: 99.5\n  window: { rolling: 30d }\n`,
      ),
      `---\napiVersion: pave/v1\nkind: SLO\nmetadata:\n  name: ${'l'.repeat(63)}\n  displayName: A very long name\n  labels: { team: payments, regions: "eu,us" }\n  annotations: { example.com/owner-page: "https://wiki.example.com/checkout", pave.dev/tier: gold }\nspec:\n  service: ledger\n${ratio}  objective: 99.95\n  window: { rolling: 4w }\n`,
    ];
    const service = `---
apiVersion: pave/v1
kind: Service
metadata: { name: payments-api, labels: { tier: important } }
spec:
  owner: payments
  tier: best-effort
  lifecycle: deprecated
  description: ${longText}
  dependsOn: [ { service: ledger }, { service: checkout, kind: soft } ]
  links: [ { title: Dashboard, url: "https://grafana.example.com/d/payments" } ]
  runbook: https://runbooks.example.com/payments
  repository: https://git.example.com/payments
---
apiVersion: pave/v1
kind: SLO
metadata: { name: payments-availability }
spec:
  service: payments-api
${ratio}  objective: 99.9
  window: { rolling: 7d }
`;
    const { documents } = roundTrip(load([{ name: 'pave.yaml', content: base + slos.join('') + service }]));
    const byName = new Map(documents.map((d) => [`${d.kind}/${d.metadata.name}`, d]));
    const slo = (name: string) => byName.get(`SLO/${name}`)!;

    expect(slo('occurrences-rolling').spec).toMatchObject({ budgetingMethod: 'Occurrences', timeWindow: [{ duration: '30d', isRolling: true }], objectives: [{ target: 0.999 }] });
    expect(carried(slo('occurrences-rolling'))).toEqual(['pave.dev/spec.alerting.tiers']);
    expect(slo('timeslices-week').spec).toMatchObject({ budgetingMethod: 'Timeslices', timeWindow: [{ duration: '1w', calendar: { timeZone: 'UTC' } }], objectives: [{ target: 0.995, timeSliceTarget: 0.95, timeSliceWindow: '5m' }] });
    expect(slo('timeslices-week').metadata.annotations!['pave.dev/spec.noData.slices']).toBe('bad');
    expect(slo('ratio-timeslices-year').spec).toMatchObject({ budgetingMethod: 'RatioTimeslices', timeWindow: [{ duration: '1Y' }], objectives: [{ target: 0.57, timeSliceWindow: '1m' }] });
    // Alerting off: no policies, and the annotation says so.
    expect(slo('ratio-timeslices-year').spec.alertPolicies).toBeUndefined();
    expect(carried(slo('ratio-timeslices-year'))).toEqual(['pave.dev/spec.alerting.enabled']);
    // Latency: a thresholdMetric with op and value; budget-share tiers get their factor for a 30-day month, short windows travel.
    expect(slo('latency-month-custom-tiers').spec.objectives).toEqual([{ op: 'lte', value: 0.25, target: 0.9999 }]);
    const pageTier = byName.get('AlertPolicy/latency-month-custom-tiers-page-1h-2m')!;
    expect((pageTier.spec.conditions as { spec: { condition: unknown } }[])[0]!.spec.condition).toEqual({ kind: 'burnrate', op: 'gt', threshold: 14.4, lookbackWindow: '1h', alertAfter: '0m' });
    expect(carried(slo('latency-month-custom-tiers'))).toEqual(['pave.dev/spec.alerting.minEvents', 'pave.dev/spec.alerting.tiers']);
    // Tiers with a factor and the default short window are plain OpenSLO.
    expect(carried(slo('factor-tiers-only'))).toEqual([]);
    // Events: the nearest OpenSLO form is a ratio over the per-status series; the indicator itself travels.
    expect(slo('events-quarter').spec.indicator).toMatchObject({
      spec: {
        ratioMetric: {
          good: { metricSource: { type: 'pave', spec: { series: 'checkout_events', match: { region: 'eu', status: '2xx|404', le: '500' } } } },
          total: { metricSource: { type: 'pave', spec: { series: 'checkout_events', match: { region: 'eu', le: '' } } } },
        },
      },
    });
    expect(carried(slo('events-quarter'))).toEqual([
      'pave.dev/spec.alerting.tiers',
      'pave.dev/spec.budgetWarning',
      'pave.dev/spec.indicator',
      'pave.dev/spec.noData.alertAfter',
      'pave.dev/spec.runbook',
      'pave.dev/spec.startDate',
    ]);
    // A compound duration is written in minutes, and its pave spelling travels.
    expect(slo('events-defaults').spec.timeWindow).toEqual([{ duration: '9360m', isRolling: true }]);
    expect(slo('events-defaults').metadata.annotations!['pave.dev/spec.window.rolling']).toBe('6d12h');
    // Composite: no OpenSLO v1 form (the spec has none): a placeholder indicator, the composite in the annotation.
    expect(slo('journey').spec).toMatchObject({ description: 'x'.repeat(1050), indicator: { spec: { ratioMetric: { good: { metricSource: { spec: { series: compositeSeries } } } } } } });
    expect(slo('journey').spec.alertPolicies).toBeUndefined();
    expect(carried(slo('journey'))).toEqual(['pave.dev/spec.description', 'pave.dev/spec.indicator']);
    // Long names are cut to 63 characters and stay unique.
    const long = slo('l'.repeat(63));
    const policyNames = (long.spec.alertPolicies as { alertPolicyRef: string }[]).map((p) => p.alertPolicyRef);
    expect(policyNames.every((n) => n.length <= 63)).toBe(true);
    expect(new Set(policyNames).size).toBe(4);
    expect(long.metadata.labels).toEqual({ regions: ['eu', 'us'], team: 'payments' });
    // A service: owner and tier where labels don't give them, the rest of pave's fields as annotations.
    expect(byName.get('Service/payments-api')!.metadata.annotations).toEqual({
      'pave.dev/owner': 'payments',
      'pave.dev/spec.dependsOn': '[{"service":"ledger","kind":"hard"},{"service":"checkout","kind":"soft"}]',
      'pave.dev/spec.description': longText,
      'pave.dev/spec.lifecycle': 'deprecated',
      'pave.dev/spec.links': '[{"title":"Dashboard","url":"https://grafana.example.com/d/payments"}]',
      'pave.dev/spec.repository': 'https://git.example.com/payments',
      'pave.dev/spec.runbook': 'https://runbooks.example.com/payments',
      'pave.dev/tier': 'best-effort',
    });
  });

  it('promql indicators and their DataSources come back exactly, from pave and from OpenSLO', () => {
    const promql = `---
apiVersion: pave/v1
kind: DataSource
metadata: { name: prometheus-main, labels: { env: prod } }
spec:
  type: prometheus
  owner: payments
  description: The main Prometheus
  url: http://prometheus.example.com:9090/prom
  headers: { X-Scope-OrgID: payments }
  headersFromEnv: { Authorization: PROM_AUTH }
  timeout: 30s
---
apiVersion: pave/v1
kind: DataSource
metadata: { name: thanos, labels: { team: payments } }
spec: { type: prometheus, owner: payments, url: "http://thanos:9090" }
---
apiVersion: pave/v1
kind: DataSource
metadata: { name: unused }
spec: { type: prometheus, url: "http://unused:9090" }
${paveSlo('checkout-promql', `  indicator:\n    promql:\n      dataSource: prometheus-main\n      good: 'sum(increase(http_requests_total{job="checkout",code!~"5.."}[{{window}}]))'\n      total: 'sum(increase(http_requests_total{job="checkout"}[{{window}}]))'\n  objective: 99.9\n  window: { rolling: 30d }\n  alerting: { tiers: [ { severity: page, long: 1h, factor: 14.4 } ] }\n`)}${paveSlo('checkout-promql-errors', `  indicator:\n    promql:\n      dataSource: thanos\n      bad: 'sum(increase(http_requests_total{code=~"5.."}[{{window}}]))'\n      total: 'sum(increase(http_requests_total[{{window}}]))'\n  objective: 99.5\n  window: { calendar: month }\n  budgeting: ratioTimeslices\n  timeslice: { length: 1m }\n  alerting: { enabled: false }\n`)}`;
    const { documents } = roundTrip(load([{ name: 'pave.yaml', content: base + promql }]));
    const dataSources = documents.filter((d) => d.kind === 'DataSource');
    // Only the data sources an exported SLO reads, first, with pave's fields in connectionDetails.
    expect(dataSources.map((d) => d.metadata.name)).toEqual(['prometheus-main', 'thanos']);
    expect(documents.indexOf(dataSources[1]!)).toBe(1);
    expect(dataSources[0]).toEqual({
      apiVersion: 'openslo/v1',
      kind: 'DataSource',
      metadata: { name: 'prometheus-main', labels: { env: 'prod' }, annotations: { 'pave.dev/owner': 'payments' } },
      spec: {
        description: 'The main Prometheus',
        type: 'Prometheus',
        connectionDetails: { url: 'http://prometheus.example.com:9090/prom', headers: { 'X-Scope-OrgID': 'payments' }, headersFromEnv: { Authorization: 'PROM_AUTH' }, timeout: '30s' },
      },
    });
    // The owner comes from the team label, so thanos needs no annotation.
    expect(dataSources[1]!.metadata).toEqual({ name: 'thanos', labels: { team: 'payments' } });
    const slo = slosOf(documents).find((d) => d.metadata.name === 'checkout-promql')!;
    expect(slo.spec.indicator).toEqual({
      metadata: { name: 'checkout-promql' },
      spec: {
        ratioMetric: {
          counter: true,
          good: { metricSource: { metricSourceRef: 'prometheus-main', type: 'Prometheus', spec: { query: 'sum(increase(http_requests_total{job="checkout",code!~"5.."}[{{window}}]))' } } },
          total: { metricSource: { metricSourceRef: 'prometheus-main', type: 'Prometheus', spec: { query: 'sum(increase(http_requests_total{job="checkout"}[{{window}}]))' } } },
        },
      },
    });
    expect(slosOf(documents).map(carried)).toEqual([[], ['pave.dev/spec.alerting.enabled']]);
    expect(openSLOProblems(documents.filter((d) => d.metadata.name !== 'prometheus-main'))).toEqual(['SLO/checkout-promql: no DataSource prometheus-main', 'SLO/checkout-promql: no DataSource prometheus-main']);

    // A data source with a team label but no owner of its own: the annotation says there is none.
    const unowned = `${base}---
apiVersion: pave/v1
kind: DataSource
metadata: { name: shared, labels: { team: payments } }
spec: { type: prometheus, url: "http://shared:9090", description: ${'d'.repeat(1100)} }
${paveSlo('shared-promql', `  indicator: { promql: { dataSource: shared, good: 'sum(increase(ok[{{window}}]))', total: 'sum(increase(all[{{window}}]))' } }\n  objective: 99\n  window: { rolling: 7d }\n`)}`;
    const shared = roundTrip(load([{ name: 'pave.yaml', content: unowned }])).documents.find((d) => d.kind === 'DataSource')!;
    expect(Object.keys(shared.metadata.annotations ?? {})).toEqual(['pave.dev/spec.description', 'pave.dev/spec.owner']);
    expect(shared.metadata.annotations!['pave.dev/spec.owner']).toBe('null');

    const oslo = `${base}---
apiVersion: openslo/v1
kind: DataSource
metadata: { name: prometheus-main, labels: { team: payments } }
spec: { type: prometheus, connectionDetails: { url: "http://prometheus:9090", headersFromEnv: { Authorization: PROM_AUTH } } }
---
apiVersion: openslo/v1
kind: SLO
metadata: { name: checkout-prometheus }
spec:
  service: checkout
  indicator:
    spec:
      ratioMetric:
        counter: true
        good: { metricSource: { metricSourceRef: prometheus-main, spec: { query: 'sum(increase(ok[{{window}}]))' } } }
        total: { metricSource: { type: Prometheus, metricSourceRef: prometheus-main, spec: { query: 'sum(increase(all[{{window}}]))' } } }
  timeWindow: [ { duration: 28d, isRolling: true } ]
  budgetingMethod: Occurrences
  objectives: [ { target: 0.995 } ]
  alertPolicies: [ { kind: AlertPolicy, metadata: { name: p }, spec: { conditions: [ { spec: { severity: page, condition: { threshold: 10, lookbackWindow: 1h } } } ] } } ]
`;
    const fromOpenSLO = roundTrip(load([{ name: 'oslo.yaml', content: oslo }])).documents;
    expect(fromOpenSLO.filter((d) => d.kind !== 'AlertPolicy').map(carried)).toEqual([[], [], []]);
  });

  it('is deterministic: the order of the catalog does not change the YAML', () => {
    const { objects } = load(exampleFiles);
    const yaml = exportedYaml(objects);
    for (let seed = 1; seed <= 5; seed++) {
      const shuffled = [...objects].sort((a, b) => ((objectKey(a).length * seed) % 7) - ((objectKey(b).length * seed) % 7) || (seed % 2 ? 1 : -1));
      expect(exportedYaml(shuffled)).toBe(yaml);
    }
  });
});

describe('OpenSLO v1 shape check', () => {
  // The check must itself reject what the specification rejects, or the round trips above prove nothing.
  it('rejects documents the specification does not allow', () => {
    const documents = parseYaml(exportedYaml(load(exampleFiles).objects));
    expect(openSLOProblems(documents)).toEqual([]);
    const broken = (change: (d: OpenSLODocument[]) => void) => {
      const copy = structuredClone(documents);
      change(copy);
      return openSLOProblems(copy);
    };
    const policy = (d: OpenSLODocument[]) => d.find((x) => x.kind === 'AlertPolicy')!;
    const slo = (d: OpenSLODocument[], name = 'checkout-availability') => d.find((x) => x.kind === 'SLO' && x.metadata.name === name)!;
    expect(broken((d) => delete policy(d).spec.notificationTargets)).not.toEqual([]);
    expect(broken((d) => ((policy(d).spec.conditions as { spec: { condition: { lookbackWindow: string } } }[])[0]!.spec.condition.lookbackWindow = '0h'))).not.toEqual([]);
    expect(broken((d) => (slo(d).spec.budgetingMethod = 'timeslices'))).not.toEqual([]);
    expect(broken((d) => (slo(d).spec.alertPolicies = ['checkout-availability-page-1h-5m']))).not.toEqual([]);
    expect(broken((d) => (slo(d).spec.alertPolicies = [{ alertPolicyRef: 'nope' }]))).toEqual(['SLO/checkout-availability: no AlertPolicy nope']);
    expect(broken((d) => ((slo(d).spec.objectives as unknown[])[0] = { target: 99.9 }))).not.toEqual([]);
    expect(broken((d) => (slo(d, 'payments-api-availability').spec.objectives = [{ target: 0.9995, timeSliceWindow: '1m' }]))).not.toEqual([]);
    expect(broken((d) => (slo(d).spec.timeWindow = [{ duration: '1M', isRolling: false }]))).not.toEqual([]);
    expect(broken((d) => (slo(d).metadata.name = 'Checkout_Availability'))).not.toEqual([]);
    expect(broken((d) => (slo(d).metadata.annotations = { 'pave dev/x': 'y' }))).not.toEqual([]);
    expect(broken((d) => (slo(d).spec.indicatorRef = 'checkout'))).not.toEqual([]);
    expect(broken((d) => (slo(d).spec.service = 'nope'))).toEqual(['SLO/checkout-availability: service nope is not in the set']);
  });
});

describe('export pieces', () => {
  it('objectives go to OpenSLO fractions and back exactly', () => {
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const samples = [99.9, 99.95, 99.99, 99.999, 99.9999, 0.000001, 57, 12.345678, 99.999999];
    for (let i = 0; i < 2000; i++) samples.push(Math.min(99.999999, Number((random() * 100).toFixed(Math.floor(random() * 7))) || 1));
    for (const p of samples) {
      const target = shiftDecimal(p, -2);
      expect(target).toBeGreaterThanOrEqual(0);
      expect(target).toBeLessThan(1);
      expect(timesHundred(target)).toBe(p);
    }
    expect(shiftDecimal(99.9, -2)).toBe(0.999);
    expect(shiftDecimal(99.99999, -2)).toBe(0.9999999);
  });

  it('an events indicator and its OpenSLO ratio read the same counts', () => {
    const series: SeriesInfo[] = [];
    for (const status of ['200', '204', '301', '404', '429', '500', '503']) {
      for (const region of ['eu', 'us']) {
        series.push({ id: `${status}-${region}`, name: 'ev', labels: { status, region } });
        for (const le of ['250', '500']) series.push({ id: `${status}-${region}-${le}`, name: 'ev', labels: { status, region, le } });
      }
    }
    series.push({ id: 'other', name: 'other', labels: { status: '200' } });
    const counts = new Map(series.map((s, i) => [s.id, 1 + ((i * 37) % 11)]));
    const measure = (i: IndicatorSpec) => {
      const into = { good: 0, total: 0 };
      const terms = indicatorTerms(i, series);
      // Ingest counts each event once as good and total, so a series' good count is its total.
      for (const s of series) applyTerms(terms.filter((t) => t.seriesId === s.id), counts.get(s.id)!, counts.get(s.id)!, into);
      return into;
    };
    const cases = [
      { series: 'ev', good: { status: ['2xx', '3xx'] }, excludeClientErrors: false },
      { series: 'ev', good: { status: ['2xx', '404'] }, excludeClientErrors: true },
      { series: 'ev', match: { region: 'eu' }, good: { status: ['2xx'], maxLatencyMs: 500 }, excludeClientErrors: false },
      { series: 'ev', good: { status: ['4xx'] }, excludeClientErrors: true },
    ];
    for (const events of cases) {
      const expected = measure({ events });
      expect(expected.total).toBeGreaterThan(0);
      expect(measure({ ratio: eventsAsRatio(events) })).toEqual(expected);
    }
  });

  it('names stay within 63 characters and distinct', () => {
    expect(boundedName('checkout-availability', 'page-1h-5m')).toBe('checkout-availability-page-1h-5m');
    const a = boundedName('a'.repeat(63), 'ticket-3d-6h');
    const b = boundedName(`${'a'.repeat(62)}b`, 'ticket-3d-6h');
    expect([a.length, b.length]).toEqual([63, 63]);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^a+-[0-9a-f]{6}-ticket-3d-6h$/);
  });

  it('annotation values: JSON, with strings that are not JSON written bare', () => {
    for (const v of ['15m', 'default', 'https://x.example.com/a?b=1', '100', 'true', 'null', '"quoted"', 100, 0.5, true, false, [1, 'a'], { a: { b: [] } }]) {
      expect(decodeSpecValue(encodeSpecValue(v))).toEqual(v);
    }
    expect([encodeSpecValue('15m'), encodeSpecValue('100'), encodeSpecValue(100), encodeSpecValue(undefined)]).toEqual(['15m', '"100"', '100', 'null']);
  });

  it('the import puts carried fields back, deletes on null, and leaves other annotations alone', () => {
    const obj: ConfigObject = {
      apiVersion: 'pave/v1',
      kind: 'SLO',
      metadata: {
        name: 'x',
        annotations: {
          'pave.dev/spec.alerting.minEvents': '100',
          'pave.dev/spec.alerting': '{"tiers":"default"}',
          'pave.dev/spec.timeslice': 'null',
          'pave.dev/spec.noData.slices': 'bad',
          'pave.dev/spec.not-a-field': 'kept',
          'pave.dev/source': 'openslo/v1',
        },
      },
      spec: { timeslice: { length: '1m' }, objective: 99 },
    };
    expect(restoreSpecAnnotations(obj)).toEqual({
      ...obj,
      metadata: { name: 'x', annotations: { 'pave.dev/spec.not-a-field': 'kept', 'pave.dev/source': 'openslo/v1' } },
      spec: { objective: 99, alerting: { tiers: 'default', minEvents: 100 }, noData: { slices: 'bad' } },
    });
    expect(obj.spec.timeslice).toEqual({ length: '1m' });
  });
});
