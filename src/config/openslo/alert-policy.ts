// OpenSLO v1 AlertPolicy: one alert condition (inline or by `conditionRef`) and where to send it. Each policy an SLO
// lists becomes one of its alert tiers.
import { z } from 'zod';
import type { Path } from '../source.js';
import { conditionNotes, inlineCondition, tierOf } from './alert-condition.js';
import { consumedShapes, inlineOrReference, isReference, problem, type Note } from './common.js';

export const policySpec = z
  .strictObject({
    description: z.string().max(1050).optional(),
    // pave records every firing and resolved transition, and raises no-data alerts by the SLO's noData rule.
    alertWhenNoData: z.boolean().optional(),
    alertWhenResolved: z.boolean().optional(),
    alertWhenBreaching: z.boolean().optional(),
    conditions: inlineOrReference(inlineCondition, 'conditionRef'),
    notificationTargets: z.array(z.unknown()).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.conditions.length === 0) problem(ctx, ['conditions'], 'an AlertPolicy needs its condition', 'one condition: inline, or {conditionRef: name}', 'missing_field');
    if (p.conditions.length > 1) {
      problem(ctx, ['conditions', 1], 'OpenSLO v1 allows one condition per AlertPolicy: give each burn-rate tier its own AlertPolicy', 'one condition', 'too_big');
    }
  });
export type OpenSLOPolicySpec = z.infer<typeof policySpec>;

/** `inline`: a policy written inside an SLO, or an AlertPolicy document inlined there by its name. */
export const { document: policyDocument, inline: inlinePolicy } = consumedShapes('AlertPolicy', policySpec);

/** The pave tier of a valid policy whose condition is inline (resolved). */
export function policyTier(spec: OpenSLOPolicySpec): ReturnType<typeof tierOf> {
  return tierOf(inlineCondition.parse(spec.conditions[0]).spec);
}

/** Notes on a valid policy spec at `path` (including its inlined conditions). */
export function policyNotes(spec: OpenSLOPolicySpec, path: Path): Note[] {
  const notes: Note[] = [];
  if (spec.notificationTargets?.length) {
    notes.push({
      path: [...path, 'notificationTargets'],
      message: 'notificationTargets are not read: pave records the alerts of each tier itself and does not deliver them to OpenSLO notification targets',
    });
  }
  spec.conditions.forEach((c, i) => {
    if (isReference(c, 'conditionRef')) return;
    const parsed = inlineCondition.safeParse(c);
    if (parsed.success) notes.push(...conditionNotes(parsed.data.spec, [...path, 'conditions', i, 'spec']));
  });
  return notes;
}
