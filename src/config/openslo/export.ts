// pave catalog → OpenSLO v1 documents (`pave openslo export`). Pure: catalog objects in, documents and YAML out.
//
// Each SLO becomes an OpenSLO SLO with its indicator inline and one AlertPolicy document per alert tier; its Service
// becomes an OpenSLO Service, and the DataSources its promql indicator reads become OpenSLO DataSources. What OpenSLO
// cannot say (events and composite indicators, noData, minEvents, short windows, default tiers, a service's owner,
// lifecycle and dependencies, ...) is written in the nearest OpenSLO form and carried exactly in `pave.dev/...`
// annotations, which pave's import reads back: which fields need one is decided by importing the OpenSLO form and
// comparing (see ./spec-annotations.ts). The mapping: docs/config/openslo.md.
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { ConfigObject } from '../../domain/objects.js';
import { valueOf } from '../../domain/slo/decimal.js';
import { compileSlo } from '../../domain/slo/definition.js';
import { tierFactor, type TierRule } from '../../domain/slo/tiers.js';
import { formatDuration, MINUTES_PER_DAY, MINUTES_PER_WEEK, parseDuration } from '../../domain/time/duration.js';
import { dataSource as dataSourceKind, dataSourceSpec, type DataSourceSpec } from '../kinds/data-source.js';
import { service as serviceKind, serviceSpec, type ServiceSpec } from '../kinds/service.js';
import { sloDefinition, sloSpec, type SloSpec } from '../kinds/slo.js';
import { openSLOApiVersion } from './common.js';
import { sloToPave } from './slo.js';
import { specAnnotationPrefix, specAnnotations } from './spec-annotations.js';

export interface OpenSLOMetadata {
  name: string;
  displayName?: string;
  labels?: Record<string, string | string[]>;
  annotations?: Record<string, string>;
}

export interface OpenSLODocument {
  apiVersion: typeof openSLOApiVersion;
  kind: 'DataSource' | 'Service' | 'SLO' | 'AlertPolicy';
  metadata: OpenSLOMetadata;
  spec: Record<string, unknown>;
}

/** The documents of one service: the Service, then each of its SLOs followed by the SLO's AlertPolicies. */
export interface ExportedService {
  service: string;
  documents: OpenSLODocument[];
}

/** A catalog as OpenSLO: the DataSources the SLOs read (shared between services), then the services. */
export interface OpenSLOExport {
  dataSources: OpenSLODocument[];
  services: ExportedService[];
}

type Selector = { series: string; match?: Record<string, string> };
type Indicator = SloSpec['indicator'];

/** OpenSLO limits descriptions to 1050 characters; a longer pave description travels whole in an annotation. */
const descriptionLimit = 1050;
/** OpenSLO object names (RFC 1123 labels) are at most 63 characters. */
const nameLimit = 63;
/** pave's calendar periods start at these instants anyway; 2024-01-01 is a Monday, the 1st of a month, quarter and year. */
const alignedStartTime = '2024-01-01 00:00:00';
/** Annotations the import reads (owner, tier: services and data sources) or writes (source); the export recomputes them. */
const ownerAnnotation = 'pave.dev/owner';
const tierAnnotation = 'pave.dev/tier';
const sourceAnnotation = 'pave.dev/source';

const budgetingMethods = { occurrences: 'Occurrences', timeslices: 'Timeslices', ratioTimeslices: 'RatioTimeslices' } as const;
const calendarDurations = { week: '1w', month: '1M', quarter: '1Q', year: '1Y' } as const;
/** The nominal period a calendar tier's burn-rate factor is given for: OpenSLO's own SDK reads 1M as 30d, 1Q as 90d. */
const nominalCalendarMinutes = { week: MINUTES_PER_WEEK, month: 30 * MINUTES_PER_DAY, quarter: 90 * MINUTES_PER_DAY, year: 365 * MINUTES_PER_DAY } as const;

/**
 * `x` × 10^places done on the decimal digits (99.9 → 0.999 with places −2), so that pave's import, which multiplies
 * by 100 the same way, gets the very number back. The number is read through its shortest decimal form.
 */
export function shiftDecimal(x: number, places: number): number {
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!m) return x * 10 ** places;
  const [, whole = '', frac = '', exp = '0'] = m;
  const digits = whole + frac;
  const point = whole.length + Number(exp) + places;
  const text =
    point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return Number(text);
}

/** A pave duration as an OpenSLO duration-shorthand: as written when it has one unit (`28d`), else in minutes (`90m`). */
export function durationShorthand(duration: string): string {
  return /^[1-9]\d*[mhdw]$/.test(duration) ? duration : `${parseDuration(duration)}m`;
}

const byName = (a: ConfigObject, b: ConfigObject) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);

function sortedRecord<V>(record: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A name of at most 63 characters: `base-suffix`, with base shortened and a digest of it added when too long. */
export function boundedName(base: string, suffix: string): string {
  const name = `${base}-${suffix}`;
  if (name.length <= nameLimit) return name;
  const digest = createHash('sha256').update(base).digest('hex').slice(0, 6);
  return `${base.slice(0, nameLimit - suffix.length - digest.length - 2).replace(/-+$/, '')}-${digest}-${suffix}`;
}

/**
 * OpenSLO label values may be lists; pave's import joins a list with commas, so a pave label holding commas is written
 * as that list (`platform,storefront` → [platform, storefront]) and reads back identically.
 */
function openSLOLabels(labels: Record<string, string> | undefined): Record<string, string | string[]> | undefined {
  if (!labels || Object.keys(labels).length === 0) return undefined;
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(labels)) {
    const parts = v.split(',');
    out[k] = parts.length > 1 && parts.every((p) => p !== '') ? parts : v;
  }
  return sortedRecord(out);
}

/** The object's own annotations, without the source mark, carried spec fields and the `recomputed` ones. */
function ownAnnotations(obj: ConfigObject, recomputed: readonly string[] = []): Record<string, string> {
  const dropped = [sourceAnnotation, ...recomputed];
  return Object.fromEntries(Object.entries(obj.metadata.annotations ?? {}).filter(([k]) => !dropped.includes(k) && !k.startsWith(specAnnotationPrefix)));
}

function metadataOf(obj: ConfigObject, annotations: Record<string, string>): OpenSLOMetadata {
  const labels = openSLOLabels(obj.metadata.labels);
  return {
    name: obj.metadata.name,
    ...(obj.metadata.displayName === undefined ? {} : { displayName: obj.metadata.displayName }),
    ...(labels ? { labels } : {}),
    ...(Object.keys(annotations).length > 0 ? { annotations: sortedRecord(annotations) } : {}),
  };
}

function withAnnotations(doc: OpenSLODocument, extra: Record<string, string>): OpenSLODocument {
  const annotations = { ...doc.metadata.annotations, ...extra };
  const { annotations: _, ...rest } = doc.metadata;
  return { ...doc, metadata: { ...rest, ...(Object.keys(annotations).length > 0 ? { annotations: sortedRecord(annotations) } : {}) } };
}

function truncated(text: string | undefined): { description?: string } {
  return text === undefined ? {} : { description: text.slice(0, descriptionLimit) };
}

// ---- indicators ----

/** A promql count as an OpenSLO Prometheus metric source; the query keeps pave's `{{window}}` placeholder. */
function prometheusMetric(dataSource: string, query: string): Record<string, unknown> {
  return { metricSource: { metricSourceRef: dataSource, type: 'Prometheus', spec: { query } } };
}

function metric(s: Selector): Record<string, unknown> {
  return { metricSource: { type: 'pave', spec: s.match === undefined ? { series: s.series } : { series: s.series, match: s.match } } };
}

function ratioMetric(r: { good?: Selector; bad?: Selector; total: Selector }): Record<string, unknown> {
  return { counter: true, ...(r.good ? { good: metric(r.good) } : { bad: metric(r.bad!) }), total: metric(r.total) };
}

/**
 * An events indicator read as a ratio of the series ingest keeps for it: one per status (label `status`), and, under
 * each latency threshold an events SLO declares, one per status and threshold (label `le`). Good: the good statuses
 * (without 4xx when client errors are excluded), at the threshold when there is one; total: every status without
 * `le` (without 4xx when excluded). pave evaluates this ratio exactly as the events indicator.
 */
export function eventsAsRatio(e: NonNullable<Indicator['events']>): { good: Selector; total: Selector } {
  const statuses = e.excludeClientErrors ? e.good.status.filter((s) => !s.startsWith('4')) : e.good.status;
  const le = e.good.maxLatencyMs === undefined ? '' : String(e.good.maxLatencyMs);
  return {
    good: { series: e.series, match: { ...e.match, status: statuses.length > 0 ? statuses.join('|') : '!~.*', le } },
    total: { series: e.series, match: { ...e.match, ...(e.excludeClientErrors ? { status: '!4xx' } : {}), le: '' } },
  };
}

/** The series no one sends: a composite's OpenSLO indicator, which pave's import replaces from the annotation. */
export const compositeSeries = 'pave_composite';

function describeEvents(e: NonNullable<Indicator['events']>): string {
  const latency = e.good.maxLatencyMs === undefined ? '' : ` within ${e.good.maxLatencyMs} ms`;
  const clients = e.excludeClientErrors ? '; client errors (4xx) not counted' : '';
  return `pave events indicator: good events have status ${e.good.status.join(', ')}${latency}${clients}`;
}

function describeComposite(c: NonNullable<Indicator['composite']>): string {
  const parts = c.components.map((x) => `${x.slo} (weight ${x.weight})`).join(', ');
  return `pave composite indicator: the weighted mean of the SLIs of the SLOs ${parts}, restored by pave from its ${specAnnotationPrefix}indicator annotation`.slice(0, descriptionLimit);
}

/** The SLI spec for a pave indicator; latency thresholds live in the objective (`op`, `value`). */
function sliSpec(i: Indicator): Record<string, unknown> {
  if (i.ratio) return { ratioMetric: ratioMetric(i.ratio) };
  if (i.latency) return { thresholdMetric: metric(i.latency) };
  if (i.events) return { description: describeEvents(i.events), ratioMetric: ratioMetric(eventsAsRatio(i.events)) };
  if (i.promql) {
    const q = i.promql;
    const numerator = q.good !== undefined ? { good: prometheusMetric(q.dataSource, q.good) } : { bad: prometheusMetric(q.dataSource, q.bad!) };
    return { ratioMetric: { counter: true, ...numerator, total: prometheusMetric(q.dataSource, q.total) } };
  }
  const placeholder = { series: compositeSeries };
  return { description: describeComposite(i.composite!), ratioMetric: ratioMetric({ good: placeholder, total: placeholder }) };
}

// ---- windows, objectives, tiers ----

function timeWindow(w: SloSpec['window']): Record<string, unknown> {
  if ('rolling' in w) return { duration: durationShorthand(w.rolling), isRolling: true };
  return { duration: calendarDurations[w.calendar], isRolling: false, calendar: { startTime: alignedStartTime, timeZone: w.timezone } };
}

function objective(s: SloSpec): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (s.indicator.latency) Object.assign(o, { op: 'lte', value: s.indicator.latency.threshold });
  o.target = shiftDecimal(s.objective, -2);
  if (s.budgeting !== 'occurrences') {
    if (s.budgeting === 'timeslices' && s.timeslice?.threshold !== undefined) o.timeSliceTarget = shiftDecimal(s.timeslice.threshold, -2);
    o.timeSliceWindow = durationShorthand(s.timeslice?.length ?? '1m');
  }
  return o;
}

function nominalPeriodMinutes(w: SloSpec['window']): number {
  return 'rolling' in w ? parseDuration(w.rolling) : nominalCalendarMinutes[w.calendar];
}

/** A tier as the export writes it: windows in pave's spelling, the burn-rate factor as a number. */
interface ExportedTier {
  severity: TierRule['severity'];
  long: string;
  short: string;
  factor: number;
}

/** A tier's burn-rate factor for a budget share b: b·P/L over the window's (nominal) period. */
function budgetShareFactor(rule: TierRule, periodMinutes: number): number {
  return Number(valueOf(tierFactor(rule, periodMinutes)).toPrecision(12));
}

/**
 * The tiers pave evaluates for this SLO: its own, as written, or the defaults that fit it; none when it does not
 * alert (alerting off, or a composite, which has no tiers of its own).
 */
function exportedTiers(obj: ConfigObject<SloSpec>): ExportedTier[] {
  const s = obj.spec;
  if (!s.alerting.enabled || s.indicator.composite) return [];
  const compiled = compileSlo(sloDefinition(obj));
  if (!compiled.ok) return [];
  const own = Array.isArray(s.alerting.tiers) ? s.alerting.tiers : [];
  return compiled.slo.tiers.map((rule, i) => ({
    severity: rule.severity,
    long: own[i]?.long ?? formatDuration(rule.long),
    short: formatDuration(rule.short),
    factor: own[i]?.factor ?? budgetShareFactor(rule, nominalPeriodMinutes(s.window)),
  }));
}

function alertPolicy(sloName: string, tier: ExportedTier): OpenSLODocument {
  const long = formatDuration(parseDuration(tier.long));
  const name = boundedName(sloName, `${tier.severity}-${long}-${tier.short}`);
  return {
    apiVersion: openSLOApiVersion,
    kind: 'AlertPolicy',
    metadata: { name },
    spec: {
      description: `pave ${tier.severity} tier ${long}/${tier.short} of SLO ${sloName}`,
      alertWhenNoData: true,
      alertWhenResolved: true,
      alertWhenBreaching: true,
      conditions: [
        {
          kind: 'AlertCondition',
          metadata: { name },
          spec: {
            description: `the burn rate is above ${tier.factor} over ${long} and over ${tier.short}`,
            severity: tier.severity,
            condition: { kind: 'burnrate', op: 'gt', threshold: tier.factor, lookbackWindow: durationShorthand(tier.long), alertAfter: '0m' },
          },
        },
      ],
      notificationTargets: [
        {
          kind: 'AlertNotificationTarget',
          metadata: { name: 'pave' },
          spec: { target: 'pave', description: 'pave records the alerts of this tier and routes them itself' },
        },
      ],
    },
  };
}

// ---- documents ----

/** What pave's import makes of an SLO document and its policies, with the SLO kind's defaults filled in. */
function importedSloSpec(doc: OpenSLODocument, policies: OpenSLODocument[]): SloSpec {
  const resolved = {
    ...doc,
    spec: {
      ...doc.spec,
      ...(policies.length > 0 ? { alertPolicies: policies.map((p) => ({ kind: p.kind, metadata: p.metadata, spec: p.spec })) } : {}),
    },
  };
  return sloSpec.parse(sloToPave(resolved).spec);
}

export function exportSlo(obj: ConfigObject<SloSpec>): OpenSLODocument[] {
  const s = obj.spec;
  const name = obj.metadata.name;
  const policies = exportedTiers(obj).map((tier) => alertPolicy(name, tier));
  const doc: OpenSLODocument = {
    apiVersion: openSLOApiVersion,
    kind: 'SLO',
    metadata: metadataOf(obj, ownAnnotations(obj)),
    spec: {
      ...truncated(s.description),
      service: s.service,
      indicator: { metadata: { name }, spec: sliSpec(s.indicator) },
      timeWindow: [timeWindow(s.window)],
      budgetingMethod: budgetingMethods[s.budgeting],
      objectives: [objective(s)],
      ...(policies.length > 0 ? { alertPolicies: policies.map((p) => ({ alertPolicyRef: p.metadata.name })) } : {}),
    },
  };
  const carried = specAnnotations(s as unknown as Record<string, unknown>, importedSloSpec(doc, policies) as unknown as Record<string, unknown>, ['indicator']);
  return [withAnnotations(doc, carried), ...policies];
}

export function exportService(obj: ConfigObject<ServiceSpec>): OpenSLODocument {
  const s = obj.spec;
  const doc: OpenSLODocument = {
    apiVersion: openSLOApiVersion,
    kind: 'Service',
    metadata: metadataOf(obj, ownAnnotations(obj, [ownerAnnotation, tierAnnotation])),
    spec: truncated(s.description),
  };
  // Owner and tier: from the labels when they already say so (`team`, `tier`), else in pave's own annotations.
  const derived = serviceKind.openslo!.toPave(doc).spec as { owner?: string; tier?: string };
  const ownership = {
    ...(derived.owner === s.owner ? {} : { [ownerAnnotation]: s.owner }),
    ...((derived.tier ?? 'important') === s.tier ? {} : { [tierAnnotation]: s.tier }),
  };
  const owned = withAnnotations(doc, ownership);
  const imported = serviceSpec.parse(serviceKind.openslo!.toPave(owned).spec);
  return withAnnotations(owned, specAnnotations(s as unknown as Record<string, unknown>, imported as unknown as Record<string, unknown>));
}

/**
 * A Prometheus DataSource: OpenSLO's `connectionDetails` are free-form, and pave's import reads the same fields as a
 * pave DataSource there (url, headers, headersFromEnv, timeout); the owner as for services.
 */
export function exportDataSource(obj: ConfigObject<DataSourceSpec>): OpenSLODocument {
  const s = obj.spec;
  const doc: OpenSLODocument = {
    apiVersion: openSLOApiVersion,
    kind: 'DataSource',
    metadata: metadataOf(obj, ownAnnotations(obj, [ownerAnnotation])),
    spec: {
      ...truncated(s.description),
      type: 'Prometheus',
      connectionDetails: {
        url: s.url,
        ...(Object.keys(s.headers).length > 0 ? { headers: s.headers } : {}),
        ...(Object.keys(s.headersFromEnv).length > 0 ? { headersFromEnv: s.headersFromEnv } : {}),
        timeout: s.timeout,
      },
    },
  };
  const derived = dataSourceKind.openslo!.toPave(doc).spec as { owner?: string };
  const owned = withAnnotations(doc, s.owner === undefined || derived.owner === s.owner ? {} : { [ownerAnnotation]: s.owner });
  const imported = dataSourceSpec.parse(dataSourceKind.openslo!.toPave(owned).spec);
  return withAnnotations(owned, specAnnotations(s as unknown as Record<string, unknown>, imported as unknown as Record<string, unknown>));
}

/**
 * OpenSLO documents for every SLO of the catalog, the services they belong to and the DataSources they read, sorted
 * by name. Other kinds have no OpenSLO form and are left out (SLAs and Corrections stay pave documents).
 */
export function exportOpenSLO(catalog: readonly ConfigObject[]): OpenSLOExport {
  const slos = catalog.filter((o) => o.kind === 'SLO').sort(byName) as ConfigObject<SloSpec>[];
  const byKind = <S>(kind: string) => new Map(catalog.filter((o) => o.kind === kind).map((o) => [o.metadata.name, o as ConfigObject<S>]));
  const [services, dataSources] = [byKind<ServiceSpec>('Service'), byKind<DataSourceSpec>('DataSource')];
  const read = [...new Set(slos.flatMap((s) => (s.spec.indicator.promql ? [s.spec.indicator.promql.dataSource] : [])))].sort();
  const names = [...new Set(slos.map((s) => s.spec.service))].sort();
  return {
    dataSources: read.flatMap((name) => {
      const ds = dataSources.get(name);
      return ds ? [exportDataSource(ds)] : [];
    }),
    services: names.map((service) => {
      const svc = services.get(service);
      return {
        service,
        documents: [...(svc ? [exportService(svc)] : []), ...slos.filter((s) => s.spec.service === service).flatMap(exportSlo)],
      };
    }),
  };
}

/** Every document of an export, in order: DataSources first, then service by service. */
export function exportedDocuments(e: OpenSLOExport): OpenSLODocument[] {
  return [...e.dataSources, ...e.services.flatMap((s) => s.documents)];
}

/** YAML for a list of documents, `---` between them; the same documents always give the same text. */
export function formatOpenSLO(documents: readonly OpenSLODocument[]): string {
  return documents.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}
