// pave gate check and pave change: the real CLI in a child process against a server whose checkout SLO has spent its
// budget under a blocking organisation default. The exit codes are the contract: 0 allow or warn, 1 deny, 2 pave
// unreachable or misconfigured (bad token, unknown service), 0 instead of 2 with --fail-open; then the server is
// stopped and the same calls fail closed (2) or open (0).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, checkoutAvailabilitySlo, startTestApi, type TestApi } from '../support/api.js';
import { runCli } from '../support/cli.js';

const MIN = 60_000;
const start = Date.parse('2026-05-01T00:00:00Z');
const now = start + 60 * MIN;
const catalog = `${baseCatalog}${checkoutAvailabilitySlo}---
apiVersion: pave/v1
kind: SLO
metadata: { name: payments-api-availability }
spec:
  service: payments-api
  indicator: { ratio: { bad: { series: payments_requests, match: { code: 5xx } }, total: { series: payments_requests } } }
  objective: 99.9
  window: { rolling: 30d }
---
apiVersion: pave/v1
kind: BudgetPolicy
metadata: { name: default }
spec: { enforcement: blocking }
`;

describe('pave gate check and pave change against a server', { timeout: 180_000 }, () => {
  let api: TestApi;
  let url = '';
  beforeAll(async () => {
    api = await startTestApi('pglite', { catalog, now: () => new Date(now), latenessMs: 10 * 24 * 60 * MIN });
    // One hour: checkout fails 10 of 3,600 requests (2.78× its 0.1% budget), payments-api none.
    const items: Record<string, unknown>[] = [];
    for (let m = start, i = 0; m < now; m += MIN, i++) {
      const bad = i < 10 ? 1 : 0;
      items.push({ series: 'checkout_requests', labels: { code: '200' }, ts: m, good: 60 - bad, total: 60 - bad });
      if (bad) items.push({ series: 'checkout_requests', labels: { code: '500' }, ts: m, good: 0, total: bad });
      items.push({ series: 'payments_requests', labels: { code: '200' }, ts: m, good: 60, total: 60 });
    }
    expect((await api.call('POST', '/api/v1/ingest', { token: api.tokens.admin, body: { items } })).statusCode).toBe(200);
    url = await api.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await api?.close();
  });

  const gate = (args: string[], token = api.tokens.ingest) => runCli(['gate', 'check', ...args], { env: { PAVE_URL: url, PAVE_TOKEN: token } });

  it('exits 1 on deny, 0 on warn (an exempt fix) and on allow, printing each SLO and the policy', async () => {
    const [deny, fix, allow, json] = await Promise.all([
      gate(['checkout', '--version', 'v42']),
      gate(['checkout', '--version', 'v42', '--kind', 'fix']),
      gate(['payments-api'], api.tokens.viewer),
      gate(['checkout', '--version', 'v42', '--json']),
    ]);
    expect(deny.code, deny.stderr).toBe(1);
    expect(deny.stdout).toContain('DENY: checkout is frozen by BudgetPolicy/default (organization default) (checkout-availability)');
    expect(deny.stdout).toContain('policy: default (organization, blocking)');
    expect(deny.stdout).toMatch(/checkout-availability\s+exhausted\s+-177\.78%\s+freeze/);
    expect(fix.code, fix.stderr).toBe(0);
    expect(fix.stdout).toContain('WARN: checkout is frozen by BudgetPolicy/default (organization default) (checkout-availability), but fix changes are exempt');
    expect(allow.code, allow.stderr).toBe(0);
    expect(allow.stdout).toMatch(/^ALLOW: every SLO of payments-api is within budget/);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ decision: 'deny', version: 'v42', kind: 'deploy', reasons: [{ slo: 'checkout-availability', action: 'freeze' }] });
  });

  it('breaks the glass with a reason: exit 0, and the change is on the timeline through pave change list', async () => {
    const glass = await gate(['checkout', '--version', 'v43', '--break-glass', 'INC-7 hotfix'], api.tokens.payments);
    expect(glass.code, glass.stderr).toBe(0);
    expect(glass.stdout).toContain('ALLOW: checkout is frozen by BudgetPolicy/default (organization default) (checkout-availability); overridden by break-glass: INC-7 hotfix');
    expect(glass.stdout).toMatch(/break-glass recorded as change \d+; 0 notification\(s\) to payments/);
    const list = await runCli(['change', 'list', '--service', 'checkout', '--kind', 'break_glass'], { env: { PAVE_URL: url, PAVE_TOKEN: api.tokens.viewer } });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/break_glass\s+checkout\s+v43\s+token:\S+ \(payments-member\)\s+Break-glass: deploy v43 of checkout during a freeze: INC-7 hotfix/);
  });

  it('records and lists changes with pave change; bad flags and refusals have their exit codes', async () => {
    const env = { PAVE_URL: url, PAVE_TOKEN: api.tokens.ingest };
    const rec = await runCli(['change', 'record', 'checkout', '--version', 'v44', '--summary', 'Deploy v44', '--link', 'https://ci.example/44', '--label', 'env=prod', '--at', '2026-05-01T00:55:00Z'], { env });
    expect(rec.code, rec.stderr).toBe(0);
    expect(rec.stdout).toMatch(/^recorded change \d+: deploy of checkout v44 at 2026-05-01T00:55:00\.000Z by token:\S+ \(ingest\)\n$/);
    const [json, badKind, refused, badLink] = await Promise.all([
      runCli(['--json', 'change', 'list', '--service', 'checkout', '--kind', 'deploy'], { env: { ...env, PAVE_TOKEN: api.tokens.viewer } }),
      runCli(['change', 'record', 'checkout', '--kind', 'hotfix', '--summary', 'x'], { env }),
      runCli(['change', 'record', 'web', '--summary', 'x'], { env }),
      runCli(['change', 'record', 'checkout', '--summary', 'x', '--link', 'not a url'], { env }),
    ]);
    expect(JSON.parse(json.stdout)).toMatchObject([{ kind: 'deploy', service: 'checkout', version: 'v44', link: 'https://ci.example/44', labels: { env: 'prod' } }]);
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toContain('--kind must be one of deploy, fix, security');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('this ingest token is for checkout, not web');
    expect(badLink.code).toBe(1);
    expect(badLink.stderr).toContain('link');
  });

  it('exits 2 when pave answers that it is misconfigured (bad token, unknown service, bad kind), 0 with --fail-open', async () => {
    const [badToken, unknown, badKind, openToken, openUnknown] = await Promise.all([
      gate(['checkout'], 'not-a-token'),
      gate(['nope']),
      gate(['checkout', '--kind', 'yolo']),
      gate(['checkout', '--fail-open'], 'not-a-token'),
      gate(['nope', '--fail-open']),
    ]);
    expect(badToken.code).toBe(2);
    expect(badToken.stderr).toContain('gate check failed closed: pave answered 401: invalid, expired or revoked token');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('pave answered 404: service "nope" is not in the catalog');
    expect(badKind.code).toBe(2);
    expect(openToken.code, openToken.stderr).toBe(0);
    expect(openToken.stderr).toContain('warning: gate check failed open (--fail-open): pave answered 401');
    expect(openUnknown.code).toBe(0);
  });

  it('with the server down: exits 2 (fail-closed) by default and 0 with --fail-open, never 1', async () => {
    await api.app.close();
    const [closed, open, openJson] = await Promise.all([gate(['checkout']), gate(['checkout', '--fail-open']), gate(['checkout', '--fail-open', '--json'])]);
    expect(closed.code).toBe(2);
    expect(closed.stderr).toMatch(/gate check failed closed: cannot reach pave at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    expect(open.code).toBe(0);
    expect(open.stderr).toMatch(/warning: gate check failed open \(--fail-open\): cannot reach pave/);
    expect(openJson.code).toBe(0);
    expect(JSON.parse(openJson.stdout)).toMatchObject({ decision: 'unknown', failOpen: true });
  });
});
