// Change events through the API on both stores: recording (author, defaults, audit), who may record for which service,
// bad input naming the field, list filters (service, team, kind, inclusive time range, limit), and PagerDuty change
// events landing in the same table, read back through the same list and store function.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listChanges, recordChange } from '../../src/store/changes.js';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';
import { integrations } from './paging-fixture.js';

type Json = Record<string, any>;
const now = new Date('2026-03-25T10:00:00Z');

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`change events on ${backend}`, () => {
    let api: TestApi;
    let pdKey = '';
    beforeAll(async () => {
      api = await startTestApi(backend, { catalog: baseCatalog + integrations, now: () => now });
      pdKey = (await api.call('POST', '/api/v1/integrations/pd-payments/keys', { token: api.tokens.payments })).json().key;
    });
    afterAll(async () => {
      await api?.close();
    });

    const record = (body: unknown, token = api.tokens.payments) => api.call('POST', '/api/v1/changes', { token, body });
    const list = async (query = ''): Promise<Json[]> => {
      const res = await api.call('GET', `/api/v1/changes${query}`, { token: api.tokens.viewer });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().items;
    };

    it('records a deploy with the token as author and recorder, the service owner as team, and audits it', async () => {
      const res = await record({ service: 'checkout', version: 'v42', summary: 'Deploy checkout v42', link: 'https://ci.example/42', source: 'github-actions', at: '2026-03-25T09:30:00Z', labels: { env: 'prod' } });
      expect(res.statusCode, res.body).toBe(201);
      const c = res.json();
      expect(c).toMatchObject({
        kind: 'deploy',
        service: 'checkout',
        team: 'payments',
        version: 'v42',
        summary: 'Deploy checkout v42',
        link: 'https://ci.example/42',
        source: 'github-actions',
        at: '2026-03-25T09:30:00.000Z',
        receivedAt: '2026-03-25T10:00:00.000Z',
        labels: { env: 'prod' },
        integration: null,
      });
      expect(c.author).toMatch(/^token:[0-9a-f]+ \(payments-member\)$/);
      expect(c.recordedBy).toBe(c.author);
      const audit = await api.store.db.selectFrom('audit_log').selectAll().where('kind', '=', 'ChangeEvent').where('name', '=', c.id).execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ action: 'record', actor: c.author });
    });

    it('keeps a given author apart from the token that recorded it; an ingest token records for its own services', async () => {
      const res = await record({ service: 'checkout', kind: 'config', summary: 'Raise pool size', author: 'alice', at: '2026-03-25T09:40:00Z' }, api.tokens.ingest);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ kind: 'config', author: 'alice', recordedBy: expect.stringContaining('(ingest)'), at: '2026-03-25T09:40:00.000Z' });
      // No `at`: the server's time.
      const now_ = await record({ service: 'payments-api', kind: 'infrastructure', summary: 'Resize nodes' }, api.tokens.admin);
      expect(now_.json().at).toBe(now.toISOString());
    });

    it('refuses services the token may not act for, viewers, and tokenless requests', async () => {
      const other = await record({ service: 'web', summary: 'x' });
      expect(other.statusCode).toBe(403);
      expect(other.json().error.message).toContain('owned by storefront');
      const ingestOther = await record({ service: 'payments-api', summary: 'x' }, api.tokens.ingest);
      expect(ingestOther.statusCode).toBe(403);
      expect(ingestOther.json().error.message).toContain('for checkout, not payments-api');
      expect((await record({ service: 'checkout', summary: 'x' }, api.tokens.viewer)).statusCode).toBe(403);
      expect((await api.call('POST', '/api/v1/changes', { body: { service: 'checkout', summary: 'x' } })).statusCode).toBe(401);
      expect(await list('?service=web')).toEqual([]);
    });

    it('answers bad input with 400 naming the field, and stores nothing', async () => {
      const before = (await list('?limit=1000')).length;
      const cases: [unknown, string][] = [
        [{ service: 'checkout', summary: 'x', kind: 'deplyo' }, 'kind'],
        [{ service: 'checkout' }, 'summary'],
        [{ service: 'checkout', summary: '   ' }, 'summary'],
        [{ service: 'checkout', summary: 'x', link: 'ftp://x' }, 'link'],
        [{ service: 'checkout', summary: 'x', at: 'yesterday' }, 'at'],
        [{ service: 'checkout', summary: 'x', at: '2026-03-25T11:00:00Z' }, 'at'],
        [{ service: 'nope', summary: 'x' }, 'service'],
        [{ service: 'checkout', summary: 'x', extra: 1 }, ''],
        [{ service: 'checkout', summary: 'x', kind: 'break_glass' }, 'kind'],
      ];
      for (const [body, field] of cases) {
        const res = await record(body, api.tokens.admin);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        const err = res.json().error;
        if (field) expect(err.details.map((d: Json) => d.path), JSON.stringify(body)).toContain(field);
      }
      expect((await list('?limit=1000')).length).toBe(before);
      const badQuery = await api.call('GET', '/api/v1/changes?kind=nope', { token: api.tokens.viewer });
      expect(badQuery.statusCode).toBe(400);
      expect(badQuery.json().error.details[0].path).toBe('kind');
      expect((await api.call('GET', '/api/v1/changes?from=2026-03-25T10:00:00Z&to=2026-03-25T09:00:00Z', { token: api.tokens.viewer })).statusCode).toBe(400);
    });

    it('lands PagerDuty change events in the same table, with the integration service, link and a kind from custom_details', async () => {
      const res = await api.call('POST', '/v2/change/enqueue', {
        body: { routing_key: pdKey, payload: { summary: 'Rolled back checkout to v41', timestamp: '2026-03-25T09:50:00Z', source: 'argo', custom_details: { kind: 'rollback', version: 'v41' } }, links: [{ href: 'https://argo.example/r/7' }] },
      });
      expect(res.statusCode).toBe(202);
      const [latest] = await list('?service=checkout&kind=rollback');
      expect(latest).toMatchObject({
        kind: 'rollback',
        service: 'checkout',
        team: 'payments',
        version: 'v41',
        author: 'integration:pd-payments',
        integration: 'pd-payments',
        link: 'https://argo.example/r/7',
        source: 'argo',
        at: '2026-03-25T09:50:00.000Z',
      });
      const plain = await api.call('POST', '/v2/change/enqueue', { body: { routing_key: pdKey, payload: { summary: 'Something shipped', timestamp: '2026-03-25T09:55:00Z' } } });
      expect(plain.statusCode).toBe(202);
      const fromStore = await listChanges(api.store.db, { services: ['checkout'], from: new Date('2026-03-25T09:55:00Z'), to: new Date('2026-03-25T09:55:00Z') });
      expect(fromStore.map((c) => [c.kind, c.summary, c.integration])).toEqual([['deploy', 'Something shipped', 'pd-payments']]);
    });

    it('filters by services, teams, kinds and an inclusive time range, newest first, with a limit', async () => {
      const all = await list('?limit=1000');
      expect(all.map((c) => c.at)).toEqual([...all.map((c) => c.at)].sort().reverse());
      const checkout = await list('?service=checkout');
      expect(checkout.length).toBeGreaterThanOrEqual(4);
      expect(checkout.every((c) => c.service === 'checkout')).toBe(true);
      expect((await list('?service=checkout,payments-api')).length).toBe(checkout.length + 1);
      expect((await list('?team=storefront'))).toEqual([]);
      const kinds = await list('?kind=config,infrastructure');
      expect(kinds.map((c) => c.kind).sort()).toEqual(['config', 'infrastructure']);
      const window = await list('?from=2026-03-25T09:30:00Z&to=2026-03-25T09:50:00Z');
      expect(window.map((c) => c.at)).toEqual(['2026-03-25T09:50:00.000Z', '2026-03-25T09:40:00.000Z', '2026-03-25T09:30:00.000Z']);
      expect(await list('?limit=2')).toEqual(all.slice(0, 2));
    });

    it('pages with before=<next> through every event once, in order, even where events share a time', async () => {
      // Two more at the same instant as an existing one: the cursor must tell them apart by id.
      for (const version of ['9.9.1', '9.9.2']) {
        expect((await api.call('POST', '/api/v1/changes', { token: api.tokens.admin, body: { service: 'checkout', kind: 'deploy', version, summary: 'same instant', at: '2026-03-25T09:40:00Z' } })).statusCode).toBe(201);
      }
      const all = (await api.call('GET', '/api/v1/changes?limit=1000', { token: api.tokens.viewer })).json() as { items: { id: string }[]; next: string | null };
      expect(all.next).toBeNull();
      const seen: string[] = [];
      let next: string | null = null;
      do {
        const page = (await api.call('GET', `/api/v1/changes?limit=2${next ? `&before=${next}` : ''}`, { token: api.tokens.viewer })).json() as { items: { id: string }[]; next: string | null };
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((c) => c.id));
        next = page.next;
      } while (next);
      expect(seen).toEqual(all.items.map((c) => c.id));
      const bad = await api.call('GET', '/api/v1/changes?before=not-a-cursor', { token: api.tokens.viewer });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details[0]).toMatchObject({ in: 'querystring', path: 'before' });
    });

    it('recordChange takes a caller transaction: a rollback leaves nothing behind', async () => {
      const before = (await listChanges(api.store.db, { kinds: ['flag'] })).length;
      await expect(
        api.store.db.transaction().execute(async (trx) => {
          await recordChange(trx, { kind: 'flag', service: null, team: 'payments', author: 'pave:test', summary: 'new-checkout 10%', at: now });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect((await listChanges(api.store.db, { kinds: ['flag'] })).length).toBe(before);
      const kept = await recordChange(api.store.db, { kind: 'flag', author: 'pave:test', summary: 'new-checkout 20%', at: now, details: { flag: 'new-checkout', percentage: 20 } });
      expect(kept).toMatchObject({ kind: 'flag', service: null, team: null, recordedBy: 'pave:test', details: { flag: 'new-checkout', percentage: 20 } });
      await expect(recordChange(api.store.db, { kind: 'nope' as 'flag', author: 'x', summary: 'x', at: now })).rejects.toThrow('unknown change kind');
    });
  });
}
