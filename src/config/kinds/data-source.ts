// DataSource: where promql SLO indicators are read from. Prometheus, or anything that speaks its HTTP API (Thanos,
// Mimir, VictoriaMetrics, Cortex). Credentials never live in the catalog: a header's value may be read from an
// environment variable when pave connects, so it is neither stored, nor shown by the API, nor written to the audit log.
import { z } from 'zod';
import type { CrossCheckIssue, KindDefinition, ObjectReference } from '../kind.js';
import { objectName } from '../metadata.js';
import { isMap, openSLOApiVersion, openSLOLabels, paveLabels, problem } from '../openslo/common.js';
import { restoreSpecAnnotations } from '../openslo/spec-annotations.js';
import type { ConfigObject } from '../../domain/objects.js';

export const dataSourceTypes = ['prometheus'] as const;
export type DataSourceType = (typeof dataSourceTypes)[number];

/** An HTTP header name (an RFC 9110 token). */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'an HTTP header name such as X-Scope-OrgID');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,199}$/, 'an environment variable name such as PAVE_PROM_AUTH');

/** Headers pave's HTTP client sets itself. */
const reservedHeaders = ['host', 'content-length', 'content-type', 'connection', 'transfer-encoding', 'accept-encoding'];
/** Headers that carry credentials by definition: their value belongs in the environment. */
const credentialHeaders = ['authorization', 'proxy-authorization', 'cookie'];
const secretLooking = /(key|token|secret|password|passwd|auth|session)/i;

/** A timeout: a whole number of milliseconds, seconds or minutes, from 100ms to 5m. */
export const timeoutString = z
  .string()
  .regex(/^\d+(ms|s|m)$/, 'a timeout such as 500ms, 10s or 1m')
  .refine((t) => {
    const ms = parseTimeout(t);
    return ms >= 100 && ms <= 300_000;
  }, 'a timeout from 100ms to 5m');

/** Milliseconds of a timeout string (`10s` → 10000); NaN when it is not one. */
export function parseTimeout(text: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(text);
  if (!m) return Number.NaN;
  return Number(m[1]) * { ms: 1, s: 1_000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
}

/** The parsed URL, or null; refinements run even after the URL check failed. */
function parsedUrl(u: string): URL | null {
  try {
    return new URL(u);
  } catch {
    return null;
  }
}

const prometheusUrl = z
  .url({ protocol: /^https?$/, error: 'an http(s) URL such as http://127.0.0.1:9090' })
  .refine((u) => {
    const parsed = parsedUrl(u);
    return !parsed || (parsed.username === '' && parsed.password === '');
  }, 'a URL without user or password: credentials are stored and shown with the catalog; send them with headersFromEnv')
  .refine((u) => {
    const parsed = parsedUrl(u);
    return !parsed || (parsed.search === '' && parsed.hash === '');
  }, 'a base URL without query or fragment: pave appends /api/v1/query_range');

export const dataSourceSpec = z.strictObject({
  // Thanos, Mimir and VictoriaMetrics users reach for their product's name: say which type covers them.
  type: z.custom<DataSourceType>((t) => dataSourceTypes.includes(t as DataSourceType), {
    message: 'type prometheus: Prometheus, or anything speaking its HTTP API (Thanos, Mimir, VictoriaMetrics)',
  }),
  description: z.string().max(2000).optional(),
  /** The team that may change it; without one, only admins may. */
  owner: objectName.optional(),
  /** Base URL; the Prometheus API is under <url>/api/v1/. A path prefix is kept (Mimir: http://mimir/prometheus). */
  url: prometheusUrl,
  /** Plain header values, stored as written (a tenant id, not a credential). */
  headers: z.record(headerName, z.string().max(8_192)).default({}),
  /** Header name → the environment variable holding its value, read when pave connects. */
  headersFromEnv: z.record(headerName, envName).default({}),
  timeout: timeoutString.default('10s'),
});
export type DataSourceSpec = z.infer<typeof dataSourceSpec>;

/** What a Prometheus client needs: base URL, every header with its value, and the timeout. */
export interface PrometheusConnection {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

/**
 * The connection of a data source, its environment-backed header values read from `env` (pass process.env). A header
 * whose variable is unset or empty is listed in `missing` (by variable name, never by value) and left out.
 */
export function dataSourceConnection(spec: DataSourceSpec, env: Readonly<Record<string, string | undefined>>): { connection: PrometheusConnection; missing: string[] } {
  const headers: Record<string, string> = { ...spec.headers };
  const missing: string[] = [];
  for (const [header, variable] of Object.entries(spec.headersFromEnv)) {
    const value = env[variable];
    if (value === undefined || value === '') missing.push(variable);
    else headers[header] = value;
  }
  return { connection: { url: spec.url.replace(/\/+$/, ''), headers, timeoutMs: parseTimeout(spec.timeout) }, missing };
}

function headerIssues(spec: DataSourceSpec): CrossCheckIssue[] {
  const issues: CrossCheckIssue[] = [];
  const seen = new Map<string, string>();
  const check = (field: 'headers' | 'headersFromEnv', name: string) => {
    const lower = name.toLowerCase();
    const path = ['spec', field, name];
    if (reservedHeaders.includes(lower)) issues.push({ path, severity: 'error', message: `${name} is set by pave's HTTP client; leave it out` });
    const first = seen.get(lower);
    if (first !== undefined) issues.push({ path, severity: 'error', message: `header ${name} is also given as ${first}: give each header once (header names ignore case)` });
    seen.set(lower, `${field}.${name}`);
    if (field !== 'headers') return;
    if (credentialHeaders.includes(lower)) {
      issues.push({
        path,
        severity: 'error',
        message: `${name} carries credentials, and plain header values are stored, shown by the API and audited: read it from the environment with headersFromEnv: { ${name}: SOME_VARIABLE }`,
      });
    } else if (secretLooking.test(name)) {
      issues.push({ path, severity: 'warning', message: `if ${name} holds a secret, read it from the environment with headersFromEnv: plain header values are stored and shown by the API` });
    }
  };
  for (const name of Object.keys(spec.headers)) check('headers', name);
  for (const name of Object.keys(spec.headersFromEnv)) check('headersFromEnv', name);
  return issues;
}

// ---- OpenSLO v1 DataSource ---------------------------------------------------------------------------------------

/** OpenSLO's connectionDetails is free-form; for Prometheus pave reads the same fields as its own DataSource. */
const openSLOConnection = z.strictObject({
  url: z.unknown(),
  headers: z.unknown().optional(),
  headersFromEnv: z.unknown().optional(),
  timeout: z.unknown().optional(),
});

const openSLODataSource = z
  .strictObject({
    apiVersion: z.literal(openSLOApiVersion),
    kind: z.literal('DataSource'),
    metadata: z.strictObject({
      name: objectName,
      displayName: z.string().optional(),
      labels: openSLOLabels.optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    }),
    spec: z.strictObject({
      description: z.string().max(1050).optional(),
      type: z.string(),
      connectionDetails: z.unknown(),
    }),
  })
  .superRefine((d, ctx) => {
    if (!/^prometheus$/i.test(d.spec.type)) {
      problem(
        ctx,
        ['spec', 'type'],
        `data source type ${d.spec.type} is not supported: pave reads Prometheus and what speaks its HTTP API (Thanos, Mimir, VictoriaMetrics)`,
        'Prometheus',
        'unsupported',
      );
      return;
    }
    if (!isMap(d.spec.connectionDetails)) {
      problem(ctx, ['spec', 'connectionDetails'], 'a Prometheus data source needs its connection details', 'connectionDetails: {url, headers, headersFromEnv, timeout}', 'missing_field');
      return;
    }
    const r = openSLOConnection.safeParse(d.spec.connectionDetails);
    if (!r.success) for (const i of r.error.issues) ctx.addIssue({ ...i, path: ['spec', 'connectionDetails', ...(i.path as (string | number)[])] } as Parameters<typeof ctx.addIssue>[0]);
  });

function firstLabel(labels: Record<string, string | string[]> | undefined, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = labels?.[k];
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && v.length > 0) return v[0];
  }
  return undefined;
}

function openSLOToPave(doc: unknown): ConfigObject {
  const d = openSLODataSource.parse(doc);
  const details = d.spec.connectionDetails as Record<string, unknown>;
  const annotations = d.metadata.annotations ?? {};
  const owner = annotations['pave.dev/owner'] ?? firstLabel(d.metadata.labels, 'team', 'owner');
  const labels = paveLabels(d.metadata.labels);
  const spec: Record<string, unknown> = { type: 'prometheus', url: details.url };
  for (const key of ['headers', 'headersFromEnv', 'timeout'] as const) if (details[key] !== undefined) spec[key] = details[key];
  if (d.spec.description !== undefined) spec.description = d.spec.description;
  if (owner !== undefined) spec.owner = owner;
  // Fields OpenSLO cannot express, carried by `pave openslo export` in pave.dev/spec.* annotations.
  return restoreSpecAnnotations({
    apiVersion: 'pave/v1',
    kind: 'DataSource',
    metadata: {
      name: d.metadata.name,
      ...(d.metadata.displayName ? { displayName: d.metadata.displayName } : {}),
      ...(Object.keys(labels).length ? { labels } : {}),
      annotations: { ...annotations, 'pave.dev/source': 'openslo/v1' },
    },
    spec,
  });
}

function openSLOSourcePath(path: readonly (string | number)[]): readonly (string | number)[] {
  if (path[0] !== 'spec') return path;
  const field = path[1];
  if (field === 'type') return ['spec', 'type'];
  if (field === 'owner') return ['metadata', 'labels', 'team'];
  if (field === 'description') return path;
  return ['spec', 'connectionDetails', ...path.slice(1)];
}

export const dataSource: KindDefinition<DataSourceSpec> = {
  kind: 'DataSource',
  plural: 'datasources',
  aliases: ['datasource', 'data-source', 'data-sources', 'ds'],
  description: 'Where promql SLO indicators are read from: a Prometheus (or Thanos, Mimir, VictoriaMetrics) HTTP API.',
  specSchema: dataSourceSpec,
  applyOrder: 35,
  references: (spec) => (spec.owner ? [{ kind: 'Team', name: spec.owner, path: ['spec', 'owner'] } satisfies ObjectReference] : []),
  // Shared infrastructure: its owning team, or admins only when it names none.
  owners: (obj) => (obj.spec.owner ? [obj.spec.owner] : []),
  crossCheck: (obj) => headerIssues(obj.spec),
  columns: (obj) => ({
    name: obj.metadata.name,
    type: obj.spec.type,
    url: obj.spec.url,
    owner: obj.spec.owner ?? '',
    timeout: obj.spec.timeout,
    headers: [...Object.keys(obj.spec.headers), ...Object.keys(obj.spec.headersFromEnv).map((h) => `${h}(env)`)].join(','),
  }),
  filters: {
    type: (obj, v) => obj.spec.type === v,
    owner: (obj, v) => obj.spec.owner === v,
  },
  openslo: { schema: openSLODataSource, toPave: openSLOToPave, sourcePath: openSLOSourcePath },
};
