import { describe, expect, it } from 'vitest';
import { checkSchedule, type Layer, type Schedule } from './schedule.js';

function layer(fields: Partial<Layer> = {}): Layer {
  return { name: 'primary', participants: ['alice', 'bob'], lengthMinutes: 1_440, handoff: '09:00', start: '2024-01-01', restrictions: [], ...fields };
}

function schedule(fields: Partial<Schedule> = {}): Schedule {
  return { name: 'test', timeZone: 'Europe/Berlin', layers: [layer()], overrides: [], swaps: [], ...fields };
}

const messages = (s: Schedule) => checkSchedule(s).map((i) => `${i.path.join('.')}: ${i.message}`);

describe('checkSchedule', () => {
  it('accepts a valid schedule', () => {
    expect(checkSchedule(schedule())).toEqual([]);
    expect(
      checkSchedule(
        schedule({
          layers: [
            layer({
              restrictions: [
                { days: ['mon', 'tue'], from: '09:00', to: '17:00' },
                { days: ['mon'], from: '17:00', to: '24:00' }, // touches, does not overlap
                { days: ['sun'], from: '22:00', to: '00:00' },
                { days: ['sat'], from: '00:00', to: '24:00' },
              ],
            }),
          ],
        }),
      ),
    ).toEqual([]);
  });

  it('names an unknown zone', () => {
    expect(messages(schedule({ timeZone: 'Europe/Berlln' }))).toEqual(["timeZone: unknown time zone 'Europe/Berlln': use an IANA name such as Europe/Berlin or UTC"]);
  });

  it('rejects layers that cannot rotate', () => {
    expect(messages(schedule({ layers: [] }))).toEqual(['layers: a schedule needs at least one layer']);
    expect(messages(schedule({ layers: [layer({ participants: [], lengthMinutes: 0, handoff: '9:00', start: '2024-02-30' })] }))).toEqual([
      'layers.0.participants: a layer needs at least one participant',
      'layers.0.lengthMinutes: the rotation length must be a positive whole number of minutes, not 0',
      "layers.0.handoff: '9:00' is not a time of day HH:MM (00:00 to 23:59)",
      "layers.0.start: '2024-02-30' is not a date YYYY-MM-DD",
    ]);
    expect(messages(schedule({ layers: [layer({ lengthMinutes: -60, handoff: '24:00' })] }))).toEqual([
      'layers.0.lengthMinutes: the rotation length must be a positive whole number of minutes, not -60',
      "layers.0.handoff: '24:00' is not a time of day HH:MM (00:00 to 23:59)",
    ]);
    expect(messages(schedule({ layers: [layer(), layer()] }))).toEqual(["layers.1.name: layer name 'primary' is already used by layer 0"]);
  });

  it('rejects a layer that ends before its first handoff', () => {
    // 1 Jan 2024 09:00 in Berlin (CET) is 08:00Z.
    expect(messages(schedule({ layers: [layer({ end: Date.parse('2024-01-01T08:00Z') })] }))).toEqual(['layers.0.end: the layer ends before its first handoff (2024-01-01 09:00)']);
    expect(messages(schedule({ layers: [layer({ end: Date.parse('2024-01-01T08:01Z') })] }))).toEqual([]);
  });

  it('rejects malformed restrictions', () => {
    const restrictions = [
      { days: [], from: '09:00', to: '17:00' },
      { days: ['mon', 'monday', 'mon'], from: '25:00', to: '24:01' },
      { days: ['tue'], from: '10:00', to: '10:00' },
    ] as unknown as Layer['restrictions'];
    expect(messages(schedule({ layers: [layer({ restrictions })] }))).toEqual([
      'layers.0.restrictions.0.days: a restriction needs at least one day',
      "layers.0.restrictions.1.days.1: 'monday' is not a day: use mon, tue, wed, thu, fri, sat, sun",
      'layers.0.restrictions.1.days.2: mon is listed twice',
      "layers.0.restrictions.1.from: '25:00' is not a time of day HH:MM (00:00 to 23:59)",
      "layers.0.restrictions.1.to: '24:01' is not a time of day HH:MM (00:00 to 24:00)",
      'layers.0.restrictions.2.to: from and to are the same time (10:00): for the whole day write from: "00:00", to: "24:00"',
    ]);
  });

  it('rejects overlapping restrictions, including across midnight and across the end of the week', () => {
    const overlap = (a: Layer['restrictions'][number], b: Layer['restrictions'][number]) => messages(schedule({ layers: [layer({ restrictions: [a, b] })] }));
    expect(overlap({ days: ['mon', 'tue'], from: '09:00', to: '17:00' }, { days: ['tue'], from: '16:00', to: '18:00' })).toEqual([
      'layers.0.restrictions.1: overlaps restriction 0 (tue 16:00–18:00 overlaps tue 09:00–17:00)',
    ]);
    // Monday 22:00 → Tuesday 06:00 overlaps Tuesday 05:00–07:00.
    expect(overlap({ days: ['mon'], from: '22:00', to: '06:00' }, { days: ['tue'], from: '05:00', to: '07:00' })).toEqual([
      'layers.0.restrictions.1: overlaps restriction 0 (tue 05:00–07:00 overlaps mon 22:00–06:00)',
    ]);
    // Sunday 22:00 → Monday 02:00 wraps to the start of the week.
    expect(overlap({ days: ['mon'], from: '01:00', to: '03:00' }, { days: ['sun'], from: '22:00', to: '02:00' })).toEqual([
      'layers.0.restrictions.1: overlaps restriction 0 (sun 22:00–02:00 overlaps mon 01:00–03:00)',
    ]);
    expect(overlap({ days: ['mon'], from: '01:00', to: '03:00' }, { days: ['sun'], from: '22:00', to: '01:00' })).toEqual([]);
  });

  it('rejects empty overrides and swaps, and a swap of someone with themselves', () => {
    const t = Date.parse('2024-01-02T00:00Z');
    expect(
      messages(
        schedule({
          overrides: [{ person: 'alice', start: t, end: t }],
          swaps: [{ people: ['bob', 'bob'], start: t, end: t - 1 }],
        }),
      ),
    ).toEqual(['swaps.0.people: a swap needs two different people, not bob twice', 'swaps.0.end: end must be after start', 'overrides.0.end: end must be after start']);
  });
});
