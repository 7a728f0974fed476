// Who is on call: GET /api/v1/oncall, the shifts of a range, overrides through the API, and iCalendar feeds behind
// signed links. A schedule is its catalog object (layers, swaps and the spec's overrides) plus the overrides made
// through the API, which live in store/schedule-overrides (so applying the YAML never removes them) and sit on top of
// the spec's in the order they were made. The rules that turn a schedule into shifts are in src/domain/oncall.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { schedule as scheduleKind, instantOfDateTime, toSchedule, type ScheduleSpec } from '../config/kinds/schedule.js';
import { objectName } from '../config/metadata.js';
import { onCallAt, personCalendar, scheduleCalendar, shiftsBetween, type Schedule, type ScheduleShifts, type Shift, type ShiftSource } from '../domain/oncall/index.js';
import { catalogView, type ConfigObject } from '../domain/objects.js';
import { canChangeObject, type Principal } from '../domain/permissions.js';
import { parseLocalDateTime } from '../domain/time/zone.js';
import { feedSigningKey, findFeedSigningKey } from '../store/feed-key.js';
import { getObject, listObjects, type StoredObject } from '../store/objects.js';
import { createOverride, deleteOverride, getOverride, listOverlappingOverrides, listOverrides, type ApiOverride } from '../store/schedule-overrides.js';
import type { Database } from '../store/schema.js';
import { requirePrincipal } from './auth.js';
import { ApiError, badRequest, forbidden, notFound, unauthorized } from './errors.js';
import { isValidFeedSignature, signFeedLink, type FeedTarget } from './feed-links.js';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** The longest range one shifts request may ask for. */
export const maxRangeDays = 366;
/** More shifts than this in one answer means a range far too long for the rotation (a 1-minute turn, say). */
export const maxShifts = 10_000;
/** The longest override the API accepts: overrides cover absences, not a new rotation. */
export const maxOverrideDays = 366;
/** How long a signed feed link is valid: the default, and the most a caller may ask for. */
export const feedLinkDays = { default: 365, max: 3650 } as const;
/** How far either side of an instant `oncall` looks for the start and end of the shift in progress. */
const shiftSearchSpans = [8 * DAY_MS, 64 * DAY_MS, maxRangeDays * DAY_MS];

export type ScheduleObject = StoredObject & ConfigObject<ScheduleSpec>;

// ---- date-times in requests ----

const OFFSET_DATE_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::(\d{2}))?$/;
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31);

const inRange = (ms: number): number | null => (Number.isFinite(ms) && ms >= EARLIEST && ms <= LATEST ? ms : null);

/** Whether `YYYY-MM-DDTHH:MM` names a real day and time (JavaScript would read 30 February as 1 March). */
function isRealWallClock(dateAndTime: string): boolean {
  try {
    parseLocalDateTime(dateAndTime, 'UTC');
    return true;
  } catch {
    return false;
  }
}

/** The instant an ISO 8601 date-time with an offset names; null when it is not one, or is outside 1970-9999. */
export function instantWithOffset(text: string): number | null {
  const m = OFFSET_DATE_TIME.exec(text);
  if (!m || Number(m[2] ?? 0) > 59 || Number(m[3] ?? 0) > 23 || Number(m[4] ?? 0) > 59 || !isRealWallClock(m[1]!)) return null;
  return inRange(Date.parse(text));
}

/** As instantWithOffset, and a date-time without an offset is wall-clock time in `zone` (the schedule's rules). */
export function instantInZone(text: string, zone: string): number | null {
  if (OFFSET_DATE_TIME.test(text)) return instantWithOffset(text);
  const m = LOCAL_DATE_TIME.exec(text);
  if (!m || Number(m[1] ?? 0) > 59 || !isRealWallClock(text.slice(0, 16))) return null;
  return inRange(instantOfDateTime(text, zone));
}

export const instantText = z
  .string()
  .max(64)
  .refine((t) => instantWithOffset(t) !== null, 'an ISO 8601 date-time with an offset, e.g. 2026-03-27T08:00:00Z or 2026-03-27T09:00:00+01:00');
const scheduleDateTimeText = z
  .string()
  .max(64)
  .refine(
    (t) => instantInZone(t, 'UTC') !== null,
    "an ISO 8601 date-time: with an offset (2026-03-27T08:00Z), or without one for wall-clock time in the schedule's timezone (2026-03-27T09:00)",
  );

const iso = (ms: number): string => new Date(ms).toISOString();

/** A date-time the schema let through, read in the schedule's zone (where 1970-9999 may end a few hours differently). */
function requireInstant(text: string, zone: string, field: string): number {
  const ms = instantInZone(text, zone);
  if (ms === null) throw badRequest(`${field}: '${text}' is outside the years 1970-9999 in ${zone}`);
  return ms;
}

// ---- schedules with their API overrides ----

/** A schedule as the domain sees it, and what its overrides came from. */
export interface LoadedSchedule {
  object: ScheduleObject;
  /** The spec's overrides first, then the API's in the order they were made. */
  schedule: Schedule;
  /** The API overrides in `schedule.overrides`, after the spec's. */
  apiOverrides: ApiOverride[];
}

/**
 * The schedule with its API overrides on top of the spec's. Overrides made before the object was created belong to
 * an earlier schedule of the same name, deleted since: they do not count.
 */
function withApiOverrides(object: ScheduleObject, candidates: ApiOverride[]): LoadedSchedule {
  const since = Date.parse(object.status.createdAt);
  const apiOverrides = candidates.filter((o) => o.schedule === object.metadata.name && Date.parse(o.createdAt) >= since);
  const base = toSchedule(object);
  const added = apiOverrides.map((o) => ({ person: o.person, start: Date.parse(o.start), end: Date.parse(o.end) }));
  return { object, apiOverrides, schedule: { ...base, overrides: [...base.overrides, ...added] } };
}

/** The schedules with the API overrides that overlap [from, to) (the others cannot change their shifts there). */
async function loadSchedules(db: Kysely<Database>, objects: ScheduleObject[], from: number, to: number): Promise<LoadedSchedule[]> {
  const candidates = await listOverlappingOverrides(db, objects.map((o) => o.metadata.name), new Date(from), new Date(to));
  return objects.map((o) => withApiOverrides(o, candidates));
}

export async function loadSchedule(db: Kysely<Database>, object: ScheduleObject, from: number, to: number): Promise<LoadedSchedule> {
  return (await loadSchedules(db, [object], from, to))[0]!;
}

export async function scheduleObject(db: Kysely<Database>, name: string): Promise<ScheduleObject> {
  const obj = await getObject(db, 'Schedule', name);
  if (!obj) throw notFound(`Schedule "${name}" does not exist`);
  return obj as ScheduleObject;
}

/** Person name → display name, for answers and calendar summaries. */
async function displayNames(db: Kysely<Database>): Promise<Map<string, string>> {
  const people = await listObjects(db, 'Person');
  return new Map(people.map((p) => [p.metadata.name, String((p.spec as { displayName?: string }).displayName ?? p.metadata.displayName ?? p.metadata.name)]));
}

const scheduleTitle = (o: ScheduleObject): string => o.metadata.displayName ?? o.metadata.name;

// ---- answers ----

/** Why someone is on call, on the wire: a layer (perhaps through a swap), or an override from the spec or the API. */
export type WireSource =
  | { type: 'layer'; layer: string; swap?: number }
  | { type: 'override'; origin: 'config'; index: number; reason?: string }
  | { type: 'override'; origin: 'api'; id: string; reason: string; createdBy: string };

export interface WireShift {
  person: string;
  displayName: string;
  start: string;
  end: string;
  sources: WireSource[];
}

function wireSource(source: ShiftSource, loaded: LoadedSchedule): WireSource {
  if (source.type === 'layer') return source.swap === undefined ? { type: 'layer', layer: source.layer } : { type: 'layer', layer: source.layer, swap: source.swap };
  const fromSpec = loaded.object.spec.overrides;
  if (source.override < fromSpec.length) {
    const reason = fromSpec[source.override]!.reason;
    return { type: 'override', origin: 'config', index: source.override, ...(reason === undefined ? {} : { reason }) };
  }
  const o = loaded.apiOverrides[source.override - fromSpec.length]!;
  return { type: 'override', origin: 'api', id: o.id, reason: o.reason, createdBy: o.createdBy };
}

/** What put someone on call, in a few words: `layer europe`, `layer weekly (swap 0)`, `override 12: dentist`. */
export function describeSource(s: WireSource): string {
  if (s.type === 'layer') return s.swap === undefined ? `layer ${s.layer}` : `layer ${s.layer} (swap ${s.swap})`;
  const which = s.origin === 'api' ? `override ${s.id}` : `spec override ${s.index}`;
  return s.reason ? `${which}: ${s.reason}` : which;
}

/** A schedule's shifts for a feed, described as the API and the CLI describe them. */
function feedEntry(loaded: LoadedSchedule, window: FeedWindow): ScheduleShifts {
  return {
    schedule: loaded.object.metadata.name,
    displayName: scheduleTitle(loaded.object),
    shifts: feedShifts(loaded.schedule, window),
    describeSource: (source) => describeSource(wireSource(source, loaded)),
  };
}

function wireShift(shift: Shift, loaded: LoadedSchedule, names: Map<string, string>): WireShift {
  return {
    person: shift.person,
    displayName: names.get(shift.person) ?? shift.person,
    start: iso(shift.start),
    end: iso(shift.end),
    sources: shift.sources.map((s) => wireSource(s, loaded)),
  };
}

/**
 * The whole shift in progress at `at` (shifts merge across handoffs to the same person, so it may have begun long
 * before), looking further out while it reaches the edge of the range computed; an edge still reached at the widest
 * span is unknown (null).
 */
function shiftAround(schedule: Schedule, at: number): { shift: Shift; start: number | null; end: number | null } | null {
  for (const [i, span] of shiftSearchSpans.entries()) {
    const shift = shiftsBetween(schedule, at - span, at + span).find((s) => s.start <= at && at < s.end);
    if (!shift) return null;
    const startKnown = shift.start > at - span;
    const endKnown = shift.end < at + span;
    if ((startKnown && endKnown) || i === shiftSearchSpans.length - 1) return { shift, start: startKnown ? shift.start : null, end: endKnown ? shift.end : null };
  }
  return null;
}

function onCallItem(loaded: LoadedSchedule, at: number, names: Map<string, string>) {
  const o = loaded.object;
  const head = { schedule: o.metadata.name, displayName: scheduleTitle(o), owner: o.spec.owner, timezone: o.spec.timezone };
  const now = onCallAt(loaded.schedule, at);
  const around = now ? shiftAround(loaded.schedule, at) : null;
  if (!now || !around) return { ...head, person: null, personDisplayName: null, source: null, shift: null };
  return {
    ...head,
    person: now.person,
    personDisplayName: names.get(now.person) ?? now.person,
    source: wireSource(now.source, loaded),
    shift: {
      start: around.start === null ? null : iso(around.start),
      end: around.end === null ? null : iso(around.end),
      sources: around.shift.sources.map((s) => wireSource(s, loaded)),
    },
  };
}

function wireApiOverride(o: ApiOverride) {
  return { origin: 'api' as const, id: o.id, schedule: o.schedule, person: o.person, start: o.start, end: o.end, reason: o.reason, createdAt: o.createdAt, createdBy: o.createdBy };
}

// ---- feeds ----

export interface FeedWindow {
  /** Shifts ending after this are in the feed: Monday 00:00 UTC of the week before the current one. */
  from: number;
  /** Ten weeks after `from`: the previous week, this one and eight ahead. */
  to: number;
  /** Shifts are computed from here (four weeks earlier), so one in progress at `from` keeps its real start and UID. */
  computeFrom: number;
}

/** The feed's window at `nowMs`: fixed week boundaries, so every fetch in a week gives the same events and UIDs. */
export function feedWindow(nowMs: number): FeedWindow {
  const day = Math.floor(nowMs / DAY_MS);
  const sinceMonday = (day + 3) % 7; // 1 January 1970 was a Thursday
  const from = (day - sinceMonday) * DAY_MS - WEEK_MS;
  return { from, to: from + 10 * WEEK_MS, computeFrom: from - 4 * WEEK_MS };
}

export function feedShifts(schedule: Schedule, window: FeedWindow): Shift[] {
  return shiftsBetween(schedule, window.computeFrom, window.to).filter((s) => s.end > window.from);
}

/** One message for every bad link, so a caller cannot learn which part was wrong. */
const invalidFeedLink = () =>
  unauthorized('this feed link is not valid or has expired: get a new one from GET /api/v1/schedules/{name}/feed-url or /api/v1/people/{name}/feed-url');

/** Feed URLs carry their signature: log requests to them without the query string. */
const feedRouteLogging = {
  logSerializers: {
    req: (req: FastifyRequest) => ({ method: req.method, url: `${req.url.split('?')[0]}${req.url.includes('?') ? '?(signed link)' : ''}`, host: req.host, remoteAddress: req.ip }),
  },
};

const feedQuery = z.strictObject({
  expires: z.string().max(32).optional().describe('from the signed link'),
  signature: z.string().max(128).optional().describe('from the signed link'),
});
const feedUrlQuery = z.strictObject({
  days: z
    .string()
    .regex(/^[0-9]{1,4}$/, 'a whole number of days')
    .optional()
    .describe(`how long the link stays valid: 1 to ${feedLinkDays.max} days, default ${feedLinkDays.default}`),
});

// ---- routes ----

const nameParams = z.object({ name: z.string().min(1).max(253) });
const overrideParams = z.object({ name: z.string().min(1).max(253), id: z.string().regex(/^[1-9][0-9]{0,17}$/, 'an override id, e.g. 12') });
const newOverride = z.strictObject({
  person: objectName,
  start: scheduleDateTimeText,
  end: scheduleDateTimeText,
  reason: z.string().trim().min(1).max(2000),
});

function assertMayChange(principal: Principal, obj: ScheduleObject): void {
  const owners = scheduleKind.owners(obj, catalogView([obj]));
  const decision = canChangeObject(principal, `Schedule/${obj.metadata.name}`, owners, owners);
  if (!decision.allowed) throw forbidden(decision.reason);
}

export function registerOncall(app: FastifyInstance, db: Kysely<Database>, now: () => Date): void {
  app.get(
    '/api/v1/oncall',
    {
      config: { access: 'read' },
      schema: {
        tags: ['oncall'],
        summary: 'Who is on call now (or at a given time), for one schedule or all',
        description:
          'One item per schedule: the person on call at `at` (default now), the source in force then, and the whole shift ' +
          '(start, end, every source of its merged pieces). `person` is null when nobody is on call; a shift edge more than ' +
          `${maxRangeDays} days away is null.`,
        querystring: z.strictObject({
          schedule: z.string().min(1).max(253).optional().describe('one schedule; all when absent'),
          at: instantText.optional().describe('an ISO 8601 date-time with an offset; default now'),
        }),
      },
    },
    async (req) => {
      const q = req.query as { schedule?: string; at?: string };
      const at = q.at === undefined ? now().getTime() : instantWithOffset(q.at)!;
      const objects = q.schedule === undefined ? ((await listObjects(db, 'Schedule')) as ScheduleObject[]) : [await scheduleObject(db, q.schedule)];
      const names = await displayNames(db);
      const horizon = shiftSearchSpans.at(-1)!;
      const loaded = await loadSchedules(db, objects, at - horizon, at + horizon);
      return { at: iso(at), items: loaded.map((l) => onCallItem(l, at, names)) };
    },
  );

  app.get(
    '/api/v1/schedules/:name/shifts',
    {
      config: { access: 'read' },
      schema: {
        tags: ['oncall'],
        summary: "A schedule's shifts over a range",
        description:
          `The merged shifts of [from, to), cut to the range; default from now for 7 days; at most ${maxRangeDays} days. ` +
          "Date-times without an offset are wall-clock time in the schedule's timezone.",
        params: nameParams,
        querystring: z.strictObject({ from: scheduleDateTimeText.optional(), to: scheduleDateTimeText.optional() }),
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const q = req.query as { from?: string; to?: string };
      const obj = await scheduleObject(db, name);
      const zone = obj.spec.timezone;
      const from = q.from === undefined ? now().getTime() : requireInstant(q.from, zone, 'from');
      const to = q.to === undefined ? from + WEEK_MS : requireInstant(q.to, zone, 'to');
      if (!(to > from)) throw badRequest(`to (${iso(to)}) must be after from (${iso(from)})`);
      if (to - from > maxRangeDays * DAY_MS) {
        throw badRequest(`the range ${iso(from)} to ${iso(to)} is ${Math.ceil((to - from) / DAY_MS)} days: ask for at most ${maxRangeDays} days at a time`);
      }
      const loaded = await loadSchedule(db, obj, from, to);
      const shifts = shiftsBetween(loaded.schedule, from, to);
      if (shifts.length > maxShifts) throw badRequest(`the range holds ${shifts.length} shifts, more than ${maxShifts}: ask for a shorter range`);
      const names = await displayNames(db);
      return { schedule: name, timezone: zone, from: iso(from), to: iso(to), items: shifts.map((s) => wireShift(s, loaded, names)) };
    },
  );

  app.get(
    '/api/v1/schedules/:name/overrides',
    {
      config: { access: 'read' },
      schema: {
        tags: ['oncall'],
        summary: "A schedule's overrides: those in its spec and those made through the API",
        description: 'Overrides that have not ended yet, in the order they apply (a later one wins where they overlap); `all=true` includes ended ones.',
        params: nameParams,
        querystring: z.strictObject({ all: z.enum(['true', 'false']).optional() }),
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const all = (req.query as { all?: string }).all === 'true';
      const obj = await scheduleObject(db, name);
      const t = now().getTime();
      const fromSpec = toSchedule(obj).overrides.flatMap((o, index) =>
        all || o.end > t
          ? [{ origin: 'config' as const, index, person: o.person, start: iso(o.start), end: iso(o.end), ...(obj.spec.overrides[index]!.reason === undefined ? {} : { reason: obj.spec.overrides[index]!.reason }) }]
          : [],
      );
      const fromApi = await listOverrides(db, name, { createdSince: new Date(obj.status.createdAt), ...(all ? {} : { endingAfter: new Date(t) }) });
      return { schedule: name, items: [...fromSpec, ...fromApi.map(wireApiOverride)] };
    },
  );

  app.post(
    '/api/v1/schedules/:name/overrides',
    {
      config: { access: 'write' },
      schema: {
        tags: ['oncall'],
        summary: 'Put someone on call for a while, on top of the schedule (members of the owning team, or admins)',
        description:
          'Body `{person, start, end, reason}`. The override sits on top of the layers and of the spec\'s overrides; a later ' +
          `override wins where two overlap. It must end in the future and last at most ${maxOverrideDays} days. Audited ` +
          '(kind ScheduleOverride). Kept beside the Schedule object: applying the schedule\'s YAML does not remove it.',
        params: nameParams,
        body: newOverride,
      },
    },
    async (req, reply) => {
      const principal = requirePrincipal(req);
      const { name } = req.params as { name: string };
      const body = req.body as z.infer<typeof newOverride>;
      const obj = await scheduleObject(db, name);
      assertMayChange(principal, obj);
      if (!(await getObject(db, 'Person', body.person))) {
        throw new ApiError(422, 'unknown_reference', `person "${body.person}" does not exist`, [{ path: 'person', message: 'an existing Person' }]);
      }
      const start = requireInstant(body.start, obj.spec.timezone, 'start');
      const end = requireInstant(body.end, obj.spec.timezone, 'end');
      if (!(end > start)) throw badRequest(`end (${iso(end)}) must be after start (${iso(start)})`);
      if (end <= now().getTime()) throw badRequest(`the override would end at ${iso(end)}, in the past: past shifts are history and are not rewritten`);
      if (end - start > maxOverrideDays * DAY_MS) throw badRequest(`an override may last at most ${maxOverrideDays} days; change the schedule's layers for longer`);
      const created = await createOverride(db, { schedule: name, person: body.person, start: new Date(start), end: new Date(end), reason: body.reason }, { actor: principal.actor, requestId: req.id });
      return reply.status(201).send(wireApiOverride(created));
    },
  );

  app.delete(
    '/api/v1/schedules/:name/overrides/:id',
    {
      config: { access: 'write' },
      schema: {
        tags: ['oncall'],
        summary: 'Remove an override made through the API (members of the owning team, or admins)',
        description: 'Only overrides that have not ended: past shifts are history (409). Audited. Overrides in the spec are removed by editing the YAML.',
        params: overrideParams,
      },
    },
    async (req) => {
      const principal = requirePrincipal(req);
      const { name, id } = req.params as { name: string; id: string };
      const obj = await scheduleObject(db, name);
      assertMayChange(principal, obj);
      const existing = await getOverride(db, name, id);
      if (!existing || Date.parse(existing.createdAt) < Date.parse(obj.status.createdAt)) throw notFound(`Schedule "${name}" has no override ${id}`);
      if (Date.parse(existing.end) <= now().getTime()) throw new ApiError(409, 'conflict', `override ${id} ended at ${existing.end}: past shifts are history and are not rewritten`);
      if (!(await deleteOverride(db, existing, { actor: principal.actor, requestId: req.id }))) throw notFound(`Schedule "${name}" has no override ${id}`);
      return wireApiOverride(existing);
    },
  );

  const feedUrl = (target: FeedTarget) => async (req: FastifyRequest) => {
    const days = (req.query as { days?: string }).days === undefined ? feedLinkDays.default : Number((req.query as { days: string }).days);
    if (days < 1 || days > feedLinkDays.max) throw badRequest(`days must be from 1 to ${feedLinkDays.max}`);
    const expires = Math.floor(now().getTime() / 1000) + days * 86_400;
    const link = signFeedLink(await feedSigningKey(db), target, expires);
    return { path: link.path, url: `${req.protocol}://${req.host}${link.path}`, expiresAt: iso(expires * 1000) };
  };

  app.get(
    '/api/v1/schedules/:name/feed-url',
    {
      config: { access: 'read' },
      schema: {
        tags: ['oncall'],
        summary: "A signed link to the schedule's iCalendar feed, for calendar applications (no token needed to fetch it)",
        description: '`url` is built from the Host header of this request; behind a proxy, put `path` after the public address.',
        params: nameParams,
        querystring: feedUrlQuery,
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      await scheduleObject(db, name);
      return feedUrl({ type: 'schedule', name })(req);
    },
  );

  app.get(
    '/api/v1/people/:name/feed-url',
    {
      config: { access: 'read' },
      schema: {
        tags: ['oncall'],
        summary: "A signed link to a person's iCalendar feed: their shifts in every schedule",
        description: '`url` is built from the Host header of this request; behind a proxy, put `path` after the public address.',
        params: nameParams,
        querystring: feedUrlQuery,
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      if (!(await getObject(db, 'Person', name))) throw notFound(`Person "${name}" does not exist`);
      return feedUrl({ type: 'person', name })(req);
    },
  );

  /** Checks the link before anything is read, so an unsigned request learns nothing, not even what exists. */
  async function assertSignedLink(target: FeedTarget, query: { expires?: string; signature?: string }): Promise<void> {
    const key = await findFeedSigningKey(db);
    if (!key || !isValidFeedSignature(key, target, query.expires, query.signature, now().getTime())) throw invalidFeedLink();
  }

  const sendCalendar = (reply: FastifyReply, name: string, body: string) =>
    reply
      .type('text/calendar; charset=utf-8')
      .header('cache-control', 'private, max-age=300')
      .header('content-disposition', `inline; filename="${name}.ics"`)
      .send(body);

  app.get(
    '/api/v1/schedules/:name/feed.ics',
    {
      ...feedRouteLogging,
      config: { access: 'public' },
      schema: {
        tags: ['oncall'],
        summary: "The schedule's shifts as an iCalendar feed (RFC 5545), behind a signed link from feed-url",
        description:
          'No bearer token: the link\'s `expires` and `signature` are the credential (401 when they are not valid). Events: the ' +
          'shifts ending after Monday 00:00 UTC of the previous week, up to ten weeks later; UIDs are stable between fetches.',
        security: [],
        params: nameParams,
        querystring: feedQuery,
      },
    },
    async (req, reply) => {
      const { name } = req.params as { name: string };
      await assertSignedLink({ type: 'schedule', name }, req.query as { expires?: string; signature?: string });
      const obj = await scheduleObject(db, name);
      const t = now().getTime();
      const window = feedWindow(t);
      const loaded = await loadSchedule(db, obj, window.computeFrom, window.to);
      return sendCalendar(reply, name, scheduleCalendar(feedEntry(loaded, window), { generatedAt: t, people: Object.fromEntries(await displayNames(db)) }));
    },
  );

  app.get(
    '/api/v1/people/:name/feed.ics',
    {
      ...feedRouteLogging,
      config: { access: 'public' },
      schema: {
        tags: ['oncall'],
        summary: "A person's shifts in every schedule as an iCalendar feed, behind a signed link from feed-url",
        description: 'As the schedule feed; the same shift has the same UID in both.',
        security: [],
        params: nameParams,
        querystring: feedQuery,
      },
    },
    async (req, reply) => {
      const { name } = req.params as { name: string };
      await assertSignedLink({ type: 'person', name }, req.query as { expires?: string; signature?: string });
      if (!(await getObject(db, 'Person', name))) throw notFound(`Person "${name}" does not exist`);
      const t = now().getTime();
      const window = feedWindow(t);
      const schedules = await loadSchedules(db, (await listObjects(db, 'Schedule')) as ScheduleObject[], window.computeFrom, window.to);
      const entries = schedules.map((l) => feedEntry(l, window));
      return sendCalendar(reply, name, personCalendar(name, entries, { generatedAt: t, people: Object.fromEntries(await displayNames(db)) }));
    },
  );
}
