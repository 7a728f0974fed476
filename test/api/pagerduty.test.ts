// PagerDuty Events API v2 conformance (REFERENCE §2), one test per rule, on both stores: the 202 and 400 bodies,
// dedup on the same routing key, a new alert after resolve, acknowledge/resolve dropped for unknown or resolved keys
// and on another routing key, repeated triggers of an acknowledged alert not triggering again, the 512 KB limit, and
// change events that never page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';
import { integrations } from './paging-fixture.js';

type Json = Record<string, any>;

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`PagerDuty Events v2 on ${backend}`, () => {
    let api: TestApi;
    let payments = '';
    let web = '';
    let seq = 0;
    beforeAll(async () => {
      api = await startTestApi(backend, { catalog: baseCatalog + integrations, now: () => new Date('2026-03-25T10:00:00Z') });
      payments = (await api.call('POST', '/api/v1/integrations/pd-payments/keys', { token: api.tokens.payments })).json().key;
      web = (await api.call('POST', '/api/v1/integrations/pd-web/keys', { token: api.tokens.storefront })).json().key;
    });
    afterAll(async () => {
      await api?.close();
    });

    const enqueue = (body: unknown) => api.call('POST', '/v2/enqueue', { body });
    const trigger = (dedup_key: string | undefined, routing_key = payments, summary = 'DB down') =>
      enqueue({ routing_key, event_action: 'trigger', ...(dedup_key ? { dedup_key } : {}), payload: { summary, source: 'db-01', severity: 'critical' } });
    const act = (event_action: 'acknowledge' | 'resolve', dedup_key: string, routing_key = payments) => enqueue({ routing_key, event_action, dedup_key });
    const fresh = () => `key-${++seq}`;
    const alertsOf = async (dedupKey: string, scope = 'pd-payments'): Promise<Json[]> =>
      (await api.store.db.selectFrom('alerts').selectAll().where('scope', '=', scope).where('identity', '=', dedupKey).orderBy('id').execute()) as Json[];
    const pageOf = async (id: string): Promise<Json> => (await api.call('GET', `/api/v1/pages/${id}`, { token: api.tokens.viewer })).json();
    const eventCount = async () => Number((await api.store.db.selectFrom('page_events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

    it('answers 202 {"status":"success","message":"Event processed","dedup_key"} and opens a page routed to the service owner', async () => {
      const key = fresh();
      const res = await trigger(key);
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: key });
      const [alert] = await alertsOf(key);
      const page = await pageOf(alert!.page_id);
      expect(page).toMatchObject({ status: 'triggered', team: 'payments', service: 'checkout', title: 'DB down' });
      expect(page.alerts[0]).toMatchObject({ severity: 'critical', labels: { dedup_key: key, severity: 'critical', source: 'db-01' } });
    });

    it('generates a dedup_key for a trigger without one, and answers it', async () => {
      const res = await trigger(undefined);
      expect(res.statusCode).toBe(202);
      const key = res.json().dedup_key;
      expect(key).toMatch(/^[0-9a-f]{32}$/);
      expect(await alertsOf(key)).toHaveLength(1);
    });

    it('applies a trigger with the same dedup_key on the same routing key to the open alert', async () => {
      const key = fresh();
      await trigger(key);
      await trigger(key, payments, 'DB still down');
      const alerts = await alertsOf(key);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ status: 'firing', received_count: 2, summary: 'DB still down' });
      expect((await pageOf(alerts[0]!.page_id)).events.map((e: Json) => e.type)).toEqual(['triggered']);
    });

    it('acknowledges, and repeated triggers while acknowledged do not trigger again', async () => {
      const key = fresh();
      await trigger(key);
      const ack = await act('acknowledge', key);
      expect(ack.statusCode).toBe(202);
      expect(ack.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: key });
      await trigger(key);
      await trigger(key);
      const [alert] = await alertsOf(key);
      const page = await pageOf(alert!.page_id);
      expect(page.status).toBe('acknowledged');
      expect(page.acknowledgedBy).toBe('integration:pd-payments');
      expect(page.events.map((e: Json) => e.type)).toEqual(['triggered', 'acknowledged']);
    });

    it('resolves, and a trigger with that dedup_key afterwards opens a new alert and a new page', async () => {
      const key = fresh();
      await trigger(key);
      expect((await act('resolve', key)).statusCode).toBe(202);
      const [first] = await alertsOf(key);
      expect(first!.status).toBe('resolved');
      expect((await pageOf(first!.page_id)).status).toBe('resolved');
      await trigger(key);
      const both = await alertsOf(key);
      expect(both.map((a) => a.status)).toEqual(['resolved', 'firing']);
      expect(both[1]!.page_id).not.toBe(first!.page_id);
      expect((await pageOf(both[1]!.page_id)).status).toBe('triggered');
    });

    it('drops acknowledge and resolve for an unknown dedup_key (202, nothing changes)', async () => {
      const before = await eventCount();
      for (const action of ['acknowledge', 'resolve'] as const) {
        const res = await act(action, 'never-seen');
        expect(res.statusCode).toBe(202);
        expect(res.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'never-seen' });
      }
      expect(await eventCount()).toBe(before);
      expect(await alertsOf('never-seen')).toHaveLength(0);
    });

    it('drops acknowledge and resolve for a resolved dedup_key', async () => {
      const key = fresh();
      await trigger(key);
      await act('resolve', key);
      const before = await eventCount();
      expect((await act('acknowledge', key)).statusCode).toBe(202);
      expect((await act('resolve', key)).statusCode).toBe(202);
      expect(await eventCount()).toBe(before);
      const [alert] = await alertsOf(key);
      expect((await pageOf(alert!.page_id)).acknowledgedAt).toBeNull();
    });

    it('drops acknowledge and resolve sent on another routing key, and keeps the same dedup_key apart per routing key', async () => {
      const key = fresh();
      await trigger(key);
      const before = await eventCount();
      expect((await act('acknowledge', key, web)).statusCode).toBe(202);
      expect((await act('resolve', key, web)).statusCode).toBe(202);
      expect(await eventCount()).toBe(before);
      const [alert] = await alertsOf(key);
      expect(alert!.status).toBe('firing');
      expect((await pageOf(alert!.page_id)).status).toBe('triggered');
      // The same dedup_key on the other routing key is another alert, paging the other service's team.
      await trigger(key, web);
      const [other] = await alertsOf(key, 'pd-web');
      expect((await pageOf(other!.page_id)).team).toBe('storefront');
      expect(other!.page_id).not.toBe(alert!.page_id);
    });

    describe('400 {"status":"invalid event","message":"Event object is invalid","errors":[...]}', () => {
      const invalid = async (body: unknown, errors: string[]) => {
        const res = await enqueue(body);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({ status: 'invalid event', message: 'Event object is invalid', errors });
      };
      const payload = { summary: 'x', source: 'y', severity: 'info' };

      it('for a missing or wrong-length routing_key', async () => {
        await invalid({ event_action: 'trigger', payload }, ["'routing_key' is missing or blank"]);
        await invalid({ routing_key: 'short', event_action: 'trigger', payload }, ["Length of 'routing_key' is incorrect (should be 32 characters)"]);
      });
      it('for a missing or unknown event_action', async () => {
        await invalid({ routing_key: payments, payload }, ["'event_action' is missing or blank"]);
        await invalid({ routing_key: payments, event_action: 'snooze', payload }, ["'event_action' is invalid (must be one of: trigger, acknowledge, resolve)"]);
      });
      it('for acknowledge or resolve without a dedup_key, and a dedup_key over 255 characters', async () => {
        await invalid({ routing_key: payments, event_action: 'acknowledge' }, ["'dedup_key' is missing or blank"]);
        await invalid({ routing_key: payments, event_action: 'resolve', dedup_key: '' }, ["'dedup_key' is missing or blank"]);
        await invalid({ routing_key: payments, event_action: 'trigger', dedup_key: 'k'.repeat(256), payload }, ["'dedup_key' must not be longer than 255 characters"]);
        expect((await trigger('k'.repeat(255))).statusCode).toBe(202);
      });
      it('for a trigger without a payload, or with a bad summary, source, severity or timestamp', async () => {
        await invalid({ routing_key: payments, event_action: 'trigger' }, ["'payload' is missing"]);
        await invalid({ routing_key: payments, event_action: 'trigger', payload: {} }, [
          "'payload.summary' is missing or blank",
          "'payload.source' is missing or blank",
          "'payload.severity' is missing or blank",
        ]);
        await invalid({ routing_key: payments, event_action: 'trigger', payload: { ...payload, summary: 's'.repeat(1025) } }, ["'payload.summary' must not be longer than 1024 characters"]);
        await invalid({ routing_key: payments, event_action: 'trigger', payload: { ...payload, severity: 'fatal' } }, ["'payload.severity' is invalid (must be one of: critical, error, warning, info)"]);
        await invalid({ routing_key: payments, event_action: 'trigger', payload: { ...payload, timestamp: 'yesterday' } }, [
          "'payload.timestamp' is invalid (must be an ISO 8601 date-time such as 2015-07-17T08:42:58.315+0000)",
        ]);
        expect((await enqueue({ routing_key: payments, event_action: 'trigger', dedup_key: fresh(), payload: { ...payload, summary: 's'.repeat(1024), timestamp: '2015-07-17T08:42:58.315+0000' } })).statusCode).toBe(202);
      });
      it('for a body that is not JSON, or not an object', async () => {
        const res = await api.call('POST', '/v2/enqueue', { payload: '{"routing_key": ', headers: { 'content-type': 'application/json' } });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({ status: 'invalid event', message: 'Event object is invalid', errors: [expect.stringContaining('not valid JSON')] });
        await invalid([1, 2], ['Event object must be a JSON object']);
      });
      it('for a routing_key that is no pagerduty integration key of this pave', async () => {
        await invalid({ routing_key: 'f'.repeat(32), event_action: 'trigger', payload }, ["'routing_key' is not the key of a pagerduty integration in pave"]);
      });
    });

    it('accepts an event of 512 KB and refuses a larger one with PagerDuty\'s 400 body', async () => {
      const limit = 512 * 1024;
      const make = (size: number) => {
        const base = JSON.stringify({ routing_key: payments, event_action: 'trigger', dedup_key: 'big', payload: { summary: 'big', source: 's', severity: 'info', custom_details: { pad: '' } } });
        const body = JSON.stringify({ routing_key: payments, event_action: 'trigger', dedup_key: 'big', payload: { summary: 'big', source: 's', severity: 'info', custom_details: { pad: 'p'.repeat(size - base.length) } } });
        expect(Buffer.byteLength(body)).toBe(size);
        return body;
      };
      const ok = await api.call('POST', '/v2/enqueue', { payload: make(limit), headers: { 'content-type': 'application/json' } });
      expect(ok.statusCode, ok.body).toBe(202);
      const tooBig = await api.call('POST', '/v2/enqueue', { payload: make(limit + 1), headers: { 'content-type': 'application/json' } });
      expect(tooBig.statusCode).toBe(400);
      expect(tooBig.json()).toEqual({ status: 'invalid event', message: 'Event object is invalid', errors: ['Event object is too large: the limit is 524288 bytes (512 KB)'] });
    });

    it('takes change events on the timeline without paging', async () => {
      const pagesBefore = (await api.store.db.selectFrom('pages').select('id').execute()).length;
      const res = await api.call('POST', '/v2/change/enqueue', {
        body: { routing_key: payments, payload: { summary: 'Deployed checkout v42', timestamp: '2026-03-25T09:55:00Z', source: 'ci', custom_details: { build: 42 } }, links: [{ href: 'https://ci.example/42' }] },
      });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ status: 'success', message: 'Change event processed' });
      expect((await api.store.db.selectFrom('pages').select('id').execute()).length).toBe(pagesBefore);
      const [change] = await api.store.db.selectFrom('change_events').selectAll().execute();
      expect(change).toMatchObject({ integration: 'pd-payments', summary: 'Deployed checkout v42', source: 'ci' });
      expect(new Date(change!.at).toISOString()).toBe('2026-03-25T09:55:00.000Z');
      const bad = await api.call('POST', '/v2/change/enqueue', { body: { routing_key: payments, payload: {} } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toEqual({ status: 'invalid event', message: 'Event object is invalid', errors: ["'payload.summary' is missing or blank"] });
    });
  });
}
