// Alert intake under concurrency (DESIGN §13 P3), on both stores: notifications of one integration that arrive
// together are written as one group (store/alerts AlertWriter) yet each is answered with its own outcome; concurrent
// triggers of one dedup key open one page; a page's escalation and first notification are committed with it; only
// commits that change pages wake the workers (a repeat wakes nothing); a key revoked after it was cached is refused
// by the committing transaction; a failing batch fails alone; a failing escalation leaves the page to the escalator.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { alertWriter, setPagingHooks, type AlertBatch } from '../../src/store/alerts.js';
import { backends } from '../support/stores.js';
import { escalationCatalog, secretEnv, startEscalationApi, startReceiver, webhookSecret, type EscalationApi, type Receiver } from './fixture.js';

const M = 60_000;
const t0 = Date.UTC(2026, 3, 15, 14, 0);

const extra = `
---
apiVersion: pave/v1
kind: Service
metadata: { name: checkout }
spec: { owner: payments, tier: critical }
---
apiVersion: pave/v1
kind: Integration
metadata: { name: pd-payments }
spec: { format: pagerduty, service: checkout }
---
apiVersion: pave/v1
kind: Integration
metadata: { name: hooks }
spec: { format: webhook, service: checkout }
`;

type Json = Record<string, any>;

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`alert groups on ${backend}`, () => {
    let receiver: Receiver;
    let api: EscalationApi;
    let routingKey: string;
    let hookKey: string;
    let seq = 0;

    beforeAll(async () => {
      process.env[secretEnv] = webhookSecret;
      receiver = await startReceiver();
      api = await startEscalationApi(backend, escalationCatalog(receiver.url) + extra, { escalationPollMs: 600_000, outboxPollMs: 600_000 }, t0);
      const mint = async (name: string) => {
        const r = await api.app.inject({ method: 'POST', url: `/api/v1/integrations/${name}/keys`, headers: { authorization: `Bearer ${api.admin}` } });
        expect(r.statusCode, r.body).toBe(201);
        return r.json() as { key: string; id: string };
      };
      routingKey = (await mint('pd-payments')).key;
      hookKey = (await mint('hooks')).key;
    }, 60_000);
    afterAll(async () => {
      await api?.close();
      await receiver?.close();
      delete process.env[secretEnv];
    });
    afterEach(() => {
      vi.restoreAllMocks();
    });

    const fresh = (what: string) => `${what}-${++seq}`;
    const enqueue = (body: object, key = routingKey) =>
      api.app.inject({ method: 'POST', url: '/v2/enqueue', payload: JSON.stringify({ routing_key: key, ...body }), headers: { 'content-type': 'application/json' } });
    const trigger = (dedupKey: string, summary = `alert ${dedupKey}`) => enqueue({ event_action: 'trigger', dedup_key: dedupKey, payload: { summary, source: 'db-01', severity: 'critical' } });
    const webhook = (dedupKey: string, key = hookKey) =>
      api.app.inject({ method: 'POST', url: '/api/v1/integrations/webhook', headers: { authorization: `Bearer ${key}` }, payload: { status: 'firing', title: `hook ${dedupKey}`, dedup_key: dedupKey } });
    const alertOf = async (scope: string, identity: string): Promise<Json[]> =>
      (await api.store.db.selectFrom('alerts').selectAll().where('scope', '=', scope).where('identity', '=', identity).execute()) as Json[];
    const notificationsOf = async (pageId: string) => api.store.db.selectFrom('notifications').select(['event_type', 'person', 'channel', 'state']).where('page_id', '=', pageId).orderBy('id').execute();

    it('answers each of many concurrent notifications with its own outcome, and applies them all', async () => {
      // 8 alerts, each sent 4 times, all 32 requests at once: one page per alert, opened by exactly one request each.
      const keys = Array.from({ length: 8 }, () => fresh('burst'));
      const sends = keys.flatMap((k) => [k, k, k, k]);
      const answers = await Promise.all(sends.map((k) => webhook(k)));
      expect(answers.map((a) => a.statusCode)).toEqual(sends.map(() => 202));
      const opened = new Map<string, string[]>();
      answers.forEach((a, i) => {
        const body = a.json();
        expect(body.dedup_key).toBe(sends[i]);
        if (body.pagesTriggered.length > 0) opened.set(sends[i]!, [...(opened.get(sends[i]!) ?? []), ...body.pagesTriggered]);
      });
      expect([...opened.keys()].sort()).toEqual([...keys].sort());
      for (const k of keys) {
        const [alert, ...more] = await alertOf('hooks', k);
        expect(more).toHaveLength(0);
        expect(alert).toMatchObject({ status: 'firing', received_count: 4 });
        // The one request that opened the page answered that page's id.
        expect(opened.get(k)).toEqual([String(alert!.page_id)]);
      }
    });

    it('applies a repeat, a resolve and a new firing of one alert sent together in the order they came', async () => {
      const key = fresh('order');
      const send = (status: 'firing' | 'resolved', title: string) =>
        api.app.inject({ method: 'POST', url: '/api/v1/integrations/webhook', headers: { authorization: `Bearer ${hookKey}` }, payload: { status, title, dedup_key: key } });
      expect((await send('firing', 'first')).statusCode).toBe(202);
      const answers = await Promise.all([send('firing', 'repeat'), send('resolved', 'resolve'), send('firing', 'again')]);
      expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202]);
      const rows = (await api.store.db.selectFrom('alerts').selectAll().where('scope', '=', 'hooks').where('identity', '=', key).orderBy('id').execute()) as Json[];
      // The repeat refreshed the first occurrence, the resolve closed it (and its page), the last one opened a new one.
      expect(rows.map((r) => [r.status, r.summary, r.received_count])).toEqual([
        ['resolved', 'repeat', 2],
        ['firing', 'again', 1],
      ]);
      expect(rows[1]!.page_id).not.toBe(rows[0]!.page_id);
      const pages = (await api.store.db.selectFrom('pages').select(['id', 'status']).where('id', 'in', [rows[0]!.page_id, rows[1]!.page_id]).orderBy('id').execute()) as Json[];
      expect(pages.map((p) => p.status)).toEqual(['resolved', 'triggered']);
    });

    it('opens one page for many concurrent triggers of one dedup key, with one first notification', async () => {
      const key = fresh('same');
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => trigger(key, `same alert, send ${i}`)));
      expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 202));
      const [alert, ...more] = await alertOf('pd-payments', key);
      expect(more).toHaveLength(0);
      expect(alert!.received_count).toBe(30);
      const pages = await api.store.db.selectFrom('pages').select('id').where('scope', '=', 'pd-payments').where('group_key', 'like', `%${key}%`).execute();
      expect(pages).toHaveLength(1);
      // The escalation started, and its first step fired, in the transaction that opened the page.
      expect(await notificationsOf(String(alert!.page_id))).toEqual([
        { event_type: 'page.triggered', person: 'alice', channel: 'webhook', state: 'pending' },
        { event_type: 'page.triggered', person: 'alice', channel: 'email', state: 'pending' },
      ]);
      const escalation = (await api.app.inject({ method: 'GET', url: `/api/v1/escalations/${alert!.page_id}`, headers: { authorization: `Bearer ${api.viewer}` } })).json();
      expect(escalation).toMatchObject({ state: 'active', nextIndex: 1, nextDueAt: new Date(t0 + 10 * M).toISOString() });
      expect(escalation.events.map((e: Json) => e.type)).toEqual(['started', 'step_fired']);
    });

    it('wakes the outbox for a new page, the escalator for a page its sender resolves, and nothing for a repeat', async () => {
      const outboxNudge = vi.spyOn(api.app.outbox, 'nudge');
      const escalatorNudge = vi.spyOn(api.app.escalator, 'nudge');
      const key = fresh('wake');
      expect((await trigger(key)).statusCode).toBe(202);
      expect(outboxNudge).toHaveBeenCalledTimes(1);
      expect(escalatorNudge).not.toHaveBeenCalled(); // its escalation started with the page

      for (let i = 0; i < 3; i++) expect((await trigger(key)).statusCode).toBe(202);
      expect(outboxNudge).toHaveBeenCalledTimes(1);
      expect(escalatorNudge).not.toHaveBeenCalled();

      expect((await enqueue({ event_action: 'resolve', dedup_key: key })).statusCode).toBe(202);
      expect(escalatorNudge).toHaveBeenCalledTimes(1); // to stop its escalation now
    });

    it('refuses a key revoked after it was used, although intake remembers the key', async () => {
      const minted = (await api.app.inject({ method: 'POST', url: '/api/v1/integrations/hooks/keys', headers: { authorization: `Bearer ${api.admin}` } })).json() as { key: string; id: string };
      expect((await webhook(fresh('before'), minted.key)).statusCode).toBe(202);
      const revoked = await api.app.inject({ method: 'DELETE', url: `/api/v1/integrations/hooks/keys/${minted.id}`, headers: { authorization: `Bearer ${api.admin}` } });
      expect(revoked.statusCode, revoked.body).toBe(200);
      const after = fresh('after');
      const refused = await webhook(after, minted.key);
      expect(refused.statusCode).toBe(401);
      expect(refused.json().error.message).toMatch(/invalid or revoked integration key/);
      expect(await alertOf('hooks', after)).toHaveLength(0);
    });

    it('fails a failing notification alone when it was grouped with others', async () => {
      const batch = (identity: string, source: string): AlertBatch => ({
        scope: 'hooks',
        source: source as AlertBatch['source'],
        alerts: [{ identity, status: 'firing', labels: { alertname: identity }, annotations: {}, summary: identity, severity: null, startsAt: t0, expiresAt: null, endedAt: null, sourceGroup: null, details: {} }],
        groupBy: ['alertname'],
        route: { service: 'checkout' },
        actor: 'integration:hooks',
        now: new Date(t0),
      });
      const good = [fresh('good'), fresh('good'), fresh('good')];
      const writer = alertWriter(api.store.db);
      // Submitted together, so they share a group; the store refuses the unknown source, which rolls the group back.
      const results = await Promise.allSettled([writer.submit(batch(good[0]!, 'webhook')), writer.submit(batch(fresh('bad'), 'no-such-source')), writer.submit(batch(good[1]!, 'webhook')), writer.submit(batch(good[2]!, 'webhook'))]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      for (const g of good) expect(await alertOf('hooks', g)).toHaveLength(1);
    });

    it('commits the page when starting its escalation fails, and leaves the escalation to the escalator', async () => {
      const errors: unknown[] = [];
      const remove = setPagingHooks(api.store.db, {
        pagesOpened: async (trx) => {
          // Writes something, then fails: the savepoint must undo the write, and keep the alert and its page.
          await trx.insertInto('pave_meta').values({ key: 'alert-groups-test', value: 'x' }).execute();
          throw new Error('escalation broke');
        },
        onError: (err) => errors.push(err),
      });
      const key = fresh('broken');
      try {
        expect((await trigger(key)).statusCode).toBe(202);
      } finally {
        remove();
      }
      expect(errors.map((e) => (e as Error).message)).toEqual(['escalation broke']);
      expect(await api.store.db.selectFrom('pave_meta').select('key').where('key', '=', 'alert-groups-test').execute()).toHaveLength(0);
      const [alert] = await alertOf('pd-payments', key);
      const pageId = String(alert!.page_id);
      expect(await api.store.db.selectFrom('escalations').select('page_id').where('page_id', '=', pageId).execute()).toHaveLength(0);
      expect(await api.app.escalator.runOnce()).toBeGreaterThanOrEqual(2); // started, then its first step fired
      expect((await notificationsOf(pageId)).map((n) => n.event_type)).toEqual(['page.triggered', 'page.triggered']);
    });

    it("with the outbox running, hands a new page's first notification to it claimed at commit, with no claim or nudge", async () => {
      // What earlier tests left queued is not this test's: its first poll then finds nothing.
      await api.store.db.updateTable('notifications').set({ state: 'cancelled' }).where('state', '=', 'pending').execute();
      api.app.outbox.start();
      await new Promise((r) => setTimeout(r, 100));
      const outboxNudge = vi.spyOn(api.app.outbox, 'nudge');
      const key = fresh('handed');
      const sent = () => receiver.requests.some((r) => JSON.parse(r.body).data?.page?.title === `alert ${key}`);
      expect((await trigger(key)).statusCode).toBe(202);
      const started = performance.now();
      while (!sent() && performance.now() - started < 5_000) await new Promise((r) => setTimeout(r, 5));
      expect(sent()).toBe(true);
      expect(outboxNudge).not.toHaveBeenCalled();
      const [alert] = await alertOf('pd-payments', key);
      let rows: Json[] = [];
      for (let i = 0; i < 100; i++) {
        rows = (await api.store.db.selectFrom('notifications').select(['channel', 'state', 'attempts']).where('page_id', '=', String(alert!.page_id)).orderBy('id').execute()) as Json[];
        if (rows[0]?.state === 'sent') break;
        await new Promise((r) => setTimeout(r, 10));
      }
      // The webhook went out on its first attempt; the email, due in 5 minutes, waits unclaimed.
      expect(rows).toEqual([
        { channel: 'webhook', state: 'sent', attempts: 1 },
        { channel: 'email', state: 'pending', attempts: 0 },
      ]);
    });
  });
}
