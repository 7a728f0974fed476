// Closed-loop ingest load for bench/ingest.ts, run in a child process (fork) so that building and sending batches
// does not share an event loop with the benchmark's bookkeeping: `concurrency` workers each POST a 1,000-item batch to
// /api/v1/ingest over keep-alive connections, wait for the answer and send the next one, for a warm-up and then a
// measured window. Every batch carries a unique Idempotency-Key; a batch whose outcome is unknown (timeout, socket
// error, 5xx) is re-sent with the same key after the run until the server says whether it was committed, so that the
// exact counts that must be in the store are known at the end (the durability check compares them per series).
import http from 'node:http';
import { seriesKey, type Labels } from '../../src/domain/labels.js';
import { leLabel } from '../../src/telemetry/items.js';
import { rng } from './stats.js';

/** `counts`: pre-aggregated {good, total} items; `events`: raw {status, latencyMs} items, one event each. */
export type Variant = 'counts' | 'events';

export interface LoadConfig {
  url: string;
  token: string;
  variant: Variant;
  /** Batches in flight (one keep-alive connection each). */
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  timeoutMs: number;
  batchItems: number;
  /** Prefix of every Idempotency-Key of this run (keys are `${prefix}-${n}`). */
  keyPrefix: string;
  seed: number;
  /** The latency thresholds (ms) the catalog's SLOs declare on the events series: each met threshold is a row. */
  eventThresholds: number[];
}

/** Counts per series key (name plus labels, the way the store keys series). */
export type SeriesCounts = Record<string, { good: number; total: number }>;

export interface LoadResult {
  variant: Variant;
  concurrency: number;
  /** The measured window: answers that arrived in it count. */
  windowMs: number;
  measured: { batches: number; items: number; events: number };
  /** Send → answer of each measured 200, ms. */
  latencies: number[];
  /** Over the whole phase (warm-up, window and the batches in flight at its end). */
  sent: number;
  acknowledged: { batches: number; items: number; events: number };
  errors: number;
  errorKinds: Record<string, number>;
  /**
   * Batches with an unknown outcome, re-sent with their key: committed before (the server answered "duplicate": the
   * failed attempt had committed), committed by the re-send (the failed attempt had rolled back), refused, unsettled.
   */
  reconciled: { committedBefore: number; committedOnResend: number; notCommitted: number; unresolved: number };
  /** Everything that must be in the store after this phase: acknowledged plus reconciled-committed batches. */
  committed: { batches: number; events: number; series: SeriesCounts };
  bodyBytes: number;
  loadgenCpuMs: number;
}

/** Messages from the child: the window's edges (the parent samples CPU there), then the result or an error. */
export type LoadMessage = { type: 'measure-start' } | { type: 'measure-end' } | { type: 'result'; result: LoadResult } | { type: 'error'; message: string };

interface Body {
  buf: Buffer;
  items: number;
  events: number;
  expect: Map<string, { good: number; total: number }>;
  acked: number;
}

// The series of the bench catalog (bench/ingest.ts): a few hundred label combinations, as a real fleet sends them.
const regions = ['eu-west-1', 'eu-central-1', 'us-east-1', 'ap-southeast-1'];
const checkoutRoutes = ['/cart', '/cart/items', '/checkout', '/checkout/confirm', '/orders', '/orders/:id', '/payment-methods', '/shipping', '/promo', '/receipt'];
const catalogRoutes = ['/products', '/products/:id', '/search', '/categories', '/categories/:id', '/reviews', '/stock', '/prices'];
const identityCodes: [string, number][] = [['200', 0.95], ['401', 0.03], ['500', 0.01], ['503', 0.01]];
const paymentStatuses: [number, number][] = [[200, 0.9], [201, 0.05], [402, 0.03], [500, 0.01], [503, 0.01]];
const acquirers = ['adyen', 'stripe', 'worldpay'];
const cards = ['visa', 'mastercard', 'amex'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function weighted<T>(r: () => number, xs: readonly [T, number][]): T {
  let x = r();
  for (const [v, w] of xs) if ((x -= w) < 0) return v;
  return xs.at(-1)![0];
}

/** Distinct series the counts variant spreads over (for the notes). */
export const countsSeries = checkoutRoutes.length * regions.length * 3 + catalogRoutes.length * regions.length * 3 + identityCodes.length * regions.length * 3;

function addExpect(m: Map<string, { good: number; total: number }>, key: string, good: number, total: number): void {
  const c = m.get(key);
  if (c) {
    c.good += good;
    c.total += total;
  } else m.set(key, { good, total });
}

/**
 * One batch: timestamps spread over the 90 s before `now` (the current minute or two, as live senders send), counts
 * items with total = the events the item stands for (1–200, most small) and good ≤ total; or raw events.
 */
function buildBody(r: () => number, cfg: LoadConfig, now: number): Body {
  const items: unknown[] = [];
  const expect = new Map<string, { good: number; total: number }>();
  let events = 0;
  for (let i = 0; i < cfg.batchItems; i++) {
    const ts = now - Math.floor(r() * 90_000);
    const region = pick(r, regions);
    if (cfg.variant === 'counts') {
      const x = r();
      const total = 1 + Math.floor(r() * r() * 200);
      let series: string;
      let labels: Labels;
      let good: number;
      if (x < 0.45 || x >= 0.85) {
        const checkout = x < 0.45;
        series = checkout ? 'checkout_requests' : 'catalog_requests';
        labels = { route: pick(r, checkout ? checkoutRoutes : catalogRoutes), region, method: pick(r, ['GET', 'POST', 'PUT']) };
        good = r() < 0.9 ? total : total - Math.floor(r() * Math.min(total, 5));
      } else {
        series = 'identity_requests';
        const code = weighted(r, identityCodes);
        labels = { code, region, method: pick(r, ['GET', 'POST', 'DELETE']) };
        good = code.startsWith('5') ? 0 : total;
      }
      items.push({ series, labels, ts, good, total });
      addExpect(expect, seriesKey(series, labels), good, total);
      events += total;
    } else {
      const labels: Labels = { region, acquirer: pick(r, acquirers), card: pick(r, cards) };
      const status = weighted(r, paymentStatuses);
      // Log-normal around 80 ms: a few percent above 300 ms.
      const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
      const latencyMs = Math.round(Math.exp(Math.log(80) + 0.6 * z) * 10) / 10;
      items.push({ series: 'payments_api_events', labels, ts, status, latencyMs });
      const withStatus = { ...labels, status: String(status) };
      addExpect(expect, seriesKey('payments_api_events', withStatus), 1, 1);
      for (const t of cfg.eventThresholds) if (latencyMs <= t) addExpect(expect, seriesKey('payments_api_events', { ...withStatus, le: leLabel(t) }), 1, 1);
      events += 1;
    }
  }
  return { buf: Buffer.from(JSON.stringify({ items })), items: cfg.batchItems, events, expect, acked: 0 };
}

interface Answer {
  status: number;
  /** An answer to a 200: duplicate (the key was committed before) and the events the server counted. */
  duplicate?: boolean;
  events?: number;
  /** Set when there was no HTTP answer (timeout, socket error). */
  failure?: string;
}

function post(agent: http.Agent, cfg: LoadConfig, target: URL, body: Buffer, key: string): Promise<Answer> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (a: Answer) => {
      if (!settled) (settled = true), resolve(a);
    };
    const req = http.request(
      {
        agent,
        host: target.hostname,
        port: Number(target.port),
        path: '/api/v1/ingest',
        method: 'POST',
        timeout: cfg.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          authorization: `Bearer ${cfg.token}`,
          'idempotency-key': key,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status !== 200) return done({ status });
          try {
            const j = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { duplicate?: boolean; events?: number };
            done({ status, duplicate: j.duplicate === true, events: j.events });
          } catch {
            done({ status, failure: 'unparseable 200 answer' });
          }
        });
        res.on('error', (err) => done({ status: 0, failure: err.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => done({ status: 0, failure: (err as NodeJS.ErrnoException).code ?? err.message }));
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runLoad(cfg: LoadConfig, signal: (m: LoadMessage) => void = () => undefined): Promise<LoadResult> {
  const cpu0 = process.cpuUsage();
  const target = new URL(cfg.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.concurrency });
  const r = rng(cfg.seed);

  // A pool of distinct batches, one rebuilt every few hundred ms so that timestamps follow the clock (new minute
  // buckets keep appearing, as in production) while building costs the generator little CPU.
  const poolSize = 16;
  const bodies: Body[] = [];
  const pool: Body[] = [];
  const build = () => {
    const b = buildBody(r, cfg, Date.now());
    bodies.push(b);
    return b;
  };
  for (let i = 0; i < poolSize; i++) pool.push(build());
  let rebuildAt = 0;
  const rebuild = setInterval(() => (pool[rebuildAt++ % poolSize] = build()), 5000 / poolSize);

  const errorKinds: Record<string, number> = {};
  let errors = 0;
  const fail = (kind: string) => {
    errors++;
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  };
  const uncertain: { key: string; body: Body }[] = [];
  const latencies: number[] = [];
  const measured = { batches: 0, items: 0, events: 0 };
  const acknowledged = { batches: 0, items: 0, events: 0 };
  let sent = 0;
  let seq = 0;
  let nextBody = 0;

  const start = performance.now();
  const measureStart = start + cfg.warmupMs;
  const end = measureStart + cfg.durationMs;
  let started = false;
  let ended = false;
  const startTimer = setTimeout(() => ((started = true), signal({ type: 'measure-start' })), Math.max(0, measureStart - performance.now()));
  const endTimer = setTimeout(() => ((ended = true), signal({ type: 'measure-end' })), Math.max(0, end - performance.now()));

  const worker = async () => {
    while (performance.now() < end) {
      const body = pool[nextBody++ % poolSize]!;
      const key = `${cfg.keyPrefix}-${seq++}`;
      sent++;
      const t0 = performance.now();
      const a = await post(agent, cfg, target, body.buf, key);
      const t1 = performance.now();
      if (a.status === 200 && !a.failure) {
        if (a.duplicate) {
          // Keys are never reused in the run: a duplicate here means the server lost track of what it committed.
          fail('unexpected duplicate answer');
          continue;
        }
        if (a.events !== body.events) fail(`server counted ${a.events} events, batch had ${body.events}`);
        body.acked++;
        acknowledged.batches++;
        acknowledged.items += body.items;
        acknowledged.events += body.events;
        if (t1 >= measureStart && t1 <= end) {
          measured.batches++;
          measured.items += body.items;
          measured.events += body.events;
          latencies.push(t1 - t0);
        }
        continue;
      }
      fail(a.failure ?? `HTTP ${a.status}`);
      // 4xx: refused, nothing committed. 5xx, timeouts and broken connections: the commit may or may not have happened.
      if (a.failure || a.status >= 500 || a.status === 0) uncertain.push({ key, body });
      if (performance.now() < end) await sleep(50); // do not spin on a failing server
    }
  };
  try {
    await Promise.all(Array.from({ length: cfg.concurrency }, () => worker()));
  } finally {
    clearInterval(rebuild);
    clearTimeout(startTimer);
    clearTimeout(endTimer);
  }
  if (!started) signal({ type: 'measure-start' });
  if (!ended) signal({ type: 'measure-end' });

  // Settle the unknown outcomes: the same key again answers "duplicate" if the first attempt was committed.
  const reconciled = { committedBefore: 0, committedOnResend: 0, notCommitted: 0, unresolved: 0 };
  const reconcileUntil = performance.now() + 2 * cfg.timeoutMs + 5000;
  for (const u of uncertain) {
    let settled = false;
    for (let attempt = 0; attempt < 3 && !settled && performance.now() < reconcileUntil; attempt++) {
      const a = await post(agent, cfg, target, u.body.buf, u.key);
      if (a.status === 200 && !a.failure) {
        // Committed now or before: either way its counts are in the store exactly once.
        u.body.acked++;
        if (a.duplicate) reconciled.committedBefore++;
        else reconciled.committedOnResend++;
        settled = true;
      } else if (a.status >= 400 && a.status < 500) {
        reconciled.notCommitted++;
        settled = true;
      } else await sleep(200);
    }
    if (!settled) reconciled.unresolved++;
  }
  agent.destroy();

  const series: SeriesCounts = {};
  let committedBatches = 0;
  let committedEvents = 0;
  for (const b of bodies) {
    if (b.acked === 0) continue;
    committedBatches += b.acked;
    committedEvents += b.acked * b.events;
    for (const [k, c] of b.expect) {
      const s = (series[k] ??= { good: 0, total: 0 });
      s.good += c.good * b.acked;
      s.total += c.total * b.acked;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    variant: cfg.variant,
    concurrency: cfg.concurrency,
    windowMs: cfg.durationMs,
    measured,
    latencies,
    sent,
    acknowledged,
    errors,
    errorKinds,
    reconciled,
    committed: { batches: committedBatches, events: committedEvents, series },
    bodyBytes: Math.round(bodies.reduce((a, b) => a + b.buf.length, 0) / bodies.length),
    loadgenCpuMs: (cpu.user + cpu.system) / 1000,
  };
}

// As a forked child: wait for the config, run, send the result back, exit.
if (process.send && process.argv[2] === '--child') {
  const send = (m: LoadMessage) => process.send!(m);
  process.once('message', (cfg: LoadConfig) => {
    runLoad(cfg, send).then(
      (result) => send({ type: 'result', result }),
      (err: Error) => send({ type: 'error', message: err.stack ?? err.message }),
    ).finally(() => process.disconnect());
  });
}
