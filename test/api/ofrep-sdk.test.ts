// Conformance with a real OpenFeature SDK: @openfeature/server-sdk with @openfeature/ofrep-provider reads flags from a
// real `pave serve` (a child process on a PGlite data folder) over HTTP: targeting, rollout percentages (and their
// stickiness when raised at runtime), string/number/object variants, the kill switch, and errors that fall back to
// the caller's default with the OpenFeature error code.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, OpenFeature, type Client } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { applyFiles } from '../../src/catalog/apply.js';
import { rolloutBucket } from '../../src/domain/flags/bucketing.js';
import { openStore } from '../../src/store/store.js';
import { createToken } from '../../src/store/tokens.js';
import { baseCatalog } from '../support/api.js';
import { startServe, type ServeProcess } from '../support/serve.js';

const flags = `
---
apiVersion: pave/v1
kind: Flag
metadata: { name: new-checkout }
spec:
  owner: payments
  services: [checkout]
  rules:
    - name: staff
      when: [ { attribute: email, operator: ends_with, values: ["@example.com"] } ]
      variant: on
    - name: old-apps
      when: [ { attribute: appVersion, operator: semver_lt, value: 2.0.0 } ]
      variant: off
  rollout: { percentage: 10 }
---
apiVersion: pave/v1
kind: Flag
metadata: { name: button-color }
spec:
  owner: storefront
  variants: { blue: "#0000ff", green: "#00ff00", red: "#ff0000" }
  defaultVariant: blue
  rollout:
    percentage: 100
    split: [ { variant: blue, weight: 200 }, { variant: green, weight: 300 }, { variant: red, weight: 500 } ]
---
apiVersion: pave/v1
kind: Flag
metadata: { name: max-items }
spec:
  owner: payments
  variants: { small: 10, large: 50 }
  defaultVariant: small
  rules: [ { when: [ { attribute: plan, operator: in, values: [pro, enterprise] } ], variant: large } ]
---
apiVersion: pave/v1
kind: Flag
metadata: { name: checkout-limits }
spec:
  owner: payments
  variants: { standard: { perMinute: 60, burst: 10 }, strict: { perMinute: 5, burst: 1 } }
  defaultVariant: standard
  rules: [ { when: [ { attribute: riskScore, operator: gte, value: 80 } ], variant: strict } ]
`;

describe('an OpenFeature SDK with the OFREP provider against pave serve', () => {
  let dir: string;
  let server: ServeProcess;
  let viewer: string;
  let payments: string;
  let client: Client;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pave-ofrep-'));
    cpSync(inject('pgliteTemplate'), dir, { recursive: true });
    const store = await openStore({ dataDir: dir });
    try {
      const r = await applyFiles(store.db, { files: [{ name: 'flags.yaml', content: baseCatalog + flags }], prune: false, dryRun: false, principal: { actor: 'test:setup', role: 'admin' } });
      if (r.outcome !== 'applied') throw new Error(JSON.stringify(r.issues));
      viewer = (await createToken(store.db, { name: 'app', role: 'viewer', createdBy: 'test:setup' })).token;
      payments = (await createToken(store.db, { name: 'payments-ci', role: 'member', team: 'payments', createdBy: 'test:setup' })).token;
    } finally {
      await store.close();
    }
    server = await startServe({ PAVE_DATA_DIR: dir });
    await OpenFeature.setProviderAndWait('pave', new OFREPProvider({ baseUrl: server.url, headers: { Authorization: `Bearer ${viewer}` } }));
    client = OpenFeature.getClient('pave');
  }, 120_000);

  afterAll(async () => {
    await OpenFeature.close();
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const setState = async (name: string, body: object) => {
    const res = await fetch(`${server.url}/api/v1/flags/${name}/state`, { method: 'POST', headers: { authorization: `Bearer ${payments}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status, await res.clone().text()).toBe(200);
  };

  it('evaluates targeting rules: first match wins, with the variant, reason and flag metadata', async () => {
    const staff = await client.getBooleanDetails('new-checkout', false, { targetingKey: 'u-1', email: 'dev@example.com' });
    expect(staff.errorMessage).toBeUndefined();
    expect(staff).toMatchObject({ flagKey: 'new-checkout', value: true, variant: 'on', reason: 'TARGETING_MATCH', flagMetadata: { owner: 'payments', rule: 'staff' } });
    expect(staff.errorCode).toBeUndefined();
    const old = await client.getBooleanDetails('new-checkout', true, { targetingKey: 'u-1', appVersion: '1.9.3' });
    expect(old).toMatchObject({ value: false, variant: 'off', reason: 'TARGETING_MATCH', flagMetadata: { rule: 'old-apps' } });
    expect(await client.getNumberValue('max-items', 0, { targetingKey: 'u-1', plan: 'pro' })).toBe(50);
    expect(await client.getNumberDetails('max-items', 0, { targetingKey: 'u-1', plan: 'free' })).toMatchObject({ value: 10, variant: 'small', reason: 'DEFAULT' });
    expect(await client.getObjectValue('checkout-limits', {}, { targetingKey: 'u-1', riskScore: 93 })).toEqual({ perMinute: 5, burst: 1 });
    expect(await client.getObjectValue('checkout-limits', {}, { targetingKey: 'u-1', riskScore: '12' })).toEqual({ perMinute: 60, burst: 10 });
  });

  it('rolls out by sticky percentage; raising it at runtime keeps everyone already in', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `customer-${i}`);
    const at = async () => new Set((await Promise.all(ids.map(async (id) => ((await client.getBooleanValue('new-checkout', false, { targetingKey: id })) ? id : '')))).filter(Boolean));
    const ten = await at();
    expect([...ten].sort()).toEqual(ids.filter((id) => rolloutBucket(id, 'new-checkout') <= 10).sort());
    expect(ten.size).toBeGreaterThan(10);
    await setState('new-checkout', { percentage: 40 });
    const forty = await at();
    for (const id of ten) expect(forty.has(id)).toBe(true);
    expect([...forty].sort()).toEqual(ids.filter((id) => rolloutBucket(id, 'new-checkout') <= 40).sort());
    const details = await client.getBooleanDetails('new-checkout', false, { targetingKey: [...forty][0]! });
    expect(details).toMatchObject({ value: true, reason: 'SPLIT', flagMetadata: { rule: 'rollout' } });
  });

  it('serves weighted string variants stickily, in proportion to their weights', async () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const d = await client.getStringDetails('button-color', 'none', { targetingKey: `visitor-${i}` });
      expect(d.reason).toBe('SPLIT');
      expect(d.value).toBe({ blue: '#0000ff', green: '#00ff00', red: '#ff0000' }[d.variant!]);
      counts[d.variant!] = (counts[d.variant!] ?? 0) + 1;
      if (i < 20) expect(await client.getStringValue('button-color', 'none', { targetingKey: `visitor-${i}` })).toBe(d.value);
    }
    expect(counts.red! / 400).toBeGreaterThan(0.4);
    expect(counts.red! / 400).toBeLessThan(0.6);
    expect(counts.blue! / 400).toBeLessThan(0.3);
  });

  it('falls back to the default with the OpenFeature error code: unknown flag, missing targeting key, wrong type', async () => {
    const unknown = await client.getBooleanDetails('no-such-flag', true, { targetingKey: 'u-1' });
    expect(unknown).toMatchObject({ value: true, reason: 'ERROR', errorCode: ErrorCode.FLAG_NOT_FOUND });
    expect(await client.getStringValue('no-such-flag', 'fallback')).toBe('fallback');
    const noKey = await client.getBooleanDetails('new-checkout', false, { email: 'someone@elsewhere.org' });
    expect(noKey).toMatchObject({ value: false, reason: 'ERROR', errorCode: ErrorCode.TARGETING_KEY_MISSING });
    const wrongType = await client.getNumberDetails('new-checkout', 7, { targetingKey: 'u-1' });
    expect(wrongType).toMatchObject({ value: 7, reason: 'ERROR', errorCode: ErrorCode.TYPE_MISMATCH });
  });

  it('obeys the kill switch at once: the off variant with reason DISABLED', async () => {
    await setState('new-checkout', { enabled: false });
    expect(await client.getBooleanDetails('new-checkout', true, { targetingKey: 'u-1', email: 'dev@example.com' })).toMatchObject({ value: false, variant: 'off', reason: 'DISABLED' });
  });
});
