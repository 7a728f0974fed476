// Alertmanager API v2's POST /api/v2/alerts (REFERENCE §2), so Prometheus can send to pave directly: a JSON array of
// alerts identified by their label sets. Missing startsAt = now, missing endsAt = now + 5 minutes; senders re-send
// firing alerts, and an alert resolves when its endsAt passes without being sent again (store/alerts expireAlerts).
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { alertmanagerApiAlerts, alertsFromApi, apiAlertsIssue, type AlertmanagerApiAlerts } from '../domain/alerting/index.js';
import { expireAlerts } from '../store/alerts.js';
import type { Database } from '../store/schema.js';
import { badRequest } from './errors.js';
import { bearerRefusal, intakeFromBearer, submitAlerts } from './alerts-intake.js';
import { batchOf, type AlertIngestGate } from './integrations.js';

export function registerAlertmanagerApi(app: FastifyInstance, db: Kysely<Database>, now: () => Date, gate: AlertIngestGate): void {
  app.post(
    '/api/v2/alerts',
    {
      config: { access: 'public' },
      schema: {
        tags: ['paging'],
        summary: 'Alertmanager API v2: post alerts (Prometheus alerting target), authenticated by an alertmanager-v2 integration key',
        description: 'Send with `Authorization: Bearer <integration key>`. 200 with an empty body once committed, as Alertmanager answers.',
        security: [{ bearer: [] }],
        body: alertmanagerApiAlerts,
      },
    },
    async (req, reply) =>
      gate.run(async () => {
        const key = await intakeFromBearer(db, req, 'alertmanager-v2');
        const alerts = req.body as AlertmanagerApiAlerts;
        const issue = apiAlertsIssue(alerts);
        if (issue) throw badRequest(`${issue.path}: ${issue.message}`, [{ in: 'body', ...issue }]);
        const at = now();
        // Alerts whose endsAt passed resolve first: one sent again after that is a new occurrence, not a repeat.
        await expireAlerts(db, at);
        const incoming = alertsFromApi(alerts, at.getTime());
        const r = await submitAlerts(db, key, (integration) => ({ ...batchOf(integration), source: 'alertmanager-v2', alerts: incoming, now: at }));
        if ('refused' in r) throw bearerRefusal(r);
        return reply.status(200).send();
      }),
  );
}
