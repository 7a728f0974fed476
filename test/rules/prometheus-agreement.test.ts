// pave's engine and Prometheus agree. A real Prometheus on 127.0.0.1 serves four days of backfilled counters
// (promtool tsdb create-blocks-from openmetrics) holding a 10-minute total outage. pave's engine, pulling from that
// Prometheus, is evaluated at every minute around the outage; Prometheus evaluates the alert expressions pave rules
// generate for the same SLO at the same minutes (query_range, step 1m). Both must fire and clear each tier at the
// same minutes, and agree on the error ratios of windows of an hour or more within 1%.
//
// Why Prometheus evaluates the expressions here rather than its rule manager: the rule manager evaluates rules only in
// real time, never over backfilled history, and `promtool tsdb create-blocks-from rules` cannot backfill rules that
// read other rules (the ratios read the recorded increases). So each alert's expression is evaluated with the
// recording rules it reads written in place: the same PromQL, evaluated by Prometheus at each minute.
//
// Why values differ at all: Prometheus' increase() extrapolates the growth it sees between the first and last sample
// in a window to the window's edges, while pave adds up each sample's growth exactly (docs/config/slo.md). With a
// 15-second scrape the two differ by at most a sample interval's share of the window: ≤ 0.5% at 1 hour, up to 5% at
// 5 minutes, which is why only windows of an hour or more are held to 1%.
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFiles } from '../../src/catalog/apply.js';
import { SloEngine } from '../../src/engine/slo-engine.js';
import { queryRange } from '../../src/engine/prometheus-source.js';
import { generateRules } from '../../src/rules/index.js';
import { listObjects, withoutStatus } from '../../src/store/objects.js';
import { baseCatalog } from '../support/api.js';
import { openMetrics, prometheusAvailable, startPrometheus, type CounterSample, type RunningPrometheus } from '../support/prometheus.js';
import { openTestStore, type TestStore } from '../support/stores.js';

const MIN = 60_000;
const admin = { actor: 'test', role: 'admin' as const };
const end = Math.floor((Date.now() - 2 * 3_600_000) / 3_600_000) * 3_600_000;
const start = end - 4 * 1_440 * MIN;
const outageFrom = end - 3 * 60 * MIN;
const outageTo = outageFrom + 10 * MIN;
/** The minutes compared: from 10 minutes before the outage to 40 minutes after it. */
const first = outageFrom - 10 * MIN;
const last = outageTo + 40 * MIN;

function history(): CounterSample[] {
  const samples: CounterSample[] = [];
  let ok = 0;
  let failed = 0;
  for (let t = start; t <= end; t += 15_000) {
    if (t > start) {
      if (t > outageFrom && t <= outageTo) failed += 40;
      else ok += 40;
    }
    samples.push({ name: 'http_requests_total', labels: { job: 'checkout', code: '200' }, ms: t, value: ok });
    samples.push({ name: 'http_requests_total', labels: { job: 'checkout', code: '500' }, ms: t, value: failed });
  }
  return samples;
}

const catalog = (url: string) => `${baseCatalog}
---
apiVersion: pave/v1
kind: DataSource
metadata: { name: prom }
spec: { type: prometheus, url: ${url} }
---
apiVersion: pave/v1
kind: SLO
metadata: { name: checkout-http }
spec:
  service: checkout
  indicator:
    promql:
      dataSource: prom
      good: sum(increase(http_requests_total{job="checkout",code!~"5.."}[{{window}}]))
      total: sum(increase(http_requests_total{job="checkout"}[{{window}}]))
  objective: 99.9
  window: { rolling: 30d }
`;

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
}

/** Each alert expression with the recording rules it reads written in place (repeatedly: ratios read increases). */
function inlinedAlerts(rules: Rule[]): { tier: string; expr: string }[] {
  const recorded = new Map(rules.filter((r) => r.record).map((r) => [`${r.record}{slo="${r.labels?.slo}"}`, r.expr]));
  const inline = (expr: string): string => {
    let out = expr;
    for (let pass = 0; pass < 5; pass++) for (const [ref, def] of recorded) out = out.split(ref).join(`(${def})`);
    return out;
  };
  return rules.filter((r) => r.alert === 'SLOErrorBudgetBurn').map((r) => ({ tier: `${r.labels?.severity}:${r.labels?.tier}`, expr: inline(r.expr) }));
}

describe.skipIf(!prometheusAvailable)('pave and Prometheus evaluate the same SLO alike', () => {
  let prom: RunningPrometheus;
  let store: TestStore;
  let rules: Rule[];
  let now = first;

  beforeAll(async () => {
    prom = await startPrometheus(openMetrics(history()));
    store = await openTestStore('pglite');
    const r = await applyFiles(store.db, { files: [{ name: 'c.yaml', content: catalog(prom.url) }], prune: false, dryRun: false, principal: admin });
    expect(r.outcome).toBe('applied');
    const generated = generateRules((await listObjects(store.db)).map(withoutStatus), { paveUrl: 'http://127.0.0.1:8080' });
    const file = generated.files.find((f) => f.name === 'checkout-http.rules.yml');
    rules = (parse(file!.content) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await prom?.stop();
  });

  it('fires and clears every tier at the same minutes, and agrees on long-window error ratios within 1%', async () => {
    const engine = new SloEngine(store.db, { now: () => new Date(now), intervalMs: 60_000, latenessMs: 10 * MIN });
    // pave: evaluated at every minute (a second into it, as a running engine would be).
    const paveFiring = new Map<string, number[]>();
    const paveRatios = new Map<number, Map<string, number | null>>();
    for (now = first + 1_000; now <= last + 1_000; now += MIN) {
      await engine.cycle();
      const r = await engine.result('checkout-http');
      if (r?.kind !== 'simple') throw new Error(JSON.stringify(r));
      const at = Math.floor(now / MIN) * MIN;
      for (const t of r.evaluation.tiers) {
        const key = `${t.severity}:${t.id.split(':').pop()}`;
        if (t.firing) paveFiring.set(key, [...(paveFiring.get(key) ?? []), at]);
      }
      paveRatios.set(at, new Map(r.evaluation.burnRates.map((b) => [b.label, b.errorRatio])));
    }
    await engine.stop();

    // Prometheus: each tier's expression over the same minutes.
    const conn = { url: prom.url, headers: {}, timeoutMs: 30_000 };
    const promFiring = new Map<string, number[]>();
    for (const a of inlinedAlerts(rules)) {
      const result = await queryRange(conn, a.expr, first, last);
      promFiring.set(a.tier, (result[0]?.values ?? []).map(([s]) => Math.round(s * 1000)));
    }

    const tiers = [...promFiring.keys()].sort();
    expect(tiers).toEqual(['page:1h/5m', 'page:6h/30m', 'ticket:1d/2h', 'ticket:3d/6h']);
    for (const tier of tiers) expect({ tier, minutes: paveFiring.get(tier) ?? [] }).toEqual({ tier, minutes: promFiring.get(tier) });
    // The page tiers did fire, and cleared: 1h/5m five minutes after the outage, 6h/30m thirty.
    expect(promFiring.get('page:1h/5m')?.[0]).toBe(outageFrom + MIN);
    expect(promFiring.get('page:1h/5m')?.at(-1)).toBe(outageTo + 4 * MIN);
    expect(promFiring.get('page:6h/30m')?.[0]).toBe(outageFrom + 3 * MIN);
    expect(promFiring.get('page:6h/30m')?.at(-1)).toBe(outageTo + 29 * MIN);

    // Error ratios of the 1h, 6h and 1d windows, at minutes inside and after the outage.
    for (const at of [outageFrom + 5 * MIN, outageTo, outageTo + 20 * MIN]) {
      for (const [label, range] of [['1h', '1h'], ['6h', '6h'], ['1d', '1d']] as const) {
        const expr = `1 - sum(increase(http_requests_total{job="checkout",code!~"5.."}[${range}])) / sum(increase(http_requests_total{job="checkout"}[${range}]))`;
        const [series] = await queryRange(conn, expr, at, at);
        const theirs = Number(series!.values[0]![1]);
        const ours = paveRatios.get(at)!.get(label)!;
        expect(Math.abs(ours - theirs) / ours, `${label} at ${new Date(at).toISOString()}: pave ${ours}, Prometheus ${theirs}`).toBeLessThan(0.01);
      }
    }
  }, 300_000);
});
