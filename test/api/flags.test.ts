// Flags through the API on both stores: apply, runtime changes of the kill switch and rollout percentage by the owning
// team only (audited, change events, kept across applies), OFREP evaluation (single, bulk with ETag/304, error codes
// in OFREP's shape beside pave's), and the stale-flag report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolloutBucket } from '../../src/domain/flags/bucketing.js';
import { listChanges } from '../../src/store/changes.js';
import { FlagCatalog, setFlagRollout } from '../../src/store/flags.js';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';

type Json = Record<string, any>;
const DAY = 86_400_000;

export const flagCatalog = `
---
apiVersion: pave/v1
kind: Flag
metadata: { name: new-checkout }
spec:
  owner: payments
  services: [checkout]
  rules:
    - name: staff
      when: [ { attribute: email, operator: ends_with, values: ["@example.com"] } ]
      variant: on
  rollout: { percentage: 10 }
---
apiVersion: pave/v1
kind: Flag
metadata: { name: button-color }
spec:
  owner: storefront
  purpose: experiment
  expectedLifetime: 10d
  variants: { blue: "#0000ff", green: "#00ff00" }
  defaultVariant: blue
  rules:
    - name: new-app
      when: [ { attribute: appVersion, operator: semver_gte, value: 3.0.0 } ]
      split: [ { variant: blue, weight: 500 }, { variant: green, weight: 500 } ]
---
apiVersion: pave/v1
kind: Flag
metadata: { name: emergency-brake }
spec:
  owner: payments
  purpose: kill-switch
`;

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`flags API on ${backend}`, () => {
    let api: TestApi;
    let now = Date.now();
    beforeAll(async () => {
      api = await startTestApi(backend, { catalog: baseCatalog + flagCatalog, now: () => new Date(now) });
    });
    afterAll(async () => {
      await api?.close();
    });

    const evaluate = (key: string, context: unknown, token = api.tokens.viewer) => api.call('POST', `/ofrep/v1/evaluate/flags/${key}`, { token, body: { context } });
    const setState = (name: string, body: unknown, token = api.tokens.payments) => api.call('POST', `/api/v1/flags/${name}/state`, { token, body });

    it('lists flags with their runtime state and what is in force', async () => {
      const res = await api.call('GET', '/api/v1/flags?owner=payments', { token: api.tokens.viewer });
      expect(res.statusCode, res.body).toBe(200);
      const items: Json[] = res.json().items;
      expect(items.map((f) => f.metadata.name).sort()).toEqual(['emergency-brake', 'new-checkout']);
      const one = (await api.call('GET', '/api/v1/flags/new-checkout', { token: api.tokens.viewer })).json();
      expect(one).toMatchObject({ kind: 'Flag', runtime: null, effective: { enabled: true, percentage: 10 } });
    });

    it('evaluates over OFREP: targeting, sticky rollout, variants; unknown flags and bad contexts answer OFREP error codes', async () => {
      expect((await evaluate('new-checkout', { targetingKey: 'u-1', email: 'dev@example.com' })).json()).toEqual({
        key: 'new-checkout',
        value: true,
        variant: 'on',
        reason: 'TARGETING_MATCH',
        metadata: { owner: 'payments', purpose: 'release', rule: 'staff' },
      });
      for (let i = 0; i < 40; i++) {
        const id = `user-${i}`;
        const r = (await evaluate('new-checkout', { targetingKey: id })).json();
        expect(r.value, id).toBe(rolloutBucket(id, 'new-checkout') <= 10);
        expect(r.reason).toBe(r.value ? 'SPLIT' : 'DEFAULT');
      }
      const split = (await evaluate('button-color', { targetingKey: 'u-7', appVersion: '3.1.0' })).json();
      expect(split).toMatchObject({ reason: 'SPLIT', metadata: { rule: 'new-app' } });
      expect(split.value).toBe(split.variant === 'blue' ? '#0000ff' : '#00ff00');
      expect((await evaluate('button-color', { targetingKey: 'u-7', appVersion: '2.9.9' })).json()).toMatchObject({ value: '#0000ff', reason: 'DEFAULT' });

      // OpenFeature's providers send a charset parameter.
      const charset = await api.call('POST', '/ofrep/v1/evaluate/flags/new-checkout', { token: api.tokens.viewer, headers: { 'content-type': 'application/json; charset=utf-8' }, payload: '{"context":{"targetingKey":"u-1","email":"a@example.com"}}' });
      expect(charset.statusCode, charset.body).toBe(200);
      expect(charset.json()).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
      const utf16 = await api.call('POST', '/ofrep/v1/evaluate/flags/new-checkout', { token: api.tokens.viewer, headers: { 'content-type': 'application/json; charset=utf-16' }, payload: '{}' });
      expect(utf16.statusCode).toBe(415);
      expect(utf16.json()).toMatchObject({ errorCode: 'PARSE_ERROR', error: { code: 'unsupported_media_type' } });
      const missing = await evaluate('no-such-flag', { targetingKey: 'u' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ key: 'no-such-flag', errorCode: 'FLAG_NOT_FOUND', error: { code: 'not_found' } });
      const noKey = await evaluate('new-checkout', { email: 'x@y.z' });
      expect(noKey.statusCode).toBe(400);
      expect(noKey.json()).toMatchObject({ key: 'new-checkout', errorCode: 'TARGETING_KEY_MISSING' });
      const badCtx = await evaluate('new-checkout', ['not', 'an', 'object']);
      expect(badCtx.statusCode).toBe(400);
      expect(badCtx.json()).toMatchObject({ key: 'new-checkout', errorCode: 'INVALID_CONTEXT' });
      const badKey = await evaluate('new-checkout', { targetingKey: 12 });
      expect(badKey.json()).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
      const badJson = await api.call('POST', '/ofrep/v1/evaluate/flags/new-checkout', { token: api.tokens.viewer, headers: { 'content-type': 'application/json' }, payload: '{"context": ' });
      expect(badJson.statusCode).toBe(400);
      expect(badJson.json()).toMatchObject({ key: 'new-checkout', errorCode: 'PARSE_ERROR', error: { code: 'invalid_json' } });
      expect((await api.call('POST', '/ofrep/v1/evaluate/flags/new-checkout', { body: {} })).statusCode).toBe(401);
      expect((await evaluate('new-checkout', {}, api.tokens.ingest)).statusCode).toBe(403);
    });

    it('evaluates every flag in bulk with an ETag; If-None-Match answers 304 until the answer changes', async () => {
      const bulk = (etag?: string, context: Json = { targetingKey: 'u-3', appVersion: '3.0.0' }) =>
        api.call('POST', '/ofrep/v1/evaluate/flags', { token: api.tokens.viewer, body: { context }, headers: etag ? { 'if-none-match': etag } : {} });
      const first = await bulk();
      expect(first.statusCode).toBe(200);
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const flags: Json[] = first.json().flags;
      expect(flags.map((f) => f.key)).toEqual(['button-color', 'emergency-brake', 'new-checkout']);
      expect(flags.find((f) => f.key === 'emergency-brake')).toMatchObject({ value: false, variant: 'off', reason: 'STATIC' });
      expect((await bulk(etag)).statusCode).toBe(304);
      expect((await bulk(`"other", ${etag}`)).statusCode).toBe(304);
      // Another context has another answer.
      expect((await bulk(etag, { targetingKey: 'u-4', email: 'a@example.com' })).statusCode).toBe(200);
      // A runtime change moves the answer: 200 with a new tag.
      expect((await setState('emergency-brake', { enabled: false })).statusCode).toBe(200);
      const after = await bulk(etag);
      expect(after.statusCode).toBe(200);
      expect(after.headers.etag).not.toBe(etag);
      expect(after.json().flags.find((f: Json) => f.key === 'emergency-brake')).toMatchObject({ reason: 'DISABLED', value: false });
      // A per-flag failure sits in the list; the others still evaluate.
      const noKey = (await bulk(undefined, {})).json().flags as Json[];
      expect(noKey.find((f) => f.key === 'new-checkout')).toMatchObject({ errorCode: 'TARGETING_KEY_MISSING' });
      expect(noKey.find((f) => f.key === 'button-color')).toMatchObject({ value: '#0000ff' });
      // Not an evaluation request: refused, never answered as one for an empty context.
      for (const body of [{}, null, { contxt: {} }, []]) {
        const res = await api.call('POST', '/ofrep/v1/evaluate/flags', { token: api.tokens.viewer, body });
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.json().errorCode).toMatch(/^(PARSE_ERROR|INVALID_CONTEXT)$/);
      }
      expect((await api.call('POST', '/ofrep/v1/evaluate/flags', { token: api.tokens.viewer })).statusCode).toBe(400);
      const bad = await api.call('POST', '/ofrep/v1/evaluate/flags', { token: api.tokens.viewer, body: { context: 'x' } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
      await api.call('DELETE', '/api/v1/flags/emergency-brake/state', { token: api.tokens.payments, body: {} });
    });

    it('lets only the owning team (or an admin) change a flag at runtime, audited and recorded as change events, kept across applies', async () => {
      expect((await setState('new-checkout', { percentage: 50 }, api.tokens.storefront)).statusCode).toBe(403);
      expect((await setState('new-checkout', { percentage: 50 }, api.tokens.viewer)).statusCode).toBe(403);
      expect((await setState('button-color', { enabled: false })).statusCode).toBe(403);
      expect((await setState('no-such-flag', { enabled: false })).statusCode).toBe(404);
      const noRollout = await setState('emergency-brake', { percentage: 5 });
      expect(noRollout.statusCode).toBe(409);
      expect(noRollout.json().error.code).toBe('no_rollout');
      const bad = await setState('new-checkout', { percentage: 101 });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details[0]).toMatchObject({ path: 'percentage' });
      expect((await setState('new-checkout', {})).statusCode).toBe(400);

      const before = (await evaluate('new-checkout', { targetingKey: 'user-1' })).json().value;
      const res = await setState('new-checkout', { percentage: 100, reason: 'going wide' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ changed: true, before: { enabled: true, percentage: 10 }, after: { enabled: true, percentage: 100 } });
      // Visible to the very next evaluation.
      expect((await evaluate('new-checkout', { targetingKey: 'user-1' })).json()).toMatchObject({ value: true, reason: 'SPLIT' });
      expect(before).toBe(rolloutBucket('user-1', 'new-checkout') <= 10);

      const audit = await api.call('GET', '/api/v1/audit?kind=FlagState&name=new-checkout', { token: api.tokens.admin });
      expect(audit.json().items[0]).toMatchObject({
        actor: expect.stringContaining('payments-member'),
        action: 'update',
        before: { state: null, effective: { percentage: 10 } },
        after: { effective: { enabled: true, percentage: 100 }, reason: 'going wide' },
      });
      const changes = await listChanges(api.store.db, { kinds: ['flag'], services: ['checkout'] });
      expect(changes[0]).toMatchObject({ kind: 'flag', service: 'checkout', team: 'payments', summary: 'flag new-checkout: on, rollout 10% → on, rollout 100% — going wide', labels: { flag: 'new-checkout' } });

      // An apply of the same flag (changed elsewhere) keeps the runtime percentage, and is itself a change event.
      // A dry run changes nothing and records nothing; the apply records its change event in its own transaction.
      const eventsBefore = (await listChanges(api.store.db, { kinds: ['flag'] })).length;
      const planned = await api.call('POST', '/api/v1/apply?dryRun=true', {
        token: api.tokens.payments,
        headers: { 'content-type': 'application/yaml' },
        payload: flagCatalog.split('---').slice(0, 2).join('---').replace('percentage: 10', 'percentage: 20'),
      });
      expect(planned.json()).toMatchObject({ outcome: 'planned' });
      expect((await listChanges(api.store.db, { kinds: ['flag'] })).length).toBe(eventsBefore);
      const applied = await api.call('POST', '/api/v1/apply', {
        token: api.tokens.payments,
        headers: { 'content-type': 'application/yaml' },
        payload: flagCatalog.split('---').slice(0, 2).join('---').replace('percentage: 10', 'percentage: 20'),
      });
      expect(applied.statusCode, applied.body).toBe(200);
      const got = (await api.call('GET', '/api/v1/flags/new-checkout', { token: api.tokens.viewer })).json();
      expect(got).toMatchObject({ spec: { rollout: { percentage: 20 } }, runtime: { percentage: 100 }, effective: { percentage: 100 } });
      const applyEvent = (await listChanges(api.store.db, { kinds: ['flag'] }))[0]!;
      expect(applyEvent).toMatchObject({ service: 'checkout', summary: 'flag new-checkout changed (spec.rollout.percentage) by apply', author: expect.stringContaining('payments-member') });

      // Reset: the file decides again (20%).
      const reset = await api.call('DELETE', '/api/v1/flags/new-checkout/state', { token: api.tokens.admin, body: {} });
      expect(reset.statusCode, reset.body).toBe(200);
      expect(reset.json()).toMatchObject({ after: { percentage: 20 } });
      const id = Array.from({ length: 500 }, (_, i) => `p-${i}`).find((x) => rolloutBucket(x, 'new-checkout') > 20)!;
      expect((await evaluate('new-checkout', { targetingKey: id })).json()).toMatchObject({ value: false, reason: 'DEFAULT' });
      // The kill switch.
      expect((await setState('new-checkout', { enabled: false })).json()).toMatchObject({ after: { enabled: false, percentage: 20 } });
      expect((await evaluate('new-checkout', { targetingKey: 'u', email: 'dev@example.com' })).json()).toMatchObject({ value: false, reason: 'DISABLED' });
      expect((await api.call('GET', '/api/v1/audit?kind=FlagState&name=new-checkout', { token: api.tokens.admin })).json().items.map((e: Json) => e.action)).toEqual(['update', 'reset', 'update']);
    });

    it('serves compiled flags from memory, and sees a change made outside this server (another replica, the rollout engine) within maxAgeMs', async () => {
      let t = 0;
      const catalog = new FlagCatalog(api.store.db, { maxAgeMs: 1000, now: () => t });
      const first = await catalog.current();
      expect(await catalog.current()).toBe(first);
      const id = Array.from({ length: 500 }, (_, i) => `r-${i}`).find((x) => rolloutBucket(x, 'new-checkout') > 20)!;
      expect(first.flags.get('new-checkout')!.evaluate({ targetingKey: id }, 0)).toMatchObject({ value: false });
      await setFlagRollout(api.store.db, 'new-checkout', { percentage: 100, enabled: true }, 'pave:rollouts');
      t = 999;
      expect(await catalog.current()).toBe(first);
      // Past maxAgeMs the request still answers from the snapshot it has and checks the store in the background.
      t = 1000;
      expect(await catalog.current()).toBe(first);
      const next = await catalog.fresh();
      expect(next.version).not.toBe(first.version);
      expect(await catalog.current()).toBe(next);
      expect(next.flags.get('new-checkout')!.evaluate({ targetingKey: id }, 0)).toMatchObject({ value: true, reason: 'SPLIT' });
      // Nothing changed: the same snapshot, not a recompilation.
      t = 5000;
      await catalog.current();
      expect(await catalog.fresh()).toBe(next);
      // A write through this server (invalidate) is waited for by the next request, whatever maxAgeMs says.
      await setFlagRollout(api.store.db, 'new-checkout', { enabled: false }, 'pave:rollouts');
      catalog.invalidate();
      await expect(catalog.current().then((s) => s.flags.get('new-checkout')!.evaluate({ targetingKey: id }, 0))).resolves.toMatchObject({ reason: 'DISABLED' });
      await catalog.fresh();
      // Back to the state the previous test left: the file's percentage, the kill switch off.
      await setFlagRollout(api.store.db, 'new-checkout', { reset: true }, 'pave:rollouts');
      await setFlagRollout(api.store.db, 'new-checkout', { enabled: false }, 'pave:rollouts');
    });

    it('evaluates a flag added by an apply at once, and stops evaluating one an apply deleted', async () => {
      // The catalog is held in memory: the apply itself must make the server see the change, not its age.
      expect((await evaluate('emergency-brake', { targetingKey: 'u' })).statusCode).toBe(200);
      const flag = `apiVersion: pave/v1\nkind: Flag\nmetadata: { name: dark-mode }\nspec: { owner: payments }\n`;
      const added = await api.call('POST', '/api/v1/apply', { token: api.tokens.payments, headers: { 'content-type': 'application/yaml' }, payload: flag });
      expect(added.statusCode, added.body).toBe(200);
      // Known at once (a boolean flag without rules or rollout serves its default, off).
      expect((await evaluate('dark-mode', { targetingKey: 'u' })).json()).toMatchObject({ key: 'dark-mode', value: false, reason: 'STATIC' });
      // Deleted as every kind is: an apply with prune of the files without it.
      const pruned = await api.call('POST', '/api/v1/apply?prune=true', { token: api.tokens.admin, headers: { 'content-type': 'application/yaml' }, payload: baseCatalog + flagCatalog });
      expect(pruned.statusCode, pruned.body).toBe(200);
      expect(pruned.json().changes.filter((c: Json) => c.action === 'delete').map((c: Json) => `${c.kind}/${c.name}`)).toEqual(['Flag/dark-mode']);
      expect((await evaluate('dark-mode', { targetingKey: 'u' })).json()).toMatchObject({ key: 'dark-mode', errorCode: 'FLAG_NOT_FOUND' });
    });

    it('reports flags past their expected lifetime, most overdue first', async () => {
      now = Date.now() + 45 * DAY;
      const res = await api.call('GET', '/api/v1/reports/stale-flags', { token: api.tokens.viewer });
      expect(res.statusCode, res.body).toBe(200);
      const items: Json[] = res.json().items;
      // button-color (10 days) is 35 days overdue, new-checkout (release, 40 days) 5; the kill switch never goes stale.
      expect(items.map((i) => [i.name, i.overdueDays, i.lifetimeDays])).toEqual([
        ['button-color', 35, 10],
        ['new-checkout', 5, 40],
      ]);
      expect(items[1]).toMatchObject({ owner: 'payments', purpose: 'release', enabled: false, hint: expect.stringContaining('off (kill switch)') });
      const mine = await api.call('GET', '/api/v1/reports/stale-flags?team=storefront', { token: api.tokens.viewer });
      expect(mine.json().items.map((i: Json) => i.name)).toEqual(['button-color']);
      now = Date.now();
    });
  });
}
