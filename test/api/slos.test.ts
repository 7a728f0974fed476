import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, checkoutAvailabilitySlo, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';

const slos = `
${checkoutAvailabilitySlo}---
apiVersion: pave/v1
kind: SLO
metadata: { name: web-latency }
spec:
  service: web
  indicator: { latency: { series: web_seconds, threshold: 0.3 } }
  objective: 99
  window: { rolling: 7d }
---
apiVersion: pave/v1
kind: SLO
metadata: { name: payments-api-availability }
spec:
  service: payments-api
  indicator: { ratio: { bad: { series: payments_requests, match: { code: 5xx } }, total: { series: payments_requests } } }
  objective: 99.95
  window: { rolling: 30d }
`;

const MIN = 60_000;
const start = Date.parse('2026-05-01T00:00:00Z');

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`SLO API on ${backend}`, () => {
    let api: TestApi;
    let now = start + 6 * 60 * MIN;
    beforeAll(async () => {
      api = await startTestApi(backend, { catalog: baseCatalog + slos, now: () => new Date(now), latenessMs: 10 * 24 * 60 * MIN });
      // Six hours at 60 requests a minute; in the last 10 minutes, 2 of every 60 fail.
      const items = [];
      for (let m = start; m < now; m += MIN) {
        const bad = m >= now - 10 * MIN ? 2 : 0;
        items.push({ series: 'checkout_requests', labels: { code: '200' }, ts: m, good: 60 - bad, total: 60 - bad });
        if (bad) items.push({ series: 'checkout_requests', labels: { code: '500' }, ts: m, good: 0, total: bad });
        items.push({ series: 'web_seconds', ts: m, buckets: { '0.3': 60, '+Inf': 60 } });
      }
      const res = await api.call('POST', '/api/v1/ingest', { token: api.tokens.admin, body: { items } });
      expect(res.statusCode).toBe(200);
    });
    afterAll(async () => {
      await api?.close();
    });

    it('lists SLOs with a status summary, and shows one with its full evaluation', async () => {
      const list = await api.call('GET', '/api/v1/slos', { token: api.tokens.viewer });
      expect(list.statusCode).toBe(200);
      const byName = Object.fromEntries(list.json().items.map((i: { metadata: { name: string }; summary: unknown }) => [i.metadata.name, i.summary]));
      // 20 bad of 21,600: SLI 0.999074..., consumed 0.9259 of the budget → under 25% left: warning.
      expect(byName['checkout-availability']).toMatchObject({ status: 'warning', sli: 21_580 / 21_600 });
      expect(byName['checkout-availability'].remainingFraction).toBeCloseTo(1 - 20 / 21_600 / 0.001, 12);
      expect(byName['web-latency']).toMatchObject({ status: 'healthy', sli: 1, remainingFraction: 1 });

      const one = (await api.call('GET', '/api/v1/slos/checkout-availability', { token: api.tokens.viewer })).json();
      expect(one.spec.objective).toBe(99.9);
      // checkout hard-depends on payments-api, which promises 99.95%: a 99.9% objective fits under that ceiling.
      expect(one.dependencyCeiling).toMatchObject({ ceilingPercent: '99.95', exceeds: false, dependencies: [{ name: 'payments-api', objective: 99.95 }] });
      expect(one.evaluation).toMatchObject({
        kind: 'simple',
        at: new Date(now).toISOString(),
        method: 'occurrences',
        measurement: { good: 21_580, bad: 20, events: 21_600 },
        budget: { unit: 'events' },
      });
      const burn5m = one.evaluation.burnRates.find((b: { label: string }) => b.label === '5m');
      expect(burn5m.burnRate).toBeCloseTo(2 / 60 / 0.001, 9);
      // 10 minutes at 3.33% errors: the 1h/5m pair sees 20/3600 = 0.56% over the hour, under 1.44%: quiet.
      expect(one.evaluation.tiers.find((t: { id: string }) => t.id === 'checkout-availability:page:1h/5m')).toMatchObject({ firing: false, threshold: 0.0144 });
      expect(one.evaluation.tiers.find((t: { id: string }) => t.id === 'checkout-availability:page:6h/30m')).toMatchObject({ firing: false });
    });

    it('answers history as series for charts', async () => {
      const res = await api.call('GET', `/api/v1/slos/checkout-availability/history?from=${new Date(now - 60 * MIN).toISOString()}&to=${new Date(now).toISOString()}&step=30m`, { token: api.tokens.viewer });
      expect(res.statusCode).toBe(200);
      const points = res.json().points;
      expect(points.map((p: { t: string }) => p.t)).toEqual([new Date(now - 60 * MIN).toISOString(), new Date(now - 30 * MIN).toISOString(), new Date(now).toISOString()]);
      expect(points[0]).toMatchObject({ sli: 1, remainingFraction: 1 });
      expect(points[2].sli).toBe(21_580 / 21_600);
      expect(points[2].burnRates['5m']).toBeCloseTo(2 / 60 / 0.001, 9);
      const tooMany = await api.call('GET', `/api/v1/slos/checkout-availability/history?from=2020-01-01T00:00:00Z&to=${new Date(now).toISOString()}&step=1m`, { token: api.tokens.viewer });
      expect(tooMany.statusCode).toBe(400);
      expect((await api.call('GET', '/api/v1/slos/nope/history', { token: api.tokens.viewer })).statusCode).toBe(404);
    });

    it('lists a service\'s SLOs and the SLO alerts', async () => {
      const svc = (await api.call('GET', '/api/v1/services/web/slos', { token: api.tokens.viewer })).json();
      expect(svc.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['web-latency']);
      // A burst pushes the 1h/5m pair over 14.4 × 0.1%: the next evaluation fires it.
      now += MIN;
      await api.call('POST', '/api/v1/ingest', { token: api.tokens.admin, body: { items: [{ series: 'checkout_requests', labels: { code: '500' }, ts: now - MIN, good: 0, total: 60 }, { series: 'web_seconds', ts: now - MIN, buckets: { '0.3': 60, '+Inf': 60 } }] } });
      expect((await api.call('POST', '/api/v1/slos/evaluate', { token: api.tokens.payments })).statusCode).toBe(200);
      expect((await api.call('POST', '/api/v1/slos/evaluate', { token: api.tokens.viewer })).statusCode).toBe(403);
      const alerts = (await api.call('GET', '/api/v1/slo-alerts?slo=checkout-availability', { token: api.tokens.viewer })).json().items;
      expect(alerts.filter((a: { state: string }) => a.state === 'firing').map((a: { alertId: string }) => a.alertId)).toContain('checkout-availability:page:1h/5m');
      const log = (await api.call('GET', '/api/v1/slo-alerts?log=true&slo=checkout-availability', { token: api.tokens.viewer })).json().items;
      expect(log[0]).toMatchObject({ slo: 'checkout-availability', state: 'firing', at: new Date(now).toISOString() });
    });
  });
}
