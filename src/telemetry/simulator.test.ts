import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { applyTerms, indicatorTerms, type IndicatorSpec, type SeriesInfo } from '../domain/indicator.js';
import { parseBatch } from './items.js';
import {
  backfillBatches,
  checkScenarios,
  dailyShape,
  defaultScenarios,
  generateMinute,
  maxItemsPerMinute,
  minuteItems,
  minuteRng,
  sliceMinute,
  startSimulator,
  type IngestItem,
  type Scenario,
  type ScenarioPlan,
  type SimService,
} from './simulator.js';

const MIN = 60_000;
const seed = 7;
// Tuesday 10 March 2026, 00:00 in Paris (UTC+1).
const parisMidnight = Date.parse('2026-03-09T23:00:00Z');

// The example SLOs, read from the file the demo applies.
const slos = new Map<string, { service: string; indicator: IndicatorSpec; objective: number }>();
for (const doc of parseAllDocuments(readFileSync(new URL('../../examples/slos.yaml', import.meta.url), 'utf8'))) {
  const o = doc.toJS() as { kind: string; metadata: { name: string }; spec: { service: string; indicator: IndicatorSpec; objective: number } };
  if (o.kind === 'SLO' && !o.spec.indicator.composite) slos.set(o.metadata.name, o.spec);
}
const sloOf: Record<SimService, string> = {
  checkout: 'checkout-availability',
  'payments-api': 'payments-api-availability',
  identity: 'identity-availability',
  'catalog-api': 'catalog-api-availability',
};

/** Items → per-series, per-minute counts, through the ingest parser itself (which also validates every item). */
function ingestCounts(items: readonly IngestItem[]) {
  const series = new Map<string, { info: SeriesInfo; minutes: Map<number, { good: number; total: number }> }>();
  for (let i = 0; i < items.length; i += 10_000) {
    const parsed = parseBatch(items.slice(i, i + 10_000), { now: 0, latenessMs: Infinity, futureMs: Infinity, eventThresholds: () => [] });
    expect(parsed.errors).toEqual([]);
    for (const s of parsed.series.values()) {
      const entry = series.get(s.key) ?? { info: { id: s.key, name: s.name, labels: s.labels }, minutes: new Map() };
      series.set(s.key, entry);
      for (const [m, c] of s.minutes) {
        const e = entry.minutes.get(m) ?? { good: 0, total: 0 };
        e.good += c.good;
        e.total += c.total;
        entry.minutes.set(m, e);
      }
    }
  }
  return series;
}

/** One SLO's good and total per minute, with the engine's own arithmetic (indicatorTerms + applyTerms). */
function sloMinutes(items: readonly IngestItem[], slo: string): Map<number, { good: number; total: number }> {
  const spec = slos.get(slo)!;
  const series = ingestCounts(items);
  const terms = indicatorTerms(spec.indicator, [...series.values()].map((s) => s.info));
  const out = new Map<number, { good: number; total: number }>();
  for (const s of series.values()) {
    const mine = terms.filter((t) => t.seriesId === s.info.id);
    if (!mine.length) continue;
    for (const [m, c] of s.minutes) {
      const into = out.get(m) ?? { good: 0, total: 0 };
      applyTerms(mine, c.good, c.total, into);
      out.set(m, into);
    }
  }
  return out;
}

function sum(minutes: Map<number, { good: number; total: number }>, from = -Infinity, to = Infinity) {
  let good = 0;
  let total = 0;
  for (const [m, c] of minutes) {
    if (m >= from && m < to) {
      good += c.good;
      total += c.total;
    }
  }
  return { good, total, errorRatio: total ? (total - good) / total : 0 };
}

function generate(from: number, minutes: number, plan?: ScenarioPlan): IngestItem[] {
  const out: IngestItem[] = [];
  for (let i = 0; i < minutes; i++) out.push(...minuteItems(seed, from + i * MIN, plan));
  return out;
}

/** Share of checkout requests slower than 300 ms, from the histogram's 0.3 and +Inf buckets. */
function slowShare(items: readonly IngestItem[]): number {
  const m = sloMinutes(items, 'checkout-latency');
  const s = sum(m);
  return 1 - s.good / s.total;
}

// One day of background traffic, shared by the tests that read it.
const day = generate(parisMidnight, 1440);

describe('generateMinute', () => {
  it('is deterministic for a seed and a minute, whatever the order of generation', () => {
    const m = parisMidnight + 750 * MIN;
    const a = minuteItems(seed, m);
    generate(parisMidnight, 3);
    expect(minuteItems(seed, m)).toEqual(a);
    expect(generateMinute(m, minuteRng(seed, m))).toEqual(a);
    expect(minuteItems(seed + 1, m)).not.toEqual(a);
    expect(minuteItems(seed, m + MIN)).not.toEqual(a);
  });

  it('produces valid ingest items for every example series, light enough for a 5,000-item batch', () => {
    const names = new Set(day.map((i) => i.series));
    expect([...names].sort()).toEqual(['catalog_requests', 'checkout_request_duration_seconds', 'checkout_requests', 'identity_requests', 'payments_api_events']);
    for (let i = 0; i < 1440; i += 97) {
      const items = minuteItems(seed, parisMidnight + i * MIN);
      expect(items.length).toBeLessThanOrEqual(maxItemsPerMinute);
      expect(items.filter((x) => 'status' in x).length).toBeLessThanOrEqual(200);
      const hist = items.find((x) => 'buckets' in x) as { buckets: Record<string, number> };
      expect(Object.keys(hist.buckets)).toContain('0.3');
      expect(Object.keys(hist.buckets)).toContain('+Inf');
    }
    expect(maxItemsPerMinute).toBeLessThanOrEqual(250);
    ingestCounts(day); // asserts that the ingest parser accepts all of them
  });

  it('follows a day/night shape in Paris with lunchtime and evening peaks', () => {
    const at = (hhmm: string, date = '2026-03-10') => Date.parse(`${date}T${hhmm}:00+01:00`);
    expect(dailyShape(at('04:00'))).toBeCloseTo(0.12, 2);
    expect(dailyShape(at('12:45'))).toBeGreaterThan(dailyShape(at('10:00')));
    expect(dailyShape(at('12:45'))).toBeGreaterThan(dailyShape(at('15:30')));
    expect(dailyShape(at('20:45'))).toBeGreaterThan(dailyShape(at('17:30')));
    expect(dailyShape(at('20:45'))).toBeGreaterThan(dailyShape(at('23:30')));
    // In summer (UTC+2) the peak stays at 12:45 on the Paris clock.
    expect(dailyShape(Date.parse('2026-07-07T12:45:00+02:00'))).toBeCloseTo(dailyShape(at('12:45')), 6);
    // Weekends are quieter.
    expect(dailyShape(Date.parse('2026-03-14T12:45:00+01:00'))).toBeCloseTo(0.85 * dailyShape(at('12:45')), 6);

    const checkout = sloMinutes(day, 'checkout-availability');
    const perMinute = (from: number, to: number) => sum(checkout, parisMidnight + from * 60 * MIN, parisMidnight + to * 60 * MIN).total / ((to - from) * 60);
    const night = perMinute(2, 5);
    const lunch = perMinute(12, 14);
    const evening = perMinute(20, 22);
    expect(night).toBeGreaterThan(40);
    expect(night).toBeLessThan(100);
    expect(lunch).toBeGreaterThan(4 * night);
    expect(evening).toBeGreaterThan(4 * night);
  });

  it('keeps the background errors well within every example SLO over a day', () => {
    const budgets: Record<string, number> = {};
    for (const [name, spec] of slos) {
      const minutes = sloMinutes(day, name);
      expect(minutes.size).toBe(1440);
      const budget = 1 - spec.objective / 100;
      const { errorRatio, total } = sum(minutes);
      expect(total).toBeGreaterThan(50_000);
      budgets[name] = errorRatio / budget;
      expect(errorRatio, name).toBeGreaterThan(0); // there is a background, small
      expect(errorRatio, name).toBeLessThan(budget / 2);
    }
    // payments-api: timeslices of 1 minute at 99%: no background minute is a bad slice.
    const payments = sloMinutes(day, 'payments-api-availability');
    const badSlices = [...payments.values()].filter((c) => c.good / c.total < 0.99).length;
    expect(badSlices).toBe(0);
    // identity: ratioTimeslices, the mean of per-minute ratios.
    const identity = [...sloMinutes(day, 'identity-availability').values()];
    const meanBad = identity.reduce((a, c) => a + (1 - c.good / c.total), 0) / identity.length;
    expect(meanBad).toBeLessThan(0.0005 / 2);
    // About a fifth to a quarter of each budget: a steady, visible but healthy spend.
    for (const share of Object.values(budgets)) expect(share).toBeLessThan(0.4);
  });
});

describe('scenarios', () => {
  const origin = Date.parse('2026-03-10T12:00:00+01:00');

  it.each(['checkout', 'payments-api', 'identity', 'catalog-api'] as SimService[])('an outage of %s fails at least 99 percent of its requests, and only its own', (service) => {
    const plan: ScenarioPlan = { origin: origin + 17_000, scenarios: [{ kind: 'outage', service, startMinute: 3, minutes: 4 }] };
    const items = generate(origin, 10, plan);
    for (const [svc, slo] of Object.entries(sloOf)) {
      const minutes = sloMinutes(items, slo);
      const during = sum(minutes, origin + 3 * MIN, origin + 7 * MIN);
      const before = sum(minutes, origin, origin + 3 * MIN);
      const after = sum(minutes, origin + 7 * MIN, origin + 10 * MIN);
      expect(before.errorRatio).toBeLessThan(0.01);
      expect(after.errorRatio).toBeLessThan(0.01);
      if (svc === service) {
        expect(during.total).toBeGreaterThan(100);
        expect(during.errorRatio).toBeGreaterThanOrEqual(0.99);
        for (let m = 3; m < 7; m++) expect(sum(minutes, origin + m * MIN, origin + (m + 1) * MIN).errorRatio).toBeGreaterThanOrEqual(0.99);
      } else expect(during.errorRatio).toBeLessThan(0.01);
    }
  });

  it('a partial outage fails about its share', () => {
    const plan: ScenarioPlan = { origin, scenarios: [{ kind: 'outage', service: 'catalog-api', startMinute: 0, minutes: 5, errorShare: 0.2, status: 500 }] };
    const { errorRatio } = sum(sloMinutes(generate(origin, 5, plan), 'catalog-api-availability'));
    expect(errorRatio).toBeGreaterThan(0.18);
    expect(errorRatio).toBeLessThan(0.22);
  });

  it('the latency regression raises the share of checkout requests above 300 ms', () => {
    const plan: ScenarioPlan = { origin, scenarios: [{ kind: 'latency', service: 'checkout', startMinute: 10, minutes: 20, slowShare: 0.3 }] };
    const items = generate(origin, 40, plan);
    const inMinutes = (from: number, to: number) =>
      items.filter((i) => i.ts >= origin + from * MIN && i.ts < origin + to * MIN);
    expect(slowShare(inMinutes(0, 10))).toBeLessThan(0.006);
    expect(slowShare(inMinutes(10, 30))).toBeGreaterThan(0.28);
    expect(slowShare(inMinutes(10, 30))).toBeLessThan(0.32);
    expect(slowShare(inMinutes(30, 40))).toBeLessThan(0.006);
    // Availability is untouched.
    expect(sum(sloMinutes(inMinutes(10, 30), 'checkout-availability')).errorRatio).toBeLessThan(0.001);
    // payments-api events get slower too when chosen.
    const pay = generate(origin, 5, { origin, scenarios: [{ kind: 'latency', service: 'payments-api', startMinute: 0, minutes: 5, slowShare: 0.5 }] });
    const events = pay.filter((i): i is Extract<IngestItem, { status: number }> => 'status' in i);
    const slow = events.filter((e) => e.latencyMs > 300).length / events.length;
    expect(slow).toBeGreaterThan(0.4);
    expect(slow).toBeLessThan(0.6);
  });

  it('the default schedule fires the checkout page tiers and burns the latency budget visibly', () => {
    const ratio = (minutes: Map<number, { good: number; total: number }>, end: number, span: number) => sum(minutes, end - span * MIN, end).errorRatio;
    const run = (start: number) => {
      const items = generate(start - 6 * 60 * MIN, 6 * 60 + 40, { origin: start, scenarios: defaultScenarios });
      return { avail: sloMinutes(items, 'checkout-availability'), latency: sloMinutes(items, 'checkout-latency') };
    };
    // At the quietest hour (04:00 in Paris), two minutes into the outage (minutes 5 and 6 done): the 1h/5m page tier
    // (14.4 × 0.1%) fires on both windows.
    const night = Date.parse('2026-03-10T04:00:00+01:00');
    const n = run(night);
    expect(sum(n.avail, night - 60 * MIN, night + 5 * MIN).errorRatio).toBeLessThan(0.001);
    expect(ratio(n.avail, night + 7 * MIN, 60)).toBeGreaterThan(0.0144);
    expect(ratio(n.avail, night + 7 * MIN, 5)).toBeGreaterThan(0.0144);
    // At noon, by the end of the outage, the 6h/30m page tier (6 × 0.1%) fires too.
    const noon = Date.parse('2026-03-10T12:00:00+01:00');
    const d = run(noon);
    expect(ratio(d.avail, noon + 9 * MIN, 360)).toBeGreaterThan(0.006);
    expect(ratio(d.avail, noon + 9 * MIN, 30)).toBeGreaterThan(0.006);
    // Latency regression (minutes 15–34; budget 1%): a 5m burn rate near 30 and a 1h one near 10, under the 13.44 page.
    for (const [start, r] of [[night, n], [noon, d]] as const) {
      const end = start + 35 * MIN;
      expect(ratio(r.latency, end, 5) / 0.01).toBeGreaterThan(20);
      expect(ratio(r.latency, end, 60) / 0.01).toBeGreaterThan(8);
      expect(ratio(r.latency, end, 60) / 0.01).toBeLessThan(13.44);
    }
  });

  it('checks scenario lists', () => {
    expect(checkScenarios(defaultScenarios)).toEqual([]);
    expect(checkScenarios([{ kind: 'outage', service: 'nope' as SimService, startMinute: -1, minutes: 0, errorShare: 2 } as Scenario])).toHaveLength(4);
    expect(() => startSimulator({ send: async () => {}, now: () => new Date(), scenarios: [{ kind: 'latency', service: 'checkout', startMinute: 0, minutes: 1.5 }] })).toThrow(/minutes/);
  });
});

describe('sliceMinute', () => {
  it('cuts a minute into parts that add up to it exactly', () => {
    const m = parisMidnight + 1200 * MIN;
    const whole = minuteItems(seed, m, { origin: m, scenarios: [{ kind: 'outage', service: 'payments-api', startMinute: 0, minutes: 1, errorShare: 0.5 }] });
    const rng = minuteRng(99, 0);
    for (let round = 0; round < 20; round++) {
      const cuts = [0, ...Array.from({ length: 1 + Math.floor(rng() * 12) }, () => Math.floor(rng() * MIN)), MIN].sort((a, b) => a - b);
      const parts: IngestItem[] = [];
      for (let i = 0; i + 1 < cuts.length; i++) parts.push(...sliceMinute(whole, m, cuts[i]!, cuts[i + 1]!));
      const a = ingestCounts(parts);
      const b = ingestCounts(whole);
      expect(new Map([...a].map(([k, v]) => [k, v.minutes]))).toEqual(new Map([...b].map(([k, v]) => [k, v.minutes])));
      expect(parts.filter((i) => 'status' in i).length).toBe(whole.filter((i) => 'status' in i).length);
    }
  });
});

describe('backfillBatches', () => {
  const end = Date.parse('2026-03-10T09:30:00Z');

  it('covers exactly the requested minutes, each once, in batches of at most 5,000 items', () => {
    const batches = [...backfillBatches({ seed, end: end + 25_000, days: 1 })];
    const minutes = new Map<number, number>();
    let previousTo = end - 1440 * MIN;
    for (const b of batches) {
      expect(b.items.length).toBeGreaterThan(0);
      expect(b.items.length).toBeLessThanOrEqual(5000);
      expect(b.from).toBe(previousTo);
      previousTo = b.to;
      expect(b.items.every((i) => i.ts >= b.from && i.ts < b.to)).toBe(true);
      // A minute is never split: each (series, labels, minute) count appears in one batch only.
      for (const m of new Set(b.items.map((i) => Math.floor(i.ts / MIN) * MIN))) minutes.set(m, (minutes.get(m) ?? 0) + 1);
    }
    expect(previousTo).toBe(end);
    expect(minutes.size).toBe(1440);
    expect(Math.min(...minutes.keys())).toBe(end - 1440 * MIN);
    expect(Math.max(...minutes.keys())).toBe(end - MIN);
    expect([...minutes.values()].every((n) => n === 1)).toBe(true);
    expect(batches.length).toBeGreaterThan(10);
    expect(new Set(batches.map((b) => b.idempotencyKey)).size).toBe(batches.length);
    // The same items as generating minute by minute, whatever the batch size.
    const flat = JSON.stringify(batches.flatMap((b) => b.items));
    expect(flat).toBe(JSON.stringify(generate(end - 1440 * MIN, 1440)));
    const small = [...backfillBatches({ seed, end, days: 1, batchItems: 1000 })];
    expect(small.every((b) => b.items.length <= 1000)).toBe(true);
    expect(JSON.stringify(small.flatMap((b) => b.items))).toBe(flat);
  });

  it('defaults to 3 days, is lazy, and honours start and past incidents', () => {
    const t = performance.now();
    const it3 = backfillBatches({ seed, end });
    const first = it3.next();
    expect(performance.now() - t).toBeLessThan(1000);
    expect(first.done).toBe(false);
    expect(first.value!.from).toBe(end - 3 * 1440 * MIN);
    const short = [...backfillBatches({ seed, end, start: end - 90 * MIN + 30_000 })];
    expect(short[0]!.from).toBe(end - 90 * MIN);
    expect(short.flatMap((b) => b.items)).toEqual(generate(end - 90 * MIN, 90));
    const plan: ScenarioPlan = { origin: end - 60 * MIN, scenarios: [{ kind: 'outage', service: 'identity', startMinute: 10, minutes: 5 }] };
    const incident = [...backfillBatches({ seed, end, start: end - 90 * MIN, plan })].flatMap((b) => b.items);
    const identity = sloMinutes(incident, 'identity-availability');
    expect(sum(identity, end - 50 * MIN, end - 45 * MIN).errorRatio).toBeGreaterThanOrEqual(0.99);
    expect(sum(identity, end - 45 * MIN, end).errorRatio).toBeLessThan(0.01);
    expect(() => backfillBatches({ seed, end, batchItems: 100 }).next()).toThrow(/batchItems/);
  });
});

describe('startSimulator', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends each minute exactly once across ticks, whole minutes and elapsed parts alike', async () => {
    const start = Date.parse('2026-03-10T11:58:20Z');
    let clock = start;
    const sent: { items: IngestItem[]; key: string; from: number; to: number }[] = [];
    const sim = startSimulator({
      send: async (items, b) => {
        expect(Math.max(...items.map((i) => i.ts))).toBeLessThanOrEqual(clock);
        sent.push({ items, key: b.idempotencyKey, from: b.from, to: b.to });
      },
      now: () => new Date(clock),
      seed,
      intervalMs: 3_600_000,
    });
    const from = Date.parse('2026-03-10T11:58:00Z');
    expect(sim.origin).toBe(from);
    for (const step of [0, 4_000, 5_000, 5_000, 37_000, 1_000, 61_000, 5_000, 130_000, 2_000]) {
      clock += step;
      await sim.tick();
      expect(sim.sentUntil).toBe(clock);
    }
    clock = Date.parse('2026-03-10T12:05:00Z');
    await sim.tick();
    await sim.tick(); // nothing new
    await sim.stop();
    const items = sent.flatMap((s) => s.items);
    const expected = generate(from, 7, { origin: from, scenarios: defaultScenarios });
    const a = ingestCounts(items);
    const b = ingestCounts(expected);
    expect(new Map([...a].map(([k, v]) => [k, v.minutes]))).toEqual(new Map([...b].map(([k, v]) => [k, v.minutes])));
    expect(items.filter((i) => 'status' in i).length).toBe(expected.filter((i) => 'status' in i).length);
    // Contiguous spans, distinct keys.
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.from).toBe(sent[i - 1]!.to);
    expect(sent[0]!.from).toBe(from);
    expect(sent.at(-1)!.to).toBe(clock);
    expect(new Set(sent.map((s) => s.key)).size).toBe(sent.length);
    // The default schedule: minute 5 is checkout's outage.
    expect(sum(sloMinutes(items, 'checkout-availability'), from + 5 * MIN, from + 6 * MIN).errorRatio).toBe(1);
  });

  it('catches up from the backfill end in batches of at most 5,000 items, retrying a failed batch as it was', async () => {
    const end = Date.parse('2026-03-10T12:00:00Z');
    let clock = end + 45 * MIN + 10_000;
    let failures = 1;
    const delivered: { items: IngestItem[]; key: string }[] = [];
    const attempts: string[] = [];
    const errors: unknown[] = [];
    const sim = startSimulator({
      send: async (items, b) => {
        attempts.push(b.idempotencyKey);
        expect(items.length).toBeLessThanOrEqual(5000);
        if (attempts.length === 2 && failures-- > 0) throw new Error('server away');
        delivered.push({ items, key: b.idempotencyKey });
      },
      now: () => new Date(clock),
      seed,
      scenarios: [],
      from: end,
      intervalMs: 3_600_000,
      onError: (e) => errors.push(e),
    });
    await sim.tick();
    expect(errors).toHaveLength(1);
    expect(attempts).toHaveLength(2);
    clock += 20_000;
    await sim.tick();
    expect(attempts[2]).toBe(attempts[1]); // the same batch, same key
    await sim.stop();
    expect(delivered.length).toBeGreaterThan(1);
    const items = delivered.flatMap((d) => d.items);
    const whole = generate(end, 46);
    const a = ingestCounts(items);
    const b = ingestCounts([...whole.filter((i) => i.ts < end + 45 * MIN), ...sliceMinute(minuteItems(seed, end + 45 * MIN), end + 45 * MIN, 0, 30_000)]);
    expect(new Map([...a].map(([k, v]) => [k, v.minutes]))).toEqual(new Map([...b].map(([k, v]) => [k, v.minutes])));
  });

  it('runs on its timer every interval and leaves no timer after stop', async () => {
    vi.useFakeTimers();
    let clock = Date.parse('2026-03-10T12:00:00Z');
    let sends = 0;
    const sim = startSimulator({ send: async () => void sends++, now: () => new Date(clock), seed, intervalMs: 5000 });
    for (let i = 0; i < 6; i++) {
      clock += 5000;
      await vi.advanceTimersByTimeAsync(5000);
    }
    expect(sends).toBe(6);
    expect(sim.sentUntil).toBe(clock);
    await sim.stop();
    expect(vi.getTimerCount()).toBe(0);
    clock += 60_000;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sends).toBe(6);
  });

  it('stop waits for a send in progress and sends nothing afterwards', async () => {
    let clock = Date.parse('2026-03-10T12:00:30Z');
    let release!: () => void;
    let calls = 0;
    const sim = startSimulator({
      send: () => {
        calls++;
        return new Promise<void>((r) => (release = r));
      },
      now: () => new Date(clock),
      seed,
      intervalMs: 10,
    });
    await vi.waitFor(() => expect(calls).toBe(1));
    let stopped = false;
    const stopping = sim.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    clock += 60_000;
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toBe(1);
  });
});
