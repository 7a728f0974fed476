// Action items of postmortems: added and updated by people (audited, in the write's transaction), listed for a
// postmortem and for the reports (repair debt over time, overdue items). Closing (done, won't do) stamps closed_at and
// reopening clears it, so "open at t" is always created_at ≤ t < closed_at.
import type { Kysely, Selectable } from 'kysely';
import { isClosed, type ActionItem, type ActionItemStatus, type ActionItemType, type RepairTag } from '../domain/postmortem/document.js';
import { appendAudit } from './audit.js';
import { withPostmortemTables, type ActionItemsTable, type By, type PostmortemDb } from './postmortems.js';
import type { Database } from './schema.js';

type Db = Parameters<typeof withPostmortemTables>[0];

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

function toItem(r: Selectable<ActionItemsTable>): ActionItem {
  return {
    id: String(r.id),
    postmortemId: String(r.postmortem_id),
    incidentId: String(r.incident_id),
    title: r.title,
    type: r.type as ActionItemType,
    tag: r.tag as RepairTag | null,
    owner: r.owner,
    team: r.team,
    service: r.service,
    dueDate: r.due_date,
    status: r.status as ActionItemStatus,
    link: r.link,
    createdAt: iso(r.created_at)!,
    closedAt: iso(r.closed_at),
  };
}

export interface NewActionItem {
  title: string;
  type: ActionItemType;
  tag: RepairTag | null;
  owner: string;
  team: string;
  service: string | null;
  dueDate: string | null;
  status: ActionItemStatus;
  link: string | null;
}

export type ActionItemPatch = Partial<Omit<NewActionItem, 'team'>> & { team?: string };

export async function addActionItem(db: Kysely<Database>, postmortem: { id: string; incidentId: string }, item: NewActionItem, by: By): Promise<ActionItem> {
  return db.transaction().execute(async (trx) => {
    const row = await withPostmortemTables(trx)
      .insertInto('action_items')
      .values({
        postmortem_id: postmortem.id,
        incident_id: postmortem.incidentId,
        title: item.title,
        type: item.type,
        tag: item.tag,
        owner: item.owner,
        team: item.team,
        service: item.service,
        due_date: item.dueDate,
        status: item.status,
        link: item.link,
        created_at: by.now,
        created_by: by.actor,
        updated_at: by.now,
        closed_at: isClosed(item.status) ? by.now : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const created = toItem(row);
    await appendAudit(trx, [{ actor: by.actor, action: 'create', kind: 'ActionItem', name: created.id, after: { ...item, postmortemId: postmortem.id }, requestId: by.requestId ?? null }]);
    return created;
  });
}

export async function getActionItem(db: Db, id: string): Promise<ActionItem | undefined> {
  const r = await withPostmortemTables(db).selectFrom('action_items').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toItem(r) : undefined;
}

/** Changes the given fields of an item; `authorize` sees it first (locked) and throws to refuse. Undefined when absent. */
export async function updateActionItem(
  db: Kysely<Database>,
  id: string,
  patch: ActionItemPatch,
  by: By & { authorize(item: ActionItem): Promise<void> | void },
): Promise<ActionItem | undefined> {
  return db.transaction().execute(async (trx) => {
    const t: PostmortemDb = withPostmortemTables(trx);
    const row = await t.selectFrom('action_items').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) return undefined;
    const before = toItem(row);
    await by.authorize(before);
    const set: Partial<Record<keyof ActionItemsTable, unknown>> = { updated_at: by.now };
    const was: Record<string, unknown> = {};
    const now: Record<string, unknown> = {};
    const fields: [keyof ActionItemPatch, keyof ActionItemsTable][] = [
      ['title', 'title'],
      ['type', 'type'],
      ['tag', 'tag'],
      ['owner', 'owner'],
      ['team', 'team'],
      ['service', 'service'],
      ['dueDate', 'due_date'],
      ['status', 'status'],
      ['link', 'link'],
    ];
    for (const [key, column] of fields) {
      const v = patch[key];
      if (v === undefined || v === before[key]) continue;
      set[column] = v;
      was[key] = before[key];
      now[key] = v;
    }
    if (patch.status !== undefined && isClosed(patch.status) !== isClosed(before.status)) set.closed_at = isClosed(patch.status) ? by.now : null;
    if (Object.keys(now).length === 0) return before;
    await t.updateTable('action_items').set(set as never).where('id', '=', id).execute();
    await appendAudit(trx, [{ actor: by.actor, action: 'update', kind: 'ActionItem', name: id, before: was, after: now, requestId: by.requestId ?? null }]);
    return (await getActionItem(trx, id))!;
  });
}

export interface ActionItemQuery {
  postmortemIds?: string[];
  team?: string;
  service?: string;
  /** Items created before this instant (reports: what existed during the range). */
  createdBefore?: Date;
  /** Items still open at this instant or closed after it. */
  openAt?: Date;
}

export async function listActionItems(db: Db, q: ActionItemQuery = {}): Promise<ActionItem[]> {
  let query = withPostmortemTables(db).selectFrom('action_items').selectAll();
  if (q.postmortemIds) {
    if (q.postmortemIds.length === 0) return [];
    query = query.where('postmortem_id', 'in', q.postmortemIds);
  }
  if (q.team) query = query.where('team', '=', q.team);
  if (q.service) query = query.where('service', '=', q.service);
  if (q.createdBefore) query = query.where('created_at', '<', q.createdBefore);
  if (q.openAt) {
    const at = q.openAt;
    query = query.where('created_at', '<=', at).where((eb) => eb.or([eb('closed_at', 'is', null), eb('closed_at', '>', at)]));
  }
  return (await query.orderBy('id').execute()).map(toItem);
}
