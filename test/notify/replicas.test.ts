// Two replicas on one PostgreSQL: two escalators that both believe they lead (a leadership handover's worst case)
// and two outbox workers, running at the same time over the same due work. SKIP LOCKED and the step state advancing
// in the firing transaction mean every step fires once and every notification is sent once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFiles } from '../../src/catalog/apply.js';
import { webhookNotifier, secretReader } from '../../src/notify/webhook.js';
import { Escalator } from '../../src/notify/escalator.js';
import { OutboxWorker } from '../../src/notify/outbox.js';
import type { Notifier } from '../../src/notify/notifier.js';
import { startEscalationByName } from '../../src/store/escalations.js';
import { soleLeadership } from '../../src/store/leadership.js';
import { openStore, type Store } from '../../src/store/store.js';
import { openTestStore, postgresUrl, type TestStore } from '../support/stores.js';
import { escalationCatalog, secretEnv, startReceiver, webhookSecret, type Receiver } from './fixture.js';

const M = 60_000;
const t0 = Date.UTC(2026, 3, 15, 14, 0);

describe.skipIf(!postgresUrl)('two replicas on one PostgreSQL', () => {
  let a: TestStore;
  let b: Store;
  let receiver: Receiver;
  const clock = { t: t0 };
  const now = () => new Date(clock.t);

  beforeAll(async () => {
    process.env[secretEnv] = webhookSecret;
    receiver = await startReceiver();
    a = await openTestStore('postgres');
    b = await openStore({ databaseUrl: a.where });
    const r = await applyFiles(a.db, { files: [{ name: 'c.yaml', content: escalationCatalog(receiver.url) }], prune: false, dryRun: false, principal: { actor: 'test', role: 'admin' } });
    expect(r.outcome).toBe('applied');
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await receiver?.close();
    delete process.env[secretEnv];
  });

  const escalator = (store: Store) =>
    new Escalator(store.db, { now, leadership: soleLeadership(), publicUrl: () => 'https://pave.example.com', actionLinkTtlMs: 3_600_000, batchSize: 7, pollMs: 50, onError: (e) => { throw e; } });
  const worker = (store: Store) => {
    const webhook = webhookNotifier({ readSecret: secretReader(), timeoutMs: 5_000 });
    const never: Notifier = { send: async () => ({ ok: false, error: 'not in this test', permanent: true }) };
    return new OutboxWorker(store.db, { notifiers: { webhook, slack: webhook, email: never }, retry: { baseMs: 1000, maxMs: 1000, maxAttempts: 3 }, now, random: () => 0, leaseMs: 60_000, batchSize: 7, pollMs: 50, onError: (e) => { throw e; } });
  };

  it('fires every step once and sends every notification once', async () => {
    const pages = Array.from({ length: 30 }, (_, i) => `r${i}`);
    for (const id of pages) {
      await a.db.transaction().execute((trx) => startEscalationByName(trx, { id, service: 'checkout', team: 'payments', title: id, severity: null, links: [] }, 'payments-primary', now()));
    }
    const [ea, eb] = [escalator(a), escalator(b)];
    const [wa, wb] = [worker(a), worker(b)];
    const drain = async () => {
      for (;;) {
        const moved = await Promise.all([ea.runOnce(), eb.runOnce(), ea.runOnce(), eb.runOnce()]);
        if (moved.every((n) => n === 0)) break;
      }
      for (;;) {
        const sent = await Promise.all([wa.runOnce(), wb.runOnce(), wa.runOnce(), wb.runOnce()]);
        if (sent.every((n) => n === 0)) break;
      }
    };
    await drain();
    clock.t = t0 + 10 * M;
    await drain();

    const fired = await a.db.selectFrom('escalation_events').select(['page_id', 'step']).where('type', '=', 'step_fired').execute();
    expect(fired).toHaveLength(60);
    expect(new Set(fired.map((f) => `${f.page_id}/${f.step}`)).size).toBe(60);
    // alice's webhook (step 1), bob's webhook and Slack (step 2), per page; alice's email waits its 5 minutes... and
    // is due by now, but goes to the notifier that refuses: dead, sent to nobody.
    const keys = receiver.requests.map((r) => String(r.headers['idempotency-key']));
    expect(keys).toHaveLength(90);
    expect(new Set(keys).size).toBe(90);
    const states = await a.db.selectFrom('notifications').select(['channel', 'state']).execute();
    expect(states.filter((s) => s.state === 'sent')).toHaveLength(90);
    expect(states.filter((s) => s.channel === 'email').map((s) => s.state)).toEqual(Array(30).fill('dead'));
  }, 120_000);
});
