import { describe, expect, it } from 'vitest';
import { clipRanges, includedRanges, mergeRanges, overlapsAny, rangesMinutes, widenToMinutes } from './ranges.js';

const r = (start: number, end: number) => ({ start, end });

describe('time ranges', () => {
  it('merges overlapping and adjacent ranges, sorted, dropping empty ones', () => {
    expect(mergeRanges([r(50, 60), r(0, 10), r(10, 20), r(15, 30), r(40, 40)])).toEqual([r(0, 30), r(50, 60)]);
    expect(mergeRanges([])).toEqual([]);
  });

  it('widens to whole minutes', () => {
    expect(widenToMinutes(r(90_000, 150_001))).toEqual(r(60_000, 180_000));
    expect(widenToMinutes(r(60_000, 120_000))).toEqual(r(60_000, 120_000));
  });

  it('splits a window into included sub-ranges', () => {
    const excluded = [r(10, 20), r(30, 40), r(90, 120)];
    expect(includedRanges(0, 100, excluded)).toEqual([r(0, 10), r(20, 30), r(40, 90)]);
    expect(includedRanges(15, 35, excluded)).toEqual([r(20, 30)]);
    expect(includedRanges(12, 18, excluded)).toEqual([]);
    expect(includedRanges(0, 100, [])).toEqual([r(0, 100)]);
    expect(includedRanges(50, 50, [])).toEqual([]);
  });

  it('clips, measures and tests overlap', () => {
    expect(clipRanges([r(0, 10), r(20, 30)], 5, 25)).toEqual([r(5, 10), r(20, 25)]);
    expect(rangesMinutes([r(0, 60_000), r(120_000, 240_000)])).toBe(3);
    expect(overlapsAny([r(10, 20)], 20, 30)).toBe(false);
    expect(overlapsAny([r(10, 20)], 19, 30)).toBe(true);
  });
});
