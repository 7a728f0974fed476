// P3: an alert received → its first notification handed to the notifier, at 500 alerts/s of PagerDuty Events v2
// triggers, one in ten opening a page (the rest repeat ongoing alerts, as senders do), then a worst case where every
// alert opens a page, starts an escalation, resolves a schedule's on-call person, queues a notification and sends it.
// The notifier is pave's real webhook notifier posting to a sink in this process; latency runs from each alert's
// scheduled send time (open loop) to its notification arriving at the sink, so it includes the HTTP hop back and is an
// upper bound of "handed to the notifier".
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyFiles } from '../src/catalog/apply.js';
import { createIntegrationKey } from '../src/store/integration-keys.js';
import { openStore } from '../src/store/store.js';
import { benchPrincipal, expectApplied } from './lib/catalog.js';
import { onCleanup } from './lib/cleanup.js';
import { openLoop } from './lib/loadgen.js';
import { startServe } from './lib/serve.js';
import { max, percentile, round } from './lib/stats.js';
import { atLeast, atMost, type BenchResult } from './lib/types.js';

export const name = 'alert-notify';
export const target = 'P3: alert received → first notification handed to the notifier, p99 ≤ 50 ms at 500 alerts/s';

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

interface PhaseResult {
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
async function runPhase(url: string, key: string, sink: Sink, rate: number, newEvery: number, offset: number): Promise<PhaseResult> {
  const due = new Map<number, number>();
  const warmup = Math.round((warmupMs / 1000) * rate);
  const total = warmup + Math.round((durationMs / 1000) * rate);
  const keyOf = (i: number) => offset + Math.max(0, Math.floor(i / newEvery) - (i % newEvery === 0 ? 0 : i % 5)) * newEvery;
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
  return { latencies, measured, missing, ackLatencies: result.latencies, achievedRate: result.achievedRate, errors: result.errors, errorKinds: result.errorKinds };
}

/** PAVE_BENCH_P3_WORST_RATE: the rate of the phase where every alert opens a page. */
const worstRate = Number(process.env.PAVE_BENCH_P3_WORST_RATE ?? 100);

export async function run(): Promise<BenchResult> {
  const sink = await startSink();
  const root = mkdtempSync(join(tmpdir(), 'pave-bench-p3-'));
  const dataDir = join(root, 'data');
  onCleanup(async () => rmSync(root, { recursive: true, force: true }));
  let key: string;
  {
    const store = await openStore({ dataDir });
    try {
      expectApplied(await applyFiles(store.db, { files: catalog(sink.url), prune: false, dryRun: false, principal: benchPrincipal }), 'P3 catalog');
      key = (await createIntegrationKey(store.db, { integration: 'bench-monitor', format: 'pagerduty', createdBy: 'bench' })).key;
    } finally {
      await store.close();
    }
  }
  const server = await startServe(dataDir, 'node');
  let stopped: Awaited<ReturnType<typeof server.stop>> | undefined;
  try {
    const mixed = await runPhase(server.url, key, sink, rate, 10, 0);
    const worst = await runPhase(server.url, key, sink, worstRate, 1, 10_000_000);
    stopped = await server.stop();
    const errorText = (p: PhaseResult) => Object.entries(p.errorKinds).map(([k, v]) => `${k}: ${v}`).join(', ');
    return {
      figures: [
        { name: 'alert → notification p50', value: round(percentile(mixed.latencies, 50)), unit: 'ms' },
        { name: 'alert → notification p90', value: round(percentile(mixed.latencies, 90)), unit: 'ms' },
        atMost('alert → notification p99', round(percentile(mixed.latencies, 99)), 'ms', 50),
        { name: 'alert → notification max', value: round(max(mixed.latencies)), unit: 'ms' },
        atMost('new pages without a notification', mixed.missing, 'pages', 0, '0'),
        { name: 'ingest answer (202) p99', value: round(percentile(mixed.ackLatencies, 99)), unit: 'ms' },
        atLeast('achieved rate', round(mixed.achievedRate), 'alerts/s', rate * 0.98, `≈ ${rate} alerts/s`),
        atMost('ingest errors', mixed.errors, 'requests', 0, '0'),
        { name: `every alert a new page at ${worstRate}/s: p50`, value: round(percentile(worst.latencies, 50)), unit: 'ms' },
        { name: `every alert a new page at ${worstRate}/s: p99`, value: round(percentile(worst.latencies, 99)), unit: 'ms' },
        { name: `every alert a new page at ${worstRate}/s: not notified`, value: worst.missing, unit: 'pages' },
        { name: `every alert a new page at ${worstRate}/s: achieved`, value: round(worst.achievedRate), unit: 'alerts/s' },
      ],
      notes: [
        `server: \`pave serve\` as a child process on a fresh PGlite data folder; one team, a weekly schedule, an escalation ` +
          `policy whose first step is the schedule's on-call person, a PagerDuty integration; the person's webhook contact ` +
          `posts to a sink in the bench process`,
        `P3 phase: open loop, ${rate} PagerDuty Events v2 triggers/s to POST /v2/enqueue for ${durationMs / 1000} s after a ` +
          `${warmupMs / 1000} s warm-up; 1 in 10 has a new dedup key and opens a page (${mixed.measured} measured pages), the ` +
          `others repeat a recent key (refresh, no notification); latency from each page-opening alert's scheduled send ` +
          `time to its page.triggered webhook arriving at the sink (${sink.received} notifications received in all)`,
        `worst case: ${worstRate} triggers/s, every one a new dedup key (a new page, escalation and notification each); ` +
          `${worst.measured - worst.missing} of ${worst.measured} notified within ${settleMs / 1000} s of the end`,
        ...(mixed.errors ? [`P3 phase ingest errors: ${errorText(mixed)}`] : []),
        ...(worst.errors ? [`worst-case ingest errors: ${errorText(worst)}`] : []),
        `server stopped with SIGTERM in ${round(stopped.stopMs)} ms${stopped.killed ? ' (had to SIGKILL)' : ''}`,
      ],
    };
  } finally {
    if (!stopped) await server.stop();
    await sink.close();
  }
}
