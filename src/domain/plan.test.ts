import { describe, expect, it } from 'vitest';
import type { ConfigObject } from './objects.js';
import { diffValues, planChanges } from './plan.js';

const svc = (name: string, spec: Record<string, unknown>): ConfigObject => ({ apiVersion: 'pave/v1', kind: 'Service', metadata: { name }, spec });
const team = (name: string): ConfigObject => ({ apiVersion: 'pave/v1', kind: 'Team', metadata: { name }, spec: { members: [] } });
const order = (k: string) => ({ Person: 10, Team: 20, Service: 30 })[k] ?? 99;

describe('diffValues', () => {
  it('lists leaf changes with dotted and indexed paths', () => {
    expect(
      diffValues(
        { spec: { tier: 'critical', dependsOn: [{ service: 'a', kind: 'hard' }], gone: 1 } },
        { spec: { tier: 'important', dependsOn: [{ service: 'a', kind: 'soft' }, { service: 'b', kind: 'hard' }] } },
      ),
    ).toEqual([
      { path: 'spec.dependsOn[0].kind', before: 'hard', after: 'soft' },
      { path: 'spec.dependsOn[1]', after: { service: 'b', kind: 'hard' } },
      { path: 'spec.gone', before: 1 },
      { path: 'spec.tier', before: 'critical', after: 'important' },
    ]);
  });

  it('ignores key order', () => {
    expect(diffValues({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).toEqual([]);
  });
});

describe('planChanges', () => {
  const current = [team('payments'), svc('checkout', { owner: 'payments', tier: 'critical' }), svc('legacy', { owner: 'payments' })];

  it('classifies create, update and unchanged; deletes nothing without prune', () => {
    const plan = planChanges({
      current,
      desired: [team('payments'), svc('checkout', { owner: 'payments', tier: 'important' }), svc('search', { owner: 'payments' })],
      prune: false,
      kindOrder: order,
    });
    expect(plan.changes.map((c) => [c.action, c.kind, c.name])).toEqual([
      ['unchanged', 'Team', 'payments'],
      ['update', 'Service', 'checkout'],
      ['create', 'Service', 'search'],
    ]);
    expect(plan.changes[1]!.fields).toEqual([{ path: 'spec.tier', before: 'critical', after: 'important' }]);
    expect(plan.summary).toEqual({ create: 1, update: 1, delete: 0, unchanged: 1 });
  });

  it('prunes only what mayPrune accepts, deleting dependents before what they depend on', () => {
    const plan = planChanges({ current, desired: [], prune: true, mayPrune: (o) => o.metadata.name !== 'legacy', kindOrder: order });
    expect(plan.changes.map((c) => [c.action, c.kind, c.name])).toEqual([
      ['delete', 'Service', 'checkout'],
      ['delete', 'Team', 'payments'],
    ]);
    expect(plan.changes[0]!.fields).toContainEqual({ path: 'spec', before: { owner: 'payments', tier: 'critical' } });
  });
});
