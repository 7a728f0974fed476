import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestMigration } from '../../src/store/store.js';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';

const doc = (kind: string, name: string, spec: string) => `---\napiVersion: pave/v1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec: ${spec}\n`;

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`apply and catalog API on ${backend}`, () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi(backend);
    });
    afterAll(async () => {
      await api?.close();
    });

    const apply = (content: string, token: string, query = '', headers: Record<string, string> = {}) =>
      api.call('POST', `/api/v1/apply${query}`, { token, body: { files: [{ name: 'change.yaml', content }] }, headers });
    const service = async (name: string) => (await api.call('GET', `/api/v1/services/${name}`, { token: api.tokens.viewer })).json();
    const auditCount = async () => (await api.call('GET', '/api/v1/audit?limit=1000', { token: api.tokens.admin })).json().items.length as number;

    it('lists and gets catalog objects, with kind filters and label selectors', async () => {
      const list = await api.call('GET', '/api/v1/services?owner=payments', { token: api.tokens.viewer });
      expect(list.statusCode).toBe(200);
      expect(list.json().items.map((s: { metadata: { name: string } }) => s.metadata.name)).toEqual(['checkout', 'payments-api']);
      const one = await api.call('GET', '/api/v1/services/checkout', { token: api.tokens.viewer });
      expect(one.json()).toMatchObject({ kind: 'Service', metadata: { name: 'checkout' }, spec: { owner: 'payments' }, status: { generation: 1, ownerTeam: 'payments', updatedBy: 'test:setup' } });
      const teams = await api.call('GET', '/api/v1/teams?member=chen', { token: api.tokens.viewer });
      expect(teams.json().items.map((t: { metadata: { name: string } }) => t.metadata.name)).toEqual(['storefront']);
      const people = await api.call('GET', '/api/v1/people', { token: api.tokens.viewer });
      expect(people.json().items).toHaveLength(3);
      const missing = await api.call('GET', '/api/v1/services/nope', { token: api.tokens.viewer });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error).toMatchObject({ code: 'not_found', message: 'Service "nope" does not exist' });
    });

    it('needs a valid token for every read', async () => {
      const none = await api.call('GET', '/api/v1/services');
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="pave"');
      expect(none.json().error.code).toBe('unauthorized');
      expect((await api.call('GET', '/api/v1/services', { token: 'pave_0000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).statusCode).toBe(401);
      expect((await api.call('GET', '/api/v1/services', { headers: { authorization: 'Basic abc' } })).statusCode).toBe(401);
      const ingest = await api.call('GET', '/api/v1/services', { token: api.tokens.ingest });
      expect(ingest.statusCode).toBe(403);
      expect((await api.call('GET', '/metrics')).statusCode).toBe(401);
      expect((await api.call('GET', '/metrics', { token: api.tokens.viewer })).body).toContain('pave_catalog_objects{kind="Service"} 3');
      expect((await api.call('GET', '/healthz')).json()).toEqual({ status: 'ok' });
      expect((await api.call('GET', '/readyz')).json()).toEqual({ status: 'ready', migration: latestMigration });
    });

    it('plans without writing on dryRun, with a per-field diff', async () => {
      const before = await auditCount();
      const res = await apply(doc('Service', 'checkout', '{ owner: payments, tier: important, dependsOn: [ { service: payments-api } ] }') + doc('Service', 'refunds', '{ owner: payments }'), api.tokens.payments, '?dryRun=true');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        outcome: 'planned',
        summary: { create: 1, update: 1, delete: 0, unchanged: 0 },
        changes: [
          { action: 'update', kind: 'Service', name: 'checkout', fields: [{ path: 'spec.tier', before: 'critical', after: 'important' }] },
          { action: 'create', kind: 'Service', name: 'refunds' },
        ],
      });
      expect((await service('checkout')).spec.tier).toBe('critical');
      expect((await api.call('GET', '/api/v1/services/refunds', { token: api.tokens.viewer })).statusCode).toBe(404);
      expect(await auditCount()).toBe(before);
    });

    it('applies nothing when any document is invalid, and lists every error', async () => {
      const before = await auditCount();
      const res = await apply(
        doc('Service', 'refunds', '{ owner: payments }') + doc('Service', 'ledger', '{ owner: payments, tier: gold }') + doc('Service', 'payouts', '{ owner: nobody }'),
        api.tokens.admin,
      );
      expect(res.statusCode).toBe(422);
      const body = res.json();
      expect(body.error.code).toBe('invalid_config');
      expect(body.error.details.map((d: { path: string; line: number; file: string }) => [d.file, d.line, d.path])).toEqual([
        ['change.yaml', 10, 'spec.tier'],
        ['change.yaml', 15, 'spec.owner'],
      ]);
      expect((await api.call('GET', '/api/v1/services/refunds', { token: api.tokens.viewer })).statusCode).toBe(404);
      expect(await auditCount()).toBe(before);
    });

    it('refuses with 403 naming the object when a member touches another team\'s service, applying nothing', async () => {
      const res = await apply(doc('Service', 'payments-api', '{ owner: payments, tier: important }') + doc('Service', 'web', '{ owner: storefront, tier: critical, dependsOn: [ { service: checkout } ] }'), api.tokens.payments);
      expect(res.statusCode).toBe(403);
      expect(res.json().error.message).toContain('Service/web');
      expect(res.json().error.details).toEqual([{ kind: 'Service', name: 'web', reason: 'Service/web is currently owned by storefront, not payments' }]);
      expect((await service('payments-api')).spec.tier).toBe('critical');
      expect((await service('web')).spec.tier).toBe('important');
    });

    it('enforces ownership for each kind and role', async () => {
      const cases: [string, string, string, number][] = [
        ['member creates a service for its team', api.tokens.payments, doc('Service', 'wallet', '{ owner: payments }'), 200],
        ['member cannot create a service for another team', api.tokens.payments, doc('Service', 'cart', '{ owner: storefront }'), 403],
        ['member cannot give its service away', api.tokens.payments, doc('Service', 'wallet', '{ owner: storefront }'), 403],
        ['member cannot take another team\'s service', api.tokens.payments, doc('Service', 'web', '{ owner: payments, tier: important, dependsOn: [ { service: checkout } ] }'), 403],
        ['member edits its own team', api.tokens.storefront, doc('Team', 'storefront', '{ members: [chen], chat: "#web" }'), 200],
        ['member cannot edit another team', api.tokens.storefront, doc('Team', 'payments', '{ members: [alice] }'), 403],
        ['member cannot claim another team\'s person by listing them', api.tokens.storefront, doc('Team', 'storefront', '{ members: [chen, alice], chat: "#web" }'), 403],
        ['member cannot create a team', api.tokens.storefront, doc('Team', 'growth', '{ members: [] }'), 403],
        ['member edits a person of its team', api.tokens.payments, doc('Person', 'alice', '{ displayName: Alice M, timezone: Europe/Paris }'), 200],
        ['member cannot edit a person of another team', api.tokens.payments, doc('Person', 'chen', '{ displayName: C, timezone: UTC }'), 403],
        ['member adds a new person to its team', api.tokens.payments, doc('Person', 'dora', '{ displayName: Dora, timezone: UTC }') + doc('Team', 'payments', '{ members: [alice, bob, dora] }'), 200],
        ['member cannot create a person in no team', api.tokens.payments, doc('Person', 'eve', '{ displayName: Eve, timezone: UTC }'), 403],
        ['viewer cannot apply', api.tokens.viewer, doc('Service', 'wallet', '{ owner: payments }'), 403],
        ['ingest cannot apply', api.tokens.ingest, doc('Service', 'wallet', '{ owner: payments }'), 403],
        ['no token cannot apply', '', doc('Service', 'wallet', '{ owner: payments }'), 401],
        ['bad token cannot apply', 'pave_0000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', doc('Service', 'wallet', '{ owner: payments }'), 401],
        ['member declares an SLO for its own service', api.tokens.payments, doc('SLO', 'checkout-avail', '{ service: checkout, indicator: { ratio: { bad: { series: req, match: { code: 5xx } }, total: { series: req } } }, objective: 99.9, window: { rolling: 30d } }'), 200],
        ['member cannot declare an SLO for another team\'s service', api.tokens.payments, doc('SLO', 'web-avail', '{ service: web, indicator: { ratio: { bad: { series: req, match: { code: 5xx } }, total: { series: req } } }, objective: 99.9, window: { rolling: 30d } }'), 403],
        ['member cannot excuse another team\'s downtime', api.tokens.payments, doc('Correction', 'web-maint', '{ service: web, start: "2026-01-01T00:00:00Z", duration: 1h, reason: x, author: alice }'), 403],
        ['admin creates a team', api.tokens.admin, doc('Team', 'growth', '{ members: [] }'), 200],
        ['admin moves a service between teams', api.tokens.admin, doc('Service', 'wallet', '{ owner: growth }'), 200],
      ];
      const results = [];
      for (const [name, token, content, _status] of cases) {
        const res = await apply(content, token);
        results.push([name, res.statusCode]);
        if (res.statusCode >= 400) expect(res.json().error.message, name).toBeTruthy();
      }
      expect(results).toEqual(cases.map(([name, , , status]) => [name, status]));
    });

    it('records every write in the audit log with actor, before, after and request id', async () => {
      const res = await apply(doc('Service', 'payments-api', '{ owner: payments, tier: important }'), api.tokens.payments, '', { 'x-request-id': 'req-audit-1' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-request-id']).toBe('req-audit-1');
      const entries = (await api.call('GET', '/api/v1/audit?kind=Service&name=payments-api', { token: api.tokens.viewer })).json().items;
      expect(entries[0]).toMatchObject({
        actor: expect.stringMatching(/^token:[a-z0-9]{10} \(payments-member\)$/),
        action: 'update',
        kind: 'Service',
        name: 'payments-api',
        before: { spec: { tier: 'critical' } },
        after: { spec: { tier: 'important' } },
        requestId: 'req-audit-1',
      });
      expect(Date.parse(entries[0].at)).toBeGreaterThan(Date.now() - 60_000);
      // An unchanged re-apply writes nothing and audits nothing.
      const count = await auditCount();
      const again = await apply(doc('Service', 'payments-api', '{ owner: payments, tier: important }'), api.tokens.payments);
      expect(again.json().summary).toEqual({ create: 0, update: 0, delete: 0, unchanged: 1 });
      expect(await auditCount()).toBe(count);
    });

    it('prunes only what the caller may change, and refuses to prune what others still reference', async () => {
      // The storefront member re-applies its team and person only: its service is pruned, nothing of other teams is.
      const mine = doc('Team', 'storefront', '{ members: [chen], chat: "#web" }') + doc('Person', 'chen', '{ displayName: Chen, timezone: Asia/Singapore }');
      const plan = await apply(mine, api.tokens.storefront, '?dryRun=true&prune=true');
      expect(plan.statusCode).toBe(200);
      expect(plan.json().changes.filter((c: { action: string }) => c.action === 'delete').map((c: { kind: string; name: string }) => `${c.kind}/${c.name}`)).toEqual(['Service/web']);
      // An admin prune that would delete payments-api while checkout still depends on it is refused, pointing at checkout.
      const admin = await apply(baseCatalog.replace(/---\napiVersion: pave\/v1\nkind: Service\nmetadata: \{ name: payments-api \}\nspec: .*\n/, ''), api.tokens.admin, '?dryRun=true&prune=true');
      expect(admin.statusCode).toBe(422);
      expect(admin.json().error.details[0]).toMatchObject({ code: 'unknown_reference', kind: 'Service', name: 'checkout', file: 'change.yaml', path: 'spec.dependsOn[0].service' });
      expect(admin.json().error.details[0].message).toBe('Service/checkout refers to Service "payments-api", which --prune would delete because the files no longer declare it');
      const res = await apply(mine, api.tokens.storefront, '?prune=true');
      expect(res.statusCode).toBe(200);
      expect((await api.call('GET', '/api/v1/services/web', { token: api.tokens.viewer })).statusCode).toBe(404);
      expect((await api.call('GET', '/api/v1/services/checkout', { token: api.tokens.viewer })).statusCode).toBe(200);
      const audit = (await api.call('GET', '/api/v1/audit?name=web', { token: api.tokens.viewer })).json().items;
      expect(audit[0]).toMatchObject({ action: 'delete', kind: 'Service', name: 'web', after: null, before: { metadata: { name: 'web' } } });
    });

    it('names the person when a member tries to list another team\'s person', async () => {
      const res = await apply(doc('Team', 'storefront', '{ members: [chen, bob], chat: "#web" }'), api.tokens.storefront);
      expect(res.statusCode).toBe(403);
      expect(res.json().error.details).toEqual([
        { kind: 'Team', name: 'storefront', reason: 'Team/storefront would add Person/bob: Person/bob is currently owned by payments, not storefront' },
      ]);
    });

    it('revokes a deleted team\'s member tokens, audited', async () => {
      const created = await api.call('POST', '/api/v1/tokens', { token: api.tokens.admin, body: { name: 'growth-ci', role: 'member', team: 'growth' } });
      expect(created.statusCode).toBe(201);
      const { token, id } = created.json();
      expect((await api.call('GET', '/api/v1/whoami', { token })).statusCode).toBe(200);
      const teams = (await api.call('GET', '/api/v1/teams', { token: api.tokens.admin })).json().items.filter((t: { metadata: { name: string } }) => t.metadata.name !== 'growth');
      const services = (await api.call('GET', '/api/v1/services', { token: api.tokens.admin })).json().items.filter((s: { spec: { owner: string } }) => s.spec.owner !== 'growth');
      const people = (await api.call('GET', '/api/v1/people', { token: api.tokens.admin })).json().items;
      const slos = (await api.call('GET', '/api/v1/slos', { token: api.tokens.admin })).json().items;
      const yaml = [...people, ...teams, ...services, ...slos].map((o: { kind: string; metadata: { name: string }; spec: unknown }) => doc(o.kind, o.metadata.name, JSON.stringify(o.spec))).join('');
      const res = await apply(yaml, api.tokens.admin, '?prune=true');
      expect(res.statusCode).toBe(200);
      expect(res.json().changes.filter((c: { action: string }) => c.action === 'delete').map((c: { kind: string; name: string }) => `${c.kind}/${c.name}`)).toEqual(['Service/wallet', 'Team/growth']);
      expect((await api.call('GET', '/api/v1/whoami', { token })).statusCode).toBe(401);
      const audit = (await api.call('GET', `/api/v1/audit?kind=Token&name=${id}`, { token: api.tokens.admin })).json().items;
      expect(audit[0]).toMatchObject({ action: 'revoke', actor: expect.stringContaining('(admin)') });
    });

    it('lets any valid token ask who it is, and never lets credentials break public routes', async () => {
      expect((await api.call('GET', '/api/v1/whoami', { token: api.tokens.ingest })).json()).toMatchObject({ role: 'ingest', services: ['checkout'] });
      const stale = 'pave_0000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
      for (const url of ['/healthz', '/readyz', '/api/docs/json']) expect((await api.call('GET', url, { token: stale })).statusCode).toBe(200);
    });

    it('accepts a raw YAML body', async () => {
      const res = await api.call('POST', '/api/v1/apply?dryRun=1', { token: api.tokens.admin, payload: doc('Team', 'payments', '{ members: [alice, bob, dora] }'), headers: { 'content-type': 'application/yaml' } });
      expect(res.statusCode).toBe(200);
      expect(res.json().summary.unchanged).toBe(1);
    });

    it('manages tokens: admin only, secret shown once, audited without secrets, last admin protected', async () => {
      const denied = await api.call('POST', '/api/v1/tokens', { token: api.tokens.payments, body: { name: 'x', role: 'viewer' } });
      expect(denied.statusCode).toBe(403);
      const bad = await api.call('POST', '/api/v1/tokens', { token: api.tokens.admin, body: { name: 'x', role: 'member' } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details[0]).toMatchObject({ path: 'team' });
      const unknownTeam = await api.call('POST', '/api/v1/tokens', { token: api.tokens.admin, body: { name: 'x', role: 'member', team: 'ghosts' } });
      expect(unknownTeam.statusCode).toBe(422);
      const created = await api.call('POST', '/api/v1/tokens', { token: api.tokens.admin, body: { name: 'deployer', role: 'member', team: 'payments' } });
      expect(created.statusCode).toBe(201);
      const { token, id } = created.json();
      expect((await api.call('GET', '/api/v1/whoami', { token })).json()).toMatchObject({ role: 'member', team: 'payments' });
      const listed = (await api.call('GET', '/api/v1/tokens', { token: api.tokens.admin })).body;
      expect(listed).toContain(id);
      expect(listed).not.toContain(token);
      const audit = (await api.call('GET', `/api/v1/audit?kind=Token&name=${id}`, { token: api.tokens.admin })).body;
      expect(audit).toContain('deployer');
      expect(audit).not.toContain(token.slice('pave_0123456789_'.length));
      expect((await api.call('DELETE', `/api/v1/tokens/${id}`, { token: api.tokens.admin })).statusCode).toBe(200);
      expect((await api.call('GET', '/api/v1/whoami', { token })).statusCode).toBe(401);
      expect((await api.call('DELETE', `/api/v1/tokens/${id}`, { token: api.tokens.admin })).statusCode).toBe(409);
      const adminId = (await api.call('GET', '/api/v1/whoami', { token: api.tokens.admin })).json().actor.slice(6, 16);
      const last = await api.call('DELETE', `/api/v1/tokens/${adminId}`, { token: api.tokens.admin });
      expect(last.statusCode).toBe(400);
      expect(last.json().error.message).toContain('last admin token');
    });

    it('serves the OpenAPI document without a token', async () => {
      const res = await api.call('GET', '/api/docs/json');
      expect(res.statusCode).toBe(200);
      const paths = Object.keys(res.json().paths);
      expect(paths).toEqual(expect.arrayContaining(['/api/v1/apply', '/api/v1/services', '/api/v1/services/{name}', '/api/v1/audit', '/api/v1/tokens']));
    });
  });
}
