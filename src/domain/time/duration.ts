// Durations as pave writes them (`5m`, `6h`, `1d`, `4w`, `1h30m`), always whole minutes: every SLO window, slice and
// alerting window is minute-aligned, so seconds would only invite windows that cannot be measured exactly.

export const MINUTES_PER_HOUR = 60;
export const MINUTES_PER_DAY = 1_440;
export const MINUTES_PER_WEEK = 10_080;

/** Units from largest to smallest; a duration lists each at most once, in this order. */
const UNITS: readonly (readonly [string, number])[] = [
  ['w', MINUTES_PER_WEEK],
  ['d', MINUTES_PER_DAY],
  ['h', MINUTES_PER_HOUR],
  ['m', 1],
];

const EXAMPLES = 'e.g. 5m, 6h, 1d, 4w or 1h30m';

export class DurationError extends Error {
  override name = 'DurationError';
}

/** The error message for `text`, or null when it is a valid duration. */
export function durationError(text: string): string | null {
  try {
    parseDuration(text);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Parses a duration into whole minutes (> 0). Throws DurationError with a message that names the problem. */
export function parseDuration(text: string): number {
  if (typeof text !== 'string') throw new DurationError(`a duration must be a string (${EXAMPLES}), got ${typeof text}`);
  const s = text.trim();
  if (s === '') throw new DurationError(`empty duration: expected ${EXAMPLES}`);
  const part = /(\d*\.?\d*)([a-zA-Z]*)/y;
  let minutes = 0;
  let lastUnit = -1;
  let pos = 0;
  while (pos < s.length) {
    part.lastIndex = pos;
    const m = part.exec(s);
    const [whole = '', num = '', unit = ''] = m ?? [];
    if (whole === '') throw new DurationError(`'${text}': unexpected '${s.slice(pos)}'; expected ${EXAMPLES}`);
    pos += whole.length;
    if (num === '' || num === '.') throw new DurationError(`'${text}': '${unit}' needs a number before it, ${EXAMPLES}`);
    if (num.includes('.')) throw new DurationError(`'${text}': use whole numbers, e.g. 1h30m rather than 1.5h`);
    if (unit === '') throw new DurationError(`'${text}': ${num} needs a unit: m, h, d or w (${EXAMPLES})`);
    const index = UNITS.findIndex(([u]) => u === unit);
    if (index < 0) throw new DurationError(unknownUnit(text, unit));
    if (index <= lastUnit) {
      throw new DurationError(`'${text}': units must go from largest to smallest, each at most once (${EXAMPLES})`);
    }
    lastUnit = index;
    minutes += Number(num) * (UNITS[index]?.[1] ?? 1);
  }
  if (!Number.isSafeInteger(minutes)) throw new DurationError(`'${text}': too long`);
  if (minutes === 0) throw new DurationError(`'${text}': a duration must be longer than zero`);
  return minutes;
}

function unknownUnit(text: string, unit: string): string {
  if (unit === 's' || unit === 'ms') {
    return `'${text}': pave measures in whole minutes; seconds are not supported (round to minutes, e.g. 1m or 2m)`;
  }
  if (['y', 'M', 'mo', 'Q', 'q'].includes(unit)) {
    return `'${text}': unknown unit '${unit}'; months, quarters and years vary in length: use a calendar window instead`;
  }
  return `'${text}': unknown unit '${unit}'; use m (minutes), h (hours), d (days) or w (weeks), lower case`;
}

/**
 * The shortest string for a whole number of minutes (`60` → `1h`, `90` → `90m`, `43200` → `30d`, `40320` → `4w`).
 * Candidates are the greedy decompositions over every subset of units; ties go to fewer parts, then larger units.
 */
export function formatDuration(minutes: number): string {
  if (!Number.isSafeInteger(minutes) || minutes < 0) throw new RangeError(`not a whole number of minutes: ${minutes}`);
  if (minutes === 0) return '0m';
  let best: { text: string; parts: number } | null = null;
  for (let mask = 1; mask < 1 << UNITS.length; mask++) {
    let rest = minutes;
    let text = '';
    let parts = 0;
    UNITS.forEach(([unit, size], i) => {
      if (!(mask & (1 << i)) || rest === 0) return;
      const count = Math.floor(rest / size);
      if (count === 0) return;
      rest -= count * size;
      text += `${count}${unit}`;
      parts++;
    });
    if (rest !== 0) continue;
    if (!best || text.length < best.text.length || (text.length === best.text.length && parts < best.parts)) {
      best = { text, parts };
    }
  }
  return best?.text ?? `${minutes}m`;
}
