// pave rollout and pave canary judge: the real CLI in a child process against a server (few runs: each starts tsx).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseCatalog, startTestApi, type TestApi } from '../support/api.js';
import { runCli } from '../support/cli.js';

const catalog = `${baseCatalog}---
apiVersion: pave/v1
kind: Flag
metadata: { name: new-checkout }
spec:
  owner: payments
  services: [checkout]
  rollout: { percentage: 0 }
---
apiVersion: pave/v1
kind: Rollout
metadata: { name: new-checkout }
spec:
  service: checkout
  target: { flag: new-checkout }
  steps: [ { weight: 10, bake: 30m }, { weight: 100 } ]
`;

describe('pave rollout and pave canary against a server', () => {
  let api: TestApi;
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'pave-canary-'));
  beforeAll(async () => {
    api = await startTestApi('pglite', { catalog, now: () => new Date('2026-06-01T10:00:00Z') });
    env = { PAVE_URL: await api.app.listen({ host: '127.0.0.1', port: 0 }) };
    await api.app.rolloutRunner.runOnce();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('shows rollouts, and pauses and aborts one as its team', async () => {
    const all = await runCli(['rollout', 'status'], { env: { ...env, PAVE_TOKEN: api.tokens.viewer } });
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^NAME\s+SERVICE\s+TARGET\s+PHASE\s+STEP\s+WEIGHT\s+REASON\n/);
    expect(all.stdout).toMatch(/new-checkout\s+checkout\s+flag new-checkout\s+progressing\s+1\/2\s+10%\s+started: step 1 of 2 at 10%/);
    const one = await runCli(['rollout', 'status', 'new-checkout'], { env: { ...env, PAVE_TOKEN: api.tokens.viewer } });
    expect(one.stdout).toContain('rollout new-checkout: progressing, step 1/2 at 10% — started: step 1 of 2 at 10%');
    expect(one.stdout).toMatch(/start\s+1\s+10%\s+progressing\s+pave:rollouts/);

    const other = await runCli(['rollout', 'pause', 'new-checkout'], { env: { ...env, PAVE_TOKEN: api.tokens.storefront } });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('only its members or an admin may command it');
    const paused = await runCli(['rollout', 'pause', 'new-checkout'], { env: { ...env, PAVE_TOKEN: api.tokens.payments } });
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toMatch(/^rollout new-checkout: paused at 10% — paused by token:\w+ \(payments-member\)\n$/);
    const aborted = await runCli(['--json', 'rollout', 'abort', 'new-checkout'], { env: { ...env, PAVE_TOKEN: api.tokens.admin } });
    expect(JSON.parse(aborted.stdout)).toMatchObject({ phase: 'aborted', weight: 0 });
  }, 400_000);

  it('judges a canary from a file: exit 0 on pass, 1 on fail, 2 for a broken file', async () => {
    const base = Array.from({ length: 20 }, (_, i) => 100 + i);
    const pass = join(dir, 'pass.yaml');
    writeFileSync(pass, `metrics:\n  - name: latency\n    direction: increase\n    samples: { canary: [${base}], baseline: [${base}] }\n`);
    const ok = await runCli(['canary', 'judge', '--file', pass], { env: { ...env, PAVE_TOKEN: api.tokens.viewer } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^METRIC\s+GROUP\s+VERDICT/);
    expect(ok.stdout).toContain('canary PASS: score 100');

    const fail = join(dir, 'fail.yaml');
    writeFileSync(fail, `metrics:\n  - name: latency\n    direction: increase\n    samples: { canary: [${base.map((v) => v + 50)}], baseline: [${base}] }\n  - name: errors\n    counts: { canary: { bad: 40, total: 1000 }, baseline: { bad: 10, total: 1000 } }\n`);
    const bad = await runCli(['canary', 'judge', '--file', fail], { env: { ...env, PAVE_TOKEN: api.tokens.viewer } });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/latency\s+default\s+high\s+50\s+/);
    expect(bad.stdout).toContain('canary FAIL: score 0');
    expect(bad.stdout).toMatch(/errors\s+default\s+high\s+0\.03\s+/);

    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'metrics:\n  - name: latency\n');
    const refused = await runCli(['canary', 'judge', '--file', broken], { env: { ...env, PAVE_TOKEN: api.tokens.viewer } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('exactly one source of data');
  }, 400_000);
});
