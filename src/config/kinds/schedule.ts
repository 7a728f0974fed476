// Schedule: who of a team is on call when. Layers of rotations in one time zone, with swaps and overrides on top;
// the rules are in src/domain/oncall (README there), the user's page is docs/config/schedule.md.
import { z } from 'zod';
import type { ConfigObject } from '../../domain/objects.js';
import { WEEKDAYS, parseLocalDate, parseTimeOfDay } from '../../domain/oncall/local-time.js';
import { checkSchedule, type Schedule } from '../../domain/oncall/schedule.js';
import { durationError, parseDuration } from '../../domain/time/duration.js';
import { parseLocalDateTime } from '../../domain/time/zone.js';
import type { KindDefinition, ObjectReference } from '../kind.js';
import { objectName } from '../metadata.js';
import { timeZone } from './person.js';

const OFFSET_DATE_TIME = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

/** The instant a date-time means: as written when it has an offset, else wall-clock time in `zone`. */
export function instantOfDateTime(text: string, zone: string): number {
  return OFFSET_DATE_TIME.test(text) ? Date.parse(text) : parseLocalDateTime(text, zone);
}

function isDateTime(text: string): boolean {
  const offset = OFFSET_DATE_TIME.exec(text);
  if (offset) return parseLocalDate(offset[1]!) !== null && !Number.isNaN(Date.parse(text));
  if (!LOCAL_DATE_TIME.test(text)) return false;
  try {
    parseLocalDateTime(text, 'UTC');
    return true;
  } catch {
    return false;
  }
}

const dateTime = z
  .string()
  .refine(isDateTime, "a date-time: 2024-03-01T18:00 (wall-clock time in the schedule's timezone) or with an offset, 2024-03-01T17:00Z or 2024-03-01T18:00+01:00");
const timeOfDay = z.string().refine((t) => parseTimeOfDay(t) !== null, 'a time of day HH:MM from 00:00 to 23:59, e.g. "09:00"');
const windowEnd = z.string().refine((t) => parseTimeOfDay(t, true) !== null, 'a time of day HH:MM from 00:00 to 24:00, e.g. "17:00"');
const localDate = z.string().refine((t) => parseLocalDate(t) !== null, 'a date YYYY-MM-DD');
/** Wall-clock length of one turn; its message says what is wrong (`0d`: "must be longer than zero"). */
const rotationLength = z.string().superRefine((text, ctx) => {
  const problem = durationError(text);
  // The shared duration parser points months at SLO calendar windows; a rotation wants weeks or days instead.
  if (problem) ctx.addIssue({ code: 'custom', message: `rotation length ${problem.replace(/use a calendar window instead$/, 'use weeks or days, e.g. 4w or 30d')}` });
});

const restrictionSpec = z.strictObject({
  /** The days on which the window starts; every day when absent. */
  days: z.array(z.enum(WEEKDAYS)).min(1).default([...WEEKDAYS]),
  from: timeOfDay,
  /** At or before `from`: the window ends on the next day. `24:00`: the end of the day. */
  to: windowEnd,
});

const layerSpec = z.strictObject({
  name: objectName,
  participants: z.array(objectName).min(1),
  length: rotationLength,
  handoff: timeOfDay,
  start: localDate,
  end: dateTime.optional(),
  restrictions: z.array(restrictionSpec).default([]),
});

const overrideSpec = z.strictObject({
  person: objectName,
  start: dateTime,
  end: dateTime,
  reason: z.string().max(2000).optional(),
});

const swapSpec = z.strictObject({
  people: z.tuple([objectName, objectName]),
  start: dateTime,
  end: dateTime,
  reason: z.string().max(2000).optional(),
});

type ScheduleFields = {
  timezone: string;
  layers: z.infer<typeof layerSpec>[];
  overrides: z.infer<typeof overrideSpec>[];
  swaps: z.infer<typeof swapSpec>[];
};

/** The domain schedule a spec describes (its fields must be well-formed, as the schema checks before this runs). */
export function scheduleOf(name: string, spec: ScheduleFields): Schedule {
  const zone = spec.timezone;
  return {
    name,
    timeZone: zone,
    layers: spec.layers.map((l) => ({
      name: l.name,
      participants: l.participants,
      lengthMinutes: parseDuration(l.length),
      handoff: l.handoff,
      start: l.start,
      ...(l.end === undefined ? {} : { end: instantOfDateTime(l.end, zone) }),
      restrictions: l.restrictions.map((r) => ({ days: r.days, from: r.from, to: r.to })),
    })),
    swaps: spec.swaps.map((s) => ({ people: s.people, start: instantOfDateTime(s.start, zone), end: instantOfDateTime(s.end, zone) })),
    overrides: spec.overrides.map((o) => ({ person: o.person, start: instantOfDateTime(o.start, zone), end: instantOfDateTime(o.end, zone) })),
  };
}

/** Domain field names → the YAML field names users wrote. */
function specPath(path: (string | number)[]): (string | number)[] {
  return path.map((p) => (p === 'lengthMinutes' ? 'length' : p === 'timeZone' ? 'timezone' : p));
}

export const scheduleSpec = z
  .strictObject({
    /** The owning team: its members may change the schedule. */
    owner: objectName,
    description: z.string().max(2000).optional(),
    timezone: timeZone,
    /** Lowest priority first: where several layers have someone on call, the last one wins. */
    layers: z.array(layerSpec).min(1),
    swaps: z.array(swapSpec).default([]),
    overrides: z.array(overrideSpec).default([]),
  })
  .superRefine(
    (spec, ctx) => {
      for (const issue of checkSchedule(scheduleOf('schedule', spec))) ctx.addIssue({ code: 'custom', path: specPath(issue.path), message: issue.message });
    },
    // The rules between fields need every field well-formed; until then the fields' own errors say what to fix.
    { when: (payload) => payload.issues.length === 0 },
  );
export type ScheduleSpec = z.infer<typeof scheduleSpec>;

/** The domain schedule of a validated Schedule object, for shiftsBetween / onCallAt / the iCalendar feeds. */
export function toSchedule(obj: ConfigObject<ScheduleSpec>): Schedule {
  return scheduleOf(obj.metadata.name, obj.spec);
}

/** Everyone the schedule names: participants, override people and swap people. */
function peopleOf(spec: ScheduleSpec): Set<string> {
  return new Set([...spec.layers.flatMap((l) => l.participants), ...spec.overrides.map((o) => o.person), ...spec.swaps.flatMap((s) => s.people)]);
}

export const schedule: KindDefinition<ScheduleSpec> = {
  kind: 'Schedule',
  plural: 'schedules',
  aliases: ['schedule'],
  description: "An on-call schedule: layers of rotations in a time zone, with restrictions, swaps and overrides; owned by one team.",
  specSchema: scheduleSpec,
  // After the people and the team it names; before the services and escalation policies that will page it.
  applyOrder: 25,
  references: (spec) => {
    const refs: ObjectReference[] = [{ kind: 'Team', name: spec.owner, path: ['spec', 'owner'] }];
    spec.layers.forEach((l, i) => l.participants.forEach((p, j) => refs.push({ kind: 'Person', name: p, path: ['spec', 'layers', i, 'participants', j] })));
    spec.swaps.forEach((s, i) => s.people.forEach((p, j) => refs.push({ kind: 'Person', name: p, path: ['spec', 'swaps', i, 'people', j] })));
    spec.overrides.forEach((o, i) => refs.push({ kind: 'Person', name: o.person, path: ['spec', 'overrides', i, 'person'] }));
    return refs;
  },
  owners: (obj) => [obj.spec.owner],
  columns: (obj) => ({
    name: obj.metadata.name,
    owner: obj.spec.owner,
    timezone: obj.spec.timezone,
    layers: obj.spec.layers.map((l) => l.name).join(','),
    people: String(peopleOf(obj.spec).size),
    overrides: String(obj.spec.overrides.length),
  }),
  filters: {
    owner: (obj, v) => obj.spec.owner === v,
    team: (obj, v) => obj.spec.owner === v,
    person: (obj, v) => peopleOf(obj.spec).has(v),
  },
};
