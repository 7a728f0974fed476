// pave report: the real CLI in a child process; oncall-load on a local data folder with the example catalog, the
// weekly report, repair debt and incident metrics against a server.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { runCli } from '../support/cli.js';

// Each CLI process starts tsx and opens the data folder: seconds apiece on a busy machine.
describe('pave report oncall-load on the examples', { timeout: 180_000 }, () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pave-cli-report-'));
    cpSync(inject('pgliteTemplate'), join(dir, 'data'), { recursive: true });
    env = { PAVE_DATA_DIR: join(dir, 'data') };
    expect((await runCli(['apply', 'examples'], { env })).code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints each person\'s share of a week on call and the rotation health warnings; --json gives the same report', async () => {
    const args = ['report', 'oncall-load', '--schedule', 'storefront-primary', '--from', '2026-03-23T13:00:00Z', '--to', '2026-03-30T13:00:00Z'];
    const r = await runCli(args, { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^On-call load of storefront-primary \(team storefront\), 2026-03-23T13:00:00.000Z to 2026-03-30T13:00:00.000Z: 0 page\(s\), 0 while nobody was on call, covered 100% of the time/);
    expect(r.stdout).toMatch(/^PERSON\s+SHIFTS\s+ON CALL\s+PAGES\s+NIGHT\s+WEEKEND\s+PER 12H/m);
    expect(r.stdout).toContain('warning: a 24/7 rotation needs at least 8 people');
    const json = JSON.parse((await runCli(['--json', ...args], { env })).stdout);
    expect(json.people.reduce((n: number, p: { onCallHours: number }) => n + p.onCallHours, 0)).toBe(168);
    expect(json.pages).toBe(0);
    const missing = await runCli(['report', 'oncall-load', '--schedule', 'nope'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Schedule "nope" does not exist');
  });
});

describe('pave report weekly, repair-debt and incidents against a server', { timeout: 120_000 }, () => {
  let api: TestApi;
  let env: Record<string, string>;
  let now = Date.parse('2026-11-18T10:15:00Z');
  beforeAll(async () => {
    api = await startTestApi('pglite', { catalog: baseCatalog, now: () => new Date(now) });
    env = { PAVE_URL: await api.app.listen({ host: '127.0.0.1', port: 0 }), PAVE_TOKEN: api.tokens.viewer };
    const declared = await api.call('POST', '/api/v1/incidents', { token: api.tokens.payments, body: { title: 'Checkout <errors>', services: ['checkout'], severity: 'SEV2', impactStartAt: '2026-11-18T10:00:00Z', detectedAt: '2026-11-18T10:12:00Z' } });
    expect(declared.statusCode, declared.body).toBe(201);
    now = Date.parse('2026-11-23T09:00:00Z');
  });
  afterAll(async () => {
    await api?.close();
  });

  it('prints the weekly report as Markdown or HTML, and refuses to email without SMTP', async () => {
    const md = await runCli(['report', 'weekly', '--week', '2026-W47'], { env });
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toMatch(/^# Production report, week 2026-W47\n/);
    expect(md.stdout).toContain('| 1 | Checkout <errors> | SEV2 | investigating | checkout | monitoring | 12 | — | — | — |');
    const html = await runCli(['report', 'weekly', '--week', '2026-W47', '--format', 'html'], { env });
    expect(html.stdout).toContain('<td>Checkout &lt;errors&gt;</td>');
    const bad = await runCli(['report', 'weekly', '--format', 'pdf'], { env });
    expect(bad.code).toBe(2);
    const email = await runCli(['report', 'weekly', '--email', 'team@example.com'], { env: { ...env, PAVE_TOKEN: api.tokens.payments } });
    expect(email.code).toBe(1);
    expect(email.stderr).toContain('email is not configured');
  });

  it('prints repair debt and incident metrics; --json gives the figures', async () => {
    const metrics = await runCli(['report', 'incidents', '--from', '2026-11-16T00:00:00Z', '--to', '2026-11-23T00:00:00Z'], { env });
    expect(metrics.code, metrics.stderr).toBe(0);
    expect(metrics.stdout).toMatch(/^TEAM\s+INCIDENTS\s+BY CUSTOMERS\s+TTD P50\/P90/m);
    expect(metrics.stdout).toMatch(/^payments\s+1\s+0\s+12 \/ 12/m);
    const debt = JSON.parse((await runCli(['--json', 'report', 'repair-debt', '--step', '1d', '--from', '2026-11-16T00:00:00Z', '--to', '2026-11-23T00:00:00Z'], { env })).stdout);
    expect(debt.points).toHaveLength(8);
    expect(debt.byTeam).toEqual([]);
  });
});
