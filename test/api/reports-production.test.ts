// The production reports on a fixture week (ISO 2026-W47, 16–23 November) built from real events on both stores:
// ingested SLO data, an Alertmanager page promoted to an incident, incidents declared by hand, postmortems and action
// items through the API. Weekly report JSON figures, its Markdown and HTML against committed golden files, HTML
// escaping, repair debt over time, incident time-metric percentiles, and the weekly report emailed over SMTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, checkoutAvailabilitySlo, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';
import { startMailbox, type Mailbox } from '../notify/fixture.js';
import { amNotification, integrations } from './paging-fixture.js';

type Json = Record<string, any>;
const MIN = 60_000;
const at = (text: string) => Date.parse(text);
const iso = (t: number) => new Date(t).toISOString();

const schedule = `
---
apiVersion: pave/v1
kind: Schedule
metadata: { name: payments-daily }
spec:
  owner: payments
  timezone: UTC
  layers:
    - { name: daily, participants: [alice, bob], length: 1d, handoff: "00:00", start: 2026-11-02 }
`;

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`production reports on ${backend}`, () => {
    let api: TestApi;
    let mailbox: Mailbox;
    let now = at('2026-11-12T08:00:00Z');
    const ids: Record<string, string> = {};

    const call = async (method: string, url: string, token: string, body?: unknown, status = 200): Promise<Json> => {
      const res = await api.call(method, url, { token, ...(body === undefined ? {} : { body }) });
      expect(res.statusCode, res.body).toBe(status);
      return status >= 400 ? res.json().error : res.json();
    };

    beforeAll(async () => {
      mailbox = await startMailbox();
      process.env.PAVE_SMTP_URL = `smtp://127.0.0.1:${mailbox.port}`;
      process.env.PAVE_SMTP_FROM = 'pave <pave@example.com>';
      api = await startTestApi(backend, { catalog: baseCatalog + integrations + checkoutAvailabilitySlo + schedule, now: () => new Date(now), latenessMs: 30 * 24 * 60 * MIN });
      delete process.env.PAVE_SMTP_URL;
      delete process.env.PAVE_SMTP_FROM;
      const key = (await call('POST', '/api/v1/integrations/prom/keys', api.tokens.admin, undefined, 201)).key as string;

      // The week before: a SEV2 on checkout, resolved on Thursday 12th, whose postmortem nobody started (due Thursday 19th).
      ids.before = (await call('POST', '/api/v1/incidents', api.tokens.payments, { title: 'Payments API timeouts', severity: 'SEV2', services: ['payments-api'], impactStartAt: '2026-11-12T07:40:00Z', detectedAt: '2026-11-12T07:50:00Z' }, 201)).id;
      now = at('2026-11-12T09:00:00Z');
      await call('PATCH', `/api/v1/incidents/${ids.before}`, api.tokens.payments, { status: 'resolved', engagedAt: '2026-11-12T07:55:00Z', mitigatedAt: '2026-11-12T08:30:00Z' });

      // Wednesday 18th: two hours of checkout traffic, 100 a minute, 5 errors a minute from 10:30 to 10:40.
      now = at('2026-11-18T12:00:00Z');
      const items = [];
      for (let m = at('2026-11-18T10:00:00Z'); m < at('2026-11-18T12:00:00Z'); m += MIN) {
        const bad = m >= at('2026-11-18T10:30:00Z') && m < at('2026-11-18T10:40:00Z') ? 5 : 0;
        items.push({ series: 'checkout_requests', labels: { code: '200' }, ts: m, good: 100 - bad, total: 100 - bad });
        if (bad) items.push({ series: 'checkout_requests', labels: { code: '500' }, ts: m, good: 0, total: bad });
      }
      await call('POST', '/api/v1/ingest', api.tokens.admin, { items });

      // A real page at 12:05 (Alertmanager, routed to payments by its service label), acknowledged, promoted.
      now = at('2026-11-18T12:05:00Z');
      const am = await api.call('POST', '/api/v1/integrations/alertmanager', {
        body: amNotification('{}:{alertname="CheckoutErrors"}', [{ status: 'firing', labels: { alertname: 'CheckoutErrors', service: 'checkout' }, fingerprint: '00000000000000c1' }]),
        headers: { authorization: `Bearer ${key}` },
      });
      expect(am.statusCode, am.body).toBe(200);
      const pageId = am.json().pagesTriggered[0] as string;
      now = at('2026-11-18T12:08:00Z');
      await call('POST', `/api/v1/pages/${pageId}/ack`, api.tokens.payments);
      now = at('2026-11-18T12:10:00Z');
      ids.paged = (await call('POST', `/api/v1/pages/${pageId}/incident`, api.tokens.payments, { impactStartAt: '2026-11-18T10:30:00Z' }, 201)).id;
      now = at('2026-11-18T12:40:00Z');
      await call('PATCH', `/api/v1/incidents/${ids.paged}`, api.tokens.payments, { status: 'resolved', mitigatedAt: '2026-11-18T12:30:00Z' });

      // Thursday 19th: customers report web down; a SEV1 nobody engaged; its postmortem is started, in review, and
      // has one action item due Friday 20th (overdue by the week's end) and one done.
      now = at('2026-11-19T14:00:00Z');
      ids.web = (await call('POST', '/api/v1/incidents', api.tokens.storefront, { title: 'Web <b>down</b> & "cart" empty', severity: 'SEV1', detectedBy: 'customer', services: ['web'], impactStartAt: '2026-11-19T13:00:00Z' }, 201)).id;
      now = at('2026-11-19T15:00:00Z');
      await call('POST', `/api/v1/incidents/${ids.web}/postmortem`, api.tokens.storefront, undefined, 201);
      ids.item = (await call('POST', `/api/v1/incidents/${ids.web}/postmortem/action-items`, api.tokens.storefront, { title: 'Page on web 5xx', type: 'repair', tag: 'detection', owner: 'chen', dueDate: '2026-11-20' }, 201)).id;
      const done = (await call('POST', `/api/v1/incidents/${ids.web}/postmortem/action-items`, api.tokens.storefront, { title: 'Runbook for cart', type: 'mitigate', owner: 'storefront', dueDate: '2026-11-19' }, 201)).id;
      now = at('2026-11-19T16:00:00Z');
      await call('PATCH', `/api/v1/action-items/${done}`, api.tokens.storefront, { status: 'done' });
      await call('POST', `/api/v1/incidents/${ids.web}/postmortem/status`, api.tokens.storefront, { status: 'in_review' });

      now = at('2026-11-23T09:00:00Z');
    });
    afterAll(async () => {
      await api?.close();
      await mailbox?.close();
    });

    it('gathers the week: SLOs at its end, pages, on-call load, incidents with times, overdue items, postmortems due', async () => {
      const r = await call('GET', '/api/v1/reports/weekly?week=2026-W47', api.tokens.viewer);
      expect(r).toMatchObject({ week: '2026-W47', from: '2026-11-16T00:00:00.000Z', to: '2026-11-23T00:00:00.000Z' });
      // 50 bad of 12,000 requests: SLI 0.99583…, budget 1 − 50 / 12 = −3.1666…
      expect(r.slos).toEqual([{ name: 'checkout-availability', service: 'checkout', team: 'payments', objectivePercent: '99.9', sli: 11_950 / 12_000, budgetRemainingFraction: expect.closeTo(1 - 50 / 12, 9), status: 'exhausted' }]);
      expect(r.pages).toEqual({ total: 1, byTeam: [{ team: 'payments', pages: 1, nightPages: 0 }] });
      expect(r.oncall).toEqual([{ schedule: 'payments-daily', team: 'payments', pages: 1, shiftsOverLimit: 0, nightPages: 0, warnings: expect.any(Array) }]);
      expect(r.incidents.map((i: Json) => [i.id, i.severity, i.detectedBy, i.ttdMinutes, i.tteMinutes, i.ttfMinutes, i.ttmMinutes])).toEqual([
        [ids.paged, 'SEV3', 'monitoring', 95, 3, 22, 120],
        [ids.web, 'SEV1', 'customer', 60, null, null, null],
      ]);
      expect(r.overdueActionItems).toEqual([{ id: ids.item, incidentId: ids.web, title: 'Page on web 5xx', owner: 'chen', team: 'storefront', dueDate: '2026-11-20' }]);
      expect(r.postmortemsDue).toEqual([
        { incidentId: ids.before, title: 'Payments API timeouts', status: 'missing', dueDate: '2026-11-19', overdue: true },
        { incidentId: ids.paged, title: expect.stringContaining('CheckoutErrors'), status: 'missing', dueDate: '2026-11-25', overdue: false },
        { incidentId: ids.web, title: 'Web <b>down</b> & "cart" empty', status: 'in_review', dueDate: '2026-11-26', overdue: false },
      ]);
    });

    it('renders Markdown and HTML (golden files), escaping every value in the HTML', async () => {
      const md = await api.call('GET', '/api/v1/reports/weekly?week=2026-W47&format=md', { token: api.tokens.viewer });
      expect(md.statusCode, md.body).toBe(200);
      expect(md.headers['content-type']).toContain('text/markdown');
      await expect(md.body).toMatchFileSnapshot('../golden/weekly-2026-W47.md');
      const html = await api.call('GET', '/api/v1/reports/weekly?week=2026-W47&format=html', { token: api.tokens.viewer });
      expect(html.headers['content-type']).toContain('text/html');
      expect(html.body).not.toContain('<b>');
      expect(html.body).toContain('Web &lt;b&gt;down&lt;/b&gt; &amp; &quot;cart&quot; empty');
      await expect(html.body).toMatchFileSnapshot('../golden/weekly-2026-W47.html');
    });

    it('refuses weeks that do not exist and unknown formats, naming the field', async () => {
      const bad = await call('GET', '/api/v1/reports/weekly?week=2026-W60', api.tokens.viewer, undefined, 400);
      expect(bad.message).toContain('week');
      await call('GET', '/api/v1/reports/weekly?week=2026-W47&format=pdf', api.tokens.viewer, undefined, 400);
      await call('GET', '/api/v1/reports/weekly?week=2026-W47', api.tokens.ingest, undefined, 403);
    });

    it('reports repair debt over time and per team and service', async () => {
      const r = await call('GET', '/api/v1/reports/repair-debt?from=2026-11-16T00:00:00Z&to=2026-11-23T00:00:00Z&step=1d', api.tokens.viewer);
      expect(r.points.map((p: Json) => [p.at.slice(0, 10), p.open, p.overdue])).toEqual([
        ['2026-11-16', 0, 0],
        ['2026-11-17', 0, 0],
        ['2026-11-18', 0, 0],
        ['2026-11-19', 0, 0],
        // Both items were made on the 19th at 15:00, one done at 16:00; Friday's item is overdue from Saturday.
        ['2026-11-20', 1, 0],
        ['2026-11-21', 1, 1],
        ['2026-11-22', 1, 1],
        ['2026-11-23', 1, 1],
      ]);
      expect(r.byTeam).toEqual([{ name: 'storefront', open: 1, overdue: 1 }]);
      expect(r.byService).toEqual([{ name: 'web', open: 1, overdue: 1 }]);
      const payments = await call('GET', '/api/v1/reports/repair-debt?team=payments', api.tokens.viewer);
      expect(payments.byTeam).toEqual([]);
    });

    it('reports incident time metrics as percentiles per service and team', async () => {
      const r = await call('GET', '/api/v1/reports/incident-metrics?from=2026-11-01T00:00:00Z&to=2026-11-23T00:00:00Z', api.tokens.viewer);
      expect(r.all).toMatchObject({ incidents: 3, customerDetected: 1, ttd: { count: 3, p50: 60, p90: 95, max: 95 }, tte: { count: 2, p50: 3, p90: 5, max: 5 } });
      expect(r.byTeam.map((g: Json) => [g.name, g.incidents, g.ttm?.p50 ?? null])).toEqual([
        // TTM 50 (the week before: 10 + 5 + 35) and 120 (the paged one: 95 + 3 + 22).
        ['payments', 2, 50],
        ['storefront', 1, null],
      ]);
      expect(r.byService.map((g: Json) => g.name)).toEqual(['checkout', 'payments-api', 'web']);
      expect(r.goals).toEqual({ ttdMinutes: 10, tteMinutes: 15, ttmMinutes: 60 });
      const bad = await call('GET', '/api/v1/reports/incident-metrics?from=2026-11-23T00:00:00Z&to=2026-11-01T00:00:00Z', api.tokens.viewer, undefined, 400);
      expect(bad.details).toEqual([{ in: 'querystring', path: 'to', message: 'must be after from' }]);
    });

    it('emails the weekly report over SMTP (members and admins; audited)', async () => {
      await call('POST', '/api/v1/reports/weekly/email', api.tokens.viewer, { week: '2026-W47', to: ['team@example.com'] }, 403);
      const bad = await call('POST', '/api/v1/reports/weekly/email', api.tokens.admin, { to: ['not an address'] }, 400);
      expect(JSON.stringify(bad.details)).toContain('to');
      const r = await call('POST', '/api/v1/reports/weekly/email', api.tokens.payments, { week: '2026-W47', to: ['team@example.com'] });
      expect(r).toEqual({ week: '2026-W47', sentTo: ['team@example.com'] });
      expect(mailbox.messages).toHaveLength(1);
      expect(mailbox.messages[0]!.to).toEqual(['team@example.com']);
      expect(mailbox.messages[0]!.raw).toContain('Subject: Production report, week 2026-W47');
      expect(mailbox.messages[0]!.raw).toContain('text/html');
      const audit = await call('GET', '/api/v1/audit?kind=Report', api.tokens.admin);
      expect(audit.items[0]).toMatchObject({ action: 'email', name: 'weekly/2026-W47' });
    });
  });
}
