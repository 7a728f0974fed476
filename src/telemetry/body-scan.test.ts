// The body scan is a fast path: whenever it reads a body, the counts must be exactly those of the ordinary path
// (parseJsonBody, the request schema, parseBatch), and it must read the bodies senders actually send.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonBody } from '../api/body.js';
import { scanBody } from './body-scan.js';
import { countScanned, maxBatchItems, parseBatch, SeriesIdentities, type IngestRules, type ParsedBatch } from './items.js';

const now = Date.parse('2026-03-10T12:34:56Z');
const thresholds = new Map([['ev', [100, 300]]]);
const rules = (identities: SeriesIdentities): IngestRules => ({
  now,
  latenessMs: 3_600_000,
  futureMs: 300_000,
  eventThresholds: (s) => thresholds.get(s) ?? [],
  identities,
});

/** A parsed batch as comparable data: events, and every series' key, name, labels and minute counts. */
function counted(p: ParsedBatch): unknown {
  return {
    events: p.events,
    errors: p.errors,
    series: [...p.series.values()]
      .map((s) => ({ key: s.key, name: s.name, labels: s.labels, minutes: [...s.minutes].sort((a, b) => a[0] - b[0]) }))
      .sort((a, b) => (a.key < b.key ? -1 : 1)),
  };
}

/** What the ordinary path makes of a body: its counts, or undefined if any step refuses it. */
function ordinary(body: Buffer, identities: SeriesIdentities): ParsedBatch | undefined {
  let value: unknown;
  try {
    value = parseJsonBody(body);
  } catch {
    return undefined;
  }
  // The request schema: {"items": [...]} and nothing else, at most maxBatchItems items.
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  const items = (value as { items?: unknown }).items;
  if (keys.length !== 1 || keys[0] !== 'items' || !Array.isArray(items) || items.length > maxBatchItems) return undefined;
  const parsed = parseBatch(items, rules(identities));
  return parsed.errors.length ? undefined : parsed;
}

function fast(body: Buffer, identities: SeriesIdentities): ParsedBatch | undefined {
  const scanned = scanBody(body, identities);
  return scanned && countScanned(scanned, rules(identities));
}

// ---- bodies written the many ways JSON allows ----

/** How one body is written: whitespace, number spellings, escapes, repeated keys; driven by a seeded choice. */
class Writer {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  private next(): number {
    this.state ^= this.state << 13;
    this.state ^= this.state >>> 17;
    this.state ^= this.state << 5;
    return (this.state >>> 0) / 2 ** 32;
  }
  private ws(): string {
    const x = this.next();
    return x < 0.8 ? '' : x < 0.9 ? ' ' : x < 0.95 ? '\n  ' : '\t\r\n';
  }
  private number(n: number): string {
    const x = this.next();
    if (!Number.isFinite(n)) return JSON.stringify(String(n));
    if (x < 0.7) return JSON.stringify(n);
    if (x < 0.8 && Number.isInteger(n)) return `${n}.0`;
    if (x < 0.9) return n.toExponential().replace('e+', this.next() < 0.5 ? 'E+' : 'e');
    return n.toExponential(20);
  }
  private string(s: string): string {
    // Now and then an escape JSON.parse reads back as the same text.
    if (s.length > 0 && this.next() < 0.05) return `"\\u${s.charCodeAt(0).toString(16).padStart(4, '0')}${JSON.stringify(s).slice(2)}`;
    return JSON.stringify(s);
  }
  value(v: unknown): string {
    if (typeof v === 'number') return this.number(v);
    if (typeof v === 'string') return this.string(v);
    if (Array.isArray(v)) return `[${this.ws()}${v.map((x) => this.value(x)).join(`${this.ws()},${this.ws()}`)}${this.ws()}]`;
    if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v).map(([k, x]) => `${this.string(k)}${this.ws()}:${this.ws()}${this.value(x)}`);
      // Now and then a key twice (JSON.parse keeps the last).
      if (entries.length > 0 && this.next() < 0.03) entries.unshift(`${this.string(Object.keys(v)[0]!)}:0`);
      return `{${this.ws()}${entries.join(`${this.ws()},${this.ws()}`)}${this.ws()}}`;
    }
    return JSON.stringify(v);
  }
}

// Valid items, then at most a few changes that each make one field invalid, odd or an edge case: so that the batches
// compared are mostly wholly valid (the scan must count them exactly), and otherwise wrong in one place only (the scan
// must refuse them, or count them exactly if the ordinary path accepts them after all).
const seriesNames = fc.constantFrom('req', 'ev', 'payments_api_events');
const labels = fc.option(fc.dictionary(fc.constantFrom('region', 'code', 'method'), fc.constantFrom('eu', 'us', '200', 'ünïcödé', '', 'a"b', 'a\\b', 'x'.repeat(500))), {
  nil: undefined,
});
const ts = fc.oneof(fc.integer({ min: now - 3_600_000, max: now + 300_000 }), fc.integer({ min: now - 3_000_000, max: now }).map((t) => new Date(t).toISOString()));
const countsItem = fc
  .record({ series: seriesNames, labels, ts, total: fc.integer({ min: 0, max: 1000 }), short: fc.integer({ min: 0, max: 3 }) }, { requiredKeys: ['series', 'ts', 'total', 'short'] })
  .map(({ short, ...i }) => ({ ...i, good: Math.max(0, i.total - short) }));
const eventItem = fc.record(
  {
    series: seriesNames,
    labels,
    ts,
    status: fc.oneof(fc.constantFrom(100, 200, 201, 404, 503, 599), fc.integer({ min: 100, max: 599 })),
    latencyMs: fc.oneof(fc.double({ min: 0, max: 1000, noNaN: true }), fc.constantFrom(0, 100, 300, 300.0000000000001, 299.99999999999994)),
  },
  { requiredKeys: ['series', 'ts', 'status', 'latencyMs'] },
);
const histogramItem = fc.record({ series: seriesNames, ts, buckets: fc.constant({ '0.1': 1, '+Inf': 2 }) });
const item = fc.oneof({ weight: 10, arbitrary: countsItem }, { weight: 10, arbitrary: eventItem }, { weight: 1, arbitrary: histogramItem });

/** One field of one item made invalid or odd (undefined removes the field). */
const changes: Record<string, unknown[]> = {
  series: ['bad name', '9x', '', 5, undefined],
  labels: [{ le: 'x' }, { status: '200' }, { '1bad': 'x' }, { ünï: 'x' }, { ok: 'x'.repeat(501) }, { ok: 5 }, { ok: null }, 'eu', null, {}],
  ts: [now - 3_600_001, now - 3_600_000, now + 300_000, now + 300_001, 'yesterday', '2026-03-10T12:00:00+01:00', null, 1e21, -0, undefined],
  good: [-1, 1.5, '5', 2 ** 53, 'total + 1', undefined],
  total: [-1, 1.5, 2 ** 53 + 2, 0, undefined],
  status: [99, 600, 200.5, '200', 1e2, undefined],
  latencyMs: [-1, '5', null, 1e400, undefined],
  extra: [true],
};
const change = fc.record({ at: fc.nat(), field: fc.constantFrom(...Object.keys(changes)), pick: fc.nat() });
const batch = fc.tuple(fc.array(item, { maxLength: 6 }), fc.array(change, { maxLength: 2 })).map(([items, edits]) => {
  const out: unknown[] = items.map((i) => ({ ...i }));
  for (const e of edits) {
    if (out.length === 0) break;
    const target = out[e.at % out.length] as Record<string, unknown>;
    const values = changes[e.field]!;
    const value = values[e.pick % values.length];
    if (value === undefined) delete target[e.field];
    else if (value === 'total + 1') target.good = Number(target.total) + 1;
    else target[e.field] = value;
  }
  // Now and then something that is not an item at all.
  return edits.length === 2 && edits[0]!.pick % 7 === 0 ? [...out, [1, 'x', null][edits[1]!.pick % 3]] : out;
});

describe('scanBody', () => {
  it('counts exactly what the ordinary path counts, whenever it reads a body', () => {
    let read = 0;
    fc.assert(
      fc.property(batch, fc.integer(), (items, seed) => {
        const body = Buffer.from(new Writer(seed).value({ items }));
        const fresh = () => new SeriesIdentities();
        const want = ordinary(body, fresh());
        // Both with a fresh cache and with one that has seen this body already (spellings then come from it).
        const cache = fresh();
        for (const got of [fast(body, cache), fast(body, cache)]) {
          if (got === undefined) continue;
          read++;
          expect(want, `the scan read a body the ordinary path refuses: ${body.toString()}`).toBeDefined();
          expect(counted(got)).toEqual(counted(want!));
        }
      }),
      { numRuns: 8000 },
    );
    expect(read).toBeGreaterThan(1000); // the property is not met by refusing everything
  });

  it('reads what senders send: compact or indented JSON, counts and events, labels or none, ISO or epoch times', () => {
    const items = [
      { series: 'req', labels: { code: '200', region: 'eu' }, ts: now - 1000, good: 5, total: 5 },
      { series: 'req', ts: '2026-03-10T12:30:00Z', good: 0, total: 3 },
      { labels: { region: 'eu' }, series: 'ev', ts: now, status: 200, latencyMs: 41.5 },
      { series: 'ev', labels: { region: 'ünï' }, ts: now - 59_999, status: 503, latencyMs: 300 },
    ];
    for (const text of [JSON.stringify({ items }), JSON.stringify({ items }, null, 2), JSON.stringify({ items: [] })]) {
      const body = Buffer.from(text);
      const got = fast(body, new SeriesIdentities());
      expect(got, text).toBeDefined();
      expect(counted(got!)).toEqual(counted(ordinary(body, new SeriesIdentities())!));
    }
  });

  it('leaves to the ordinary path what that path must refuse or name', () => {
    const refused = [
      '',
      '{"items":[]} x',
      '{"items":[],"more":1}',
      '{"items":{}}',
      '{"items":[{"series":"req","ts":1,"good":1,"total":1,"total":1}]}',
      '{"items":[{"series":"r\\u0000q","ts":1,"good":1,"total":1}]}',
      '{"items":[{"series":"req","ts":1,"good":01,"total":1}]}',
      '{"items":[{"series":"req","ts":1,"good":1,"total":1,}]}',
      '\ufeff{"items":[]}',
      `{"items":[${Array.from({ length: maxBatchItems + 1 }, () => '{"series":"req","ts":1,"good":1,"total":1}').join(',')}]}`,
    ];
    for (const text of refused) expect(scanBody(Buffer.from(text), new SeriesIdentities()), text.slice(0, 80)).toBeUndefined();
    expect(scanBody(Buffer.from([0x7b, 0xff, 0x7d]), new SeriesIdentities())).toBeUndefined();
  });

  it('tells spellings apart that share a hash', () => {
    const identities = new SeriesIdentities();
    const body = Buffer.from('"req"{"code":"200"}"req"{"code":"500"}');
    const a = identities.findSpelled(body, 42, 1, 4, 5, 19);
    const b = identities.findSpelled(body, 42, 20, 23, 24, 38);
    expect(a?.identity.key).toBe('req{code="200"}');
    expect(b?.identity.key).toBe('req{code="500"}');
    expect(identities.findSpelled(body, 42, 1, 4, 5, 19)).toBe(a);
  });
});
