// Alert ingest and pages through the API on both stores: integration keys (minted once, hashed, audited, scoped to
// their format), the Alertmanager webhook v4 (grouping, repeats that never page again, resolution, truncated
// payloads), Alertmanager API v2 (endsAt resolution), routing (service label, team label, the integration's own
// service or team, unrouted), the page lifecycle and who may acknowledge and resolve, and pave's own SLO alerts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertIngestGate } from '../../src/api/integrations.js';
import { recordTransitions } from '../../src/store/slo-alerts.js';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';
import { amNotification, integrations } from './paging-fixture.js';

type Json = Record<string, any>;
const MIN = 60_000;

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`paging API on ${backend}`, () => {
    let api: TestApi;
    let now = Date.parse('2026-03-25T10:00:00Z');
    const keys: Record<string, string> = {};
    beforeAll(async () => {
      api = await startTestApi(backend, { catalog: baseCatalog + integrations, now: () => new Date(now) });
      for (const [name, token] of [
        ['prom', 'admin'],
        ['prom-direct', 'storefront'],
        ['pd-payments', 'payments'],
        ['pd-web', 'storefront'],
      ] as const) {
        const res = await api.call('POST', `/api/v1/integrations/${name}/keys`, { token: api.tokens[token] });
        expect(res.statusCode, res.body).toBe(201);
        keys[name] = res.json().key;
      }
    });
    afterAll(async () => {
      await api?.close();
    });

    const am = (body: unknown, key = keys.prom) => api.call('POST', '/api/v1/integrations/alertmanager', { body, headers: { authorization: `Bearer ${key}` } });
    const pages = async (query = ''): Promise<Json[]> => {
      const res = await api.call('GET', `/api/v1/pages${query}`, { token: api.tokens.viewer });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().items;
    };
    const page = async (id: string): Promise<Json> => {
      const res = await api.call('GET', `/api/v1/pages/${id}`, { token: api.tokens.viewer });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const pagesOf = async (scope: string) => (await pages('?limit=1000')).filter((p) => p.scope === scope);

    describe('integration keys', () => {
      it('are shown once, shaped for their format, hashed, audited without the key, and listed without it', async () => {
        expect(keys['pd-payments']).toMatch(/^[0-9a-f]{32}$/);
        expect(keys.prom).toMatch(/^pvi_[A-Za-z0-9_-]{43}$/);
        const list = await api.call('GET', '/api/v1/integrations/pd-payments/keys', { token: api.tokens.payments });
        expect(list.statusCode).toBe(200);
        expect(list.body).not.toContain(keys['pd-payments']);
        expect(list.json().items).toHaveLength(1);
        const stored = await api.store.db.selectFrom('integration_keys').selectAll().execute();
        for (const k of Object.values(keys)) expect(JSON.stringify(stored)).not.toContain(k);
        const audit = await api.call('GET', '/api/v1/audit?kind=IntegrationKey', { token: api.tokens.admin });
        expect(audit.statusCode, audit.body).toBe(200);
        expect(audit.json().items.length).toBe(4);
        for (const k of Object.values(keys)) expect(audit.body).not.toContain(k);
        // The catalog object holds no key either.
        const obj = await api.call('GET', '/api/v1/integrations/pd-payments', { token: api.tokens.viewer });
        expect(obj.statusCode).toBe(200);
        expect(obj.body).not.toContain(keys['pd-payments']);
      });

      it('may be minted only by the owning team or an admin', async () => {
        expect((await api.call('POST', '/api/v1/integrations/pd-payments/keys', { token: api.tokens.storefront })).statusCode).toBe(403);
        expect((await api.call('POST', '/api/v1/integrations/pd-payments/keys', { token: api.tokens.viewer })).statusCode).toBe(403);
        // prom names no service or team: admins only.
        expect((await api.call('POST', '/api/v1/integrations/prom/keys', { token: api.tokens.payments })).statusCode).toBe(403);
        expect((await api.call('POST', '/api/v1/integrations/nope/keys', { token: api.tokens.admin })).statusCode).toBe(404);
      });

      it('authenticate only their own format, and stop working when revoked', async () => {
        const body = amNotification('{}:{alertname="KeyCheck"}', [{ status: 'firing', labels: { alertname: 'KeyCheck' }, fingerprint: '00000000000000aa' }]);
        expect((await api.call('POST', '/api/v1/integrations/alertmanager', { body })).statusCode).toBe(401);
        expect((await am(body, 'pvi_not-a-key')).statusCode).toBe(401);
        const wrong = await am(body, keys['prom-direct']);
        expect(wrong.statusCode).toBe(403);
        expect(wrong.json().error.message).toContain('POST /api/v2/alerts');
        // An API token is not an integration key.
        expect((await am(body, api.tokens.admin)).statusCode).toBe(401);
        const minted = (await api.call('POST', '/api/v1/integrations/prom/keys', { token: api.tokens.admin })).json();
        const revoked = await api.call('DELETE', `/api/v1/integrations/prom/keys/${minted.id}`, { token: api.tokens.admin });
        expect(revoked.statusCode, revoked.body).toBe(200);
        expect((await am(body, minted.key)).statusCode).toBe(401);
      });
    });

    describe('Alertmanager webhook v4', () => {
      const cpu = (instance: string, fp: string, status: 'firing' | 'resolved' = 'firing') => ({
        status,
        labels: { alertname: 'HighLatency', service: 'checkout', instance, severity: 'page' },
        fingerprint: fp,
      });
      const group = '{}:{alertname="HighLatency", service="checkout"}';

      it('opens one page per group, routed by the service label to its owning team, and repeats never page again', async () => {
        const first = await am(amNotification(group, [cpu('a', '1111111111111111'), cpu('b', '2222222222222222')]));
        expect(first.statusCode, first.body).toBe(200);
        expect(first.json()).toEqual({ opened: 2, repeated: 0, resolved: 0, pagesTriggered: [expect.any(String)] });
        const id = first.json().pagesTriggered[0];
        // The same group again, as Alertmanager re-sends it every repeat_interval: nothing new.
        const repeat = await am(amNotification(group, [cpu('a', '1111111111111111'), cpu('b', '2222222222222222')], { notification_reason: 'repeat interval elapsed' }));
        expect(repeat.json()).toEqual({ opened: 0, repeated: 2, resolved: 0, pagesTriggered: [] });
        const p = await page(id);
        expect(p).toMatchObject({ status: 'triggered', team: 'payments', service: 'checkout', unrouted: false, scope: 'prom', groupLabels: { service: 'checkout', alertname: 'HighLatency' } });
        expect(p.routeReason).toContain('service=checkout');
        expect(p.alerts.map((a: Json) => [a.identity, a.status, a.receivedCount])).toEqual([
          ['1111111111111111', 'firing', 2],
          ['2222222222222222', 'firing', 2],
        ]);
        expect(p.events.map((e: Json) => e.type)).toEqual(['triggered', 'alert_added']);
        expect(p.events[0]).toMatchObject({ actor: 'integration:prom', details: { team: 'payments', service: 'checkout', unrouted: false } });
      });

      it('keeps an alert missing from a truncated notification firing, and resolves one missing from a complete one', async () => {
        const open = (await pagesOf('prom')).filter((p) => p.title.startsWith('HighLatency'))[0]!;
        const truncated = await am(amNotification(group, [cpu('a', '1111111111111111')], { truncatedAlerts: 1 }));
        expect(truncated.json()).toMatchObject({ resolved: 0 });
        expect((await page(open.id)).alerts.map((a: Json) => a.status)).toEqual(['firing', 'firing']);
        const complete = await am(amNotification(group, [cpu('a', '1111111111111111')]));
        expect(complete.json()).toMatchObject({ resolved: 1 });
        const p = await page(open.id);
        expect(p.alerts.map((a: Json) => a.status)).toEqual(['firing', 'resolved']);
        expect(p.status).toBe('triggered');
      });

      it('auto-resolves a page whose alerts all resolved, and a later trigger opens a new page', async () => {
        const open = (await pagesOf('prom')).filter((p) => p.title.startsWith('HighLatency') && p.status !== 'resolved')[0]!;
        const resolved = await am(amNotification(group, [cpu('a', '1111111111111111', 'resolved')]));
        expect(resolved.json()).toMatchObject({ resolved: 1 });
        const p = await page(open.id);
        expect(p.status).toBe('resolved');
        expect(p.resolvedBy).toBe('pave:auto-resolve');
        expect(p.events.map((e: Json) => e.type)).toEqual(['triggered', 'alert_added', 'alert_resolved', 'alert_resolved', 'resolved']);
        expect(p.alerts[0].resolvedAt).toBe('2026-03-25T10:05:00.000Z');
        // A resolved notification repeated changes nothing.
        expect((await am(amNotification(group, [cpu('a', '1111111111111111', 'resolved')]))).json()).toMatchObject({ resolved: 0, opened: 0 });
        const again = await am(amNotification(group, [cpu('a', '1111111111111111')]));
        expect(again.json().pagesTriggered).toHaveLength(1);
        expect(again.json().pagesTriggered[0]).not.toBe(open.id);
      });

      it('adds new alerts to an acknowledged page without triggering it again', async () => {
        const open = (await pagesOf('prom')).filter((p) => p.title.startsWith('HighLatency') && p.status !== 'resolved')[0]!;
        expect((await api.call('POST', `/api/v1/pages/${open.id}/ack`, { token: api.tokens.payments })).statusCode).toBe(200);
        const more = await am(amNotification(group, [cpu('a', '1111111111111111'), cpu('c', '3333333333333333')], { notification_reason: 'new alerts added' }));
        expect(more.json()).toEqual({ opened: 1, repeated: 1, resolved: 0, pagesTriggered: [] });
        const p = await page(open.id);
        expect(p.status).toBe('acknowledged');
        expect(p.events.map((e: Json) => e.type)).toEqual(['triggered', 'acknowledged', 'alert_added']);
      });

      it('groups by service and alert name: another alert name is another page', async () => {
        const res = await am(amNotification('{}:{alertname="DiskFull"}', [{ status: 'firing', labels: { alertname: 'DiskFull', service: 'checkout' }, fingerprint: '4444444444444444' }]));
        expect(res.json().pagesTriggered).toHaveLength(1);
      });

      it('opens one page when notifications of one group arrive at once (the scope lock), and counts concurrent repeats', async () => {
        const burst = (n: number) => ({ status: 'firing' as const, labels: { alertname: 'Burst', service: 'checkout', instance: `i${n}` }, fingerprint: `b${String(n).padStart(15, '0')}` });
        const answers = await Promise.all(Array.from({ length: 12 }, (_, n) => am(amNotification('{}:{alertname="Burst"}', [burst(n)], { truncatedAlerts: 1 }))));
        expect(answers.map((r) => r.statusCode)).toEqual(Array(12).fill(200));
        expect(answers.flatMap((r) => r.json().pagesTriggered)).toHaveLength(1);
        const [p] = (await pagesOf('prom')).filter((x) => x.groupLabels.alertname === 'Burst');
        expect((await page(p!.id)).alerts).toHaveLength(12);
        const again = await Promise.all(Array.from({ length: 6 }, () => am(amNotification('{}:{alertname="Burst"}', [burst(0)], { truncatedAlerts: 11 }))));
        expect(again.map((r) => r.json().repeated)).toEqual(Array(6).fill(1));
        expect((await page(p!.id)).alerts.find((a: Json) => a.identity === burst(0).fingerprint).receivedCount).toBe(7);
      });

      it('refuses a payload that is not version 4, naming the field', async () => {
        const bad = { ...amNotification(group, [cpu('a', '1111111111111111')]), version: '3' };
        const res = await am(bad);
        expect(res.statusCode).toBe(400);
        expect(res.json().error.details[0].path).toBe('version');
        const noLabels = amNotification(group, [cpu('a', '1111111111111111')]) as Json;
        delete noLabels.alerts[0].labels;
        const r2 = await am(noLabels);
        expect(r2.statusCode).toBe(400);
        expect(r2.json().error.details[0].path).toBe('alerts.0.labels');
      });
    });

    describe('routing', () => {
      it('lists an alert that matches no route as unrouted, on a page of its own: never dropped', async () => {
        const res = await am(amNotification('{}:{alertname="Mystery"}', [{ status: 'firing', labels: { alertname: 'Mystery', service: 'no-such-service' }, fingerprint: '5555555555555555' }]));
        expect(res.statusCode).toBe(200);
        const id = res.json().pagesTriggered[0];
        const p = await page(id);
        expect(p).toMatchObject({ team: null, unrouted: true, escalationPolicy: null });
        expect(p.routeReason).toContain('no-such-service');
        const unrouted = (await api.call('GET', '/api/v1/alerts?unrouted=true', { token: api.tokens.viewer })).json().items;
        expect(unrouted.map((a: Json) => a.identity)).toEqual(['5555555555555555']);
        expect((await pages('?unrouted=true')).map((x) => x.id)).toEqual([id]);
        // Only an admin handles unrouted pages.
        expect((await api.call('POST', `/api/v1/pages/${id}/ack`, { token: api.tokens.payments })).statusCode).toBe(403);
        expect((await api.call('POST', `/api/v1/pages/${id}/ack`, { token: api.tokens.admin })).statusCode).toBe(200);
      });

      it('routes by the team label, and by the integration\'s own service or team when labels say nothing', async () => {
        const byTeam = await am(amNotification('{}:{alertname="QueueDepth"}', [{ status: 'firing', labels: { alertname: 'QueueDepth', team: 'storefront' }, fingerprint: '6666666666666666' }]));
        expect(await page(byTeam.json().pagesTriggered[0])).toMatchObject({ team: 'storefront', service: null, unrouted: false });
        const direct = await api.call('POST', '/api/v2/alerts', { body: [{ labels: { alertname: 'NoService' } }], headers: { authorization: `Bearer ${keys['prom-direct']}` } });
        expect(direct.statusCode).toBe(200);
        const p = (await pagesOf('prom-direct'))[0]!;
        expect(p).toMatchObject({ team: 'storefront', unrouted: false });
        expect(p.routeReason).toBe('integration team storefront');
      });
    });

    describe('Alertmanager API v2', () => {
      const post = (body: unknown) => api.call('POST', '/api/v2/alerts', { body, headers: { authorization: `Bearer ${keys['prom-direct']}` } });

      it('answers 200 with an empty body, and resolves an alert when its endsAt passes without a re-send', async () => {
        const res = await post([{ labels: { alertname: 'Slow', service: 'web' }, annotations: { summary: 'web is slow' } }]);
        expect(res.statusCode).toBe(200);
        expect(res.body).toBe('');
        const p = (await pagesOf('prom-direct')).filter((x) => x.title === 'web is slow')[0]!;
        expect(p).toMatchObject({ status: 'triggered', team: 'storefront', service: 'web' });
        // Re-sent at +4 min: endsAt moves to +9 min.
        now += 4 * MIN;
        await post([{ labels: { alertname: 'Slow', service: 'web' }, annotations: { summary: 'web is slow' } }]);
        now += 4 * MIN;
        expect((await page(p.id)).status).toBe('triggered');
        now += 2 * MIN;
        const after = await page(p.id);
        expect(after.status).toBe('resolved');
        expect(after.alerts[0]).toMatchObject({ status: 'resolved', resolvedAt: new Date(now - 10 * MIN + 9 * MIN).toISOString() });
      });

      it('resolves at once an alert sent with an endsAt in the past, and refuses alerts without labels', async () => {
        const labels = { alertname: 'Flappy', service: 'web' };
        await post([{ labels }]);
        const p = (await pagesOf('prom-direct')).filter((x) => x.title === 'Flappy' && x.status === 'triggered')[0]!;
        await post([{ labels, endsAt: new Date(now - 1000).toISOString() }]);
        expect((await page(p.id)).status).toBe('resolved');
        const bad = await post([{ annotations: {} }]);
        expect(bad.statusCode).toBe(400);
        expect(bad.json().error.details[0].path).toBe('0.labels');
        const inverted = await post([{ labels, startsAt: '2026-03-25T10:00:00Z', endsAt: '2026-03-25T09:00:00Z' }]);
        expect(inverted.statusCode).toBe(400);
        expect(inverted.json().error.message).toContain('0.endsAt');
      });
    });

    describe('pages', () => {
      it('may be acknowledged and resolved by the routed team\'s members and admins only, audited, with every event logged', async () => {
        const res = await am(amNotification('{}:{alertname="Errors"}', [{ status: 'firing', labels: { alertname: 'Errors', service: 'payments-api' }, fingerprint: '7777777777777777' }]));
        const id = res.json().pagesTriggered[0];
        expect((await api.call('POST', `/api/v1/pages/${id}/ack`, { token: api.tokens.viewer })).statusCode).toBe(403);
        expect((await api.call('POST', `/api/v1/pages/${id}/ack`, { token: api.tokens.ingest })).statusCode).toBe(403);
        expect((await api.call('POST', `/api/v1/pages/${id}/ack`, { token: api.tokens.storefront })).statusCode).toBe(403);
        const ack = await api.call('POST', `/api/v1/pages/${id}/ack`, { token: api.tokens.payments });
        expect(ack.statusCode).toBe(200);
        expect(ack.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: expect.stringContaining('payments-member'), changed: true });
        expect((await api.call('POST', `/api/v1/pages/${id}/ack`, { token: api.tokens.payments })).json()).toMatchObject({ status: 'acknowledged', changed: false });
        expect((await api.call('POST', `/api/v1/pages/${id}/resolve`, { token: api.tokens.storefront })).statusCode).toBe(403);
        const resolved = await api.call('POST', `/api/v1/pages/${id}/resolve`, { token: api.tokens.admin });
        expect(resolved.json()).toMatchObject({ status: 'resolved', changed: true });
        expect((await api.call('POST', `/api/v1/pages/${id}/resolve`, { token: api.tokens.admin })).statusCode).toBe(409);
        expect((await api.call('POST', `/api/v1/pages/${id}/ack`, { token: api.tokens.admin })).statusCode).toBe(409);
        expect((await api.call('POST', '/api/v1/pages/999999/ack', { token: api.tokens.admin })).statusCode).toBe(404);
        const p = await page(id);
        expect(p.events.map((e: Json) => e.type)).toEqual(['triggered', 'acknowledged', 'resolved']);
        expect(p.alerts[0].status).toBe('resolved');
        const audit = (await api.call('GET', `/api/v1/audit?kind=Page&name=${id}`, { token: api.tokens.admin })).json().items;
        expect(audit.map((a: Json) => [a.action, a.before.status, a.after.status]).sort()).toEqual([
          ['acknowledge', 'triggered', 'acknowledged'],
          ['resolve', 'acknowledged', 'resolved'],
        ]);
        // The alert still firing at its source opens a new page at its next notification.
        const again = await am(amNotification('{}:{alertname="Errors"}', [{ status: 'firing', labels: { alertname: 'Errors', service: 'payments-api' }, fingerprint: '7777777777777777' }]));
        expect(again.json().pagesTriggered).toHaveLength(1);
      });

      it('filter by status and refuse bad queries', async () => {
        const triggered = await pages('?status=triggered');
        expect(triggered.length).toBeGreaterThan(0);
        expect(triggered.every((p) => p.status === 'triggered')).toBe(true);
        expect((await api.call('GET', '/api/v1/pages?status=open', { token: api.tokens.viewer })).statusCode).toBe(400);
        expect((await api.call('GET', '/api/v1/pages/abc', { token: api.tokens.viewer })).statusCode).toBe(400);
        expect((await api.call('GET', '/api/v1/pages', { token: api.tokens.ingest })).statusCode).toBe(403);
      });
    });

    describe('generic JSON webhook', () => {
      it('opens, deduplicates and resolves one alert per request by dedup_key, refusing bad bodies by field', async () => {
        const key = (await api.call('POST', '/api/v1/integrations/hooks/keys', { token: api.tokens.payments })).json().key;
        const send = (body: unknown, k = key) => api.call('POST', '/api/v1/integrations/webhook', { body, headers: { authorization: `Bearer ${k}` } });
        const fire = await send({ status: 'firing', title: 'Backups failed', dedup_key: 'backup-1', severity: 'critical', source_url: 'https://ci.example/1' });
        expect(fire.statusCode, fire.body).toBe(202);
        expect(fire.json()).toEqual({ status: 'success', dedup_key: 'backup-1', pagesTriggered: [expect.any(String)] });
        const id = fire.json().pagesTriggered[0];
        // A repeat refreshes the alert with what it says now.
        expect((await send({ status: 'firing', title: 'Backups failed', dedup_key: 'backup-1', severity: 'critical', source_url: 'https://ci.example/2' })).json().pagesTriggered).toEqual([]);
        const p = await page(id);
        expect(p).toMatchObject({ team: 'payments', unrouted: false, status: 'triggered', title: 'Backups failed' });
        expect(p.alerts).toHaveLength(1);
        expect(p.alerts[0]).toMatchObject({ receivedCount: 2, severity: 'critical', details: { source_url: 'https://ci.example/2' } });
        await send({ status: 'resolved', title: 'Backups failed', dedup_key: 'backup-1' });
        expect((await page(id)).status).toBe('resolved');
        // Without a dedup_key, the labels and title are the identity.
        const a = (await send({ status: 'firing', title: 'Disk', labels: { host: 'h1' } })).json().dedup_key;
        expect((await send({ status: 'firing', title: 'Disk', labels: { host: 'h1' } })).json().dedup_key).toBe(a);
        expect((await send({ status: 'firing', title: 'Disk', labels: { host: 'h2' } })).json().dedup_key).not.toBe(a);
        const bad = await send({ status: 'open', title: '' });
        expect(bad.statusCode).toBe(400);
        expect(bad.json().error.details.map((d: Json) => d.path).sort()).toEqual(['status', 'title']);
        expect((await send({ status: 'firing', title: 'x' }, keys.prom)).statusCode).toBe(403);
      });
    });

    describe("pave's own SLO alerts", () => {
      it('page on page-severity transitions with labels slo, service and severity, resolve with them, and never page tickets', async () => {
        const at = new Date(now);
        await recordTransitions(api.store.db, [
          { alertId: 'checkout-availability/page/1h', slo: 'checkout-availability', kind: 'burn', severity: 'page', state: 'firing', at, details: { service: 'checkout' } },
          { alertId: 'checkout-availability/ticket/1d', slo: 'checkout-availability', kind: 'burn', severity: 'ticket', state: 'firing', at, details: { service: 'checkout' } },
        ]);
        const slo = await pagesOf('pave:slo');
        expect(slo).toHaveLength(1);
        const p = await page(slo[0]!.id);
        expect(p).toMatchObject({ team: 'payments', service: 'checkout', status: 'triggered' });
        expect(p.alerts.map((a: Json) => a.labels)).toEqual([{ alertname: 'SLOBurnRate', slo: 'checkout-availability', service: 'checkout', severity: 'page' }]);
        await recordTransitions(api.store.db, [
          { alertId: 'checkout-availability/page/1h', slo: 'checkout-availability', kind: 'burn', severity: 'page', state: 'resolved', at: new Date(now + MIN), details: { service: 'checkout' } },
        ]);
        expect((await page(slo[0]!.id)).status).toBe('resolved');
        // Read again: each transition is applied once.
        expect(await pagesOf('pave:slo')).toHaveLength(1);
      });
    });
  });
}

describe('alert ingest under overload', () => {
  it('answers 503 with Retry-After beyond the in-flight bound, and admits again once a request finishes', async () => {
    const gate = new AlertIngestGate(2);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const a = gate.run(() => held);
    const b = gate.run(() => held);
    await expect(gate.run(async () => 'c')).rejects.toMatchObject({ statusCode: 503, code: 'overloaded', headers: { 'retry-after': '5' } });
    release();
    await Promise.all([a, b]);
    await expect(gate.run(async () => 'd')).resolves.toBe('d');
  });
});
