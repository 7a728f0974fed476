import { describe, expect, it } from 'vitest';
import { instantOfWallClock, isValidTimeZone, offsetAt, parseLocalDateTime, wallClockAt } from './zone.js';

const utc = (iso: string) => Date.parse(iso);

describe('time zones', () => {
  it('knows IANA names and rejects others', () => {
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });

  it('reads offsets, including 30- and 45-minute ones', () => {
    expect(offsetAt(utc('2024-01-15T12:00:00Z'), 'Europe/Paris')).toBe(3_600_000);
    expect(offsetAt(utc('2024-07-15T12:00:00Z'), 'Europe/Paris')).toBe(7_200_000);
    expect(offsetAt(utc('2024-01-15T12:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
    expect(offsetAt(utc('2024-01-15T12:00:00Z'), 'Asia/Kathmandu')).toBe(5.75 * 3_600_000);
    expect(offsetAt(utc('2024-01-15T12:00:00Z'), 'America/New_York')).toBe(-5 * 3_600_000);
  });

  it('converts an instant to wall-clock time', () => {
    expect(wallClockAt(utc('2024-03-31T01:00:00Z'), 'Europe/Paris')).toBe(utc('2024-03-31T03:00:00Z'));
  });

  it('maps ordinary wall-clock times to their instant', () => {
    expect(instantOfWallClock(utc('2024-01-07T02:00:00Z'), 'Europe/Paris')).toBe(utc('2024-01-07T01:00:00Z'));
    expect(instantOfWallClock(utc('2024-01-01T00:00:00Z'), 'Asia/Kathmandu')).toBe(utc('2023-12-31T18:15:00Z'));
  });

  it('maps a skipped wall-clock time (clocks forward) to the instant of the jump', () => {
    // Paris, 31 March 2024: 02:00 CET became 03:00 CEST at 01:00 UTC; 02:30 never happened.
    expect(instantOfWallClock(utc('2024-03-31T02:30:00Z'), 'Europe/Paris')).toBe(utc('2024-03-31T01:00:00Z'));
    // Asunción, 1 October 2023: midnight itself was skipped (00:00 −04 became 01:00 −03 at 04:00 UTC).
    expect(instantOfWallClock(utc('2023-10-01T00:00:00Z'), 'America/Asuncion')).toBe(utc('2023-10-01T04:00:00Z'));
  });

  it('maps a repeated wall-clock time (clocks back) to its first occurrence', () => {
    // Paris, 27 October 2024: 02:30 happened at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
    expect(instantOfWallClock(utc('2024-10-27T02:30:00Z'), 'Europe/Paris')).toBe(utc('2024-10-27T00:30:00Z'));
    expect(instantOfWallClock(utc('2024-11-03T01:30:00Z'), 'America/New_York')).toBe(utc('2024-11-03T05:30:00Z'));
  });

  it('parses local date-times in a zone', () => {
    expect(parseLocalDateTime('2024-01-07T02:00', 'Europe/Paris')).toBe(utc('2024-01-07T01:00:00Z'));
    expect(parseLocalDateTime('2024-07-07 02:00:30', 'Europe/Paris')).toBe(utc('2024-07-07T00:00:30Z'));
    expect(parseLocalDateTime('2024-07-07', 'UTC')).toBe(utc('2024-07-07T00:00:00Z'));
    expect(() => parseLocalDateTime('2024-02-30T00:00', 'UTC')).toThrow('no such date');
    expect(() => parseLocalDateTime('2024-02-01T00:00Z', 'UTC')).toThrow('no offset');
    expect(() => parseLocalDateTime('2024-02-01T00:00', 'Nowhere/City')).toThrow('unknown time zone');
  });
});
