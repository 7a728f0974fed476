// More stored history than an SLO's window, ingested before the engine starts (a server restarted on a folder with
// months of data, or a backfill): the engine's first load and every later cycle measure exactly the window.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFiles } from '../../src/catalog/apply.js';
import { SloEngine } from '../../src/engine/slo-engine.js';
import { Ingestor } from '../../src/telemetry/ingest.js';
import { baseCatalog, checkoutAvailabilitySlo } from '../support/api.js';
import { backends, openTestStore, type TestStore } from '../support/stores.js';

const MIN = 60_000;
const DAY = 1440 * MIN;
const admin = { actor: 'test', role: 'admin' as const };
/** Not on an hour: the window's first hour is cut, so it needs minute detail. */
const end = Date.parse('2026-03-20T10:17:00Z');

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`SLO engine with 40 days of stored history on ${backend}`, () => {
    let store: TestStore;
    let now = end;
    let engine: SloEngine;
    beforeAll(async () => {
      store = await openTestStore(backend);
      const r = await applyFiles(store.db, { files: [{ name: 'c.yaml', content: baseCatalog + checkoutAvailabilitySlo }], prune: false, dryRun: false, principal: admin });
      expect(r.outcome).toBe('applied');
      const ingestor = new Ingestor(store.db, { latenessMs: 41 * DAY, futureMs: 5 * MIN, catalogTtlMs: 0 });
      const items = [];
      // 10 requests a minute for 40 days; one failure in every minute of the first 10 days (outside the window).
      for (let m = end - 40 * DAY; m < end; m += MIN) {
        items.push({ series: 'checkout_requests', labels: { code: '200' }, ts: m, good: 10, total: 10 });
        if (m < end - 30 * DAY) items.push({ series: 'checkout_requests', labels: { code: '503' }, ts: m, good: 0, total: 1 });
      }
      for (let i = 0; i < items.length; i += 5000) {
        const res = await ingestor.ingest(items.slice(i, i + 5000), { principal: admin, now: new Date(end) });
        expect(res.status).toBe('committed');
      }
      engine = new SloEngine(store.db, { now: () => new Date(now), intervalMs: 30_000, latenessMs: 60 * MIN });
    }, 300_000);
    afterAll(async () => {
      await engine?.stop();
      await store?.close();
    });

    it('measures exactly the 30-day window on the first cycle and as the window moves', async () => {
      await engine.cycle();
      const first = await engine.result('checkout-availability');
      expect(first?.kind).toBe('simple');
      if (first?.kind !== 'simple') return;
      // 43,200 minutes of 10 good requests; the failures are all older than 30 days.
      expect(first.evaluation.measurement).toMatchObject({ good: 432_000, bad: 0, events: 432_000 });
      // An hour and 43 minutes later, with nothing new ingested: the window lost 103 minutes of old traffic.
      now = end + 103 * MIN;
      await engine.cycle();
      const later = await engine.result('checkout-availability');
      if (later?.kind !== 'simple') throw new Error('not simple');
      expect(later.evaluation.measurement).toMatchObject({ good: 432_000 - 1030, bad: 0, events: 432_000 - 1030 });
    }, 300_000);
  });
}
