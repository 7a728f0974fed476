// On-call load: the human cost of a rotation over a range, from its shifts and the pages it received (REFERENCE §3):
// at most two paging events per 12-hour shift on average, at most about 25% of a person's time on call, a 24/7
// rotation needs at least 8 people at one site or 6 at each of two sites, and fewer than 3 people is unsafe.
//
// Each page counts against whoever was on call when it was created (a page created while nobody was on call is
// "unattended"). Night is 22:00–07:00 and the weekend is Saturday and Sunday, in the responder's own time zone.

import { wallClockAt } from '../time/zone.js';
import type { Shift } from './schedule.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** REFERENCE §3. */
export const loadLimits = { pagesPer12Hours: 2, onCallShare: 0.25, minPeople: 3, oneSite247: 8, twoSites247: 6 } as const;

export interface LoadPage {
  id: string;
  title: string;
  createdAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
}

export interface LoadInput {
  fromMs: number;
  toMs: number;
  /** The schedule's merged shifts over [fromMs, toMs) (shiftsBetween). */
  shifts: readonly Shift[];
  pages: readonly LoadPage[];
  /** Every person in the rotation (layer participants), whether or not on call in the range. */
  participants: readonly string[];
  /** Person → IANA zone (their own, for night and weekend). */
  zones: ReadonlyMap<string, string>;
}

export interface Durations {
  count: number;
  medianMinutes: number;
  p90Minutes: number;
  maxMinutes: number;
}

export interface PersonLoad {
  person: string;
  shifts: number;
  onCallHours: number;
  /** Share of the range this person was on call. */
  onCallShare: number;
  pages: number;
  nightPages: number;
  weekendPages: number;
  /** pages ÷ (on-call hours ÷ 12): the REFERENCE's "per 12-hour shift". Null when never on call. */
  pagesPer12Hours: number | null;
  timeToAcknowledge: Durations | null;
  timeToResolve: Durations | null;
}

export interface ShiftLoad {
  person: string;
  start: number;
  end: number;
  pages: number;
  nightPages: number;
  pagesPer12Hours: number;
  overLimit: boolean;
}

export interface OncallLoad {
  fromMs: number;
  toMs: number;
  pages: number;
  /** Pages created while nobody was on call. */
  unattended: number;
  /** Share of the range someone was on call. */
  coverage: number;
  people: PersonLoad[];
  shifts: ShiftLoad[];
  /** Page titles by count, most first (ties by title). */
  noisiest: { title: string; pages: number }[];
  /** How evenly pages and on-call time fell on the participants: highest over lowest, and the busiest person's share. */
  fairness: { pagesHighest: number; pagesLowest: number; busiestShareOfPages: number | null; onCallHoursHighest: number; onCallHoursLowest: number };
  warnings: string[];
}

/** Local hour and weekday (0 = Sunday) of an instant in a zone. */
function localTime(ms: number, zone: string): { hour: number; weekday: number } {
  const wall = wallClockAt(ms, zone);
  const day = Math.floor(wall / DAY_MS);
  // 1970-01-01 was a Thursday.
  return { hour: Math.floor((wall - day * DAY_MS) / HOUR_MS), weekday: (((day + 4) % 7) + 7) % 7 };
}

export function isNight(ms: number, zone: string): boolean {
  const { hour } = localTime(ms, zone);
  return hour >= 22 || hour < 7;
}

export function isWeekend(ms: number, zone: string): boolean {
  const { weekday } = localTime(ms, zone);
  return weekday === 0 || weekday === 6;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function durations(minutes: number[]): Durations | null {
  if (minutes.length === 0) return null;
  const s = [...minutes].sort((a, b) => a - b);
  return { count: s.length, medianMinutes: quantile(s, 0.5), p90Minutes: quantile(s, 0.9), maxMinutes: s.at(-1)! };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export function oncallLoad(input: LoadInput): OncallLoad {
  const rangeHours = (input.toMs - input.fromMs) / HOUR_MS;
  const zoneOf = (person: string) => input.zones.get(person) ?? 'UTC';
  const shifts = [...input.shifts].sort((a, b) => a.start - b.start);
  const pages = input.pages.filter((p) => p.createdAt >= input.fromMs && p.createdAt < input.toMs);
  const shiftOf = (t: number) => shifts.find((s) => s.start <= t && t < s.end);

  const shiftLoads: ShiftLoad[] = shifts.map((s) => ({ person: s.person, start: s.start, end: s.end, pages: 0, nightPages: 0, pagesPer12Hours: 0, overLimit: false }));
  const byPerson = new Map<string, { pages: LoadPage[]; night: number; weekend: number; shifts: number; ms: number }>();
  const personEntry = (p: string) => {
    let e = byPerson.get(p);
    if (!e) byPerson.set(p, (e = { pages: [], night: 0, weekend: 0, shifts: 0, ms: 0 }));
    return e;
  };
  for (const p of input.participants) personEntry(p);
  for (const s of shifts) {
    const e = personEntry(s.person);
    e.shifts++;
    e.ms += s.end - s.start;
  }
  let unattended = 0;
  for (const page of pages) {
    const shift = shiftOf(page.createdAt);
    if (!shift) {
      unattended++;
      continue;
    }
    const e = personEntry(shift.person);
    const zone = zoneOf(shift.person);
    const night = isNight(page.createdAt, zone);
    e.pages.push(page);
    if (night) e.night++;
    if (isWeekend(page.createdAt, zone)) e.weekend++;
    const load = shiftLoads[shifts.indexOf(shift)]!;
    load.pages++;
    if (night) load.nightPages++;
  }
  for (const l of shiftLoads) {
    l.pagesPer12Hours = round(l.pages / Math.max((l.end - l.start) / HOUR_MS / 12, 1e-9));
    l.overLimit = l.pagesPer12Hours > loadLimits.pagesPer12Hours;
  }

  const people: PersonLoad[] = [...byPerson.entries()]
    .map(([person, e]) => {
      const hours = e.ms / HOUR_MS;
      const minutes = (at: number | null, from: number) => (at === null ? null : (at - from) / 60_000);
      return {
        person,
        shifts: e.shifts,
        onCallHours: round(hours),
        onCallShare: round(rangeHours > 0 ? hours / rangeHours : 0),
        pages: e.pages.length,
        nightPages: e.night,
        weekendPages: e.weekend,
        pagesPer12Hours: hours > 0 ? round(e.pages.length / (hours / 12)) : null,
        timeToAcknowledge: durations(e.pages.map((p) => minutes(p.acknowledgedAt, p.createdAt)).filter((m): m is number => m !== null)),
        timeToResolve: durations(e.pages.map((p) => minutes(p.resolvedAt, p.createdAt)).filter((m): m is number => m !== null)),
      };
    })
    .sort((a, b) => b.pages - a.pages || b.onCallHours - a.onCallHours || a.person.localeCompare(b.person));

  const titles = new Map<string, number>();
  for (const p of pages) titles.set(p.title, (titles.get(p.title) ?? 0) + 1);
  const noisiest = [...titles.entries()]
    .map(([title, n]) => ({ title, pages: n }))
    .sort((a, b) => b.pages - a.pages || a.title.localeCompare(b.title))
    .slice(0, 10);

  const inRotation = people.filter((p) => input.participants.includes(p.person));
  const counts = inRotation.map((p) => p.pages);
  const hours = inRotation.map((p) => p.onCallHours);
  const attended = pages.length - unattended;
  const coveredMs = shifts.reduce((n, s) => n + (s.end - s.start), 0);
  const coverage = round(input.toMs > input.fromMs ? coveredMs / (input.toMs - input.fromMs) : 0);

  const warnings: string[] = [];
  const distinct = new Set(input.participants);
  if (distinct.size < loadLimits.minPeople) warnings.push(`only ${distinct.size} people in the rotation: below ${loadLimits.minPeople} it is unsafe (nobody can be sick or on holiday)`);
  if (coverage >= 0.99) {
    const sites = new Map<string, number>();
    for (const p of distinct) sites.set(zoneOf(p), (sites.get(zoneOf(p)) ?? 0) + 1);
    const bySize = [...sites.values()].sort((a, b) => b - a);
    const twoSites = bySize.length >= 2 && bySize[1]! >= loadLimits.twoSites247;
    if (!twoSites && (bySize[0] ?? 0) < loadLimits.oneSite247) {
      warnings.push(
        `a 24/7 rotation needs at least ${loadLimits.oneSite247} people at one site or ${loadLimits.twoSites247} at each of two sites; ` +
          `this one has ${[...sites.entries()].map(([zone, n]) => `${n} in ${zone}`).join(', ')}`,
      );
    }
  }
  for (const p of people) {
    if (p.onCallShare > loadLimits.onCallShare) warnings.push(`${p.person} was on call ${Math.round(p.onCallShare * 100)}% of the time (more than ${loadLimits.onCallShare * 100}%)`);
    if (p.pagesPer12Hours !== null && p.pagesPer12Hours > loadLimits.pagesPer12Hours) {
      warnings.push(`${p.person} got ${p.pagesPer12Hours} pages per 12 hours on call (the limit is ${loadLimits.pagesPer12Hours} on average)`);
    }
  }
  if (unattended > 0) warnings.push(`${unattended} page(s) arrived while nobody was on call`);

  return {
    fromMs: input.fromMs,
    toMs: input.toMs,
    pages: pages.length,
    unattended,
    coverage,
    people,
    shifts: shiftLoads,
    noisiest,
    fairness: {
      pagesHighest: counts.length ? Math.max(...counts) : 0,
      pagesLowest: counts.length ? Math.min(...counts) : 0,
      busiestShareOfPages: attended > 0 && counts.length ? round(Math.max(...counts) / attended) : null,
      onCallHoursHighest: hours.length ? Math.max(...hours) : 0,
      onCallHoursLowest: hours.length ? Math.min(...hours) : 0,
    },
    warnings,
  };
}
