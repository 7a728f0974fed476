import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, checkoutAvailabilitySlo, startTestApi, type TestApi } from '../support/api.js';
import { runCli } from '../support/cli.js';

const slo = `
${checkoutAvailabilitySlo}`;
const MIN = 60_000;
const start = Date.parse('2026-05-01T00:00:00Z');
const now = start + 120 * MIN;

describe('pave slo', () => {
  let api: TestApi;
  let env: Record<string, string>;
  beforeAll(async () => {
    api = await startTestApi('pglite', { catalog: baseCatalog + slo, now: () => new Date(now), latenessMs: 10 * 24 * 60 * MIN });
    const items = [];
    for (let m = start; m < now; m += MIN) {
      items.push({ series: 'checkout_requests', labels: { code: '200' }, ts: m, good: 99, total: 99 });
      items.push({ series: 'checkout_requests', labels: { code: '503' }, ts: m, good: 0, total: m === now - MIN ? 1 : 0 });
    }
    expect((await api.call('POST', '/api/v1/ingest', { token: api.tokens.admin, body: { items } })).statusCode).toBe(200);
    env = { PAVE_URL: await api.app.listen({ host: '127.0.0.1', port: 0 }), PAVE_TOKEN: api.tokens.viewer };
  });
  afterAll(async () => {
    await api?.close();
  });

  it('lists SLOs with status, SLI and budget left', async () => {
    const r = await runCli(['slo', 'list'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/checkout-availability\s+checkout\s+99\.9%\s+rolling 30d\s+healthy\s+99\.9916%\s+91\.6%/);
    const json = JSON.parse((await runCli(['--json', 'slo', 'list'], { env })).stdout);
    expect(json[0]).toMatchObject({ name: 'checkout-availability', status: 'healthy', sli: 11_880 / 11_881 });
  });

  it('explains the arithmetic so it can be checked by hand', async () => {
    const r = await runCli(['slo', 'explain', 'checkout-availability'], { env });
    expect(r.code).toBe(0);
    const text = r.stdout;
    expect(text).toContain('budget ratio B = 1 − 99.9% = 0.001');
    // 120 minutes of 99 good requests, and one failing request in the last minute.
    expect(text).toContain('measured: good 11880 + bad 1 events (11881 events, 120 of 43200 minutes with data)');
    expect(text).toContain('SLI = good / (good + bad) = 11880 / 11881 = 0.9999158320006734');
    expect(text).toContain('budget: allowed = B × 11881 events = 11.881; consumed 1 = 8.42%; remaining 10.881 = 91.58%');
    // The 5m window holds 1 bad in 496 events: 0.002016, under k·B = 14.4 × 0.001 = 0.0144, so the tier is quiet.
    expect(text).toContain('page 1h/5m: k = 14.4, k·B = 0.0144; long 0.000168 ≤ k·B, short 0.002016 ≤ k·B, events 5941 (min 0) → quiet');
    expect(text).toContain('time to exhaustion = remaining 91.58% × 43200 min / burn(60 min) 0.17 = 163.2 d');
    expect(text).toContain('status: healthy');
  });

  it('promotes an SLO to an SLA', async () => {
    const printed = await runCli(['slo', 'promote', 'checkout-availability', '--target', '99.5', '--consequence', '10% credit'], { env });
    expect(printed.stdout).toBe('apiVersion: pave/v1\nkind: SLA\nmetadata:\n  name: checkout-availability-sla\nspec:\n  slo: checkout-availability\n  target: 99.5\n  consequence: 10% credit\n');
    const denied = await runCli(['slo', 'promote', 'checkout-availability', '--target', '99.5', '--consequence', 'x', '--apply'], { env });
    expect(denied.code).toBe(1);
    const applied = await runCli(['slo', 'promote', 'checkout-availability', '--target', '99.95', '--consequence', 'x', '--apply'], { env: { ...env, PAVE_TOKEN: api.tokens.payments } });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('create SLA/checkout-availability-sla');
    expect(applied.stdout).toContain("warning: the SLA target 99.95% is stricter than its SLO's objective 99.9%");
  });

  it('shows history and detailed status, and names unknown SLOs', async () => {
    const h = await runCli(['slo', 'history', 'checkout-availability', '--from', new Date(now - 60 * MIN).toISOString(), '--to', new Date(now).toISOString(), '--step', '30m'], { env });
    expect(h.code).toBe(0);
    expect(h.stdout.trim().split('\n')).toHaveLength(4);
    const s = await runCli(['slo', 'status', 'checkout-availability'], { env });
    expect(s.stdout).toContain('checkout-availability: healthy');
    expect(s.stdout).toMatch(/page 1h\/5m\s+0\.0144\s+quiet/);
    const missing = await runCli(['slo', 'explain', 'nope'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('SLO "nope" does not exist');
  });
});
