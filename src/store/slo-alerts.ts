// SLO alert state and transitions. A transition is written with the new state in one transaction, so the log and the
// state never disagree; the paging layer reads the log in id order.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface SloAlertState {
  alertId: string;
  slo: string;
  kind: 'burn' | 'no_data';
  severity: string;
  state: 'firing' | 'resolved';
  since: string;
  details: Record<string, unknown>;
}

export interface SloAlertTransition extends Omit<SloAlertState, 'since'> {
  id: string;
  at: string;
}

export async function listAlertStates(db: Db, slo?: string): Promise<SloAlertState[]> {
  let q = db.selectFrom('slo_alerts').selectAll();
  if (slo) q = q.where('slo', '=', slo);
  const rows = await q.orderBy('alert_id').execute();
  return rows.map((r) => ({
    alertId: r.alert_id,
    slo: r.slo,
    kind: r.kind as SloAlertState['kind'],
    severity: r.severity,
    state: r.state as SloAlertState['state'],
    since: new Date(r.since).toISOString(),
    details: r.details,
  }));
}

/** Records alerts whose state changed: the new state and one log row each, atomically. */
export async function recordTransitions(db: Kysely<Database>, changes: { alertId: string; slo: string; kind: string; severity: string; state: string; at: Date; details: Record<string, unknown> }[]): Promise<void> {
  if (changes.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const c of changes) {
      const details = JSON.stringify(c.details);
      await trx
        .insertInto('slo_alerts')
        .values({ alert_id: c.alertId, slo: c.slo, kind: c.kind, severity: c.severity, state: c.state, since: c.at, details })
        .onConflict((oc) => oc.column('alert_id').doUpdateSet({ state: c.state, since: c.at, details, severity: c.severity }))
        .execute();
    }
    await trx
      .insertInto('slo_alert_events')
      .values(changes.map((c) => ({ alert_id: c.alertId, slo: c.slo, kind: c.kind, severity: c.severity, state: c.state, at: c.at, details: JSON.stringify(c.details) })))
      .execute();
  });
}

export async function listTransitions(db: Db, q: { slo?: string; afterId?: string; limit: number }): Promise<SloAlertTransition[]> {
  let query = db.selectFrom('slo_alert_events').selectAll();
  if (q.slo) query = query.where('slo', '=', q.slo);
  if (q.afterId) query = query.where('id', '>', q.afterId);
  const rows = await query.orderBy('id').limit(q.limit).execute();
  return rows.map((r) => ({
    id: String(r.id),
    alertId: r.alert_id,
    slo: r.slo,
    kind: r.kind as SloAlertState['kind'],
    severity: r.severity,
    state: r.state as SloAlertState['state'],
    at: new Date(r.at).toISOString(),
    details: r.details,
  }));
}
