// Who is on call, the shifts of a range, and overrides through the API: hand-computed answers for a Berlin schedule
// across the spring clock change, the permission matrix for overrides, their audit entries, and how API overrides
// live beside the Schedule object (an apply of its YAML keeps them; a schedule deleted and created again does not
// inherit them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';
import { paymentsSchedule } from './oncall-fixture.js';


const H = 3_600_000;
const at = (text: string) => Date.parse(text);
type Json = Record<string, any>;

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`on-call API on ${backend}`, () => {
    let api: TestApi;
    // Wednesday 25 March 2026, 11:00 in Berlin.
    let now = at('2026-03-25T10:00:00Z');
    beforeAll(async () => {
      api = await startTestApi(backend, { catalog: baseCatalog + paymentsSchedule, now: () => new Date(now) });
    });
    afterAll(async () => {
      await api?.close();
    });

    const get = async (url: string, token = api.tokens.viewer) => api.call('GET', url, { token });
    const shifts = async (from: string, to: string): Promise<Json[]> => {
      const res = await get(`/api/v1/schedules/payments-primary/shifts?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().items;
    };
    const brief = (items: Json[]) => items.map((s) => `${s.person} ${s.start}–${s.end} ${s.sources.map((x: Json) => x.layer ?? `${x.origin}:${x.index ?? x.id}`).join(',')}`);

    it('says who is on call now, with the whole shift and what put them there', async () => {
      const res = await get('/api/v1/oncall');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        at: '2026-03-25T10:00:00.000Z',
        items: [
          {
            schedule: 'payments-primary',
            displayName: 'Payments primary',
            owner: 'payments',
            timezone: 'Europe/Berlin',
            person: 'chen',
            personDisplayName: 'Chen',
            source: { type: 'layer', layer: 'office' },
            // Office hours, 09:00-17:00 CET.
            shift: { start: '2026-03-25T08:00:00.000Z', end: '2026-03-25T16:00:00.000Z', sources: [{ type: 'layer', layer: 'office' }] },
          },
        ],
      });
    });

    it('answers for another instant, with or without an offset in the query', async () => {
      // Wednesday 21:00 CET: bob has the week (from Monday 23 March), from the end of office hours to Thursday's start.
      const evening = (await get('/api/v1/oncall?schedule=payments-primary&at=2026-03-25T21:00:00%2B01:00')).json();
      expect(evening.at).toBe('2026-03-25T20:00:00.000Z');
      expect(evening.items[0]).toMatchObject({ person: 'bob', source: { type: 'layer', layer: 'weekly' }, shift: { start: '2026-03-25T16:00:00.000Z', end: '2026-03-26T08:00:00.000Z' } });
      // Saturday 11:30 CET: the spec's override.
      const saturday = (await get('/api/v1/oncall?schedule=payments-primary&at=2026-03-28T10:30:00Z')).json();
      expect(saturday.items[0]).toMatchObject({
        person: 'chen',
        source: { type: 'override', origin: 'config', index: 0, reason: 'config cover' },
        shift: { start: '2026-03-28T09:00:00.000Z', end: '2026-03-28T11:00:00.000Z' },
      });
      // Before the first handoff nobody is on call.
      const before = (await get('/api/v1/oncall?at=2026-03-01T12:00:00Z')).json();
      expect(before.items[0]).toMatchObject({ schedule: 'payments-primary', person: null, source: null, shift: null });
      // An instant needs an offset; a schedule must exist.
      const local = await get('/api/v1/oncall?at=2026-03-25T21:00');
      expect(local.statusCode).toBe(400);
      expect(local.json().error.message).toContain('with an offset');
      expect((await get('/api/v1/oncall?at=2026-02-30T10:00:00Z')).statusCode).toBe(400);
      expect((await get('/api/v1/oncall?schedule=nope')).statusCode).toBe(404);
    });

    it('gives the merged shifts of a range, across the clock change, in UTC or wall-clock time', async () => {
      const expected = [
        'bob 2026-03-27T00:00:00.000Z–2026-03-27T08:00:00.000Z weekly',
        'chen 2026-03-27T08:00:00.000Z–2026-03-27T16:00:00.000Z office',
        'bob 2026-03-27T16:00:00.000Z–2026-03-28T09:00:00.000Z weekly',
        'chen 2026-03-28T09:00:00.000Z–2026-03-28T11:00:00.000Z config:0',
        // Saturday 12:00 CET to Monday 09:00 CEST: 44 hours, the clocks went forward on Sunday.
        'bob 2026-03-28T11:00:00.000Z–2026-03-30T07:00:00.000Z weekly',
        // Monday 09:00 CEST: office hours, and alice's week behind them.
        'chen 2026-03-30T07:00:00.000Z–2026-03-30T15:00:00.000Z office',
        'alice 2026-03-30T15:00:00.000Z–2026-03-31T00:00:00.000Z weekly',
      ];
      expect(brief(await shifts('2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z'))).toEqual(expected);
      // The same range as wall-clock time in Berlin: 01:00 CET and 02:00 CEST.
      expect(brief(await shifts('2026-03-27T01:00', '2026-03-31T02:00'))).toEqual(expected);
      const weekend = await shifts('2026-03-28T11:00:00Z', '2026-03-30T07:00:00Z');
      expect((Date.parse(weekend[0]!.end) - Date.parse(weekend[0]!.start)) / H).toBe(44);
      expect(weekend[0]).toMatchObject({ person: 'bob', displayName: 'Bob' });
    });

    it('refuses ranges that are empty, reversed or longer than 366 days', async () => {
      const q = (from: string, to: string) => get(`/api/v1/schedules/payments-primary/shifts?from=${from}&to=${to}`);
      const tooLong = await q('2026-01-01T00:00:00Z', '2027-01-03T00:00:00Z');
      expect(tooLong.statusCode).toBe(400);
      expect(tooLong.json().error.message).toBe('the range 2026-01-01T00:00:00.000Z to 2027-01-03T00:00:00.000Z is 367 days: ask for at most 366 days at a time');
      expect((await q('2026-01-01T00:00:00Z', '2027-01-02T00:00:00Z')).statusCode).toBe(200);
      expect((await q('2026-03-02T00:00:00Z', '2026-03-01T00:00:00Z')).statusCode).toBe(400);
      expect((await q('2026-03-02T00:00:00Z', '2026-03-02T00:00:00Z')).statusCode).toBe(400);
      expect((await q('yesterday', '2026-03-02T00:00:00Z')).statusCode).toBe(400);
      expect((await get('/api/v1/schedules/nope/shifts')).statusCode).toBe(404);
      // Without a range: a week from now.
      const week = (await get('/api/v1/schedules/payments-primary/shifts')).json();
      expect([week.from, week.to]).toEqual(['2026-03-25T10:00:00.000Z', '2026-04-01T10:00:00.000Z']);
    });

    describe('overrides through the API', () => {
      const body = { person: 'alice', start: '2026-03-28T15:00', end: '2026-03-28T17:00', reason: 'bob at a wedding' };
      const post = (token: string | undefined, b: unknown = body) => api.call('POST', '/api/v1/schedules/payments-primary/overrides', { token, body: b });
      const auditOf = async (): Promise<Json[]> => (await get('/api/v1/audit?kind=ScheduleOverride&limit=100')).json().items;
      let created: Json;

      it('may be made by the owning team and admins only', async () => {
        const refused: [string | undefined, number, string][] = [
          [undefined, 401, 'missing bearer token'],
          [api.tokens.viewer, 403, 'a viewer token cannot change configuration'],
          [api.tokens.ingest, 403, 'ingest token cannot change configuration'],
          [api.tokens.storefront, 403, 'Schedule/payments-primary is currently owned by payments, not storefront'],
        ];
        for (const [token, status, message] of refused) {
          const res = await post(token);
          expect({ status: res.statusCode, message: res.json().error.message }).toMatchObject({ status, message: expect.stringContaining(message) });
        }
        expect(await auditOf()).toEqual([]);

        const res = await post(api.tokens.payments);
        expect(res.statusCode, res.body).toBe(201);
        created = res.json();
        // Wall-clock times in the schedule's zone: 15:00-17:00 CET.
        expect(created).toMatchObject({ origin: 'api', schedule: 'payments-primary', person: 'alice', start: '2026-03-28T14:00:00.000Z', end: '2026-03-28T16:00:00.000Z', reason: 'bob at a wedding', createdBy: expect.stringContaining('payments-member') });
        const byAdmin = await post(api.tokens.admin, { person: 'chen', start: '2026-04-01T08:00:00Z', end: '2026-04-01T09:00:00Z', reason: 'handover' });
        expect(byAdmin.statusCode).toBe(201);

        const audit = await auditOf();
        expect(audit.map((e) => [e.action, e.name, e.actor.replace(/^token:\w+ /, '')])).toEqual([
          ['create', `payments-primary/${byAdmin.json().id}`, '(admin)'],
          ['create', `payments-primary/${created.id}`, '(payments-member)'],
        ]);
        const { origin: _, ...stored } = created;
        expect(audit[1]).toMatchObject({ kind: 'ScheduleOverride', before: null, after: stored });
      });

      it('sit on top of the layers and the spec, and show where they came from', async () => {
        const items = brief(await shifts('2026-03-28T09:00:00Z', '2026-03-28T20:00:00Z'));
        expect(items).toEqual([
          'chen 2026-03-28T09:00:00.000Z–2026-03-28T11:00:00.000Z config:0',
          'bob 2026-03-28T11:00:00.000Z–2026-03-28T14:00:00.000Z weekly',
          `alice 2026-03-28T14:00:00.000Z–2026-03-28T16:00:00.000Z api:${created.id}`,
          'bob 2026-03-28T16:00:00.000Z–2026-03-28T20:00:00.000Z weekly',
        ]);
        const who = (await get('/api/v1/oncall?schedule=payments-primary&at=2026-03-28T15:00:00Z')).json().items[0];
        expect(who).toMatchObject({ person: 'alice', source: { type: 'override', origin: 'api', id: created.id, reason: 'bob at a wedding' } });
        const listed = (await get('/api/v1/schedules/payments-primary/overrides')).json().items;
        expect(listed.map((o: Json) => `${o.origin}:${o.index ?? o.id} ${o.person}`)).toEqual(['config:0 chen', `api:${created.id} alice`, expect.stringMatching(/^api:\d+ chen$/)]);
      });

      it('are checked: the person exists, the times make sense, the override has not ended', async () => {
        const cases: [Json, number, string][] = [
          [{ ...body, person: 'zoe' }, 422, 'person "zoe" does not exist'],
          [{ ...body, end: '2026-03-28T14:00' }, 400, 'must be after start'],
          [{ ...body, start: '2026-03-20T09:00', end: '2026-03-21T09:00' }, 400, 'in the past'],
          [{ ...body, end: '2027-04-01T00:00' }, 400, 'at most 366 days'],
          [{ ...body, start: '2026-02-30T09:00' }, 400, 'ISO 8601 date-time'],
          [{ ...body, reason: '  ' }, 400, 'reason'],
          [{ ...body, colour: 'red' }, 400, 'colour'],
        ];
        for (const [b, status, message] of cases) {
          const res = await post(api.tokens.payments, b);
          expect({ status: res.statusCode, message: res.json().error.message }).toMatchObject({ status, message: expect.stringContaining(message) });
        }
        const nowhere = await api.call('POST', '/api/v1/schedules/nope/overrides', { token: api.tokens.admin, body });
        expect(nowhere.statusCode).toBe(404);
        expect(await auditOf()).toHaveLength(2);
      });

      it('may be removed by the owning team and admins only, while they have not ended, audited', async () => {
        const url = `/api/v1/schedules/payments-primary/overrides/${created.id}`;
        expect((await api.call('DELETE', url, { token: api.tokens.viewer })).statusCode).toBe(403);
        const other = await api.call('DELETE', url, { token: api.tokens.storefront });
        expect(other.statusCode).toBe(403);
        expect(other.json().error.message).toContain('owned by payments, not storefront');
        const res = await api.call('DELETE', url, { token: api.tokens.payments });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual(created);
        expect((await api.call('DELETE', url, { token: api.tokens.payments })).statusCode).toBe(404);
        expect((await api.call('DELETE', '/api/v1/schedules/payments-primary/overrides/999999', { token: api.tokens.admin })).statusCode).toBe(404);
        const audit = await auditOf();
        const { origin: _, ...stored } = created;
        expect(audit[0]).toMatchObject({ action: 'delete', name: `payments-primary/${created.id}`, before: stored, after: null, actor: expect.stringContaining('payments-member') });
        expect(brief(await shifts('2026-03-28T11:00:00Z', '2026-03-28T20:00:00Z'))).toEqual(['bob 2026-03-28T11:00:00.000Z–2026-03-28T20:00:00.000Z weekly']);

        // An override that has ended is history: it stays.
        const short = (await post(api.tokens.payments, { person: 'bob', start: '2026-03-25T10:00:00Z', end: '2026-03-25T11:00:00Z', reason: 'quick swap' })).json();
        now = at('2026-03-25T12:00:00Z');
        try {
          const ended = await api.call('DELETE', `/api/v1/schedules/payments-primary/overrides/${short.id}`, { token: api.tokens.admin });
          expect(ended.statusCode).toBe(409);
          expect((await get('/api/v1/schedules/payments-primary/overrides')).json().items.map((o: Json) => o.id)).not.toContain(short.id);
          expect((await get('/api/v1/schedules/payments-primary/overrides?all=true')).json().items.map((o: Json) => o.id)).toContain(short.id);
        } finally {
          now = at('2026-03-25T10:00:00Z');
        }
        expect((await auditOf()).map((e) => e.action)).toEqual(['create', 'delete', 'create', 'create']);
      });

      it('survive an apply of the schedule\'s YAML, which does not even plan a change for them', async () => {
        const kept = (await post(api.tokens.payments, { person: 'alice', start: '2026-03-29T10:00', end: '2026-03-29T12:00', reason: 'kept' })).json();
        const apply = (content: string, token = api.tokens.payments) => api.call('POST', '/api/v1/apply', { token, body: { files: [{ name: 'schedule.yaml', content }] } });
        const same = await apply(paymentsSchedule);
        expect(same.statusCode, same.body).toBe(200);
        expect(same.json().changes).toEqual([{ action: 'unchanged', kind: 'Schedule', name: 'payments-primary', fields: [] }]);
        const edited = await apply(paymentsSchedule.replace('displayName: Payments primary', 'displayName: Payments primary (Berlin)'));
        expect(edited.json().changes).toEqual([{ action: 'update', kind: 'Schedule', name: 'payments-primary', fields: [{ path: 'metadata.displayName', before: 'Payments primary', after: 'Payments primary (Berlin)' }] }]);
        const who = (await get('/api/v1/oncall?schedule=payments-primary&at=2026-03-29T09:00:00Z')).json().items[0];
        expect(who).toMatchObject({ person: 'alice', displayName: 'Payments primary (Berlin)', source: { origin: 'api', id: kept.id } });
      });

      it('are not inherited by a schedule deleted and created again under the same name', async () => {
        const all = baseCatalog + paymentsSchedule;
        const apply = (content: string, prune: boolean) => api.call('POST', `/api/v1/apply?prune=${prune}`, { token: api.tokens.admin, body: { files: [{ name: 'all.yaml', content }] } });
        const removed = await apply(baseCatalog, true);
        expect(removed.json().changes.filter((c: Json) => c.action === 'delete')).toEqual([expect.objectContaining({ kind: 'Schedule', name: 'payments-primary' })]);
        expect((await apply(all, false)).json().summary).toMatchObject({ create: 1 });
        expect((await get('/api/v1/schedules/payments-primary/overrides?all=true')).json().items.map((o: Json) => o.origin)).toEqual(['config']);
        const who = (await get('/api/v1/oncall?schedule=payments-primary&at=2026-03-29T09:00:00Z')).json().items[0];
        expect(who).toMatchObject({ person: 'bob', source: { type: 'layer', layer: 'weekly' } });
      });
    });

    it('lists the routes in the OpenAPI document', async () => {
      const doc = (await api.call('GET', '/api/docs/json')).json();
      for (const [path, method] of [
        ['/api/v1/oncall', 'get'],
        ['/api/v1/schedules/{name}/shifts', 'get'],
        ['/api/v1/schedules/{name}/overrides', 'get'],
        ['/api/v1/schedules/{name}/overrides', 'post'],
        ['/api/v1/schedules/{name}/overrides/{id}', 'delete'],
        ['/api/v1/schedules/{name}/feed-url', 'get'],
        ['/api/v1/people/{name}/feed-url', 'get'],
        ['/api/v1/schedules/{name}/feed.ics', 'get'],
        ['/api/v1/people/{name}/feed.ics', 'get'],
      ]) {
        expect(doc.paths[path!]?.[method!], `${method} ${path}`).toMatchObject({ tags: ['oncall'] });
      }
      expect(Object.keys(doc.paths['/api/v1/schedules/{name}/overrides'].post.requestBody.content['application/json'].schema.properties)).toEqual(['person', 'start', 'end', 'reason']);
      expect(doc.paths['/api/v1/oncall'].get.parameters.map((p: Json) => p.name)).toEqual(['schedule', 'at']);
      // Feeds are fetched without a bearer token.
      expect(doc.paths['/api/v1/schedules/{name}/feed.ics'].get.security).toEqual([]);
    });
  });
}
