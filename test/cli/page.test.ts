// pave integration and pave page: the real CLI in a child process against a server, with a PagerDuty sender paging
// the checkout service's team.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrations } from '../api/paging-fixture.js';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { runCli } from '../support/cli.js';

describe('pave integration and pave page against a server', () => {
  let api: TestApi;
  let env: Record<string, string>;
  beforeAll(async () => {
    api = await startTestApi('pglite', { catalog: baseCatalog + integrations, now: () => new Date('2026-03-25T10:00:00Z') });
    env = { PAVE_URL: await api.app.listen({ host: '127.0.0.1', port: 0 }) };
  });
  afterAll(async () => {
    await api?.close();
  });

  it('mints a key once, pages through it, and lists, shows, acknowledges and resolves the page', async () => {
    const denied = await runCli(['integration', 'key', 'pd-payments'], { env: { ...env, PAVE_TOKEN: api.tokens.storefront } });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('Integration/pd-payments is currently owned by payments, not storefront');
    const minted = await runCli(['integration', 'key', 'pd-payments'], { env: { ...env, PAVE_TOKEN: api.tokens.payments } });
    expect(minted.code, minted.stderr).toBe(0);
    const key = /key \(shown once, store it now\): ([0-9a-f]{32})\n/.exec(minted.stdout)?.[1];
    expect(key, minted.stdout).toBeDefined();
    expect(minted.stdout).toContain('senders post to POST /v2/enqueue');
    const keys = await runCli(['integration', 'keys', 'pd-payments'], { env: { ...env, PAVE_TOKEN: api.tokens.payments } });
    expect(keys.stdout).not.toContain(key!);

    const sent = await fetch(`${env.PAVE_URL}/v2/enqueue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ routing_key: key, event_action: 'trigger', dedup_key: 'db-01/down', payload: { summary: 'db-01 is down', source: 'db-01', severity: 'critical' } }),
    });
    expect(sent.status).toBe(202);

    const list = await runCli(['page', 'list', '--status', 'triggered'], { env: { ...env, PAVE_TOKEN: api.tokens.viewer } });
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+TEAM\s+SERVICE\s+TITLE\s+CREATED$/);
    const id = /^(\d+)\s+triggered\s+payments\s+checkout\s+db-01 is down\s+2026-03-25T10:00:00\.000Z$/.exec(lines[1]!)?.[1];
    expect(id, list.stdout).toBeDefined();

    const show = await runCli(['page', 'show', id!], { env: { ...env, PAVE_TOKEN: api.tokens.viewer } });
    expect(show.stdout).toContain(`page ${id}: db-01 is down`);
    expect(show.stdout).toContain('routed:  payments via service checkout (integration service checkout → owned by payments)');
    expect(show.stdout).toMatch(/triggered\s+integration:pd-payments/);

    const viewer = await runCli(['page', 'ack', id!], { env: { ...env, PAVE_TOKEN: api.tokens.viewer } });
    expect(viewer.code).toBe(1);
    const other = await runCli(['page', 'ack', id!], { env: { ...env, PAVE_TOKEN: api.tokens.storefront } });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('only its members or an admin may handle it');
    const ack = await runCli(['page', 'ack', id!], { env: { ...env, PAVE_TOKEN: api.tokens.payments } });
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toBe(`page ${id} acknowledged: db-01 is down\n`);
    expect((await runCli(['page', 'ack', id!], { env: { ...env, PAVE_TOKEN: api.tokens.payments } })).stdout).toBe(`page ${id} was already acknowledged\n`);
    const resolved = await runCli(['--json', 'page', 'resolve', id!], { env: { ...env, PAVE_TOKEN: api.tokens.payments } });
    expect(JSON.parse(resolved.stdout)).toMatchObject({ id, status: 'resolved', changed: true });
    const again = await runCli(['page', 'resolve', id!], { env: { ...env, PAVE_TOKEN: api.tokens.payments } });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('a new trigger opens a new page');
    expect((await runCli(['page', 'show', 'x1'], { env: { ...env, PAVE_TOKEN: api.tokens.viewer } })).code).toBe(2);
    // Fourteen CLI processes, each a few seconds on a loaded 2-core machine.
  }, 180_000);
});
