// GET /api/v1/reports/oncall-load over a stored schedule and stored pages, on both stores: the same week the pure
// tests compute by hand (src/domain/oncall/load.test.ts), read through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';

const schedule = `
---
apiVersion: pave/v1
kind: Schedule
metadata: { name: payments-daily }
spec:
  owner: payments
  timezone: UTC
  layers:
    - { name: daily, participants: [alice, bob, chen], length: 1d, handoff: "00:00", start: 2026-03-02 }
`;

/** Pages as routing stores them: [created, title, team, acknowledged after (min), resolved after (min)]. */
const pages: [string, string, string, number | null, number | null][] = [
  ['2026-03-02T23:30:00Z', 'checkout 5xx', 'payments', 4, 60], // alice (Monday)
  ['2026-03-03T12:00:00Z', 'search latency', 'payments', 10, 30], // bob (Tuesday)
  ['2026-03-04T08:00:00Z', 'checkout 5xx', 'payments', null, null], // chen (Wednesday)
  ['2026-03-04T09:00:00Z', 'web down', 'storefront', 1, 2], // another team's page: not counted
];

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`on-call load report on ${backend}`, () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi(backend, { catalog: baseCatalog + schedule, now: () => new Date('2026-03-09T00:00:00Z') });
      for (const [created, title, team, ack, resolve] of pages) {
        const at = Date.parse(created);
        await api.store.db
          .insertInto('pages')
          .values({
            scope: 'test',
            group_key: `${title}:${created}`,
            group_labels: JSON.stringify({ alertname: title }),
            title,
            status: resolve === null ? (ack === null ? 'triggered' : 'acknowledged') : 'resolved',
            team,
            service: null,
            escalation_policy: null,
            unrouted: false,
            route_reason: 'test',
            created_at: new Date(at),
            acknowledged_at: ack === null ? null : new Date(at + ack * 60_000),
            resolved_at: resolve === null ? null : new Date(at + resolve * 60_000),
          } as never)
          .execute();
      }
    });
    afterAll(async () => api?.close());

    it('reports pages per person and shift, night pages in their zone, times, noisiest alerts and warnings', async () => {
      const res = await api.call('GET', '/api/v1/reports/oncall-load?schedule=payments-daily&from=2026-03-02T00:00:00Z&to=2026-03-09T00:00:00Z', { token: api.tokens.viewer });
      expect(res.statusCode, res.body).toBe(200);
      const r = res.json();
      expect(r).toMatchObject({ schedule: 'payments-daily', team: 'payments', from: '2026-03-02T00:00:00.000Z', to: '2026-03-09T00:00:00.000Z', pages: 3, unattended: 0, coverage: 1 });
      // Alice's page at 23:30Z is 00:30 in Paris: a night page. Bob's at 12:00Z is 07:00 in New York: not night.
      expect(r.people.map((p: { person: string; pages: number; nightPages: number; onCallHours: number }) => [p.person, p.pages, p.nightPages, p.onCallHours])).toEqual([
        ['alice', 1, 1, 72],
        ['bob', 1, 0, 48],
        ['chen', 1, 0, 48],
      ]);
      expect(r.people[0].timeToAcknowledge).toEqual({ count: 1, medianMinutes: 4, p90Minutes: 4, maxMinutes: 4 });
      expect(r.shifts[0]).toMatchObject({ person: 'alice', start: '2026-03-02T00:00:00.000Z', end: '2026-03-03T00:00:00.000Z', pages: 1, nightPages: 1 });
      expect(r.noisiest).toEqual([
        { title: 'checkout 5xx', pages: 2 },
        { title: 'search latency', pages: 1 },
      ]);
      expect(r.warnings[0]).toMatch(/^a 24\/7 rotation needs at least 8 people/);
    });

    it('refuses bad ranges and unknown schedules, and needs a token', async () => {
      const long = await api.call('GET', '/api/v1/reports/oncall-load?schedule=payments-daily&from=2025-01-01T00:00:00Z&to=2026-03-09T00:00:00Z', { token: api.tokens.viewer });
      expect(long.statusCode).toBe(400);
      expect(long.json().error.message).toMatch(/at most 366 days; this range is 432/);
      const backwards = await api.call('GET', '/api/v1/reports/oncall-load?schedule=payments-daily&from=2026-03-09T00:00:00Z&to=2026-03-02T00:00:00Z', { token: api.tokens.viewer });
      expect(backwards.statusCode).toBe(400);
      expect((await api.call('GET', '/api/v1/reports/oncall-load?schedule=nope', { token: api.tokens.viewer })).statusCode).toBe(404);
      expect((await api.call('GET', '/api/v1/reports/oncall-load?schedule=payments-daily')).statusCode).toBe(401);
    });
  });
}
