import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSeries, sumCounts } from '../../src/store/sli.js';
import { parseBatch } from '../../src/telemetry/items.js';
import { baseCatalog, checkoutAvailabilitySlo, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';

const slos = `
${checkoutAvailabilitySlo}---
apiVersion: pave/v1
kind: SLO
metadata: { name: checkout-events }
spec:
  service: checkout
  indicator: { events: { series: checkout_events, good: { status: [2xx], maxLatencyMs: 300 } } }
  objective: 99
  window: { rolling: 7d }
---
apiVersion: pave/v1
kind: SLO
metadata: { name: web-latency }
spec:
  service: web
  indicator: { latency: { series: web_duration_seconds, threshold: 0.3 } }
  objective: 99
  window: { rolling: 7d }
`;

// A fixed clock: 2026-03-10 12:34:56Z. Buckets are minute-aligned.
const now = Date.parse('2026-03-10T12:34:56Z');
const minute = (iso: string) => Date.parse(iso);

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`ingest on ${backend}`, () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi(backend, { catalog: baseCatalog + slos, now: () => new Date(now) });
    });
    afterAll(async () => {
      await api?.close();
    });
    const ingest = (items: unknown[], token = api.tokens.admin, key?: string) =>
      api.call('POST', '/api/v1/ingest', { token, body: { items }, headers: key ? { 'idempotency-key': key } : {} });
    const sums = async (name: string, from: string, to: string) => {
      const series = await listSeries(api.store.db, name);
      const by = await sumCounts(api.store.db, series.map((s) => s.id), minute(from), minute(to));
      return Object.fromEntries(series.map((s) => [s.key, by.get(s.id) ?? { good: 0, total: 0 }]));
    };

    it('commits counts into minute buckets and hourly roll-ups, summed exactly across edges', async () => {
      const res = await ingest([
        { series: 'checkout_requests', labels: { code: '200' }, ts: '2026-03-10T11:59:30Z', good: 100, total: 100 },
        { series: 'checkout_requests', labels: { code: '200' }, ts: '2026-03-10T11:59:59.999Z', good: 50, total: 50 },
        { series: 'checkout_requests', labels: { code: '503' }, ts: '2026-03-10T12:00:00Z', good: 0, total: 7 },
        { series: 'checkout_requests', labels: { code: '200' }, ts: minute('2026-03-10T12:30:10Z'), good: 40, total: 40 },
      ]);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ duplicate: false, events: 197, series: 2 });
      expect(await sums('checkout_requests', '2026-03-10T11:59:00Z', '2026-03-10T12:00:00Z')).toEqual({
        'checkout_requests{code="200"}': { good: 150, total: 150 },
        'checkout_requests{code="503"}': { good: 0, total: 0 },
      });
      // [11:30, 12:31): a partial hour, a whole hour boundary, a partial hour.
      expect(await sums('checkout_requests', '2026-03-10T11:30:00Z', '2026-03-10T12:31:00Z')).toEqual({
        'checkout_requests{code="200"}': { good: 190, total: 190 },
        'checkout_requests{code="503"}': { good: 0, total: 7 },
      });
      // An event exactly on a window boundary belongs to the window that starts there: [start, end).
      expect((await sums('checkout_requests', '2026-03-10T12:00:00Z', '2026-03-10T12:01:00Z'))['checkout_requests{code="503"}']).toEqual({ good: 0, total: 7 });
      expect((await sums('checkout_requests', '2026-03-10T11:00:00Z', '2026-03-10T12:00:00Z'))['checkout_requests{code="503"}']).toEqual({ good: 0, total: 0 });
    });

    it('counts a retried batch once per Idempotency-Key', async () => {
      const batch = [{ series: 'checkout_requests', labels: { code: '200' }, ts: '2026-03-10T12:10:00Z', good: 5, total: 5 }];
      expect((await ingest(batch, api.tokens.admin, 'batch-1')).json()).toMatchObject({ duplicate: false, events: 5 });
      const again = await ingest(batch, api.tokens.admin, 'batch-1');
      expect(again.statusCode).toBe(200);
      expect(again.json().duplicate).toBe(true);
      expect(await sums('checkout_requests', '2026-03-10T12:10:00Z', '2026-03-10T12:11:00Z')).toMatchObject({ 'checkout_requests{code="200"}': { good: 5, total: 5 } });
      expect((await ingest(batch, api.tokens.admin, 'batch-2')).json().duplicate).toBe(false);
      // The same key for a different batch is refused, not silently dropped.
      const reused = await ingest([{ ...batch[0]!, good: 6, total: 6 }], api.tokens.admin, 'batch-2');
      expect(reused.statusCode).toBe(409);
      expect(reused.json().error.code).toBe('idempotency_key_reused');
      expect(await sums('checkout_requests', '2026-03-10T12:10:00Z', '2026-03-10T12:11:00Z')).toMatchObject({ 'checkout_requests{code="200"}': { good: 10, total: 10 } });
    });

    it('rejects a batch with any bad item, naming each index and field, and ingests nothing', async () => {
      const res = await ingest([
        { series: 'checkout_requests', ts: '2026-03-10T12:20:00Z', good: 1, total: 1 },
        { series: 'checkout_requests', ts: '2026-03-10T12:20:00Z', good: 3, total: 2 },
        { series: 'bad name', ts: 'yesterday', good: 1, total: 1 },
        { series: 'checkout_requests', ts: '2026-03-10T10:00:00Z', good: 1, total: 1 },
        { series: 'checkout_requests', ts: '2026-03-10T13:00:00Z', good: 1, total: 1, extra: true },
        { series: 'web_duration_seconds', ts: '2026-03-10T12:20:00Z', buckets: { '0.1': 5, '0.3': 4 } },
      ]);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('invalid_items');
      expect(res.json().error.details.map((d: { path: string }) => d.path)).toEqual([
        'items[1].good',
        'items[2].series',
        'items[2].ts',
        'items[3].ts',
        'items[4].ts',
        'items[4].extra',
        'items[5].buckets',
        'items[5].buckets.0.3',
      ]);
      expect(res.json().error.details[3].message).toContain('older than the allowed lateness (60 min)');
      expect(await sums('checkout_requests', '2026-03-10T12:20:00Z', '2026-03-10T12:21:00Z')).toMatchObject({ 'checkout_requests{code="200"}': { good: 0, total: 0 } });
    });

    it('turns histograms into le series and raw events into status and threshold series', async () => {
      const res = await ingest([
        { series: 'web_duration_seconds', ts: '2026-03-10T12:05:00Z', buckets: { '0.1': 5, '0.3': 9, '+Inf': 10 } },
        { series: 'checkout_events', labels: { region: 'eu' }, ts: '2026-03-10T12:05:01Z', status: 200, latencyMs: 120 },
        { series: 'checkout_events', labels: { region: 'eu' }, ts: '2026-03-10T12:05:02Z', status: 200, latencyMs: 300 },
        { series: 'checkout_events', labels: { region: 'eu' }, ts: '2026-03-10T12:05:03Z', status: 200, latencyMs: 301 },
        { series: 'checkout_events', labels: { region: 'eu' }, ts: '2026-03-10T12:05:04Z', status: 503, latencyMs: 5 },
      ]);
      expect(res.json()).toEqual({ duplicate: false, events: 14, series: 7 });
      expect(await sums('web_duration_seconds', '2026-03-10T12:05:00Z', '2026-03-10T12:06:00Z')).toEqual({
        'web_duration_seconds{le="+Inf"}': { good: 10, total: 10 },
        'web_duration_seconds{le="0.1"}': { good: 5, total: 5 },
        'web_duration_seconds{le="0.3"}': { good: 9, total: 9 },
      });
      // 300 ms meets a 300 ms threshold (≤); 301 ms does not.
      expect(await sums('checkout_events', '2026-03-10T12:05:00Z', '2026-03-10T12:06:00Z')).toEqual({
        'checkout_events{le="300",region="eu",status="200"}': { good: 2, total: 2 },
        'checkout_events{le="300",region="eu",status="503"}': { good: 1, total: 1 },
        'checkout_events{region="eu",status="200"}': { good: 3, total: 3 },
        'checkout_events{region="eu",status="503"}': { good: 1, total: 1 },
      });
    });

    it('recognises a retry by its bytes, and keys recorded with a digest of the items before', async () => {
      const items = [{ series: 'checkout_requests', labels: { code: '200' }, ts: '2026-03-10T12:15:00Z', good: 7, total: 7 }];
      const send = (payload: string, key: string) => api.call('POST', '/api/v1/ingest', { token: api.tokens.admin, payload, headers: { 'content-type': 'application/json', 'idempotency-key': key } });
      const compact = JSON.stringify({ items });
      expect((await send(compact, 'bytes-1')).json()).toEqual({ duplicate: false, events: 7, series: 1 });
      expect((await send(compact, 'bytes-1')).json().duplicate).toBe(true);
      // The same items written otherwise are another request body: the key names another batch.
      const indented = await send(JSON.stringify({ items }, null, 2), 'bytes-1');
      expect(indented.statusCode).toBe(409);
      expect(indented.json().error.code).toBe('idempotency_key_reused');
      // A key stored before body digests holds the SHA-256 of the items serialised: a retry still matches it.
      const tokenId = api.tokens.admin.split('_')[1];
      const itemsDigest = createHash('sha256').update(JSON.stringify(items)).digest('hex');
      await api.store.db.insertInto('ingest_batches').values({ key: `${tokenId}:before-1`, digest: itemsDigest, items: 1, actor: 'test' }).execute();
      expect((await send(compact, 'before-1')).json().duplicate).toBe(true);
      expect((await send(JSON.stringify({ items: [{ ...items[0], good: 6 }] }), 'before-1')).statusCode).toBe(409);
      expect(await sums('checkout_requests', '2026-03-10T12:15:00Z', '2026-03-10T12:16:00Z')).toMatchObject({ 'checkout_requests{code="200"}': { good: 7, total: 7 } });
    });

    it('commits concurrent batches together, counting each key once whatever else the group holds', async () => {
      const batch = (good: number) => [{ series: 'checkout_requests', labels: { code: '200' }, ts: '2026-03-10T12:33:00Z', good, total: good }];
      expect((await ingest(batch(1), api.tokens.admin, 'group-before')).statusCode).toBe(200);
      const answers = await Promise.all([
        ingest(batch(2), api.tokens.admin, 'group-a'),
        ingest(batch(2), api.tokens.admin, 'group-a'), // the same batch twice at once: counted once
        ingest(batch(3), api.tokens.admin, 'group-before'), // a used key for another batch: refused
        ingest(batch(1), api.tokens.admin, 'group-before'), // a retry of a committed batch
        ingest(batch(4), api.tokens.admin),
        ingest(batch(5), api.tokens.admin, 'group-b'),
      ]);
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 409, 200, 200, 200]);
      expect(answers.slice(0, 2).map((a) => a.json().duplicate).sort()).toEqual([false, true]);
      expect(answers[3]!.json().duplicate).toBe(true);
      expect(await sums('checkout_requests', '2026-03-10T12:33:00Z', '2026-03-10T12:34:00Z')).toMatchObject({ 'checkout_requests{code="200"}': { good: 12, total: 12 } });
    });

    it('names the index and field of a problem in a batch of plain items too', async () => {
      const item = { series: 'checkout_requests', ts: '2026-03-10T12:25:00Z', good: 1, total: 1 };
      const invalid = await ingest([item, { ...item, good: 3, total: 2 }, { series: 'checkout_events', ts: now, status: 200, latencyMs: -1 }]);
      expect(invalid.statusCode).toBe(400);
      expect(invalid.json().error.details).toEqual([
        { index: 1, path: 'items[1].good', message: 'good (3) cannot exceed total (2)' },
        { index: 2, path: 'items[2].latencyMs', message: 'expected a non-negative number of milliseconds' },
      ]);
      const forbidden = await ingest([item, { ...item, series: 'web_duration_seconds' }], api.tokens.ingest);
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.json().error.details).toEqual([{ index: 1, path: 'items[1].series', message: 'series web_duration_seconds is not read by an SLO of checkout: this token may not send it' }]);
      expect(await sums('checkout_requests', '2026-03-10T12:25:00Z', '2026-03-10T12:26:00Z')).toMatchObject({ 'checkout_requests{code="200"}': { good: 0, total: 0 } });
    });

    it('scopes ingest tokens to their services\' series, and refuses readers', async () => {
      const mine = await ingest([{ series: 'checkout_requests', ts: '2026-03-10T12:30:00Z', good: 1, total: 1 }], api.tokens.ingest);
      expect(mine.statusCode).toBe(200);
      const theirs = await ingest([{ series: 'checkout_requests', ts: '2026-03-10T12:30:00Z', good: 1, total: 1 }, { series: 'web_duration_seconds', ts: '2026-03-10T12:30:00Z', buckets: { '+Inf': 1 } }], api.tokens.ingest);
      expect(theirs.statusCode).toBe(403);
      expect(theirs.json().error.details).toEqual([{ index: 1, path: 'items[1].series', message: 'series web_duration_seconds is not read by an SLO of checkout: this token may not send it' }]);
      expect((await ingest([], api.tokens.viewer)).statusCode).toBe(403);
      // Members write their team's series, and series no SLO reads yet; not another team's SLI.
      const item = (series: string) => ({ series, ts: '2026-03-10T12:30:00Z', good: 1, total: 1 });
      expect((await ingest([item('checkout_requests')], api.tokens.payments)).statusCode).toBe(200);
      expect((await ingest([item('brand_new_series')], api.tokens.storefront)).statusCode).toBe(200);
      const other = await ingest([item('checkout_requests')], api.tokens.storefront);
      expect(other.statusCode).toBe(403);
      expect(other.json().error.details[0].message).toBe('series checkout_requests is read only by SLOs of payments, not storefront');
      expect((await ingest([])).statusCode).toBe(200);
    });
  });
}

describe('parseBatch', () => {
  const rules = { now, latenessMs: 3_600_000, futureMs: 300_000, eventThresholds: () => [] };
  it('gives the same minute counts however the events are split into batches and ordered', () => {
    const events = Array.from({ length: 500 }, (_, i) => ({
      series: 'req',
      labels: { code: i % 7 === 0 ? '500' : '200' },
      ts: now - ((i * 7919) % 3_000_000),
      good: i % 7 === 0 ? 0 : (i % 3) + 1,
      total: (i % 3) + 1,
    }));
    const totals = (batches: unknown[][]) => {
      const acc = new Map<string, number>();
      for (const b of batches) {
        for (const s of parseBatch(b, rules).series.values()) {
          for (const [m, c] of s.minutes) {
            acc.set(`${s.key}@${m}:g`, (acc.get(`${s.key}@${m}:g`) ?? 0) + c.good);
            acc.set(`${s.key}@${m}:t`, (acc.get(`${s.key}@${m}:t`) ?? 0) + c.total);
          }
        }
      }
      return Object.fromEntries([...acc].sort(([a], [b]) => a.localeCompare(b)));
    };
    const whole = totals([events]);
    const reversed = totals([[...events].reverse()]);
    const split: unknown[][] = [];
    for (let i = 0, size = 1; i < events.length; i += size, size = (size * 3) % 97 || 1) split.push(events.slice(i, i + size));
    expect(reversed).toEqual(whole);
    expect(totals(split)).toEqual(whole);
    expect(Object.values(whole).reduce((a, b) => a + b, 0)).toBe(events.reduce((a, e) => a + e.good + e.total, 0));
  });
});
