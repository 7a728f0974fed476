// POST /api/v1/canary/judge over the API: samples and counts in the request, counts from pave's own store, and range
// queries to a Prometheus DataSource (a small fake Prometheus on a free port); bad input answers 400 naming the field.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';

const MIN = 60_000;
const start = Date.parse('2026-05-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
// 30 latencies around 100 ms, no ties; the canary 20 ms slower.
const baseline = Array.from({ length: 30 }, (_, i) => 100 + ((i * 7) % 30) / 3 + i / 1000);
const slower = baseline.map((v) => v + 20);

/** A Prometheus that answers query_range for two queries: canary 20% slower than baseline. */
async function fakePrometheus(): Promise<{ url: string; queries: string[]; close(): Promise<void> }> {
  const queries: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const params = new URLSearchParams(body);
      const query = params.get('query') ?? '';
      queries.push(query);
      const from = Number(params.get('start'));
      const factor = query.includes('canary') ? 1.2 : 1;
      res.setHeader('content-type', 'application/json');
      if (query.includes('by (pod)')) {
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { pod: 'a' }, values: [] }, { metric: { pod: 'b' }, values: [] }] } }));
        return;
      }
      const values = baseline.map((v, i) => [from + i * 60, String(v * factor)]);
      values.push([from + 30 * 60, 'NaN']);
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, queries, close: () => new Promise((r) => server.close(() => r())) };
}

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`canary judge API on ${backend}`, () => {
    let api: TestApi;
    let prom: Awaited<ReturnType<typeof fakePrometheus>>;
    const now = start + 3 * 60 * MIN;
    beforeAll(async () => {
      prom = await fakePrometheus();
      const catalog = `${baseCatalog}---
apiVersion: pave/v1
kind: DataSource
metadata: { name: prom }
spec: { type: prometheus, url: "${prom.url}" }
`;
      api = await startTestApi(backend, { catalog, now: () => new Date(now), latenessMs: 10 * 24 * 60 * MIN });
      // Two hours of checkout traffic, 100 requests a minute per version: v2 (canary) fails 5 a minute, v1 (baseline) 1.
      const items = [];
      for (let m = start; m < start + 120 * MIN; m += MIN) {
        items.push({ series: 'checkout_requests', labels: { version: 'v1' }, ts: m, good: 99, total: 100 });
        items.push({ series: 'checkout_requests', labels: { version: 'v2' }, ts: m, good: 95, total: 100 });
      }
      const res = await api.call('POST', '/api/v1/ingest', { token: api.tokens.admin, body: { items } });
      expect(res.statusCode).toBe(200);
    });
    afterAll(async () => {
      await api?.close();
      await prom?.close();
    });

    const judge = (body: unknown, token = api.tokens.viewer) => api.call('POST', '/api/v1/canary/judge', { token, body });

    it('passes identical samples and fails a clear shift, explaining every metric', async () => {
      const same = await judge({ metrics: [{ name: 'latency', samples: { canary: baseline, baseline } }] });
      expect(same.statusCode, same.body).toBe(200);
      expect(same.json()).toMatchObject({ result: 'pass', score: 100, metrics: [{ name: 'latency', classification: 'pass' }] });

      const shifted = await judge({
        metrics: [
          { name: 'latency', group: 'latency', direction: 'increase', samples: { canary: slower, baseline } },
          { name: 'errors', group: 'errors', direction: 'increase', counts: { canary: { bad: 3, total: 1000 }, baseline: { bad: 2, total: 1000 } } },
        ],
        groupWeights: { latency: 70, errors: 30 },
      });
      expect(shifted.statusCode).toBe(200);
      const v = shifted.json();
      expect(v).toMatchObject({ result: 'fail', score: 30, thresholds: { pass: 95, marginal: 75 } });
      const latency = v.metrics[0];
      expect(latency).toMatchObject({ classification: 'high', failed: true, canary: { n: 30 }, baseline: { n: 30 } });
      expect(latency.test).toMatchObject({ name: 'mann-whitney', method: 'exact', statistic: 900, confidenceLevel: 0.98 });
      expect(latency.test.estimate).toBeCloseTo(20, 9);
      expect(latency.test.interval[0]).toBeGreaterThan(0);
      expect(latency.effectSize.cles).toBe(1);
      expect(v.metrics[1]).toMatchObject({ classification: 'pass', test: { name: 'two-proportion' } });
      expect(v.groups).toEqual([
        expect.objectContaining({ group: 'latency', weight: 70, score: 0 }),
        expect.objectContaining({ group: 'errors', weight: 30, score: 100 }),
      ]);
    });

    it("reads error counts from pave's store as proportions over each side's range", async () => {
      const range = { from: iso(start), to: iso(start + 60 * MIN) };
      const r = await judge({
        metrics: [
          { name: 'errors', direction: 'increase', critical: true, store: { series: 'checkout_requests', canary: { match: { version: 'v2' }, ...range }, baseline: { match: { version: 'v1' }, ...range } } },
        ],
      });
      expect(r.statusCode).toBe(200);
      const v = r.json();
      // 60 minutes × 100 requests: 300 bad on the canary, 60 on the baseline.
      expect(v.metrics[0]).toMatchObject({ classification: 'high', canary: { bad: 300, total: 6000, rate: 0.05 }, baseline: { bad: 60, total: 6000, rate: 0.01 } });
      expect(v.metrics[0].effectSize.ratio).toBeCloseTo(5, 12);
      expect(v).toMatchObject({ result: 'fail', score: 0 });
      expect(v.reason).toMatch(/critical metric errors \(high\)/);

      // The same version on both sides over different hours: no difference. Per-minute totals as samples: identical.
      const same = await judge({
        metrics: [
          { name: 'errors', store: { series: 'checkout_requests', canary: { match: { version: 'v1' }, ...range }, baseline: { match: { version: 'v1' }, from: iso(start + 60 * MIN), to: iso(start + 120 * MIN) } } },
          { name: 'traffic', store: { series: 'checkout_requests', value: 'total', canary: { match: { version: 'v2' }, ...range }, baseline: { match: { version: 'v1' }, ...range } } },
        ],
      });
      expect(same.json()).toMatchObject({ result: 'pass', metrics: [{ classification: 'pass', canary: { bad: 60, total: 6000 } }, { classification: 'pass', canary: { n: 60, mean: 100 } }] });
    });

    it('reads samples from a Prometheus DataSource, one series per side, missing values dropped', async () => {
      const r = await judge({
        metrics: [
          {
            name: 'p99',
            direction: 'increase',
            prometheus: {
              dataSource: 'prom',
              canary: { query: 'histogram_quantile(0.99, sum by (le) (rate(http_seconds_bucket{track="canary"}[1m])))', from: iso(start), to: iso(start + 30 * MIN) },
              baseline: { query: 'histogram_quantile(0.99, sum by (le) (rate(http_seconds_bucket{track="baseline"}[1m])))', from: iso(start), to: iso(start + 30 * MIN) },
            },
          },
        ],
      });
      expect(r.statusCode).toBe(200);
      const m = r.json().metrics[0];
      expect(m).toMatchObject({ classification: 'high', canary: { n: 30, droppedMissing: 1 }, baseline: { n: 30, droppedMissing: 1 } });
      expect(m.effectSize.ratio).toBeCloseTo(1.2, 12);
      expect(prom.queries.some((q) => q.includes('track="canary"'))).toBe(true);

      const many = await judge({ metrics: [{ name: 'p99', prometheus: { dataSource: 'prom', canary: { query: 'sum by (pod) (up)', from: iso(start), to: iso(start + MIN) }, baseline: { query: 'up', from: iso(start), to: iso(start + MIN) } } }] });
      expect(many.statusCode).toBe(400);
      expect(many.json().error.details[0]).toMatchObject({ path: 'metrics.0.prometheus.canary.query' });
      expect(many.json().error.message).toMatch(/answered 2 series/);
    });

    it('refuses bad input with a 400 naming the field', async () => {
      const cases: [unknown, string, RegExp][] = [
        [{ metrics: [] }, 'metrics', /at least 1|>=1/],
        [{ metrics: [{ name: 'a' }] }, 'metrics.0.samples', /exactly one source/],
        [{ metrics: [{ name: 'a', samples: { canary: [1], baseline: [1] }, counts: { canary: { bad: 0, total: 1 }, baseline: { bad: 0, total: 1 } } }] }, 'metrics.0.counts', /exactly one source/],
        [{ metrics: [{ name: 'a', counts: { canary: { bad: 5, total: 1 }, baseline: { bad: 0, total: 1 } } }] }, 'metrics.0.counts.canary.bad', /exceed total/],
        [{ metrics: [{ name: 'a', samples: { canary: ['x'], baseline: [1] } }] }, 'metrics.0.samples.canary.0', /number/],
        [{ metrics: [{ name: 'a', direction: 'up', samples: { canary: [1], baseline: [1] } }] }, 'metrics.0.direction', /increase/],
        [{ metrics: [{ name: 'a', allowedDecrease: 1.2, samples: { canary: [1], baseline: [1] } }] }, 'metrics.0.allowedDecrease', /≤ 1/],
        [{ metrics: [{ name: 'a', samples: { canary: [1], baseline: [1] } }, { name: 'a', samples: { canary: [1], baseline: [1] } }] }, 'metrics.1.name', /named twice/],
        [{ metrics: [{ name: 'a', samples: { canary: [1], baseline: [1] } }], thresholds: { pass: 70, marginal: 80 } }, 'thresholds.marginal', /must not exceed pass/],
        [{ metrics: [{ name: 'a', samples: { canary: [1], baseline: [1] } }], groupWeights: { default: 60 } }, 'groupWeights', /add up to 100/],
        [{ metrics: [{ name: 'a', samples: { canary: [1], baseline: [1] } }], groupWeights: { nope: 10 } }, 'groupWeights.nope', /no metric is in group/],
        [{ metrics: [{ name: 'a', samples: { canary: [1], baseline: [1] } }], confidenceLevel: 98 }, 'confidenceLevel', /below 1/],
        [{ metrics: [{ name: 'a', store: { series: 'x', canary: { from: iso(start + MIN), to: iso(start) }, baseline: { from: iso(start), to: iso(start + MIN) } } }] }, 'metrics.0.store.canary.to', /after from/],
        [{ metrics: [{ name: 'a', store: { series: 'x', canary: {}, baseline: { from: iso(start), to: iso(start + MIN) } } }] }, 'metrics.0.store.canary.from', /RFC 3339/],
      ];
      for (const [body, path, message] of cases) {
        const res = await judge(body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        const err = res.json().error;
        expect(err.details.map((d: { path: string }) => d.path), JSON.stringify(err)).toContain(path);
        expect(err.message).toMatch(message);
      }
      // A per-minute source over too long a range: 400 before any test runs (20 days is 28,800 minutes).
      const long = await judge({ metrics: [{ name: 'a', store: { series: 'checkout_requests', value: 'total', canary: { from: iso(start), to: iso(start + 20 * 1440 * MIN) }, baseline: { from: iso(start), to: iso(start + MIN) } } }] });
      expect(long.statusCode).toBe(400);
      expect(long.json().error).toMatchObject({ message: expect.stringMatching(/28800 samples; at most 20000/), details: [{ path: 'metrics.0.store.canary' }] });
      // Sources that do not exist: 400 naming the field.
      const noSeries = await judge({ metrics: [{ name: 'a', store: { series: 'nope', canary: { from: iso(start), to: iso(start + MIN) }, baseline: { from: iso(start), to: iso(start + MIN) } } }] });
      expect(noSeries.statusCode).toBe(400);
      expect(noSeries.json().error).toMatchObject({ details: [{ path: 'metrics.0.store.series' }] });
      const noSource = await judge({ metrics: [{ name: 'a', prometheus: { dataSource: 'nope', canary: { query: 'up', from: iso(start), to: iso(start + MIN) }, baseline: { query: 'up', from: iso(start), to: iso(start + MIN) } } }] });
      expect(noSource.statusCode).toBe(400);
      expect(noSource.json().error.message).toMatch(/no DataSource named nope/);
    });

    it('needs a token that may read', async () => {
      const res = await api.call('POST', '/api/v1/canary/judge', { body: { metrics: [{ name: 'a', samples: { canary: [1], baseline: [1] } }] } });
      expect(res.statusCode).toBe(401);
    });
  });
}
