// PagerDuty Events API v2 (REFERENCE §2): POST /v2/enqueue and POST /v2/change/enqueue, so a sender switches from
// PagerDuty to pave by changing one URL. The routing_key in the body is a pagerduty integration's key; answers are
// PagerDuty's own (202 `{"status":"success",...}`, 400 `{"status":"invalid event",...}`), malformed bodies and bodies
// over 512 KB included. Dedup: a dedup_key applies to the open alert of the same routing key (integration); after it
// resolves a trigger opens a new one; acknowledge or resolve for a key with no open alert there is dropped (202).
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { alertFromTrigger, maxEventBytes, pagerDutyAccepted, pagerDutyChangeAccepted, pagerDutyInvalid, validateChangeEvent, validateEvent } from '../domain/alerting/index.js';
import { isChangeKind } from '../domain/budget-policy/change-kinds.js';
import { acknowledgeAlert, resolveAlert } from '../store/alerts.js';
import { recordChange } from '../store/changes.js';
import type { Database } from '../store/schema.js';
import { ApiError, sendError } from './errors.js';
import { intakeKey, isRefusal, submitAlerts } from './alerts-intake.js';
import { batchOf, integrationForKey, type AlertIngestGate, type IntegrationObject } from './integrations.js';

/** Client errors in PagerDuty's shape (a sender's PagerDuty client parses them); server errors stay pave's. */
function pagerDutyErrors(err: FastifyError | ApiError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = err instanceof ApiError ? err.statusCode : (err.statusCode ?? 500);
  if (status >= 500) return sendError(err, req, reply);
  const message = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `Event object is too large: the limit is ${maxEventBytes} bytes (512 KB)` : err.message;
  return reply.status(400).send(pagerDutyInvalid([message]));
}

/** The first link's href, the change's link on timelines (all links stay in details). */
function firstHref(links: unknown[]): string | null {
  const href = (links[0] as { href?: unknown } | undefined)?.href;
  return typeof href === 'string' ? href : null;
}

const unknownRoutingKey = () => pagerDutyInvalid(["'routing_key' is not the key of a pagerduty integration in pave"]);

async function integrationOf(db: Kysely<Database>, routingKey: string): Promise<IntegrationObject | undefined> {
  try {
    return await integrationForKey(db, routingKey, 'pagerduty');
  } catch (err) {
    if (err instanceof ApiError && err.statusCode === 403) return undefined; // a key of another format
    throw err;
  }
}

const routeOptions = {
  config: { access: 'public' as const },
  bodyLimit: maxEventBytes,
  errorHandler: pagerDutyErrors,
};

export function registerPagerDuty(app: FastifyInstance, db: Kysely<Database>, now: () => Date, gate: AlertIngestGate): void {
  app.post(
    '/v2/enqueue',
    {
      ...routeOptions,
      schema: {
        tags: ['paging'],
        summary: 'PagerDuty Events API v2: trigger, acknowledge or resolve an alert (routing_key = a pagerduty integration key)',
        description: '202 `{"status":"success","message":"Event processed","dedup_key":"…"}`; 400 `{"status":"invalid event","message":"Event object is invalid","errors":[…]}`. At most 512 KB.',
        security: [],
      },
    },
    async (req, reply) =>
      gate.run(async () => {
        const v = validateEvent(req.body);
        if (!v.ok) return reply.status(400).send(pagerDutyInvalid(v.errors));
        const event = v.value;
        const at = now();
        if (event.action === 'trigger') {
          // The common case, many times a second per sender: no statement of its own beyond its group's (alerts-intake).
          const key = await intakeKey(db, event.routingKey, 'pagerduty');
          if (isRefusal(key)) return reply.status(400).send(unknownRoutingKey());
          const dedupKey = event.dedupKey ?? randomUUID().replaceAll('-', '');
          const alert = alertFromTrigger(event.trigger, dedupKey, at.getTime());
          const r = await submitAlerts(db, key, (integration) => ({ ...batchOf(integration), source: 'pagerduty', alerts: [alert], now: at }));
          if ('refused' in r) return reply.status(400).send(unknownRoutingKey());
          return reply.status(202).send(pagerDutyAccepted(dedupKey));
        }
        const integration = await integrationOf(db, event.routingKey);
        if (!integration) return reply.status(400).send(unknownRoutingKey());
        const batch = batchOf(integration);
        // Dropped (still 202, as PagerDuty answers) when the key has no open alert on this routing key.
        if (event.action === 'acknowledge') await acknowledgeAlert(db, batch.scope, event.dedupKey, batch.actor, at);
        else await resolveAlert(db, batch.scope, event.dedupKey, batch.actor, at);
        return reply.status(202).send(pagerDutyAccepted(event.dedupKey));
      }),
  );

  app.post(
    '/v2/change/enqueue',
    {
      ...routeOptions,
      schema: {
        tags: ['paging'],
        summary: 'PagerDuty change events: a mark on the timeline (a deploy, a config change); never pages',
        security: [],
      },
    },
    async (req, reply) =>
      gate.run(async () => {
        const v = validateChangeEvent(req.body);
        if (!v.ok) return reply.status(400).send(pagerDutyInvalid(v.errors));
        const integration = await integrationOf(db, v.value.routingKey);
        if (!integration) return reply.status(400).send(unknownRoutingKey());
        const at = now();
        const e = v.value;
        // PagerDuty change events have no kind or version: a sender may put them in custom_details; a deploy otherwise
        // (break_glass is the gate's own record).
        const custom = e.customDetails !== null && typeof e.customDetails === 'object' && !Array.isArray(e.customDetails) ? (e.customDetails as Record<string, unknown>) : {};
        const actor = `integration:${integration.metadata.name}`;
        await recordChange(db, {
          kind: isChangeKind(custom.kind) && custom.kind !== 'break_glass' ? custom.kind : 'deploy',
          service: integration.spec.service ?? null,
          ...(integration.spec.team ? { team: integration.spec.team } : {}),
          version: typeof custom.version === 'string' && custom.version.length <= 200 ? custom.version : null,
          author: actor,
          recordedBy: actor,
          integration: integration.metadata.name,
          at: new Date(e.timestamp ?? at.getTime()),
          receivedAt: at,
          summary: e.summary,
          source: e.source,
          link: firstHref(e.links),
          details: { custom_details: e.customDetails, ...(e.links.length ? { links: e.links } : {}) },
        });
        return reply.status(202).send(pagerDutyChangeAccepted());
      }),
  );
}
