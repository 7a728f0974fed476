// Applying a 1,000-service catalog: create, re-apply unchanged, and apply with 10% of the services modified; on PGlite
// in a fresh temp data folder, and on PostgreSQL in a fresh database when PAVE_BENCH_DATABASE_URL is set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { applyFiles } from '../src/catalog/apply.js';
import type { SourceFile } from '../src/config/source.js';
import type { PlanAction } from '../src/domain/plan.js';
import { openStore, redactUrl, type Store } from '../src/store/store.js';
import { benchPrincipal, expectApplied, generateCatalog, type Catalog } from './lib/catalog.js';
import { onCleanup } from './lib/cleanup.js';
import { median, round, since } from './lib/stats.js';
import type { BenchResult, Figure } from './lib/types.js';

export const name = 'catalog-apply';
export const target = 'no DESIGN target: apply 1,000 services (50 teams, 300 people) — create, unchanged, 10% modified';

/** Repetitions of the unchanged and 10%-modified applies (median reported); create happens once per fresh store. */
const repeats = 3;

async function timedApply(store: Store, files: SourceFile[], what: string): Promise<{ ms: number; summary: Record<PlanAction, number> }> {
  const t = performance.now();
  const result = expectApplied(await applyFiles(store.db, { files, prune: false, dryRun: false, principal: benchPrincipal }), what);
  return { ms: since(t), summary: result.plan.summary };
}

function expectSummary(summary: Record<PlanAction, number>, want: Partial<Record<PlanAction, number>>, what: string): void {
  for (const [k, v] of Object.entries(want)) {
    if (summary[k as PlanAction] !== v) throw new Error(`${what}: expected ${k}=${v}, plan says ${JSON.stringify(summary)}`);
  }
}

async function measure(backend: string, open: () => Promise<Store>, catalog: Catalog, notes: string[]): Promise<Figure[]> {
  const n = catalog.objects;
  const services = catalog.size.services;
  const t0 = performance.now();
  const store = await open();
  const openMs = since(t0);
  try {
    const create = await timedApply(store, catalog.files, `${backend} create`);
    expectSummary(create.summary, { create: n }, `${backend} create`);

    const unchanged: number[] = [];
    let unchangedSummary: Record<PlanAction, number> | undefined;
    for (let r = 0; r < repeats; r++) {
      const u = await timedApply(store, catalog.files, `${backend} unchanged`);
      expectSummary(u.summary, { unchanged: n, create: 0, update: 0, delete: 0 }, `${backend} unchanged`);
      unchanged.push(u.ms);
      unchangedSummary = u.summary;
    }

    const modified: number[] = [];
    const changed = Math.round(services * 0.1);
    let modifiedSummary: Record<PlanAction, number> | undefined;
    for (let r = 1; r <= repeats; r++) {
      const m = await timedApply(store, catalog.modified(0.1, r), `${backend} modified`);
      expectSummary(m.summary, { update: changed, unchanged: n - changed, create: 0, delete: 0 }, `${backend} modified`);
      modified.push(m.ms);
      modifiedSummary = m.summary;
      // Back to the base catalog (not timed), so that every timed run changes exactly 10% of the services.
      await timedApply(store, catalog.files, `${backend} reset`);
    }
    const plan = (x: Record<PlanAction, number> | undefined) =>
      x ? Object.entries(x).map(([k, v]) => `${v} ${k}`).join(', ') : '';
    notes.push(`${backend}: plans — create: ${plan(create.summary)}; unchanged: ${plan(unchangedSummary)}; 10%: ${plan(modifiedSummary)}`);
    notes.push(
      `${backend}: unchanged runs ${unchanged.map((x) => round(x)).join(', ')} ms; modified runs ${modified.map((x) => round(x)).join(', ')} ms`,
    );
    return [
      { name: `${backend}: open fresh store + migrate`, value: round(openMs), unit: 'ms' },
      { name: `${backend}: apply create (${n} objects)`, value: round(create.ms), unit: 'ms' },
      { name: `${backend}: re-apply unchanged (median of ${repeats})`, value: round(median(unchanged)), unit: 'ms' },
      { name: `${backend}: apply 10% modified (median of ${repeats})`, value: round(median(modified)), unit: 'ms' },
    ];
  } finally {
    await store.close();
  }
}

async function onPglite(catalog: Catalog, notes: string[]): Promise<Figure[]> {
  const root = mkdtempSync(join(tmpdir(), 'pave-bench-apply-'));
  const cleanup = onCleanup(() => rmSync(root, { recursive: true, force: true }));
  try {
    return await measure('pglite', () => openStore({ dataDir: join(root, 'data') }), catalog, notes);
  } finally {
    await cleanup();
  }
}

async function onPostgres(adminUrl: string, catalog: Catalog, notes: string[]): Promise<Figure[]> {
  const dbName = `pave_bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await admin.connect();
  let created = false;
  const drop = onCleanup(async () => {
    try {
      if (!created) return;
      // store.close() can resolve while the pool's connections are still closing; terminating one of those (with
      // force) makes the store's pool emit an unhandled 'error'. So wait (≤ 5 s) until they are gone first.
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        const { rows } = await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [dbName]);
        if ((rows[0]?.n ?? 0) === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await admin.query(`drop database if exists "${dbName}" with (force)`);
    } finally {
      await admin.end();
    }
  });
  try {
    await admin.query(`create database "${dbName}"`);
    created = true;
    const url = new URL(adminUrl);
    url.pathname = `/${dbName}`;
    notes.push(`postgres: fresh database ${dbName} on ${redactUrl(adminUrl)} (dropped afterwards)`);
    return await measure('postgres', () => openStore({ databaseUrl: url.toString() }), catalog, notes);
  } finally {
    await drop();
  }
}

export async function run(): Promise<BenchResult> {
  const t = performance.now();
  const catalog = generateCatalog();
  const genMs = since(t);
  const bytes = catalog.files.reduce((a, f) => a + Buffer.byteLength(f.content), 0);
  const notes = [
    `catalog: ${catalog.size.people} people, ${catalog.size.teams} teams, ${catalog.size.services} services (0–4 dependencies each, ` +
      `60% hard), ${catalog.files.length} YAML files, ${Math.round(bytes / 1024)} KiB, generated in ${round(genMs)} ms; ` +
      `applies run in this process through applyFiles() (validate + plan + write, one transaction)`,
  ];
  const figures = await onPglite(catalog, notes);
  const pgUrl = process.env.PAVE_BENCH_DATABASE_URL;
  if (pgUrl) figures.push(...(await onPostgres(pgUrl, catalog, notes)));
  else notes.push('postgres: skipped (set PAVE_BENCH_DATABASE_URL to an admin connection string to include it)');
  return { figures, notes };
}
