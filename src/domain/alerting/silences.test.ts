import { describe, expect, it } from 'vitest';
import { activeSilences, isSilenceActive, silenceMatches, silencedBy, type Silence } from './silences.js';

const at = (iso: string): number => Date.parse(iso);
const who = { reason: 'database upgrade', author: 'alice' };

function oneOff(name: string, start: string, end: string, rest: Partial<Silence> = {}): Silence {
  return { name, matchers: {}, services: [], window: { ...who, start: at(start), end: at(end) }, ...rest };
}

describe('silence matching', () => {
  const labels = { alertname: 'HighLatency', service: 'checkout', instance: 'db-1', severity: 'page' };

  it('needs every matcher to match, in the label matcher syntax (equal, not equal, one of, regex; a missing label is empty)', () => {
    const s = (matchers: Record<string, string>): Silence => oneOff('s', '2026-03-25T10:00:00Z', '2026-03-25T11:00:00Z', { matchers });
    expect(silenceMatches(s({ alertname: 'HighLatency' }), labels, 'checkout')).toBe(true);
    expect(silenceMatches(s({ alertname: 'HighLatency', instance: 'db-2' }), labels, 'checkout')).toBe(false);
    expect(silenceMatches(s({ instance: '~db-[0-9]+' }), labels, 'checkout')).toBe(true);
    expect(silenceMatches(s({ instance: '~db' }), labels, 'checkout')).toBe(false); // a full match, not a substring
    expect(silenceMatches(s({ severity: '!page' }), labels, 'checkout')).toBe(false);
    expect(silenceMatches(s({ severity: 'ticket|page' }), labels, 'checkout')).toBe(true);
    expect(silenceMatches(s({ team: '' }), labels, 'checkout')).toBe(true);
    expect(silenceMatches(s({ team: 'payments' }), labels, 'checkout')).toBe(false);
  });

  it('applies only to alerts routed to its services when it names any', () => {
    const scoped = oneOff('s', '2026-03-25T10:00:00Z', '2026-03-25T11:00:00Z', { services: ['checkout', 'web'], matchers: { alertname: 'HighLatency' } });
    expect(silenceMatches(scoped, labels, 'checkout')).toBe(true);
    expect(silenceMatches(scoped, labels, 'web')).toBe(true);
    expect(silenceMatches(scoped, labels, 'payments-api')).toBe(false);
    // Unrouted, or routed to a team only: no service, so out of a scoped silence.
    expect(silenceMatches(scoped, labels, null)).toBe(false);
    expect(silenceMatches(oneOff('any', '2026-03-25T10:00:00Z', '2026-03-25T11:00:00Z', { matchers: { alertname: 'HighLatency' } }), labels, null)).toBe(true);
  });

  it('is in force for a one-off window from its start (included) to its end (excluded)', () => {
    const s = oneOff('s', '2026-03-25T10:00:00Z', '2026-03-25T11:00:00Z');
    expect(isSilenceActive(s, at('2026-03-25T09:59:59.999Z'))).toBe(false);
    expect(isSilenceActive(s, at('2026-03-25T10:00:00Z'))).toBe(true);
    expect(isSilenceActive(s, at('2026-03-25T10:59:59.999Z'))).toBe(true);
    expect(isSilenceActive(s, at('2026-03-25T11:00:00Z'))).toBe(false);
  });

  it('follows a weekly RRULE on wall-clock time in its zone across a DST change', () => {
    // Saturdays 22:00 Europe/Berlin for 4 hours; Berlin moves from CET (UTC+1) to CEST (UTC+2) on 2026-03-29.
    const weekly: Silence = {
      name: 'saturday-maintenance',
      matchers: { alertname: 'HighLatency' },
      services: [],
      window: { ...who, start: at('2026-03-21T22:00:00+01:00'), durationMinutes: 240, rrule: 'FREQ=WEEKLY;BYDAY=SA', timezone: 'Europe/Berlin' },
    };
    // Before the change: 21:00Z to 01:00Z.
    expect(isSilenceActive(weekly, at('2026-03-21T20:59:00Z'))).toBe(false);
    expect(isSilenceActive(weekly, at('2026-03-21T21:00:00Z'))).toBe(true);
    expect(isSilenceActive(weekly, at('2026-03-22T00:59:00Z'))).toBe(true);
    expect(isSilenceActive(weekly, at('2026-03-22T01:00:00Z'))).toBe(false);
    // The night of the change: starts 22:00 CET (21:00Z), lasts 4 hours of elapsed time, to 01:00Z (03:00 CEST).
    expect(isSilenceActive(weekly, at('2026-03-29T00:59:00Z'))).toBe(true);
    expect(isSilenceActive(weekly, at('2026-03-29T01:00:00Z'))).toBe(false);
    // After the change: 22:00 CEST is 20:00Z; a rule read in UTC would start an hour late and end an hour late.
    expect(isSilenceActive(weekly, at('2026-04-04T19:59:00Z'))).toBe(false);
    expect(isSilenceActive(weekly, at('2026-04-04T20:00:00Z'))).toBe(true);
    expect(isSilenceActive(weekly, at('2026-04-04T23:59:00Z'))).toBe(true);
    expect(isSilenceActive(weekly, at('2026-04-05T00:00:00Z'))).toBe(false);
    // Not on other days.
    expect(isSilenceActive(weekly, at('2026-04-01T20:30:00Z'))).toBe(false);
    // Not before its first occurrence.
    expect(isSilenceActive(weekly, at('2026-03-14T21:30:00Z'))).toBe(false);
  });

  it('names the first matching silence in force, by name, or null', () => {
    const labels2 = { alertname: 'DiskFull', service: 'checkout' };
    const silences = [
      oneOff('zz-later', '2026-03-25T10:00:00Z', '2026-03-25T11:00:00Z', { matchers: { alertname: 'DiskFull' } }),
      oneOff('aa-over', '2026-03-25T08:00:00Z', '2026-03-25T09:00:00Z', { matchers: { alertname: 'DiskFull' } }),
      oneOff('mm-other', '2026-03-25T10:00:00Z', '2026-03-25T11:00:00Z', { matchers: { alertname: 'HighLatency' } }),
      oneOff('bb-web', '2026-03-25T10:00:00Z', '2026-03-25T11:00:00Z', { services: ['web'] }),
    ];
    expect(silencedBy(labels2, 'checkout', at('2026-03-25T10:30:00Z'), silences)).toBe('zz-later');
    expect(silencedBy(labels2, 'web', at('2026-03-25T10:30:00Z'), silences)).toBe('bb-web');
    expect(silencedBy(labels2, 'checkout', at('2026-03-25T08:30:00Z'), silences)).toBe('aa-over');
    expect(silencedBy(labels2, 'checkout', at('2026-03-25T11:00:00Z'), silences)).toBeNull();
    expect(activeSilences(silences, at('2026-03-25T10:30:00Z')).map((s) => s.name)).toEqual(['bb-web', 'mm-other', 'zz-later']);
  });
});
