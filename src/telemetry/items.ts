// Ingest items → per-series, per-minute count deltas. Validation names the item index and field of every problem.
import { seriesKey, type Labels } from '../domain/labels.js';

export const maxBatchItems = 10_000;
const seriesPattern = /^[a-zA-Z_:][a-zA-Z0-9_:]{0,199}$/;
const labelPattern = /^[a-zA-Z_][a-zA-Z0-9_]{0,99}$/;
const minuteMs = 60_000;

/** A problem with one item of a batch. */
export interface ItemError {
  index: number;
  path: string;
  message: string;
}

export interface SeriesDelta {
  key: string;
  name: string;
  labels: Labels;
  /** minute start (epoch ms) → counts to add */
  minutes: Map<number, { good: number; total: number }>;
}

export interface ParsedBatch {
  series: Map<string, SeriesDelta>;
  /** Raw events and histogram observations count as events too: this is what P2 measures. */
  events: number;
  errors: ItemError[];
}

export interface IngestRules {
  now: number;
  /** How late data may arrive and still land in its bucket. */
  latenessMs: number;
  /** How far ahead of the server's clock a timestamp may be (clock skew). */
  futureMs: number;
  /** For raw events: the latency thresholds (ms) SLOs declare per series, counted exactly at ingest. */
  eventThresholds: (series: string) => readonly number[];
  /**
   * Validated series identities by signature, kept across batches by the caller (a sender repeats the same few
   * hundred series batch after batch). Bounded by the caller; a fresh map per batch when absent.
   */
  identities?: Map<string, SeriesIdentity>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Keeps one batch's additions per series and minute; identical (series, minute) pairs are summed. */
function add(out: Map<string, SeriesDelta>, key: string, name: string, labels: Labels, minute: number, good: number, total: number): void {
  let s = out.get(key);
  if (!s) {
    s = { key, name, labels, minutes: new Map() };
    out.set(key, s);
  }
  const m = s.minutes.get(minute);
  if (m) {
    m.good += good;
    m.total += total;
  } else s.minutes.set(minute, { good, total });
}

function statusLabel(status: number): string {
  return String(status);
}

/** `le` labels are written the way Prometheus does: `0.3`, `1`, `+Inf`. */
export function leLabel(bound: number): string {
  return bound === Infinity ? '+Inf' : String(bound);
}

/**
 * A cheap, unambiguous signature of a series name and its labels in the order the sender wrote them (length-prefixed,
 * so no value can forge another's), or undefined when a label value is not a string. A batch repeats a few hundred
 * series over its thousand items: the signature finds the validated identity and canonical key (sorted, quoted:
 * seriesKey) of a series already seen in the batch, instead of validating and sorting again.
 */
function signature(name: string, labels: Record<string, unknown>): string | undefined {
  let sig = `${name.length}:${name}`;
  for (const k in labels) {
    const v = labels[k];
    if (typeof v !== 'string') return undefined;
    sig += `${k.length}:${k}${v.length}:${v}`;
  }
  return sig;
}

export interface SeriesIdentity {
  key: string;
  labels: Labels;
  /** Keys of the series derived from this one (an event's status, and its threshold `le`), by suffix. */
  derived?: Map<string, { key: string; labels: Labels }>;
  /** An event's status series, and under it its threshold series, by status code and threshold. */
  byStatus?: Map<number, { key: string; labels: Labels; le: Map<number, { key: string; labels: Labels }> }>;
}
type Identity = SeriesIdentity;

function derive(id: Identity, name: string, suffix: string, extra: () => Labels): { key: string; labels: Labels } {
  id.derived ??= new Map();
  let d = id.derived.get(suffix);
  if (!d) {
    const labels = { ...id.labels, ...extra() };
    d = { key: seriesKey(name, labels), labels };
    id.derived.set(suffix, d);
  }
  return d;
}

const countsFields = new Set(['series', 'labels', 'ts', 'good', 'total']);
const eventFields = new Set(['series', 'labels', 'ts', 'status', 'latencyMs']);
const histogramFields = new Set(['series', 'labels', 'ts', 'buckets']);

function unknownField(item: Record<string, unknown>, allowed: Set<string>): string | undefined {
  for (const k in item) if (!allowed.has(k)) return k;
  return undefined;
}

export function parseBatch(items: unknown, rules: IngestRules): ParsedBatch {
  const errors: ItemError[] = [];
  const series = new Map<string, SeriesDelta>();
  let events = 0;
  if (!Array.isArray(items)) return { series, events, errors: [{ index: -1, path: 'items', message: 'expected a list of items' }] };
  if (items.length > maxBatchItems) {
    return { series, events, errors: [{ index: -1, path: 'items', message: `at most ${maxBatchItems} items per batch, got ${items.length}` }] };
  }
  const err = (index: number, field: string, message: string) => errors.push({ index, path: `items[${index}]${field ? `.${field}` : ''}`, message });

  const known = rules.identities ?? new Map<string, Identity>();
  items.forEach((item, i) => {
    if (!isRecord(item)) return err(i, '', 'expected an object');
    const errorsBefore = errors.length;
    const name = item.series;
    const sig = typeof name === 'string' && (item.labels === undefined || isRecord(item.labels)) ? signature(name, (item.labels ?? {}) as Record<string, unknown>) : undefined;
    let id = sig === undefined ? undefined : known.get(sig);
    let labels: Labels = {};
    if (id) labels = id.labels;
    else {
      if (typeof name !== 'string' || !seriesPattern.test(name)) err(i, 'series', 'expected a series name of letters, digits, _ and :');
      if (item.labels !== undefined) {
        if (!isRecord(item.labels)) err(i, 'labels', 'expected a map of label names to strings');
        else {
          for (const [k, v] of Object.entries(item.labels)) {
            if (!labelPattern.test(k)) err(i, `labels.${k}`, 'expected a label name of letters, digits and _');
            else if (typeof v !== 'string' || v.length > 500) err(i, `labels.${k}`, 'expected a string of at most 500 characters');
          }
          labels = item.labels as Labels;
        }
      }
      if (errors.length === errorsBefore && sig !== undefined) {
        id = { key: seriesKey(name as string, labels), labels };
        known.set(sig, id);
      }
    }
    const ts = typeof item.ts === 'number' ? item.ts : typeof item.ts === 'string' ? Date.parse(item.ts) : NaN;
    if (!Number.isFinite(ts)) err(i, 'ts', 'expected an ISO 8601 time or epoch milliseconds');
    else if (ts < rules.now - rules.latenessMs) err(i, 'ts', `older than the allowed lateness (${Math.round(rules.latenessMs / 60_000)} min): it would land in a bucket already evaluated`);
    else if (ts > rules.now + rules.futureMs) err(i, 'ts', `more than ${Math.round(rules.futureMs / 1000)} s in the future: check the sender's clock`);
    const minute = Math.floor(ts / minuteMs) * minuteMs;

    if ('buckets' in item) {
      const extra = unknownField(item, histogramFields);
      if (extra !== undefined) err(i, extra, 'unknown field in a histogram item (series, labels, ts, buckets)');
      if ('le' in labels) err(i, 'labels.le', 'le is set from buckets; do not give it as a label');
      if (!isRecord(item.buckets) || Object.keys(item.buckets).length === 0) return err(i, 'buckets', 'expected a map of bucket bounds to cumulative counts, e.g. {"0.1": 5, "0.3": 9, "+Inf": 10}');
      const bounds = Object.entries(item.buckets).map(([le, count]) => ({ le: le === '+Inf' ? Infinity : Number(le), raw: le, count }));
      for (const b of bounds) {
        if (Number.isNaN(b.le) || b.raw.trim() === '') err(i, `buckets.${b.raw}`, 'expected a number or +Inf as the bucket bound');
        if (!isCount(b.count)) err(i, `buckets.${b.raw}`, 'expected a non-negative integer count');
      }
      if (!bounds.some((b) => b.le === Infinity)) err(i, 'buckets', 'expected a +Inf bucket holding the total count');
      bounds.sort((a, b) => a.le - b.le);
      for (let j = 1; j < bounds.length; j++) {
        if ((bounds[j]!.count as number) < (bounds[j - 1]!.count as number)) err(i, `buckets.${bounds[j]!.raw}`, 'cumulative counts must not decrease as the bound grows');
      }
      if (errors.length > errorsBefore) return;
      for (const b of bounds) {
        const le = leLabel(b.le);
        const d = derive(id!, name as string, `le=${le}`, () => ({ le }));
        add(series, d.key, name as string, d.labels, minute, b.count as number, b.count as number);
      }
      events += bounds.at(-1)!.count as number;
      return;
    }

    if ('status' in item || 'latencyMs' in item) {
      const extra = unknownField(item, eventFields);
      if (extra !== undefined) err(i, extra, 'unknown field in an event item (series, labels, ts, status, latencyMs)');
      const status = item.status;
      if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) err(i, 'status', 'expected an HTTP status code from 100 to 599');
      const latency = item.latencyMs;
      if (typeof latency !== 'number' || !Number.isFinite(latency) || latency < 0) err(i, 'latencyMs', 'expected a non-negative number of milliseconds');
      if ('status' in labels || 'le' in labels) err(i, 'labels', 'status and le are set from the event; do not give them as labels');
      if (errors.length > errorsBefore) return;
      // One event: counted under its status, and under each latency threshold it meets, so any SLO rule is exact.
      const byStatus = (id!.byStatus ??= new Map());
      let ws = byStatus.get(status as number);
      if (!ws) {
        const labels = { ...id!.labels, status: statusLabel(status as number) };
        ws = { key: seriesKey(name as string, labels), labels, le: new Map() };
        byStatus.set(status as number, ws);
      }
      add(series, ws.key, name as string, ws.labels, minute, 1, 1);
      for (const t of rules.eventThresholds(name as string)) {
        if ((latency as number) > t) continue;
        let d = ws.le.get(t);
        if (!d) {
          const labels = { ...ws.labels, le: leLabel(t) };
          d = { key: seriesKey(name as string, labels), labels };
          ws.le.set(t, d);
        }
        add(series, d.key, name as string, d.labels, minute, 1, 1);
      }
      events += 1;
      return;
    }

    const extra = unknownField(item, countsFields);
    if (extra !== undefined) err(i, extra, 'unknown field: a counts item has series, labels, ts, good and total (histograms have buckets, events have status and latencyMs)');
    if (!isCount(item.total)) err(i, 'total', 'expected a non-negative integer count');
    if (!isCount(item.good)) err(i, 'good', 'expected a non-negative integer count');
    else if (isCount(item.total) && item.good > item.total) err(i, 'good', `good (${item.good}) cannot exceed total (${item.total})`);
    if (errors.length > errorsBefore) return;
    add(series, id!.key, name as string, labels, minute, item.good as number, item.total as number);
    events += item.total as number;
  });
  if (errors.length > 0) return { series: new Map(), events: 0, errors };
  return { series, events, errors };
}
