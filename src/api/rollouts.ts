// Progressive rollouts over HTTP: each rollout's state and step log (GET /api/v1/rollouts/{name}/status) and a
// person's commands (POST /api/v1/rollouts/{name}/pause|resume|promote|abort: members of the service's owning team, or
// admins; audited with the step). The Rollout objects themselves are read at GET /api/v1/rollouts[/{name}] like every
// kind. Also builds the runner (engine/rollout-runner.ts): the budget freeze from the gate's own reading of the SLOs,
// the canary judge over the store or Prometheus; it starts when the server listens (`pave serve`), not in tests that
// only inject requests (they call runOnce()).
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { budgetPolicySpec, toDeclaredPolicy } from '../config/kinds/budget-policy.js';
import { rolloutPlan, rolloutRevision, rolloutSpec, type RolloutSpec } from '../config/kinds/rollout.js';
import type { ServiceSpec } from '../config/kinds/service.js';
import { judgeCanary, type MetricData } from '../domain/canary/judge.js';
import { judgeConfigOf, type CanaryAnalysis } from '../domain/canary/schema.js';
import { decideGate, policyFor } from '../domain/budget-policy/policy.js';
import type { ConfigObject } from '../domain/objects.js';
import type { Principal } from '../domain/permissions.js';
import type { ManualCommand } from '../domain/rollout/machine.js';
import { RolloutRunner, rolloutLeadershipKey, type RolloutRunnerOptions } from '../engine/rollout-runner.js';
import type { SloEngine } from '../engine/slo-engine.js';
import { listChanges } from '../store/changes.js';
import { getObject, listObjects } from '../store/objects.js';
import { getRollout, listRolloutEvents } from '../store/rollouts.js';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { requirePrincipal } from './auth.js';
import { metricData } from './canary.js';
import { ApiError, forbidden, notFound } from './errors.js';
import { gateSlos } from './gates.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Follows Rollout objects (leader only); started when the server listens, tests call runOnce(). */
    rolloutRunner: RolloutRunner;
  }
}

const nameParams = z.strictObject({ name: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a rollout name') });
const commands: ManualCommand[] = ['pause', 'resume', 'promote', 'abort'];

/** The freeze a budget policy puts on `kind` changes of `service`, as the gate would answer; null when none. */
export async function budgetFreeze(db: Kysely<Database>, engine: SloEngine, service: string, kind: string): Promise<string | null> {
  const policies = (await listObjects(db, 'BudgetPolicy')).map((o) => toDeclaredPolicy({ ...o, spec: budgetPolicySpec.parse(o.spec) }));
  const decision = decideGate({ service, kind, slos: await gateSlos(db, engine, service), policy: policyFor(service, policies) });
  return decision.decision === 'deny' ? decision.summary : null;
}

/** The canary verdict of a rollout's analysis over [fromMs, toMs). */
export async function judgeAnalysis(db: Kysely<Database>, analysis: CanaryAnalysis, range: { fromMs: number; toMs: number }, fetch?: RolloutRunnerOptions['fetch']) {
  const data = new Map<string, MetricData>();
  for (const [i, m] of analysis.metrics.entries()) data.set(m.name, await metricData(db, m, i, { range, ...(fetch ? { fetch } : {}) }));
  return judgeCanary(judgeConfigOf(analysis), data);
}

function mayCommand(p: Principal, owner: string | undefined, name: string): void {
  if (p.role === 'admin') return;
  if (p.role === 'member' && owner !== undefined && p.team === owner) return;
  throw forbidden(`rollout ${name} changes a service of team ${owner ?? '(none)'}: only its members or an admin may command it`);
}

export function registerRollouts(app: FastifyInstance, store: Store, engine: SloEngine, now: () => Date, options: Partial<RolloutRunnerOptions> = {}): void {
  const db = store.db;
  const runner = new RolloutRunner(db, {
    now,
    leadership: store.leadership(rolloutLeadershipKey, (leading) => app.log.info(leading ? 'this replica now runs rollouts (leader)' : 'another replica runs rollouts (standby)')),
    // Five seconds: a burn the SLO engine records (every 30 s) is acted on well within one evaluation interval.
    pollMs: 5_000,
    onError: (err) => app.log.error({ err }, 'rollout step failed'),
    freeze: (service, kind) => budgetFreeze(db, engine, service, kind),
    judge: (analysis, range) => judgeAnalysis(db, analysis, range),
    ...options,
  });
  app.decorate('rolloutRunner', runner);
  app.addHook('onListen', async () => runner.start());
  app.addHook('onClose', async () => runner.stop());

  app.get(
    '/api/v1/rollouts/:name/status',
    {
      config: { access: 'read' },
      schema: { tags: ['change safety'], summary: "A rollout's state: phase, step, traffic weight, why, its plan and step log", params: nameParams },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const obj = await getObject(db, 'Rollout', name);
      if (!obj) throw notFound(`rollout ${name} does not exist`);
      const spec = rolloutSpec.parse(obj.spec) as RolloutSpec;
      const revision = rolloutRevision(obj.spec);
      const stored = await getRollout(db, name);
      const current = stored && stored.revision === revision ? stored : null;
      const plan = rolloutPlan(spec);
      return {
        name,
        service: spec.service,
        target: spec.target.flag ? { flag: spec.target.flag } : { webhook: true },
        revision,
        state: current ?? { phase: 'pending', step: -1, weight: 0, reason: 'not started: the runner picks it up at its next poll' },
        previousRun: stored && stored.revision !== revision ? stored : null,
        steps: plan.steps.map((s, i) => ({ step: i + 1, weight: s.weight, bakeMinutes: s.bakeMs / 60_000 })),
        guard: spec.guard,
        analysis: spec.analysis ? { metrics: spec.analysis.metrics.map((m) => m.name), thresholds: spec.analysis.thresholds } : null,
        events: await listRolloutEvents(db, name),
        changes: await listChanges(db, { services: [spec.service], limit: 50 }).then((cs) => cs.filter((c) => c.labels.rollout === name)),
      };
    },
  );

  for (const command of commands) {
    app.post(
      `/api/v1/rollouts/:name/${command}`,
      {
        config: { access: 'write' },
        schema: {
          tags: ['change safety'],
          summary: {
            pause: 'Pause a rollout where it is (members of the owning team, or admins; audited)',
            resume: 'Resume a paused rollout: its current step bakes again from now',
            promote: 'Promote a rollout to its last step at once and complete it',
            abort: 'Abort a rollout: traffic back to 0% (the flag) or the rollback webhook',
          }[command],
          params: nameParams,
        },
      },
      async (req) => {
        const principal = requirePrincipal(req);
        const { name } = req.params as { name: string };
        const obj = await getObject(db, 'Rollout', name);
        if (!obj) throw notFound(`rollout ${name} does not exist`);
        const service = (await getObject(db, 'Service', (obj.spec as { service: string }).service)) as ConfigObject<ServiceSpec> | undefined;
        mayCommand(principal, service?.spec.owner, name);
        const r = await runner.command(name, command, { actor: principal.actor, requestId: req.id });
        if (r.outcome === 'not_found') throw notFound(`rollout ${name} does not exist`);
        if (r.outcome === 'refused') throw new ApiError(409, 'conflict', `cannot ${command} rollout ${name}: ${r.reason}`);
        if (r.outcome === 'failed') throw new ApiError(502, 'target_failed', `cannot ${command} rollout ${name}: ${r.reason}`);
        return r.rollout;
      },
    );
  }
}
