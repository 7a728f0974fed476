// The engine reads the recent minutes of every SLO in one query per cycle, and the whole lateness every few cycles
// (and on demand): late data lands within that many cycles, and at once when asked to evaluate now.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFiles } from '../../src/catalog/apply.js';
import { SloEngine } from '../../src/engine/slo-engine.js';
import { Ingestor } from '../../src/telemetry/ingest.js';
import { baseCatalog, checkoutAvailabilitySlo } from '../support/api.js';
import { backends, openTestStore, type TestStore } from '../support/stores.js';

const MIN = 60_000;
const t0 = Date.parse('2026-03-07T10:00:00Z');
const admin = { actor: 'test', role: 'admin' as const };

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`late data on ${backend}`, () => {
    let store: TestStore;
    let engine: SloEngine;
    let ingestor: Ingestor;
    let now = t0 + 3 * 1_440 * MIN;
    beforeAll(async () => {
      store = await openTestStore(backend);
      const r = await applyFiles(store.db, { files: [{ name: 'c.yaml', content: baseCatalog + checkoutAvailabilitySlo }], prune: false, dryRun: false, principal: admin });
      expect(r.outcome).toBe('applied');
      ingestor = new Ingestor(store.db, { latenessMs: 4 * 1_440 * MIN, futureMs: 5 * MIN, catalogTtlMs: 0 });
      engine = new SloEngine(store.db, { now: () => new Date(now), intervalMs: 30_000, latenessMs: 60 * MIN, fullReadEvery: 3 });
    });
    afterAll(async () => {
      await engine?.stop();
      await store?.close();
    });

    const send = async (from: number, to: number, good: number, bad: number) => {
      const items = [];
      for (let m = from; m < to; m += MIN) {
        items.push({ series: 'checkout_requests', labels: { code: '200' }, ts: m, good, total: good });
        if (bad) items.push({ series: 'checkout_requests', labels: { code: '503' }, ts: m, good: 0, total: bad });
      }
      expect((await ingestor.ingest(items, { principal: admin, now: new Date(now) })).status).toBe('committed');
    };
    const events = async () => {
      const r = await engine.result('checkout-availability');
      if (r?.kind !== 'simple') throw new Error('not evaluated');
      return r.evaluation.measurement.events;
    };

    it('sees new minutes every cycle, late minutes at the next full read, and everything on evaluate-now', async () => {
      await send(t0, now, 10, 0);
      // The 503 series exists from the start (a new series makes the engine reload the SLO, which would hide the point).
      expect((await ingestor.ingest([{ series: 'checkout_requests', labels: { code: '503' }, ts: t0, good: 0, total: 0 }], { principal: admin, now: new Date(now) })).status).toBe('committed');
      await engine.cycle(); // cycle 0: a full read (and the first load)
      const base = 3 * 1_440 * 10;
      expect(await events()).toBe(base);

      // A new minute arrives, and a late one for 20 minutes ago (beyond the few minutes re-read every cycle).
      now += MIN;
      await send(now - MIN, now, 10, 0);
      await send(now - 20 * MIN, now - 19 * MIN, 0, 5);
      await engine.cycle(); // cycle 1: recent minutes only
      expect(await events()).toBe(base + 10);
      await engine.cycle(); // cycle 2: recent minutes only
      expect(await events()).toBe(base + 10);
      await engine.cycle(); // cycle 3: the whole lateness
      expect(await events()).toBe(base + 15);

      // Evaluate-now re-reads the lateness whatever the cycle count.
      await send(now - 30 * MIN, now - 29 * MIN, 0, 7);
      await engine.evaluateNow();
      expect(await events()).toBe(base + 22);
    });
  });
}
