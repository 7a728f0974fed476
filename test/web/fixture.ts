// A data folder for the browser tests and the first-chart benchmark: the example catalog (what `npm start` shows),
// an alert integration, and `days` of the demo's simulated traffic, written straight into the store (HTTP ingest
// refuses data older than its lateness), then `pave serve` started on it as an operator would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyFiles } from '../../src/catalog/apply.js';
import { readSourceFiles } from '../../src/cli/files.js';
import { openStore } from '../../src/store/store.js';
import { defaultIngestOptions, Ingestor } from '../../src/telemetry/ingest.js';
import { backfillBatches, type IngestItem } from '../../src/telemetry/simulator.js';
import { startServe, type ServeProcess } from '../support/serve.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const DAY_MS = 86_400_000;

/** Alerts from Alertmanager's API v2, so a test can open a page for the UI to acknowledge; a flag to roll out. */
const integration = `apiVersion: pave/v1
kind: Integration
metadata: { name: web-test-alerts }
spec: { format: alertmanager-v2, team: payments }
---
apiVersion: pave/v1
kind: Flag
metadata: { name: new-checkout }
spec:
  owner: payments
  description: The new one-page checkout
  services: [checkout]
  rollout: { percentage: 10 }
`;

export const adminToken = 'web-test-admin-token-0123456789abcdefghij';

/**
 * A rollout of the flag new-checkout, guarded by checkout's availability SLO: step 1 (10%, the flag's own percentage)
 * bakes for an hour, so within a test it stays at step 1 of 3 until someone commands it. Only the tests that ask for
 * it get it (`extraYaml`): the flags test expects the flag untouched by a runner.
 */
export const newCheckoutRollout = `apiVersion: pave/v1
kind: Rollout
metadata: { name: new-checkout }
spec:
  service: checkout
  description: One-page checkout to everyone, guarded by availability
  changeKind: flag
  target: { flag: new-checkout }
  steps:
    - { weight: 10, bake: 1h }
    - { weight: 50, bake: 1h }
    - { weight: 100 }
  guard: { slos: [checkout-availability], onFailure: rollback }
`;

/**
 * A policy that freezes identity whatever its budget (any remaining budget is "at most 100%"), so the release gate
 * denies its deploys and only warns for its exempt fixes: the UI's deny and warn can be seen next to checkout's allow.
 */
export const identityFrozenPolicy = `apiVersion: pave/v1
kind: BudgetPolicy
metadata: { name: identity-frozen }
spec:
  services: [identity]
  description: Identity is frozen for the web tests.
  enforcement: blocking
  thresholds:
    - { remainingAtMost: 100, action: freeze }
`;

export interface WebDataDir {
  dir: string;
  /** Minutes of traffic written, and when they end. */
  minutes: number;
  endMs: number;
  cleanup(): void;
}

export interface TrafficBatch {
  items: IngestItem[];
  idempotencyKey: string;
}

/**
 * `traffic`: the batches to write instead of the demo's simulated traffic of every service (the benchmark's own).
 * `extraYaml`: more objects applied with the catalog (e.g. newCheckoutRollout).
 */
export async function prepareWebDataDir(days: number, options: { traffic?: (startMs: number, endMs: number) => Iterable<TrafficBatch>; extraYaml?: string } = {}): Promise<WebDataDir> {
  const dir = mkdtempSync(join(tmpdir(), 'pave-web-data-'));
  const store = await openStore({ dataDir: dir });
  const endMs = Math.floor(Date.now() / 60_000) * 60_000;
  try {
    const applied = await applyFiles(store.db, {
      files: [
        ...readSourceFiles([join(root, 'examples')]),
        { name: 'web-test-integration.yaml', content: integration },
        ...(options.extraYaml ? [{ name: 'web-test-extra.yaml', content: options.extraYaml }] : []),
      ],
      prune: false,
      dryRun: false,
      principal: { actor: 'test:setup', role: 'admin' },
    });
    if (applied.outcome !== 'applied') throw new Error(`the example catalog did not apply: ${JSON.stringify(applied.issues).slice(0, 2000)}`);
    const ingestor = new Ingestor(store.db, { ...defaultIngestOptions, latenessMs: (days + 1) * DAY_MS, futureMs: 5 * 60_000 });
    const startMs = endMs - days * DAY_MS;
    const batches = options.traffic ? options.traffic(startMs, endMs) : backfillBatches({ seed: 42, start: startMs, end: endMs });
    for (const batch of batches) {
      const r = await ingestor.ingest(batch.items, { principal: { actor: 'test:setup', role: 'admin' }, idempotencyKey: batch.idempotencyKey, now: new Date(endMs) });
      if (r.status !== 'committed') throw new Error(`backfill refused: ${JSON.stringify(r).slice(0, 1000)}`);
    }
  } finally {
    await store.close();
  }
  return { dir, minutes: days * 1440, endMs, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `pave serve` on the folder, evaluating every 2 s, with a known admin token. */
export function servePave(dir: string): Promise<ServeProcess> {
  return startServe({ PAVE_DATA_DIR: dir, PAVE_ADMIN_TOKEN: adminToken, PAVE_EVALUATION_INTERVAL: '2' });
}

export async function stopPave(p: ServeProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const code = await Promise.race([p.exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000))]);
  if (code === 'timeout') p.child.kill('SIGKILL');
}
