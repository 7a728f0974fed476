// Instants ↔ wall-clock time in an IANA time zone, through Intl (the runtime's own tz database): pave keeps no zone
// data of its own. Wall-clock times are represented as "wall ms": Date.UTC of the local fields, so ordinary UTC date
// arithmetic (add a day, find the weekday) works on them.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Formatters are costly to build (tens of µs); results never depend on this cache. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows `timeZone` (an IANA name such as `Europe/Paris`, or `UTC`). */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone === '') return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time at instant `ms` in `timeZone`, as wall ms (seconds kept, milliseconds dropped). */
export function wallClockAt(ms: number, timeZone: string): number {
  const f: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(ms)) {
    if (p.type !== 'literal') f[p.type] = Number(p.value);
  }
  return Date.UTC(f.year ?? 1970, (f.month ?? 1) - 1, f.day ?? 1, f.hour ?? 0, f.minute ?? 0, f.second ?? 0);
}

/** The zone's UTC offset at instant `ms`, in ms (Paris in winter: +3,600,000). */
export function offsetAt(ms: number, timeZone: string): number {
  return wallClockAt(ms, timeZone) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `timeZone` first shows `wallMs` or later.
 * - Ordinary times: the one instant showing it.
 * - Repeated times (clocks set back): the first of the two.
 * - Skipped times (clocks set forward over it): the instant of the jump, e.g. when America/Asuncion skipped from
 *   00:00 to 01:00 on 1 October 2023, the month of October began at the jump.
 */
export function instantOfWallClock(wallMs: number, timeZone: string): number {
  // Offsets lie within ±14 h, so any instant showing wallMs lies within this band; a zone changes offset at most once
  // in it, so the offsets at its two ends are the only candidates.
  const before = offsetAt(wallMs - 15 * HOUR_MS, timeZone);
  const after = offsetAt(wallMs + 15 * HOUR_MS, timeZone);
  const a = wallMs - before;
  const b = wallMs - after;
  const aOk = offsetAt(a, timeZone) === before;
  const bOk = offsetAt(b, timeZone) === after;
  if (aOk && bOk) return Math.min(a, b);
  if (aOk) return a;
  if (bOk) return b;
  // Skipped: find the first minute after the jump, between the two candidates (b shows an earlier time, a a later one).
  let lo = Math.floor(Math.min(a, b) / MINUTE_MS);
  let hi = Math.ceil(Math.max(a, b) / MINUTE_MS);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallClockAt(mid * MINUTE_MS, timeZone) >= wallMs) hi = mid;
    else lo = mid + 1;
  }
  return lo * MINUTE_MS;
}

/**
 * Parses a local date-time `YYYY-MM-DDTHH:MM[:SS]` (no offset) as wall-clock time in `timeZone` and returns the
 * instant, with the rules of instantOfWallClock. For configuration that says "every Sunday at 02:00 Europe/Paris".
 */
export function parseLocalDateTime(text: string, timeZone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!m) throw new RangeError(`'${text}': expected a local date-time YYYY-MM-DDTHH:MM (no offset)`);
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(wall);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59) {
    throw new RangeError(`'${text}': no such date or time`);
  }
  if (!isValidTimeZone(timeZone)) throw new RangeError(`unknown time zone '${timeZone}'`);
  return instantOfWallClock(wall, timeZone);
}
