import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFiles } from '../../src/catalog/apply.js';
import { SloEngine } from '../../src/engine/slo-engine.js';
import { listAlertStates, listTransitions } from '../../src/store/slo-alerts.js';
import { Ingestor } from '../../src/telemetry/ingest.js';
import { baseCatalog, checkoutAvailabilitySlo } from '../support/api.js';
import { backends, openTestStore, type TestStore } from '../support/stores.js';

const slos = `
${checkoutAvailabilitySlo}---
apiVersion: pave/v1
kind: SLO
metadata: { name: web-latency }
spec:
  service: web
  indicator: { latency: { series: web_seconds, threshold: 0.3 } }
  objective: 99
  window: { calendar: month, timezone: Europe/Paris }
---
apiVersion: pave/v1
kind: SLO
metadata: { name: journey }
spec:
  service: web
  indicator: { composite: { components: [ { slo: checkout-availability, weight: 3 }, { slo: web-latency, weight: 1 } ] } }
  objective: 99
  window: { rolling: 30d }
`;

const t0 = Date.parse('2026-03-07T10:00:00Z');
const MIN = 60_000;
/** Three days of steady history, so that only the fastest tier reacts to a one-minute outage. */
const H = 4320;
const admin = { actor: 'test', role: 'admin' as const };

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`SLO engine on ${backend}`, () => {
    let store: TestStore;
    let now = t0;
    let engine: SloEngine;
    let ingestor: Ingestor;
    beforeAll(async () => {
      store = await openTestStore(backend);
      const r = await applyFiles(store.db, { files: [{ name: 'c.yaml', content: baseCatalog + slos }], prune: false, dryRun: false, principal: admin });
      expect(r.outcome).toBe('applied');
      ingestor = new Ingestor(store.db, { latenessMs: 40 * 24 * 60 * MIN, futureMs: 5 * MIN, catalogTtlMs: 0 });
      engine = new SloEngine(store.db, { now: () => new Date(now), intervalMs: 30_000, latenessMs: 60 * MIN });
    });
    afterAll(async () => {
      await engine?.stop();
      await store?.close();
    });

    /** Sends `perMinute` requests a minute over [from, to), `bad` of them failing with 503. */
    async function traffic(from: number, to: number, perMinute: number, bad: number) {
      const items = [];
      for (let m = from; m < to; m += MIN) {
        items.push({ series: 'checkout_requests', labels: { code: '200' }, ts: m, good: perMinute - bad, total: perMinute - bad });
        if (bad) items.push({ series: 'checkout_requests', labels: { code: '503' }, ts: m, good: 0, total: bad });
        items.push({ series: 'web_seconds', ts: m, buckets: { '0.1': 50, '0.3': perMinute - 1, '+Inf': perMinute } });
      }
      for (let i = 0; i < items.length; i += 5000) {
        const r = await ingestor.ingest(items.slice(i, i + 5000), { principal: admin, now: new Date(now) });
        expect(r.status).toBe('committed');
      }
    }

    it('evaluates SLIs and budgets from ingested data, exactly', async () => {
      now = t0 + H * MIN;
      await traffic(t0, now, 100, 0);
      await traffic(t0 + 60 * MIN, t0 + 61 * MIN, 100, 3); // 100 more requests in minute 60, 3 of them failing
      await engine.cycle();
      const r = await engine.result('checkout-availability');
      expect(r?.kind).toBe('simple');
      if (r?.kind !== 'simple') return;
      // 4,320 minutes × 100 + 100 extra in minute 60, 3 of them bad.
      expect(r.evaluation.measurement).toMatchObject({ good: 432_097, bad: 3, events: 432_100 });
      expect(r.evaluation.sli).toBe(432_097 / 432_100);
      expect(r.evaluation.budget.consumedFraction).toBeCloseTo(3 / 432_100 / 0.001, 12);
      expect(r.evaluation.tiers.map((t) => [t.id, t.firing])).toEqual([
        ['checkout-availability:page:1h/5m', false],
        ['checkout-availability:page:6h/30m', false],
        ['checkout-availability:ticket:1d/2h', false],
        ['checkout-availability:ticket:3d/6h', false],
      ]);
      const latency = await engine.result('web-latency');
      if (latency?.kind !== 'simple') throw new Error('web-latency not evaluated');
      expect(latency.evaluation.sli).toBeCloseTo(99 / 100, 12);
      const journey = await engine.result('journey');
      if (journey?.kind !== 'composite') throw new Error('journey not composite');
      expect(journey.evaluation.sli).toBeCloseTo((3 * (432_097 / 432_100) + 1 * 0.99) / 4, 12);
    });

    it('fires the 1h/5m page tier after one minute of total outage, and records the transition once', async () => {
      now = t0 + (H + 1) * MIN; // the minute after the history is a 100% outage
      await traffic(t0 + H * MIN, t0 + (H + 1) * MIN, 100, 100);
      const changes = await engine.cycle();
      expect(changes.filter((c) => c.state === 'firing').map((c) => c.alertId)).toEqual(['checkout-availability:page:1h/5m']);
      const states = await listAlertStates(store.db, 'checkout-availability');
      expect(states.find((s) => s.alertId === 'checkout-availability:page:1h/5m')).toMatchObject({ state: 'firing', severity: 'page', kind: 'burn', since: new Date(now).toISOString() });
      // Evaluating again with nothing new changes nothing.
      expect(await engine.cycle()).toEqual([]);
    });

    it('resolves when the short window recovers, picking up late data', async () => {
      now = t0 + (H + 6) * MIN;
      await traffic(t0 + (H + 1) * MIN, t0 + (H + 6) * MIN, 100, 0);
      const changes = await engine.cycle();
      // 5 good minutes after the outage minute: the 5m window holds no errors any more, so the pair clears.
      expect(changes.map((c) => [c.alertId, c.state])).toEqual([['checkout-availability:page:1h/5m', 'resolved']]);
      const log = await listTransitions(store.db, { slo: 'checkout-availability', limit: 10 });
      expect(log.map((l) => [l.alertId, l.state, l.at])).toEqual([
        ['checkout-availability:page:1h/5m', 'firing', new Date(t0 + (H + 1) * MIN).toISOString()],
        ['checkout-availability:page:1h/5m', 'resolved', new Date(t0 + (H + 6) * MIN).toISOString()],
      ]);
    });

    it('refuses to evaluate a latency SLO whose threshold is not a bucket bound, naming the bounds', async () => {
    const bad = slos.replace('threshold: 0.3', 'threshold: 0.25');
    const r = await applyFiles(store.db, { files: [{ name: 'c.yaml', content: baseCatalog + bad }], prune: false, dryRun: false, principal: admin });
    expect(r.outcome).toBe('applied');
    await engine.cycle();
    expect(await engine.result('web-latency')).toEqual({
      kind: 'invalid',
      name: 'web-latency',
      errors: ['indicator.latency.threshold: 0.25 is not a bucket bound of web_seconds (its bounds: 0.1, 0.3, +Inf): pick one of them so the count is exact'],
    });
    await applyFiles(store.db, { files: [{ name: 'c.yaml', content: baseCatalog + slos }], prune: false, dryRun: false, principal: admin });
  });

  it('raises a no-data alert when the indicator falls silent, and survives a restart without re-firing', async () => {
      now = t0 + (H + 6 + 31) * MIN;
      const changes = await engine.cycle();
      expect(changes.filter((c) => c.kind === 'no_data').map((c) => [c.slo, c.state])).toEqual([
        ['checkout-availability', 'firing'],
        ['web-latency', 'firing'],
      ]);
      const restarted = new SloEngine(store.db, { now: () => new Date(now), intervalMs: 30_000, latenessMs: 60 * MIN });
      expect(await restarted.cycle()).toEqual([]);
    });

    it('leaves corrected time out of the budget', async () => {
      const before = await engine.result('checkout-availability');
      if (before?.kind !== 'simple') throw new Error('not evaluated');
      expect(before.evaluation.measurement).toMatchObject({ bad: 103 }); // 3 in minute 60, 100 in the outage minute
      const correction = `---\napiVersion: pave/v1\nkind: Correction\nmetadata: { name: outage-was-a-test }\nspec: { slos: [checkout-availability], start: "${new Date(t0 + H * MIN).toISOString()}", duration: 1m, reason: load test against production, author: alice }\n`;
      const r = await applyFiles(store.db, { files: [{ name: 'c.yaml', content: baseCatalog + slos + correction }], prune: false, dryRun: false, principal: admin });
      expect(r.outcome).toBe('applied');
      await engine.cycle();
      const after = await engine.result('checkout-availability');
      if (after?.kind !== 'simple') throw new Error('not evaluated');
      expect(after.evaluation.measurement).toMatchObject({ bad: 3, events: before.evaluation.measurement.events - 100 });
    });

    it('applies a correction naming a composite SLO to every component, for the composite only', async () => {
      const journey = await engine.result('journey');
      if (journey?.kind !== 'composite') throw new Error('journey not composite');
      const latencyBefore = journey.components.find((c) => c.name === 'web-latency')!;
      const checkoutBefore = journey.components.find((c) => c.name === 'checkout-availability')!;
      // Exclude the first hour of history from the journey: both its components lose it.
      const correction = `---\napiVersion: pave/v1\nkind: Correction\nmetadata: { name: journey-launch }\nspec: { slos: [journey], start: "${new Date(t0).toISOString()}", duration: 1h, reason: launch traffic, author: alice }\n`;
      const kept = `---\napiVersion: pave/v1\nkind: Correction\nmetadata: { name: outage-was-a-test }\nspec: { slos: [checkout-availability], start: "${new Date(t0 + H * MIN).toISOString()}", duration: 1m, reason: load test against production, author: alice }\n`;
      const r = await applyFiles(store.db, { files: [{ name: 'c.yaml', content: baseCatalog + slos + kept + correction }], prune: false, dryRun: false, principal: admin });
      expect(r.outcome).toBe('applied');
      await engine.cycle();
      const after = await engine.result('journey');
      if (after?.kind !== 'composite') throw new Error('journey not composite');
      const latencyAfter = after.components.find((c) => c.name === 'web-latency')!;
      const checkoutAfter = after.components.find((c) => c.name === 'checkout-availability')!;
      // 60 minutes × 100 requests fewer in each component.
      expect(latencyAfter.measurement.events).toBe(latencyBefore.measurement.events - 6_000);
      expect(checkoutAfter.measurement.events).toBe(checkoutBefore.measurement.events - 6_000);
      // Minute 60's 3 errors are just after the excluded hour; the outage minute stays out (the component's own correction).
      expect(checkoutAfter.measurement.bad).toBe(3);
      // The components' own SLOs are not corrected.
      const own = await engine.result('checkout-availability');
      if (own?.kind !== 'simple') throw new Error('not evaluated');
      expect(own.evaluation.measurement.bad).toBe(3);
    });
  });
}
