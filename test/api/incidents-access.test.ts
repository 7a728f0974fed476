// Incidents through the API on both stores, part two: an incident nobody engaged (back-dated, customer-detected),
// engagement from a role join, who may edit (owning team, paged team, role holders' teams, admins; viewers read),
// status updates by the communications lead delivered through the outbox to a subscriber, and the public status page
// leaking no internal field (marker strings planted in every internal field are absent from both bodies).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';
import { integrations } from './paging-fixture.js';

type Json = Record<string, any>;
const MIN = 60_000;

/** A person whose name and display name are markers: neither may reach the status page. */
const markerPerson = `
---
apiVersion: pave/v1
kind: Person
metadata: { name: zq-person-marker }
spec: { displayName: ZQ-DISPLAY-MARKER, timezone: UTC }
---
apiVersion: pave/v1
kind: Team
metadata: { name: comms }
spec: { members: [zq-person-marker] }
`;

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`incident access and status page on ${backend}`, () => {
    let api: TestApi;
    let now = Date.parse('2026-06-10T12:00:00Z');
    let hook: Server;
    let hookUrl = '';
    let directKey = '';
    const received: { headers: IncomingMessage['headers']; body: string; path: string }[] = [];

    beforeAll(async () => {
      api = await startTestApi(backend, { catalog: baseCatalog + integrations + markerPerson, now: () => new Date(now) });
      const key = await api.call('POST', '/api/v1/integrations/prom-direct/keys', { token: api.tokens.storefront });
      expect(key.statusCode, key.body).toBe(201);
      directKey = key.json().key;
      hook = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          received.push({ headers: req.headers, body, path: req.url ?? '' });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
      hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await api?.close();
      await new Promise((r) => hook?.close(r));
    });

    const iso = (t: number) => new Date(t).toISOString();
    const patch = (id: string, body: unknown, token: string) => api.call('PATCH', `/api/v1/incidents/${id}`, { token, body });

    it('keeps TTE, TTF and TTM null while nobody engaged, even once mitigated; a role join or a stated time engages', async () => {
      const res = await api.call('POST', '/api/v1/incidents', {
        token: api.tokens.storefront,
        body: { title: 'Search returns nothing', services: ['web'], detectedBy: 'customer', impactStartAt: iso(now - 120 * MIN), detectedAt: iso(now - 30 * MIN) },
      });
      expect(res.statusCode, res.body).toBe(201);
      const inc = res.json();
      expect(inc).toMatchObject({ status: 'investigating', severity: 'SEV3', detectedBy: 'customer', teams: ['storefront'], engagedAt: null, engagedSource: null, declaredAt: iso(now) });
      expect(inc.metrics).toEqual({ ttdMs: 90 * MIN, tteMs: null, ttfMs: null, ttmMs: null });
      // It healed by itself: mitigated, but nobody engaged, so there is no fix time to report.
      now += 10 * MIN;
      const mon = await patch(inc.id, { status: 'monitoring' }, api.tokens.storefront);
      expect(mon.json()).toMatchObject({ mitigatedAt: iso(now), engagedAt: null, metrics: { ttdMs: 90 * MIN, tteMs: null, ttfMs: null, ttmMs: null } });
      // A relapse clears the mitigation; a later role join is the first response.
      now += MIN;
      expect((await patch(inc.id, { status: 'investigating', reason: 'errors again' }, api.tokens.storefront)).json()).toMatchObject({ status: 'investigating', mitigatedAt: null });
      now += 4 * MIN;
      const joinedAt = now;
      const role = await api.call('PUT', `/api/v1/incidents/${inc.id}/roles/operations`, { token: api.tokens.storefront, body: { person: 'chen' } });
      expect(role.json()).toMatchObject({ engagedAt: iso(joinedAt), engagedSource: 'role', metrics: { ttdMs: 90 * MIN, tteMs: 45 * MIN, ttfMs: null } });
      now += 20 * MIN;
      const fixed = await patch(inc.id, { status: 'monitoring' }, api.tokens.storefront);
      const detected = Date.parse(inc.detectedAt);
      expect(fixed.json().metrics).toEqual({ ttdMs: 90 * MIN, tteMs: joinedAt - detected, ttfMs: 20 * MIN, ttmMs: 90 * MIN + (joinedAt - detected) + 20 * MIN });
      // A stated engagement time wins over the derived one; null goes back to deriving it.
      const stated = await patch(inc.id, { engagedAt: iso(detected + 5 * MIN) }, api.tokens.storefront);
      expect(stated.json()).toMatchObject({ engagedAt: iso(detected + 5 * MIN), engagedSource: 'stated', metrics: { tteMs: 5 * MIN } });
      expect((await patch(inc.id, { engagedAt: iso(detected - MIN) }, api.tokens.storefront)).json().error.details[0].path).toBe('engagedAt');
      expect((await patch(inc.id, { engagedAt: null }, api.tokens.storefront)).json()).toMatchObject({ engagedSource: 'role', engagedAt: iso(joinedAt) });
    });

    it('lets responders and admins edit and everyone read: owning team, paged team, role holders\' teams', async () => {
      // payments owns checkout; storefront is neither owner nor paged.
      const inc = (await api.call('POST', '/api/v1/incidents', { token: api.tokens.payments, body: { title: 'Checkout slow', services: ['checkout'] } })).json();
      expect((await api.call('POST', '/api/v1/incidents', { token: api.tokens.storefront, body: { title: 'Not ours', services: ['checkout'] } })).statusCode).toBe(403);
      expect((await api.call('POST', '/api/v1/incidents', { token: api.tokens.payments, body: { title: 'No team' } })).statusCode).toBe(403);
      expect((await api.call('POST', '/api/v1/incidents', { token: api.tokens.viewer, body: { title: 'Viewer', services: ['checkout'] } })).statusCode).toBe(403);
      const unknown = await api.call('POST', '/api/v1/incidents', { token: api.tokens.admin, body: { title: 'x', services: ['nope'] } });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error.details[0].path).toBe('services');

      const refused = await patch(inc.id, { severity: 'SEV2' }, api.tokens.storefront);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.message).toContain('handled by payments, not storefront');
      expect((await patch(inc.id, { severity: 'SEV2' }, api.tokens.viewer)).statusCode).toBe(403);
      expect((await api.call('POST', `/api/v1/incidents/${inc.id}/notes`, { token: api.tokens.storefront, body: { text: 'hi' } })).statusCode).toBe(403);
      expect((await api.call('GET', `/api/v1/incidents/${inc.id}`, { token: api.tokens.viewer })).statusCode).toBe(200);
      expect((await api.call('GET', `/api/v1/incidents/${inc.id}/timeline`, { token: api.tokens.viewer })).statusCode).toBe(200);
      expect((await api.call('GET', `/api/v1/incidents/${inc.id}`, { token: api.tokens.ingest })).statusCode).toBe(403);
      // Refused writes changed nothing.
      expect((await api.call('GET', `/api/v1/incidents/${inc.id}`, { token: api.tokens.viewer })).json().severity).toBe('SEV3');

      // chen (storefront) joins as planning lead: storefront now responds.
      expect((await api.call('PUT', `/api/v1/incidents/${inc.id}/roles/planning`, { token: api.tokens.payments, body: { person: 'chen' } })).statusCode).toBe(200);
      expect((await patch(inc.id, { severity: 'SEV2' }, api.tokens.storefront)).statusCode).toBe(200);
      expect((await api.call('PUT', `/api/v1/incidents/${inc.id}/roles/planning`, { token: api.tokens.payments, body: { person: null } })).statusCode).toBe(200);
      expect((await patch(inc.id, { severity: 'SEV3' }, api.tokens.storefront)).statusCode).toBe(403);
      const release = await api.call('PUT', `/api/v1/incidents/${inc.id}/roles/planning`, { token: api.tokens.payments, body: { person: null } });
      expect(release.statusCode).toBe(400);

      // A page that paged storefront (no service: routed by its integration's team), linked by an admin to an
      // incident on payments-api: storefront responds through the page.
      const alert = await api.call('POST', '/api/v2/alerts', { body: [{ labels: { alertname: 'QueueBacklog' } }], headers: { authorization: `Bearer ${directKey}` } });
      expect(alert.statusCode, alert.body).toBe(200);
      const pages = (await api.call('GET', '/api/v1/pages?team=storefront', { token: api.tokens.viewer })).json().items;
      const page = pages.find((p: Json) => p.title.includes('QueueBacklog'));
      expect(page).toMatchObject({ team: 'storefront', service: null });
      const other = (await api.call('POST', '/api/v1/incidents', { token: api.tokens.admin, body: { title: 'Backlog', publicTitle: 'Delayed payouts', services: ['payments-api'] } })).json();
      expect((await patch(other.id, { severity: 'SEV2' }, api.tokens.storefront)).statusCode).toBe(403);
      const linked = await api.call('POST', `/api/v1/incidents/${other.id}/pages`, { token: api.tokens.admin, body: { pageId: page.id } });
      expect(linked.statusCode, linked.body).toBe(200);
      expect(linked.json().pageIds).toEqual([page.id]);
      expect((await patch(other.id, { severity: 'SEV2' }, api.tokens.storefront)).statusCode).toBe(200);
      expect((await api.call('POST', `/api/v1/incidents/${inc.id}/pages`, { token: api.tokens.admin, body: { pageId: page.id } })).statusCode).toBe(409);

      // Two promotions of one page at once: one incident, the other refused.
      expect((await api.call('POST', '/api/v2/alerts', { body: [{ labels: { alertname: 'Twice' } }], headers: { authorization: `Bearer ${directKey}` } })).statusCode).toBe(200);
      const twice = (await api.call('GET', '/api/v1/pages?team=storefront', { token: api.tokens.viewer })).json().items.find((p: Json) => p.title.includes('Twice'));
      const both = await Promise.all([1, 2].map(() => api.call('POST', `/api/v1/pages/${twice.id}/incident`, { token: api.tokens.storefront, body: {} })));
      expect(both.map((r) => r.statusCode).sort()).toEqual([201, 409]);

      // Every write is audited with its actor.
      const audit = (await api.call('GET', `/api/v1/audit?kind=Incident&name=${inc.id}`, { token: api.tokens.admin })).json().items;
      expect(audit.map((a: Json) => a.action)).toEqual(expect.arrayContaining(['declare', 'update', 'role']));
      expect(audit.every((a: Json) => a.name === inc.id)).toBe(true);
    });

    it('sends status updates of the communications lead to subscribers, and shows only public fields on /status', async () => {
      const secretPath = '/hook/ZQ-SECRET-PATH-MARKER';
      const res = await api.call('POST', '/api/v1/incidents', {
        token: api.tokens.payments,
        body: {
          title: 'ZQ-INTERNAL-TITLE-MARKER',
          publicTitle: 'Payments are failing for some customers',
          severity: 'SEV1',
          services: ['checkout'],
          roles: { commander: 'alice', communications: 'zq-person-marker' },
          subscribers: [`${hookUrl}${secretPath}?token=ZQ-SECRET-QUERY-MARKER`],
          note: 'ZQ-NOTE-MARKER',
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      const inc = res.json();
      await api.call('POST', `/api/v1/incidents/${inc.id}/notes`, { token: api.tokens.payments, body: { kind: 'dead_end', text: 'ZQ-DEAD-END-MARKER' } });
      await patch(inc.id, { status: 'identified', reason: 'ZQ-REASON-MARKER' }, api.tokens.payments);

      // Only the communications lead's team (comms, which has no token here) or an admin posts updates.
      const byPayments = await api.call('POST', `/api/v1/incidents/${inc.id}/updates`, { token: api.tokens.payments, body: { message: 'nope' } });
      expect(byPayments.statusCode).toBe(403);
      expect(byPayments.json().error.message).toContain('communications lead zq-person-marker');
      expect((await api.call('POST', `/api/v1/incidents/${inc.id}/updates`, { token: api.tokens.admin, body: { message: '  ' } })).json().error.details[0].path).toBe('message');
      // bob (payments) takes over communications: payments may post now.
      expect((await api.call('PUT', `/api/v1/incidents/${inc.id}/roles/communications`, { token: api.tokens.payments, body: { person: 'bob' } })).statusCode).toBe(200);
      now += MIN;
      const posted = await api.call('POST', `/api/v1/incidents/${inc.id}/updates`, { token: api.tokens.payments, body: { message: 'We found the cause and are rolling back.' } });
      expect(posted.statusCode, posted.body).toBe(201);
      expect(posted.json()).toMatchObject({ status: 'identified', message: 'We found the cause and are rolling back.', notified: 1 });
      // No communications lead: only an admin.
      const noLead = (await api.call('POST', '/api/v1/incidents', { token: api.tokens.payments, body: { title: 't', services: ['checkout'] } })).json();
      expect((await api.call('POST', `/api/v1/incidents/${noLead.id}/updates`, { token: api.tokens.payments, body: { message: 'x' } })).json().error.message).toContain('no communications lead');

      // The outbox delivers it to the subscriber URL, with the public view only.
      await api.app.outbox.runOnce();
      expect(received).toHaveLength(1);
      expect(received[0]!.path).toBe(`${secretPath}?token=ZQ-SECRET-QUERY-MARKER`);
      expect(received[0]!.headers['x-pave-event']).toBe('incident.status_update');
      const payload = JSON.parse(received[0]!.body);
      expect(payload.data).toEqual({
        incident: { title: 'Payments are failing for some customers', status: 'identified', services: ['checkout'], started_at: inc.impactStartAt, resolved_at: null },
        update: { status: 'identified', message: 'We found the cause and are rolling back.', posted_at: iso(now) },
      });
      expect(received[0]!.body).not.toMatch(/ZQ-(INTERNAL|NOTE|DEAD|REASON|DISPLAY)|zq-person|alice|bob|token:/);

      // The subscriber's URL is never shown or audited whole.
      const shown = await api.call('GET', `/api/v1/incidents/${inc.id}`, { token: api.tokens.viewer });
      expect(shown.json().subscribers).toEqual([expect.objectContaining({ url: `${hookUrl}/…` })]);
      expect(shown.body).not.toContain('ZQ-SECRET');
      const audit = await api.call('GET', `/api/v1/audit?kind=Incident&name=${inc.id}`, { token: api.tokens.admin });
      expect(audit.body).not.toContain('ZQ-SECRET');

      // The public status page: no token, public fields only.
      const json = await api.call('GET', '/status.json');
      const html = await api.call('GET', '/status');
      expect(json.statusCode).toBe(200);
      expect(html.statusCode).toBe(200);
      expect(html.headers['content-type']).toContain('text/html');
      const status = json.json();
      const checkout = status.services.find((s: Json) => s.name === 'checkout');
      expect(checkout.status).toBe('disrupted');
      expect(status.overall).toBe('disrupted');
      const shownIncident = checkout.incidents.find((i: Json) => i.title === 'Payments are failing for some customers');
      expect(shownIncident).toEqual({ title: 'Payments are failing for some customers', status: 'identified', startedAt: inc.impactStartAt, resolvedAt: null, updates: [{ status: 'identified', message: 'We found the cause and are rolling back.', at: iso(now) }] });
      expect(status.services.find((s: Json) => s.name === 'payments-api')).toMatchObject({ status: 'disrupted' });
      expect(html.body).toContain('Payments are failing for some customers');
      expect(html.body).toContain('We found the cause and are rolling back.');
      for (const body of [json.body, html.body]) {
        for (const marker of ['ZQ-INTERNAL-TITLE-MARKER', 'ZQ-NOTE-MARKER', 'ZQ-DEAD-END-MARKER', 'ZQ-REASON-MARKER', 'ZQ-DISPLAY-MARKER', 'zq-person-marker', 'ZQ-SECRET', 'alice', 'bob', 'chen', 'token:', 'SEV1', 'commander', 'communications']) {
          expect(body, marker).not.toContain(marker);
        }
      }
      // Only allow-listed keys anywhere in the JSON: no ids, pages, roles, people, notes or internal times.
      const keys = new Set<string>();
      const walk = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (keys.add(k), walk(x));
      };
      walk(status);
      expect([...keys].sort()).toEqual(['at', 'generatedAt', 'incidents', 'message', 'name', 'overall', 'resolvedAt', 'services', 'startedAt', 'status', 'title', 'updates']);
    });

    it('shows an incident without a public title by its services, and a resolved one for a day', async () => {
      const inc = (await api.call('POST', '/api/v1/incidents', { token: api.tokens.admin, body: { title: 'ZQ-SECOND-INTERNAL', services: ['payments-api'] } })).json();
      const shown = (await api.call('GET', '/status.json')).json();
      const titles = shown.services.find((s: Json) => s.name === 'payments-api').incidents.map((i: Json) => i.title);
      expect(titles).toContain('Service disruption: payments-api');
      expect(JSON.stringify(shown)).not.toContain('ZQ-SECOND-INTERNAL');
      now += MIN;
      expect((await patch(inc.id, { status: 'resolved' }, api.tokens.admin)).statusCode).toBe(200);
      const resolved = (await api.call('GET', '/status.json')).json().services.find((s: Json) => s.name === 'payments-api').incidents.find((i: Json) => i.title === 'Service disruption: payments-api');
      expect(resolved).toMatchObject({ status: 'resolved', resolvedAt: iso(now) });
      now += 25 * 60 * MIN;
      const later = (await api.call('GET', '/status.json')).json().services.find((s: Json) => s.name === 'payments-api').incidents;
      expect(later.map((i: Json) => i.title)).not.toContain('Service disruption: payments-api');
    });
  });
}
