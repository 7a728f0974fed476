// Postmortems: one per incident, made as a draft (idempotently: asking twice returns the same one), edited section by
// section, and moved draft → in_review → published. Every write and its audit entry commit together; the row is locked
// (FOR UPDATE) while a write checks the status it changes, so two reviewers cannot both move it.
import type { ColumnType, Generated, Kysely, Selectable, Transaction } from 'kysely';
import { editError, emptySections, sectionNames, transitionError, type PostmortemSections, type PostmortemStatus } from '../domain/postmortem/document.js';
import { correctionApplies, toCorrection, type CorrectionSpec } from '../config/kinds/correction.js';
import { sloDefinition, type SloSpec } from '../config/kinds/slo.js';
import { applyTerms, indicatorSeriesNames, indicatorTerms } from '../domain/indicator.js';
import type { ConfigObject } from '../domain/objects.js';
import { budgetBasisRanges, impactWindow, sloImpact, type SloImpact } from '../domain/postmortem/impact.js';
import { ArrayCountSeries } from '../domain/slo/array-series.js';
import { compileSlo } from '../domain/slo/definition.js';
import type { Counts } from '../domain/slo/series.js';
import { appendAudit } from './audit.js';
import { listObjects } from './objects.js';
import type { Database } from './schema.js';
import { listSeries, readMinutes, sumCounts } from './sli.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export type PostmortemsTable = {
  id: Generated<string>;
  incident_id: string;
  status: string;
  sections: Json<Partial<PostmortemSections>>;
  due_date: string | null;
  due_at: Timestamp | null;
  required_because: Json<string[]>;
  created_at: Timestamp;
  created_by: string;
  updated_at: Timestamp;
  updated_by: string;
  published_at: Timestamp | null;
  snapshot: Json<unknown> | null;
};

export type ActionItemsTable = {
  id: Generated<string>;
  postmortem_id: string;
  incident_id: string;
  title: string;
  type: string;
  tag: string | null;
  owner: string;
  team: string;
  service: string | null;
  due_date: string | null;
  status: string;
  link: string | null;
  created_at: Timestamp;
  created_by: string;
  updated_at: Timestamp;
  closed_at: Timestamp | null;
};

/** Migration 0010's tables, added to the shared schema type where this module and action-items.ts query them. */
export type PostmortemTables = {
  postmortems: PostmortemsTable;
  action_items: ActionItemsTable;
};
export type PostmortemDb = Kysely<Database & PostmortemTables> | Transaction<Database & PostmortemTables>;
type Db = Kysely<Database> | Transaction<Database>;
export const withPostmortemTables = (db: Db): PostmortemDb => db.withTables<PostmortemTables>() as PostmortemDb;

export interface StoredPostmortem {
  id: string;
  incidentId: string;
  status: PostmortemStatus;
  sections: PostmortemSections;
  dueDate: string | null;
  dueAt: string | null;
  requiredBecause: string[];
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  publishedAt: string | null;
  /** The computed parts as they were at publication; null before. */
  snapshot: unknown;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

function toPostmortem(r: Selectable<PostmortemsTable>): StoredPostmortem {
  return {
    id: String(r.id),
    incidentId: String(r.incident_id),
    status: r.status as PostmortemStatus,
    sections: { ...emptySections, ...r.sections },
    dueDate: r.due_date,
    dueAt: iso(r.due_at),
    requiredBecause: r.required_because,
    createdAt: iso(r.created_at)!,
    createdBy: r.created_by,
    updatedAt: iso(r.updated_at)!,
    updatedBy: r.updated_by,
    publishedAt: iso(r.published_at),
    snapshot: r.snapshot,
  };
}

export interface By {
  actor: string;
  requestId?: string | null;
  now: Date;
}

export async function getPostmortem(db: Db, id: string): Promise<StoredPostmortem | undefined> {
  const r = await withPostmortemTables(db).selectFrom('postmortems').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toPostmortem(r) : undefined;
}

export async function getPostmortemOfIncident(db: Db, incidentId: string): Promise<StoredPostmortem | undefined> {
  const r = await withPostmortemTables(db).selectFrom('postmortems').selectAll().where('incident_id', '=', incidentId).executeTakeFirst();
  return r ? toPostmortem(r) : undefined;
}

export async function listPostmortems(db: Db, q: { status?: PostmortemStatus; incidentIds?: string[] } = {}): Promise<StoredPostmortem[]> {
  let query = withPostmortemTables(db).selectFrom('postmortems').selectAll();
  if (q.status) query = query.where('status', '=', q.status);
  if (q.incidentIds) {
    if (q.incidentIds.length === 0) return [];
    query = query.where('incident_id', 'in', q.incidentIds);
  }
  return (await query.orderBy('id').execute()).map(toPostmortem);
}

/**
 * The incident's postmortem, made as an empty draft if it has none (with the due date and reasons the caller derived
 * from the policy). `created` says whether this call made it. Concurrent callers get the same row.
 */
export async function ensurePostmortem(
  db: Kysely<Database>,
  incidentId: string,
  draft: { dueDate: string | null; dueAt: Date | null; requiredBecause: string[]; sections?: Partial<PostmortemSections> },
  by: By,
): Promise<{ postmortem: StoredPostmortem; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    const t = withPostmortemTables(trx);
    const inserted = await t
      .insertInto('postmortems')
      .values({
        incident_id: incidentId,
        status: 'draft',
        sections: JSON.stringify({ ...emptySections, ...(draft.sections ?? {}) }),
        due_date: draft.dueDate,
        due_at: draft.dueAt,
        required_because: JSON.stringify(draft.requiredBecause),
        created_at: by.now,
        created_by: by.actor,
        updated_at: by.now,
        updated_by: by.actor,
      })
      .onConflict((oc) => oc.column('incident_id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) return { postmortem: (await getPostmortemOfIncident(trx, incidentId))!, created: false };
    const pm = toPostmortem(inserted);
    await appendAudit(trx, [{ actor: by.actor, action: 'create', kind: 'Postmortem', name: pm.id, after: { incidentId, status: pm.status, dueDate: pm.dueDate }, requestId: by.requestId ?? null }]);
    return { postmortem: pm, created: true };
  });
}

export type PostmortemChange = { outcome: 'changed'; postmortem: StoredPostmortem } | { outcome: 'not_found' } | { outcome: 'refused'; message: string; postmortem: StoredPostmortem };

async function lockedChange(
  db: Kysely<Database>,
  id: string,
  by: By & { authorize(pm: StoredPostmortem): Promise<void> | void },
  change: (pm: StoredPostmortem, trx: PostmortemDb) => Promise<{ refused: string } | { audit: { action: string; before: unknown; after: unknown } }>,
): Promise<PostmortemChange> {
  return db.transaction().execute(async (trx) => {
    const t = withPostmortemTables(trx);
    const row = await t.selectFrom('postmortems').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) return { outcome: 'not_found' as const };
    const before = toPostmortem(row);
    await by.authorize(before);
    const r = await change(before, t);
    if ('refused' in r) return { outcome: 'refused' as const, message: r.refused, postmortem: before };
    const after = (await getPostmortem(trx, id))!;
    await appendAudit(trx, [{ actor: by.actor, action: r.audit.action, kind: 'Postmortem', name: id, before: r.audit.before, after: r.audit.after, requestId: by.requestId ?? null }]);
    return { outcome: 'changed' as const, postmortem: after };
  });
}

/** Replaces the given sections (others are kept). Refused once published. */
export function editPostmortem(
  db: Kysely<Database>,
  id: string,
  patch: Partial<PostmortemSections>,
  by: By & { authorize(pm: StoredPostmortem): Promise<void> | void },
): Promise<PostmortemChange> {
  return lockedChange(db, id, by, async (pm, t) => {
    const refused = editError(pm.status);
    if (refused) return { refused };
    const sections = { ...pm.sections };
    const changed: Partial<PostmortemSections> = {};
    const was: Partial<PostmortemSections> = {};
    for (const name of sectionNames) {
      const v = patch[name];
      if (v === undefined || v === pm.sections[name]) continue;
      sections[name] = v;
      changed[name] = v;
      was[name] = pm.sections[name];
    }
    await t.updateTable('postmortems').set({ sections: JSON.stringify(sections), updated_at: by.now, updated_by: by.actor }).where('id', '=', id).execute();
    return { audit: { action: 'edit', before: was, after: changed } };
  });
}

/** Moves the postmortem to `to` if the lifecycle allows it (domain/postmortem transitionError). */
export function changePostmortemStatus(
  db: Kysely<Database>,
  id: string,
  to: PostmortemStatus,
  by: By & { authorize(pm: StoredPostmortem): Promise<void> | void; snapshot?: unknown },
): Promise<PostmortemChange> {
  return lockedChange(db, id, by, async (pm, t) => {
    const refused = transitionError(pm.status, to);
    if (refused) return { refused };
    await t
      .updateTable('postmortems')
      .set({ status: to, updated_at: by.now, updated_by: by.actor, ...(to === 'published' ? { published_at: by.now, snapshot: JSON.stringify(by.snapshot ?? null) } : {}) })
      .where('id', '=', id)
      .execute();
    return { audit: { action: 'status', before: { status: pm.status }, after: { status: to } } };
  });
}

/**
 * The impact of the window [fromMs, toMs) on every SLO of `services` that pave measures from its own store (promql and
 * composite SLOs are listed in `skipped`): domain/postmortem sloImpact over the SLO's folded minute counts (read as
 * the engine reads them: stored series through the indicator's terms, each minute clamped to 0 ≤ good ≤ total), with
 * the occurrences budget basis summed exactly from hourly roll-ups and edge minutes (store/sli sumCounts).
 */
export async function readSloImpact(db: Db, services: readonly string[], fromMs: number, toMs: number): Promise<{ impact: SloImpact[]; skipped: { slo: string; reason: string }[] }> {
  const wanted = new Set(services);
  const slos = (await listObjects(db, 'SLO')).filter((o) => wanted.has(String((o.spec as { service?: unknown }).service))) as unknown as ConfigObject<SloSpec>[];
  if (slos.length === 0) return { impact: [], skipped: [] };
  const corrections = (await listObjects(db, 'Correction')) as unknown as ConfigObject<CorrectionSpec>[];
  const series = await listSeries(db);
  const impact: SloImpact[] = [];
  const skipped: { slo: string; reason: string }[] = [];
  for (const obj of slos.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
    const name = obj.metadata.name;
    if (obj.spec.indicator.composite) {
      skipped.push({ slo: name, reason: 'a composite SLO: see its component SLOs' });
      continue;
    }
    if (obj.spec.indicator.promql) {
      skipped.push({ slo: name, reason: 'measured from Prometheus, whose counts pave does not store' });
      continue;
    }
    const applicable = corrections.filter((c) => correctionApplies(c.spec, name, obj.spec.service)).map(toCorrection);
    const compiled = compileSlo(sloDefinition(obj, applicable));
    if (!compiled.ok) {
      skipped.push({ slo: name, reason: `invalid definition: ${compiled.errors.join('; ')}` });
      continue;
    }
    const slo = compiled.slo;
    const names = new Set(indicatorSeriesNames(obj.spec.indicator));
    const terms = indicatorTerms(obj.spec.indicator, series.filter((s) => names.has(s.name)));
    const ids = [...new Set(terms.map((t) => t.seriesId))];
    const { from, to } = impactWindow(slo, fromMs, toMs);
    const minutes: (Counts | null)[] = new Array<Counts | null>((to - from) / 60_000).fill(null);
    for (const r of await readMinutes(db, ids, from, to)) {
      const i = (r.minuteMs - from) / 60_000;
      const c = minutes[i] ?? { good: 0, total: 0 };
      applyTerms(terms.filter((t) => t.seriesId === r.seriesId), r.good, r.total, c);
      minutes[i] = c;
    }
    for (const c of minutes) {
      if (!c) continue;
      c.total = Math.max(0, c.total);
      c.good = Math.min(Math.max(0, c.good), c.total);
    }
    let windowEvents = 0;
    if (slo.method === 'occurrences') {
      for (const r of budgetBasisRanges(slo, to)) {
        for (const [id, s] of await sumCounts(db, ids, r.start, r.end)) {
          const c = { good: 0, total: 0 };
          applyTerms(terms.filter((t) => t.seriesId === id), s.good, s.total, c);
          windowEvents += Math.max(0, c.total);
        }
      }
    }
    impact.push(sloImpact({ slo, service: obj.spec.service, fromMs, toMs, series: new ArrayCountSeries(from, minutes), windowEvents }));
  }
  return { impact, skipped };
}
