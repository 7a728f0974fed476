// P1 through the engine itself: SloEngine.cycle() over 10,000 SLOs stored in the database, with the minute that just
// closed ingested before each cycle. Where slo-evaluation measures the evaluation alone on 30 days of data held in
// memory, this measures what a running pave does each cycle: one store read for every SLO's recent minutes, folding
// them into each SLO's counts, the evaluation, the alert diff, and recording transitions (leader). Store: PGlite in a
// temporary folder, or PostgreSQL with PAVE_BENCH_DATABASE_URL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { stringify } from 'yaml';
import { applyFiles } from '../src/catalog/apply.js';
import { SloEngine } from '../src/engine/slo-engine.js';
import { openStore, type Store } from '../src/store/store.js';
import { Ingestor } from '../src/telemetry/ingest.js';
import { generateCatalog } from './lib/catalog.js';
import { onCleanup } from './lib/cleanup.js';
import { max, median, round, since } from './lib/stats.js';
import { atMost, type BenchResult, type Figure } from './lib/types.js';

export const name = 'engine-cycle';
/** Applying 10,000 SLOs and ingesting their history come first. */
export const limitMs = 600_000;
export const target = 'P1 through the engine: SloEngine.cycle() over 10,000 stored SLOs, store read included ≤ 100 ms after warm-up';

const MIN = 60_000;
const SLOS = Number(process.env.PAVE_BENCH_ENGINE_SLOS ?? 10_000);
const HISTORY_MINUTES = Number(process.env.PAVE_BENCH_ENGINE_HISTORY_MINUTES ?? 120);
const CYCLES = 12;
const admin = { actor: 'bench', role: 'admin' as const };
const MiB = 1024 * 1024;

function sloDocs(services: string[]): string {
  const docs = [];
  for (let i = 0; i < SLOS; i++) {
    const slo = `slo-${String(i).padStart(5, '0')}`;
    docs.push({
      apiVersion: 'pave/v1',
      kind: 'SLO',
      metadata: { name: slo },
      spec: {
        service: services[i % services.length],
        indicator: { ratio: { good: { series: 'bench_requests', match: { slo } }, total: { series: 'bench_requests', match: { slo } } } },
        objective: [99.9, 99.5, 99, 99.95][i % 4],
        window: i % 10 < 8 ? { rolling: i % 2 ? '28d' : '30d' } : { calendar: 'month', timezone: 'Europe/Paris' },
        ...(i % 3 === 0 ? { noData: { alertAfter: '10m' } } : {}),
      },
    });
  }
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}

/** Counts of SLO i in minute m: 50–150 requests, 0.1% failing, 30% failing for 1% of the SLOs from minute `burstAt`. */
function counts(i: number, m: number, burstAt: number): { good: number; total: number } {
  const total = 50 + ((i * 7_919 + m * 104_729) % 101);
  const failing = i % 100 === 42 && m >= burstAt ? Math.floor(total * 0.3) : (i + m) % 10 === 0 ? 1 : 0;
  return { good: total - failing, total };
}

async function openBenchStore(): Promise<{ store: Store; label: string; close: () => Promise<void> }> {
  const url = process.env.PAVE_BENCH_DATABASE_URL;
  if (url) {
    const db = `pave_bench_engine_${process.pid}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create database ${db}`);
    await admin.end();
    const u = new URL(url);
    u.pathname = `/${db}`;
    const store = await openStore({ databaseUrl: u.toString() });
    const close = onCleanup(async () => {
      await store.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop database if exists ${db} with (force)`);
      await c.end();
    });
    return { store, label: 'PostgreSQL', close };
  }
  const dir = mkdtempSync(join(tmpdir(), 'pave-bench-engine-'));
  const store = await openStore({ dataDir: dir });
  const close = onCleanup(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, label: 'PGlite', close };
}

export async function run(): Promise<BenchResult> {
  const { store, label, close } = await openBenchStore();
  try {
    const catalog = generateCatalog();
    const tApply = performance.now();
    const applied = await applyFiles(store.db, {
      files: [...catalog.files, { name: 'slos.yaml', content: sloDocs(catalog.serviceNames) }],
      prune: false,
      dryRun: false,
      principal: admin,
    });
    if (applied.outcome !== 'applied') throw new Error(`catalog not applied: ${JSON.stringify(applied.issues?.slice(0, 3))}`);
    const applyMs = since(tApply);

    const start = Math.floor(Date.parse('2026-03-18T12:00:00Z') / MIN) * MIN;
    let now = start + HISTORY_MINUTES * MIN + 5_000;
    const burstAt = HISTORY_MINUTES + 3;
    const ingestor = new Ingestor(store.db, { latenessMs: 2 * HISTORY_MINUTES * MIN, futureMs: 5 * MIN, catalogTtlMs: 60_000 });
    const minuteItems = (m: number) =>
      Array.from({ length: SLOS }, (_, i) => ({ series: 'bench_requests', labels: { slo: `slo-${String(i).padStart(5, '0')}` }, ts: start + m * MIN, ...counts(i, m, burstAt) }));
    const tIngest = performance.now();
    for (let m = 0; m < HISTORY_MINUTES; m++) {
      const items = minuteItems(m);
      for (let k = 0; k < items.length; k += 10_000) {
        const r = await ingestor.ingest(items.slice(k, k + 10_000), { principal: admin, now: new Date(now) });
        if (r.status !== 'committed') throw new Error(`history not ingested: ${JSON.stringify(r).slice(0, 300)}`);
      }
    }
    const ingestMs = since(tIngest);

    const engine = new SloEngine(store.db, { now: () => new Date(now), intervalMs: 30_000, latenessMs: 60 * MIN });
    const tFirst = performance.now();
    await engine.cycle();
    const firstMs = since(tFirst);
    const first = engine.lastCycle!;

    const cycles: { total: number; load: number; evaluate: number; full: boolean }[] = [];
    let transitions = 0;
    for (let c = 0; c < CYCLES; c++) {
      const m = HISTORY_MINUTES + c;
      const items = minuteItems(m);
      for (let k = 0; k < items.length; k += 10_000) await ingestor.ingest(items.slice(k, k + 10_000), { principal: admin, now: new Date(now) });
      now += MIN;
      transitions += (await engine.cycle()).length;
      const last = engine.lastCycle!;
      // The first cycle (0) was a full read; so is every 10th after it.
      cycles.push({ total: last.durationMs, load: last.loadMs, evaluate: last.evaluateMs, full: (c + 1) % 10 === 0 });
    }
    const steady = cycles.filter((c) => !c.full);
    const full = cycles.filter((c) => c.full);
    const rss = process.memoryUsage().rss;
    const n = SLOS.toLocaleString('en-US');
    const figures: Figure[] = [
      atMost(`engine cycle, ${n} stored SLOs, ${label} (median)`, round(median(steady.map((c) => c.total))), 'ms', 100),
      { name: 'engine cycle (max)', value: round(max(steady.map((c) => c.total))), unit: 'ms' },
      { name: '  of which the store read and fold (median)', value: round(median(steady.map((c) => c.load))), unit: 'ms' },
      { name: '  of which the evaluation and alert diff (median)', value: round(median(steady.map((c) => c.evaluate))), unit: 'ms' },
      { name: 'cycle re-reading the whole lateness (60 min)', value: round(max(full.map((c) => c.total))), unit: 'ms' },
      { name: 'first cycle (each SLO loads its window)', value: round(firstMs / 1000), unit: 's' },
      { name: 'resident memory (RSS) after the cycles', value: round(rss / MiB), unit: 'MiB' },
    ];
    const notes = [
      `${n} SLOs (80% rolling 28/30 d, 20% calendar month in Paris; a third with a no-data alert) over the 1,000 services of the benchmark catalog, each reading its own series of counts; ${HISTORY_MINUTES} minutes of history ingested first (${round(ingestMs / 1000)} s) after applying the catalog (${round(applyMs / 1000)} s).`,
      `${CYCLES} cycles, each after ingesting the minute that just closed for every SLO (${n} items) and moving now on a minute; 1% of the SLOs start failing 30% of requests in the third cycle (${transitions} alert transitions recorded). Every 10th cycle re-reads the whole lateness (PAVE fullReadEvery) and is reported apart; the others read the last few minutes of every series in one query.`,
      `The first cycle loads each SLO's window with its own query (${round(first.loadMs)} ms of its ${round(first.durationMs)} ms): this is the start-up cost, which grows with the history held.`,
      `Times are SloEngine.lastCycle (wall clock in this process, which also runs the ingest between cycles).`,
    ];
    return { figures, notes };
  } finally {
    await close();
  }
}
