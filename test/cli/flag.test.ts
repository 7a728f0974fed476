// pave flag: the real CLI in a child process against a pave server: list, get, eval (one flag and all, over OFREP),
// set (percentage, kill switch, reset; only the owning team) and stale, with their exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolloutBucket } from '../../src/domain/flags/bucketing.js';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { runCli } from '../support/cli.js';

const flagCatalog = `
---
apiVersion: pave/v1
kind: Flag
metadata: { name: new-checkout }
spec:
  owner: payments
  rules:
    - name: staff
      when: [ { attribute: email, operator: ends_with, values: ["@example.com"] } ]
      variant: on
  rollout: { percentage: 10 }
---
apiVersion: pave/v1
kind: Flag
metadata: { name: button-color }
spec:
  owner: storefront
  purpose: experiment
  variants: { blue: "#0000ff", green: "#00ff00" }
  defaultVariant: blue
  rules:
    - when: [ { attribute: appVersion, operator: semver_gte, value: 3.0.0 } ]
      split: [ { variant: blue, weight: 500 }, { variant: green, weight: 500 } ]
---
apiVersion: pave/v1
kind: Flag
metadata: { name: emergency-brake }
spec: { owner: payments, purpose: kill-switch }
`;

describe('pave flag', () => {
  let api: TestApi;
  let env: Record<string, string>;
  beforeAll(async () => {
    api = await startTestApi('pglite', { catalog: baseCatalog + flagCatalog });
    const url = await api.app.listen({ port: 0, host: '127.0.0.1' });
    env = { PAVE_URL: url, PAVE_TOKEN: api.tokens.payments };
  }, 60_000);
  afterAll(async () => {
    await api?.close();
  });

  it('lists, shows and evaluates flags; an unknown flag exits 1 with FLAG_NOT_FOUND', async () => {
    const list = await runCli(['flag', 'list'], { env });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+OWNER\s+TYPE\s+PURPOSE\s+STATE\s+ROLLOUT\s+RUNTIME$/m);
    expect(list.stdout).toMatch(/^new-checkout\s+payments\s+boolean\s+release\s+on\s+10%$/m);
    expect(list.stdout).toMatch(/^button-color\s+storefront\s+string\s+experiment\s+on$/m);

    const staff = await runCli(['flag', 'eval', 'new-checkout', '--key', 'u-1', '--attr', 'email=dev@example.com'], { env });
    expect(staff.code, staff.stderr).toBe(0);
    expect(staff.stdout).toMatch(/^new-checkout\s+true\s+on\s+TARGETING_MATCH\s+rule staff$/m);

    const all = await runCli(['--json', 'flag', 'eval', '--context', '{"targetingKey":"u-2","appVersion":"3.2.0"}'], { env });
    expect(all.code, all.stderr).toBe(0);
    const flags = JSON.parse(all.stdout) as { key: string; reason: string; value: unknown }[];
    expect(flags.map((f) => f.key)).toEqual(['button-color', 'emergency-brake', 'new-checkout']);
    expect(flags[0]!.reason).toBe('SPLIT');
    expect(flags[2]!.value).toBe(rolloutBucket('u-2', 'new-checkout') <= 10);

    const missing = await runCli(['flag', 'eval', 'nope', '--key', 'u'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('FLAG_NOT_FOUND');
    expect((await runCli(['flag', 'eval', 'new-checkout', '--context', '[1]'], { env })).code).toBe(2);
  }, 240_000);

  it('changes the rollout and the kill switch at runtime, and resets to the file', async () => {
    const outside = Array.from({ length: 500 }, (_, i) => `c-${i}`).find((id) => rolloutBucket(id, 'new-checkout') > 10)!;
    const raise = await runCli(['flag', 'set', 'new-checkout', '--percentage', '100', '--reason', 'launch'], { env });
    expect(raise.code, raise.stderr).toBe(0);
    expect(raise.stdout.trim()).toBe('flag new-checkout: on, 10% → on, 100%');
    expect((await runCli(['flag', 'eval', 'new-checkout', '--key', outside], { env })).stdout).toMatch(/^new-checkout\s+true\s+on\s+SPLIT\s+rule rollout$/m);
    const get = await runCli(['flag', 'get', 'new-checkout'], { env });
    expect(get.stdout).toMatch(/^state: {4}on, rollout 100%$/m);
    expect(get.stdout).toMatch(/^runtime: {2}set by token:\S+ \(payments-member\) at \S+ \(launch\); the file says on, 10%$/m);

    const other = await runCli(['flag', 'set', 'new-checkout', '--disable'], { env: { ...env, PAVE_TOKEN: api.tokens.storefront } });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('Flag/new-checkout is currently owned by payments, not storefront');
    const off = await runCli(['flag', 'set', 'new-checkout', '--disable'], { env });
    expect(off.stdout.trim()).toBe('flag new-checkout: on, 100% → off, 100%');
    expect((await runCli(['flag', 'eval', 'new-checkout', '--key', outside], { env })).stdout).toMatch(/^new-checkout\s+false\s+off\s+DISABLED/m);

    const reset = await runCli(['flag', 'set', 'new-checkout', '--reset'], { env });
    expect(reset.stdout.trim()).toBe('flag new-checkout: off, 100% → on, 10%');
    expect((await runCli(['flag', 'eval', 'new-checkout', '--key', outside], { env })).stdout).toMatch(/^new-checkout\s+false\s+off\s+DEFAULT/m);

    const bad = await runCli(['flag', 'set', 'new-checkout', '--percentage', '150'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--percentage must be a whole number from 0 to 100');
    const noRollout = await runCli(['flag', 'set', 'emergency-brake', '--percentage', '5'], { env });
    expect(noRollout.code).toBe(1);
    expect(noRollout.stderr).toContain('has no rollout section');
    expect((await runCli(['flag', 'stale'], { env })).stdout.trim()).toBe('no stale flags');
  }, 240_000);
});
