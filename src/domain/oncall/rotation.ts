// A layer's rotation: handoffs every `lengthMinutes` of wall-clock time from `start` + `handoff` in the schedule's
// zone. Handoff k is at local wall time anchor + k × length, so a daily 09:00 handoff stays at 09:00 across DST and
// the shift around a change lasts 23 or 25 hours. A handoff whose local time does not exist (clocks forward over it)
// happens at the first instant after the gap; one whose local time happens twice (clocks back), at the first
// occurrence (both rules are instantOfWallClock's).

import { MINUTE_MS, instantOfWallClock, wallClockAt } from '../time/zone.js';
import { parseLocalDate, parseTimeOfDay } from './local-time.js';
import type { Layer } from './schedule.js';

/** One turn of a rotation: shift `index` of the layer, [start, end), before restrictions. */
export interface RotationShift {
  index: number;
  person: string;
  start: number;
  end: number;
}

/** Wall ms of the first handoff (the rotation's anchor). The layer must be valid. */
function anchorWall(layer: Layer): number {
  return parseLocalDate(layer.start)! + parseTimeOfDay(layer.handoff)! * MINUTE_MS;
}

/** The instant of handoff `k` (k ≥ 0): the start of shift k and the end of shift k − 1. */
export function handoffAt(layer: Layer, timeZone: string, k: number): number {
  return instantOfWallClock(anchorWall(layer) + k * layer.lengthMinutes * MINUTE_MS, timeZone);
}

export function firstHandoff(layer: Layer, timeZone: string): number {
  return handoffAt(layer, timeZone, 0);
}

/**
 * The index of the shift in progress at `at`: the k with handoff(k) ≤ at < handoff(k + 1), or −1 before the first
 * handoff. A turn whose two handoffs fall on one instant (a 1-hour turn inside a skipped hour) is never in progress.
 */
export function shiftIndexAt(layer: Layer, timeZone: string, at: number): number {
  if (at < firstHandoff(layer, timeZone)) return -1;
  const length = layer.lengthMinutes * MINUTE_MS;
  // The wall clock at `at` is within an offset change of the right turn; step to it.
  let k = Math.max(0, Math.floor((wallClockAt(at, timeZone) - anchorWall(layer)) / length));
  while (k > 0 && handoffAt(layer, timeZone, k) > at) k--;
  while (handoffAt(layer, timeZone, k + 1) <= at) k++;
  return k;
}

export function participantOf(layer: Layer, index: number): string {
  return layer.participants[index % layer.participants.length]!;
}

/** The rotation's turns that overlap [from, to), unclipped, without empty ones, in order. */
export function rotationShiftsBetween(layer: Layer, timeZone: string, from: number, to: number): RotationShift[] {
  const shifts: RotationShift[] = [];
  let k = Math.max(0, shiftIndexAt(layer, timeZone, from));
  let start = handoffAt(layer, timeZone, k);
  while (start < to) {
    const end = handoffAt(layer, timeZone, k + 1);
    if (end > start && end > from) shifts.push({ index: k, person: participantOf(layer, k), start, end });
    k++;
    start = end;
  }
  return shifts;
}
