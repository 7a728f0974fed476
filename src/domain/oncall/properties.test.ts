// Properties of shiftsBetween and onCallAt on random schedules: random zones (with 30- and 45-minute offsets and a
// 30-minute DST), rotation lengths, handoffs, restrictions, swaps and overrides.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSchedule, type Layer, type Override, type Restriction, type Schedule, type Shift, type Swap } from './schedule.js';
import { WEEKDAYS, formatTimeOfDay } from './local-time.js';
import { onCallAt, shiftsBetween } from './shifts.js';
import { firstHandoff } from './rotation.js';
import { offsetAt, wallClockAt } from '../time/zone.js';

const MINUTE = 60_000;
const YEAR_START = Date.parse('2024-01-01T00:00Z');
const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/Santiago'];
const people = ['alice', 'bob', 'chen', 'dana'];

const timeOfDay = fc.record({ h: fc.integer({ min: 0, max: 23 }), m: fc.constantFrom(0, 15, 30, 45, 7) }).map(({ h, m }) => formatTimeOfDay(h * 60 + m));

const restriction: fc.Arbitrary<Restriction> = fc.record({
  days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
  from: timeOfDay,
  to: fc.oneof(timeOfDay, fc.constant('24:00')),
});

/** Keeps each restriction that does not overlap (or otherwise invalidate) the ones kept before it. */
function compatible(restrictions: Restriction[]): Restriction[] {
  const kept: Restriction[] = [];
  for (const r of restrictions) {
    const trial: Layer = { name: 'x', participants: ['x'], lengthMinutes: 60, handoff: '00:00', start: '2024-01-01', restrictions: [...kept, r] };
    if (checkSchedule({ name: 's', timeZone: 'UTC', layers: [trial], overrides: [], swaps: [] }).length === 0) kept.push(r);
  }
  return kept;
}

interface Range {
  from: number;
  to: number;
}

/** A range of up to 10 days somewhere in 2024 (so across every DST change of the zones above). */
const rangeArb: fc.Arbitrary<Range> = fc
  .record({ startMinute: fc.integer({ min: 0, max: 366 * 1_440 }), minutes: fc.integer({ min: 1, max: 10 * 1_440 }) })
  .map(({ startMinute, minutes }) => ({ from: YEAR_START + startMinute * MINUTE, to: YEAR_START + (startMinute + minutes) * MINUTE }));

/** A layer whose first handoff is up to 30 days before the range, or just inside it. */
const layerArb = (name: string, { from }: Range): fc.Arbitrary<Layer> =>
  fc
    .record({
      participants: fc.array(fc.constantFrom(...people), { minLength: 1, maxLength: 5 }),
      lengthMinutes: fc.oneof(fc.constantFrom(60, 90, 480, 720, 1_440, 4_320, 10_080), fc.integer({ min: 30, max: 20_160 })),
      handoff: timeOfDay,
      startDay: fc.integer({ min: -30, max: 3 }),
      endOffsetDays: fc.option(fc.integer({ min: 2, max: 40 }), { nil: undefined }),
      restrictions: fc.oneof(fc.constant<Restriction[]>([]), fc.array(restriction, { maxLength: 4 }).map(compatible)),
    })
    .map(({ endOffsetDays, startDay, ...l }) => {
      const start = new Date(from + startDay * 86_400_000).toISOString().slice(0, 10);
      // An end two or more days after the start date: always after the first handoff, whatever the zone.
      const end = endOffsetDays === undefined ? {} : { end: Date.parse(`${start}T00:00Z`) + endOffsetDays * 86_400_000 };
      return { name, ...l, start, ...end };
    });

/** An interval around the range, so that overrides and swaps overlap it and each other often. */
const intervalNear = ({ from, to }: Range) =>
  fc
    .record({ offset: fc.integer({ min: -1_440, max: Math.ceil((to - from) / MINUTE) + 1_440 }), minutes: fc.integer({ min: 1, max: 2 * 1_440 }) })
    .map(({ offset, minutes }) => ({ start: from + offset * MINUTE, end: from + (offset + minutes) * MINUTE }));

const overrideNear = (range: Range): fc.Arbitrary<Override> =>
  fc.record({ person: fc.constantFrom(...people, 'emeka'), span: intervalNear(range) }).map(({ person, span }) => ({ person, ...span }));

const swapNear = (range: Range): fc.Arbitrary<Swap> =>
  fc
    .record({ people: fc.uniqueArray(fc.constantFrom(...people, 'emeka'), { minLength: 2, maxLength: 2 }), span: intervalNear(range) })
    .map(({ people: [a, b], span }) => ({ people: [a!, b!] as const, ...span }));

/** A random schedule and a range to read it over. */
const scenarioArb: fc.Arbitrary<{ s: Schedule } & Range> = rangeArb.chain((range) =>
  fc
    .record({
      timeZone: fc.constantFrom(...zones),
      layers: fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => layerArb(`layer-${i}`, range)))),
      overrides: fc.array(overrideNear(range), { maxLength: 4 }),
      swaps: fc.array(swapNear(range), { maxLength: 3 }),
    })
    .map((s) => ({ s: { name: 'random', ...s }, ...range })),
);

function shiftAt(shifts: Shift[], t: number): Shift | undefined {
  return shifts.find((s) => s.start <= t && t < s.end);
}

const settings = { numRuns: 150 };

describe('schedule properties', () => {
  it('random schedules are valid (the generators are sound)', () => {
    fc.assert(
      fc.property(scenarioArb, ({ s }) => {
        expect(checkSchedule(s)).toEqual([]);
      }),
      settings,
    );
  });

  it('shifts are ordered, non-empty, disjoint, inside the range, and merged', () => {
    fc.assert(
      fc.property(scenarioArb, ({ s, from, to }) => {
        const shifts = shiftsBetween(s, from, to);
        shifts.forEach((x, i) => {
          expect(x.start).toBeLessThan(x.end);
          expect(x.start).toBeGreaterThanOrEqual(from);
          expect(x.end).toBeLessThanOrEqual(to);
          expect(x.sources.length).toBeGreaterThan(0);
          const prev = shifts[i - 1];
          if (prev) {
            expect(prev.end).toBeLessThanOrEqual(x.start);
            if (prev.end === x.start) expect(prev.person).not.toBe(x.person);
          }
        });
      }),
      settings,
    );
  });

  it('onCallAt agrees with shiftsBetween at random instants and at every edge', () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }), ({ s, from, to }, fractions) => {
        const shifts = shiftsBetween(s, from, to);
        const instants = [
          ...fractions.map((f) => Math.min(to - 1, from + Math.floor(f * (to - from)))),
          ...shifts.flatMap((x) => [x.start, x.end - 1, x.end]).filter((t) => t < to),
          from,
        ];
        for (const t of instants) {
          const shift = shiftAt(shifts, t);
          const now = onCallAt(s, t);
          expect(now?.person ?? null, `at ${new Date(t).toISOString()}`).toBe(shift?.person ?? null);
          if (shift && now) expect(shift.sources).toContainEqual(now.source);
        }
      }),
      settings,
    );
  });

  it('the shifts of a range are those of its two halves, joined', () => {
    fc.assert(
      fc.property(scenarioArb, fc.double({ min: 0, max: 1, noNaN: true }), ({ s, from, to }, f) => {
        const mid = from + Math.floor(f * (to - from));
        const halves = [...shiftsBetween(s, from, mid), ...shiftsBetween(s, mid, to)];
        const joined: Shift[] = [];
        for (const x of halves) {
          const last = joined[joined.length - 1];
          if (last && last.person === x.person && last.end === x.start) {
            last.end = x.end;
            for (const src of x.sources) if (!last.sources.some((y) => JSON.stringify(y) === JSON.stringify(src))) last.sources.push(src);
          } else joined.push({ ...x, sources: [...x.sources] });
        }
        expect(joined).toEqual(shiftsBetween(s, from, to));
      }),
      settings,
    );
  });

  it('a layer without restrictions that has started and not ended leaves no gap: the shifts tile the range', () => {
    fc.assert(
      fc.property(scenarioArb, ({ s, from, to }) => {
        const full = s.layers.some((l) => l.restrictions.length === 0 && firstHandoff(l, s.timeZone) <= from && (l.end ?? Infinity) >= to);
        fc.pre(full);
        const shifts = shiftsBetween(s, from, to);
        expect(shifts[0]?.start).toBe(from);
        expect(shifts[shifts.length - 1]?.end).toBe(to);
        shifts.slice(1).forEach((x, i) => expect(x.start).toBe(shifts[i]!.end));
      }),
      { numRuns: 60 },
    );
  });

  it('every handoff of a plain rotation shows its wall-clock time, or is the jump of a skipped hour', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), rangeArb.chain((r) => layerArb('only', r).map((l) => ({ l, ...r }))), (timeZone, { l, from, to }) => {
        const plain: Layer = { ...l, participants: ['alice', 'bob'], restrictions: [], end: undefined };
        const shifts = shiftsBetween({ name: 'plain', timeZone, layers: [plain], overrides: [], swaps: [] }, from, to);
        const anchor = Date.parse(`${plain.start}T${plain.handoff}Z`);
        for (const x of shifts.slice(1)) {
          const onTime = (wallClockAt(x.start, timeZone) - anchor) % (plain.lengthMinutes * MINUTE) === 0;
          const atJump = offsetAt(x.start - 1, timeZone) < offsetAt(x.start, timeZone);
          expect(onTime || atJump, new Date(x.start).toISOString()).toBe(true);
        }
      }),
      settings,
    );
  });
});
