// The web UI's server side without a browser: cookie sign-in and its CSRF rule, the live version stamp with ETags,
// the per-minute SLI series (exact counts, bucketed, clamped like the engine), and the UI's routes never shadowing
// the API. On PGlite and PostgreSQL.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { registerErrorHandling } from '../../src/api/errors.js';
import { registerWebUi } from '../../src/api/web-ui.js';
import { baseCatalog, checkoutAvailabilitySlo, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';

const MIN = 60_000;
const start = Date.parse('2026-05-01T00:00:00Z');
const catalog =
  baseCatalog +
  checkoutAvailabilitySlo +
  `---
apiVersion: pave/v1
kind: SLO
metadata: { name: payments-api-availability }
spec:
  service: payments-api
  indicator: { ratio: { bad: { series: payments_requests, match: { code: 5xx } }, total: { series: payments_requests } } }
  objective: 99.95
  window: { rolling: 30d }
`;

const cookieOf = (setCookie: string | string[] | undefined): string => {
  const c = [setCookie ?? []].flat()[0] ?? '';
  return c.split(';')[0]!;
};

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`web UI API on ${backend}`, () => {
    let api: TestApi;
    const now = start + 3 * 60 * MIN + 30_000;
    beforeAll(async () => {
      api = await startTestApi(backend, { catalog, now: () => new Date(now), latenessMs: 10 * 24 * 60 * MIN });
      // Three hours of checkout traffic: 100 a minute; minute i (0-based) has i % 7 failures (code 503).
      // payments_requests: 50 a minute, 1 failure every 10th minute.
      const items = [];
      for (let i = 0; i < 180; i++) {
        const m = start + i * MIN;
        const bad = i % 7;
        items.push({ series: 'checkout_requests', labels: { code: '200' }, ts: m + 1000, good: 100 - bad, total: 100 - bad });
        if (bad) items.push({ series: 'checkout_requests', labels: { code: '503' }, ts: m + 2000, good: 0, total: bad });
        items.push({ series: 'payments_requests', labels: { code: '200' }, ts: m, good: 50 - (i % 10 === 0 ? 1 : 0), total: 50 - (i % 10 === 0 ? 1 : 0) });
        if (i % 10 === 0) items.push({ series: 'payments_requests', labels: { code: '500' }, ts: m, good: 0, total: 1 });
      }
      const res = await api.call('POST', '/api/v1/ingest', { token: api.tokens.admin, body: { items } });
      expect(res.statusCode, res.body).toBe(200);
    });
    afterAll(async () => {
      await api?.close();
    });

    it('signs in with a token into an HttpOnly, SameSite=Strict cookie that then authenticates reads', async () => {
      const res = await api.call('POST', '/api/v1/session', { body: { token: api.tokens.payments }, headers: { 'x-pave-request': '1' } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ role: 'member', team: 'payments' });
      const set = String(res.headers['set-cookie']);
      // A session's secret, not the token: a copied cookie is worth one session, not the token's whole life.
      expect(set).toMatch(/^pave_session=pave_session_[A-Za-z0-9_-]{43};/);
      expect(set).not.toContain(api.tokens.payments);
      expect(set).toContain('HttpOnly');
      expect(set).toContain('SameSite=Strict');
      expect(set).toContain('Path=/');
      expect(set).toContain('Max-Age=43200');
      expect(set).not.toContain('Secure'); // plain http in tests
      expect(res.headers['cache-control']).toBe('no-store');
      const cookie = cookieOf(res.headers['set-cookie']);
      const who = await api.call('GET', '/api/v1/session', { headers: { cookie } });
      expect(who.statusCode).toBe(200);
      expect(who.json()).toEqual({ actor: expect.stringContaining('payments-member'), role: 'member', team: 'payments' });
      expect((await api.call('GET', '/api/v1/services', { headers: { cookie } })).statusCode).toBe(200);
      // Without the cookie (and without a token), nobody.
      expect((await api.call('GET', '/api/v1/session')).statusCode).toBe(401);
    });

    it('refuses bad sign-ins with a clear error and sets no cookie', async () => {
      const bad = await api.call('POST', '/api/v1/session', { body: { token: 'pave_aaaaaaaaaa_' + 'A'.repeat(43) }, headers: { 'x-pave-request': '1' } });
      expect(bad.statusCode).toBe(401);
      expect(bad.json().error.message).toMatch(/not valid, has expired or was revoked/);
      expect(bad.headers['set-cookie']).toBeUndefined();
      const empty = await api.call('POST', '/api/v1/session', { body: { token: '' }, headers: { 'x-pave-request': '1' } });
      expect(empty.statusCode).toBe(400);
      expect(empty.json().error.details[0]).toMatchObject({ in: 'body', path: 'token' });
      const extra = await api.call('POST', '/api/v1/session', { body: { token: api.tokens.admin, remember: true }, headers: { 'x-pave-request': '1' } });
      expect(extra.statusCode).toBe(400);
      // A cross-site form cannot add the header: login CSRF is refused even with a valid token.
      const noHeader = await api.call('POST', '/api/v1/session', { body: { token: api.tokens.admin } });
      expect(noHeader.statusCode).toBe(403);
      expect(noHeader.json().error.message).toContain('X-Pave-Request: 1');
      expect(noHeader.headers['set-cookie']).toBeUndefined();
    });

    it('requires X-Pave-Request on cookie-authenticated writes (CSRF), not on bearer ones, and not on reads', async () => {
      const signIn = await api.call('POST', '/api/v1/session', { body: { token: api.tokens.admin }, headers: { 'x-pave-request': '1' } });
      const cookie = cookieOf(signIn.headers['set-cookie']);
      const forged = await api.call('POST', '/api/v1/slos/evaluate', { headers: { cookie } });
      expect(forged.statusCode).toBe(403);
      expect(forged.json().error.code).toBe('forbidden');
      const wrongValue = await api.call('POST', '/api/v1/slos/evaluate', { headers: { cookie, 'x-pave-request': 'yes' } });
      expect(wrongValue.statusCode).toBe(403);
      const fromUi = await api.call('POST', '/api/v1/slos/evaluate', { headers: { cookie, 'x-pave-request': '1' } });
      expect(fromUi.statusCode, fromUi.body).toBe(200);
      expect((await api.call('POST', '/api/v1/slos/evaluate', { token: api.tokens.admin })).statusCode).toBe(200);
      // The audit log names the token behind the cookie as the actor.
      const apply = await api.call('POST', '/api/v1/apply', {
        headers: { cookie, 'x-pave-request': '1' },
        body: { files: [{ name: 'x.yaml', content: 'apiVersion: pave/v1\nkind: Person\nmetadata: { name: dana }\nspec: { displayName: Dana, timezone: UTC }\n' }] },
      });
      expect(apply.statusCode, apply.body).toBe(200);
      const audit = await api.call('GET', '/api/v1/audit?kind=Person&name=dana', { token: api.tokens.admin });
      expect(audit.json().items[0].actor).toMatch(/^token:[a-z0-9]{10} \(admin\)$/);
      // A header always wins over the cookie: a viewer's bearer with an admin's cookie is a viewer.
      const viewer = await api.call('POST', '/api/v1/slos/evaluate', { token: api.tokens.viewer, headers: { cookie, 'x-pave-request': '1' } });
      expect(viewer.statusCode).toBe(403);
    });

    it('a cookie whose token was revoked stops working; signing out clears the cookie', async () => {
      const made = await api.call('POST', '/api/v1/tokens', { token: api.tokens.admin, body: { name: 'short-lived', role: 'viewer' } });
      expect(made.statusCode, made.body).toBe(201);
      const { token, id } = made.json() as { token: string; id: string };
      const cookie = cookieOf((await api.call('POST', '/api/v1/session', { body: { token }, headers: { 'x-pave-request': '1' } })).headers['set-cookie']);
      expect((await api.call('GET', '/api/v1/services', { headers: { cookie } })).statusCode).toBe(200);
      expect((await api.call('DELETE', `/api/v1/tokens/${id}`, { token: api.tokens.admin })).statusCode).toBe(200);
      const after = await api.call('GET', '/api/v1/services', { headers: { cookie } });
      expect(after.statusCode).toBe(401);
      expect(after.json().error.message).toMatch(/sign in again/);
      const out = await api.call('DELETE', '/api/v1/session', { headers: { cookie, 'x-pave-request': '1' } });
      expect(out.statusCode).toBe(204);
      expect(String(out.headers['set-cookie'])).toMatch(/^pave_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/);
      expect((await api.call('DELETE', '/api/v1/session')).statusCode).toBe(403);
    });

    it('signing out ends the session on the server: the same cookie, replayed, is refused; other sessions go on', async () => {
      const signIn = () => api.call('POST', '/api/v1/session', { body: { token: api.tokens.viewer }, headers: { 'x-pave-request': '1' } }).then((r) => cookieOf(r.headers['set-cookie']));
      const laptop = await signIn();
      const phone = await signIn();
      expect(laptop).not.toBe(phone);
      expect((await api.call('GET', '/api/v1/services', { headers: { cookie: laptop } })).statusCode).toBe(200);
      expect((await api.call('DELETE', '/api/v1/session', { headers: { cookie: laptop, 'x-pave-request': '1' } })).statusCode).toBe(204);
      const replayed = await api.call('GET', '/api/v1/services', { headers: { cookie: laptop } });
      expect(replayed.statusCode).toBe(401);
      expect(replayed.json().error.message).toMatch(/signed out, expired, or its token was revoked/);
      expect((await api.call('GET', '/api/v1/services', { headers: { cookie: phone } })).statusCode).toBe(200);
      // A made-up or token-valued cookie is nobody.
      expect((await api.call('GET', '/api/v1/services', { headers: { cookie: `pave_session=${api.tokens.viewer}` } })).statusCode).toBe(401);
      expect((await api.call('GET', '/api/v1/services', { headers: { cookie: `pave_session=pave_session_${'A'.repeat(43)}` } })).statusCode).toBe(401);
    });

    it('marks the cookie Secure when pave is reached over https (PAVE_PUBLIC_URL)', async () => {
      const app = await buildServer({ store: api.store, now: () => new Date(now), notify: { publicUrl: 'https://pave.example.com' } });
      try {
        const res = await app.inject({ method: 'POST', url: '/api/v1/session', headers: { 'content-type': 'application/json', 'x-pave-request': '1' }, payload: JSON.stringify({ token: api.tokens.viewer }) });
        expect(res.statusCode).toBe(200);
        expect(String(res.headers['set-cookie'])).toMatch(/; Secure$/);
      } finally {
        await app.close();
      }
    });

    it('GET /api/v1/live answers 304 to its own ETag and changes after a write', async () => {
      const first = await api.call('GET', '/api/v1/live', { token: api.tokens.viewer });
      expect(first.statusCode).toBe(200);
      const etag = String(first.headers.etag);
      expect(etag).toMatch(/^"[0-9.]+\.[-0-9T:.Z]+"$/);
      expect(first.json().version).toBe(etag.slice(1, -1));
      expect((await api.call('GET', '/api/v1/live', { token: api.tokens.viewer, headers: { 'if-none-match': etag } })).statusCode).toBe(304);
      const apply = await api.call('POST', '/api/v1/apply', {
        token: api.tokens.admin,
        body: { files: [{ name: 'y.yaml', content: 'apiVersion: pave/v1\nkind: Person\nmetadata: { name: erin }\nspec: { displayName: Erin, timezone: UTC }\n' }] },
      });
      expect(apply.statusCode).toBe(200);
      const next = await api.call('GET', '/api/v1/live', { token: api.tokens.viewer, headers: { 'if-none-match': etag } });
      expect(next.statusCode).toBe(200);
      expect(next.headers.etag).not.toBe(etag);
      expect((await api.call('GET', '/api/v1/live')).statusCode).toBe(401);
    });

    it("serves an SLO's folded counts per minute, exactly as ingested", async () => {
      const res = await api.call('GET', `/api/v1/slos/checkout-availability/series?from=${new Date(start).toISOString()}&to=${new Date(start + 180 * MIN).toISOString()}`, { token: api.tokens.viewer });
      expect(res.statusCode, res.body).toBe(200);
      const s = res.json();
      expect(s).toMatchObject({ slo: 'checkout-availability', service: 'checkout', objectivePercent: 99.9, from: start, to: start + 180 * MIN, stepMs: MIN, resolution: '1m', clampedMinutes: 0 });
      expect(s.total).toEqual(Array.from({ length: 180 }, () => 100));
      expect(s.good).toEqual(Array.from({ length: 180 }, (_, i) => 100 - (i % 7)));
    });

    it('buckets by 5 minutes, 15 minutes or an hour, from `from` rounded down, and cuts `to` at now', async () => {
      const res = await api.call('GET', `/api/v1/slos/checkout-availability/series?from=${new Date(start + 2 * MIN).toISOString()}&to=${new Date(start + 7 * 60 * MIN).toISOString()}&resolution=1h`, {
        token: api.tokens.viewer,
      });
      expect(res.statusCode, res.body).toBe(200);
      const s = res.json();
      // to is cut at the end of the current minute (now = 3 h 0.5 min after start), rounded up to the hour: 4 buckets.
      expect(s.from).toBe(start);
      expect(s.to).toBe(start + 4 * 60 * MIN);
      const badIn = (a: number, b: number) => Array.from({ length: b - a }, (_, k) => (a + k) % 7).reduce((x, y) => x + y, 0);
      expect(s.total).toEqual([6000, 6000, 6000, 0]);
      expect(s.good).toEqual([6000 - badIn(0, 60), 6000 - badIn(60, 120), 6000 - badIn(120, 180), 0]);
      const five = (await api.call('GET', `/api/v1/slos/checkout-availability/series?from=${new Date(start + 3 * MIN).toISOString()}&to=${new Date(start + 20 * MIN).toISOString()}&resolution=5m`, { token: api.tokens.viewer })).json();
      expect(five.from).toBe(start);
      expect(five.total).toEqual([500, 500, 500, 500]);
      expect(five.good).toEqual([500 - badIn(0, 5), 500 - badIn(5, 10), 500 - badIn(10, 15), 500 - badIn(15, 20)]);
    });

    it('folds a bad-and-total indicator (good = total − bad) the way the engine does', async () => {
      const s = (await api.call('GET', `/api/v1/slos/payments-api-availability/series?from=${new Date(start).toISOString()}&to=${new Date(start + 30 * MIN).toISOString()}&resolution=15m`, { token: api.tokens.viewer })).json();
      expect(s.total).toEqual([750, 750]);
      expect(s.good).toEqual([748, 749]); // failures at minutes 0 and 10, then 20
    });

    it('rejects bad ranges and unknown SLOs with errors that name the field', async () => {
      const long = await api.call('GET', `/api/v1/slos/checkout-availability/series?from=2026-03-01T00:00:00Z&to=2026-04-15T00:00:00Z`, { token: api.tokens.viewer });
      expect(long.statusCode).toBe(400);
      expect(long.json().error.message).toMatch(/at most 31 days/);
      expect(long.json().error.details[0]).toMatchObject({ in: 'querystring', path: 'from' });
      const backwards = await api.call('GET', `/api/v1/slos/checkout-availability/series?from=2026-04-02T00:00:00Z&to=2026-04-01T00:00:00Z`, { token: api.tokens.viewer });
      expect(backwards.statusCode).toBe(400);
      const noZone = await api.call('GET', `/api/v1/slos/checkout-availability/series?from=2026-04-02T00:00:00`, { token: api.tokens.viewer });
      expect(noZone.statusCode).toBe(400);
      expect(noZone.json().error.details[0]).toMatchObject({ in: 'querystring', path: 'from' });
      const res = await api.call('GET', `/api/v1/slos/checkout-availability/series?resolution=2m`, { token: api.tokens.viewer });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details[0].path).toBe('resolution');
      expect((await api.call('GET', '/api/v1/slos/nope/series', { token: api.tokens.viewer })).statusCode).toBe(404);
      expect((await api.call('GET', '/api/v1/slos/checkout-availability/series', { token: api.tokens.ingest })).statusCode).toBe(403);
    });

    it('serves the UI at / and its routes, but never for API paths or missing files', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pave-web-'));
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>pave test ui</title><div id="root"></div>');
      writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
      const app = await buildServer({ store: api.store, now: () => new Date(now) });
      // The real server serves web/dist (maybe not built here); a bare server with a fixture folder checks the routes.
      const ui = await (async () => {
        const f = Fastify();
        f.setValidatorCompiler(validatorCompiler);
        f.setSerializerCompiler(serializerCompiler);
        registerErrorHandling(f);
        f.addHook('onRequest', async (req) => {
          if (req.routeOptions.url && req.routeOptions.url !== '/api/v1/live' && req.routeOptions.config?.access !== 'public') throw new Error(`route ${req.url} is not public`);
        });
        await registerWebUi(f, { db: api.store.db, engine: app.sloEngine, dir, now: () => new Date(now) });
        return f;
      })();
      try {
        for (const path of ['/', '/service/checkout', '/slo/checkout-availability?range=7d', '/page/3', '/incident/2/postmortem', '/oncall']) {
          const res = await ui.inject({ method: 'GET', url: path });
          expect(res.statusCode, path).toBe(200);
          expect(res.body).toContain('pave test ui');
          expect(res.headers['content-security-policy']).toContain("script-src 'self'");
          expect(res.headers['x-frame-options']).toBe('DENY');
        }
        // A rebuild while pave runs is served at once (index.html names the new assets).
        writeFileSync(join(dir, 'index.html'), '<!doctype html><title>pave rebuilt ui</title>');
        expect((await ui.inject({ method: 'GET', url: '/oncall' })).body).toContain('pave rebuilt ui');
        const asset = await ui.inject({ method: 'GET', url: '/assets/app-abc123.js' });
        expect(asset.statusCode).toBe(200);
        expect(asset.headers['cache-control']).toContain('immutable');
        expect(asset.body).toBe('console.log(1)');
        // Signed in, a link to a service or SLO that does not exist is a 404; signed out, it says nothing.
        const cookie = cookieOf((await api.call('POST', '/api/v1/session', { body: { token: api.tokens.viewer }, headers: { 'x-pave-request': '1' } })).headers['set-cookie']);
        expect((await ui.inject({ method: 'GET', url: '/service/checkout', headers: { cookie } })).statusCode).toBe(200);
        expect((await ui.inject({ method: 'GET', url: '/service/ghost', headers: { cookie } })).json().error.code).toBe('not_found');
        expect((await ui.inject({ method: 'GET', url: '/slo/ghost', headers: { authorization: `Bearer ${api.tokens.viewer}` } })).statusCode).toBe(404);
        expect((await ui.inject({ method: 'GET', url: '/service/ghost' })).statusCode).toBe(200);
        // A malformed link to a UI page is a 400 naming the parameter, like the API's.
        for (const path of ['/service/%00', '/service/Not_A_Name', '/page/abc', '/incident/0/postmortem', '/assets/..%2Findex.html']) {
          const res = await ui.inject({ method: 'GET', url: path });
          expect(res.statusCode, path).toBe(400);
        }
        for (const path of ['/assets/missing.js', '/favicon.ico', '/services', '/service', '/service/checkout/extra', '/services/checkout', '/nope', '/api', '/api/v1/nope', '/api/v2/x', '/ofrep/v1/evaluate/flags', '/status/x', '/-/y', '/metrics/z']) {
          const res = await ui.inject({ method: 'GET', url: path });
          expect(res.statusCode, path).toBe(404);
          expect(res.json().error.code).toBe('not_found');
        }
        // On the real server, unknown API paths still answer pave's 404, and the API still wants a token.
        expect((await app.inject({ method: 'GET', url: '/api/v1/nope', headers: { authorization: `Bearer ${api.tokens.admin}` } })).json().error.code).toBe('not_found');
        // ... and, as before the UI, an unknown path without a token is a 401 (security.md).
        expect((await app.inject({ method: 'GET', url: '/api/v1/nope' })).statusCode).toBe(401);
        expect((await app.inject({ method: 'GET', url: '/api/v1/services' })).statusCode).toBe(401);
        expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
        // Without a build, / says how to make one.
        const bare = Fastify();
        bare.setValidatorCompiler(validatorCompiler);
        bare.setSerializerCompiler(serializerCompiler);
        await registerWebUi(bare, { db: api.store.db, engine: app.sloEngine, dir: join(dir, 'not-built') });
        const page = await bare.inject({ method: 'GET', url: '/' });
        expect(page.statusCode).toBe(200);
        expect(page.body).toContain('npm run build');
        await bare.close();
      } finally {
        await ui.close();
        await app.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
