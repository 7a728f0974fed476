// Escalations and the outbox survive SIGKILL: pave serve runs on a data folder holding escalations whose next steps
// are still to come; it fires the first steps, whose notifications a failing receiver refuses (so they wait in the
// outbox), and is killed. After a restart every notification reaches the receiver exactly once per idempotency key,
// and every later step fires at its due time (not before, and within a poll or so after).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applyFiles } from '../../src/catalog/apply.js';
import { startEscalationByName } from '../../src/store/escalations.js';
import { openStore } from '../../src/store/store.js';
import { startServe, type ServeProcess } from '../support/serve.js';
import { escalationCatalog, secretEnv, startReceiver, webhookSecret, type Receiver } from './fixture.js';

const adminToken = 'escalation-durability-admin-token-0123456789';
const M = 60_000;

describe('escalation and outbox durability', () => {
  let dir: string;
  let receiver: Receiver;
  const servers: ServeProcess[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pave-escalation-durable-'));
    cpSync(inject('pgliteTemplate'), dir, { recursive: true });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every queued notification once per key and fires every pending step at its due time after a SIGKILL', async () => {
    // Two escalations whose first step is already due and whose second (10 minutes after the start) comes due 30 s
    // and 45 s from now: started 10 minutes earlier than that, in the store's own terms.
    const store = await openStore({ dataDir: dir });
    const now = Date.now();
    const secondDue = { a: now + 30_000, b: now + 45_000 };
    try {
      const r = await applyFiles(store.db, { files: [{ name: 'c.yaml', content: escalationCatalog(receiver.url) }], prune: false, dryRun: false, principal: { actor: 'test', role: 'admin' } });
      expect(r.outcome).toBe('applied');
      for (const [id, due] of Object.entries(secondDue)) {
        const page = { id, service: 'checkout', team: 'payments', title: `page ${id}`, severity: 'critical', links: [] };
        await store.db.transaction().execute((trx) => startEscalationByName(trx, page, 'payments-primary', new Date(due - 10 * M)));
      }
    } finally {
      await store.close();
    }

    const env = {
      PAVE_DATA_DIR: dir,
      PAVE_ADMIN_TOKEN: adminToken,
      PAVE_PUBLIC_URL: 'https://pave.example.com',
      PAVE_NOTIFY_RETRY_BASE_SECONDS: '0.5',
      PAVE_NOTIFY_RETRY_MAX_SECONDS: '1',
      PAVE_NOTIFY_MAX_ATTEMPTS: '1000',
      PAVE_OUTBOX_POLL_MS: '200',
      PAVE_ESCALATION_POLL_MS: '200',
      [secretEnv]: webhookSecret,
    };
    // While the first server runs, the receiver refuses everything: the notifications stay in the outbox.
    receiver.status = () => 503;
    const first = await startServe(env);
    servers.push(first);
    const refusedBefore = async () => {
      for (let i = 0; i < 200 && receiver.requests.length < 4; i++) await new Promise((r) => setTimeout(r, 100));
    };
    await refusedBefore();
    expect(receiver.requests.length).toBeGreaterThanOrEqual(4);
    expect(Date.now()).toBeLessThan(secondDue.a - 5_000); // the second steps are still pending at the kill
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    // The receiver accepts from now on and counts acceptances per idempotency key.
    const accepted = new Map<string, number>();
    receiver.status = () => 200;
    const seen = receiver.requests.length;
    const second = await startServe(env);
    const secondReadyAt = Date.now();
    servers.push(second);
    // Past the last due time, then until the last notifications have gone out (bounded: a busy machine is slow to
    // start the second server, but a notification that never goes out still fails below).
    await new Promise((r) => setTimeout(r, Math.max(0, secondDue.b + 1_000 - Date.now())));
    for (let i = 0; i < 120; i++) {
      const res = await fetch(`${second.url}/api/v1/notifications?limit=1000`, { headers: { authorization: `Bearer ${adminToken}` } });
      const items = ((await res.json()) as { items: { state: string; channel: string }[] }).items.filter((n) => n.channel !== 'email');
      if (items.length >= 6 && items.every((n) => n.state === 'sent')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    for (const req of receiver.requests.slice(seen)) {
      const key = String(req.headers['idempotency-key']);
      accepted.set(key, (accepted.get(key) ?? 0) + 1);
    }

    const call = async (path: string) => {
      const res = await fetch(`${second.url}${path}`, { headers: { authorization: `Bearer ${adminToken}` } });
      expect(res.status).toBe(200);
      return res.json() as Promise<any>;
    };
    const all = (await call('/api/v1/notifications?limit=1000')).items as { idempotencyKey: string; state: string; channel: string }[];
    // alice's webhook and bob's webhook and Slack, per page (alice's email waits 5 minutes: still pending).
    const due = all.filter((n) => n.channel !== 'email');
    expect(due).toHaveLength(6);
    for (const n of due) {
      expect(n.state, n.idempotencyKey).toBe('sent');
      expect(accepted.get(n.idempotencyKey), n.idempotencyKey).toBe(1);
    }
    expect([...accepted.keys()].sort()).toEqual(due.map((n) => n.idempotencyKey).sort());

    for (const [id, dueAt] of Object.entries(secondDue)) {
      const e = await call(`/api/v1/escalations/${id}`);
      const fired = e.events.filter((x: { type: string }) => x.type === 'step_fired');
      expect(fired.map((x: { step: number }) => x.step)).toEqual([0, 1]);
      const lateness = Date.parse(fired[1].at) - dueAt;
      expect(fired[1].dueAt).toBe(new Date(dueAt).toISOString());
      expect(lateness, `page ${id} step 2 fired ${lateness} ms after its due time`).toBeGreaterThanOrEqual(0);
      // At its due time, or at once after the restart when the server came up after it (a loaded machine).
      expect(Date.parse(fired[1].at) - Math.max(dueAt, secondReadyAt)).toBeLessThan(1_500);
    }

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 150_000);
});
