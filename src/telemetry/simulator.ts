// The demo's traffic simulator: ingest items for the example SLOs' series (examples/slos.yaml), minute by minute.
//
// - Pure part: `generateMinute(minuteMs, rng, plan)` gives one minute's items for every series. Everything random comes
//   from the PRNG passed in; `minuteRng(seed, minuteMs)` derives one per minute, so any minute is reproducible on its
//   own, in any order and any batching. `sliceMinute` cuts a minute into parts whose counts sum exactly to the whole.
// - `backfillBatches`: whole minutes of history as a lazy generator of batches of at most 5,000 items.
// - `startSimulator`: the live driver. Every interval it sends the traffic of [last sent instant, now): completed
//   minutes whole, the minute in progress as the share of it that has elapsed. Counts are split by a telescoping floor,
//   so the parts of a minute always add up to the minute exactly and nothing is sent twice.
import { DAY_MS, HOUR_MS, MINUTE_MS, wallClockAt } from '../domain/time/zone.js';

// ---------------------------------------------------------------------------------------------------------------------
// Items (the shapes `POST /api/v1/ingest` and `Ingestor.ingest` accept; see items.ts)

export type ItemLabels = Record<string, string>;

export interface CountsItem {
  series: string;
  labels: ItemLabels;
  ts: number;
  good: number;
  total: number;
}

export interface HistogramItem {
  series: string;
  labels: ItemLabels;
  ts: number;
  /** Cumulative counts by upper bound (`"0.3"`, `"+Inf"`). */
  buckets: Record<string, number>;
}

export interface EventItem {
  series: string;
  labels: ItemLabels;
  ts: number;
  status: number;
  latencyMs: number;
}

export type IngestItem = CountsItem | HistogramItem | EventItem;

// ---------------------------------------------------------------------------------------------------------------------
// Scenarios

export type SimService = 'checkout' | 'payments-api' | 'identity' | 'catalog-api';
export const simServices: readonly SimService[] = ['checkout', 'payments-api', 'identity', 'catalog-api'];

/** Every request of `service` fails with `status` (default 503), or a share `errorShare` (default 1) of them. */
export interface OutageScenario {
  kind: 'outage';
  service: SimService;
  /** Minutes after the plan's origin (0 = the origin's minute). */
  startMinute: number;
  minutes: number;
  errorShare?: number;
  status?: number;
}

/**
 * A share `slowShare` (default 0.3) of requests take longer than 300 ms. Affects the services that have a latency
 * series: checkout's duration histogram, payments-api's event latencies. Counts-only services are unaffected.
 */
export interface LatencyScenario {
  kind: 'latency';
  service: SimService;
  startMinute: number;
  minutes: number;
  slowShare?: number;
}

export type Scenario = OutageScenario | LatencyScenario;

/** Scenarios and the instant their minute 0 starts (floored to the minute). */
export interface ScenarioPlan {
  scenarios: readonly Scenario[];
  origin: number;
}

/**
 * The demo's schedule.
 * - Minute 5: checkout fails outright for 4 minutes. About one minute in, the 1h error ratio passes 1.44% and the
 *   checkout-availability 1h/5m page tier fires (the outage ends near 6–8% over 1h); in daytime traffic the 6h/30m page
 *   tier (0.6%) fires too by the end of the outage.
 * - Minute 15: a checkout latency regression, 30% of requests slower than 300 ms, for 20 minutes. On checkout-latency
 *   (budget 1%): a 5m burn rate near 30 and a 1h burn rate near 10, short of the 13.44 page; roughly a sixth of the
 *   3-day backfill's budget is spent.
 */
export const defaultScenarios: readonly Scenario[] = [
  { kind: 'outage', service: 'checkout', startMinute: 5, minutes: 4 },
  { kind: 'latency', service: 'checkout', startMinute: 15, minutes: 20, slowShare: 0.3 },
];

/** Problems with a scenario list, as messages (empty when valid). */
export function checkScenarios(scenarios: readonly Scenario[]): string[] {
  const problems: string[] = [];
  scenarios.forEach((s, i) => {
    const at = `scenarios[${i}]`;
    if (s.kind !== 'outage' && s.kind !== 'latency') problems.push(`${at}.kind: expected outage or latency`);
    if (!simServices.includes(s.service)) problems.push(`${at}.service: expected one of ${simServices.join(', ')}`);
    if (!Number.isInteger(s.startMinute) || s.startMinute < 0) problems.push(`${at}.startMinute: expected a whole number of minutes ≥ 0`);
    if (!Number.isInteger(s.minutes) || s.minutes < 1) problems.push(`${at}.minutes: expected a whole number of minutes ≥ 1`);
    if (s.kind === 'outage') {
      if (s.errorShare !== undefined && !(s.errorShare >= 0 && s.errorShare <= 1)) problems.push(`${at}.errorShare: expected a share from 0 to 1`);
      if (s.status !== undefined && !(Number.isInteger(s.status) && s.status >= 500 && s.status <= 599)) problems.push(`${at}.status: expected a 5xx status`);
    }
    if (s.kind === 'latency' && s.slowShare !== undefined && !(s.slowShare >= 0 && s.slowShare <= 1)) {
      problems.push(`${at}.slowShare: expected a share from 0 to 1`);
    }
  });
  return problems;
}

/** The scenarios running during the minute starting at `minuteMs`. */
export function activeScenarios(minuteMs: number, plan: ScenarioPlan): Scenario[] {
  const index = Math.floor((minuteMs - floorMinute(plan.origin)) / MINUTE_MS);
  return plan.scenarios.filter((s) => index >= s.startMinute && index < s.startMinute + s.minutes);
}

// ---------------------------------------------------------------------------------------------------------------------
// Randomness: a small seeded PRNG, one stream per minute

/** Uniform numbers in [0, 1). */
export type Rng = () => number;

/** mulberry32: a 32-bit-state PRNG, plenty for traffic noise, and exactly reproducible. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The PRNG for one minute of one seed: independent of every other minute, so generation order never matters. */
export function minuteRng(seed: number, minuteMs: number): Rng {
  const index = Math.floor(minuteMs / MINUTE_MS);
  const lo = index >>> 0;
  const hi = Math.floor(index / 4294967296) >>> 0;
  return mulberry32(mix32(mix32(mix32(seed >>> 0) ^ lo) ^ hi ^ 0x9e3779b9));
}

function gaussian(rng: Rng): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

function poisson(rng: Rng, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean < 30) {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = rng();
    while (p > limit) {
      k++;
      p *= rng();
    }
    return k;
  }
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(rng)));
}

function binomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || !(p > 0)) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rng, n, 1 - p);
  if (n <= 40) {
    let k = 0;
    for (let i = 0; i < n; i++) if (rng() < p) k++;
    return k;
  }
  const mean = n * p;
  if (mean < 20) return Math.min(n, poisson(rng, mean));
  return Math.min(n, Math.max(0, Math.round(mean + Math.sqrt(mean * (1 - p)) * gaussian(rng))));
}

/** Splits n into parts drawn with the given relative shares (sequential conditional binomials). */
function multinomial(rng: Rng, n: number, shares: readonly number[]): number[] {
  const out: number[] = [];
  let left = n;
  let rest = shares.reduce((a, b) => a + b, 0);
  shares.forEach((share, i) => {
    if (i === shares.length - 1) {
      out.push(left);
      return;
    }
    const k = rest > 0 ? binomial(rng, left, Math.min(1, Math.max(0, share / rest))) : 0;
    out.push(k);
    left -= k;
    rest -= share;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// Traffic shape

export const demoTimeZone = 'Europe/Paris';

/**
 * Relative traffic at instant `ms` (≈0.12 at 04:00, ≈0.83 at the 12:45 lunch peak, ≈0.86 at the 20:45 evening peak,
 * weekends 15% lower), on the wall clock of `timeZone`: a day/night sinusoid plus two Gaussian peaks.
 */
export function dailyShape(ms: number, timeZone: string = demoTimeZone): number {
  const wall = wallClockAt(ms, timeZone);
  const h = (((wall % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
  const day = new Date(wall).getUTCDay();
  const base = 0.12 + (0.55 * (1 - Math.cos((2 * Math.PI * (h - 4)) / 24))) / 2;
  const peak = (centre: number, width: number) => Math.exp(-((h - centre) ** 2) / (2 * width * width));
  const weekend = day === 0 || day === 6 ? 0.85 : 1;
  return weekend * (base + 0.25 * peak(12.75, 0.9) + 0.38 * peak(20.75, 1.4));
}

// ---------------------------------------------------------------------------------------------------------------------
// The services and their series

interface ServiceProfile {
  service: SimService;
  series: string;
  /** Requests per minute at a shape of 1 (before noise). */
  perMinute: number;
  /** Non-5xx statuses and their relative shares. The first is the success status. */
  statuses: readonly (readonly [number, number])[];
  /** Background 5xx rate and which 5xx statuses. */
  serverErrorRate: number;
  serverErrors: readonly (readonly [number, number])[];
  /**
   * At most this share of a minute's counted (non-4xx) requests fail in the background. For timeslice SLOs: a
   * background minute then always meets its slice threshold, so the steady state spends none of the budget.
   */
  maxErrorShare?: number;
  /** Raw events instead of counts; at most this many per minute. */
  maxEvents?: number;
}

export const seriesNames = {
  checkoutRequests: 'checkout_requests',
  checkoutDuration: 'checkout_request_duration_seconds',
  paymentsEvents: 'payments_api_events',
  identityRequests: 'identity_requests',
  catalogRequests: 'catalog_requests',
} as const;

const profiles: readonly ServiceProfile[] = [
  {
    service: 'checkout',
    series: seriesNames.checkoutRequests,
    perMinute: 600,
    statuses: [[200, 0.962], [302, 0.01], [400, 0.008], [404, 0.015], [409, 0.005]],
    serverErrorRate: 0.0002,
    serverErrors: [[500, 0.7], [503, 0.3]],
  },
  {
    service: 'payments-api',
    series: seriesNames.paymentsEvents,
    // Raw events are one item each: rates are scaled down to stay light (the SLO reads ratios, not volumes).
    perMinute: 150,
    maxEvents: 200,
    statuses: [[200, 0.955], [400, 0.005], [402, 0.035], [429, 0.005]],
    serverErrorRate: 0.0002,
    serverErrors: [[502, 0.5], [503, 0.5]],
    maxErrorShare: 0.01,
  },
  {
    service: 'identity',
    series: seriesNames.identityRequests,
    perMinute: 1200,
    statuses: [[200, 0.94], [401, 0.04], [403, 0.01], [404, 0.01]],
    serverErrorRate: 0.0001,
    serverErrors: [[500, 0.6], [503, 0.4]],
  },
  {
    service: 'catalog-api',
    series: seriesNames.catalogRequests,
    perMinute: 3000,
    statuses: [[200, 0.9], [304, 0.08], [404, 0.02]],
    serverErrorRate: 0.0002,
    serverErrors: [[500, 0.5], [503, 0.5]],
  },
];

/** Histogram bounds of checkout_request_duration_seconds (0.3 is the checkout-latency SLO's threshold). */
export const checkoutBuckets: readonly number[] = [0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, Infinity];
/** Background shares per bucket (not cumulative): 0.25% of requests above 300 ms. */
const fastShares = [0.3, 0.36, 0.25, 0.0875];
const slowShares = [0.0015, 0.0006, 0.0003, 0.0001];
const slowSpread = [0.6, 0.3, 0.08, 0.02];

/** The most items one minute can produce: every status of every counts series, the histogram, the capped events. */
export const maxItemsPerMinute = profiles.reduce((n, p) => n + (p.maxEvents ?? p.statuses.length + p.serverErrors.length + 1), 0) + 1;

function outageFor(active: readonly Scenario[], service: SimService): OutageScenario | undefined {
  let worst: OutageScenario | undefined;
  for (const s of active) {
    if (s.kind === 'outage' && s.service === service && (!worst || (s.errorShare ?? 1) > (worst.errorShare ?? 1))) worst = s;
  }
  return worst;
}

function slowShareFor(active: readonly Scenario[], service: SimService): number | undefined {
  let share: number | undefined;
  for (const s of active) if (s.kind === 'latency' && s.service === service) share = Math.max(share ?? 0, s.slowShare ?? 0.3);
  return share;
}

/** How many requests of each status the service answered this minute (statuses in a fixed order). */
function statusCounts(rng: Rng, n: number, p: ServiceProfile, outage: OutageScenario | undefined): Map<number, number> {
  const counts = new Map<number, number>();
  const add = (status: number, k: number) => counts.set(status, (counts.get(status) ?? 0) + k);
  for (const [status] of p.statuses) counts.set(status, 0);
  for (const [status] of p.serverErrors) counts.set(status, 0);
  let rest = n;
  if (outage) {
    const failed = binomial(rng, n, outage.errorShare ?? 1);
    add(outage.status ?? 503, failed);
    rest -= failed;
  }
  const parts = multinomial(rng, rest, [...p.statuses.map(([, s]) => s * (1 - p.serverErrorRate)), p.serverErrorRate]);
  let errors = parts.at(-1) ?? 0;
  let clientErrors = 0;
  p.statuses.forEach(([status], i) => {
    add(status, parts[i] ?? 0);
    if (status >= 400 && status < 500) clientErrors += parts[i] ?? 0;
  });
  if (p.maxErrorShare !== undefined) {
    const cap = Math.floor((rest - clientErrors) * p.maxErrorShare);
    if (errors > cap) {
      add(p.statuses[0]![0], errors - cap);
      errors = cap;
    }
  }
  const split = multinomial(rng, errors, p.serverErrors.map(([, s]) => s));
  p.serverErrors.forEach(([status], i) => add(status, split[i] ?? 0));
  return counts;
}

function latencyMs(rng: Rng, status: number, outage: boolean, slowShare: number | undefined): number {
  if (outage && status >= 500) return Math.round(2 + rng() * 30);
  if (slowShare !== undefined && rng() < slowShare) return Math.round(300 + 1 - Math.log(Math.max(rng(), 1e-12)) * 400);
  return Math.max(1, Math.round(120 * Math.exp(0.4 * gaussian(rng))));
}

const noPlan: ScenarioPlan = { scenarios: [], origin: 0 };

/**
 * The items of the minute starting at `minuteMs` (a whole minute, epoch ms) for every example series, in a fixed
 * order: checkout counts by code, the checkout duration histogram, payments-api raw events (sorted by time), identity
 * counts, catalog counts. Counts items carry `ts = minuteMs`; events carry their own instant within the minute.
 * Pure: the same minute, PRNG state and plan give the same items.
 */
export function generateMinute(minuteMs: number, rng: Rng, plan: ScenarioPlan = noPlan, timeZone: string = demoTimeZone): IngestItem[] {
  if (!Number.isSafeInteger(minuteMs) || minuteMs % MINUTE_MS !== 0) throw new RangeError(`generateMinute: ${minuteMs} is not the start of a minute`);
  const shape = dailyShape(minuteMs + MINUTE_MS / 2, timeZone);
  const active = activeScenarios(minuteMs, plan);
  const items: IngestItem[] = [];
  for (const p of profiles) {
    const outage = outageFor(active, p.service);
    const slow = slowShareFor(active, p.service);
    let n = poisson(rng, p.perMinute * shape * Math.exp(0.05 * gaussian(rng)));
    if (p.maxEvents !== undefined) n = Math.min(n, p.maxEvents);
    const counts = statusCounts(rng, n, p, outage);

    if (p.maxEvents !== undefined) {
      const events: EventItem[] = [];
      for (const [status, k] of counts) {
        for (let i = 0; i < k; i++) {
          const offset = Math.floor(rng() * MINUTE_MS);
          events.push({ series: p.series, labels: {}, ts: minuteMs + offset, status, latencyMs: latencyMs(rng, status, outage !== undefined, slow) });
        }
      }
      events.sort((a, b) => a.ts - b.ts || a.status - b.status || a.latencyMs - b.latencyMs);
      items.push(...events);
      continue;
    }

    let emitted = 0;
    for (const [status, k] of counts) {
      if (k === 0) continue;
      items.push({ series: p.series, labels: { code: String(status) }, ts: minuteMs, good: status >= 500 ? 0 : k, total: k });
      emitted++;
    }
    // A minute always leaves a sample, even without traffic: silence is "zero traffic", not "no data".
    if (emitted === 0) items.push({ series: p.series, labels: { code: String(p.statuses[0]![0]) }, ts: minuteMs, good: 0, total: 0 });

    if (p.service === 'checkout') {
      const s = slow ?? slowShares.reduce((a, b) => a + b, 0);
      const fastTotal = fastShares.reduce((a, b) => a + b, 0);
      const shares = [...fastShares.map((f) => (f / fastTotal) * (1 - s)), ...(slow === undefined ? slowShares : slowSpread.map((f) => f * s))];
      const perBucket = multinomial(rng, n, shares);
      const buckets: Record<string, number> = {};
      let cumulative = 0;
      checkoutBuckets.forEach((bound, i) => {
        cumulative += perBucket[i] ?? 0;
        buckets[bound === Infinity ? '+Inf' : String(bound)] = cumulative;
      });
      items.push({ series: seriesNames.checkoutDuration, labels: {}, ts: minuteMs, buckets });
    }
  }
  return items;
}

/** `generateMinute` with the minute's own PRNG for `seed`. */
export function minuteItems(seed: number, minuteMs: number, plan: ScenarioPlan = noPlan, timeZone: string = demoTimeZone): IngestItem[] {
  return generateMinute(minuteMs, minuteRng(seed, minuteMs), plan, timeZone);
}

/** floor(count × to / 1 min) − floor(count × from / 1 min): parts over a partition of the minute sum to `count`. */
function share(count: number, fromOffset: number, toOffset: number): number {
  return Math.floor((count * toOffset) / MINUTE_MS) - Math.floor((count * fromOffset) / MINUTE_MS);
}

/**
 * The part of a minute's items falling in [minuteMs + fromOffset, minuteMs + toOffset) (offsets in ms, 0…60,000).
 * Raw events are kept when their instant lies in the part. Counts and histogram buckets are split by the elapsed share
 * with a telescoping floor (good and bad apart, histogram buckets before accumulation), so the parts of any partition
 * of the minute add up exactly to the minute; parts holding nothing are left out. Part items carry
 * `ts = minuteMs + fromOffset`.
 */
export function sliceMinute(items: readonly IngestItem[], minuteMs: number, fromOffset: number, toOffset: number): IngestItem[] {
  if (!(0 <= fromOffset && fromOffset <= toOffset && toOffset <= MINUTE_MS)) throw new RangeError(`sliceMinute: bad part [${fromOffset}, ${toOffset})`);
  if (fromOffset === 0 && toOffset === MINUTE_MS) return [...items];
  const ts = minuteMs + fromOffset;
  const out: IngestItem[] = [];
  for (const item of items) {
    if ('status' in item) {
      const offset = item.ts - minuteMs;
      if (offset >= fromOffset && offset < toOffset) out.push(item);
    } else if ('buckets' in item) {
      const entries = Object.entries(item.buckets)
        .map(([le, count]) => ({ le, bound: le === '+Inf' ? Infinity : Number(le), count }))
        .sort((a, b) => a.bound - b.bound);
      const buckets: Record<string, number> = {};
      let previous = 0;
      let cumulative = 0;
      for (const e of entries) {
        cumulative += share(e.count - previous, fromOffset, toOffset);
        previous = e.count;
        buckets[e.le] = cumulative;
      }
      if (cumulative > 0) out.push({ series: item.series, labels: item.labels, ts, buckets });
    } else {
      const good = share(item.good, fromOffset, toOffset);
      const total = good + share(item.total - item.good, fromOffset, toOffset);
      if (total > 0) out.push({ series: item.series, labels: item.labels, ts, good, total });
    }
  }
  return out;
}

function floorMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

// ---------------------------------------------------------------------------------------------------------------------
// Backfill

export const defaultBatchItems = 5000;

export interface SimBatch {
  /** The span of time the batch covers: [from, to), epoch ms. */
  from: number;
  to: number;
  items: IngestItem[];
  /** Stable for the same seed and span: a retried batch counts once. */
  idempotencyKey: string;
}

export interface BackfillOptions {
  seed: number;
  /** Exclusive end, floored to the minute: typically now, and where the live driver's `from` starts. */
  end: number;
  /** How much history: `days` (default 3) before `end`, or from `start` (floored to the minute) when given. */
  days?: number;
  start?: number;
  batchItems?: number;
  /** A past incident, if wanted: scenarios relative to `plan.origin`. None by default. */
  plan?: ScenarioPlan;
  timeZone?: string;
}

function checkBatchItems(batchItems: number): void {
  if (!Number.isInteger(batchItems) || batchItems < maxItemsPerMinute) {
    throw new RangeError(`batchItems must be a whole number ≥ ${maxItemsPerMinute} (the most items one minute produces)`);
  }
}

/**
 * Whole minutes of history in [start, end), oldest first, as batches of at most `batchItems` (default 5,000) items;
 * a minute is never split across batches. Lazy: one batch in memory at a time. Ingest them with an Ingestor whose
 * lateness covers the span (the default 1 h would reject older data).
 */
export function* backfillBatches(options: BackfillOptions): Generator<SimBatch, void, undefined> {
  const batchItems = options.batchItems ?? defaultBatchItems;
  checkBatchItems(batchItems);
  const end = floorMinute(options.end);
  const start = options.start !== undefined ? floorMinute(options.start) : end - Math.round((options.days ?? 3) * 1440) * MINUTE_MS;
  const plan = options.plan ?? noPlan;
  let items: IngestItem[] = [];
  let from = start;
  for (let m = start; m < end; m += MINUTE_MS) {
    const minute = minuteItems(options.seed, m, plan, options.timeZone);
    if (items.length + minute.length > batchItems && items.length > 0) {
      yield { from, to: m, items, idempotencyKey: `pave-sim:${options.seed}:backfill:${from}-${m}` };
      items = [];
      from = m;
    }
    items.push(...minute);
  }
  if (end > from) yield { from, to: end, items, idempotencyKey: `pave-sim:${options.seed}:backfill:${from}-${end}` };
}

// ---------------------------------------------------------------------------------------------------------------------
// Live driver

export interface SimulatorOptions {
  /** Delivers one batch; resolve when committed. A rejection makes the driver retry the same batch (same key) later. */
  send: (items: IngestItem[], batch: { idempotencyKey: string; from: number; to: number }) => Promise<void>;
  now: () => Date;
  /** Default: `defaultScenarios`. */
  scenarios?: readonly Scenario[];
  seed?: number;
  /** Default 5,000 ms. */
  intervalMs?: number;
  /** Where live traffic starts (e.g. the backfill's end). Default: the start of the current minute. */
  from?: number;
  /** Scenario minute 0. Default: now, floored to the minute. */
  origin?: number;
  batchItems?: number;
  timeZone?: string;
  /** Told about each failed send (the batch is retried on the next tick). */
  onError?: (err: unknown) => void;
}

export interface Simulator {
  /** Runs one cycle now (also what the timer runs): sends everything up to now. Cycles never overlap. */
  tick(): Promise<void>;
  /** Stops the timer and waits for a cycle in progress. No timers remain afterwards. */
  stop(): Promise<void>;
  /** Traffic before this instant has been sent (or is the one batch awaiting a retry). */
  readonly sentUntil: number;
  readonly origin: number;
}

export const defaultSeed = 42;

export function startSimulator(options: SimulatorOptions): Simulator {
  const scenarios = options.scenarios ?? defaultScenarios;
  const problems = checkScenarios(scenarios);
  if (problems.length) throw new RangeError(`invalid scenarios: ${problems.join('; ')}`);
  const batchItems = options.batchItems ?? defaultBatchItems;
  checkBatchItems(batchItems);
  const intervalMs = options.intervalMs ?? 5000;
  const seed = options.seed ?? defaultSeed;
  const startedAt = options.now().getTime();
  const plan: ScenarioPlan = { scenarios, origin: floorMinute(options.origin ?? startedAt) };
  let cursor = options.from ?? floorMinute(startedAt);
  let retry: SimBatch | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();

  // The next batch of [cursor, until): parts of minutes, whole where they are complete, at most batchItems items.
  function nextBatch(until: number): SimBatch {
    const from = cursor;
    const items: IngestItem[] = [];
    let at = cursor;
    while (at < until) {
      const minute = floorMinute(at);
      const end = Math.min(until, minute + MINUTE_MS);
      const part = sliceMinute(minuteItems(seed, minute, plan, options.timeZone), minute, at - minute, end - minute);
      if (items.length + part.length > batchItems && items.length > 0) break;
      items.push(...part);
      at = end;
    }
    return { from, to: at, items, idempotencyKey: `pave-sim:${seed}:live:${from}-${at}` };
  }

  async function cycle(): Promise<void> {
    const until = options.now().getTime();
    while (!stopped) {
      if (!retry) {
        if (cursor >= until) return;
        retry = nextBatch(until);
        cursor = retry.to;
      }
      const batch = retry;
      if (batch.items.length > 0) {
        try {
          await options.send(batch.items, { idempotencyKey: batch.idempotencyKey, from: batch.from, to: batch.to });
        } catch (err) {
          options.onError?.(err);
          return;
        }
      }
      retry = undefined;
    }
  }

  function tick(): Promise<void> {
    chain = chain.then(cycle, cycle);
    return chain;
  }

  function schedule(delay: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      tick()
        .catch((err: unknown) => options.onError?.(err))
        .finally(() => schedule(intervalMs));
    }, delay);
    timer.unref();
  }

  schedule(0);
  return {
    tick,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await chain.catch(() => undefined);
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    get sentUntil() {
      return cursor;
    },
    origin: plan.origin,
  };
}
