// Who is on call: a schedule's final shifts over a range, and the person at one instant. Precedence, lowest first:
//   1. layers, each its rotation cut to its restriction windows and its [first handoff, end); a later layer wins
//      wherever it has someone on call, an earlier one shows through where it has nobody;
//   2. swaps, in declaration order: inside a swap's range, time the layers give to one of its two people goes to the
//      other (a relabelling, so each takes over exactly the other's time there);
//   3. overrides, in declaration order, each on top of everything before it (so a later override beats an earlier one).
// Adjacent stretches with the same person are one shift. onCallAt evaluates the same rules at one instant without
// building timelines, so the two can be checked against each other.

import { handoffAt, participantOf, rotationShiftsBetween, shiftIndexAt } from './rotation.js';
import { restrictionWindowsBetween } from './restriction.js';
import type { Layer, OnCall, Schedule, Shift, ShiftSource, Swap } from './schedule.js';
import { clip, intersect, overlay, type Segment } from './timeline.js';

/** When the layer has anyone on call: from its first handoff to its end. */
function layerSpan(layer: Layer, timeZone: string): { start: number; end: number } {
  return { start: handoffAt(layer, timeZone, 0), end: layer.end ?? Number.POSITIVE_INFINITY };
}

/** One layer's own timeline over [from, to). */
export function layerSegmentsBetween(layer: Layer, timeZone: string, from: number, to: number): Segment[] {
  const span = layerSpan(layer, timeZone);
  const start = Math.max(from, span.start);
  const end = Math.min(to, span.end);
  if (start >= end) return [];
  const source: ShiftSource = { type: 'layer', layer: layer.name };
  const turns = rotationShiftsBetween(layer, timeZone, start, end).map((t) => ({ person: t.person, start: t.start, end: t.end, source }));
  const clipped = clip(turns, start, end);
  if (layer.restrictions.length === 0) return clipped;
  return intersect(clipped, restrictionWindowsBetween(layer.restrictions, timeZone, start, end));
}

function otherOf(swap: Swap, person: string): string | null {
  if (person === swap.people[0]) return swap.people[1];
  if (person === swap.people[1]) return swap.people[0];
  return null;
}

/** Relabels the swap's two people inside its range; the source remembers the swap. */
function applySwap(segments: Segment[], swap: Swap, index: number): Segment[] {
  return segments.flatMap((s) => {
    const other = otherOf(swap, s.person);
    if (other === null || s.end <= swap.start || s.start >= swap.end || s.source.type !== 'layer') return [s];
    const start = Math.max(s.start, swap.start);
    const end = Math.min(s.end, swap.end);
    const pieces: Segment[] = [];
    if (s.start < start) pieces.push({ ...s, end: start });
    pieces.push({ person: other, start, end, source: { type: 'layer', layer: s.source.layer, swap: index } });
    if (end < s.end) pieces.push({ ...s, start: end });
    return pieces;
  });
}

function sameSource(a: ShiftSource, b: ShiftSource): boolean {
  if (a.type === 'override') return b.type === 'override' && a.override === b.override;
  return b.type === 'layer' && a.layer === b.layer && a.swap === b.swap;
}

/** Joins touching segments of the same person into shifts. */
function mergeIntoShifts(segments: Segment[]): Shift[] {
  const shifts: Shift[] = [];
  for (const s of segments) {
    const last = shifts[shifts.length - 1];
    if (last && last.person === s.person && last.end === s.start) {
      last.end = s.end;
      if (!last.sources.some((x) => sameSource(x, s.source))) last.sources.push(s.source);
    } else {
      shifts.push({ person: s.person, start: s.start, end: s.end, sources: [s.source] });
    }
  }
  return shifts;
}

/**
 * The final shifts of [fromMs, toMs), in order: each shift is cut to the range (a shift in progress at fromMs starts
 * at fromMs), and time with nobody on call has no shift. The schedule must be valid (checkSchedule).
 */
export function shiftsBetween(schedule: Schedule, fromMs: number, toMs: number): Shift[] {
  if (!(fromMs < toMs)) return [];
  let timeline: Segment[] = [];
  for (const layer of schedule.layers) timeline = overlay(timeline, layerSegmentsBetween(layer, schedule.timeZone, fromMs, toMs));
  schedule.swaps.forEach((swap, i) => {
    timeline = applySwap(timeline, swap, i);
  });
  schedule.overrides.forEach((o, i) => {
    timeline = overlay(timeline, clip([{ person: o.person, start: o.start, end: o.end, source: { type: 'override', override: i } }], fromMs, toMs));
  });
  return mergeIntoShifts(timeline);
}

/** The layer's person at `at`, or null when it has nobody then. */
function layerPersonAt(layer: Layer, timeZone: string, at: number): string | null {
  const span = layerSpan(layer, timeZone);
  if (at < span.start || at >= span.end) return null;
  if (layer.restrictions.length > 0 && restrictionWindowsBetween(layer.restrictions, timeZone, at, at + 1).length === 0) return null;
  return participantOf(layer, shiftIndexAt(layer, timeZone, at));
}

/** Who is on call at `atMs`, and why; null when nobody is. The schedule must be valid (checkSchedule). */
export function onCallAt(schedule: Schedule, atMs: number): OnCall | null {
  for (let i = schedule.overrides.length - 1; i >= 0; i--) {
    const o = schedule.overrides[i]!;
    if (o.start <= atMs && atMs < o.end) return { person: o.person, source: { type: 'override', override: i } };
  }
  for (let l = schedule.layers.length - 1; l >= 0; l--) {
    const layer = schedule.layers[l]!;
    let person = layerPersonAt(layer, schedule.timeZone, atMs);
    if (person === null) continue;
    let swapped: number | undefined;
    schedule.swaps.forEach((swap, i) => {
      const other = otherOf(swap, person!);
      if (other !== null && swap.start <= atMs && atMs < swap.end) {
        person = other;
        swapped = i;
      }
    });
    return { person, source: swapped === undefined ? { type: 'layer', layer: layer.name } : { type: 'layer', layer: layer.name, swap: swapped } };
  }
  return null;
}
