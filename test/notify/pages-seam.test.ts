// Escalation from real pages (alert ingest → page → its team's escalation policy): a PagerDuty trigger opens a page
// whose escalation starts, and first step fires, in the trigger's own transaction; the signed acknowledge link in the notification acknowledges the page
// itself; a page acknowledged by its sender stops its escalation before the next step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/stores.js';
import { escalationCatalog, secretEnv, startEscalationApi, startReceiver, webhookSecret, type EscalationApi, type Receiver } from './fixture.js';

const M = 60_000;
const t0 = Date.UTC(2026, 3, 15, 14, 0);

const extra = `
---
apiVersion: pave/v1
kind: Service
metadata: { name: checkout }
spec: { owner: payments, tier: critical, links: [ { title: Dashboard, url: "https://grafana.example.com/d/checkout" } ], runbook: "https://runbooks.example.com/checkout" }
---
apiVersion: pave/v1
kind: Integration
metadata: { name: pd-payments }
spec: { format: pagerduty, service: checkout }
`;

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`escalation of pages on ${backend}`, () => {
    let receiver: Receiver;
    let api: EscalationApi;
    let routingKey: string;

    beforeAll(async () => {
      process.env[secretEnv] = webhookSecret;
      receiver = await startReceiver();
      api = await startEscalationApi(backend, escalationCatalog(receiver.url) + extra, { escalationPollMs: 600_000, outboxPollMs: 600_000 }, t0);
      const minted = await api.app.inject({ method: 'POST', url: '/api/v1/integrations/pd-payments/keys', headers: { authorization: `Bearer ${api.admin}` } });
      expect(minted.statusCode, minted.body).toBe(201);
      routingKey = minted.json().key;
    }, 60_000);
    afterAll(async () => {
      await api?.close();
      await receiver?.close();
      delete process.env[secretEnv];
    });

    const enqueue = (body: object) => api.app.inject({ method: 'POST', url: '/v2/enqueue', payload: JSON.stringify({ routing_key: routingKey, ...body }), headers: { 'content-type': 'application/json' } });
    const get = async (url: string) => (await api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${api.viewer}` } })).json();
    const pageIdOf = async (dedupKey: string): Promise<string> =>
      String((await api.store.db.selectFrom('alerts').select('page_id').where('identity', '=', dedupKey).executeTakeFirstOrThrow()).page_id);

    it("notifies the on-call person of a triggered page and acknowledges the page from the notification's link", async () => {
      api.clock.t = t0;
      expect((await enqueue({ event_action: 'trigger', dedup_key: 'db-down', payload: { summary: 'DB down', source: 'db-01', severity: 'critical' } })).statusCode).toBe(202);
      const pageId = await pageIdOf('db-down');
      expect((await get(`/api/v1/pages/${pageId}`)).escalationPolicy).toBe('payments-primary');

      // The trigger's own transaction started the escalation and fired its first step: the escalator has nothing left.
      const escalation = await get(`/api/v1/escalations/${pageId}`);
      expect(escalation).toMatchObject({ state: 'active', nextIndex: 1, startedAt: new Date(t0).toISOString() });
      expect(escalation.events.map((e: { type: string }) => e.type)).toEqual(['started', 'step_fired']);
      expect(await api.app.escalator.runOnce()).toBe(0);
      expect(await api.app.outbox.runOnce()).toBe(1);
      const envelope = JSON.parse(receiver.requests.at(-1)!.body);
      expect(envelope.data.page).toEqual({
        id: pageId,
        service: 'checkout',
        team: 'payments',
        title: 'DB down',
        severity: 'critical',
        links: [
          { title: 'Dashboard', url: 'https://grafana.example.com/d/checkout' },
          { title: 'Runbook', url: 'https://runbooks.example.com/checkout' },
        ],
      });

      api.clock.t = t0 + 2 * M;
      const link = String(envelope.data.actions.acknowledge).replace('https://pave.example.com', '');
      const r = await api.app.inject({ method: 'POST', url: link, headers: { accept: 'application/json' } });
      expect(r.json()).toEqual({ page: pageId, action: 'acknowledge', person: 'alice', outcome: 'done' });
      const page = await get(`/api/v1/pages/${pageId}`);
      expect(page).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'person:alice (signed link)', acknowledgedAt: new Date(t0 + 2 * M).toISOString() });
      expect((await get(`/api/v1/escalations/${pageId}`)).state).toBe('acknowledged');
      // Her email (5 minutes) is dropped, and step 2 never fires.
      api.clock.t = t0 + 30 * M;
      expect(await api.app.escalator.runOnce()).toBe(0);
      expect(await api.app.outbox.runOnce()).toBe(1); // alice's webhook hears it was acknowledged
      expect((await get(`/api/v1/notifications?page=${pageId}`)).items.map((n: { channel: string; state: string; eventType: string }) => `${n.eventType} ${n.channel}:${n.state}`).sort()).toEqual([
        'page.acknowledged webhook:sent',
        'page.triggered email:cancelled',
        'page.triggered webhook:sent',
      ]);
    });

    it('stops the escalation of a page its sender acknowledged, before the next step', async () => {
      const s = t0 + 60 * M;
      api.clock.t = s;
      await enqueue({ event_action: 'trigger', dedup_key: 'disk-full', payload: { summary: 'Disk full', source: 'db-02', severity: 'error' } });
      const pageId = await pageIdOf('disk-full');
      await api.app.escalator.runOnce();
      api.clock.t = s + 9 * M;
      expect((await enqueue({ event_action: 'acknowledge', dedup_key: 'disk-full' })).statusCode).toBe(202);
      api.clock.t = s + 10 * M;
      await api.app.escalator.runOnce();
      const e = await get(`/api/v1/escalations/${pageId}`);
      expect(e.state).toBe('acknowledged');
      expect(e.events.filter((x: { type: string }) => x.type === 'step_fired')).toHaveLength(1);
      expect(e.events.at(-1)).toMatchObject({ type: 'acknowledged', at: new Date(s + 9 * M).toISOString() });
    });

    it('with the workers running, an alert that triggers a page has its first notification handed over in milliseconds, not at the next poll', async () => {
      const s = t0 + 3 * 60 * M;
      api.clock.t = s;
      api.app.escalator.start();
      api.app.outbox.start();
      await new Promise((r) => setTimeout(r, 200)); // the first runs at start find nothing new
      const before = receiver.requests.length;
      const started = performance.now();
      await enqueue({ event_action: 'trigger', dedup_key: 'cpu-hot', payload: { summary: 'CPU hot', source: 'db-03', severity: 'warning' } });
      // No explicit nudge: the trigger's transaction queued the notification, and its commit woke the outbox.
      while (receiver.requests.length === before && performance.now() - started < 5_000) await new Promise((r) => setTimeout(r, 5));
      const elapsed = performance.now() - started;
      expect(JSON.parse(receiver.requests.at(-1)!.body).data.page.title).toBe('CPU hot');
      // The polls are ten minutes apart: only the nudge after the commit can explain this.
      expect(elapsed).toBeLessThan(2_000);
    });
  });
}
