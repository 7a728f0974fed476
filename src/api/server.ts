// Builds the HTTP server: body parsing, request ids, auth, errors, metrics, OpenAPI, and every resource's routes.
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Principal } from '../domain/permissions.js';
import { setPagingHooks } from '../store/alerts.js';
import { leadershipKeys } from '../store/leadership.js';
import type { Store } from '../store/store.js';
import { defaultIngestOptions, Ingestor, type IngestOptions } from '../telemetry/ingest.js';
import { version } from '../version.js';
import { notifyOptionsFromEnv, type NotifyOptions } from '../notify/config.js';
import { emailNotifier } from '../notify/email.js';
import { Escalator } from '../notify/escalator.js';
import { OutboxWorker } from '../notify/outbox.js';
import { pageActionsThroughPages, type PageActionHandler } from '../notify/page-actions.js';
import { slackNotifier } from '../notify/slack.js';
import { secretReader, webhookNotifier } from '../notify/webhook.js';
import { registerAlertmanagerWebhook } from './alerts-alertmanager.js';
import { registerAlertmanagerApi } from './alerts-alertmanager-v2.js';
import { registerPagerDuty } from './alerts-pagerduty.js';
import { registerWebhookAlerts } from './alerts-webhook.js';
import { registerApply } from './apply.js';
import { flagExtras, registerFlags } from './flags.js';
import { registerAudit } from './audit.js';
import { registerCanary } from './canary.js';
import { registerRollouts } from './rollouts.js';
import { registerAuth } from './auth.js';
import { registerChanges } from './changes.js';
import { registerGates } from './gates.js';
import { registerBodyParsers } from './body.js';
import { frameworkErrorHandler, registerErrorHandling } from './errors.js';
import { registerHealth } from './health.js';
import { registerIngest } from './ingest.js';
import { AlertIngestGate, registerIntegrations } from './integrations.js';
import { registerMetrics } from './metrics.js';
import { registerObjects } from './objects.js';
import { registerNotifications } from './notifications.js';
import { registerOncall } from './oncall.js';
import { registerReports } from './reports.js';
import { registerPageActions } from './page-actions.js';
import { registerPages } from './pages.js';
import { registerPostmortems } from './postmortems.js';
import { registerSlos, sloExtras } from './slos.js';
import { SloEngine, type EngineOptions } from '../engine/slo-engine.js';
import { registerTokens } from './tokens.js';
import { registerIncidents } from './incidents.js';
import { registerStatusPage } from './status-page.js';
import { registerSession } from './session.js';
import { registerSloHistory } from './slo-history.js';
import { registerWebUi } from './web-ui.js';

export interface ServerOptions {
  store: Store;
  /** Pino options or false; secrets in headers are always redacted. */
  logger?: FastifyServerOptions['logger'];
  now?: () => Date;
  /** Default body limit in bytes (apply has its own, larger one). */
  bodyLimit?: number;
  /** For the in-process CLI on a local data folder only: who acts when a request carries no token. */
  localPrincipal?: Principal;
  tokenCacheMs?: number;
  ingest?: Partial<IngestOptions>;
  /** The SLO engine to serve status from; one is created (not started) when absent. */
  engine?: SloEngine;
  engineOptions?: Partial<EngineOptions>;
  /** Told of every route (method and full path) as it is registered: lets tests enumerate the whole API. */
  onRoute?: (method: string, url: string) => void;
  /** Escalation and notification delivery settings; from the environment when absent (notify/config.ts). */
  notify?: Partial<NotifyOptions>;
  /** What a signed acknowledge/resolve link does; by default the page changes (store/pages) and its escalation stops. */
  pageActions?: PageActionHandler;
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

declare module 'fastify' {
  interface FastifyInstance {
    /** Started by `pave serve`; tests drive it with runOnce(). */
    sloEngine: SloEngine;
    /** Fires due escalation steps (leader only); started by `pave serve`, tests call runOnce(). */
    escalator: Escalator;
    /** Delivers the notification outbox; started by `pave serve`, tests call runOnce(). */
    outbox: OutboxWorker;
  }
}

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const now = opts.now ?? (() => new Date());
  const logger =
    opts.logger === undefined || opts.logger === false
      ? false
      : { ...(typeof opts.logger === 'object' ? opts.logger : {}), redact: ['req.headers.authorization', 'req.headers.cookie'] };
  const app = Fastify({
    logger,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
    },
    routerOptions: { maxParamLength: 256 },
    // Bad percent-encoding and over-long params are refused by the router before any hook: answer them in our shape.
    frameworkErrors: frameworkErrorHandler,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  // API docs are public: they describe the API, not the data.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs')) route.config = { ...(route.config ?? {}), access: 'public' };
    for (const method of [route.method].flat()) opts.onRoute?.(method, route.url);
  });

  registerErrorHandling(app);
  registerBodyParsers(app);
  await app.register(swagger, {
    openapi: {
      info: { title: 'pave API', version, description: 'SLOs as code, error budgets, paging, incidents and change safety.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  const db = opts.store.db;
  const auth = registerAuth(app, { db, now, localPrincipal: opts.localPrincipal, cacheMs: opts.tokenCacheMs });
  const metrics = registerMetrics(app, db, version);
  registerHealth(app, db);
  const ingestOptions = { ...defaultIngestOptions, ...opts.ingest };
  const engine =
    opts.engine ??
    new SloEngine(db, {
      now,
      intervalMs: 30_000,
      latenessMs: ingestOptions.latenessMs,
      onError: (err) => app.log.error({ err }, 'SLO evaluation failed'),
      leadership: opts.store.leadership(leadershipKeys.sloAlerts, (leading) =>
        app.log.info(leading ? 'this replica now records SLO alert transitions (leader)' : 'another replica records SLO alert transitions (standby)'),
      ),
      ...opts.engineOptions,
    });
  app.decorate('sloEngine', engine);
  app.addHook('onClose', async () => engine.stop());
  registerObjects(app, db, { SLO: sloExtras(engine), Flag: flagExtras(db) });
  registerSlos(app, db, engine, now);
  registerOncall(app, db, now);
  registerReports(app, db, now);
  const notify: NotifyOptions = { ...notifyOptionsFromEnv(process.env), ...opts.notify };
  const ownUrl = () => {
    const a = app.server.address();
    return a && typeof a === 'object' ? `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` : 'http://localhost';
  };
  const email = emailNotifier(notify.smtp);
  const outbox = new OutboxWorker(db, {
    notifiers: { webhook: webhookNotifier({ readSecret: secretReader(), timeoutMs: notify.httpTimeoutMs }), slack: slackNotifier({ timeoutMs: notify.httpTimeoutMs }), email },
    retry: notify.retry,
    now,
    random: Math.random,
    leaseMs: Math.max(60_000, 3 * notify.httpTimeoutMs),
    batchSize: 50,
    pollMs: notify.outboxPollMs,
    onError: (err) => app.log.error({ err }, 'notification delivery failed'),
  });
  const escalator = new Escalator(db, {
    now,
    leadership: opts.store.leadership(leadershipKeys.escalations, (leading) =>
      app.log.info(leading ? 'this replica now fires escalations (leader)' : 'another replica fires escalations (standby)'),
    ),
    publicUrl: () => notify.publicUrl ?? ownUrl(),
    actionLinkTtlMs: notify.actionLinkTtlMs,
    batchSize: 50,
    pollMs: notify.escalationPollMs,
    onError: (err) => app.log.error({ err }, 'escalation failed'),
    onNotificationsQueued: () => outbox.nudge(),
    firstNotificationLeaseMs: () => outbox.leaseForHandOver(),
    onNotificationsClaimed: (claimed) => outbox.handOver(claimed),
  });
  // A page opened by an alert escalates in the transaction that opens it, its first notification committed with it,
  // claimed for this process's outbox worker and handed to it after the commit (store/alerts PagingHooks,
  // notify/escalator escalateOpenedPages); the outbox is woken for anything else queued, and the escalator only for
  // pages it still has to start or stop. A repeat, which changes no page, wakes nothing (DESIGN §13 P3).
  const removePagingHooks = setPagingHooks(db, {
    pagesOpened: (trx, pages, catalog) => escalator.escalateOpenedPages(trx, pages, catalog),
    committed: (change) => {
      // Handed over means the outbox runs and has every notification due now; the others wait for their delays.
      if (change.notificationsQueued > 0 && change.notificationsClaimed === 0) outbox.nudge();
      if (change.pagesOpened > change.pagesEscalated || change.pagesStopped > 0) escalator.nudge();
    },
    onError: (err) => app.log.error({ err }, 'escalating opened pages failed: the escalator will start them'),
  });
  app.addHook('onClose', async () => removePagingHooks());
  // People acknowledge and resolve pages through these routes: once one answered 2xx (committed), stop the page's
  // escalation now rather than at the next poll.
  const pageRoutes = /^\/api\/v1\/pages\/:id\/[a-z]+$/;
  app.addHook('onResponse', async (req, reply) => {
    if (req.method === 'POST' && reply.statusCode < 300 && pageRoutes.test(req.routeOptions.url ?? '')) escalator.nudge();
  });
  app.decorate('escalator', escalator);
  app.decorate('outbox', outbox);
  // Escalations stop first so they queue nothing more; the outbox then finishes the sends in flight.
  app.addHook('onClose', async () => {
    await escalator.stop();
    await outbox.stop(notify.shutdownDrainMs);
    email.close();
  });
  registerNotifications(app, db, now);
  registerPageActions(app, db, opts.pageActions ?? pageActionsThroughPages(db), now);
  const ingestor = new Ingestor(db, ingestOptions);
  const flagCatalog = registerFlags(app, db, now);
  registerApply(
    app,
    db,
    metrics,
    (result) => {
      ingestor.invalidate();
      for (const id of result.revokedTokens) auth.forget(id);
      // Evaluation sees changed flags at once (their change events were committed with the apply).
      if (result.plan.changes.some((c) => c.kind === 'Flag' && c.action !== 'unchanged')) flagCatalog.invalidate();
    },
    now,
  );
  registerIngest(app, ingestor, now);
  registerTokens(app, db, auth.forget, now);
  registerAudit(app, db);
  const alertGate = new AlertIngestGate(64);
  registerIntegrations(app, db, now);
  registerAlertmanagerWebhook(app, db, now, alertGate);
  registerAlertmanagerApi(app, db, now, alertGate);
  registerPagerDuty(app, db, now, alertGate);
  registerWebhookAlerts(app, db, now, alertGate);
  registerPages(app, db, now);
  registerPostmortems(app, db, now);
  registerSession(app, db, now, { publicUrl: notify.publicUrl });
  registerSloHistory(app, db, now);
  await registerWebUi(app, { db, engine, now });
  registerChanges(app, db, now);
  registerGates(app, db, engine, now);
  registerCanary(app, db);
  registerRollouts(app, opts.store, engine, now);
  registerIncidents(app, db, now);
  registerStatusPage(app, db, now);
  return app;
}
