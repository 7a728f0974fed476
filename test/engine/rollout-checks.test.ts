// What holds a rollout besides a burn: a budget freeze from the service's BudgetPolicy (a deploy waits, a fix goes
// out), and canary analysis over the step's bake window read from pave's own store (a worse error rate rolls back, the
// same rate advances). A real server: SLO engine fed by ingest, the gate's own reading of the budget.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFlagState } from '../../src/store/flags.js';
import { baseCatalog, checkoutAvailabilitySlo, startTestApi, type TestApi } from '../support/api.js';
import { backends } from '../support/stores.js';

const MIN = 60_000;
const start = Date.parse('2026-07-01T08:00:00Z');

const flag = (name: string, service: string) => `---
apiVersion: pave/v1
kind: Flag
metadata: { name: ${name} }
spec: { owner: payments, services: [${service}], rollout: { percentage: 0 } }
`;
const flagRollout = (name: string, service: string, extra = '') => `---
apiVersion: pave/v1
kind: Rollout
metadata: { name: ${name} }
spec:
  service: ${service}
  target: { flag: ${name} }
  steps: [ { weight: 10, bake: 10m }, { weight: 100 } ]
${extra}`;
const analysis = (metric: string) => `  analysis:
    metrics:
      - { name: errors, direction: increase, critical: true, store: { series: ${metric}, canary: { match: { version: v2 } }, baseline: { match: { version: v1 } } } }
`;

const catalog = `${baseCatalog}${checkoutAvailabilitySlo}---
apiVersion: pave/v1
kind: BudgetPolicy
metadata: { name: checkout-strict }
spec:
  services: [checkout]
  enforcement: blocking
  thresholds: [ { remainingAtMost: 50, action: freeze } ]
${flag('checkout-deploy', 'checkout')}${flagRollout('checkout-deploy', 'checkout')}${flag('checkout-fix', 'checkout')}${flagRollout('checkout-fix', 'checkout', '  changeKind: fix\n')}${flag('worse', 'payments-api')}${flagRollout('worse', 'payments-api', analysis('worse_requests'))}${flag('same', 'payments-api')}${flagRollout('same', 'payments-api', analysis('same_requests'))}`;

for (const { backend, skip } of backends) {
  describe.skipIf(skip)(`rollout checks on ${backend}`, () => {
    let api: TestApi;
    let now = start + 120 * MIN;
    beforeAll(async () => {
      api = await startTestApi(backend, { catalog, now: () => new Date(now), latenessMs: 10 * 24 * 60 * MIN });
      // Two hours of checkout traffic and 10 failures in 12,010 requests: 83% of a 99.9% budget spent → frozen at ≤ 50% left.
      const items = [];
      for (let m = start; m < now; m += MIN) items.push({ series: 'checkout_requests', labels: { code: '200' }, ts: m, good: 100, total: 100 });
      items.push({ series: 'checkout_requests', labels: { code: '503' }, ts: start + 10 * MIN, good: 0, total: 10 });
      const r = await api.call('POST', '/api/v1/ingest', { token: api.tokens.admin, body: { items } });
      expect(r.statusCode, r.body).toBe(200);
      await api.app.sloEngine.cycle();
    });
    afterAll(async () => {
      await api?.close();
    });
    const state = async (name: string) => (await api.call('GET', `/api/v1/rollouts/${name}/status`, { token: api.tokens.viewer })).json().state;

    it('a budget freeze holds a deploy and lets a fix go out', async () => {
      const gate = (await api.call('POST', '/api/v1/gates/check', { token: api.tokens.viewer, body: { service: 'checkout' } })).json();
      expect(gate.decision).toBe('deny');
      await api.app.rolloutRunner.runOnce();
      expect(await state('checkout-deploy')).toMatchObject({ phase: 'held', step: -1, weight: 0, reason: expect.stringMatching(/^budget freeze: /) });
      expect((await getFlagState(api.store.db, 'checkout-deploy'))?.percentage ?? 0).toBe(0);
      expect(await state('checkout-fix')).toMatchObject({ phase: 'progressing', step: 0, weight: 10 });
      expect((await getFlagState(api.store.db, 'checkout-fix'))?.percentage).toBe(10);
      // Held again at the next poll: no new step log row for the same reason.
      await api.app.rolloutRunner.runOnce();
      const events = (await api.call('GET', '/api/v1/rollouts/checkout-deploy/status', { token: api.tokens.viewer })).json().events;
      expect(events.map((e: { action: string }) => e.action)).toEqual(['hold']);
    });

    it('canary analysis over the bake window: a worse error rate rolls back, the same rate advances', async () => {
      // Ten minutes of payments traffic during the 10% step: "worse" fails 5% on v2 against 1% on v1, "same" 1% on both.
      const from = now;
      now += 10 * MIN;
      const items = [];
      for (let m = from; m < now; m += MIN) {
        items.push({ series: 'worse_requests', labels: { version: 'v1' }, ts: m, good: 99, total: 100 });
        items.push({ series: 'worse_requests', labels: { version: 'v2' }, ts: m, good: 95, total: 100 });
        items.push({ series: 'same_requests', labels: { version: 'v1' }, ts: m, good: 99, total: 100 });
        items.push({ series: 'same_requests', labels: { version: 'v2' }, ts: m, good: 99, total: 100 });
      }
      expect((await api.call('POST', '/api/v1/ingest', { token: api.tokens.admin, body: { items } })).statusCode).toBe(200);
      await api.app.rolloutRunner.runOnce();
      const worse = await state('worse');
      expect(worse).toMatchObject({ phase: 'rolled_back', weight: 0, reason: expect.stringMatching(/^canary failed \(score 0\): fail: critical metric errors \(high\)/) });
      expect((await getFlagState(api.store.db, 'worse'))?.percentage).toBe(0);
      expect(await state('same')).toMatchObject({ phase: 'progressing', step: 1, weight: 100, reason: 'step 2 of 2: 10% → 100% (canary passed, score 100)' });
      // The verdict is kept with the step: the change event says what the canary scored.
      const changes = (await api.call('GET', '/api/v1/changes?service=payments-api&kind=rollback', { token: api.tokens.viewer })).json().items;
      expect(changes[0]).toMatchObject({ labels: { rollout: 'worse' }, details: { canary: { result: 'fail', score: 0 } } });
    });
  });
}
