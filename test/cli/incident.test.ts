// pave incident: the real CLI in a child process against a server — declare (back-dated), list, role, note, update
// (a refused transition exits 1 with from → to), status-update, resolve and show with its metrics and timeline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { runCli } from '../support/cli.js';

describe('pave incident against a server', () => {
  let api: TestApi;
  let env: Record<string, string>;
  let now = Date.parse('2026-03-25T10:00:00Z');
  beforeAll(async () => {
    api = await startTestApi('pglite', { catalog: baseCatalog, now: () => new Date(now) });
    env = { PAVE_URL: await api.app.listen({ host: '127.0.0.1', port: 0 }) };
  });
  afterAll(async () => {
    await api?.close();
  });
  const as = (token: keyof TestApi['tokens']) => ({ env: { ...env, PAVE_TOKEN: api.tokens[token] } });

  it('declares, assigns, notes, moves through the lifecycle and shows the metrics and timeline', async () => {
    const declared = await runCli(['--json', 'incident', 'declare', 'Checkout errors', '--service', 'checkout', '--severity', 'SEV2', '--impact-start', '2026-03-25T09:40:00Z', '--commander', 'alice'], as('payments'));
    expect(declared.code, declared.stderr).toBe(0);
    const inc = JSON.parse(declared.stdout);
    expect(inc).toMatchObject({ title: 'Checkout errors', severity: 'SEV2', services: ['checkout'], impactStartAt: '2026-03-25T09:40:00.000Z', detectedAt: '2026-03-25T10:00:00.000Z', roles: [{ role: 'commander', person: 'alice' }] });

    // The scale is the server's configuration: it answers for it.
    const offScale = await runCli(['incident', 'declare', 'x', '--service', 'checkout', '--severity', 'SEV9'], as('payments'));
    expect(offScale.code).toBe(1);
    expect(offScale.stderr).toContain('severity must be one of SEV1, SEV2, SEV3, SEV4, not "SEV9"');
    const denied = await runCli(['incident', 'note', inc.id, 'not mine'], as('storefront'));
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('handled by payments, not storefront');

    now += 5 * 60_000;
    const note = await runCli(['incident', 'note', inc.id, 'rolled back v42', '--kind', 'irreversible_action'], as('payments'));
    expect(note.code, note.stderr).toBe(0);
    expect(note.stdout).toBe(`irreversible_action added to incident ${inc.id} at 2026-03-25T10:05:00.000Z\n`);
    const role = await runCli(['incident', 'role', inc.id, 'communications', 'bob'], as('payments'));
    expect(role.stdout).toBe(`bob is now communications of incident ${inc.id}\n`);

    const monitoring = await runCli(['incident', 'update', inc.id, '--status', 'monitoring', '--reason', 'error rate back to normal'], as('payments'));
    expect(monitoring.code, monitoring.stderr).toBe(0);
    // Impact 09:40, detected 10:00, engaged 10:00 (alice joined as commander at declaration), mitigated 10:05.
    expect(monitoring.stdout).toBe(`incident ${inc.id}: monitoring, SEV2; TTD 20m, TTE 0s, TTF 5m, TTM 25m\n`);
    const refused = await runCli(['incident', 'update', inc.id, '--status', 'monitoring'], as('payments'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('status monitoring → monitoring refused');

    const update = await runCli(['incident', 'status-update', inc.id, 'Payments work again; we are watching.'], as('payments'));
    expect(update.stdout).toBe(`status update posted to incident ${inc.id} (monitoring); 0 subscribers notified\n`);

    now += 10 * 60_000;
    const resolved = await runCli(['incident', 'resolve', inc.id], as('payments'));
    expect(resolved.stdout).toBe(`incident ${inc.id} resolved at 2026-03-25T10:15:00.000Z; TTM 25m\n`);

    const list = await runCli(['incident', 'list'], as('viewer'));
    const lines = list.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+SEVERITY\s+STATUS\s+SERVICES\s+TITLE\s+DECLARED\s+TTM$/);
    expect(lines[1]).toMatch(new RegExp(`^${inc.id}\\s+SEV2\\s+resolved\\s+checkout\\s+Checkout errors\\s+2026-03-25T10:00:00.000Z\\s+25m$`));

    const show = await runCli(['incident', 'show', inc.id], as('viewer'));
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`incident ${inc.id}: Checkout errors`);
    expect(show.stdout).toContain('detected:  2026-03-25T10:00:00.000Z  TTD 20m');
    expect(show.stdout).toContain('roles:     commander alice, communications bob');
    expect(show.stdout).toContain('[irreversible_action] Irreversible action: rolled back v42');
    expect(show.stdout).toContain('Status monitoring → resolved');
    expect(show.stdout).toMatch(/2026-03-25T10:05:00.000Z\s+monitoring\s+Payments work again; we are watching\./);
    expect((await runCli(['incident', 'show', 'x1'], as('viewer'))).code).toBe(2);
    // Fourteen CLI processes, each several seconds on a loaded 2-core machine (about two minutes in all here).
  }, 300_000);
});
