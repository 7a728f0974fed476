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
   * Validated series identities, kept across batches by the caller (a sender repeats the same few hundred series
   * batch after batch). Bounded by the caller; fresh per batch when absent.
   */
  identities?: SeriesIdentities;
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

/** One event: counted under its status, and under each latency threshold it meets, so any SLO rule is exact. */
function addEvent(out: Map<string, SeriesDelta>, id: Identity, name: string, minute: number, status: number, latency: number, thresholds: readonly number[]): void {
  const byStatus = (id.byStatus ??= new Map());
  let ws = byStatus.get(status);
  if (!ws) {
    const labels = { ...id.labels, status: statusLabel(status) };
    ws = { key: seriesKey(name, labels), labels, le: new Map() };
    byStatus.set(status, ws);
  }
  add(out, ws.key, name, ws.labels, minute, 1, 1);
  for (const t of thresholds) {
    if (latency > t) continue;
    let d = ws.le.get(t);
    if (!d) {
      const labels = { ...ws.labels, le: leLabel(t) };
      d = { key: seriesKey(name, labels), labels };
      ws.le.set(t, d);
    }
    add(out, d.key, name, d.labels, minute, 1, 1);
  }
}

function statusLabel(status: number): string {
  return String(status);
}

/** `le` labels are written the way Prometheus does: `0.3`, `1`, `+Inf`. */
export function leLabel(bound: number): string {
  return bound === Infinity ? '+Inf' : String(bound);
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

/** A series name and labels object as a body spelled them, and their identity. */
export interface Spelling {
  identity: Identity;
  name: string;
  nameBytes: Uint8Array;
  labelsBytes: Uint8Array;
}

function sameBytes(a: Uint8Array, buf: Buffer, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}

/** One step of the label trie: the identity whose labels end here, and the next label name → value → step. */
interface LabelStep {
  identity?: Identity;
  next?: Map<string, Map<string, LabelStep>>;
}

/**
 * Validated series identities, found by the series name and its labels in the order the sender wrote them (a trie of
 * name, then label name and value pairs). A batch repeats a few hundred series over its thousand items, and a sender
 * the same ones batch after batch: a lookup walks a few map entries of strings JSON.parse already made, instead of
 * validating, sorting and quoting (seriesKey) again. Kept across batches by the caller, who bounds it with `size`.
 */
export class SeriesIdentities {
  private readonly roots = new Map<string, LabelStep>();
  /** By a hash of how a body spells a series name and its labels object (see findSpelled). */
  private readonly spelled = new Map<number, Spelling[]>();
  /** Identities and spellings held: the caller clears past a bound. */
  size = 0;

  /** The identity of a series seen before with exactly these labels, in this order; undefined otherwise. */
  find(name: string, labels: Record<string, unknown> | undefined): Identity | undefined {
    let step = this.roots.get(name);
    if (labels !== undefined) {
      for (const k in labels) {
        const v = labels[k];
        if (step === undefined || typeof v !== 'string') return undefined;
        step = step.next?.get(k)?.get(v);
      }
    }
    return step?.identity;
  }

  remember(name: string, labels: Labels, identity: Identity): void {
    let step: LabelStep = this.roots.get(name) ?? {};
    this.roots.set(name, step);
    for (const k in labels) {
      const next: Map<string, Map<string, LabelStep>> = (step.next ??= new Map());
      const byValue: Map<string, LabelStep> = next.get(k) ?? new Map();
      next.set(k, byValue);
      const value = labels[k]!;
      const after: LabelStep = byValue.get(value) ?? {};
      byValue.set(value, after);
      step = after;
    }
    if (!step.identity) this.size++;
    step.identity = identity;
  }

  /**
   * The identity of a series name and labels object spelled by `buf` in [nameStart, nameEnd) (the name's characters,
   * no escapes) and [labelsStart, labelsEnd) (the object's text, `{...}`; empty when the item has none), where `hash` is
   * a hash of the two that the scan computed (equal spellings, equal hashes). A spelling not seen before is decoded and
   * validated the ordinary way; undefined when invalid.
   */
  findSpelled(buf: Buffer, hash: number, nameStart: number, nameEnd: number, labelsStart: number, labelsEnd: number): Spelling | undefined {
    const chain = this.spelled.get(hash);
    if (chain) {
      for (const s of chain) if (sameBytes(s.nameBytes, buf, nameStart, nameEnd) && sameBytes(s.labelsBytes, buf, labelsStart, labelsEnd)) return s;
    }
    const name = buf.toString('utf8', nameStart, nameEnd);
    const labels: unknown = labelsEnd > labelsStart ? JSON.parse(buf.toString('utf8', labelsStart, labelsEnd)) : undefined;
    const identity = identify(name, labels, this, () => undefined);
    if (!identity) return undefined;
    const found: Spelling = { identity, name, nameBytes: buf.subarray(nameStart, nameEnd).slice(), labelsBytes: buf.subarray(labelsStart, labelsEnd).slice() };
    if (chain) chain.push(found);
    else this.spelled.set(hash, [found]);
    this.size++;
    return found;
  }

  clear(): void {
    this.roots.clear();
    this.spelled.clear();
    this.size = 0;
  }
}

/**
 * The identity of an item's series name and labels: known already, or validated now (each problem reported through
 * `problem` with its field) and remembered. Undefined when invalid.
 */
function identify(name: unknown, givenLabels: unknown, known: SeriesIdentities, problem: (field: string, message: string) => void): Identity | undefined {
  if (typeof name === 'string' && (givenLabels === undefined || isRecord(givenLabels))) {
    const id = known.find(name, givenLabels);
    if (id) return id;
  }
  let valid = true;
  const report = (field: string, message: string) => {
    valid = false;
    problem(field, message);
  };
  if (typeof name !== 'string' || !seriesPattern.test(name)) report('series', 'expected a series name of letters, digits, _ and :');
  let labels: Labels = {};
  if (givenLabels !== undefined) {
    if (!isRecord(givenLabels)) report('labels', 'expected a map of label names to strings');
    else {
      for (const [k, v] of Object.entries(givenLabels)) {
        if (!labelPattern.test(k)) report(`labels.${k}`, 'expected a label name of letters, digits and _');
        else if (typeof v !== 'string' || v.length > 500) report(`labels.${k}`, 'expected a string of at most 500 characters');
      }
      labels = givenLabels as Labels;
    }
  }
  if (!valid) return undefined;
  const id: Identity = { key: seriesKey(name as string, labels), labels };
  known.remember(name as string, labels, id);
  return id;
}

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

  const known = rules.identities ?? new SeriesIdentities();
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    if (!isRecord(item)) {
      err(i, '', 'expected an object');
      continue;
    }
    const errorsBefore = errors.length;
    const name = item.series;
    const id = identify(name, item.labels, known, (field, message) => err(i, field, message));
    const labels: Labels = id ? id.labels : isRecord(item.labels) ? (item.labels as Labels) : {};
    const ts = typeof item.ts === 'number' ? item.ts : typeof item.ts === 'string' ? Date.parse(item.ts) : NaN;
    if (!Number.isFinite(ts)) err(i, 'ts', 'expected an ISO 8601 time or epoch milliseconds');
    else if (ts < rules.now - rules.latenessMs) err(i, 'ts', `older than the allowed lateness (${Math.round(rules.latenessMs / 60_000)} min): it would land in a bucket already evaluated`);
    else if (ts > rules.now + rules.futureMs) err(i, 'ts', `more than ${Math.round(rules.futureMs / 1000)} s in the future: check the sender's clock`);
    const minute = Math.floor(ts / minuteMs) * minuteMs;

    if ('buckets' in item) {
      const extra = unknownField(item, histogramFields);
      if (extra !== undefined) err(i, extra, 'unknown field in a histogram item (series, labels, ts, buckets)');
      if ('le' in labels) err(i, 'labels.le', 'le is set from buckets; do not give it as a label');
      if (!isRecord(item.buckets) || Object.keys(item.buckets).length === 0) {
        err(i, 'buckets', 'expected a map of bucket bounds to cumulative counts, e.g. {"0.1": 5, "0.3": 9, "+Inf": 10}');
        continue;
      }
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
      if (errors.length > errorsBefore) continue;
      for (const b of bounds) {
        const le = leLabel(b.le);
        const d = derive(id!, name as string, `le=${le}`, () => ({ le }));
        add(series, d.key, name as string, d.labels, minute, b.count as number, b.count as number);
      }
      events += bounds.at(-1)!.count as number;
      continue;
    }

    if ('status' in item || 'latencyMs' in item) {
      const extra = unknownField(item, eventFields);
      if (extra !== undefined) err(i, extra, 'unknown field in an event item (series, labels, ts, status, latencyMs)');
      const status = item.status;
      if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) err(i, 'status', 'expected an HTTP status code from 100 to 599');
      const latency = item.latencyMs;
      if (typeof latency !== 'number' || !Number.isFinite(latency) || latency < 0) err(i, 'latencyMs', 'expected a non-negative number of milliseconds');
      if ('status' in labels || 'le' in labels) err(i, 'labels', 'status and le are set from the event; do not give them as labels');
      if (errors.length > errorsBefore) continue;
      addEvent(series, id!, name as string, minute, status as number, latency as number, rules.eventThresholds(name as string));
      events += 1;
      continue;
    }

    const extra = unknownField(item, countsFields);
    if (extra !== undefined) err(i, extra, 'unknown field: a counts item has series, labels, ts, good and total (histograms have buckets, events have status and latencyMs)');
    if (!isCount(item.total)) err(i, 'total', 'expected a non-negative integer count');
    if (!isCount(item.good)) err(i, 'good', 'expected a non-negative integer count');
    else if (isCount(item.total) && item.good > item.total) err(i, 'good', `good (${item.good}) cannot exceed total (${item.total})`);
    if (errors.length > errorsBefore) continue;
    add(series, id!.key, name as string, labels, minute, item.good as number, item.total as number);
    events += item.total as number;
  }
  if (errors.length > 0) return { series: new Map(), events: 0, errors };
  return { series, events, errors };
}

/** Item kinds the body scan reads: counts `{series, labels, ts, good, total}`, events `{series, labels, ts, status, latencyMs}`. */
export const countsItem = 0;
export const eventItem = 1;

/** Items read straight from a body's bytes (body-scan.ts), one entry per item in order. */
export interface ScannedItems {
  count: number;
  /** Each item's series and labels, validated. */
  identities: readonly SeriesIdentity[];
  /** Each item's series name. */
  names: readonly string[];
  /** Each item's `ts` as a number: epoch milliseconds as given, or an ISO time through Date.parse. */
  ts: Float64Array;
  kinds: Uint8Array;
  /** good (counts) or status (events). */
  first: Float64Array;
  /** total (counts) or latencyMs (events). */
  second: Float64Array;
}

/**
 * A scanned body's items (see body-scan.ts) as parseBatch would count them, or undefined if any item is invalid: the
 * caller then parses the body the ordinary way, which names every problem.
 */
export function countScanned(scan: ScannedItems, rules: IngestRules): ParsedBatch | undefined {
  const series = new Map<string, SeriesDelta>();
  let events = 0;
  const oldest = rules.now - rules.latenessMs;
  const newest = rules.now + rules.futureMs;
  for (let i = 0; i < scan.count; i++) {
    const ts = scan.ts[i]!;
    if (!Number.isFinite(ts) || ts < oldest || ts > newest) return undefined;
    const minute = Math.floor(ts / minuteMs) * minuteMs;
    const id = scan.identities[i]!;
    const name = scan.names[i]!;
    if (scan.kinds[i] === eventItem) {
      const status = scan.first[i]!;
      const latency = scan.second[i]!;
      if (!Number.isInteger(status) || status < 100 || status > 599 || !Number.isFinite(latency) || latency < 0) return undefined;
      if ('status' in id.labels || 'le' in id.labels) return undefined;
      addEvent(series, id, name, minute, status, latency, rules.eventThresholds(name));
      events += 1;
    } else {
      const good = scan.first[i]!;
      const total = scan.second[i]!;
      if (!isCount(good) || !isCount(total) || good > total) return undefined;
      add(series, id.key, name, id.labels, minute, good, total);
      events += total;
    }
  }
  return { series, events, errors: [] };
}
