// Alertmanager's webhook receiver (payload version 4, REFERENCE §2) at POST /api/v1/integrations/alertmanager, the URL
// `pave alertmanager config` prints. Every notification carries the whole group again: each alert is applied by its
// fingerprint, so repeats change nothing but their counters; alerts missing from a complete (untruncated)
// notification are resolved, and those missing from a truncated one are left as they are.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { alertmanagerWebhook, alertsFromWebhook, webhookIsComplete, type AlertmanagerWebhook } from '../domain/alerting/index.js';
import { alertmanagerWebhookPath } from '../rules/alertmanager-config.js';
import type { Database } from '../store/schema.js';
import { bearerRefusal, intakeFromBearer, submitAlerts } from './alerts-intake.js';
import { batchOf, type AlertIngestGate } from './integrations.js';

export function registerAlertmanagerWebhook(app: FastifyInstance, db: Kysely<Database>, now: () => Date, gate: AlertIngestGate): void {
  app.post(
    alertmanagerWebhookPath,
    {
      // Authenticated by the integration key below, not by an API token.
      config: { access: 'public' },
      schema: {
        tags: ['paging'],
        summary: 'Alertmanager webhook receiver (payload version 4), authenticated by an alertmanager integration key',
        description:
          'Send with `Authorization: Bearer <integration key>`. 200 `{opened, repeated, resolved, pagesTriggered}` once committed; ' +
          '503 with Retry-After when pave is overloaded (Alertmanager retries 5xx only).',
        security: [{ bearer: [] }],
        body: alertmanagerWebhook,
      },
    },
    async (req) =>
      gate.run(async () => {
        const key = await intakeFromBearer(db, req, 'alertmanager');
        const payload = req.body as AlertmanagerWebhook;
        const alerts = alertsFromWebhook(payload);
        const at = now();
        const r = await submitAlerts(db, key, (integration) => ({
          ...batchOf(integration),
          source: 'alertmanager',
          alerts,
          reconcileGroup: webhookIsComplete(payload) ? payload.groupKey : null,
          now: at,
        }));
        if ('refused' in r) throw bearerRefusal(r);
        return r.outcome;
      }),
  );
}
