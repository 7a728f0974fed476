// Rollout: a progressive rollout of a flag's percentage or of an external deploy's traffic weight, in steps with bake
// times, guarded by SLOs (no burn alert) and optionally by canary analysis (domain/canary). The runner
// (engine/rollout-runner.ts) follows it; applying a changed spec starts a new run (a new revision).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { changeKinds } from '../../domain/budget-policy/change-kinds.js';
import { canaryAnalysis } from '../../domain/canary/schema.js';
import type { ConfigObject } from '../../domain/objects.js';
import type { RolloutPlan } from '../../domain/rollout/machine.js';
import { parseDuration } from '../../domain/time/duration.js';
import type { CrossCheckIssue, KindDefinition, ObjectReference } from '../kind.js';
import { objectName } from '../metadata.js';
import type { ServiceSpec } from './service.js';
import { durationString } from './slo.js';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,199}$/, 'an environment variable name such as PAVE_DEPLOY_TOKEN');
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'an HTTP header name such as Authorization');
const webhookUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });

export const rolloutSpec = z
  .strictObject({
    /** The service changed: its budget policy can freeze the rollout, and its timeline shows every step. */
    service: objectName,
    description: z.string().max(2000).optional(),
    /** The kind of change, for budget freezes: fix, security and rollback are exempt by default. */
    changeKind: z.enum(changeKinds.filter((k) => k !== 'break_glass' && k !== 'rollout') as [string, ...string[]]).default('deploy'),
    version: z.string().min(1).max(200).optional(),
    target: z
      .strictObject({
        /** A Flag with a rollout section: each step sets its percentage. */
        flag: objectName.optional(),
        /** An external deploy: pave POSTs {rollout, step, weight, action} to url at each step, and to rollbackUrl (else url, weight 0) on rollback. */
        webhook: z
          .strictObject({
            url: webhookUrl,
            rollbackUrl: webhookUrl.optional(),
            /** Header → environment variable holding its value (read when sending; never stored). */
            headersFromEnv: z.record(headerName, envName).default({}),
          })
          .optional(),
      })
      .refine((t) => (t.flag === undefined) !== (t.webhook === undefined), { message: 'give exactly one of flag or webhook' }),
    steps: z
      .array(
        z.strictObject({
          weight: z.number().int('a whole percentage').min(0).max(100),
          /** How long the step runs before the next; none: the next evaluation that passes the checks. */
          bake: durationString.optional(),
        }),
      )
      .min(1)
      .max(50),
    guard: z
      .strictObject({
        /** SLOs whose firing burn alerts stop the rollout. */
        slos: z.array(objectName).max(50).default([]),
        /** What a burn or a failing canary does: roll back (default) or pause for a person. */
        onFailure: z.enum(['rollback', 'pause']).default('rollback'),
      })
      .default({ slos: [], onFailure: 'rollback' }),
    /** Canary analysis judged over each step's bake window before advancing (store or prometheus sources, without times). */
    analysis: canaryAnalysis.optional(),
  })
  .superRefine((s, ctx) => {
    s.steps.forEach((step, i) => {
      if (i > 0 && step.weight < s.steps[i - 1]!.weight) ctx.addIssue({ code: 'custom', path: ['steps', i, 'weight'], message: `weights only go up: ${step.weight} after ${s.steps[i - 1]!.weight}` });
    });
    s.analysis?.metrics.forEach((m, i) => {
      if (m.samples || m.counts) ctx.addIssue({ code: 'custom', path: ['analysis', 'metrics', i, m.samples ? 'samples' : 'counts'], message: 'a rollout reads its data as it goes: use store or prometheus' });
    });
    const dup = s.guard.slos.find((x, i) => s.guard.slos.indexOf(x) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['guard', 'slos'], message: `${dup} is listed twice` });
  });
export type RolloutSpec = z.infer<typeof rolloutSpec>;

/** The plan the state machine follows. */
export function rolloutPlan(spec: RolloutSpec): RolloutPlan {
  return {
    steps: spec.steps.map((s) => ({ weight: s.weight, bakeMs: s.bake ? parseDuration(s.bake) * 60_000 : 0 })),
    onFailure: spec.guard.onFailure,
    analysis: spec.analysis !== undefined,
  };
}

/** The revision of a spec: a changed spec is a new run. */
export function rolloutRevision(spec: unknown): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

export const rollout: KindDefinition<RolloutSpec> = {
  kind: 'Rollout',
  plural: 'rollouts',
  aliases: ['rollout', 'ro'],
  description: 'A progressive rollout of a flag or an external deploy: steps of traffic weight with bake times, guarded by SLO burn alerts and optional canary analysis; held by budget freezes.',
  specSchema: rolloutSpec,
  applyOrder: 80,
  references: (spec) => {
    const refs: ObjectReference[] = [{ kind: 'Service', name: spec.service, path: ['spec', 'service'] }];
    if (spec.target.flag) refs.push({ kind: 'Flag', name: spec.target.flag, path: ['spec', 'target', 'flag'] });
    spec.guard.slos.forEach((s, i) => refs.push({ kind: 'SLO', name: s, path: ['spec', 'guard', 'slos', i] }));
    spec.analysis?.metrics.forEach((m, i) => {
      if (m.prometheus) refs.push({ kind: 'DataSource', name: m.prometheus.dataSource, path: ['spec', 'analysis', 'metrics', i, 'prometheus', 'dataSource'] });
    });
    return refs;
  },
  owners: (obj, catalog) => {
    const svc = catalog.get('Service', obj.spec.service) as ConfigObject<ServiceSpec> | undefined;
    return svc ? [svc.spec.owner] : [];
  },
  crossCheck(obj, catalog) {
    const issues: CrossCheckIssue[] = [];
    const flag = obj.spec.target.flag ? (catalog.get('Flag', obj.spec.target.flag) as ConfigObject<{ rollout?: unknown }> | undefined) : undefined;
    if (flag && !flag.spec.rollout) issues.push({ path: ['spec', 'target', 'flag'], severity: 'error', message: `flag ${obj.spec.target.flag} has no rollout section: add spec.rollout to it so steps can set its percentage` });
    if (obj.spec.guard.slos.length === 0 && !obj.spec.analysis) issues.push({ path: ['spec', 'guard', 'slos'], severity: 'warning', message: 'nothing guards this rollout: name SLOs or add analysis, or it advances on time alone' });
    return issues;
  },
  columns: (obj) => ({
    name: obj.metadata.name,
    service: obj.spec.service,
    target: obj.spec.target.flag ? `flag ${obj.spec.target.flag}` : 'webhook',
    steps: obj.spec.steps.map((s) => `${s.weight}%${s.bake ? `/${s.bake}` : ''}`).join(' '),
    guard: obj.spec.guard.slos.join(','),
    analysis: obj.spec.analysis ? `${obj.spec.analysis.metrics.length} metrics` : '',
  }),
  filters: {
    service: (obj, v) => obj.spec.service === v,
  },
};
