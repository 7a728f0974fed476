// The seam with pages (store/pages.ts, migration 0005), read from the pages table on the leader in the escalator's
// own transaction: a triggered page with an escalation policy and no escalation yet starts one, counted from when the
// page was created; an escalation whose page was acknowledged or resolved stops. Both are idempotent, so nothing
// depends on the order in which concurrent page transactions commit, and a page triggered while the leader was away
// is picked up at its next poll.
import { sql, type Kysely } from 'kysely';
import type { ServiceSpec } from '../config/kinds/service.js';
import { advanceEscalation, appendEscalationEvent, startEscalation, startEscalationByName, type EscalationPage } from '../store/escalations.js';
import { getObject } from '../store/objects.js';
import type { Database } from '../store/schema.js';
import { stopEscalationAndNotify } from './stop-notice.js';

type Db = Kysely<Database>;

interface TriggeredPage {
  id: string;
  title: string;
  team: string | null;
  service: string | null;
  escalation_policy: string;
  created_at: Date;
  severity: string | null;
}

/** A page's service links (dashboards, runbook) from the catalog, for the notification. */
async function serviceLinks(db: Db, service: string | null): Promise<EscalationPage['links']> {
  if (!service) return [];
  const obj = await getObject(db, 'Service', service);
  if (!obj) return [];
  const spec = obj.spec as ServiceSpec;
  return [...(spec.links ?? []), ...(spec.runbook ? [{ title: 'Runbook', url: spec.runbook }] : [])];
}

/** Starts the escalations of triggered pages that have none yet; an unknown policy is recorded as nobody notified. */
export async function startPendingPageEscalations(trx: Db, now: Date, limit: number): Promise<number> {
  const { rows } = await sql<TriggeredPage>`
    select p.id::text as id, p.title, p.team, p.service, p.escalation_policy, p.created_at,
      (select a.severity from alerts a where a.page_id = p.id and a.severity is not null order by a.id limit 1) as severity
    from pages p
    where p.status = 'triggered' and p.escalation_policy is not null
      and not exists (select 1 from escalations e where e.page_id = p.id::text)
    order by p.id
    limit ${limit}`.execute(trx);
  for (const p of rows) {
    const page: EscalationPage = { id: p.id, service: p.service, team: p.team, title: p.title, severity: p.severity, links: await serviceLinks(trx, p.service) };
    const startedAt = new Date(p.created_at);
    const r = await startEscalationByName(trx, page, p.escalation_policy, startedAt);
    if (!r.started && r.reason === 'unknown_policy') {
      await startEscalation(trx, page, { name: p.escalation_policy, steps: [], repeat: 0 }, startedAt);
      await advanceEscalation(trx, p.id, { nextIndex: 0, nextDueAt: null, state: 'unacknowledged', at: now });
      await appendEscalationEvent(trx, {
        pageId: p.id,
        type: 'unacknowledged',
        at: now,
        actor: 'pave:escalation',
        details: { message: `escalation policy ${p.escalation_policy} does not exist: nobody was notified` },
      });
    }
  }
  return rows.length;
}

/** Stops escalations whose page was acknowledged or resolved (by the API, the CLI, a sender, or auto-resolve). */
export async function stopFinishedPageEscalations(trx: Db): Promise<number> {
  const { rows } = await sql<{ page_id: string; status: string; acknowledged_at: Date | null; acknowledged_by: string | null; resolved_at: Date | null; resolved_by: string | null }>`
    select e.page_id, p.status, p.acknowledged_at, p.acknowledged_by, p.resolved_at, p.resolved_by
    from escalations e join pages p on e.page_id = p.id::text
    where (e.state = 'active' and p.status <> 'triggered')
       or (e.state in ('acknowledged', 'unacknowledged') and p.status = 'resolved')
    limit 200`.execute(trx);
  for (const r of rows) {
    const resolved = r.status === 'resolved';
    const at = new Date((resolved ? r.resolved_at : r.acknowledged_at) ?? Date.now());
    await stopEscalationAndNotify(trx, r.page_id, resolved ? 'resolved' : 'acknowledged', (resolved ? r.resolved_by : r.acknowledged_by) ?? 'pave', at);
  }
  return rows.length;
}
