import { describe, expect, it } from 'vitest';
import { DurationError, durationError, formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['5m', 5],
    ['6h', 360],
    ['1d', 1_440],
    ['4w', 40_320],
    ['30d', 43_200],
    ['28d', 40_320],
    ['1h30m', 90],
    ['90m', 90],
    ['1w2d3h4m', 10_080 + 2_880 + 180 + 4],
    [' 2h ', 120],
  ])('%s is %i minutes', (text, minutes) => {
    expect(parseDuration(text)).toBe(minutes);
  });

  it.each([
    ['', 'empty duration'],
    ['90s', 'seconds are not supported'],
    ['500ms', 'seconds are not supported'],
    ['1.5h', 'use whole numbers'],
    ['30', 'needs a unit'],
    ['h', 'needs a number'],
    ['1y', 'use a calendar window'],
    ['1M', 'use a calendar window'],
    ['3x', "unknown unit 'x'"],
    ['30m1h', 'largest to smallest'],
    ['1h1h', 'largest to smallest'],
    ['0m', 'longer than zero'],
    ['-5m', "unexpected '-5m'"],
    ['1h 30m', "unexpected ' 30m'"],
    ['99999999999999999w', 'too long'],
  ])('rejects %j: %s', (text, message) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
    expect(durationError(text)).toContain(message);
  });

  it('returns null for valid durations', () => {
    expect(durationError('1h')).toBeNull();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0m'],
    [5, '5m'],
    [60, '1h'],
    [90, '90m'],
    [1_440, '1d'],
    [1_500, '25h'],
    [2_160, '36h'],
    [10_080, '1w'],
    [43_200, '30d'],
    [40_320, '4w'],
    [4_320, '3d'],
    [1_441, '1d1m'],
    [525_600, '365d'],
  ])('%i minutes is %s', (minutes, text) => {
    expect(formatDuration(minutes)).toBe(text);
  });

  it('round-trips every duration up to two weeks', () => {
    for (let m = 1; m <= 20_160; m++) expect(parseDuration(formatDuration(m))).toBe(m);
  });

  it('rejects fractions and negatives', () => {
    expect(() => formatDuration(1.5)).toThrow(RangeError);
    expect(() => formatDuration(-1)).toThrow(RangeError);
  });
});
