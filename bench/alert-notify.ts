// P3: an alert received → its first notification handed to the notifier, at 500 alerts/s of PagerDuty Events v2
// triggers, one in ten opening a page (the rest repeat ongoing alerts, as senders do), then a worst case where every
// alert opens a page, starts an escalation, resolves a schedule's on-call person, queues a notification and sends it.
// The notifier is pave's real webhook notifier posting to a sink in this process; latency runs from each alert's
// scheduled send time (open loop) to its notification arriving at the sink, so it includes the HTTP hop back and is an
// upper bound of "handed to the notifier". PGlite always; PostgreSQL too, in a fresh database (created and dropped),
// when PAVE_BENCH_DATABASE_URL is an admin connection string.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyFiles } from '../src/catalog/apply.js';
import { createIntegrationKey } from '../src/store/integration-keys.js';
import pg from 'pg';
import { openStore, redactUrl, type StoreOptions } from '../src/store/store.js';
import { benchPrincipal, expectApplied } from './lib/catalog.js';
import { onCleanup } from './lib/cleanup.js';
import { openLoop } from './lib/loadgen.js';
import { httpStatus, repoRoot, startServe } from './lib/serve.js';
import { max, percentile, round } from './lib/stats.js';
import { atLeast, atMost, type BenchResult, type Figure } from './lib/types.js';

export const name = 'alert-notify';
export const target = 'P3: alert received → first notification handed to the notifier, p99 ≤ 50 ms at 500 alerts/s';
/** Two phases of up to 12 s plus 15 s to settle each, on PGlite and on PostgreSQL. */
export const limitMs = 300_000;

/** PAVE_BENCH_P3_RATE overrides the rate (to find the capacity when the target is missed). */
const rate = Number(process.env.PAVE_BENCH_P3_RATE ?? 500);
const warmupMs = 2_000;
const durationMs = 10_000;
/** How long to wait, after the last alert, for notifications still on their way. */
const settleMs = 15_000;

function catalog(sinkUrl: string): { name: string; content: string }[] {
  const content = `
apiVersion: pave/v1
kind: Person
metadata: { name: oncall }
spec:
  displayName: On Call
  timezone: Europe/Paris
  contacts: [ { type: webhook, url: "${sinkUrl}/notify/oncall" } ]
---
apiVersion: pave/v1
kind: Team
metadata: { name: bench }
spec:
  members: [oncall]
  escalationPolicy: bench-primary
---
apiVersion: pave/v1
kind: Schedule
metadata: { name: bench-primary }
spec:
  owner: bench
  timezone: Europe/Paris
  layers:
    - { name: weekly, participants: [oncall], length: 1w, handoff: "09:00", start: 2026-01-05 }
---
apiVersion: pave/v1
kind: EscalationPolicy
metadata: { name: bench-primary }
spec:
  owner: bench
  steps:
    - targets: [ { schedule: bench-primary } ]
      escalateAfter: 30m
---
apiVersion: pave/v1
kind: Service
metadata: { name: bench-api }
spec:
  owner: bench
  tier: critical
---
apiVersion: pave/v1
kind: Integration
metadata: { name: bench-monitor }
spec:
  format: pagerduty
  service: bench-api
`;
  return [{ name: 'bench-paging.yaml', content }];
}

interface Sink {
  url: string;
  /** Arrival time (performance.now()) of the first `page.triggered` notification of each alert index. */
  arrivals: Map<number, number>;
  received: number;
  close(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const arrivals = new Map<number, number>();
  const sink = { arrivals, received: 0 } as Sink;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      res.writeHead(204).end();
      sink.received++;
      const e = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event_type: string; data: { page: { title: string } } };
      const m = /^bench alert (\d+)$/.exec(e.data.page.title);
      if (e.event_type === 'page.triggered' && m && !arrivals.has(Number(m[1]))) arrivals.set(Number(m[1]), at);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}

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

/** CPU time a process has used (utime + stime), ms; undefined when /proc cannot tell. */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** Busy and total time of the whole machine (all cores), in ticks. */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - f[3]! - f[4]!, total };
  } catch {
    return undefined;
  }
}

interface PhaseResult {
  /** Server CPU per alert sent (warm-up included), ms; and its share of one core while sending. */
  cpuPerAlertMs?: number;
  serverCorePct?: number;
  /** How busy the whole machine was while sending (all cores, %). */
  machineBusyPct?: number;
  latencies: number[];
  measured: number;
  missing: number;
  ackLatencies: number[];
  achievedRate: number;
  errors: number;
  errorKinds: Record<string, number>;
}

/**
 * One open-loop phase: `rate` triggers/s, of which every `newEvery`-th opens a new page (a new dedup key) and the rest
 * repeat one of the 5 newest open keys (a sender re-sending an ongoing alert: it refreshes the alert and never
 * notifies). Latency is measured for the alerts that open a page. `offset` keeps dedup keys unique across phases.
 */
async function runPhase(url: string, pid: number, key: string, sink: Sink, rate: number, newEvery: number, offset: number): Promise<PhaseResult> {
  const due = new Map<number, number>();
  const warmup = Math.round((warmupMs / 1000) * rate);
  const total = warmup + Math.round((durationMs / 1000) * rate);
  const keyOf = (i: number) => offset + Math.max(0, Math.floor(i / newEvery) - (i % newEvery === 0 ? 0 : i % 5)) * newEvery;
  const cpuBefore = processCpuMs(pid);
  const machineBefore = machineTicks();
  const sendStart = performance.now();
  const result = await openLoop({
    url,
    method: 'POST',
    path: () => '/v2/enqueue',
    body: (i) => {
      const k = keyOf(i);
      return JSON.stringify({ routing_key: key, event_action: 'trigger', dedup_key: `bench-${k}`, payload: { summary: `bench alert ${k}`, source: 'bench-host', severity: 'critical' } });
    },
    onSend: (i, at) => {
      if (i % newEvery === 0) due.set(offset + i, at);
    },
    rate,
    warmupMs,
    durationMs,
    timeoutMs: 5000,
    expectStatus: 202,
  });
  const sendMs = performance.now() - sendStart;
  const cpuAfter = processCpuMs(pid);
  const machineAfter = machineTicks();
  const cpuMs = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
  const opening = (i: number) => i >= warmup && i % newEvery === 0;
  const until = performance.now() + settleMs;
  const pending = () => [...due.keys()].some((k) => opening(k - offset) && !sink.arrivals.has(k));
  while (performance.now() < until && pending()) await new Promise((r) => setTimeout(r, 50));
  const latencies: number[] = [];
  let measured = 0;
  let missing = 0;
  for (let i = warmup; i < total; i++) {
    if (!opening(i)) continue;
    measured++;
    const sentDue = due.get(offset + i);
    const arrived = sink.arrivals.get(offset + i);
    if (sentDue === undefined || arrived === undefined) missing++;
    else latencies.push(arrived - sentDue);
  }
  return {
    latencies,
    measured,
    missing,
    ackLatencies: result.latencies,
    achievedRate: result.achievedRate,
    errors: result.errors,
    errorKinds: result.errorKinds,
    ...(cpuMs !== undefined ? { cpuPerAlertMs: cpuMs / total, serverCorePct: (100 * cpuMs) / sendMs } : {}),
    ...(machineBefore && machineAfter ? { machineBusyPct: (100 * (machineAfter.busy - machineBefore.busy)) / (machineAfter.total - machineBefore.total) } : {}),
  };
}

/** PAVE_BENCH_P3_WORST_RATE: the rate of the phase where every alert opens a page. */
const worstRate = Number(process.env.PAVE_BENCH_P3_WORST_RATE ?? 100);

interface Served {
  url: string;
  pid: number;
  stop(): Promise<{ stopMs: number; killed: boolean }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `pave serve` on PostgreSQL (bench/lib/serve starts it on a PGlite folder only), stopped with SIGTERM to its group. */
async function servePostgres(databaseUrl: string, dataDir: string): Promise<Served> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, PAVE_DATA_DIR: dataDir };
  for (const k of ['PAVE_ADMIN_TOKEN', 'PAVE_URL', 'PAVE_TOKEN', 'PORT', 'PAVE_HOST', 'PAVE_LOG_LEVEL']) delete env[k];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--host', '127.0.0.1', '--port', '0', '--log-level', 'silent'], {
    cwd: repoRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid!;
  let exited = false;
  child.once('exit', () => (exited = true));
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const stop = async () => {
    const t = performance.now();
    let killed = false;
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // gone already
    }
    const until = Date.now() + 10_000;
    while (alive() && Date.now() < until) await sleep(10);
    if (alive()) {
      killed = true;
      process.kill(-pid, 'SIGKILL');
    }
    return { stopMs: performance.now() - t, killed };
  };
  const unregister = onCleanup(async () => void (await stop()));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => void (stderr.length < 10_000 && (stderr += d)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('pave serve (PostgreSQL) printed no "listening" line within 30 s')), 30_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /pave listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`pave serve (PostgreSQL) exited (${code}): ${stderr.slice(0, 2000)}`)));
  });
  child.stdout!.resume();
  const until = Date.now() + 30_000;
  while (!exited && Date.now() < until && (await httpStatus(`${url}/readyz`)) !== 200) await sleep(5);
  return {
    url,
    pid,
    stop: async () => {
      const r = await stop();
      await unregister();
      return r;
    },
  };
}

/** Both phases against one server: the catalog applied and a key minted through `storeOptions` first. */
async function measureOn(
  label: string,
  sink: Sink,
  storeOptions: StoreOptions,
  serve: () => Promise<Served>,
  offset: number,
): Promise<{ figures: Figure[]; notes: string[] }> {
  let key: string;
  {
    const store = await openStore(storeOptions);
    try {
      expectApplied(await applyFiles(store.db, { files: catalog(sink.url), prune: false, dryRun: false, principal: benchPrincipal }), 'P3 catalog');
      key = (await createIntegrationKey(store.db, { integration: 'bench-monitor', format: 'pagerduty', createdBy: 'bench' })).key;
    } finally {
      await store.close();
    }
  }
  const received = sink.received;
  const server = await serve();
  let stopped: Awaited<ReturnType<Served['stop']>> | undefined;
  try {
    const mixed = await runPhase(server.url, server.pid, key, sink, rate, 10, offset);
    const worst = await runPhase(server.url, server.pid, key, sink, worstRate, 1, offset + 10_000_000);
    stopped = await server.stop();
    const errorText = (p: PhaseResult) => Object.entries(p.errorKinds).map(([k, v]) => `${k}: ${v}`).join(', ');
    const on = label === 'pglite' ? '' : `${label}: `;
    return {
      figures: [
        { name: `${on}alert → notification p50`, value: round(percentile(mixed.latencies, 50)), unit: 'ms' },
        { name: `${on}alert → notification p90`, value: round(percentile(mixed.latencies, 90)), unit: 'ms' },
        atMost(`${on}alert → notification p99`, round(percentile(mixed.latencies, 99)), 'ms', 50),
        { name: `${on}alert → notification max`, value: round(max(mixed.latencies)), unit: 'ms' },
        atMost(`${on}new pages without a notification`, mixed.missing, 'pages', 0, '0'),
        { name: `${on}ingest answer (202) p99`, value: round(percentile(mixed.ackLatencies, 99)), unit: 'ms' },
        atLeast(`${on}achieved rate`, round(mixed.achievedRate), 'alerts/s', rate * 0.98, `≈ ${rate} alerts/s`),
        atMost(`${on}ingest errors`, mixed.errors, 'requests', 0, '0'),
        // What depends least on what else runs on the machine: the server's CPU per alert, and the rate one core gives.
        ...(mixed.cpuPerAlertMs !== undefined
          ? [
              { name: `${on}server CPU per alert (P3 mix)`, value: round(mixed.cpuPerAlertMs), unit: 'ms' },
              { name: `${on}alerts/s one core gives at that cost`, value: Math.round(1000 / mixed.cpuPerAlertMs), unit: 'alerts/s' },
            ]
          : []),
        { name: `${on}every alert a new page at ${worstRate}/s: p50`, value: round(percentile(worst.latencies, 50)), unit: 'ms' },
        { name: `${on}every alert a new page at ${worstRate}/s: p99`, value: round(percentile(worst.latencies, 99)), unit: 'ms' },
        { name: `${on}every alert a new page at ${worstRate}/s: not notified`, value: worst.missing, unit: 'pages' },
        { name: `${on}every alert a new page at ${worstRate}/s: achieved`, value: round(worst.achievedRate), unit: 'alerts/s' },
      ],
      notes: [
        `${label}: while sending the P3 mix the server used ${round(mixed.serverCorePct ?? NaN)}% of a core, the machine was ` +
          `${round(mixed.machineBusyPct ?? NaN)}% busy (2 cores, shared with the load generator, the sink${label === 'postgres' ? ', PostgreSQL' : ''} and ` +
          `anything else running); worst case: server ${round(worst.serverCorePct ?? NaN)}% of a core, ` +
          `${round(worst.cpuPerAlertMs ?? NaN)} ms CPU per alert`,
        `${label}: P3 phase ${mixed.measured} measured pages; ${sink.received - received} notifications received in all; worst case ` +
          `${worst.measured - worst.missing} of ${worst.measured} notified within ${settleMs / 1000} s of the end`,
        ...(mixed.errors ? [`${label}: P3 phase ingest errors: ${errorText(mixed)}`] : []),
        ...(worst.errors ? [`${label}: worst-case ingest errors: ${errorText(worst)}`] : []),
        `${label}: server stopped with SIGTERM in ${round(stopped.stopMs)} ms${stopped.killed ? ' (had to SIGKILL)' : ''}`,
      ],
    };
  } finally {
    if (!stopped) await server.stop();
  }
}

export async function run(): Promise<BenchResult> {
  const sink = await startSink();
  const root = mkdtempSync(join(tmpdir(), 'pave-bench-p3-'));
  const dataDir = join(root, 'data');
  onCleanup(async () => rmSync(root, { recursive: true, force: true }));
  const notes = [
    `server: \`pave serve\` as a child process on a fresh store; one team, a weekly schedule, an escalation ` +
      `policy whose first step is the schedule's on-call person, a PagerDuty integration; the person's webhook contact ` +
      `posts to a sink in the bench process`,
    `P3 phase: open loop, ${rate} PagerDuty Events v2 triggers/s to POST /v2/enqueue for ${durationMs / 1000} s after a ` +
      `${warmupMs / 1000} s warm-up; 1 in 10 has a new dedup key and opens a page, the others repeat a recent key (refresh, ` +
      `no notification); latency from each page-opening alert's scheduled send time to its page.triggered webhook arriving ` +
      `at the sink`,
    `worst case: ${worstRate} triggers/s, every one a new dedup key (a new page, escalation and notification each)`,
  ];
  try {
    const pglite = await measureOn('pglite', sink, { dataDir }, async () => startServe(dataDir, 'node'), 0);
    const figures = [...pglite.figures];
    notes.push(...pglite.notes);
    const adminUrl = process.env.PAVE_BENCH_DATABASE_URL;
    if (!adminUrl) notes.push('postgres: skipped (set PAVE_BENCH_DATABASE_URL to an admin connection string to include it)');
    else {
      const dbName = `pave_bench_p3_${process.pid}_${Date.now().toString(36)}`;
      const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
      await admin.connect();
      onCleanup(async () => {
        await admin.query(`drop database if exists "${dbName}" with (force)`).catch(() => undefined);
        await admin.end().catch(() => undefined);
      });
      await admin.query(`create database "${dbName}"`);
      const u = new URL(adminUrl);
      u.pathname = `/${dbName}`;
      const databaseUrl = u.toString();
      notes.push(`postgres: fresh database ${dbName} on ${redactUrl(adminUrl)}, dropped afterwards; pave's pool holds ≤ 10 connections`);
      const postgres = await measureOn('postgres', sink, { databaseUrl }, () => servePostgres(databaseUrl, join(root, 'pg-data')), 20_000_000);
      figures.push(...postgres.figures);
      notes.push(...postgres.notes);
    }
    return { figures, notes };
  } finally {
    await sink.close();
  }
}
