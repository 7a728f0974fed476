// The append-only audit log: who changed what, before and after, when, under which request.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  kind: string;
  name: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

export interface NewAuditEntry {
  actor: string;
  action: string;
  kind: string;
  name: string;
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
}

/** Rows per insert: PostgreSQL's wire protocol allows at most 65,535 parameters a statement (7 per entry here). */
const ENTRIES_PER_STATEMENT = 5_000;

export async function appendAudit(db: Db, entries: NewAuditEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += ENTRIES_PER_STATEMENT) await insertEntries(db, entries.slice(i, i + ENTRIES_PER_STATEMENT));
}

async function insertEntries(db: Db, entries: NewAuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('audit_log')
    .values(
      entries.map((e) => ({
        actor: e.actor,
        action: e.action,
        kind: e.kind,
        name: e.name,
        before: e.before === undefined || e.before === null ? null : JSON.stringify(e.before),
        after: e.after === undefined || e.after === null ? null : JSON.stringify(e.after),
        request_id: e.requestId ?? null,
      })),
    )
    .execute();
}

export interface AuditQuery {
  kind?: string;
  name?: string;
  actor?: string;
  action?: string;
  since?: Date;
  until?: Date;
  /** Entries with an id below this one (for paging backwards). */
  before?: string;
  limit: number;
}

export async function listAudit(db: Db, q: AuditQuery): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').selectAll();
  if (q.kind) query = query.where('kind', '=', q.kind);
  if (q.name) query = query.where('name', '=', q.name);
  if (q.actor) query = query.where('actor', '=', q.actor);
  if (q.action) query = query.where('action', '=', q.action);
  if (q.since) query = query.where('at', '>=', q.since);
  if (q.until) query = query.where('at', '<', q.until);
  if (q.before) query = query.where('id', '<', q.before);
  const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
  return rows.map((r) => ({
    id: String(r.id),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    kind: r.kind,
    name: r.name,
    before: r.before,
    after: r.after,
    requestId: r.request_id,
  }));
}
