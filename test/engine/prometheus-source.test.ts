// The engine pulling a promql SLO from a real Prometheus (history backfilled with promtool): exact event counts from
// raw counters, the burn tier firing on an outage, and a Prometheus outage shown as no data, never as healthy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFiles } from '../../src/catalog/apply.js';
import { SloEngine } from '../../src/engine/slo-engine.js';
import { openTestStore, type TestStore } from '../support/stores.js';
import { baseCatalog } from '../support/api.js';
import { openMetrics, prometheusAvailable, startPrometheus, type CounterSample, type RunningPrometheus } from '../support/prometheus.js';

const MIN = 60_000;
const admin = { actor: 'test', role: 'admin' as const };
/** Two days of history, ending two hours before the test runs (Prometheus does not mind, blocks are immutable). */
const end = Math.floor((Date.now() - 2 * 3_600_000) / 3_600_000) * 3_600_000;
const start = end - 2 * 1_440 * MIN;
const outageFrom = end - 30 * MIN;
const outageTo = outageFrom + 10 * MIN;

/** Every 15 s: 25 requests; during the outage every one of them fails. The 200 counter restarts once (a deploy). */
function history(): { samples: CounterSample[]; good: (from: number, to: number) => number; total: (from: number, to: number) => number } {
  const samples: CounterSample[] = [];
  let ok = 0;
  let failed = 0;
  for (let t = start; t <= end; t += 15_000) {
    // A deploy 40 minutes before the outage, mid-minute: the counter starts again from 0 and counts the 25 since.
    if (t === outageFrom - 40 * MIN + 30_000) ok = 25;
    else if (t > start) {
      if (t > outageFrom && t <= outageTo) failed += 25;
      else ok += 25;
    }
    samples.push({ name: 'http_requests_total', labels: { code: '200' }, ms: t, value: ok });
    samples.push({ name: 'http_requests_total', labels: { code: '500' }, ms: t, value: failed });
  }
  // Requests per minute by construction: 100 a minute, all failing in the outage minutes.
  const total = (from: number, to: number) => ((to - from) / MIN) * 100;
  const bad = (from: number, to: number) => (Math.max(0, Math.min(to, outageTo) - Math.max(from, outageFrom)) / MIN) * 100;
  return { samples, good: (f, t) => total(f, t) - bad(f, t), total };
}

const slo = (url: string) => `
---
apiVersion: pave/v1
kind: DataSource
metadata: { name: prom }
spec: { type: prometheus, url: ${url}, timeout: 5s }
---
apiVersion: pave/v1
kind: SLO
metadata: { name: checkout-prom }
spec:
  service: checkout
  indicator:
    promql:
      dataSource: prom
      good: sum(increase(http_requests_total{code!~"5.."}[{{window}}]))
      total: sum(increase(http_requests_total[{{window}}]))
  objective: 99.9
  window: { rolling: 1d }
  noData: { alertAfter: 5m }
`;

describe.skipIf(!prometheusAvailable)('SLO engine pulling from a real Prometheus', () => {
  let prom: RunningPrometheus;
  let store: TestStore;
  let engine: SloEngine;
  let now = outageFrom + 3 * MIN;
  let down = false;
  const data = history();
  const progress: { doneMinutes: number; totalMinutes: number }[] = [];

  beforeAll(async () => {
    prom = await startPrometheus(openMetrics(data.samples));
    store = await openTestStore('pglite');
    const r = await applyFiles(store.db, { files: [{ name: 'c.yaml', content: baseCatalog + slo(prom.url) }], prune: false, dryRun: false, principal: admin });
    expect(r.outcome, JSON.stringify(r)).toBe('applied');
    engine = new SloEngine(store.db, {
      now: () => new Date(now),
      intervalMs: 30_000,
      latenessMs: 10 * MIN,
      onBackfill: (p) => progress.push(p),
      prometheus: {
        retries: 1,
        backoffMs: 10,
        fetch: (url, init) => (down ? Promise.reject(new Error('connect ECONNREFUSED')) : fetch(url, init)),
      },
    });
  }, 60_000);
  afterAll(async () => {
    await engine?.stop();
    await store?.close();
    await prom?.stop();
  });

  it('backfills the window and counts events exactly from the raw counters (a counter reset included)', async () => {
    const changes = await engine.cycle();
    const r = await engine.result('checkout-prom');
    if (r?.kind !== 'simple') throw new Error(JSON.stringify(r));
    const e = r.evaluation;
    expect(r.source).toEqual({ dataSource: 'prom', exact: true });
    // The window: the last day up to the current minute.
    const to = Math.floor(now / MIN) * MIN;
    const from = to - 1_440 * MIN;
    expect(e.measurement).toMatchObject({ good: data.good(from, to), events: data.total(from, to) });
    expect(e.measurement.bad).toBe(300);
    // Three minutes into a total outage: the 1h/5m page tier fires (5m window: 300 of 500 failed).
    expect(e.burnRates.find((b) => b.label === '5m')).toMatchObject({ errorRatio: 300 / 500, events: 500 });
    expect(changes.filter((c) => c.state === 'firing').map((c) => c.alertId)).toContain('checkout-prom:page:1h/5m');
    // The backfill (the 3-day burn horizon and more) reported its progress, ending complete.
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)!.doneMinutes).toBe(progress.at(-1)!.totalMinutes);
    expect(progress.every((p, i) => i === 0 || p.doneMinutes > progress[i - 1]!.doneMinutes)).toBe(true);
  });

  it('shows a Prometheus outage as no data, holds the tiers, fires the no-data alert, and fills the gap afterwards', async () => {
    down = true;
    now += 6 * MIN;
    const changes = await engine.cycle();
    const r = await engine.result('checkout-prom');
    if (r?.kind !== 'simple') throw new Error(JSON.stringify(r));
    expect(r.evaluation.status).toBe('no_data');
    expect(r.source?.failing?.message).toMatch(/ECONNREFUSED/);
    expect(r.evaluation.statusReason).toMatch(/data source prom cannot be read since .*ECONNREFUSED/);
    expect(changes.map((c) => [c.alertId, c.state])).toEqual([['checkout-prom:no_data', 'firing']]);

    down = false;
    now += MIN;
    const back = await engine.cycle();
    const after = await engine.result('checkout-prom');
    if (after?.kind !== 'simple') throw new Error('not evaluated');
    const to = Math.floor(now / MIN) * MIN;
    expect(after.evaluation.measurement).toMatchObject({ good: data.good(to - 1_440 * MIN, to), events: data.total(to - 1_440 * MIN, to) });
    expect(after.evaluation.status).not.toBe('no_data');
    expect(back.map((c) => [c.alertId, c.state])).toContainEqual(['checkout-prom:no_data', 'resolved']);
  });
});
