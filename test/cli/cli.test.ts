import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';
import { runCli } from '../support/cli.js';

describe('pave CLI against a running server', () => {
  let api: TestApi;
  let url: string;
  let dir: string;
  const file = (name: string, content: string) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const svc = (name: string, owner: string, extra = '') => `apiVersion: pave/v1\nkind: Service\nmetadata: { name: ${name} }\nspec: { owner: ${owner}${extra} }\n`;

  beforeAll(async () => {
    api = await startTestApi('pglite');
    url = await api.app.listen({ host: '127.0.0.1', port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'pave-cli-'));
  });
  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enforces the permission matrix with documented exit codes', async () => {
    const own = file('own.yaml', svc('payments-api', 'payments', ', tier: important'));
    const other = file('other.yaml', svc('web', 'storefront', ', tier: critical, dependsOn: [ { service: checkout } ]'));
    const other2 = file('other2.yaml', svc('web', 'storefront', ', tier: best-effort, dependsOn: [ { service: checkout } ]'));
    const cases: [string, string | undefined, string, number, RegExp][] = [
      ['admin', api.tokens.admin, other, 0, /Applied: 0 created, 1 updated/],
      ['own team', api.tokens.payments, own, 0, /~ update Service\/payments-api\n {4}spec\.tier: "critical" -> "important"/],
      ['other team', api.tokens.payments, other2, 1, /not allowed to change Service\/web|Service\/web is currently owned by storefront, not payments/],
      ['viewer', api.tokens.viewer, own, 1, /viewer token cannot change configuration/],
      ['ingest', api.tokens.ingest, own, 1, /ingest token cannot change configuration/],
      ['no token', undefined, own, 1, /missing bearer token/],
      ['bad token', 'pave_0000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', own, 1, /invalid, expired or revoked token/],
    ];
    for (const [who, token, path, code, output] of cases) {
      const r = await runCli(['apply', path], { env: { PAVE_URL: url, PAVE_TOKEN: token } });
      expect({ who, code: r.code }).toEqual({ who, code });
      expect(r.stdout + r.stderr, who).toMatch(output);
    }
    // Reads: every role but ingest; none without a token.
    for (const [token, code] of [[api.tokens.viewer, 0], [api.tokens.payments, 0], [api.tokens.ingest, 1], [undefined, 1]] as const) {
      const r = await runCli(['--server', url, ...(token ? ['--token', token] : []), 'get', 'services'], {});
      expect(r.code).toBe(code);
    }
    // Eleven CLI processes one after another, each starting tsx: over a minute when CI runs other suites beside it.
  }, 240_000);

  it('lists, shows and filters objects as tables, YAML and JSON', async () => {
    const env = { PAVE_URL: url, PAVE_TOKEN: api.tokens.viewer };
    const table = await runCli(['get', 'svc', '--filter', 'owner=payments'], { env });
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+OWNER\s+TIER\s+LIFECYCLE\s+DEPENDSON$/);
    expect(table.stdout).toMatch(/checkout\s+payments\s+critical\s+production\s+payments-api/);
    expect(table.stdout).not.toContain('web');
    const yaml = await runCli(['get', 'service', 'checkout'], { env });
    expect(yaml.stdout).toContain('kind: Service\nmetadata:\n  name: checkout');
    const json = await runCli(['--json', 'get', 'teams'], { env });
    expect(JSON.parse(json.stdout).map((t: { metadata: { name: string } }) => t.metadata.name)).toEqual(['payments', 'storefront']);
    const missing = await runCli(['get', 'service', 'nope'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Service "nope" does not exist');
    const unknownKind = await runCli(['get', 'widgets'], { env });
    expect(unknownKind.code).toBe(2);
    expect(unknownKind.stderr).toContain('unknown kind "widgets"');
  });

  it('plans with a field diff and validates with file:line:column errors', async () => {
    const env = { PAVE_URL: url, PAVE_TOKEN: api.tokens.admin };
    const changed = file('plan.yaml', svc('checkout', 'payments', ', tier: best-effort, dependsOn: [ { service: payments-api } ]'));
    const plan = await runCli(['plan', changed], { env });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toBe('~ update Service/checkout\n    spec.tier: "critical" -> "best-effort"\nPlan: 0 to create, 1 to update, 0 to delete, 0 unchanged.\n');
    expect((await api.call('GET', '/api/v1/services/checkout', { token: api.tokens.admin })).json().spec.tier).toBe('critical');

    const bad = file('bad.yaml', `${svc('refunds', 'payments')}---\napiVersion: pave/v1\nkind: Service\nmetadata: { name: ledger }\nspec:\n  owner: payments\n  tier: 3\n`);
    const offline = await runCli(['validate', bad], {});
    expect(offline.code).toBe(1);
    // Offline, references must resolve within the files given; the team lives only on the server.
    expect(offline.stderr).toContain(`${bad}:4:16: error: spec.owner: Service/refunds refers to Team "payments", which does not exist`);
    expect(offline.stderr).toContain(`${bad}:11:9: error: spec.tier: not an allowed value (expected one of "critical", "important", "best-effort", found number 3)`);
    const remote = await runCli(['apply', bad], { env });
    expect(remote.code).toBe(1);
    expect(remote.stderr).toContain(`${bad}:11:9: error: spec.tier`);
    expect(remote.stderr).not.toContain('spec.owner');
    expect((await api.call('GET', '/api/v1/services/refunds', { token: api.tokens.admin })).statusCode).toBe(404);
    const good = await runCli(['validate', file('good.yaml', svc('refunds', 'payments'))], { env });
    expect(good.code).toBe(0);
    expect(good.stdout).toBe('valid: 1 object(s)\n');
    // Valid, but not this token's to apply: validate says so without failing.
    const notMine = await runCli(['validate', file('not-mine.yaml', svc('web', 'storefront', ', tier: best-effort'))], { env: { ...env, PAVE_TOKEN: api.tokens.payments } });
    expect(notMine.code).toBe(0);
    expect(notMine.stdout).toBe('valid\nnote: this token may not apply it: Service/web is currently owned by storefront, not payments\n');
  });

  it('creates, lists and revokes tokens, and reads the audit log', async () => {
    const env = { PAVE_URL: url, PAVE_TOKEN: api.tokens.admin };
    const created = await runCli(['token', 'create', '--name', 'ci', '--role', 'member', '--team', 'storefront'], { env });
    expect(created.code).toBe(0);
    const secret = /secret \(shown once, store it now\): (pave_\S+)/.exec(created.stdout)![1]!;
    const id = /created token ([a-z0-9]{10})/.exec(created.stdout)![1]!;
    const list = await runCli(['token', 'list'], { env });
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+ci\\s+member\\s+storefront`));
    expect(list.stdout).not.toContain(secret);
    const usage = await runCli(['token', 'create', '--name', 'x', '--role', 'root'], { env });
    expect(usage.code).toBe(2);
    expect((await runCli(['token', 'revoke', id], { env })).code).toBe(0);
    expect((await runCli(['get', 'teams'], { env: { PAVE_URL: url, PAVE_TOKEN: secret } })).code).toBe(1);
    const audit = await runCli(['--json', 'audit', '--kind', 'Token', '--limit', '5'], { env });
    expect(JSON.parse(audit.stdout).slice(0, 2).map((e: { action: string; name: string }) => [e.action, e.name])).toEqual([
      ['revoke', id],
      ['create', id],
    ]);
  });

  it('exits 2 on usage errors and when the server is unreachable', async () => {
    const unreachable = await runCli(['get', 'services'], { env: { PAVE_URL: 'http://127.0.0.1:9', PAVE_TOKEN: 'x' } });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain('cannot reach pave at http://127.0.0.1:9');
    const nowhere = await runCli(['get', 'services'], { env: { PAVE_DATA_DIR: join(dir, 'no-such-folder') } });
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain(`no pave data folder at ${join(dir, 'no-such-folder')}`);
    const usage = await runCli(['apply'], {});
    expect(usage.code).toBe(2);
    const unknown = await runCli(['frobnicate'], {});
    expect(unknown.code).toBe(2);
    expect((await runCli(['--help'], {})).code).toBe(0);
  });
});

describe('pave CLI on a local data folder', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pave-cli-local-'));
    cpSync(inject('pgliteTemplate'), join(dir, 'data'), { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('applies the example catalog and reads it back, acting as local admin', async () => {
    const env = { PAVE_DATA_DIR: join(dir, 'data') };
    const applied = await runCli(['apply', 'examples'], { env });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Applied: 37 created, 0 updated, 0 deleted, 0 unchanged.');
    const services = await runCli(['--json', 'get', 'services'], { env });
    expect(JSON.parse(services.stdout)).toHaveLength(9);
    const audit = await runCli(['--json', 'audit', '--limit', '1'], { env });
    expect(JSON.parse(audit.stdout)[0].actor).toMatch(/^local:/);
    const again = await runCli(['plan', 'examples'], { env });
    expect(again.stdout).toContain('Plan: 0 to create, 0 to update, 0 to delete, 37 unchanged.');
  });

  it('reads a catalog from standard input', async () => {
    const r = await runCli(['validate', '-'], { input: 'apiVersion: pave/v1\nkind: Team\nmetadata: { name: x }\nspec: { members: [ghost] }\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('<stdin>:4:19: error: spec.members[0]: Team/x refers to Person "ghost", which does not exist');
  });
});
