import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listSeries, sumCounts } from '../../src/store/sli.js';
import { openStore } from '../../src/store/store.js';
import { startServe } from '../support/serve.js';

const adminToken = 'durability-test-admin-token-0123456789abcdef';

describe('ingest durability', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pave-durable-'));
    cpSync(inject('pgliteTemplate'), dir, { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged event when the server is SIGKILLed mid-stream', async () => {
    const env = { PAVE_DATA_DIR: dir, PAVE_ADMIN_TOKEN: adminToken };
    const server = await startServe(env);
    const acknowledged = new Map<string, number>(); // idempotency key → events
    let stop = false;
    let sent = 0;
    // Several concurrent senders, so the kill lands while batches are in flight.
    const sender = async (lane: number) => {
      for (let n = 0; !stop && n < 10_000; n++) {
        const key = `lane${lane}-batch${n}`;
        const items = Array.from({ length: 200 }, (_, i) => ({ series: 'durable_requests', labels: { lane: String(lane) }, ts: Date.now(), good: i % 10 === 0 ? 0 : 1, total: 1 }));
        sent++;
        try {
          const res = await fetch(`${server.url}/api/v1/ingest`, {
            method: 'POST',
            headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', 'idempotency-key': key },
            body: JSON.stringify({ items }),
          });
          if (res.status === 200) acknowledged.set(key, 200);
        } catch {
          return; // the connection died with the server: this batch was never acknowledged
        }
      }
    };
    const lanes = [0, 1, 2, 3].map(sender);
    await new Promise((r) => setTimeout(r, 1500));
    server.child.kill('SIGKILL');
    expect(await server.exited).toBe('SIGKILL');
    stop = true;
    await Promise.all(lanes);
    expect(acknowledged.size).toBeGreaterThan(5);
    expect(sent).toBeGreaterThan(acknowledged.size); // at least one batch was in flight or refused at the kill

    // Restart on the same folder (the dead server's lock is stale), then recount.
    const again = await startServe(env);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    const store = await openStore({ dataDir: dir });
    try {
      const series = await listSeries(store.db, 'durable_requests');
      const sums = await sumCounts(store.db, series.map((s) => s.id), 0, Date.now() + 3_600_000);
      const total = [...sums.values()].reduce((a, s) => a + s.total, 0);
      const good = [...sums.values()].reduce((a, s) => a + s.good, 0);
      const keys = await store.db.selectFrom('ingest_batches').select('key').execute();
      // Every acknowledged batch is there; a batch committed just before the kill but never answered may be too.
      // Keys are stored per token (`<token id>:<key>`), so two senders cannot collide.
      const committed = new Set(keys.map((k) => k.key.slice(k.key.indexOf(':') + 1)));
      for (const k of acknowledged.keys()) expect(committed.has(k), k).toBe(true);
      expect(total).toBe(committed.size * 200);
      expect(good).toBe(committed.size * 180);
      expect(committed.size - acknowledged.size).toBeLessThanOrEqual(4);
    } finally {
      await store.close();
    }
  });
});
