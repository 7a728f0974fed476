import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '../../../test/support/stores.js';
import { applyFiles } from '../../catalog/apply.js';
import { getObject } from '../../store/objects.js';

const root = new URL('../../../', import.meta.url);
const files = [...readdirSync(new URL('examples/', root)).map((f) => `examples/${f}`), 'docs/examples/openslo/fraud-scoring.yaml'].map((name) => ({
  name,
  content: readFileSync(new URL(name, root), 'utf8'),
}));
const admin = { actor: 'test', role: 'admin' as const };

describe('applying OpenSLO documents', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore('pglite');
  });
  afterAll(async () => {
    await store?.close();
  });

  it('stores the SLOs, not the SLIs and policies, and a second apply changes nothing', async () => {
    const first = await applyFiles(store.db, { files, prune: false, dryRun: false, principal: admin });
    expect(first.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(first.outcome).toBe('applied');
    const created = first.plan.changes.filter((c) => c.action === 'create').map((c) => `${c.kind}/${c.name}`);
    expect(created).toContain('SLO/fraud-scoring-availability');
    expect(created).toContain('SLO/fraud-scoring-latency');
    expect(created.filter((k) => /^(SLI|AlertPolicy|AlertCondition)\//.test(k))).toEqual([]);
    const stored = await getObject(store.db, 'SLO', 'fraud-scoring-availability');
    expect(stored?.spec).toMatchObject({ objective: 99.9, alerting: { tiers: [{ severity: 'page', long: '1h', factor: 14.4 }, { severity: 'ticket', long: '3d', factor: 1 }] } });

    const second = await applyFiles(store.db, { files, prune: true, dryRun: true, principal: admin });
    expect(second.outcome).toBe('planned');
    expect(second.plan.changes.filter((c) => c.action !== 'unchanged')).toEqual([]);
  });
});
