// OpenSLO v1 AlertCondition: a burn-rate condition. Each one becomes one pave alert tier: severity page or ticket, the
// lookback window as the tier's long window, the threshold as its burn-rate factor.
import { z } from 'zod';
import type { Path } from '../source.js';
import { consumedShapes, durationShorthand, durationShorthandOrZero, fixedDuration, isZeroDuration, problem, type Note } from './common.js';

/** Severities that page; any other severity opens a ticket. Compared case-insensitively. */
export const pagingSeverities = ['critical', 'page', 'high'];

export const conditionSpec = z.strictObject({
  description: z.string().max(1050).optional(),
  severity: z.string().min(1),
  condition: z
    .strictObject({
      kind: z.string().optional(),
      op: z.enum(['gt', 'gte', 'lt', 'lte']).optional(),
      threshold: z.number().positive(),
      lookbackWindow: durationShorthand,
      alertAfter: durationShorthandOrZero.optional(),
    })
    .superRefine((c, ctx) => {
      if (c.kind !== undefined && c.kind !== 'burnrate') {
        problem(ctx, ['kind'], 'only burn-rate conditions are supported (the only kind OpenSLO v1 defines)', 'burnrate');
      }
      if (c.op === 'lt' || c.op === 'lte') {
        problem(ctx, ['op'], 'a burn-rate tier alerts when the burn rate rises above its threshold', 'gt or gte', 'unsupported');
      }
      if (fixedDuration(c.lookbackWindow) === null) {
        problem(ctx, ['lookbackWindow'], 'a lookback window needs a fixed length: months, quarters and years vary', 'minutes, hours, days or weeks, e.g. 1h, 6h or 3d');
      }
    }),
});
export type OpenSLOConditionSpec = z.infer<typeof conditionSpec>;

/** `inline`: a condition written inside an AlertPolicy, or an AlertCondition document inlined there by `conditionRef`. */
export const { document: conditionDocument, inline: inlineCondition } = consumedShapes('AlertCondition', conditionSpec);

export function tierOf(c: OpenSLOConditionSpec): { severity: 'page' | 'ticket'; long: string; factor: number } {
  return {
    severity: pagingSeverities.includes(c.severity.toLowerCase()) ? 'page' : 'ticket',
    long: fixedDuration(c.condition.lookbackWindow) ?? c.condition.lookbackWindow,
    factor: c.condition.threshold,
  };
}

/** What pave reads differently from how it is written, for a valid condition spec at `path`. */
export function conditionNotes(c: OpenSLOConditionSpec, path: Path): Note[] {
  const after = c.condition.alertAfter;
  if (after === undefined || isZeroDuration(after)) return [];
  return [
    {
      path: [...path, 'condition', 'alertAfter'],
      message: `alertAfter ${after} is not read: a pave tier fires as soon as its long window and its short window (a twelfth of the long one) both burn above the threshold`,
    },
  ];
}
