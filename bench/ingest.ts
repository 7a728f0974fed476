// P2: SLI ingest over HTTP in batches of 1,000 items, durable on acknowledgement. A real `pave serve` child process on a
// fresh store (PGlite; and PostgreSQL when PAVE_BENCH_DATABASE_URL is set) with a small SLO catalog applied, fed by a
// closed-loop generator in another child process (bench/lib/ingest-load.ts) with several batches in flight; then the
// server is stopped, the store reopened, and every series' committed counts compared with the acknowledged ones.
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { openStore, redactUrl, type Store } from '../src/store/store.js';
import { onCleanup } from './lib/cleanup.js';
import { countsSeries, type LoadConfig, type LoadMessage, type LoadResult, type SeriesCounts, type Variant } from './lib/ingest-load.js';
import { httpStatus, repoRoot } from './lib/serve.js';
import { percentile, round } from './lib/stats.js';
import { atLeast, atMost, type BenchResult, type Figure } from './lib/types.js';

export const name = 'ingest';
export const target = 'P2: ingest SLI events over HTTP in batches of 1,000, durable on acknowledgement, ≥ 200,000 events/s sustained';

const p2Target = 200_000;
const batchItems = 1000;
/** Batches in flight, one keep-alive connection each. */
const concurrency = 8;
const warmupMs = 3000;
/** The measured window per variant; PAVE_BENCH_INGEST_SECONDS shortens it for exploratory runs. */
const durationMs = Math.max(2, Number(process.env.PAVE_BENCH_INGEST_SECONDS ?? 20)) * 1000;
const requestTimeoutMs = 10_000;
/** Extra node flags for the server only, e.g. PAVE_BENCH_INGEST_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const serverNodeArgs = (process.env.PAVE_BENCH_INGEST_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** The latency threshold of the events SLO below: each event at or under it is also counted in an `le` series. */
const eventThresholdMs = 300;

/** The catalog applied before the load: the services and SLOs whose series the items carry. */
const catalogYaml = `
apiVersion: pave/v1
kind: Person
metadata: { name: bench-alice }
spec: { displayName: Alice Bench, timezone: Europe/Paris, contacts: [ { type: email, address: alice@bench.example.com } ] }
---
apiVersion: pave/v1
kind: Person
metadata: { name: bench-bob }
spec: { displayName: Bob Bench, timezone: America/New_York, contacts: [ { type: email, address: bob@bench.example.com } ] }
---
apiVersion: pave/v1
kind: Team
metadata: { name: bench-shop }
spec: { displayName: Shop squad, members: [bench-alice, bench-bob] }
---
apiVersion: pave/v1
kind: Service
metadata: { name: checkout }
spec: { owner: bench-shop, tier: critical, dependsOn: [ { service: payments-api, kind: hard }, { service: identity, kind: hard } ] }
---
apiVersion: pave/v1
kind: Service
metadata: { name: catalog-api }
spec: { owner: bench-shop, tier: critical }
---
apiVersion: pave/v1
kind: Service
metadata: { name: identity }
spec: { owner: bench-shop, tier: critical }
---
apiVersion: pave/v1
kind: Service
metadata: { name: payments-api }
spec: { owner: bench-shop, tier: critical }
---
apiVersion: pave/v1
kind: SLO
metadata: { name: checkout-availability }
spec:
  service: checkout
  indicator: { ratio: { good: { series: checkout_requests }, total: { series: checkout_requests } } }
  objective: 99.9
  window: { rolling: 30d }
---
apiVersion: pave/v1
kind: SLO
metadata: { name: catalog-api-availability }
spec:
  service: catalog-api
  indicator: { ratio: { good: { series: catalog_requests }, total: { series: catalog_requests } } }
  objective: 99.9
  window: { calendar: quarter, timezone: America/New_York }
---
apiVersion: pave/v1
kind: SLO
metadata: { name: identity-availability }
spec:
  service: identity
  indicator: { ratio: { bad: { series: identity_requests, match: { code: "5xx" } }, total: { series: identity_requests } } }
  objective: 99.95
  window: { rolling: 30d }
  budgeting: ratioTimeslices
---
apiVersion: pave/v1
kind: SLO
metadata: { name: payments-api-fast-and-ok }
spec:
  service: payments-api
  indicator:
    events: { series: payments_api_events, good: { status: [2xx, 3xx], maxLatencyMs: ${eventThresholdMs} }, excludeClientErrors: true }
  objective: 99.9
  window: { rolling: 28d }
`;
const catalogServices = ['checkout', 'catalog-api', 'identity', 'payments-api'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- CPU accounting from /proc (Linux); every reader returns undefined where it cannot read. ----

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2000 }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of a process, in clock ticks. */
function processTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return undefined;
  }
}

/** Busy and total ticks of the whole machine. */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - f[3]! - f[4]!, total };
  } catch {
    return undefined;
  }
}

function peakRssMiB(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

interface CpuWindow {
  /** Percent of one core over the measured window. */
  serverPct?: number;
  loadgenPct?: number;
  /** PostgreSQL backends serving the bench database (local server only). */
  postgresPct?: number;
  /** Whole machine, percent of all cores. */
  machinePct?: number;
}

// ---- the server child process ----

interface Server {
  url: string;
  pid: number;
  /** Warnings and errors the server logged (pino lines at warn or above, and stderr lines). */
  problems: { count: number; samples: string[] };
  stop(): Promise<{ ms: number; code: number | null; signal: string | null; killed: boolean }>;
}

const listeningLine = /pave listening on (http:\/\/\S+) \(/;

async function startServer(env: Record<string, string | undefined>, deadlineMs = 30_000): Promise<Server> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const k of ['PAVE_URL', 'PAVE_TOKEN', 'PORT', 'PAVE_HOST', 'PAVE_LOG_LEVEL', 'PAVE_EVALUATION_INTERVAL']) delete childEnv[k];
  if (env.DATABASE_URL === undefined) delete childEnv.DATABASE_URL;
  const args = ['--import', 'tsx', ...serverNodeArgs, 'src/cli/main.ts', 'serve', '--port', '0', '--log-level', 'warn'];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: repoRoot, env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn pave serve');
  let exit: { code: number | null; signal: string | null } | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => ((exit = { code, signal }), resolve())));

  const problems = { count: 0, samples: [] as string[] };
  const problem = (line: string) => {
    problems.count++;
    if (problems.samples.length < 3) problems.samples.push(line.slice(0, 300));
  };
  let stdout = '';
  let url: string | undefined;
  const onStdoutLine = (line: string) => {
    if (!line.startsWith('{')) return;
    try {
      if ((JSON.parse(line) as { level?: number }).level! >= 40) problem(line);
    } catch {
      problem(line);
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    let nl: number;
    while ((nl = stdout.indexOf('\n')) >= 0) {
      const line = stdout.slice(0, nl);
      stdout = stdout.slice(nl + 1);
      const m = url ? null : listeningLine.exec(line);
      if (m) url = m[1];
      else onStdoutLine(line);
    }
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 20_000) stderr += d;
    for (const line of d.split('\n')) if (line.trim()) problem(line);
  });

  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  let stopping: ReturnType<Server['stop']> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const t = performance.now();
      let killed = false;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await Promise.race([exited, sleep(15_000)]);
      killed = !exit;
      // The process group (the server and anything it started) must be gone too; give it a moment after the exit.
      const until = Date.now() + (exit ? 2000 : 0);
      while (alive() && Date.now() < until) await sleep(10);
      if (alive()) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone
        }
        await Promise.race([exited, sleep(5000)]);
      }
      return { ms: performance.now() - t, code: exit?.code ?? null, signal: exit?.signal ?? null, killed };
    })());
  const unregister = onCleanup(async () => {
    await stop();
  });

  try {
    const until = performance.now() + deadlineMs;
    while (!url && !exit && performance.now() < until) await sleep(20);
    if (!url) throw new Error(`pave serve did not listen within ${deadlineMs} ms${exit ? ` (exited ${exit.code ?? exit.signal})` : ''}: ${stderr.trim().slice(0, 2000)}`);
    while ((await httpStatus(`${url}/readyz`)) !== 200) {
      if (exit || performance.now() > until) throw new Error(`/readyz did not answer 200 within ${deadlineMs} ms`);
      await sleep(20);
    }
  } catch (err) {
    await stop();
    await unregister();
    throw err;
  }
  return {
    url,
    pid,
    problems,
    stop: async () => {
      const r = await stop();
      await unregister();
      return r;
    },
  };
}

async function call<T>(url: string, token: string, method: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}: ${text.slice(0, 1000)}`);
  return JSON.parse(text) as T;
}

// ---- one load phase in a child process ----

async function loadPhase(server: Server, cfg: LoadConfig, postgresPids?: () => Promise<number[]>): Promise<{ result: LoadResult; cpu: CpuWindow }> {
  const child = fork(join(repoRoot, 'bench', 'lib', 'ingest-load.ts'), ['--child'], {
    cwd: repoRoot,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const childPid = child.pid!;
  const unregister = onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  type Sample = { at: number; server?: number; loadgen?: number; machine?: ReturnType<typeof machineTicks>; postgres: Map<number, number> };
  const sample = async (): Promise<Sample> => {
    const postgres = new Map<number, number>();
    for (const p of postgresPids ? await postgresPids().catch(() => []) : []) {
      const t = processTicks(p);
      if (t !== undefined) postgres.set(p, t);
    }
    return { at: performance.now(), server: processTicks(server.pid), loadgen: processTicks(childPid), machine: machineTicks(), postgres };
  };
  let first: Promise<Sample> | undefined;
  let last: Promise<Sample> | undefined;
  const limitMs = cfg.warmupMs + cfg.durationMs + 4 * cfg.timeoutMs + 30_000;
  try {
    const result = await new Promise<LoadResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load generator did not finish within ${limitMs / 1000} s`)), limitMs);
      child.on('message', (m: LoadMessage) => {
        if (m.type === 'measure-start') first = sample();
        else if (m.type === 'measure-end') last = sample();
        else if (m.type === 'result') clearTimeout(timer), resolve(m.result);
        else clearTimeout(timer), reject(new Error(`load generator failed: ${m.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`load generator exited (${code ?? signal}) without a result`));
      });
      child.send(cfg);
    });
    const [a, b] = await Promise.all([first, last]);
    const cpu: CpuWindow = {};
    if (a && b) {
      const windowTicks = ((b.at - a.at) / 1000) * ticksPerSecond();
      const pct = (x?: number, y?: number) => (x !== undefined && y !== undefined ? round(((y - x) / windowTicks) * 100) : undefined);
      cpu.serverPct = pct(a.server, b.server);
      cpu.loadgenPct = pct(a.loadgen, b.loadgen);
      if (a.machine && b.machine) cpu.machinePct = round(((b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total)) * 100);
      if (postgresPids && b.postgres.size > 0) {
        let ticks = 0;
        for (const [p, t] of b.postgres) ticks += t - (a.postgres.get(p) ?? 0);
        cpu.postgresPct = round((ticks / windowTicks) * 100);
      }
    }
    return { result, cpu };
  } finally {
    await unregister();
  }
}

// ---- the durability check ----

interface Durability {
  seriesExpected: number;
  /**
   * Series whose minute or hour sums differ from the acknowledged counts or that should not be there, plus one if the
   * stored idempotency keys are not exactly one per committed batch.
   */
  mismatches: number;
  samples: string[];
  storedEvents: number;
  storedBatches: number;
}

async function checkStore(store: Store, expected: SeriesCounts, expectedBatches: number): Promise<Durability> {
  const samples: string[] = [];
  const differ = new Set<string>();
  let storedEvents = 0;
  for (const table of ['sli_minutes', 'sli_hours'] as const) {
    const { rows } = await sql<{ key: string; good: string; total: string }>`
      select s.key, sum(t.good)::text as good, sum(t.total)::text as total
      from ${sql.table(table)} t join sli_series s on s.id = t.series_id group by s.key`.execute(store.db);
    const stored = new Map(rows.map((r) => [r.key, { good: Number(r.good), total: Number(r.total) }]));
    for (const [key, want] of Object.entries(expected)) {
      const got = stored.get(key);
      if (!got || got.good !== want.good || got.total !== want.total) {
        differ.add(key);
        if (samples.length < 5) samples.push(`${table} ${key}: stored ${got ? `${got.good}/${got.total}` : 'nothing'}, acknowledged ${want.good}/${want.total}`);
      }
    }
    for (const [key, got] of stored) {
      if (!(key in expected)) {
        differ.add(key);
        if (samples.length < 5) samples.push(`${table} ${key}: stored ${got.good}/${got.total}, never acknowledged`);
      }
      // Events: every counts series and the status series of raw events (not their extra `le` rows).
      if (table === 'sli_minutes' && !/[{,]le=/.test(key)) storedEvents += got.total;
    }
  }
  const { rows } = await sql<{ n: string }>`select count(*)::text as n from ingest_batches`.execute(store.db);
  const storedBatches = Number(rows[0]?.n ?? 0);
  if (storedBatches !== expectedBatches) samples.push(`ingest_batches holds ${storedBatches} keys, ${expectedBatches} batches were acknowledged`);
  const mismatches = differ.size + (storedBatches === expectedBatches ? 0 : 1);
  return { seriesExpected: Object.keys(expected).length, mismatches, samples, storedEvents, storedBatches };
}

// ---- one backend ----

interface Backend {
  label: 'pglite' | 'postgres';
  /** Environment for `pave serve` (PAVE_DATA_DIR, DATABASE_URL). */
  env: Record<string, string | undefined>;
  openForCheck(): Promise<Store>;
  /** Ids of the PostgreSQL backend processes serving the database (for CPU), when the server is local. */
  postgresPids?: () => Promise<number[]>;
}

async function measure(b: Backend, notes: string[]): Promise<Figure[]> {
  const adminToken = randomBytes(32).toString('base64url');
  const server = await startServer({ ...b.env, PAVE_ADMIN_TOKEN: adminToken });
  const runId = `bench-${process.pid}-${Date.now().toString(36)}`;
  const phases: { variant: Variant; result: LoadResult; cpu: CpuWindow }[] = [];
  let stopped: Awaited<ReturnType<Server['stop']>> | undefined;
  let peakRss: number | undefined;
  try {
    const applied = await call<{ summary: Record<string, number> }>(server.url, adminToken, 'POST', '/api/v1/apply', {
      files: [{ name: 'bench/ingest-catalog.yaml', content: catalogYaml }],
    });
    const ingest = await call<{ token: string }>(server.url, adminToken, 'POST', '/api/v1/tokens', { name: 'bench-ingest', role: 'ingest', services: catalogServices });
    notes.push(
      `${b.label}: catalog applied over POST /api/v1/apply (${applied.summary.create} objects: ${catalogServices.length} services, 4 SLOs); ` +
        `batches sent with an ingest token scoped to those services (so every batch also passes the series-ownership check)`,
    );
    // Raw events first: that is the figure P2 is about (one item = one event).
    for (const variant of ['events', 'counts'] as const) {
      const cfg: LoadConfig = {
        url: server.url,
        token: ingest.token,
        variant,
        concurrency,
        warmupMs,
        durationMs,
        timeoutMs: requestTimeoutMs,
        batchItems,
        keyPrefix: `${runId}-${variant}`,
        seed: variant === 'events' ? 11 : 12,
        eventThresholds: [eventThresholdMs],
      };
      const { result, cpu } = await loadPhase(server, cfg, b.postgresPids);
      phases.push({ variant, result, cpu });
    }
    peakRss = peakRssMiB(server.pid);
    stopped = await server.stop();
  } finally {
    if (!stopped) await server.stop();
  }

  // Reopen the store the server wrote and compare every series with what was acknowledged.
  const expected: SeriesCounts = {};
  let expectedBatches = 0;
  let expectedEvents = 0;
  for (const p of phases) {
    Object.assign(expected, p.result.committed.series); // the two variants write disjoint series
    expectedBatches += p.result.committed.batches;
    expectedEvents += p.result.committed.events;
  }
  const store = await b.openForCheck();
  let durability: Durability;
  try {
    durability = await checkStore(store, expected, expectedBatches);
  } finally {
    await store.close();
  }

  const figures: Figure[] = [];
  for (const { variant, result: r, cpu } of phases) {
    const seconds = r.windowMs / 1000;
    const itemsPerS = round(r.measured.items / seconds);
    const p = `${b.label} ${variant}`;
    if (variant === 'events') {
      figures.push(atLeast(`${p}: events/s (1 item = 1 event)`, itemsPerS, 'events/s', p2Target, '≥ 200,000 events/s'));
    } else {
      figures.push(atLeast(`${p}: items/s (P2 counts each as 1 event)`, itemsPerS, 'items/s', p2Target, '≥ 200,000 items/s'));
      figures.push({ name: `${p}: Σ total/s (items stand for many)`, value: round(r.measured.events / seconds), unit: 'events/s' });
    }
    figures.push({ name: `${p}: batch latency p50`, value: round(percentile(r.latencies, 50)), unit: 'ms' });
    figures.push({ name: `${p}: batch latency p99`, value: round(percentile(r.latencies, 99)), unit: 'ms' });
    figures.push(atMost(`${p}: errors`, r.errors, 'batches', 0, '0'));
    if (cpu.serverPct !== undefined) figures.push({ name: `${p}: server CPU`, value: cpu.serverPct, unit: '% of a core' });
    if (cpu.serverPct !== undefined && r.measured.batches >= 10) {
      // CPU time per batch does not depend on what else the machine is doing, unlike the rate: the steadier figure
      // for comparing changes, and what one core could do if the server had it to itself.
      const perBatch = (cpu.serverPct * r.windowMs) / 100 / r.measured.batches;
      figures.push({ name: `${p}: server CPU per batch`, value: round(perBatch), unit: 'ms' });
      if (cpu.postgresPct !== undefined) {
        const pgPerBatch = (cpu.postgresPct * r.windowMs) / 100 / r.measured.batches;
        figures.push({ name: `${p}: PostgreSQL backends CPU per batch`, value: round(pgPerBatch), unit: 'ms' });
        // PostgreSQL works in its own processes, on the other core when the machine is otherwise idle.
        figures.push({ name: `${p}: items/s one core gives the server at that cost`, value: round((batchItems * 1000) / perBatch), unit: 'items/s' });
      } else figures.push({ name: `${p}: items/s one core gives at that cost`, value: round((batchItems * 1000) / perBatch), unit: 'items/s' });
    }
    notes.push(
      `${p}: ${r.measured.batches} batches answered 200 in the ${seconds} s window (${r.measured.items} items, ${r.measured.events} events); ` +
        `${r.acknowledged.batches} acknowledged in the whole phase incl. ${warmupMs / 1000} s warm-up and the drain, ${r.sent} sent; ` +
        `~${Math.round(r.bodyBytes / 1024)} KiB per batch body; CPU over the window: server ${cpu.serverPct ?? '?'}%, ` +
        `load generator ${cpu.loadgenPct ?? '?'}%${cpu.postgresPct !== undefined ? `, PostgreSQL backends ${cpu.postgresPct}%` : ''} of a core; ` +
        `machine ${cpu.machinePct ?? '?'}% of all cores` +
        (r.errors ? `; errors: ${Object.entries(r.errorKinds).map(([k, v]) => `${k} ×${v}`).join(', ')}` : '') +
        (r.reconciled.committedBefore + r.reconciled.committedOnResend + r.reconciled.notCommitted + r.reconciled.unresolved
          ? `; the failed batches re-sent with their key after the window: ${r.reconciled.committedBefore} had been committed (duplicate), ` +
            `${r.reconciled.committedOnResend} had rolled back and were committed now, ${r.reconciled.notCommitted} refused, ${r.reconciled.unresolved} unsettled`
          : ''),
    );
  }
  const unresolved = phases.reduce((a, p) => a + p.result.reconciled.unresolved, 0);
  figures.push(atMost(`${b.label}: durability: stored ≠ acknowledged`, durability.mismatches, 'series', 0, `0 of ${durability.seriesExpected}`));
  notes.push(
    `${b.label}: durability — server stopped with SIGTERM in ${round(stopped.ms)} ms (exit ${stopped.code ?? stopped.signal}${stopped.killed ? ', had to SIGKILL' : ''}), ` +
      `store reopened: ${durability.seriesExpected} series checked in sli_minutes and sli_hours, ${durability.mismatches} differ; ` +
      `${durability.storedBatches} idempotency keys stored for ${expectedBatches} committed batches; ` +
      `${durability.storedEvents} events stored, ${expectedEvents} acknowledged` +
      (unresolved ? `; ${unresolved} batch(es) with an unknown outcome could not be settled, so the check is not exact` : '') +
      (durability.samples.length ? `; e.g. ${durability.samples.join('; ')}` : '') +
      (peakRss ? `; server peak RSS ${round(peakRss)} MiB` : '') +
      (server.problems.count ? `; server logged ${server.problems.count} warning/error line(s), e.g. ${server.problems.samples.join(' | ')}` : '; server logged no warnings'),
  );
  return figures;
}

async function onPglite(notes: string[]): Promise<Figure[]> {
  const root = mkdtempSync(join(tmpdir(), 'pave-bench-ingest-'));
  const cleanup = onCleanup(() => rmSync(root, { recursive: true, force: true }));
  try {
    const dataDir = join(root, 'data');
    return await measure({ label: 'pglite', env: { PAVE_DATA_DIR: dataDir }, openForCheck: () => openStore({ dataDir }) }, notes);
  } finally {
    await cleanup();
  }
}

async function onPostgres(adminUrl: string, notes: string[]): Promise<Figure[]> {
  const dbName = `pave_bench_ingest_${process.pid}_${Date.now().toString(36)}`;
  const root = mkdtempSync(join(tmpdir(), 'pave-bench-ingest-pg-'));
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  let created = false;
  const drop = onCleanup(async () => {
    try {
      if (created) {
        // Let the server's and the checker's pools finish closing before forcing the drop.
        const until = Date.now() + 5000;
        while (Date.now() < until) {
          const { rows } = await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [dbName]);
          if ((rows[0]?.n ?? 0) === 0) break;
          await sleep(20);
        }
        await admin.query(`drop database if exists "${dbName}" with (force)`);
      }
    } finally {
      await admin.end().catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    }
  });
  try {
    await admin.connect();
    await admin.query(`create database "${dbName}"`);
    created = true;
    const url = new URL(adminUrl);
    url.pathname = `/${dbName}`;
    const databaseUrl = url.toString();
    const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) && existsSync('/proc/self/stat');
    const { rows } = await admin.query<{ fsync: string; synchronous_commit: string; server_version: string }>(
      "select current_setting('fsync') as fsync, current_setting('synchronous_commit') as synchronous_commit, current_setting('server_version') as server_version",
    );
    notes.push(
      `postgres: fresh database ${dbName} on ${redactUrl(adminUrl)} (PostgreSQL ${rows[0]?.server_version}, fsync ${rows[0]?.fsync}, ` +
        `synchronous_commit ${rows[0]?.synchronous_commit}; dropped afterwards); pave's pool holds ≤ 10 connections`,
    );
    return await measure(
      {
        label: 'postgres',
        env: { PAVE_DATA_DIR: join(root, 'data'), DATABASE_URL: databaseUrl },
        openForCheck: () => openStore({ databaseUrl }),
        ...(local
          ? {
              postgresPids: async () =>
                (await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName])).rows.map((r) => r.pid),
            }
          : {}),
      },
      notes,
    );
  } finally {
    await drop();
  }
}

export async function run(): Promise<BenchResult> {
  const notes: string[] = [
    `server: \`node --import tsx src/cli/main.ts serve --port 0 --log-level warn\` as a child process (PAVE_ADMIN_TOKEN set, SLO engine on its ` +
      `default 30 s schedule); load: a forked child (bench/lib/ingest-load.ts), ${concurrency} batches in flight on ${concurrency} keep-alive ` +
      `loopback connections, closed loop, ${warmupMs / 1000} s warm-up then ${durationMs / 1000} s measured per variant; only 200 answers count`,
    `sharing the machine: the server is one Node process (one JavaScript thread; with PGlite the store runs on that same thread, ` +
      `with PostgreSQL in its own backend processes); the load generator is another process that sends pre-serialised bodies (a pool of ` +
      `16, one rebuilt every ${Math.round(5000 / 16)} ms so that timestamps follow the clock) and costs about a tenth of a core; nothing pins ` +
      `either to a core. The rates are what the server got of the 2 cores while the load generator, PostgreSQL and anything else running ` +
      `took the rest ("machine" below: all cores busy means other work competed); "server CPU per batch" and "items/s one core gives" ` +
      `depend far less on that competition: they estimate what one core given to the server would sustain`,
    `batches of ${batchItems} items, each with its own Idempotency-Key, timestamps spread over the last 90 s. events: raw {status, latencyMs} ` +
      `items on payments_api_events (36 label sets × 5 statuses; the SLO's ${eventThresholdMs} ms threshold adds an \`le\` row per fast event) — ` +
      `one event each, so events/s = items/s: this is the P2 figure. counts: {good, total} items over ${countsSeries} series ` +
      `(checkout_requests, catalog_requests, identity_requests), total 1–200 per item; P2 counts such an item as one event, ` +
      `since Σ total/s only measures how big the senders' aggregates are, not ingest`,
  ];
  const figures = await onPglite(notes);
  const pgUrl = process.env.PAVE_BENCH_DATABASE_URL;
  if (pgUrl) figures.push(...(await onPostgres(pgUrl, notes)));
  else notes.push('postgres: skipped (set PAVE_BENCH_DATABASE_URL to an admin connection string to include it)');
  return { figures, notes };
}
