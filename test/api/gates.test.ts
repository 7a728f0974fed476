// The release gate over real SLO evaluations (data ingested through the API, the engine evaluating it) on both stores:
// every policy branch (allow, warn, deny, exempt kind, advisory vs blocking, organisation default vs service policy,
// no SLOs, an SLO without data), who may check and who may break the glass, and a break-glass's three effects: an
// audit entry, a break_glass change event on the service, and a notification to the owning team that the outbox
// really delivers to the member's webhook.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listChanges } from '../../src/store/changes.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { decodeQuotedPrintable, startMailbox, type Mailbox } from '../notify/fixture.js';
import { backends } from '../support/stores.js';

type Json = Record<string, any>;
const MIN = 60_000;
const start = Date.parse('2026-05-01T00:00:00Z');
const now = start + 60 * MIN;

/** Teams, people (alice has a webhook contact), services with budgets in every state, and two policies. */
function catalog(hookUrl: string): string {
  const service = (name: string, owner: string) => `---\napiVersion: pave/v1\nkind: Service\nmetadata: { name: ${name} }\nspec: { owner: ${owner} }\n`;
  const ratioSlo = (name: string, svc: string, series: string) =>
    `---\napiVersion: pave/v1\nkind: SLO\nmetadata: { name: ${name} }\nspec:\n  service: ${svc}\n  indicator: { ratio: { bad: { series: ${series}, match: { code: 5xx } }, total: { series: ${series} } } }\n  objective: 99.9\n  window: { rolling: 30d }\n`;
  return `
apiVersion: pave/v1
kind: Person
metadata: { name: alice }
spec: { displayName: Alice, timezone: Europe/Paris, contacts: [ { type: webhook, url: "${hookUrl}" }, { type: email, address: alice@example.com } ] }
---
apiVersion: pave/v1
kind: Person
metadata: { name: bob }
spec: { displayName: Bob, timezone: America/New_York }
---
apiVersion: pave/v1
kind: Person
metadata: { name: chen }
spec: { displayName: Chen, timezone: Asia/Singapore, contacts: [ { type: webhook, url: "${hookUrl}" } ] }
---
apiVersion: pave/v1
kind: Team
metadata: { name: payments }
spec: { members: [alice, bob] }
---
apiVersion: pave/v1
kind: Team
metadata: { name: storefront }
spec: { members: [chen] }
${service('checkout', 'payments')}${service('payments-api', 'payments')}${service('billing', 'payments')}${service('web', 'storefront')}${service('search', 'storefront')}${service('ledger', 'payments')}
${ratioSlo('checkout-availability', 'checkout', 'checkout_requests')}${ratioSlo('payments-api-availability', 'payments-api', 'payments_requests')}${ratioSlo('billing-availability', 'billing', 'billing_requests')}${ratioSlo('ledger-availability', 'ledger', 'ledger_requests')}---
apiVersion: pave/v1
kind: SLO
metadata: { name: web-latency }
spec:
  service: web
  indicator: { latency: { series: web_seconds, threshold: 0.3 } }
  objective: 99
  window: { rolling: 7d }
---
apiVersion: pave/v1
kind: BudgetPolicy
metadata: { name: default }
spec: { enforcement: blocking }
---
apiVersion: pave/v1
kind: BudgetPolicy
metadata: { name: billing-advisory }
spec: { services: [billing], enforcement: advisory, exempt: [] }
`;
}

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`release gate on ${backend}`, () => {
    let api: TestApi;
    let hook: Server;
    let mailbox: Mailbox;
    const delivered: { headers: IncomingMessage['headers']; body: Json }[] = [];
    beforeAll(async () => {
      hook = createServer((req, res) => {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          delivered.push({ headers: req.headers, body: JSON.parse(body) });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
      mailbox = await startMailbox();
      api = await startTestApi(backend, {
        catalog: catalog(url),
        now: () => new Date(now),
        latenessMs: 10 * 24 * 60 * MIN,
        notify: { smtp: { host: '127.0.0.1', port: mailbox.port, secure: false, from: 'pave <pave@example.com>', timeoutMs: 5_000 } },
      });
      // One hour of traffic. checkout and billing: 10 of 3,600 fail (2.78× the 0.1% budget: exhausted). payments-api:
      // none fail. web: 54 of 6,000 slower than 0.3 s against a 1% budget (90% spent, 10% left). ledger: no data.
      const items: Json[] = [];
      for (let m = start, i = 0; m < now; m += MIN, i++) {
        const bad = i < 10 ? 1 : 0;
        for (const series of ['checkout_requests', 'billing_requests']) {
          items.push({ series, labels: { code: '200' }, ts: m, good: 60 - bad, total: 60 - bad });
          if (bad) items.push({ series, labels: { code: '500' }, ts: m, good: 0, total: bad });
        }
        items.push({ series: 'payments_requests', labels: { code: '200' }, ts: m, good: 60, total: 60 });
        const slow = i < 54 ? 1 : 0;
        items.push({ series: 'web_seconds', ts: m, buckets: { '0.3': 100 - slow, '+Inf': 100 } });
      }
      const res = await api.call('POST', '/api/v1/ingest', { token: api.tokens.admin, body: { items } });
      expect(res.statusCode, res.body).toBe(200);
    });
    afterAll(async () => {
      await api?.close();
      await new Promise((r) => hook?.close(r));
      await mailbox?.close();
    });

    const check = (body: Json, token = api.tokens.viewer) => api.call('POST', '/api/v1/gates/check', { token, body });
    const decide = async (body: Json, token?: string): Promise<Json> => {
      const res = await check(body, token);
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };

    it('denies a deploy to a service whose budget is spent, under the blocking organisation default, with each SLO and the policy', async () => {
      const d = await decide({ service: 'checkout', version: 'v42' });
      expect(d).toMatchObject({
        decision: 'deny',
        service: 'checkout',
        kind: 'deploy',
        version: 'v42',
        frozen: true,
        exempt: false,
        brokeGlass: false,
        policy: { name: 'default', scope: 'organization', enforcement: 'blocking' },
        checkedAt: new Date(now).toISOString(),
      });
      expect(d.reasons).toHaveLength(1);
      expect(d.reasons[0]).toMatchObject({ slo: 'checkout-availability', status: 'exhausted', action: 'freeze', threshold: 0, policy: 'BudgetPolicy/default (organization default)' });
      expect(d.reasons[0].remainingFraction).toBeCloseTo(1 - 10 / 3600 / 0.001, 12);
      expect(d.summary).toContain('checkout is frozen by BudgetPolicy/default (organization default) (checkout-availability)');
      expect(d).not.toHaveProperty('breakGlass');
    });

    it('lets exempt kinds through the freeze with a warning', async () => {
      for (const kind of ['fix', 'security', 'rollback']) expect(await decide({ service: 'checkout', kind })).toMatchObject({ decision: 'warn', exempt: true, frozen: true });
      expect((await decide({ service: 'checkout', kind: 'config' })).decision).toBe('deny');
    });

    it('only warns under an advisory service policy, which replaces the organisation default for its service', async () => {
      const d = await decide({ service: 'billing' });
      expect(d).toMatchObject({ decision: 'warn', frozen: true, policy: { name: 'billing-advisory', scope: 'service', enforcement: 'advisory' } });
      expect(d.reasons[0]).toMatchObject({ slo: 'billing-availability', status: 'exhausted', action: 'freeze', policy: 'BudgetPolicy/billing-advisory' });
      // The service policy exempts nothing, yet advisory never denies.
      expect((await decide({ service: 'billing', kind: 'fix' })).exempt).toBe(false);
    });

    it('warns when budget is low, allows when it is healthy or when there are no SLOs, and follows noData for an SLO without data', async () => {
      const web = await decide({ service: 'web' });
      expect(web).toMatchObject({ decision: 'warn', frozen: false, reasons: [{ slo: 'web-latency', status: 'warning', action: 'warn', threshold: 25 }] });
      expect(web.reasons[0].remainingFraction).toBeCloseTo(0.1, 12);
      expect(await decide({ service: 'payments-api' })).toMatchObject({ decision: 'allow', reasons: [{ slo: 'payments-api-availability', status: 'healthy', remainingFraction: 1, action: 'none' }] });
      expect(await decide({ service: 'search' })).toMatchObject({ decision: 'allow', reasons: [], summary: 'search has no SLOs: there is no error budget to protect' });
      expect(await decide({ service: 'ledger' })).toMatchObject({ decision: 'warn', reasons: [{ slo: 'ledger-availability', status: 'no_data', remainingFraction: expect.anything(), action: 'warn', threshold: null }] });
    });

    it('answers bad input and unknown services clearly; ingest tokens check only their services; a token is needed', async () => {
      const unknown = await check({ service: 'nope' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.message).toBe('service "nope" is not in the catalog');
      const badKind = await check({ service: 'checkout', kind: 'yolo' });
      expect(badKind.statusCode).toBe(400);
      expect(badKind.json().error.details[0].path).toBe('kind');
      expect((await check({ service: 'checkout', breakGlass: '  ' }, api.tokens.admin)).json().error.details[0].path).toBe('breakGlass');
      expect((await check({ kind: 'deploy' })).json().error.details[0].path).toBe('service');
      expect((await decide({ service: 'checkout' }, api.tokens.ingest)).decision).toBe('deny');
      const ingestOther = await check({ service: 'web' }, api.tokens.ingest);
      expect(ingestOther.statusCode).toBe(403);
      expect((await api.call('POST', '/api/v1/gates/check', { body: { service: 'checkout' } })).statusCode).toBe(401);
    });

    it('refuses a break-glass from tokens that may not change the service, and records nothing', async () => {
      for (const token of [api.tokens.viewer, api.tokens.storefront]) {
        const res = await check({ service: 'checkout', breakGlass: 'urgent' }, token);
        expect(res.statusCode).toBe(403);
        expect(res.json().error.message).toMatch(/^break-glass: /);
      }
      expect(await listChanges(api.store.db, { kinds: ['break_glass'] })).toEqual([]);
    });

    it('a break-glass overrides the freeze: audited, a break_glass change event on the timeline, the owning team notified', async () => {
      const d = await decide({ service: 'checkout', version: 'v43', breakGlass: 'hotfix for INC-7, the fix kind was forgotten' }, api.tokens.payments);
      expect(d).toMatchObject({ decision: 'allow', frozen: true, brokeGlass: true, breakGlass: { reason: 'hotfix for INC-7, the fix kind was forgotten', notifications: 2 } });
      expect(d.summary).toContain('overridden by break-glass: hotfix for INC-7');

      const [change] = await listChanges(api.store.db, { services: ['checkout'], kinds: ['break_glass'] });
      expect(change).toMatchObject({ id: d.breakGlass.change.id, kind: 'break_glass', service: 'checkout', team: 'payments', version: 'v43', source: 'pave:gate', at: new Date(now).toISOString() });
      expect(change!.author).toContain('(payments-member)');
      expect(change!.details).toMatchObject({ reason: 'hotfix for INC-7, the fix kind was forgotten', changeKind: 'deploy', frozenBy: ['checkout-availability'] });
      // It is on the service's timeline through the changes API too.
      const listed = (await api.call('GET', '/api/v1/changes?service=checkout&kind=break_glass', { token: api.tokens.viewer })).json().items;
      expect(listed.map((c: Json) => c.id)).toEqual([change!.id]);

      const audit = await api.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'break_glass').execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ kind: 'Service', name: 'checkout', actor: change!.author });
      expect(audit[0]!.after).toMatchObject({ reason: 'hotfix for INC-7, the fix kind was forgotten', version: 'v43', change: change!.id, policy: { name: 'default' } });

      // Alice (payments: a webhook and an email contact) is told on both; Bob has no contacts; Chen is on another team.
      const queued = await api.store.db.selectFrom('notifications').selectAll().where('event_type', '=', 'change.break_glass').execute();
      expect(queued.map((n) => [n.person, n.channel, n.state]).sort()).toEqual([['alice', 'email', 'pending'], ['alice', 'webhook', 'pending']]);
      expect(await api.app.outbox.runOnce()).toBe(2);
      // The email says it in words: what went out, who, why, and what the gate had said.
      expect(mailbox.messages).toHaveLength(1);
      expect(mailbox.messages[0]!.to).toEqual(['alice@example.com']);
      const mail = decodeQuotedPrintable(mailbox.messages[0]!.raw);
      expect(mail).toMatch(/Subject: \[BREAK-GLASS\] deploy v43 of checkout went past a budget freeze/);
      expect(mail).toContain('Reason given: hotfix for INC-7, the fix kind was forgotten');
      expect(mail).toContain('The release gate said: ');
      expect(mail).toContain(`Recorded as change ${change!.id}`);
      expect(delivered).toHaveLength(1);
      expect(delivered[0]!.headers['x-pave-event']).toBe('change.break_glass');
      expect(delivered[0]!.body).toMatchObject({ event_type: 'change.break_glass', data: { change: { id: change!.id, service: 'checkout', kind: 'break_glass' }, gate: { policy: { name: 'default' } }, recipient: { person: 'alice' } } });
    });

    it('ignores a break-glass when nothing is frozen: no record, no notification', async () => {
      const before = (await listChanges(api.store.db, { kinds: ['break_glass'] })).length;
      expect(await decide({ service: 'payments-api', breakGlass: 'just in case' }, api.tokens.payments)).toMatchObject({ decision: 'allow', brokeGlass: false });
      expect(await decide({ service: 'checkout', kind: 'fix', breakGlass: 'not needed' }, api.tokens.payments)).toMatchObject({ decision: 'warn', brokeGlass: false });
      expect((await listChanges(api.store.db, { kinds: ['break_glass'] })).length).toBe(before);
    });
  });
}
