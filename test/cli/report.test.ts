// pave report oncall-load: the real CLI in a child process, on a local data folder with the example catalog.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('pave report oncall-load on the examples', () => {
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
