// Silences through the API on both stores: a team applies a silence of its service; an Alertmanager v4 notification
// while it is in force opens no page and joins none, yet its alerts are stored and listed as silenced; an alert
// already paging stays on its page; after the silence ends, the next notification of a still-firing alert pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';
import { amNotification, integrations } from './paging-fixture.js';

type Json = Record<string, any>;

const silenceDoc = (services: string) => `apiVersion: pave/v1
kind: Silence
metadata: { name: checkout-upgrade }
spec:
  matchers: { alertname: HighLatency|DiskFull }
  services: [${services}]
  start: "2026-03-25T10:00:00Z"
  duration: 1h
  author: alice
  reason: database upgrade
`;

// An admin's silence (no services): PagerDuty events from db-01, whatever they route to.
const dbSilence = `
---
apiVersion: pave/v1
kind: Silence
metadata: { name: db-01-maintenance }
spec: { matchers: { source: db-01 }, start: "2026-03-25T10:00:00Z", end: "2026-03-25T11:00:00Z", author: bob, reason: disk replacement }
`;

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`silences API on ${backend}`, () => {
    let api: TestApi;
    let now = Date.parse('2026-03-25T09:50:00Z');
    let key = '';
    beforeAll(async () => {
      api = await startTestApi(backend, { catalog: baseCatalog + integrations + dbSilence, now: () => new Date(now) });
      const res = await api.call('POST', '/api/v1/integrations/prom/keys', { token: api.tokens.admin });
      expect(res.statusCode, res.body).toBe(201);
      key = res.json().key;
    });
    afterAll(async () => {
      await api?.close();
    });

    const am = async (body: unknown): Promise<Json> => {
      const res = await api.call('POST', '/api/v1/integrations/alertmanager', { body, headers: { authorization: `Bearer ${key}` } });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const get = async (url: string): Promise<Json> => {
      const res = await api.call('GET', url, { token: api.tokens.viewer });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const alert = (alertname: string, service: string, instance: string, fp: string, status: 'firing' | 'resolved' = 'firing') => ({
      status,
      labels: { alertname, service, instance, severity: 'page' },
      fingerprint: fp,
    });
    const latency = (alerts: ReturnType<typeof alert>[]) => amNotification('{}:{alertname="HighLatency", service="checkout"}', alerts);
    const disk = (alerts: ReturnType<typeof alert>[]) => amNotification('{}:{alertname="DiskFull"}', alerts);
    const a = (status: 'firing' | 'resolved' = 'firing') => alert('HighLatency', 'checkout', 'a', '000000000000000a', status);
    const b = (status: 'firing' | 'resolved' = 'firing') => alert('HighLatency', 'checkout', 'b', '000000000000000b', status);
    const c = (status: 'firing' | 'resolved' = 'firing') => alert('DiskFull', 'checkout', 'c', '000000000000000c', status);
    const d = (status: 'firing' | 'resolved' = 'firing') => alert('DiskFull', 'checkout', 'd', '000000000000000d', status);
    const w = (status: 'firing' | 'resolved' = 'firing') => alert('DiskFull', 'web', 'w', '000000000000000e', status);
    let paging = '';

    it('is applied by the team owning its services, not by another team', async () => {
      const apply = (token: string) => api.call('POST', '/api/v1/apply', { token, body: { files: [{ name: 'silence.yaml', content: silenceDoc('checkout') }] } });
      expect((await apply(api.tokens.storefront)).statusCode).toBe(403);
      const ok = await apply(api.tokens.payments);
      expect(ok.statusCode, ok.body).toBe(200);
      expect((await get('/api/v1/silences/checkout-upgrade')).spec).toMatchObject({ services: ['checkout'], duration: '1h' });
      expect((await get('/api/v1/silences?service=checkout')).items).toHaveLength(1);
      expect((await get('/api/v1/silences?service=web')).items).toHaveLength(0);
    });

    it('before it starts, alerts page as usual', async () => {
      const r = await am(latency([a()]));
      expect(r).toMatchObject({ opened: 1, pagesTriggered: [expect.any(String)] });
      paging = r.pagesTriggered[0];
    });

    it('while in force, matched alerts open no page and join none, but are stored and listed as silenced', async () => {
      now = Date.parse('2026-03-25T10:10:00Z');
      // a is already paging: a repeat, its page unchanged. b is new in a's group: it does not join a's page.
      expect(await am(latency([a(), b()]))).toEqual({ opened: 1, repeated: 1, resolved: 0, pagesTriggered: [] });
      // c opens no page; w is on web, outside the silence's services: it pages.
      const r = await am(disk([c(), w()]));
      expect(r).toMatchObject({ opened: 2, pagesTriggered: [expect.any(String)] });
      const web = await get(`/api/v1/pages/${r.pagesTriggered[0]}`);
      expect(web).toMatchObject({ service: 'web', status: 'triggered' });
      expect(web.alerts.map((x: Json) => x.identity)).toEqual(['000000000000000e']);

      const p = await get(`/api/v1/pages/${paging}`);
      expect(p.status).toBe('triggered');
      expect(p.alerts.map((x: Json) => [x.identity, x.receivedCount])).toEqual([['000000000000000a', 2]]);
      expect(p.events.map((e: Json) => e.type)).toEqual(['triggered']);
      expect((await get('/api/v1/pages?limit=1000')).items).toHaveLength(2);

      const silenced = (await get('/api/v1/alerts?silenced=true')).items;
      expect(silenced.map((x: Json) => [x.identity, x.status, x.silencedBy, x.pageId])).toEqual([
        ['000000000000000c', 'firing', 'checkout-upgrade', null],
        ['000000000000000b', 'firing', 'checkout-upgrade', null],
      ]);
      const paged = (await get('/api/v1/alerts?silenced=false')).items;
      expect(paged.map((x: Json) => x.identity).sort()).toEqual(['000000000000000a', '000000000000000e']);
      // Every alert is there: none was dropped.
      expect((await get('/api/v1/alerts')).items).toHaveLength(4);
    });

    it('a silenced alert repeats and resolves without a page', async () => {
      now = Date.parse('2026-03-25T10:20:00Z');
      expect(await am(disk([c(), d(), w()]))).toEqual({ opened: 1, repeated: 2, resolved: 0, pagesTriggered: [] });
      expect(await am(disk([c('resolved'), d(), w()]))).toEqual({ opened: 0, repeated: 2, resolved: 1, pagesTriggered: [] });
      const silenced = (await get('/api/v1/alerts?silenced=true')).items;
      expect(silenced.map((x: Json) => [x.identity, x.status, x.receivedCount])).toEqual([
        ['000000000000000d', 'firing', 2],
        ['000000000000000c', 'resolved', 2],
        ['000000000000000b', 'firing', 1],
      ]);
      expect((await get('/api/v1/pages?limit=1000')).items).toHaveLength(2);
    });

    it('a silenced PagerDuty alert accepts acknowledge (there is no page to acknowledge) and resolves', async () => {
      const pdKey = (await api.call('POST', '/api/v1/integrations/pd-payments/keys', { token: api.tokens.payments })).json().key;
      const enqueue = async (body: Json) => {
        const res = await api.call('POST', '/v2/enqueue', { body: { routing_key: pdKey, dedup_key: 'db-01-disk', ...body } });
        expect(res.statusCode, res.body).toBe(202);
      };
      await enqueue({ event_action: 'trigger', payload: { summary: 'disk failing', source: 'db-01', severity: 'critical' } });
      await enqueue({ event_action: 'acknowledge' });
      const row = async () => (await api.store.db.selectFrom('alerts').selectAll().where('identity', '=', 'db-01-disk').executeTakeFirstOrThrow()) as Json;
      expect(await row()).toMatchObject({ status: 'firing', silenced_by: 'db-01-maintenance', page_id: null });
      await enqueue({ event_action: 'resolve' });
      expect(await row()).toMatchObject({ status: 'resolved', silenced_by: 'db-01-maintenance', page_id: null });
      expect((await get('/api/v1/pages?limit=1000')).items).toHaveLength(2);
    });

    it('after it ends, the next notification of a still-firing alert pages', async () => {
      now = Date.parse('2026-03-25T11:00:00Z'); // the end is excluded
      // d: DiskFull on checkout has no open page: it opens one, routed to checkout's team.
      const r = await am(disk([d(), w()]));
      expect(r).toEqual({ opened: 0, repeated: 2, resolved: 0, pagesTriggered: [expect.any(String)] });
      const p = await get(`/api/v1/pages/${r.pagesTriggered[0]}`);
      expect(p).toMatchObject({ status: 'triggered', service: 'checkout', team: 'payments', title: expect.any(String) });
      expect(p.alerts.map((x: Json) => [x.identity, x.silencedBy, x.receivedCount])).toEqual([['000000000000000d', null, 3]]);
      expect(p.events.map((e: Json) => e.type)).toEqual(['triggered']);
      // b joins a's open page.
      expect(await am(latency([a(), b()]))).toEqual({ opened: 0, repeated: 2, resolved: 0, pagesTriggered: [] });
      const first = await get(`/api/v1/pages/${paging}`);
      expect(first.alerts.map((x: Json) => x.identity)).toEqual(['000000000000000a', '000000000000000b']);
      expect(first.events.map((e: Json) => e.type)).toEqual(['triggered', 'alert_added']);
      // Only the resolved ones are still listed as silenced.
      expect((await get('/api/v1/alerts?silenced=true')).items.map((x: Json) => x.identity)).toEqual(['db-01-disk', '000000000000000c']);
    });
  });
}
