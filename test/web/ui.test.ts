// The web UI end to end: a real `pave serve` over the example catalog with a day of simulated traffic, driven by
// headless Chromium. Sign in, filter the catalog, see a service's charts drawn with data, watch a new page arrive
// without a reload and acknowledge it, declare an incident and add a note, edit its postmortem, change a flag's
// percentage, sign out. Each step saves a screenshot under test-artifacts/web/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ServeProcess } from '../support/serve.js';
import { chromiumAvailable, chromiumPath, ensureWebBuilt, openBrowser, screenshotPath, type OpenBrowser } from './browser.js';
import { adminToken, prepareWebDataDir, servePave, stopPave, type WebDataDir } from './fixture.js';

/** Pixels of a chart's canvas close to a colour: proof that a series was drawn, not just axes. */
async function pixelsOf(page: Page, chartTitlePrefix: string, rgb: [number, number, number]): Promise<number> {
  return page.evaluate(
    ({ prefix, rgb }) => {
      const box = [...document.querySelectorAll<HTMLElement>('[data-chart]')].find((e) => e.dataset.chart!.startsWith(prefix));
      const canvas = box?.querySelector('canvas');
      if (!canvas) return -1;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.abs(data[i]! - rgb[0]) < 40 && Math.abs(data[i + 1]! - rgb[1]) < 40 && Math.abs(data[i + 2]! - rgb[2]) < 40 && data[i + 3]! > 200) n++;
      }
      return n;
    },
    { prefix: chartTitlePrefix, rgb },
  );
}

describe.skipIf(!chromiumAvailable)(`web UI in Chromium (${chromiumPath})`, () => {
  let data: WebDataDir;
  let pave: ServeProcess;
  let chrome: OpenBrowser;
  let page: Page;
  /** The session cookie the browser got at sign-in, replayed by the sign-out test. */
  let signedInCookie = '';
  const api = async (method: string, path: string, body?: unknown, token = adminToken) => {
    const res = await fetch(`${pave.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    ensureWebBuilt();
    data = await prepareWebDataDir(1);
    pave = await servePave(data.dir);
    chrome = await openBrowser();
    page = await chrome.context.newPage();
  }, 240_000);
  afterAll(async () => {
    await chrome?.close();
    if (pave) await stopPave(pave);
    data?.cleanup();
  });

  it('signs in with a token (a wrong one gets a clear error) and keeps the token out of page storage', async () => {
    await page.goto(`${pave.url}/`);
    await page.getByLabel('API token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Could not sign in.*not valid, has expired or was revoked/);
    await page.screenshot({ path: screenshotPath('01-sign-in-error') });
    await page.getByLabel('API token').fill(adminToken);
    await page.getByLabel('API token').press('Enter');
    await page.getByRole('heading', { name: 'Service catalog' }).waitFor();
    await page.locator('tbody tr[data-service]').first().waitFor();
    await page.getByText(/^Showing \d+ of \d+ services\.$/).waitFor();
    const cookies = await chrome.context.cookies(pave.url);
    const session = cookies.find((c) => c.name === 'pave_session');
    // The cookie holds a session's secret, never the token.
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', value: expect.stringMatching(/^pave_session_/) });
    expect(session!.value).not.toContain(adminToken);
    signedInCookie = `pave_session=${session!.value}`;
    // Scripts cannot read it, and nothing else holds the token.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))).not.toContain(adminToken);
    await page.screenshot({ path: screenshotPath('02-catalog') });
  });

  it("serves React's production build, and the page asks for its session once", async () => {
    // Built under vitest (NODE_ENV=test) it once was the development build, whose StrictMode ran every effect twice.
    const script = await page.evaluate(() => document.querySelector<HTMLScriptElement>('script[type="module"]')!.src);
    const js = await (await fetch(script)).text();
    expect(js).not.toContain('jsxDEV');
    expect(js).not.toContain('Download the React DevTools');
    await page.reload();
    await page.getByRole('heading', { name: 'Service catalog' }).waitFor();
    const sessions = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/api/v1/session')).length);
    expect(sessions).toBe(1);
  });

  it('filters the catalog by team, tier and budget status, with the filters in the URL', async () => {
    const rows = page.locator('tbody tr[data-service]');
    await expect.poll(() => rows.count()).toBeGreaterThan(5);
    const all = await rows.count();
    const services = (await api('GET', '/api/v1/services')).json.items as { metadata: { name: string }; spec: { owner: string; tier: string } }[];
    expect(all).toBe(services.length);
    await page.getByLabel('Team').selectOption('payments');
    const payments = services.filter((s) => s.spec.owner === 'payments').map((s) => s.metadata.name).sort();
    await expect.poll(async () => (await rows.evaluateAll((r) => r.map((x) => x.getAttribute('data-service')))).sort()).toEqual(payments);
    expect(page.url()).toContain('team=payments');
    await page.getByLabel('Tier').selectOption('critical');
    const critical = services.filter((s) => s.spec.owner === 'payments' && s.spec.tier === 'critical').map((s) => s.metadata.name).sort();
    await expect.poll(async () => (await rows.evaluateAll((r) => r.map((x) => x.getAttribute('data-service')))).sort()).toEqual(critical);
    await page.screenshot({ path: screenshotPath('03-catalog-filtered') });
    // A status nobody has empties the table with a plain message; clearing brings everything back.
    await page.getByLabel('Budget status').selectOption('exhausted');
    const slos = (await api('GET', '/api/v1/slos')).json.items as { spec: { service: string }; summary: { status: string } }[];
    const exhaustedCritical = critical.filter((name) => slos.some((s) => s.spec.service === name && s.summary.status === 'exhausted'));
    if (exhaustedCritical.length === 0) await page.getByText('No service matches these filters.').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => rows.count()).toBe(all);
  });

  it("opens a service and draws each SLO's SLI and budget charts with data", async () => {
    await page.getByRole('link', { name: 'checkout', exact: true }).click();
    await page.getByRole('heading', { name: /^checkout/, level: 1 }).waitFor();
    const sli = page.locator('[data-chart^="checkout-availability: SLI per minute"]');
    const budget = page.locator('[data-chart^="checkout-availability: error budget remaining"]');
    await sli.and(page.locator('[data-drawn]')).waitFor({ timeout: 30_000 });
    await budget.and(page.locator('[data-drawn]')).waitFor({ timeout: 30_000 });
    // 30 days of minutes on the x axis, a day of them with traffic: the line is drawn in the series colour.
    expect(Number(await sli.getAttribute('data-points'))).toBeGreaterThanOrEqual(30 * 1440);
    expect(await pixelsOf(page, 'checkout-availability: SLI per minute', [11, 92, 173])).toBeGreaterThan(100);
    expect(await pixelsOf(page, 'checkout-availability: error budget remaining', [27, 122, 58])).toBeGreaterThan(50);
    // The chart's accessible description carries the figures a screen reader needs.
    expect(await sli.getAttribute('aria-label')).toMatch(/43,20\d minutes|43200|events/);
    // Who is on call for the owning team, the dependencies and the burn-rate tiers are on the page.
    const oncall = (await api('GET', '/api/v1/oncall')).json.items as { owner: string; personDisplayName: string | null; person: string | null }[];
    const mine = oncall.find((o) => o.owner === 'payments' && o.person);
    if (mine) await expect.poll(() => page.getByRole('region', { name: 'On call now' }).textContent()).toContain(mine.personDisplayName ?? mine.person!);
    await expect.poll(() => page.getByRole('region', { name: 'Dependencies' }).textContent()).toContain('payments-api');
    await page.getByRole('table', { name: 'Burn-rate alert tiers' }).first().waitFor();
    await page.screenshot({ path: screenshotPath('04-service'), fullPage: true });
  });

  it('shows the SLO page with a selectable range and the explain arithmetic', async () => {
    await page.getByRole('link', { name: 'checkout-availability', exact: true }).first().click();
    await page.getByRole('heading', { name: /^checkout-availability/, level: 1 }).waitFor();
    await page.getByLabel('Range').selectOption('1d');
    expect(page.url()).toContain('range=1d');
    const sli = page.locator('[data-chart="checkout-availability: SLI per minute (24 hours)"]');
    await sli.and(page.locator('[data-drawn]')).waitFor({ timeout: 30_000 });
    expect(Number(await sli.getAttribute('data-points'))).toBeGreaterThanOrEqual(1440);
    const explain = await page.getByLabel('The arithmetic behind the status').textContent();
    const slo = (await api('GET', '/api/v1/slos/checkout-availability')).json;
    expect(explain).toContain('budget ratio B = 1 − 99.9% = 0.001');
    expect(explain).toContain(`SLI = good / (good + bad)`);
    expect(explain).toMatch(/page 1h\/5m: k = 14\.4, k·B = 0\.0144/);
    expect(explain).toContain(`status: ${slo.evaluation.status}`);
    await page.screenshot({ path: screenshotPath('05-slo'), fullPage: true });
  });

  it('shows who is on call now and the calendar of shifts', async () => {
    await page.getByRole('link', { name: 'On call' }).click();
    await page.getByRole('heading', { name: 'On call', level: 1 }).waitFor();
    const now = (await api('GET', '/api/v1/oncall')).json.items as { schedule: string; person: string | null; personDisplayName: string | null }[];
    const table = page.getByRole('table', { name: 'On call now' });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(now.length);
    for (const o of now) if (o.person) expect(await table.textContent()).toContain(o.personDisplayName ?? o.person);
    await page.locator('.strip .shift').first().waitFor();
    await page.screenshot({ path: screenshotPath('06-oncall'), fullPage: true });
  });

  it('shows an answer slower than the live updates: a live tick does not abandon a request in flight', async () => {
    // The fixture evaluates every 2 s, so the UI's poll (every 3 s) sees a change each time; /api/v1/oncall now takes
    // 7 s. Each tick used to drop the request in flight and start another: the table never appeared on a busy server.
    let served = 0;
    await page.route('**/api/v1/oncall', async (route) => {
      await new Promise((r) => setTimeout(r, 7000));
      served++;
      await route.continue();
    });
    try {
      await page.goto(`${pave.url}/oncall`);
      const table = page.getByRole('table', { name: 'On call now' });
      await table.locator('tbody tr').first().waitFor({ timeout: 20_000 });
      // Ticks came meanwhile (at least two polls in 7 s), and the first answer was shown, not thrown away.
      expect(served).toBeLessThanOrEqual(2);
    } finally {
      // A request still held in the handler's sleep is let go without an error.
      await page.unrouteAll({ behavior: 'ignoreErrors' });
    }
  });

  it('shows a new page without a reload, and acknowledges it', async () => {
    await page.getByRole('link', { name: 'Pages' }).click();
    await page.getByRole('heading', { name: 'Pages', level: 1 }).waitFor();
    const key = await api('POST', '/api/v1/integrations/web-test-alerts/keys');
    expect(key.status).toBe(201);
    const sent = await fetch(`${pave.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.json.key}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'CheckoutErrorsHigh', service: 'checkout', severity: 'critical' }, annotations: { summary: 'checkout 5xx above 5%' } }]),
    });
    expect(sent.status).toBe(200);
    const opened = ((await api('GET', '/api/v1/pages?status=triggered')).json.items as { id: string; scope: string; service: string }[]).find((p) => p.scope === 'web-test-alerts')!;
    expect(opened).toMatchObject({ service: 'checkout' });
    // The live poll (every 3 s) brings it in: no reload.
    const row = page.locator(`tr[data-page="${opened.id}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.textContent()).toContain('triggered');
    await page.screenshot({ path: screenshotPath('07-pages') });
    await row.getByRole('button', { name: /^Acknowledge page/ }).click();
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('acknowledged');
    const after = (await api('GET', `/api/v1/pages/${opened.id}`)).json;
    expect(after.status).toBe('acknowledged');
    expect(after.acknowledgedBy).toContain('bootstrap');
    await page.screenshot({ path: screenshotPath('08-page-acknowledged') });
  });

  it('declares an incident, adds a note, changes status, gives and hands over a role, and posts a status update', async () => {
    await page.getByRole('link', { name: 'Incidents' }).click();
    await page.getByRole('heading', { name: 'Incidents', level: 1 }).waitFor();
    await page.getByLabel('Title').fill('Checkout errors after deploy');
    await page.getByLabel('Severity').selectOption('SEV2');
    await page.getByLabel('Affected service').selectOption('checkout');
    await page.getByRole('button', { name: 'Declare' }).click();
    await page.getByRole('heading', { name: /^Incident #\d+: Checkout errors after deploy$/ }).waitFor();
    const id = /\/incident\/(\d+)$/.exec(page.url())![1]!;
    const incident = (await api('GET', `/api/v1/incidents/${id}`)).json;
    expect(incident).toMatchObject({ title: 'Checkout errors after deploy', severity: 'SEV2', services: ['checkout'], status: 'investigating' });
    await page.getByLabel('Kind').selectOption('decision');
    await page.getByRole('textbox', { name: 'Note' }).fill('Roll back checkout to v41');
    await page.getByRole('button', { name: 'Add to timeline' }).click();
    await expect.poll(() => page.getByRole('list', { name: 'Timeline' }).textContent(), { timeout: 10_000 }).toContain('Roll back checkout to v41');
    const timeline = (await api('GET', `/api/v1/incidents/${id}/timeline`)).json.items as { noteKind?: string; summary: string }[];
    expect(timeline.find((e) => e.noteKind === 'decision')?.summary).toContain('Roll back checkout to v41');
    // Status changes in place.
    await page.getByRole('combobox', { name: 'Incident status' }).selectOption('identified');
    await expect.poll(async () => (await api('GET', `/api/v1/incidents/${id}`)).json.status).toBe('identified');
    // Roles: give the commander role, then hand it over; the API keeps who held it.
    await page.getByLabel('Incident role').selectOption('commander');
    await page.getByLabel('Person for the role').selectOption('alice');
    await page.getByRole('button', { name: 'Give role' }).click();
    await expect.poll(async () => (await api('GET', `/api/v1/incidents/${id}`)).json.roles).toEqual([expect.objectContaining({ role: 'commander', person: 'alice' })]);
    await expect.poll(() => page.getByRole('region', { name: 'Roles' }).textContent()).toContain('incident commander: alice');
    await page.getByLabel('Person for the role').selectOption('bob');
    await page.getByRole('button', { name: 'Give role' }).click();
    await expect.poll(async () => (await api('GET', `/api/v1/incidents/${id}`)).json.roles).toEqual([expect.objectContaining({ role: 'commander', person: 'bob' })]);
    // A status update for subscribers.
    await page.getByLabel('Status update for subscribers').fill('We rolled back checkout; errors are falling.');
    await page.getByRole('button', { name: 'Post update' }).click();
    await expect.poll(async () => ((await api('GET', `/api/v1/incidents/${id}`)).json.statusUpdates ?? []).map((u: { message: string }) => u.message)).toContain('We rolled back checkout; errors are falling.');
    await page.screenshot({ path: screenshotPath('09-incident'), fullPage: true });
  });

  it('edits a postmortem in Markdown with a preview, warns about blame, and adds an action item', async () => {
    await page.getByRole('link', { name: 'Postmortem' }).click();
    await page.getByRole('button', { name: 'Start the postmortem' }).click();
    const rootCauses = page.getByLabel('Root causes', { exact: true });
    await rootCauses.waitFor();
    const id = /\/incident\/(\d+)\/postmortem$/.exec(page.url())![1]!;
    const text = 'A **bad config** reached `checkout`: human error during the deploy.';
    await rootCauses.fill(text);
    // The preview renders Markdown as elements (bold, code), not as raw text.
    const preview = page.getByLabel('Root causes preview');
    await expect.poll(() => preview.locator('strong').textContent()).toBe('bad config');
    expect(await preview.locator('code').textContent()).toBe('checkout');
    await page.getByRole('button', { name: /^Save 1 changed section/ }).click();
    await page.getByText('Saved 1 section(s).').waitFor();
    const view = (await api('GET', `/api/v1/incidents/${id}/postmortem`)).json;
    expect(view.sections.rootCauses).toBe(text);
    expect(view.warnings.map((w: { code: string }) => w.code)).toContain('blame_human_error');
    await page.getByRole('note').getByText(/human error/i).first().waitFor();
    await page.getByLabel('What is to be done').fill('Validate checkout config in CI');
    await page.getByLabel('Owner (person or team)').fill('payments');
    await page.getByRole('button', { name: 'Add action item' }).click();
    await expect.poll(() => page.getByRole('table', { name: 'Action items' }).textContent(), { timeout: 10_000 }).toContain('Validate checkout config in CI');
    const items = (await api('GET', `/api/v1/incidents/${id}/postmortem`)).json.actionItems as { title: string; owner: string; type: string }[];
    expect(items).toEqual([expect.objectContaining({ title: 'Validate checkout config in CI', owner: 'payments', type: 'prevent' })]);
    await page.screenshot({ path: screenshotPath('10-postmortem'), fullPage: true });
  });

  it("changes a flag's rollout percentage, and refuses an impossible one with a clear message", async () => {
    await page.getByRole('link', { name: 'Flags' }).click();
    const row = page.locator('tr[data-flag="new-checkout"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('10%');
    const input = row.getByLabel('Rollout % of new-checkout');
    await input.fill('150');
    await row.getByRole('button', { name: 'Set' }).click();
    await expect.poll(() => row.getByRole('alert').textContent()).toContain('whole number from 0 to 100');
    await input.fill('25');
    await row.getByRole('button', { name: 'Set' }).click();
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('25%');
    const flag = (await api('GET', '/api/v1/flags/new-checkout')).json;
    expect(flag.effective.percentage).toBe(25);
    expect(flag.runtime.updatedBy).toContain('bootstrap');
    // The change is on record as a change event of the flag's service.
    const changes = (await api('GET', '/api/v1/changes?service=checkout&kind=flag')).json.items as { summary: string }[];
    expect(changes.length).toBeGreaterThan(0);
    await page.screenshot({ path: screenshotPath('11-flags') });
  });

  it('is usable with the keyboard alone: skip link, navigation and focus on the new page', async () => {
    await page.goto(`${pave.url}/`);
    await page.getByRole('heading', { name: 'Service catalog' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    // Through the brand link to "On call", then Enter.
    for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('On call');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'On call', level: 1 }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
  });

  it('signs out: the cookie is gone, the API refuses the browser, and a copy of the cookie is worth nothing', async () => {
    expect((await fetch(`${pave.url}/api/v1/services`, { headers: { cookie: signedInCookie } })).status).toBe(200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    expect((await chrome.context.cookies(pave.url)).find((c) => c.name === 'pave_session')).toBeUndefined();
    expect(await page.evaluate(async () => (await fetch('/api/v1/services')).status)).toBe(401);
    // The session ended on the server, not only in this browser.
    expect((await fetch(`${pave.url}/api/v1/services`, { headers: { cookie: signedInCookie } })).status).toBe(401);
  });
});
