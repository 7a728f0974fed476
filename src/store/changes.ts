// Change events: deploys, config, flag and infrastructure changes, rollbacks, rollout steps and break-glass overrides,
// whoever sends them (the API, PagerDuty change events, pave itself). Append-only; they feed incident timelines, chart
// markers and "what changed?". Callers validate; this module refuses only what would corrupt the log.
import type { Kysely, Selectable, Transaction } from 'kysely';
import { isChangeKind, type ChangeKind } from '../domain/budget-policy/change-kinds.js';
import { getObject } from './objects.js';
import type { ChangeEventsTable, Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface ChangeInput {
  kind: ChangeKind;
  /** The service changed; null for a change to no one service (e.g. a flag read by many). */
  service?: string | null;
  /** The owning team; when absent, the service's owner at the time of recording. */
  team?: string | null;
  version?: string | null;
  /** Who made the change: a person, a pipeline, `token:…`. */
  author: string;
  /** Who wrote the record (the principal, an integration, `pave:rollouts`); the author when absent. */
  recordedBy?: string;
  summary: string;
  link?: string | null;
  /** Where it came from, e.g. `github-actions`, `pave`. */
  source?: string | null;
  /** When the change happened. */
  at: Date;
  /** When pave heard of it; `at` when absent. */
  receivedAt?: Date;
  labels?: Record<string, string>;
  /** The PagerDuty integration it came through, if any. */
  integration?: string | null;
  /** Anything else the sender said (PagerDuty custom_details, a rollout's step, a break-glass reason). */
  details?: Record<string, unknown>;
}

export interface ChangeEvent {
  id: string;
  kind: string;
  service: string | null;
  team: string | null;
  version: string | null;
  author: string;
  recordedBy: string;
  summary: string;
  link: string | null;
  source: string | null;
  at: string;
  receivedAt: string;
  labels: Record<string, string>;
  integration: string | null;
  details: Record<string, unknown>;
}

export interface ChangeQuery {
  services?: string[];
  teams?: string[];
  /** Inclusive. */
  from?: Date;
  /** Inclusive. */
  to?: Date;
  kinds?: string[];
  /** Only events older than this one in the listing's order (newest first): the last event of the page before. */
  before?: { at: Date; id: string };
  /** Newest first; at most this many (default 100, at most 10,000). */
  limit?: number;
}

export const maxChangeListLimit = 10_000;

function toChange(r: Selectable<ChangeEventsTable>): ChangeEvent {
  return {
    id: String(r.id),
    kind: r.kind,
    service: r.service,
    team: r.team,
    version: r.version,
    author: r.author,
    recordedBy: r.recorded_by,
    summary: r.summary,
    link: r.link,
    source: r.source,
    at: new Date(r.at).toISOString(),
    receivedAt: new Date(r.received_at).toISOString(),
    labels: r.labels ?? {},
    integration: r.integration,
    details: r.details ?? {},
  };
}

/** Appends one change event, in the caller's transaction when given one. */
export async function recordChange(db: Db, change: ChangeInput): Promise<ChangeEvent> {
  if (!isChangeKind(change.kind)) throw new Error(`unknown change kind "${String(change.kind)}"`);
  if (!change.summary.trim()) throw new Error('a change event needs a summary');
  if (Number.isNaN(change.at.getTime())) throw new Error('a change event needs a valid time');
  let team = change.team ?? null;
  if (change.team === undefined && change.service) {
    const svc = await getObject(db, 'Service', change.service);
    team = (svc?.spec as { owner?: string } | undefined)?.owner ?? null;
  }
  const row = await db
    .insertInto('change_events')
    .values({
      integration: change.integration ?? null,
      kind: change.kind,
      service: change.service ?? null,
      team,
      version: change.version ?? null,
      author: change.author,
      recorded_by: change.recordedBy ?? change.author,
      summary: change.summary,
      link: change.link ?? null,
      source: change.source ?? null,
      at: change.at,
      received_at: change.receivedAt ?? change.at,
      labels: JSON.stringify(change.labels ?? {}),
      details: JSON.stringify(change.details ?? {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toChange(row);
}

/** Change events matching every given filter, newest first (by time, then by id). */
export async function listChanges(db: Db, q: ChangeQuery = {}): Promise<ChangeEvent[]> {
  if (q.services?.length === 0 || q.teams?.length === 0 || q.kinds?.length === 0) return [];
  let query = db.selectFrom('change_events').selectAll();
  if (q.services) query = query.where('service', 'in', q.services);
  if (q.teams) query = query.where('team', 'in', q.teams);
  if (q.kinds) query = query.where('kind', 'in', q.kinds);
  if (q.from) query = query.where('at', '>=', q.from);
  if (q.to) query = query.where('at', '<=', q.to);
  if (q.before) {
    const { at, id } = q.before;
    query = query.where((eb) => eb.or([eb('at', '<', at), eb.and([eb('at', '=', at), eb('id', '<', id)])]));
  }
  const limit = Math.min(Math.max(1, Math.floor(q.limit ?? 100)), maxChangeListLimit);
  const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toChange);
}

/** The cursor of the page after `last` (the last event of a page); opaque to clients. */
export function changeCursor(last: ChangeEvent): string {
  return Buffer.from(`${last.at}|${last.id}`, 'utf8').toString('base64url');
}

/** Reads a cursor made by changeCursor; undefined when it is not one. */
export function parseChangeCursor(cursor: string): { at: Date; id: string } | undefined {
  const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)\|(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m || Number.isNaN(Date.parse(m[1]!))) return undefined;
  return { at: new Date(m[1]!), id: m[2]! };
}

/** One change event by id. */
export async function getChange(db: Db, id: string): Promise<ChangeEvent | undefined> {
  const row = await db.selectFrom('change_events').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toChange(row) : undefined;
}
