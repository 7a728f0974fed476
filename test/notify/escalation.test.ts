// Escalation and notification delivery end to end on both stores, with the server's clock in the test's hands: steps
// fire at their due times, per-person rules delay email, webhooks are signed, the email's acknowledge link stops the
// escalation, nobody acknowledging is recorded, and a failing receiver is retried then dead-lettered.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEscalationByName, type EscalationPage } from '../../src/store/escalations.js';
import { backends } from '../support/stores.js';
import {
  decodeQuotedPrintable,
  escalationCatalog,
  secretEnv,
  startEscalationApi,
  startMailbox,
  startReceiver,
  webhookSecret,
  type EscalationApi,
  type Mailbox,
  type Receiver,
} from './fixture.js';

const M = 60_000;
// A Wednesday at 14:00 UTC: alice is on call (her single-person rotation).
const t0 = Date.UTC(2026, 3, 15, 14, 0);

const page = (id: string): EscalationPage => ({
  id,
  service: 'checkout',
  team: 'payments',
  title: 'checkout availability burning 14.4x',
  severity: 'critical',
  links: [{ title: 'Dashboard', url: 'https://grafana.example.com/d/checkout' }],
});

/** The receiver's own check of a webhook: HMAC-SHA256 of the raw body with the shared secret, in constant time. */
function verifies(body: string, header: string | undefined, secret: string): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(header.slice(7), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`escalation and notifications on ${backend}`, () => {
    let receiver: Receiver;
    let mailbox: Mailbox;
    let api: EscalationApi;

    beforeAll(async () => {
      process.env[secretEnv] = webhookSecret;
      receiver = await startReceiver();
      mailbox = await startMailbox();
      api = await startEscalationApi(
        backend,
        escalationCatalog(receiver.url),
        {
          smtp: { host: '127.0.0.1', port: mailbox.port, secure: false, from: 'pave <pave@example.com>', timeoutMs: 5_000 },
          retry: { baseMs: 1_000, maxMs: 8_000, maxAttempts: 3 },
        },
        t0,
      );
    }, 60_000);
    afterAll(async () => {
      await api?.close();
      await receiver?.close();
      await mailbox?.close();
      delete process.env[secretEnv];
    });
    afterEach(() => {
      receiver.requests.length = 0;
      mailbox.messages.length = 0;
      receiver.status = () => 200;
    });

    const get = async (url: string) => {
      const r = await api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${api.viewer}` } });
      expect(r.statusCode, r.body).toBe(200);
      return r.json();
    };
    const start = (id: string) => api.store.db.transaction().execute((trx) => startEscalationByName(trx, page(id), 'payments-primary', new Date(api.clock.t)));

    it('fires each step at its due time, signs webhooks, delays email by the rule, and the email acknowledge link stops it', async () => {
      api.clock.t = t0;
      expect(await start('p1')).toEqual({ started: true });
      expect(await start('p1')).toEqual({ started: false, reason: 'already_started' });
      expect(await api.store.db.transaction().execute((trx) => startEscalationByName(trx, page('px'), 'no-such-policy', new Date(t0)))).toEqual({ started: false, reason: 'unknown_policy' });

      // Step 1 at once: alice (on call) gets her webhook now; her email waits 5 minutes.
      expect(await api.app.escalator.runOnce()).toBe(1);
      expect(await api.app.outbox.runOnce()).toBe(1);
      expect(receiver.requests.map((r) => r.path)).toEqual(['/alice']);
      const hook = receiver.requests[0]!;
      expect(verifies(hook.body, hook.headers['x-pave-signature'] as string, webhookSecret)).toBe(true);
      expect(verifies(hook.body, hook.headers['x-pave-signature'] as string, 'another secret')).toBe(false);
      const envelope = JSON.parse(hook.body);
      expect(hook.headers['idempotency-key']).toBe(envelope.id);
      expect(envelope).toMatchObject({
        event_type: 'page.triggered',
        occurred_at: new Date(t0).toISOString(),
        actor: 'pave:escalation',
        data: { page: page('p1'), escalation: { policy: 'payments-primary', step: 0, round: 0, due_at: new Date(t0).toISOString() }, recipient: { person: 'alice', display_name: 'Alice Martin' } },
      });
      expect(envelope.data.actions.acknowledge).toMatch(/^https:\/\/pave\.example\.com\/api\/v1\/page-actions\/p1\/acknowledge\/alice\?expires=\d+&signature=/);

      // Nothing more before the delays are up.
      api.clock.t = t0 + 5 * M - 1;
      expect(await api.app.escalator.runOnce()).toBe(0);
      expect(await api.app.outbox.runOnce()).toBe(0);
      expect(mailbox.messages).toHaveLength(0);

      api.clock.t = t0 + 5 * M;
      expect(await api.app.outbox.runOnce()).toBe(1);
      expect(mailbox.messages).toHaveLength(1);
      const mail = mailbox.messages[0]!;
      expect(mail.to).toEqual(['alice@example.com']);
      const text = decodeQuotedPrintable(mail.raw);
      expect(text).toContain('Subject: [CRITICAL] Page: checkout availability burning 14.4x (checkout)');
      const ackLink = /Acknowledge: (https:\/\/pave\.example\.com(\/api\/v1\/page-actions\/p1\/acknowledge\/alice\?expires=\d+&signature=[A-Za-z0-9_-]{43}))/.exec(text);
      expect(ackLink, text).not.toBeNull();

      // Step 2 at +10 minutes: bob, on his webhook and Slack.
      api.clock.t = t0 + 10 * M;
      expect(await api.app.escalator.runOnce()).toBe(1);
      expect(await api.app.outbox.runOnce()).toBe(2);
      expect(receiver.requests.map((r) => r.path).sort()).toEqual(['/alice', '/bob', '/slack/T000/B000/XXXX']);
      const slack = JSON.parse(receiver.requests.find((r) => r.path.startsWith('/slack'))!.body);
      expect(slack.text).toBe('[CRITICAL] Escalated page: checkout availability burning 14.4x (checkout)');
      expect(slack.blocks.at(-1).elements.map((e: { url: string }) => e.url)[0]).toMatch(/\/page-actions\/p1\/acknowledge\/bob\?/);

      // Alice follows the link in her email: a page with one button, which POSTs back.
      api.clock.t = t0 + 12 * M;
      const path = ackLink![2]!;
      const tampered = path.replace('/alice?', '/bob?');
      expect((await api.app.inject({ method: 'POST', url: tampered })).statusCode).toBe(401);
      // Change the signature's first character to one it is not (replacing it with a fixed 'A' was a no-op 1 time in 64).
      const forged = path.replace(/signature=(.)/, (_, c: string) => `signature=${c === 'A' ? 'B' : 'A'}`);
      expect(forged).not.toBe(path);
      expect((await api.app.inject({ method: 'POST', url: forged })).statusCode).toBe(401);
      const confirm = await api.app.inject({ method: 'GET', url: path });
      expect(confirm.statusCode).toBe(200);
      expect(confirm.body).toContain('<form method="post" enctype="text/plain"');
      expect((await get('/api/v1/escalations/p1')).state).toBe('active');
      // As the browser sends the confirmation form: text/plain, an empty body.
      const ack = await api.app.inject({ method: 'POST', url: path, headers: { accept: 'application/json', 'content-type': 'text/plain' }, payload: '' });
      expect(ack.statusCode, ack.body).toBe(200);
      expect(ack.json()).toEqual({ page: 'p1', action: 'acknowledge', person: 'alice', outcome: 'done' });
      expect((await api.app.inject({ method: 'POST', url: path, headers: { accept: 'application/json' } })).json().outcome).toBe('already');

      // Acknowledged: later due times pass without a firing, and it is never declared unacknowledged.
      api.clock.t = t0 + 60 * M;
      expect(await api.app.escalator.runOnce()).toBe(0);
      const e = await get('/api/v1/escalations/p1');
      expect(e).toMatchObject({ state: 'acknowledged', stoppedBy: 'person:alice (signed link)', nextDueAt: null });
      expect(e.events.map((x: { type: string; dueAt: string | null; at: string }) => [x.type, x.dueAt, x.at])).toEqual([
        ['started', null, new Date(t0).toISOString()],
        ['step_fired', new Date(t0).toISOString(), new Date(t0).toISOString()],
        ['step_fired', new Date(t0 + 10 * M).toISOString(), new Date(t0 + 10 * M).toISOString()],
        ['acknowledged', null, new Date(t0 + 12 * M).toISOString()],
      ]);
      expect(e.events[1].details.targets).toEqual([{ type: 'schedule', name: 'payments-primary', people: ['alice'] }]);
    });

    it('records that nobody acknowledged after the last step, visible in the escalations list', async () => {
      const s = t0 + 2 * 60 * M;
      api.clock.t = s;
      await start('p2');
      await api.app.escalator.runOnce();
      api.clock.t = s + 10 * M;
      await api.app.escalator.runOnce();
      api.clock.t = s + 25 * M - 1;
      expect(await api.app.escalator.runOnce()).toBe(0);
      expect((await get('/api/v1/escalations?state=unacknowledged')).items).toEqual([]);
      api.clock.t = s + 25 * M + 400;
      expect(await api.app.escalator.runOnce()).toBe(1);
      const listed = (await get('/api/v1/escalations?state=unacknowledged')).items;
      expect(listed.map((x: { pageId: string }) => x.pageId)).toEqual(['p2']);
      const last = (await get('/api/v1/escalations/p2')).events.at(-1);
      expect(last).toMatchObject({ type: 'unacknowledged', dueAt: new Date(s + 25 * M).toISOString(), details: { message: 'nobody acknowledged after the last step' } });
      await api.app.outbox.runOnce();
    });

    it('acknowledging drops the email that waited for its delay', async () => {
      const s = t0 + 4 * 60 * M;
      api.clock.t = s;
      await start('p3');
      await api.app.escalator.runOnce();
      await api.app.outbox.runOnce();
      const pending = (await get('/api/v1/notifications?page=p3&state=pending')).items;
      expect(pending.map((n: { channel: string; person: string }) => `${n.channel}:${n.person}`)).toEqual(['email:alice']);
      // The API does not show the signed links (they act as alice): take hers from the outbox row, as the email has it.
      expect(pending[0].payload.data.actions).toEqual({ acknowledge: '(signed link, not shown)', resolve: '(signed link, not shown)', expires_at: expect.any(String) });
      expect(JSON.stringify(await get('/api/v1/notifications?limit=1000'))).not.toContain('signature=');
      const row = await api.store.db.selectFrom('notifications').select('payload').where('id', '=', pending[0].id).executeTakeFirstOrThrow();
      const link = (row.payload as { data: { actions: { acknowledge: string } } }).data.actions.acknowledge;
      const r = await api.app.inject({ method: 'POST', url: link.replace('https://pave.example.com', ''), headers: { accept: 'application/json' } });
      expect(r.json().outcome).toBe('done');
      // The one contact already reached (alice's webhook) is told, in the same transaction; the email never goes.
      api.clock.t = s + 6 * M;
      expect(await api.app.outbox.runOnce()).toBe(1);
      expect(mailbox.messages).toHaveLength(0);
      const notice = receiver.requests.at(-1)!;
      expect(verifies(notice.body, notice.headers['x-pave-signature'] as string, webhookSecret)).toBe(true);
      expect(JSON.parse(notice.body)).toMatchObject({ event_type: 'page.acknowledged', actor: 'person:alice (signed link)', data: { page: { id: 'p3' }, recipient: { person: 'alice' } } });
      expect(JSON.parse(notice.body).data.actions).toBeUndefined();
      expect((await get('/api/v1/notifications?page=p3')).items.map((n: { state: string; channel: string; eventType: string }) => `${n.eventType} ${n.channel}:${n.state}`).sort()).toEqual([
        'page.acknowledged webhook:sent',
        'page.triggered email:cancelled',
        'page.triggered webhook:sent',
      ]);
    });

    it('retries a failing receiver with backoff, then dead-letters it, visible at ?state=dead with every attempt', async () => {
      const s = t0 + 6 * 60 * M;
      api.clock.t = s;
      receiver.status = (path) => (path === '/alice' ? 503 : 200);
      await start('p4');
      await api.app.escalator.runOnce();
      expect(await api.app.outbox.runOnce()).toBe(1);
      const [n] = (await get('/api/v1/notifications?page=p4&state=pending')).items.filter((x: { channel: string }) => x.channel === 'webhook');
      // First retry after 0.5-1 s (base 1 s, equal jitter): not before.
      expect(Date.parse(n.nextAttemptAt) - s).toBeGreaterThanOrEqual(500);
      expect(Date.parse(n.nextAttemptAt) - s).toBeLessThanOrEqual(1_000);
      api.clock.t = Date.parse(n.nextAttemptAt) - 1;
      expect(await api.app.outbox.runOnce()).toBe(0);
      for (let i = 0; i < 2; i++) {
        const current = await get(`/api/v1/notifications/${n.id}`);
        api.clock.t = Date.parse(current.nextAttemptAt);
        expect(await api.app.outbox.runOnce()).toBe(1);
      }
      expect(receiver.requests.filter((r) => r.path === '/alice')).toHaveLength(3);
      const dead = (await get('/api/v1/notifications?state=dead')).items;
      expect(dead.map((x: { id: string }) => x.id)).toEqual([n.id]);
      const detail = await get(`/api/v1/notifications/${n.id}`);
      expect(detail).toMatchObject({ state: 'dead', attempts: 3, lastError: 'HTTP 503 (after 3 attempts)', destination: { url: `${receiver.url}/…`, secret: { env: secretEnv } } });
      expect(detail.deliveryAttempts.map((a: { attempt: number; outcome: string; statusCode: number; error: string }) => [a.attempt, a.outcome, a.statusCode, a.error])).toEqual([
        [1, 'failed', 503, 'HTTP 503'],
        [2, 'failed', 503, 'HTTP 503'],
        [3, 'failed', 503, 'HTTP 503'],
      ]);
      expect(JSON.stringify(detail)).not.toContain(webhookSecret);
      // The same key on every attempt, so the receiver could drop repeats.
      expect(new Set(receiver.requests.filter((r) => r.path === '/alice').map((r) => r.headers['idempotency-key'])).size).toBe(1);

      // An admin puts it back; it goes out once the receiver is back.
      receiver.status = () => 200;
      expect((await api.app.inject({ method: 'POST', url: `/api/v1/notifications/${n.id}/retry`, headers: { authorization: `Bearer ${api.viewer}` } })).statusCode).toBe(403);
      const retried = await api.app.inject({ method: 'POST', url: `/api/v1/notifications/${n.id}/retry`, headers: { authorization: `Bearer ${api.admin}` } });
      expect(retried.json().state).toBe('pending');
      expect(await api.app.outbox.runOnce()).toBe(1);
      expect((await get(`/api/v1/notifications/${n.id}`)).state).toBe('sent');
    });

    it('on shutdown, sends what is due before stopping (drain)', async () => {
      api.clock.t = t0 + 8 * 60 * M;
      await start('p5');
      await api.app.escalator.runOnce();
      const p5 = () => receiver.requests.filter((r) => JSON.parse(r.body).data?.page?.id === 'p5').map((r) => r.path);
      expect(p5()).toEqual([]);
      await api.app.outbox.stop(5_000);
      expect(p5()).toEqual(['/alice']);
      expect((await get('/api/v1/notifications?page=p5&state=sent')).items).toHaveLength(1);
      await api.app.outbox.stop(0); // nothing in flight: returns at once
    });

    it('shows a Slack webhook URL only by its origin', async () => {
      const items = (await get('/api/v1/notifications?page=p1')).items;
      const slack = items.find((x: { channel: string }) => x.channel === 'slack');
      expect(slack.destination).toEqual({ url: `${receiver.url}/…` });
    });
  });
}
