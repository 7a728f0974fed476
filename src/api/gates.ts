// The release gate: POST /api/v1/gates/check asks whether a change of some kind may go out to a service now, given its
// SLOs' live evaluations (the SLO engine) and the BudgetPolicy that governs it (domain/budget-policy decides). A
// break-glass reason overrides a freeze: audited, recorded as a `break_glass` change event (so it is on the service's
// timeline) and announced to the owning team's members (each of their contacts) through the notification outbox, all in
// one transaction.
import type { FastifyInstance } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { ServiceSpec } from '../config/kinds/service.js';
import { budgetPolicySpec, toDeclaredPolicy } from '../config/kinds/budget-policy.js';
import type { PersonSpec } from '../config/kinds/person.js';
import type { TeamSpec } from '../config/kinds/team.js';
import { changeKinds } from '../domain/budget-policy/change-kinds.js';
import { decideGate, policyFor, type GateDecision, type GateSlo } from '../domain/budget-policy/policy.js';
import type { ConfigObject } from '../domain/objects.js';
import type { Principal } from '../domain/permissions.js';
import type { SloEngine } from '../engine/slo-engine.js';
import { appendAudit } from '../store/audit.js';
import { recordChange, type ChangeEvent } from '../store/changes.js';
import { getObject, listObjects } from '../store/objects.js';
import { destinationOf } from '../notify/contacts.js';
import { enqueueNotifications, type NewNotification } from '../store/outbox.js';
import type { Database } from '../store/schema.js';
import { requirePrincipal } from './auth.js';
import { mayRecordChange } from './changes.js';
import { forbidden, notFound } from './errors.js';
import { sloSummary } from './slo-report.js';

export const gateCheckBody = z.strictObject({
  service: z.string().min(1).max(253),
  version: z.string().min(1).max(200).optional(),
  kind: z.enum(changeKinds, { error: `one of ${changeKinds.join(', ')}` }).default('deploy'),
  breakGlass: z.string().trim().min(1, 'a reason for overriding the freeze').max(2000).optional().describe('a reason to override a freeze'),
});
export type GateCheckBody = z.infer<typeof gateCheckBody>;

export interface GateAnswer extends GateDecision {
  version: string | null;
  checkedAt: string;
  /** Present when a break-glass overrode a freeze: the change event recorded and how many notifications were queued. */
  breakGlass?: { reason: string; change: ChangeEvent; notifications: number };
}

/** The gate's view of each SLO of `service`: status and remaining budget from the engine's latest evaluation. */
export async function gateSlos(db: Kysely<Database>, engine: SloEngine, service: string): Promise<GateSlo[]> {
  const slos = (await listObjects(db, 'SLO')).filter((o) => (o.spec as { service?: string }).service === service);
  slos.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return Promise.all(
    slos.map(async (o) => {
      const s = sloSummary(await engine.result(o.metadata.name)) as { status: string; remainingFraction?: number | null };
      return { name: o.metadata.name, status: s.status, remainingFraction: typeof s.remainingFraction === 'number' ? s.remainingFraction : null };
    }),
  );
}

/** Reading the budget is a read (viewers, members, admins); ingest tokens, which CI holds, for their own services. */
function mayCheck(p: Principal, service: string): { allowed: true } | { allowed: false; reason: string } {
  if (p.role !== 'ingest' || (p.services ?? []).includes(service)) return { allowed: true };
  return { allowed: false, reason: `this ingest token is for ${(p.services ?? []).join(', ') || 'no service'}, not ${service}` };
}

/**
 * Notifications announcing a break-glass to the owning team: every member's contacts (webhook as a signed JSON
 * envelope, event `change.break_glass`; Slack and email rendered in words by notify/message). SMS has no notifier.
 */
async function breakGlassNotifications(trx: Transaction<Database>, team: string, change: ChangeEvent, answer: GateDecision, now: Date): Promise<NewNotification[]> {
  const teamObj = await getObject(trx, 'Team', team);
  const members = (teamObj?.spec as TeamSpec | undefined)?.members ?? [];
  const out: NewNotification[] = [];
  for (const person of members) {
    const obj = await getObject(trx, 'Person', person);
    if (!obj) continue;
    const spec = obj.spec as PersonSpec;
    spec.contacts.forEach((c, i) => {
      const to = destinationOf(c);
      if (!to) return;
      const idempotencyKey = `change:${change.id}:break-glass:person:${person}:contact:${i}`;
      out.push({
        idempotencyKey,
        pageId: null,
        eventType: 'change.break_glass',
        person,
        channel: to.channel,
        destination: to.destination,
        payload: {
          id: idempotencyKey,
          event_type: 'change.break_glass',
          occurred_at: now.toISOString(),
          actor: change.recordedBy,
          data: {
            change,
            gate: { summary: answer.summary, policy: answer.policy, reasons: answer.reasons },
            recipient: { person, display_name: spec.displayName },
          },
        },
        notBefore: now,
        cancelOnAck: false,
      });
    });
  }
  return out;
}

export function registerGates(app: FastifyInstance, db: Kysely<Database>, engine: SloEngine, now: () => Date): void {
  app.post(
    '/api/v1/gates/check',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['changes'],
        summary: 'May a change go out now? allow, warn or deny, with each SLO, its remaining budget and status, and the policy that decided',
        description:
          'Any reading token, or an ingest token for the service. breakGlass (a member of the owning team, its ingest token or an admin) overrides a freeze: audited, recorded as a break_glass change event and announced to the team.',
        body: gateCheckBody,
      },
    },
    async (req): Promise<GateAnswer> => {
      const principal = requirePrincipal(req);
      const b = req.body as GateCheckBody;
      const svc = (await getObject(db, 'Service', b.service)) as ConfigObject<ServiceSpec> | undefined;
      if (!svc) throw notFound(`service "${b.service}" is not in the catalog`);
      const may = mayCheck(principal, b.service);
      if (!may.allowed) throw forbidden(may.reason);
      const owner = svc.spec.owner;
      if (b.breakGlass !== undefined) {
        const d = mayRecordChange(principal, b.service, owner);
        if (!d.allowed) throw forbidden(`break-glass: ${d.reason}`);
      }
      // Parsed again so that defaults apply to whatever was stored; apply validated it already.
      const policies = (await listObjects(db, 'BudgetPolicy')).map((o) => toDeclaredPolicy({ ...o, spec: budgetPolicySpec.parse(o.spec) }));
      const decision = decideGate({
        service: b.service,
        kind: b.kind,
        slos: await gateSlos(db, engine, b.service),
        policy: policyFor(b.service, policies),
        ...(b.breakGlass !== undefined ? { breakGlass: b.breakGlass } : {}),
      });
      const at = now();
      const answer: GateAnswer = { ...decision, version: b.version ?? null, checkedAt: at.toISOString() };
      if (!decision.brokeGlass) return answer;

      const reason = b.breakGlass!;
      const { change, queued } = await db.transaction().execute(async (trx) => {
        const change = await recordChange(trx, {
          kind: 'break_glass',
          service: b.service,
          team: owner,
          version: b.version ?? null,
          author: principal.actor,
          recordedBy: principal.actor,
          summary: `Break-glass: ${b.kind}${b.version ? ` ${b.version}` : ''} of ${b.service} during a freeze: ${reason}`,
          source: 'pave:gate',
          at,
          receivedAt: at,
          details: { reason, changeKind: b.kind, policy: decision.policy, frozenBy: decision.reasons.filter((r) => r.action === 'freeze').map((r) => r.slo) },
        });
        await appendAudit(trx, [
          {
            actor: principal.actor,
            action: 'break_glass',
            kind: 'Service',
            name: b.service,
            after: { reason, kind: b.kind, version: b.version ?? null, policy: decision.policy, summary: decision.summary, change: change.id },
            requestId: req.id,
          },
        ]);
        const queued = await enqueueNotifications(trx, await breakGlassNotifications(trx, owner, change, decision, at), at);
        return { change, queued };
      });
      if (queued > 0) app.outbox.nudge();
      return { ...answer, breakGlass: { reason, change, notifications: queued } };
    },
  );
}
