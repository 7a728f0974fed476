// Incidents through the API on both stores: promotion from a real page (Alertmanager ingest), the lifecycle and its
// refused transitions, TTD/TTE/TTF/TTM (back-dated impact, nobody engaged, engagement from an acknowledgement and from
// a role join), the timeline assembled from real pages, real SLO alert transitions (ingest → engine) and real change
// events (changes API), "what changed?", status updates through the outbox to a subscriber, and permissions.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, checkoutAvailabilitySlo, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';
import { amNotification, integrations } from './paging-fixture.js';

type Json = Record<string, any>;
const MIN = 60_000;
const start = Date.parse('2026-05-01T00:00:00Z');

/** payments' policy: its pages escalate to alice at once, then to bob after 10 minutes. */
const policy = `
---
apiVersion: pave/v1
kind: EscalationPolicy
metadata: { name: payments-primary }
spec:
  owner: payments
  steps:
    - targets: [ { person: alice } ]
      escalateAfter: 10m
    - targets: [ { person: bob } ]
      escalateAfter: 10m
`;

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`incidents API on ${backend}`, () => {
    let api: TestApi;
    let now = start + 6 * 60 * MIN;
    const keys: Record<string, string> = {};
    let hook: Server;
    let hookUrl = '';
    const received: { headers: IncomingMessage['headers']; body: string; path: string }[] = [];

    beforeAll(async () => {
      api = await startTestApi(backend, { catalog: baseCatalog + integrations + checkoutAvailabilitySlo + policy, now: () => new Date(now), latenessMs: 10 * 24 * 60 * MIN });
      for (const [name, token] of [
        ['prom', 'admin'],
        ['prom-direct', 'storefront'],
      ] as const) {
        const res = await api.call('POST', `/api/v1/integrations/${name}/keys`, { token: api.tokens[token] });
        expect(res.statusCode, res.body).toBe(201);
        keys[name] = res.json().key;
      }
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

    const get = async (url: string, token = api.tokens.viewer): Promise<Json> => {
      const res = await api.call('GET', url, { token });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const iso = (t: number) => new Date(t).toISOString();

    describe('a page promoted to an incident', () => {
      let incidentId = '';
      let pageId = '';
      let triggeredAt = 0;

      it('records real change events, an SLO burn alert and an Alertmanager page, then promotes the page in one step', async () => {
        // Real change events: a deploy of checkout's dependency 30 minutes ago, one of web (which depends on checkout,
        // not the other way round: not a cause), and a checkout deploy three days ago.
        for (const [service, version, at] of [
          ['payments-api', 'v42', now - 30 * MIN],
          ['web', 'w7', now - 20 * MIN],
          ['checkout', 'c1', now - 3 * 24 * 60 * MIN],
        ] as const) {
          const res = await api.call('POST', '/api/v1/changes', { token: api.tokens.admin, body: { service, kind: 'deploy', version, summary: `deploy ${version}`, at: iso(at) } });
          expect(res.statusCode, res.body).toBe(201);
        }
        // Real SLO data: six hours of checkout traffic, the last ten minutes at 2 errors in 60, then a burst minute:
        // the engine's next evaluation fires the 1h/5m page tier (as in test/api/slos.test.ts).
        const items = [];
        for (let m = now - 6 * 60 * MIN; m < now; m += MIN) {
          const bad = m >= now - 10 * MIN ? 2 : 0;
          items.push({ series: 'checkout_requests', labels: { code: '200' }, ts: m, good: 60 - bad, total: 60 - bad });
          if (bad) items.push({ series: 'checkout_requests', labels: { code: '500' }, ts: m, good: 0, total: bad });
        }
        items.push({ series: 'checkout_requests', labels: { code: '500' }, ts: now, good: 0, total: 60 });
        now += MIN;
        expect((await api.call('POST', '/api/v1/ingest', { token: api.tokens.admin, body: { items } })).statusCode).toBe(200);
        expect((await api.call('POST', '/api/v1/slos/evaluate', { token: api.tokens.admin })).statusCode).toBe(200);
        const log = (await get('/api/v1/slo-alerts?log=true&slo=checkout-availability')).items;
        expect(log.some((e: Json) => e.state === 'firing' && e.alertId === 'checkout-availability:page:1h/5m')).toBe(true);

        // A real page: Alertmanager reports checkout errors; routed by the service label to payments.
        now += MIN;
        triggeredAt = now;
        const am = await api.call('POST', '/api/v1/integrations/alertmanager', {
          body: amNotification('{}:{alertname="CheckoutErrors"}', [{ status: 'firing', labels: { alertname: 'CheckoutErrors', service: 'checkout' }, fingerprint: '00000000000000c1' }]),
          headers: { authorization: `Bearer ${keys.prom}` },
        });
        expect(am.statusCode, am.body).toBe(200);
        pageId = am.json().pagesTriggered[0];
        // The escalator starts the page's escalation and fires its first step (alice).
        await api.app.escalator.runOnce();

        // Users felt it 20 minutes before the page: the impact start is back-dated.
        now += 2 * MIN;
        const res = await api.call('POST', `/api/v1/pages/${pageId}/incident`, {
          token: api.tokens.payments,
          body: { severity: 'SEV2', impactStartAt: iso(triggeredAt - 20 * MIN), note: 'checkout 5xx since the deploy?' },
        });
        expect(res.statusCode, res.body).toBe(201);
        const inc = res.json();
        incidentId = inc.id;
        expect(inc).toMatchObject({
          title: expect.stringContaining('CheckoutErrors'),
          status: 'investigating',
          severity: 'SEV2',
          detectedBy: 'monitoring',
          services: ['checkout'],
          teams: ['payments'],
          pageIds: [pageId],
          roles: [],
          impactStartAt: iso(triggeredAt - 20 * MIN),
          detectedAt: iso(triggeredAt),
          engagedAt: null,
          mitigatedAt: null,
          declaredAt: iso(now),
        });
        // Nobody has engaged yet: only TTD is known.
        expect(inc.metrics).toEqual({ ttdMs: 20 * MIN, tteMs: null, ttfMs: null, ttmMs: null });
        // The page is in one incident only.
        const again = await api.call('POST', `/api/v1/pages/${pageId}/incident`, { token: api.tokens.payments, body: {} });
        expect(again.statusCode).toBe(409);
        expect(again.json().error.message).toContain(`already in incident ${incidentId}`);
        expect((await api.call('POST', '/api/v1/pages/999999/incident', { token: api.tokens.admin, body: {} })).statusCode).toBe(404);
      });

      it('takes engagement from the page acknowledgement, then mitigation from monitoring: TTE, TTF, TTM', async () => {
        now += MIN;
        const ackAt = now;
        expect((await api.call('POST', `/api/v1/pages/${pageId}/ack`, { token: api.tokens.payments })).statusCode).toBe(200);
        let inc = await get(`/api/v1/incidents/${incidentId}`);
        expect(inc).toMatchObject({ engagedAt: iso(ackAt), engagedSource: 'acknowledgement' });
        expect(inc.metrics).toEqual({ ttdMs: 20 * MIN, tteMs: ackAt - triggeredAt, ttfMs: null, ttmMs: null });

        now += 2 * MIN;
        const role = await api.call('PUT', `/api/v1/incidents/${incidentId}/roles/commander`, { token: api.tokens.payments, body: { person: 'alice' } });
        expect(role.statusCode, role.body).toBe(200);
        expect(role.json().roles).toEqual([{ role: 'commander', person: 'alice', since: iso(now) }]);
        // The earlier acknowledgement stays the first response.
        expect(role.json().engagedAt).toBe(iso(ackAt));
        // Handing over keeps the history.
        now += MIN;
        const handover = await api.call('PUT', `/api/v1/incidents/${incidentId}/roles/commander`, { token: api.tokens.payments, body: { person: 'bob' } });
        expect(handover.json()).toMatchObject({ roles: [{ role: 'commander', person: 'bob' }], changed: true });
        const audited = async () => (await get(`/api/v1/audit?kind=Incident&name=${incidentId}`, api.tokens.admin)).items;
        const auditBefore = await audited();
        expect(auditBefore[0]).toMatchObject({ action: 'role', before: { roles: { commander: 'alice' } }, after: { roles: { commander: 'bob' }, events: [{ type: 'role_assigned' }] } });
        const same = await api.call('PUT', `/api/v1/incidents/${incidentId}/roles/commander`, { token: api.tokens.payments, body: { person: 'bob' } });
        expect(same.json().changed).toBe(false);
        // Nothing changed: nothing audited.
        expect(await audited()).toHaveLength(auditBefore.length);
        expect((await api.call('PUT', `/api/v1/incidents/${incidentId}/roles/commander`, { token: api.tokens.payments, body: { person: 'nobody-here' } })).json().error).toMatchObject({ details: [{ path: 'person' }] });

        const note = await api.call('POST', `/api/v1/incidents/${incidentId}/notes`, { token: api.tokens.payments, body: { kind: 'decision', text: 'roll back payments-api v42' } });
        expect(note.statusCode, note.body).toBe(201);
        const sev = await api.call('PATCH', `/api/v1/incidents/${incidentId}`, { token: api.tokens.payments, body: { severity: 'SEV1', reason: 'all card payments fail' } });
        expect(sev.statusCode, sev.body).toBe(200);
        expect((await api.call('PATCH', `/api/v1/incidents/${incidentId}`, { token: api.tokens.payments, body: { status: 'identified' } })).statusCode).toBe(200);
        now += 9 * MIN;
        const mitigatedAt = now;
        const mon = await api.call('PATCH', `/api/v1/incidents/${incidentId}`, { token: api.tokens.payments, body: { status: 'monitoring', reason: 'rolled back' } });
        expect(mon.statusCode, mon.body).toBe(200);
        inc = mon.json();
        expect(inc).toMatchObject({ status: 'monitoring', severity: 'SEV1', mitigatedAt: iso(mitigatedAt), resolvedAt: null });
        const ttd = 20 * MIN;
        const tte = ackAt - triggeredAt;
        const ttf = mitigatedAt - ackAt;
        expect(inc.metrics).toEqual({ ttdMs: ttd, tteMs: tte, ttfMs: ttf, ttmMs: ttd + tte + ttf });
        // TTM = mitigated − impact start when every part is known.
        expect(inc.metrics.ttmMs).toBe(mitigatedAt - (triggeredAt - 20 * MIN));
      });

      it('refuses invalid transitions with a 409 naming from and to, and bad input with a 400 naming the field', async () => {
        const same = await api.call('PATCH', `/api/v1/incidents/${incidentId}`, { token: api.tokens.payments, body: { status: 'monitoring' } });
        expect(same.statusCode).toBe(409);
        expect(same.json().error).toMatchObject({ code: 'conflict', details: [{ path: 'status' }] });
        expect(same.json().error.message).toContain('monitoring → monitoring');
        const bad = await api.call('PATCH', `/api/v1/incidents/${incidentId}`, { token: api.tokens.payments, body: { status: 'done' } });
        expect(bad.statusCode).toBe(400);
        expect(bad.json().error.details[0].path).toBe('status');
        const backwards = await api.call('PATCH', `/api/v1/incidents/${incidentId}`, { token: api.tokens.payments, body: { impactStartAt: iso(triggeredAt + MIN) } });
        expect(backwards.statusCode).toBe(400);
        expect(backwards.json().error.details).toEqual([{ path: 'impactStartAt', message: expect.stringContaining('after detectedAt') }]);
        const future = await api.call('PATCH', `/api/v1/incidents/${incidentId}`, { token: api.tokens.payments, body: { detectedAt: iso(now + 60 * MIN) } });
        expect(future.json().error.details[0].path).toBe('detectedAt');
        expect((await api.call('PATCH', `/api/v1/incidents/${incidentId}`, { token: api.tokens.payments, body: {} })).statusCode).toBe(400);
        expect((await api.call('PATCH', `/api/v1/incidents/${incidentId}`, { token: api.tokens.payments, body: { severity: 'SEV9' } })).json().error.details[0].path).toBe('severity');

        now += 30 * MIN;
        const resolved = await api.call('PATCH', `/api/v1/incidents/${incidentId}`, { token: api.tokens.payments, body: { status: 'resolved' } });
        expect(resolved.statusCode, resolved.body).toBe(200);
        expect(resolved.json()).toMatchObject({ status: 'resolved', resolvedAt: iso(now) });
        // A resolved incident's mitigation may be restated, but not after its resolution.
        now += MIN;
        const late = await api.call('PATCH', `/api/v1/incidents/${incidentId}`, { token: api.tokens.payments, body: { mitigatedAt: iso(now) } });
        expect(late.json().error.details).toEqual([{ path: 'mitigatedAt', message: `mitigatedAt must not be after resolvedAt ${iso(now - MIN)}` }]);
        const reopen = await api.call('PATCH', `/api/v1/incidents/${incidentId}`, { token: api.tokens.payments, body: { status: 'investigating' } });
        expect(reopen.statusCode).toBe(409);
        expect(reopen.json().error.message).toMatch(/resolved → investigating refused: .*new incident/);
        // Nothing changed by the refusals.
        const after = await get(`/api/v1/incidents/${incidentId}`);
        expect(after).toMatchObject({ status: 'resolved', impactStartAt: iso(triggeredAt - 20 * MIN), detectedAt: iso(triggeredAt) });
      });

      it('assembles the timeline from the real page, SLO alert and change events, in time order', async () => {
        const { items } = await get(`/api/v1/incidents/${incidentId}/timeline`);
        const at = items.map((e: Json) => Date.parse(e.at));
        expect(at).toEqual([...at].sort((a, b) => a - b));
        const kinds = items.map((e: Json) => `${e.source}:${e.type}`);
        // The dependency's deploy 30 minutes before the alert; web's deploy is not a cause (web depends on checkout).
        const deploys = items.filter((e: Json) => e.source === 'change');
        expect(deploys.map((e: Json) => [e.ref.service, e.details.version, e.details.dependency])).toEqual([['payments-api', 'v42', true]]);
        expect(items.find((e: Json) => e.source === 'slo_alert' && e.type === 'firing')).toMatchObject({ ref: { slo: 'checkout-availability', alertId: 'checkout-availability:page:1h/5m', service: 'checkout' } });
        expect(items.find((e: Json) => e.source === 'escalation' && e.type === 'step_fired')).toMatchObject({ ref: { pageId }, summary: `Page ${pageId} escalated: step 1 → alice` });
        expect(kinds).toEqual(expect.arrayContaining(['page:triggered', 'page:acknowledged', 'incident:declared', 'incident:page_linked', 'incident:role_assigned', 'incident:note', 'incident:severity_changed', 'incident:status_changed']));
        expect(kinds.indexOf('change:deploy')).toBeLessThan(kinds.indexOf('slo_alert:firing'));
        expect(kinds.indexOf('slo_alert:firing')).toBeLessThan(kinds.indexOf('page:triggered'));
        expect(kinds.indexOf('page:triggered')).toBeLessThan(kinds.indexOf('incident:declared'));
        const decision = items.find((e: Json) => e.type === 'note' && e.noteKind === 'decision');
        expect(decision.summary).toBe('Decision: roll back payments-api v42');
        expect(items.find((e: Json) => e.type === 'severity_changed').summary).toBe('Severity SEV2 → SEV1: all card payments fail');
        const roles = items.filter((e: Json) => e.type === 'role_assigned').map((e: Json) => e.summary);
        expect(roles).toEqual(['alice is incident commander', 'incident commander handed over from alice to bob']);
        expect(items.filter((e: Json) => e.type === 'status_changed').map((e: Json) => `${e.details.from}→${e.details.to}`)).toEqual(['investigating→identified', 'identified→monitoring', 'monitoring→resolved']);
      });

      it('answers "what changed?" for the affected services and their dependencies in the hours before impact', async () => {
        // Impact started 18 minutes after the dependency's deploy: it is the one change in the day before.
        const day = await get(`/api/v1/incidents/${incidentId}/changes`);
        expect(day.to).toBe(iso(triggeredAt - 20 * MIN));
        expect(day.from).toBe(iso(triggeredAt - 20 * MIN - 24 * 60 * MIN));
        expect(day.items.map((c: Json) => [c.service, c.version])).toEqual([['payments-api', 'v42']]);
        const wide = await get(`/api/v1/incidents/${incidentId}/changes?hours=100`);
        expect(wide.items.map((c: Json) => [c.service, c.version])).toEqual([
          ['payments-api', 'v42'],
          ['checkout', 'c1'],
        ]);
        // Back-dating the impact start before that deploy takes it out of "before impact" (and TTD grows).
        const moved = await api.call('PATCH', `/api/v1/incidents/${incidentId}`, { token: api.tokens.payments, body: { impactStartAt: iso(triggeredAt - 45 * MIN) } });
        expect(moved.statusCode, moved.body).toBe(200);
        expect(moved.json().metrics.ttdMs).toBe(45 * MIN);
        expect((await get(`/api/v1/incidents/${incidentId}/changes`)).items).toEqual([]);
        expect((await get(`/api/v1/incidents/${incidentId}/changes?hours=100`)).items.map((c: Json) => c.version)).toEqual(['c1']);
        const bad = await api.call('GET', `/api/v1/incidents/${incidentId}/changes?hours=0`, { token: api.tokens.viewer });
        expect(bad.statusCode).toBe(400);
        expect(bad.json().error.details[0].path).toBe('hours');
      });
    });
  });
}
