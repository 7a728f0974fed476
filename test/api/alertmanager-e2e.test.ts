// A real Alertmanager delivering to pave with the receiver `pave alertmanager config` prints (its timings shortened
// so the test takes seconds): alerts posted to Alertmanager's API v2 open one page per group, repeated notifications
// do not page again, and the page resolves when Alertmanager reports the group resolved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { alertmanagerConfig } from '../../src/rules/alertmanager-config.js';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { alertmanagerBinary, startAlertmanager, type RunningAlertmanager } from '../support/alertmanager.js';
import { integrations } from './paging-fixture.js';

type Json = Record<string, any>;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, log?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${log ? `\n${log().slice(-3000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!alertmanagerBinary)('a real Alertmanager delivering to pave', () => {
  let api: TestApi;
  let am: RunningAlertmanager;
  beforeAll(async () => {
    api = await startTestApi('pglite', { catalog: baseCatalog + integrations });
    const paveUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const key = (await api.call('POST', '/api/v1/integrations/prom/keys', { token: api.tokens.admin })).json().key as string;
    am = await startAlertmanager(
      (dir) => {
        const config = parse(alertmanagerConfig({ paveUrl, keyFile: `${dir}/pave.key` }));
        // Seconds instead of minutes and hours; the receiver is exactly what pave prints.
        Object.assign(config.route, { group_wait: '500ms', group_interval: '1s', repeat_interval: '2s' });
        return stringify(config);
      },
      { 'pave.key': key },
    );
  }, 60_000);
  afterAll(async () => {
    await am?.stop();
    await api?.close();
  });

  const postToAlertmanager = async (alerts: unknown[]) => {
    const res = await fetch(`${am.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    expect(res.status, await res.text()).toBe(200);
  };
  const promPages = async (): Promise<Json[]> => (await api.call('GET', '/api/v1/pages?limit=1000', { token: api.tokens.viewer })).json().items.filter((p: Json) => p.scope === 'prom');
  const page = async (id: string): Promise<Json> => (await api.call('GET', `/api/v1/pages/${id}`, { token: api.tokens.viewer })).json();
  const latency = (instance: string, endsAt: string) => ({
    labels: { alertname: 'HighLatency', service: 'checkout', instance, severity: 'page' },
    annotations: { summary: 'checkout is slow' },
    endsAt,
  });

  it('opens one page per group, does not page again on repeats, and resolves the page with the group', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    await postToAlertmanager([latency('a', later), latency('b', later), { labels: { alertname: 'DiskFull', service: 'web' }, endsAt: later }]);
    const opened = await until(
      'two pages with all three alerts',
      async () => {
        const pages = await promPages();
        if (pages.length !== 2) return undefined;
        const details = await Promise.all(pages.map((p) => page(p.id)));
        return details.reduce((n, p) => n + p.alerts.length, 0) === 3 ? details : undefined;
      },
      30_000,
      am.log,
    );
    const latencyPage = opened.find((p) => p.groupLabels.alertname === 'HighLatency')!;
    const diskPage = opened.find((p) => p.groupLabels.alertname === 'DiskFull')!;
    expect(latencyPage).toMatchObject({ team: 'payments', service: 'checkout', status: 'triggered' });
    expect(diskPage).toMatchObject({ team: 'storefront', service: 'web', status: 'triggered' });
    expect(latencyPage.alerts.map((a: Json) => a.labels.instance).sort()).toEqual(['a', 'b']);
    // Alertmanager's fingerprints are the alerts' identities.
    expect(latencyPage.alerts.every((a: Json) => /^[0-9a-f]{16}$/.test(a.identity))).toBe(true);

    // Alertmanager repeats the group every 2 s: pave takes each repeat and pages no more.
    await until('repeated notifications', async () => ((await page(latencyPage.id)).alerts.every((a: Json) => a.receivedCount >= 3) ? true : undefined), 30_000, am.log);
    expect(await promPages()).toHaveLength(2);
    const repeated = await page(latencyPage.id);
    expect(repeated.events.map((e: Json) => e.type)).toEqual(['triggered', 'alert_added']);
    expect(repeated.status).toBe('triggered');

    // One alert of the group resolves: the page stays; the other resolves: the page resolves with the group.
    const now = new Date().toISOString();
    await postToAlertmanager([latency('a', now)]);
    await until('alert a resolved', async () => ((await page(latencyPage.id)).alerts.find((a: Json) => a.labels.instance === 'a')?.status === 'resolved' ? true : undefined), 30_000, am.log);
    expect((await page(latencyPage.id)).status).toBe('triggered');
    await postToAlertmanager([latency('b', new Date().toISOString())]);
    const resolved = await until('the page resolved', async () => {
      const p = await page(latencyPage.id);
      return p.status === 'resolved' ? p : undefined;
    }, 30_000, am.log);
    expect(resolved.resolvedBy).toBe('pave:auto-resolve');
    expect(resolved.events.map((e: Json) => e.type)).toEqual(['triggered', 'alert_added', 'alert_resolved', 'alert_resolved', 'resolved']);
    expect((await page(diskPage.id)).status).toBe('triggered');
    expect(await promPages()).toHaveLength(2);
  }, 120_000);
});
