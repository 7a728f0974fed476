// The web UI's change-safety and reports pages end to end: a real `pave serve` over the example catalog with a day of
// simulated traffic and a Rollout of the flag new-checkout, driven by headless Chromium. The rollouts page shows the
// rollout's progress and pausing it from the UI pauses it (as the API then says); the release gate on a service page
// answers as POST /api/v1/gates/check does; the reports page shows a schedule's on-call load, repair debt with a drawn
// chart and the weekly report; another team's member is refused with the API's reason. Each step saves a screenshot
// under test-artifacts/web/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ServeProcess } from '../support/serve.js';
import { chromiumAvailable, chromiumPath, ensureWebBuilt, openBrowser, screenshotPath, type OpenBrowser } from './browser.js';
import { adminToken, identityFrozenPolicy, newCheckoutRollout, prepareWebDataDir, servePave, stopPave, type WebDataDir } from './fixture.js';

/** Pixels of a chart's canvas close to a colour: proof that a series was drawn, not just axes. */
async function pixelsOf(page: Page, chartTitle: string, rgb: [number, number, number]): Promise<number> {
  return page.evaluate(
    ({ title, rgb }) => {
      const canvas = document.querySelector<HTMLElement>(`[data-chart="${title}"]`)?.querySelector('canvas');
      if (!canvas) return -1;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.abs(data[i]! - rgb[0]) < 40 && Math.abs(data[i + 1]! - rgb[1]) < 40 && Math.abs(data[i + 2]! - rgb[2]) < 40 && data[i + 3]! > 200) n++;
      }
      return n;
    },
    { title: chartTitle, rgb },
  );
}

/** The ISO week (UTC) of an instant, e.g. 2026-W47. */
function isoWeek(ms: number): string {
  const d = new Date(Math.floor(ms / 86_400_000) * 86_400_000);
  const thursday = new Date(d.getTime() + (3 - ((d.getUTCDay() + 6) % 7)) * 86_400_000);
  const year = thursday.getUTCFullYear();
  return `${year}-W${String(Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 / 7) + 1).padStart(2, '0')}`;
}

describe.skipIf(!chromiumAvailable)(`web UI change safety and reports in Chromium (${chromiumPath})`, () => {
  let data: WebDataDir;
  let pave: ServeProcess;
  let chrome: OpenBrowser;
  let page: Page;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${pave.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  const rolloutPhase = async () => (await api('GET', '/api/v1/rollouts/new-checkout/status')).json.state.phase as string;

  beforeAll(async () => {
    ensureWebBuilt();
    data = await prepareWebDataDir(1, { extraYaml: `${newCheckoutRollout}---\n${identityFrozenPolicy}` });
    pave = await servePave(data.dir);
    chrome = await openBrowser();
    page = await chrome.context.newPage();
    await page.goto(`${pave.url}/`);
    await page.getByLabel('API token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Service catalog' }).waitFor();
  }, 240_000);
  afterAll(async () => {
    await chrome?.close();
    if (pave) await stopPave(pave);
    data?.cleanup();
  });

  it("shows a rollout's progress, and pausing it from the UI pauses it", async () => {
    // The runner starts the rollout at its first poll after pave listens (every 5 s).
    await expect.poll(rolloutPhase, { timeout: 30_000, interval: 500 }).toBe('progressing');
    await page.getByRole('link', { name: 'Rollouts' }).click();
    await page.getByRole('heading', { name: 'Rollouts', level: 1 }).waitFor();
    const row = page.locator('tr[data-rollout="new-checkout"]');
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('step 1 of 3');
    expect(await row.textContent()).toContain('progressing');
    expect(await row.getByRole('progressbar', { name: 'Traffic weight of new-checkout' }).getAttribute('value')).toBe('10');
    const status = (await api('GET', '/api/v1/rollouts/new-checkout/status')).json;
    expect(await row.textContent()).toContain(status.state.reason);
    // The release gate for the rollout's own kind of change (flag) of its service, as the API answers it.
    const gateNow = (await api('POST', '/api/v1/gates/check', { service: 'checkout', kind: 'flag' })).json;
    await expect.poll(() => row.locator('[data-gate-badge="checkout"] [data-decision]').getAttribute('data-decision'), { timeout: 10_000 }).toBe(gateNow.decision);
    await page.screenshot({ path: screenshotPath('cr-01-rollouts') });

    await row.getByRole('link', { name: 'new-checkout' }).click();
    await page.getByRole('heading', { name: /^new-checkout/, level: 1 }).waitFor();
    const progress = page.getByRole('region', { name: 'Progress' });
    await expect.poll(() => progress.textContent()).toContain('step 1 of 3');
    // The first step bakes for an hour: the time left is knowable and shown.
    expect(await progress.textContent()).toMatch(/(\d+ min|1 h) of 1 h bake left .*then it may go to step 2 \(50%\)/);
    // Its guard SLO as the engine evaluates it now: a day of the demo's traffic has no outage, so nothing burns.
    const guard = page.locator('[data-guard-slo="checkout-availability"]');
    await expect.poll(() => guard.textContent(), { timeout: 10_000 }).toContain('no burn alert firing');
    const slo = (await api('GET', '/api/v1/slos/checkout-availability')).json;
    expect(slo.evaluation.status).toBe('healthy');
    expect(await guard.textContent()).toContain('healthy');
    expect(await page.getByRole('table', { name: 'Step log of new-checkout' }).textContent()).toContain('started: step 1 of 3 at 10%');
    await page.locator('section[data-gate="checkout"] [data-decision]').waitFor();
    // The gate is asked for the rollout's own kind of change.
    expect(await page.locator('section[data-gate="checkout"]').getByLabel('Kind of change').inputValue()).toBe('flag');

    await progress.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(rolloutPhase, { timeout: 10_000 }).toBe('paused');
    await expect.poll(() => progress.getAttribute('data-phase'), { timeout: 10_000 }).toBe('paused');
    expect(await progress.getByRole('status').textContent()).toContain('now paused at 10%');
    const paused = (await api('GET', '/api/v1/rollouts/new-checkout/status')).json;
    expect(paused.state).toMatchObject({ phase: 'paused', weight: 10, reason: expect.stringContaining('paused by') });
    expect(await progress.getByRole('button', { name: 'Pause' }).isDisabled()).toBe(true);
    await page.screenshot({ path: screenshotPath('cr-02-rollout-paused'), fullPage: true });

    // Abort and promote ask first, saying what will happen; Escape or Cancel changes nothing and focus goes back.
    await progress.getByRole('button', { name: 'Abort…' }).click();
    const confirm = progress.getByRole('group', { name: 'Confirm abort' });
    expect(await confirm.textContent()).toContain('flag new-checkout goes back to 0%');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Yes, abort new-checkout');
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Abort…');
    await progress.getByRole('button', { name: 'Promote…' }).click();
    const promote = progress.getByRole('group', { name: 'Confirm promote' });
    expect(await promote.textContent()).toContain('flag new-checkout goes to 100% at once');
    await promote.getByRole('button', { name: 'Cancel' }).click();
    expect(await rolloutPhase()).toBe('paused');

    await progress.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(rolloutPhase, { timeout: 10_000 }).toBe('progressing');
    await expect.poll(() => progress.getAttribute('data-phase'), { timeout: 10_000 }).toBe('progressing');

    // The flag it steps links back to it.
    await page.getByRole('link', { name: 'Flags' }).click();
    await page.locator('tr[data-flag="new-checkout"]').getByRole('link', { name: 'rollout new-checkout' }).waitFor();
  });

  it('shows the release gate on a service page as POST /api/v1/gates/check answers, for each kind', async () => {
    await page.goto(`${pave.url}/service/checkout`);
    const gate = page.locator('section[data-gate="checkout"]');
    const badge = gate.locator('[data-decision]');
    await badge.waitFor({ timeout: 15_000 });
    for (const kind of ['deploy', 'fix']) {
      if (kind !== 'deploy') await gate.getByLabel('Kind of change').selectOption(kind);
      const answer = (await api('POST', '/api/v1/gates/check', { service: 'checkout', kind })).json;
      // Evaluations run every 2 s: the decision and the policy are stable, the remaining budget may move a little.
      await expect.poll(() => badge.getAttribute('data-decision'), { timeout: 10_000 }).toBe(answer.decision);
      expect(await badge.textContent()).toMatch(new RegExp(`^${answer.decision}:`));
      const text = await gate.textContent();
      expect(text).toContain(`BudgetPolicy ${answer.policy.name}`);
      expect(text).toContain(answer.exempt ? `In a freeze, ${kind} changesstill go out (exempt)` : `In a freeze, ${kind} changesare held`);
      const rows = gate.locator('tr[data-gate-slo]');
      expect(await rows.evaluateAll((r) => r.map((x) => x.getAttribute('data-gate-slo')))).toEqual(answer.reasons.map((r: { slo: string }) => r.slo));
    }
    // The checkout policy exempts fixes, security patches and rollbacks from freezes; the selector says so.
    const options = await gate.getByLabel('Kind of change').locator('option').allTextContents();
    expect(options.filter((o) => o.includes('exempt'))).toEqual(['fix (exempt from freezes)', 'security (exempt from freezes)', 'rollback (exempt from freezes)']);
    await page.screenshot({ path: screenshotPath('cr-03-service-gate'), fullPage: true });

    // identity is frozen by its policy: a deploy is denied, a fix only warned about; the UI says so in words.
    await page.goto(`${pave.url}/service/identity`);
    const frozen = page.locator('section[data-gate="identity"]');
    const frozenBadge = frozen.locator('[data-decision]');
    await frozenBadge.waitFor({ timeout: 15_000 });
    for (const [kind, expected] of [
      ['deploy', 'deny'],
      ['fix', 'warn'],
    ] as const) {
      if (kind !== 'deploy') await frozen.getByLabel('Kind of change').selectOption(kind);
      const answer = (await api('POST', '/api/v1/gates/check', { service: 'identity', kind })).json;
      expect(answer).toMatchObject({ decision: expected, frozen: true, policy: { name: 'identity-frozen', enforcement: 'blocking' } });
      await expect.poll(() => frozenBadge.getAttribute('data-decision'), { timeout: 10_000 }).toBe(expected);
      expect(await frozenBadge.textContent()).toBe(expected === 'deny' ? 'deny: frozen' : 'warn: may go out, with care');
      expect(await frozen.textContent()).toContain(answer.summary);
      expect(await frozen.textContent()).toContain('Frozenyes');
    }
    await page.screenshot({ path: screenshotPath('cr-03b-service-gate-frozen') });
  });

  it('shows the on-call load of a schedule, repair debt with a drawn chart, and the weekly report', async () => {
    // Something to report: a page for payments, an incident with an overdue action item.
    const key = await api('POST', '/api/v1/integrations/web-test-alerts/keys');
    const sent = await fetch(`${pave.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.json.key}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'CheckoutLatencyHigh', service: 'checkout', severity: 'critical' }, annotations: { summary: 'checkout p99 above 2 s' } }]),
    });
    expect(sent.status).toBe(200);
    const incident = await api('POST', '/api/v1/incidents', { title: 'Checkout slow after a config push', severity: 'SEV2', services: ['checkout'] });
    expect(incident.status).toBe(201);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const item = await api('POST', `/api/v1/incidents/${incident.json.id}/postmortem/action-items`, { title: 'Canary config pushes', type: 'prevent', owner: 'payments', dueDate: yesterday });
    expect(item.status).toBe(201);

    await page.goto(`${pave.url}/reports?schedule=payments-primary&week=${isoWeek(Date.now())}`);
    await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();

    const load = (await api('GET', '/api/v1/reports/oncall-load?schedule=payments-primary')).json;
    const people = page.getByRole('table', { name: 'On-call load per person of payments-primary' });
    await people.waitFor({ timeout: 15_000 });
    expect(await people.locator('tbody tr').evaluateAll((r) => r.map((x) => x.getAttribute('data-person')))).toEqual(load.people.map((p: { person: string }) => p.person));
    expect(load.pages).toBeGreaterThan(0);
    expect(await page.locator('[data-report="oncall-load"]').textContent()).toContain(load.pages === 1 ? '1 page,' : `${load.pages} pages`);
    expect(load.noisiest[0].title).toBe('checkout p99 above 2 s');
    expect(await page.getByRole('table', { name: 'Noisiest alerts of payments-primary' }).textContent()).toContain('checkout p99 above 2 s');

    const debt = (await api('GET', '/api/v1/reports/repair-debt')).json;
    expect(debt.points.at(-1)).toMatchObject({ open: 1, overdue: 1 });
    const chart = page.locator('[data-chart="Repair debt: action items open and overdue"]');
    await chart.and(page.locator('[data-drawn]')).waitFor({ timeout: 15_000 });
    expect(Number(await chart.getAttribute('data-points'))).toBe(debt.points.length);
    expect(await pixelsOf(page, 'Repair debt: action items open and overdue', [11, 92, 173])).toBeGreaterThan(20);
    expect(await chart.getAttribute('aria-label')).toContain('at the end 1 open and 1 overdue');
    expect(await page.getByRole('table', { name: 'Repair debt per team' }).textContent()).toContain(debt.byTeam[0].name);
    await expect.poll(() => page.getByRole('table', { name: 'Incident time metrics' }).textContent(), { timeout: 10_000 }).toContain('service checkout');

    const week = isoWeek(Date.now());
    const weekly = (await api('GET', `/api/v1/reports/weekly?week=${week}`)).json;
    const report = page.locator(`[data-report="weekly"][data-week="${week}"]`);
    await report.waitFor({ timeout: 15_000 });
    expect(await report.locator('tr[data-weekly-slo]').count()).toBe(weekly.slos.length);
    expect(await page.getByRole('table', { name: `Weekly report ${week}: incidents` }).textContent()).toContain('Checkout slow after a config push');
    expect(await report.textContent()).toContain('Canary config pushes');
    // The Markdown and HTML versions are links the signed-in browser can open.
    const md = await page.getByRole('link', { name: 'Markdown' }).getAttribute('href');
    expect(md).toBe(`/api/v1/reports/weekly?week=${week}&format=md`);
    const fetched = await page.evaluate(async (href) => {
      const r = await fetch(href);
      return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
    }, md!);
    expect(fetched).toMatchObject({ status: 200, type: expect.stringContaining('text/markdown') });
    expect(fetched.text).toContain('Checkout slow after a config push');
    await page.screenshot({ path: screenshotPath('cr-04-reports'), fullPage: true });
  });

  it("refuses another team's member with the API's reason, while the gate still answers them", async () => {
    const member = await api('POST', '/api/v1/tokens', { name: 'storefront-dev', role: 'member', team: 'storefront' });
    expect(member.status).toBe(201);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').fill(member.json.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.goto(`${pave.url}/rollout/new-checkout`);
    const progress = page.getByRole('region', { name: 'Progress' });
    await progress.getByRole('button', { name: 'Pause' }).click();
    const alert = progress.getByRole('alert');
    await expect.poll(() => alert.textContent(), { timeout: 10_000 }).toContain('new-checkout was not changed: rollout new-checkout changes a service of team payments: only its members or an admin may command it');
    expect(await alert.textContent()).toContain('ask an admin or a member of the owning team');
    expect(await rolloutPhase()).toBe('progressing');
    // Asking the gate is a read: any signed-in token may.
    await page.locator('section[data-gate="checkout"] [data-decision]').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: screenshotPath('cr-05-rollout-refused') });
  });
});
