// pave's generic JSON webhook at POST /api/v1/integrations/webhook (domain/alerting/webhook): one alert per request,
// authenticated by a webhook integration key, deduplicated by dedup_key (or by its labels and title).
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { alertFromWebhook, webhookAlert, webhookIdentity, type WebhookAlert } from '../domain/alerting/index.js';
import type { Database } from '../store/schema.js';
import { bearerRefusal, intakeFromBearer, submitAlerts } from './alerts-intake.js';
import { batchOf, type AlertIngestGate } from './integrations.js';

export const webhookPath = '/api/v1/integrations/webhook';

export function registerWebhookAlerts(app: FastifyInstance, db: Kysely<Database>, now: () => Date, gate: AlertIngestGate): void {
  app.post(
    webhookPath,
    {
      config: { access: 'public' },
      schema: {
        tags: ['paging'],
        summary: 'Generic JSON webhook: one alert, firing or resolved, authenticated by a webhook integration key',
        description: 'Body `{status, title, dedup_key?, labels?, description?, severity?, source_url?, metadata?}`. 202 `{"status":"success","dedup_key"}` once committed.',
        security: [{ bearer: [] }],
        body: webhookAlert,
      },
    },
    async (req, reply) =>
      gate.run(async () => {
        const key = await intakeFromBearer(db, req, 'webhook');
        const body = req.body as WebhookAlert;
        const at = now();
        const alert = alertFromWebhook(body, at.getTime());
        const r = await submitAlerts(db, key, (integration) => ({ ...batchOf(integration), source: 'webhook', alerts: [alert], now: at }));
        if ('refused' in r) throw bearerRefusal(r);
        return reply.status(202).send({ status: 'success', dedup_key: webhookIdentity(body), pagesTriggered: r.outcome.pagesTriggered });
      }),
  );
}
