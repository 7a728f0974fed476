// pave oncall and pave schedule: the real CLI in a child process, on a local data folder with the example catalog
// and against a running server with tokens of each role.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { paymentsSchedule } from '../api/oncall-fixture.js';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { runCli } from '../support/cli.js';

describe('pave oncall and pave schedule on a local data folder with the examples', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pave-cli-oncall-'));
    cpSync(inject('pgliteTemplate'), join(dir, 'data'), { recursive: true });
    env = { PAVE_DATA_DIR: join(dir, 'data') };
    expect((await runCli(['apply', 'examples'], { env })).code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says who is on call at an instant, in each schedule\'s own time', async () => {
    // Friday 27 March 2026, 10:00 UTC.
    const r = await runCli(['oncall', '--at', '2026-03-27T10:00:00Z'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'SCHEDULE            PERSON  SINCE                   UNTIL                   VIA',
      // Weekly from Monday 10:00 in Paris: chen's week (the third since 5 January) runs into summer time.
      'payments-primary    chen    2026-03-23 10:00+01:00  2026-03-30 10:00+02:00  layer weekly',
      // European daytime in Berlin: hana has the week from Monday 23 March.
      'platform-primary    hana    2026-03-27 08:00+01:00  2026-03-27 20:00+01:00  layer europe',
      // Daily at 09:00 in New York (already on summer time).
      'storefront-primary  ivan    2026-03-26 09:00-04:00  2026-03-27 09:00-04:00  layer daily',
      '',
    ]);
    const json = JSON.parse((await runCli(['--json', 'oncall', 'platform-primary', '--at', '2026-03-27T21:00:00+01:00'], { env })).stdout);
    expect(json).toEqual({
      at: '2026-03-27T20:00:00.000Z',
      items: [
        {
          schedule: 'platform-primary',
          displayName: 'Platform primary',
          owner: 'platform',
          timezone: 'Europe/Berlin',
          person: 'goro',
          personDisplayName: 'Goro Tanaka',
          source: { type: 'layer', layer: 'tokyo' },
          shift: { start: '2026-03-27T19:00:00.000Z', end: '2026-03-28T07:00:00.000Z', sources: [{ type: 'layer', layer: 'tokyo' }] },
        },
      ],
    });
  });

  it("lists a range's shifts, with wall-clock times read in the schedule's zone", async () => {
    const r = await runCli(['schedule', 'shifts', 'platform-primary', '--from', '2026-03-28T18:00', '--to', '2026-03-29T12:00'], { env });
    expect(r.code, r.stderr).toBe(0);
    // Berlin goes to summer time at 02:00 on Sunday 29 March: goro's night is 11 hours.
    expect(r.stdout.split('\n')).toEqual([
      'PERSON  FROM                    UNTIL                   HOURS  VIA',
      'hana    2026-03-28 18:00+01:00  2026-03-28 20:00+01:00  2      layer europe',
      'goro    2026-03-28 20:00+01:00  2026-03-29 08:00+02:00  11     layer tokyo',
      'hana    2026-03-29 08:00+02:00  2026-03-29 12:00+02:00  4      layer europe',
      '',
    ]);
    const json = JSON.parse((await runCli(['--json', 'schedule', 'shifts', 'platform-primary', '--from', '2026-03-28T18:00', '--to', '2026-03-29T12:00'], { env })).stdout);
    expect(json.items.map((s: { person: string; start: string }) => `${s.person} ${s.start}`)).toEqual(['hana 2026-03-28T17:00:00.000Z', 'goro 2026-03-28T19:00:00.000Z', 'hana 2026-03-29T06:00:00.000Z']);
  });

  it('exits 1 when pave refuses, and 2 on usage errors', async () => {
    const missing = await runCli(['oncall', 'nope'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Schedule "nope" does not exist');
    const tooLong = await runCli(['schedule', 'shifts', 'payments-primary', '--from', '2026-01-01T00:00:00Z', '--to', '2027-06-01T00:00:00Z'], { env });
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toContain('ask for at most 366 days at a time');
    expect((await runCli(['oncall', '--at', 'tomorrow'], { env })).code).toBe(1);
    expect((await runCli(['schedule', 'override', 'payments-primary', '--person', 'alice'], { env })).code).toBe(2);
    expect((await runCli(['schedule', 'feed-url'], { env })).code).toBe(2);
  });
});

describe('pave schedule against a server', () => {
  let api: TestApi;
  let env: Record<string, string>;
  beforeAll(async () => {
    api = await startTestApi('pglite', { catalog: baseCatalog + paymentsSchedule, now: () => new Date('2026-03-25T10:00:00Z') });
    env = { PAVE_URL: await api.app.listen({ host: '127.0.0.1', port: 0 }) };
  });
  afterAll(async () => {
    await api?.close();
  });

  it('makes, lists and deletes overrides for the owning team only', async () => {
    const args = ['schedule', 'override', 'payments-primary', '--person', 'alice', '--start', '2026-03-28T15:00', '--end', '2026-03-28T17:00', '--reason', 'bob at a wedding'];
    const viewer = await runCli(args, { env: { ...env, PAVE_TOKEN: api.tokens.viewer } });
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toContain('a viewer token cannot change configuration');
    const other = await runCli(args, { env: { ...env, PAVE_TOKEN: api.tokens.storefront } });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('Schedule/payments-primary is currently owned by payments, not storefront');

    const made = await runCli(args, { env: { ...env, PAVE_TOKEN: api.tokens.payments } });
    expect(made.code, made.stderr).toBe(0);
    const id = /^override (\d+): alice is on call for payments-primary from 2026-03-28T14:00:00\.000Z until 2026-03-28T16:00:00\.000Z\n$/.exec(made.stdout)?.[1];
    expect(id, made.stdout).toBeDefined();

    const list = await runCli(['schedule', 'overrides', 'payments-primary'], { env: { ...env, PAVE_TOKEN: api.tokens.viewer } });
    expect(list.stdout).toMatch(/^ID\s+PERSON\s+START\s+END\s+BY\s+REASON\n/);
    expect(list.stdout).toMatch(/spec 0\s+chen\s+2026-03-28T09:00:00\.000Z\s+2026-03-28T11:00:00\.000Z\s+\(YAML\)\s+config cover/);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+alice\\s+2026-03-28T14:00:00\\.000Z\\s+2026-03-28T16:00:00\\.000Z\\s+token:\\w+ \\(payments-member\\)\\s+bob at a wedding`));
    const who = await runCli(['oncall', 'payments-primary', '--at', '2026-03-28T14:30:00Z'], { env: { ...env, PAVE_TOKEN: api.tokens.viewer } });
    expect(who.stdout).toContain(`alice   2026-03-28 15:00+01:00  2026-03-28 17:00+01:00  override ${id}: bob at a wedding`);

    const denied = await runCli(['schedule', 'delete-override', 'payments-primary', id!], { env: { ...env, PAVE_TOKEN: api.tokens.storefront } });
    expect(denied.code).toBe(1);
    const deleted = await runCli(['schedule', 'delete-override', 'payments-primary', id!], { env: { ...env, PAVE_TOKEN: api.tokens.payments } });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe(`deleted override ${id}: alice from 2026-03-28T14:00:00.000Z until 2026-03-28T16:00:00.000Z\n`);
    const audit = JSON.parse((await runCli(['--json', 'audit', '--kind', 'ScheduleOverride'], { env: { ...env, PAVE_TOKEN: api.tokens.viewer } })).stdout);
    expect(audit.map((e: { action: string; name: string }) => `${e.action} ${e.name}`)).toEqual([`delete payments-primary/${id}`, `create payments-primary/${id}`]);
  });

  it('prints a feed link that a calendar can fetch without a token', async () => {
    const r = await runCli(['schedule', 'feed-url', 'payments-primary', '--days', '30'], { env: { ...env, PAVE_TOKEN: api.tokens.viewer } });
    expect(r.code, r.stderr).toBe(0);
    const url = r.stdout.trim();
    expect(url).toMatch(new RegExp(`^${env.PAVE_URL}/api/v1/schedules/payments-primary/feed\\.ics\\?expires=\\d+&signature=[\\w-]{43}$`));
    expect(r.stderr).toContain('valid until 2026-04-24T10:00:00.000Z');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^BEGIN:VCALENDAR\r\n[\s\S]*UID:payments-primary\/chen\/20260325T080000Z@pave\r\n/);
    const person = await runCli(['--json', 'schedule', 'feed-url', '--person', 'alice'], { env: { ...env, PAVE_TOKEN: api.tokens.viewer } });
    expect(JSON.parse(person.stdout).url).toMatch(new RegExp(`^${env.PAVE_URL}/api/v1/people/alice/feed\\.ics\\?`));
  });
});
