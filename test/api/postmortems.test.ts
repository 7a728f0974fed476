// Postmortems through the API on both stores: the prefilled draft (impact from real ingested SLO data, recomputed here
// by hand; the incident's real timeline), the lifecycle and its refused moves, blame and missed-goal warnings, action
// items and their validation, permissions (owning team, responders through a role, admins edit; viewers read), audit,
// and the Markdown export against a committed golden file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, checkoutAvailabilitySlo, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';

type Json = Record<string, any>;
const MIN = 60_000;
// Monday 16 November 2026, 00:00 UTC.
const T0 = Date.parse('2026-11-16T00:00:00Z');
const iso = (t: number) => new Date(t).toISOString();

/** Token ids are random per run: the export names actors by token, so the golden file holds them masked. */
const masked = (text: string) => text.replace(/token:[0-9a-f]{4,}/g, 'token:XXXX');

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`postmortems API on ${backend}`, () => {
    let api: TestApi;
    let now = T0 + 6 * 60 * MIN;
    let incidentId = '';

    beforeAll(async () => {
      api = await startTestApi(backend, { catalog: baseCatalog + checkoutAvailabilitySlo, now: () => new Date(now), latenessMs: 10 * 24 * 60 * MIN });
      // Six hours of checkout traffic, 100 requests a minute. One minute at 01:00 has 10 errors (before the incident:
      // in the budget's basis, not in the incident). From 05:00 to 05:30, 20 errors a minute. 05:30 onwards is after
      // the incident's end and in neither.
      const items = [];
      for (let m = T0; m < T0 + 6 * 60 * MIN; m += MIN) {
        const bad = m === T0 + 60 * MIN ? 10 : m >= T0 + 300 * MIN && m < T0 + 330 * MIN ? 20 : 0;
        items.push({ series: 'checkout_requests', labels: { code: '200' }, ts: m, good: 100 - bad, total: 100 - bad });
        if (bad) items.push({ series: 'checkout_requests', labels: { code: '500' }, ts: m, good: 0, total: bad });
      }
      const res = await api.call('POST', '/api/v1/ingest', { token: api.tokens.admin, body: { items } });
      expect(res.statusCode, res.body).toBe(200);

      // Users felt it from 04:50 (back-dated); monitoring saw it at 05:10 (TTD 20 min > the 10 min goal).
      const declared = await api.call('POST', '/api/v1/incidents', {
        token: api.tokens.payments,
        body: { title: 'Checkout | 5xx after deploy', severity: 'SEV2', services: ['checkout'], impactStartAt: iso(T0 + 290 * MIN), detectedAt: iso(T0 + 310 * MIN), note: 'errors on checkout' },
      });
      expect(declared.statusCode, declared.body).toBe(201);
      incidentId = declared.json().id;
      const change = await api.call('PATCH', `/api/v1/incidents/${incidentId}`, {
        token: api.tokens.payments,
        body: { engagedAt: iso(T0 + 315 * MIN), mitigatedAt: iso(T0 + 330 * MIN), status: 'resolved' },
      });
      expect(change.statusCode, change.body).toBe(200);
    });
    afterAll(async () => {
      await api?.close();
    });

    const call = async (method: string, url: string, token: string, body?: unknown, status = 200): Promise<Json> => {
      const res = await api.call(method, url, { token, ...(body === undefined ? {} : { body }) });
      expect(res.statusCode, res.body).toBe(status);
      // Errors come in pave's shape, {"error": {code, message, details}}: hand back the inner object.
      return status >= 400 ? res.json().error : res.json();
    };
    const pmUrl = () => `/api/v1/incidents/${incidentId}/postmortem`;

    it('has no postmortem until one is started, then starts one prefilled (idempotently)', async () => {
      const missing = await call('GET', pmUrl(), api.tokens.viewer, undefined, 404);
      expect(missing.message).toContain(`pave postmortem start ${incidentId}`);
      now = T0 + 8 * 60 * MIN;
      const pm = await call('POST', pmUrl(), api.tokens.payments, undefined, 201);
      expect(pm.status).toBe('draft');
      expect(pm.requiredBecause).toEqual(['severity SEV2 (policy: SEV1, SEV2)']);
      // Resolved on Monday 16 November (UTC, the team has no zone): five business days → Monday 23.
      expect(pm.dueDate).toBe('2026-11-23');
      expect(pm.sections.summary).toContain('SEV2 incident "Checkout | 5xx after deploy" on checkout');
      const again = await call('POST', pmUrl(), api.tokens.admin, undefined, 200);
      expect(again.id).toBe(pm.id);
    });

    it("computes the impact with the SLO engine's budget arithmetic over the incident window", async () => {
      const pm = await call('GET', pmUrl(), api.tokens.viewer);
      expect(pm.impact).toHaveLength(1);
      const s = pm.impact[0];
      // Recomputed by hand from the counts ingested above. Incident window: impact start 04:50 → mitigated 05:30.
      const incidentEvents = 40 * 100;
      const incidentBad = 30 * 20;
      // The 30-day window at 05:30 holds every minute from 00:00 to 05:30: 330 minutes of 100 requests.
      const windowEvents = 330 * 100;
      const allowed = 0.001 * windowEvents; // 33 bad requests
      expect(s).toMatchObject({
        slo: 'checkout-availability',
        service: 'checkout',
        objectivePercent: '99.9',
        from: iso(T0 + 290 * MIN),
        to: iso(T0 + 330 * MIN),
        durationMinutes: 40,
        events: incidentEvents,
        badEvents: incidentBad,
        unit: 'events',
        bad: incidentBad,
      });
      expect(s.budgetTotal).toBeCloseTo(allowed, 9);
      expect(s.budgetConsumedFraction).toBe(600 / 33);
      // The engine agrees: its budget at 05:30 counts 610 bad events (the incident's plus the 10 at 01:00) against 33.
      const history = await call('GET', `/api/v1/slos/checkout-availability/history?from=${encodeURIComponent(iso(T0 + 330 * MIN))}&to=${encodeURIComponent(iso(T0 + 330 * MIN))}&step=1m`, api.tokens.viewer);
      expect(1 - history.points[0].remainingFraction).toBeCloseTo((incidentBad + 10) / allowed, 9);
    });

    it('carries the time metrics, the real timeline, and asks for a detection repair item for the missed TTD goal', async () => {
      const pm = await call('GET', pmUrl(), api.tokens.viewer);
      expect(pm.metrics).toEqual({ ttdMinutes: 20, tteMinutes: 5, ttfMinutes: 15, ttmMinutes: 40 });
      expect(pm.missedGoals).toEqual([{ metric: 'TTD', minutes: 20, goalMinutes: 10, tag: 'detection' }]);
      expect(pm.warnings.map((w: Json) => w.code)).toEqual(['repair_item_missing']);
      const kinds = pm.timeline.map((e: Json) => e.kind);
      expect(kinds).toContain('incident:declared');
      expect(pm.timeline.some((e: Json) => /errors on checkout/.test(e.text))).toBe(true);
    });

    it('warns about blame but saves the text', async () => {
      const pm = await call('PATCH', pmUrl(), api.tokens.payments, { rootCauses: 'Human error: Bob pushed a bad config', whatWentWell: 'Rollback was quick' });
      expect(pm.sections.rootCauses).toBe('Human error: Bob pushed a bad config');
      expect(pm.warnings.map((w: Json) => [w.code, w.field])).toEqual([
        ['blame_human_error', 'rootCauses'],
        ['blame_person', 'rootCauses'],
        ['repair_item_missing', 'metrics.TTD'],
      ]);
      const fixed = await call('PATCH', pmUrl(), api.tokens.payments, { rootCauses: 'A config push had no validation and no canary.' });
      expect(fixed.warnings.map((w: Json) => w.code)).toEqual(['repair_item_missing']);
    });

    it('refuses bad input naming the field', async () => {
      const empty = await call('PATCH', pmUrl(), api.tokens.payments, {}, 400);
      expect(JSON.stringify(empty)).toContain('name at least one section');
      const unknown = await call('PATCH', pmUrl(), api.tokens.payments, { rootCause: 'x' }, 400);
      expect(JSON.stringify(unknown)).toContain('rootCause');
      const items = `${pmUrl()}/action-items`;
      const tag = await call('POST', items, api.tokens.payments, { title: 'x', type: 'prevent', tag: 'detection', owner: 'alice' }, 400);
      expect(tag.details).toEqual([{ in: 'body', path: 'tag', message: 'only repair items carry a tag (detection, engagement, diagnosis)' }]);
      const owner = await call('POST', items, api.tokens.payments, { title: 'x', type: 'prevent', owner: 'zoe' }, 400);
      expect(owner.details).toEqual([{ in: 'body', path: 'owner', message: 'no Person or Team named zoe' }]);
      const date = await call('POST', items, api.tokens.payments, { title: 'x', type: 'prevent', owner: 'alice', dueDate: '2026-02-30' }, 400);
      expect(JSON.stringify(date)).toContain('dueDate');
      const service = await call('POST', items, api.tokens.payments, { title: 'x', type: 'prevent', owner: 'alice', service: 'web' }, 400);
      expect(service.details[0].path).toBe('service');
      const pm = await call('GET', pmUrl(), api.tokens.viewer);
      expect(pm.actionItems).toEqual([]);
    });

    it('tracks action items; a repair item tagged detection answers the missed goal', async () => {
      const items = `${pmUrl()}/action-items`;
      const repair = await call('POST', items, api.tokens.payments, { title: 'Alert on checkout 5xx | ratio', type: 'repair', tag: 'detection', owner: 'alice', dueDate: '2026-11-20', link: 'https://tracker.example.com/PAY-1' }, 201);
      expect(repair).toMatchObject({ type: 'repair', tag: 'detection', owner: 'alice', team: 'payments', service: 'checkout', status: 'open', closedAt: null });
      const prevent = await call('POST', items, api.tokens.payments, { title: 'Validate config before push', type: 'prevent', owner: 'payments', dueDate: '2026-11-30' }, 201);
      const pm = await call('GET', pmUrl(), api.tokens.viewer);
      expect(pm.warnings).toEqual([]);
      expect(pm.actionItems.map((a: Json) => a.id)).toEqual([repair.id, prevent.id]);
      now = T0 + 9 * 60 * MIN;
      const done = await call('PATCH', `/api/v1/action-items/${prevent.id}`, api.tokens.payments, { status: 'done' });
      expect(done.closedAt).toBe(iso(now));
      const reopened = await call('PATCH', `/api/v1/action-items/${prevent.id}`, api.tokens.payments, { status: 'in_progress' });
      expect(reopened.closedAt).toBeNull();
      // Friday's item is overdue from Saturday 00:00 UTC.
      now = Date.parse('2026-11-21T00:00:00Z');
      const overdue = await call('GET', '/api/v1/action-items?overdue=true', api.tokens.viewer);
      expect(overdue.items.map((i: Json) => i.id)).toEqual([repair.id]);
    });

    it('lets the owning team, responders and admins edit; viewers and other teams only read', async () => {
      const refused = await call('PATCH', pmUrl(), api.tokens.storefront, { lessons: 'x' }, 403);
      expect(refused.message).toContain('payments');
      await call('PATCH', pmUrl(), api.tokens.viewer, { lessons: 'x' }, 403);
      await call('POST', `${pmUrl()}/action-items`, api.tokens.storefront, { title: 'x', type: 'prevent', owner: 'chen' }, 403);
      const item = (await call('GET', pmUrl(), api.tokens.viewer)).actionItems[0];
      await call('PATCH', `/api/v1/action-items/${item.id}`, api.tokens.storefront, { status: 'done' }, 403);
      await call('GET', pmUrl(), api.tokens.viewer);
      // chen (storefront) takes a role: storefront now responds and may edit.
      await call('PUT', `/api/v1/incidents/${incidentId}/roles/communications`, api.tokens.payments, { person: 'chen' });
      await call('PATCH', pmUrl(), api.tokens.storefront, { whereWeGotLucky: 'It was a Monday morning.' });
      await call('PATCH', pmUrl(), api.tokens.admin, { lessons: 'Config is code: it gets the same checks.' });
      const after = await call('GET', pmUrl(), api.tokens.viewer);
      expect(after.sections.lessons).toBe('Config is code: it gets the same checks.');
      expect(after.sections.whereWeGotLucky).toBe('It was a Monday morning.');
    });

    it('moves draft → in review → published, refusing every other move, and freezes once published', async () => {
      const skip = await call('POST', `${pmUrl()}/status`, api.tokens.payments, { status: 'published' }, 409);
      expect(skip.message).toBe('a postmortem in draft can move to in_review, not to published');
      expect(skip.details).toEqual([{ in: 'body', path: 'status', message: skip.message }]);
      await call('POST', `${pmUrl()}/status`, api.tokens.payments, { status: 'bogus' }, 400);
      expect((await call('POST', `${pmUrl()}/status`, api.tokens.payments, { status: 'in_review' })).status).toBe('in_review');
      expect((await call('POST', `${pmUrl()}/status`, api.tokens.payments, { status: 'draft' })).status).toBe('draft');
      await call('POST', `${pmUrl()}/status`, api.tokens.payments, { status: 'in_review' });
      await call('POST', `${pmUrl()}/status`, api.tokens.viewer, { status: 'published' }, 403);
      const published = await call('POST', `${pmUrl()}/status`, api.tokens.payments, { status: 'published' });
      expect(published.status).toBe('published');
      expect(published.publishedAt).toBe(iso(now));
      expect(published.impact[0].budgetConsumedFraction).toBe(600 / 33);
      const edit = await call('PATCH', pmUrl(), api.tokens.payments, { lessons: 'late' }, 409);
      expect(edit.message).toBe('the postmortem is published: its text can no longer change');
      const back = await call('POST', `${pmUrl()}/status`, api.tokens.admin, { status: 'draft' }, 409);
      expect(back.message).toBe('the postmortem is published: it can no longer change status');
      // Data arriving later for the incident window does not change the published figures.
      await call('POST', '/api/v1/ingest', api.tokens.admin, { items: [{ series: 'checkout_requests', labels: { code: '500' }, ts: T0 + 320 * MIN, good: 0, total: 1000 }] });
      expect((await call('GET', pmUrl(), api.tokens.viewer)).impact[0].badEvents).toBe(600);
      const list = await call('GET', '/api/v1/postmortems?status=published', api.tokens.viewer);
      expect(list.items).toEqual([expect.objectContaining({ incidentId, status: 'published', overdue: false, title: 'Checkout | 5xx after deploy' })]);
    });

    it('audits every write', async () => {
      const audit = await call('GET', '/api/v1/audit?kind=Postmortem&limit=100', api.tokens.admin);
      const actions = audit.items.map((e: Json) => e.action).reverse();
      expect(actions[0]).toBe('create');
      expect(actions.filter((a: string) => a === 'status')).toHaveLength(4);
      expect(actions.filter((a: string) => a === 'edit').length).toBeGreaterThanOrEqual(4);
      const items = await call('GET', '/api/v1/audit?kind=ActionItem&limit=100', api.tokens.admin);
      expect(items.items.map((e: Json) => e.action).sort()).toEqual(['create', 'create', 'update', 'update']);
    });

    it('exports Markdown (golden file)', async () => {
      const res = await api.call('GET', `${pmUrl()}/markdown`, { token: api.tokens.viewer });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toContain('text/markdown');
      await expect(masked(res.body)).toMatchFileSnapshot('../golden/postmortem-export.md');
    });
  });
}
