// EscalationPolicy: who is notified for a page, in which order, and how long pave waits for an acknowledgement
// before moving on. The timing rules are in src/domain/escalation/policy.ts; the user's page is
// docs/config/escalation-policy.md.
import { z } from 'zod';
import type { ConfigObject } from '../../domain/objects.js';
import { checkPolicy, type EscalationPolicy, type EscalationTarget } from '../../domain/escalation/policy.js';
import { durationError, parseDuration } from '../../domain/time/duration.js';
import type { KindDefinition, ObjectReference } from '../kind.js';
import { objectName } from '../metadata.js';

const delay = z.string().superRefine((text, ctx) => {
  const problem = durationError(text);
  if (problem) ctx.addIssue({ code: 'custom', message: `escalateAfter ${problem}` });
});

/** One target per entry: `{schedule: name}` (whoever is on call when the step fires), `{person: name}` or `{team: name}`. */
const targetSpec = z.union([
  z.strictObject({ schedule: objectName }),
  z.strictObject({ person: objectName }),
  z.strictObject({ team: objectName }),
]);

const stepSpec = z.strictObject({
  targets: z.array(targetSpec).min(1),
  /** How long to wait for an acknowledgement before the next step (or the next round, or giving up). */
  escalateAfter: delay,
});

export const escalationPolicySpec = z.strictObject({
  /** The owning team: its members may change the policy. */
  owner: objectName,
  description: z.string().max(2000).optional(),
  steps: z.array(stepSpec).min(1).max(20),
  /** How many more times the steps run after the first pass when nobody acknowledges: 0 to 9. */
  repeat: z.number().int().min(0).max(9).default(0),
});
export type EscalationPolicySpec = z.infer<typeof escalationPolicySpec>;

function targetOf(t: z.infer<typeof targetSpec>): EscalationTarget {
  if ('schedule' in t) return { type: 'schedule', name: t.schedule };
  if ('person' in t) return { type: 'person', name: t.person };
  return { type: 'team', name: t.team };
}

/** The domain policy of a validated EscalationPolicy spec. */
export function policyOf(name: string, spec: EscalationPolicySpec): EscalationPolicy {
  return {
    name,
    repeat: spec.repeat,
    steps: spec.steps.map((s) => ({ targets: s.targets.map(targetOf), escalateAfterMinutes: parseDuration(s.escalateAfter) })),
  };
}

export function toEscalationPolicy(obj: ConfigObject<EscalationPolicySpec>): EscalationPolicy {
  return policyOf(obj.metadata.name, obj.spec);
}

const kindOfTarget = { schedule: 'Schedule', person: 'Person', team: 'Team' } as const;

export const escalationPolicy: KindDefinition<EscalationPolicySpec> = {
  kind: 'EscalationPolicy',
  plural: 'escalationpolicies',
  aliases: ['escalationpolicy', 'escalation-policy', 'escalation-policies', 'ep'],
  description: 'Who is notified for a page, step by step, with a wait for an acknowledgement between steps; repeated N times.',
  specSchema: escalationPolicySpec,
  // After the people, teams and schedules it names; before the services that use it.
  applyOrder: 27,
  references: (spec) => {
    const refs: ObjectReference[] = [{ kind: 'Team', name: spec.owner, path: ['spec', 'owner'] }];
    spec.steps.forEach((s, i) =>
      s.targets.forEach((t, j) => {
        const target = targetOf(t);
        refs.push({ kind: kindOfTarget[target.type], name: target.name, path: ['spec', 'steps', i, 'targets', j, target.type] });
      }),
    );
    return refs;
  },
  owners: (obj) => [obj.spec.owner],
  crossCheck: (obj) => checkPolicy(toEscalationPolicy(obj)).map((i) => ({ path: ['spec', ...i.path], message: i.message, severity: 'error' as const })),
  columns: (obj) => ({
    name: obj.metadata.name,
    owner: obj.spec.owner,
    steps: String(obj.spec.steps.length),
    repeat: String(obj.spec.repeat),
    targets: obj.spec.steps.map((s) => s.targets.map((t) => { const x = targetOf(t); return `${x.type}:${x.name}`; }).join('+')).join(' > '),
  }),
  filters: {
    owner: (obj, v) => obj.spec.owner === v,
    team: (obj, v) => obj.spec.owner === v,
  },
};
