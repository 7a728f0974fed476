// Progressive rollouts end to end: a real server (SLO engine fed by ingest, the rollout runner, the flag store), a
// Rollout of a flag in three steps guarded by the checkout availability SLO. A burn during a step rolls the flag back
// to 0% at the runner's first look after the engine records it (within the same evaluation interval), recorded as a
// change event on the service's timeline. A webhook-driven rollout shows the commands and their permissions.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFlagState } from '../../src/store/flags.js';
import { listAlertStates } from '../../src/store/slo-alerts.js';
import { baseCatalog, checkoutAvailabilitySlo, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';

const MIN = 60_000;
const start = Date.parse('2026-06-01T08:00:00Z');

const rollouts = (hookUrl: string) => `${checkoutAvailabilitySlo}---
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
  steps: [ { weight: 10, bake: 5m }, { weight: 50, bake: 5m }, { weight: 100 } ]
  guard: { slos: [checkout-availability] }
---
apiVersion: pave/v1
kind: Rollout
metadata: { name: payments-v2 }
spec:
  service: payments-api
  version: v2.0.0
  target: { webhook: { url: "${hookUrl}/weight", rollbackUrl: "${hookUrl}/rollback" } }
  steps: [ { weight: 5, bake: 1h }, { weight: 100 } ]
---
apiVersion: pave/v1
kind: Rollout
metadata: { name: unreachable }
spec:
  service: payments-api
  target: { webhook: { url: "http://127.0.0.1:9/weight" } }
  steps: [ { weight: 50 } ]
`;

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`rollouts on ${backend}`, () => {
    let api: TestApi;
    let now = start;
    let hook: Server;
    const calls: { path: string; body: { weight: number; action: string; step: number } }[] = [];
    beforeAll(async () => {
      hook = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          calls.push({ path: req.url ?? '', body: JSON.parse(body) });
          res.end('{}');
        });
      });
      await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
      // Rollouts are applied once two hours of healthy traffic are in.
      api = await startTestApi(backend, { catalog: baseCatalog + checkoutAvailabilitySlo, now: () => new Date(now), latenessMs: 10 * 24 * 60 * MIN });
      now = start + 120 * MIN;
      await traffic(start, now, 0);
      await api.app.sloEngine.cycle();
      const applied = await api.call('POST', '/api/v1/apply', { token: api.tokens.admin, body: { files: [{ name: 'r.yaml', content: baseCatalog + rollouts(url) }] } });
      expect(applied.statusCode, applied.body).toBe(200);
    });
    afterAll(async () => {
      await api?.close();
      await new Promise((r) => hook?.close(r));
    });

    /** 100 checkout requests a minute over [from, to), `bad` of them 5xx. */
    async function traffic(from: number, to: number, bad: number) {
      const items = [];
      for (let m = from; m < to; m += MIN) {
        items.push({ series: 'checkout_requests', labels: { code: '200' }, ts: m, good: 100 - bad, total: 100 - bad });
        if (bad) items.push({ series: 'checkout_requests', labels: { code: '503' }, ts: m, good: 0, total: bad });
      }
      const r = await api.call('POST', '/api/v1/ingest', { token: api.tokens.admin, body: { items } });
      expect(r.statusCode, r.body).toBe(200);
    }
    const status = async (name: string) => (await api.call('GET', `/api/v1/rollouts/${name}/status`, { token: api.tokens.viewer })).json();
    const percentage = async () => (await getFlagState(api.store.db, 'new-checkout'))?.percentage;

    it('advances a flag step by step after each bake while the guard SLO is quiet', async () => {
      expect((await status('new-checkout')).state).toMatchObject({ phase: 'pending' });
      await api.app.rolloutRunner.runOnce();
      expect((await status('new-checkout')).state).toMatchObject({ phase: 'progressing', step: 0, weight: 10, updatedBy: 'pave:rollouts' });
      expect(await percentage()).toBe(10);

      now += 4 * MIN; // still baking
      await traffic(now - 4 * MIN, now, 0);
      await api.app.sloEngine.cycle();
      await api.app.rolloutRunner.runOnce();
      expect((await status('new-checkout')).state).toMatchObject({ step: 0, weight: 10, reason: expect.stringMatching(/^started/) });

      now += MIN; // 5 minutes baked
      await traffic(now - MIN, now, 0);
      await api.app.sloEngine.cycle();
      await api.app.rolloutRunner.runOnce();
      expect((await status('new-checkout')).state).toMatchObject({ phase: 'progressing', step: 1, weight: 50, reason: 'step 2 of 3: 10% → 50%' });
      expect(await percentage()).toBe(50);
    });

    it('rolls back by itself when the guard SLO burns during a step, within the evaluation that saw the burn, on the timeline', async () => {
      now += 2 * MIN; // mid-bake of the 50% step: a minute of total outage
      await traffic(now - 2 * MIN, now - MIN, 0);
      await traffic(now - MIN, now, 100);
      const transitions = await api.app.sloEngine.cycle();
      expect(transitions.some((t) => t.slo === 'checkout-availability' && t.kind === 'burn' && t.state === 'firing')).toBe(true);
      const burnSince = Date.parse((await listAlertStates(api.store.db, 'checkout-availability')).find((a) => a.state === 'firing')!.since);

      await api.app.rolloutRunner.runOnce();
      const s = await status('new-checkout');
      expect(s.state).toMatchObject({ phase: 'rolled_back', step: 1, weight: 0, reason: 'guard SLO checkout-availability is burning error budget' });
      expect(await percentage()).toBe(0);
      // Acted on at the runner's first look after the engine recorded the burn: well inside one 30 s interval.
      expect(Date.parse(s.state.updatedAt) - burnSince).toBeLessThan(30_000);
      expect(s.events.map((e: { action: string; weight: number }) => [e.action, e.weight])).toEqual([
        ['start', 10],
        ['advance', 50],
        ['rollback', 0],
      ]);

      // The service's timeline: every step is a change event (and the flag's own changes beside them).
      const changes = (await api.call('GET', '/api/v1/changes?service=checkout', { token: api.tokens.viewer })).json().items as { kind: string; summary: string; at: string; labels: Record<string, string>; details: Record<string, unknown> }[];
      const mine = changes.filter((c) => c.labels.rollout === 'new-checkout');
      expect(mine.map((c) => c.kind)).toEqual(['rollback', 'rollout', 'rollout']);
      expect(mine[0]).toMatchObject({ summary: 'rollout new-checkout: guard SLO checkout-availability is burning error budget (traffic 50% → 0%)', at: new Date(now).toISOString(), details: { phase: 'rolled_back', weightBefore: 50, weight: 0 } });
      expect(changes.filter((c) => c.kind === 'flag').length).toBeGreaterThanOrEqual(3);

      // Nothing more happens to a rolled-back run, and people cannot resume it.
      now += 10 * MIN;
      await api.app.rolloutRunner.runOnce();
      expect((await status('new-checkout')).state.phase).toBe('rolled_back');
      const resume = await api.call('POST', '/api/v1/rollouts/new-checkout/resume', { token: api.tokens.payments });
      expect(resume.statusCode).toBe(409);
      expect(resume.json().error.message).toMatch(/rolled back; apply a new revision/);
    });

    it('drives an external deploy through its webhooks; people pause, resume, promote and abort it (owning team or admin, audited)', async () => {
      const first = calls.filter((c) => c.path === '/weight');
      expect(first.map((c) => [c.body.action, c.body.step, c.body.weight])).toEqual([['start', 1, 5]]);
      expect((await status('payments-v2')).state).toMatchObject({ phase: 'progressing', weight: 5 });

      const denied = await api.call('POST', '/api/v1/rollouts/payments-v2/pause', { token: api.tokens.storefront });
      expect(denied.statusCode).toBe(403);
      expect((await api.call('POST', '/api/v1/rollouts/payments-v2/pause', { token: api.tokens.viewer })).statusCode).toBe(403);
      const paused = await api.call('POST', '/api/v1/rollouts/payments-v2/pause', { token: api.tokens.payments });
      expect(paused.statusCode, paused.body).toBe(200);
      expect(paused.json()).toMatchObject({ phase: 'paused', reason: expect.stringMatching(/^paused by token:\w+ \(payments-member\)$/) });

      now += 60 * MIN; // the bake is long over, but a paused rollout waits for a person
      await api.app.rolloutRunner.runOnce();
      expect((await status('payments-v2')).state).toMatchObject({ phase: 'paused', weight: 5 });
      expect((await api.call('POST', '/api/v1/rollouts/payments-v2/resume', { token: api.tokens.admin })).json()).toMatchObject({ phase: 'progressing', weight: 5 });

      const promoted = await api.call('POST', '/api/v1/rollouts/payments-v2/promote', { token: api.tokens.payments });
      expect(promoted.json()).toMatchObject({ phase: 'completed', weight: 100 });
      expect(calls.at(-1)).toMatchObject({ path: '/weight', body: { action: 'promote', weight: 100, step: 2 } });
      expect((await api.call('POST', '/api/v1/rollouts/payments-v2/abort', { token: api.tokens.payments })).statusCode).toBe(409);

      // A deployer that does not answer: nothing is recorded as in force, and the status says why.
      const down = await status('unreachable');
      expect(down.state).toMatchObject({ phase: 'progressing', step: -1, weight: 0, lastError: expect.stringMatching(/^webhook: /) });
      expect(down.events).toEqual([]);

      const audit = (await api.call('GET', '/api/v1/audit?kind=RolloutState', { token: api.tokens.admin })).json();
      const actions = (audit.items as { action: string; name: string }[]).filter((a) => a.name === 'payments-v2').map((a) => a.action);
      expect(actions).toEqual(expect.arrayContaining(['start', 'pause', 'resume', 'promote']));
      expect((await api.call('POST', '/api/v1/rollouts/nope/pause', { token: api.tokens.admin })).statusCode).toBe(404);
    });
  });
}
