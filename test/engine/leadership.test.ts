// Two replicas on one PostgreSQL: only the one holding the advisory lock records SLO alert transitions, the other
// evaluates and follows; when the leader's connection dies, the standby takes over and nothing is recorded twice.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFiles } from '../../src/catalog/apply.js';
import { SloEngine } from '../../src/engine/slo-engine.js';
import { leadershipKeys } from '../../src/store/leadership.js';
import { listTransitions } from '../../src/store/slo-alerts.js';
import { openStore, type Store } from '../../src/store/store.js';
import { Ingestor } from '../../src/telemetry/ingest.js';
import { baseCatalog, checkoutAvailabilitySlo } from '../support/api.js';
import { openTestStore, postgresUrl, type TestStore } from '../support/stores.js';

const MIN = 60_000;
const t0 = Date.parse('2026-03-07T10:00:00Z');
const admin = { actor: 'test', role: 'admin' as const };

describe.skipIf(!postgresUrl)('leadership between replicas on PostgreSQL', () => {
  let first: TestStore;
  let second: Store;
  let a: SloEngine;
  let b: SloEngine;
  let now = t0 + 3 * 1_440 * MIN;
  const roles: string[] = [];

  beforeAll(async () => {
    first = await openTestStore('postgres');
    second = await openStore({ databaseUrl: first.where });
    const r = await applyFiles(first.db, { files: [{ name: 'c.yaml', content: baseCatalog + checkoutAvailabilitySlo }], prune: false, dryRun: false, principal: admin });
    expect(r.outcome).toBe('applied');
    const options = { now: () => new Date(now), intervalMs: 30_000, latenessMs: 60 * MIN };
    a = new SloEngine(first.db, { ...options, leadership: first.leadership(leadershipKeys.sloAlerts, (l) => roles.push(`a ${l ? 'leads' : 'stands by'}`)) });
    b = new SloEngine(second.db, { ...options, leadership: second.leadership(leadershipKeys.sloAlerts, (l) => roles.push(`b ${l ? 'leads' : 'stands by'}`)) });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await second?.close();
    await first?.close();
  });

  async function traffic(from: number, to: number, bad: number) {
    const ingestor = new Ingestor(first.db, { latenessMs: 10 * 1_440 * MIN, futureMs: 5 * MIN, catalogTtlMs: 0 });
    const items = [];
    for (let m = from; m < to; m += MIN) {
      items.push({ series: 'checkout_requests', labels: { code: '200' }, ts: m, good: 100 - bad, total: 100 - bad });
      if (bad) items.push({ series: 'checkout_requests', labels: { code: '503' }, ts: m, good: 0, total: bad });
    }
    expect((await ingestor.ingest(items, { principal: admin, now: new Date(now) })).status).toBe('committed');
  }

  it('records each transition once, from the leader only, and hands over when the leader dies', async () => {
    await traffic(t0, now, 0);
    expect((await a.cycle()).length).toBe(0);
    expect(a.lastCycle?.role).toBe('leader');
    await b.cycle();
    expect(b.lastCycle?.role).toBe('standby');

    // An outage: both replicas see the 1h/5m tier fire; only the leader records it.
    await traffic(now, now + MIN, 100);
    now += MIN;
    expect((await b.cycle()).map((c) => c.alertId)).toEqual([]);
    expect((await a.cycle()).map((c) => c.alertId)).toEqual(['checkout-availability:page:1h/5m']);
    expect((await b.cycle()).map((c) => c.alertId)).toEqual([]);
    const report = await b.result('checkout-availability');
    expect(report?.kind === 'simple' && report.evaluation.tiers[0]?.firing).toBe(true);

    // The leader's lock connection is killed (a crash, a network partition): PostgreSQL releases the lock.
    const c = new pg.Client({ connectionString: first.where });
    await c.connect();
    const killed = await c.query("select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())");
    await c.end();
    expect(killed.rowCount).toBe(1);

    // Recovery: the standby takes over and records the resolution; the old leader, back, stands by.
    await traffic(now, now + 5 * MIN, 0);
    now += 5 * MIN;
    expect((await b.cycle()).map((c) => [c.alertId, c.state])).toEqual([['checkout-availability:page:1h/5m', 'resolved']]);
    expect(b.lastCycle?.role).toBe('leader');
    expect(await a.cycle()).toEqual([]);
    expect(a.lastCycle?.role).toBe('standby');

    const log = await listTransitions(first.db, { slo: 'checkout-availability', limit: 10 });
    expect(log.map((l) => [l.alertId, l.state])).toEqual([
      ['checkout-availability:page:1h/5m', 'firing'],
      ['checkout-availability:page:1h/5m', 'resolved'],
    ]);
    expect(roles).toEqual(['a leads', 'a stands by', 'b leads']);
  });
});
