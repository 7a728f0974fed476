// pave silence, pave notification and pave escalation: the real CLI in a child process against a server. A silence
// added from the CLI keeps a PagerDuty trigger off a page until it is ended; the next trigger pages, and its
// escalation and notification (delivered to a local webhook receiver) are read back through the CLI.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrations } from '../api/paging-fixture.js';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { runCli } from '../support/cli.js';

describe('pave silence, notification and escalation against a server', () => {
  let api: TestApi;
  let env: Record<string, string>;
  let receiver: Server;
  const received: string[] = [];
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      received.push(req.url ?? '');
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook/dora?token=s3cret`;
    const paging = `
---
apiVersion: pave/v1
kind: Person
metadata: { name: dora }
spec: { displayName: Dora, timezone: Europe/Paris, contacts: [ { type: webhook, url: "${hook}" } ] }
---
apiVersion: pave/v1
kind: EscalationPolicy
metadata: { name: payments-oncall }
spec:
  owner: payments
  steps: [ { targets: [ { person: dora } ], escalateAfter: 10m } ]
`;
    api = await startTestApi('pglite', { catalog: baseCatalog + integrations + paging });
    env = { PAVE_URL: await api.app.listen({ host: '127.0.0.1', port: 0 }) };
  });
  afterAll(async () => {
    await api?.close();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  });

  const trigger = async (dedupKey: string) => {
    const key = /: ([0-9a-f]{32})\n/.exec((await runCli(['integration', 'key', 'pd-payments'], { env: { ...env, PAVE_TOKEN: api.tokens.admin } })).stdout)![1]!;
    const res = await fetch(`${env.PAVE_URL}/v2/enqueue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ routing_key: key, event_action: 'trigger', dedup_key: dedupKey, payload: { summary: `${dedupKey} is down`, source: 'db-01', severity: 'critical' } }),
    });
    expect(res.status).toBe(202);
  };

  it('adds a silence for the owning team only, keeps alerts off pages while it is in force, and ends it', async () => {
    const payments = { ...env, PAVE_TOKEN: api.tokens.payments };
    const add = ['silence', 'add', 'db-upgrade', '--service', 'checkout', '--match', 'severity=critical', '--for', '2h', '--author', 'alice', '--reason', 'PostgreSQL upgrade'];
    const denied = await runCli(add, { env: { ...env, PAVE_TOKEN: api.tokens.storefront } });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('denied:');
    const added = await runCli(add, { env: payments });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^silence db-upgrade added: \S+ until \S+\n$/);
    const again = await runCli(add, { env: payments });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('silence db-upgrade exists already');

    const list = await runCli(['--json', 'silence', 'list', '--active'], { env: { ...env, PAVE_TOKEN: api.tokens.viewer } });
    expect(list.code, list.stderr).toBe(0);
    const active = JSON.parse(list.stdout) as { metadata: { name: string }; spec: { services: string[]; matchers: Record<string, string>; author: string }; active: boolean }[];
    expect(active).toMatchObject([{ metadata: { name: 'db-upgrade' }, spec: { services: ['checkout'], matchers: { severity: 'critical' }, author: 'alice' }, active: true }]);

    await trigger('db-01/down');
    const pages = JSON.parse((await runCli(['--json', 'page', 'list'], { env: payments })).stdout) as unknown[];
    expect(pages).toEqual([]);
    const silenced = (await api.call('GET', '/api/v1/alerts?silenced=true', { token: api.tokens.viewer })).json() as { items: { silencedBy: string }[] };
    expect(silenced.items.map((a) => a.silencedBy)).toEqual(['db-upgrade']);

    const ended = await runCli(['silence', 'end', 'db-upgrade'], { env: payments });
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toMatch(/^silence db-upgrade ended at \S+\n$/);
    expect(JSON.parse((await runCli(['--json', 'silence', 'list', '--active'], { env: payments })).stdout)).toEqual([]);
    const endedAgain = await runCli(['silence', 'end', 'db-upgrade'], { env: payments });
    expect(endedAgain.code).toBe(1);
    expect(endedAgain.stderr).toContain('silence db-upgrade already ended');
    // The audit log has both writes, by the payments token.
    const audit = (await api.call('GET', '/api/v1/audit?kind=Silence', { token: api.tokens.admin })).json() as { items: { action: string; name: string }[] };
    expect(audit.items.map((e) => `${e.action} ${e.name}`).sort()).toEqual(['create db-upgrade', 'update db-upgrade']);
  }, 240_000);

  it('refuses bad silences with the field named, and usage errors with exit 2', async () => {
    const payments = { ...env, PAVE_TOKEN: api.tokens.payments };
    const bad = await runCli(['silence', 'add', 'oops', '--service', 'checkout', '--for', '90x', '--author', 'alice', '--reason', 'x'], { env: payments });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/pave-silence\.yaml:\d+:\d+: error: spec\.duration/);
    const badMatch = await runCli(['silence', 'add', 'oops', '--match', 'alertname', '--author', 'alice', '--reason', 'x'], { env: payments });
    expect(badMatch.code).toBe(2);
    expect(badMatch.stderr).toContain('--match must be label=matcher');
    expect((await runCli(['silence', 'add', 'oops', '--service', 'checkout', '--author', 'alice'], { env: payments })).code).toBe(2);
  }, 120_000);

  it('lists the escalation and the notification of a page, delivered to the webhook, without the URL path', async () => {
    await trigger('db-02/down');
    const payments = { ...env, PAVE_TOKEN: api.tokens.payments };
    const [page] = JSON.parse((await runCli(['--json', 'page', 'list'], { env: payments })).stdout) as { id: string }[];
    expect(page).toBeDefined();
    await api.app.escalator.runOnce();
    await api.app.outbox.runOnce();
    expect(received).toEqual(['/hook/dora?token=s3cret']);

    const escalations = await runCli(['escalation', 'list'], { env: payments });
    expect(escalations.code, escalations.stderr).toBe(0);
    expect(escalations.stdout).toMatch(new RegExp(`^${page!.id}\\s+payments-oncall\\s+active\\s`, 'm'));
    const shown = JSON.parse((await runCli(['--json', 'escalation', 'show', page!.id], { env: payments })).stdout) as { events: { type: string; step: number | null }[] };
    expect(shown.events.map((e) => e.type)).toEqual(['started', 'step_fired']);

    const list = JSON.parse((await runCli(['--json', 'notification', 'list', '--page', page!.id], { env: payments })).stdout) as { id: string; state: string; person: string; destination: { url: string } }[];
    expect(list).toMatchObject([{ state: 'sent', person: 'dora' }]);
    // The webhook URL carries a token: readers see its origin only.
    expect(list[0]!.destination.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/…$/);
    const show = await runCli(['notification', 'show', list[0]!.id], { env: payments });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^1\s+\S+\s+sent\s+\d+\s+204\s*$/m);
    expect(show.stdout).not.toContain('s3cret');
    // Only dead notifications are retried, and only by admins.
    expect((await runCli(['notification', 'retry', list[0]!.id], { env: payments })).code).toBe(1);
    const notDead = await runCli(['notification', 'retry', list[0]!.id], { env: { ...env, PAVE_TOKEN: api.tokens.admin } });
    expect(notDead.code).toBe(1);
    expect(notDead.stderr).toContain('is sent, not dead');
    expect((await runCli(['notification', 'list', '--state', 'lost'], { env: payments })).code).toBe(2);
    expect(JSON.parse((await runCli(['--json', 'notification', 'list', '--state', 'dead'], { env: payments })).stdout)).toEqual([]);
  }, 240_000);
});
