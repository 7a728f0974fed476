// BudgetPolicy: what a service's remaining error budget means for change. Thresholds of remaining budget → warn or
// freeze; the kinds of change a freeze lets through; advisory or blocking. A policy without `services` is the
// organisation default (at most one); a policy naming services governs those, instead of the default.
import { z } from 'zod';
import { changeKinds } from '../../domain/budget-policy/change-kinds.js';
import { defaultExempt, defaultThresholds, type DeclaredPolicy } from '../../domain/budget-policy/policy.js';
import type { CatalogView, ConfigObject } from '../../domain/objects.js';
import type { CrossCheckIssue, KindDefinition, ObjectReference } from '../kind.js';
import { objectName } from '../metadata.js';
import type { ServiceSpec } from './service.js';

const action = z.enum(['warn', 'freeze'], { error: 'warn or freeze' });

export const budgetPolicySpec = z
  .strictObject({
    /** The services it governs; absent: the organisation default. */
    services: z.array(objectName).min(1).max(500).optional(),
    /** blocking: a freeze denies; advisory: a freeze only warns. */
    enforcement: z.enum(['blocking', 'advisory'], { error: 'blocking or advisory' }).default('blocking'),
    thresholds: z
      .array(
        z.strictObject({
          /** Percent of the whole budget still left (0 = exhausted, negative = overspent). */
          remainingAtMost: z.number().min(-1000).max(100),
          action,
        }),
      )
      .min(1)
      .max(10)
      .default(() => defaultThresholds.map((t) => ({ ...t }))),
    /** Kinds of change a freeze lets through. */
    exempt: z
      .array(z.enum(changeKinds, { error: `one of ${changeKinds.join(', ')}` }))
      .max(changeKinds.length)
      .default(() => [...defaultExempt] as (typeof changeKinds)[number][]),
    /** What an SLO without data (or not evaluable) counts as. */
    noData: z.enum(['allow', 'warn', 'freeze'], { error: 'allow, warn or freeze' }).default('warn'),
    /** May a deploy override a freeze with a reason (audited, on the timeline, announced)? */
    breakGlass: z.boolean().default(true),
    description: z.string().max(2000).optional(),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<number>();
    s.thresholds.forEach((t, i) => {
      if (seen.has(t.remainingAtMost)) ctx.addIssue({ code: 'custom', path: ['thresholds', i, 'remainingAtMost'], message: `${t.remainingAtMost} is given twice` });
      seen.add(t.remainingAtMost);
    });
    // A freeze at more remaining budget than a warning would hide the warning: the thresholds would say nothing.
    const freezeAt = Math.max(...s.thresholds.filter((t) => t.action === 'freeze').map((t) => t.remainingAtMost));
    s.thresholds.forEach((t, i) => {
      if (t.action === 'warn' && t.remainingAtMost <= freezeAt) {
        ctx.addIssue({ code: 'custom', path: ['thresholds', i, 'remainingAtMost'], message: `a warning at ${t.remainingAtMost}% is never seen: the policy freezes at ${freezeAt}% already` });
      }
    });
    const dup = s.exempt.find((k, i) => s.exempt.indexOf(k) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['exempt'], message: `${dup} is listed twice` });
  });
export type BudgetPolicySpec = z.infer<typeof budgetPolicySpec>;

/** The policy the gate applies. */
export function toDeclaredPolicy(obj: ConfigObject<BudgetPolicySpec>): DeclaredPolicy {
  const s = obj.spec;
  return {
    name: obj.metadata.name,
    ...(s.services ? { services: s.services } : {}),
    enforcement: s.enforcement,
    thresholds: s.thresholds,
    exempt: s.exempt,
    noData: s.noData,
    breakGlass: s.breakGlass,
  };
}

/** The team owning every service a policy names; none (or the organisation default) means admins only. */
function policyOwner(spec: Pick<BudgetPolicySpec, 'services'>, catalog: CatalogView): string | undefined {
  if (!spec.services) return undefined;
  const owners = new Set(spec.services.map((s) => (catalog.get('Service', s) as ConfigObject<ServiceSpec> | undefined)?.spec.owner));
  return owners.size === 1 && !owners.has(undefined) ? [...owners][0] : undefined;
}

export const budgetPolicy: KindDefinition<BudgetPolicySpec> = {
  kind: 'BudgetPolicy',
  plural: 'budgetpolicies',
  aliases: ['budgetpolicy', 'budget-policy', 'bp'],
  description: 'What remaining error budget means for change: thresholds → warn or freeze, exempt kinds, advisory or blocking; per service or the organisation default.',
  specSchema: budgetPolicySpec,
  applyOrder: 60,
  references: (spec) => {
    const refs: ObjectReference[] = [];
    spec.services?.forEach((s, i) => refs.push({ kind: 'Service', name: s, path: ['spec', 'services', i] }));
    return refs;
  },
  owners: (obj, catalog) => {
    const owner = policyOwner(obj.spec, catalog);
    return owner ? [owner] : [];
  },
  crossCheck(obj, catalog) {
    const issues: CrossCheckIssue[] = [];
    const others = catalog.list('BudgetPolicy').filter((o) => o.metadata.name !== obj.metadata.name) as ConfigObject<BudgetPolicySpec>[];
    const services = obj.spec.services;
    if (!services) {
      const other = others.find((o) => !o.spec.services);
      if (other) issues.push({ path: ['spec'], severity: 'error', message: `BudgetPolicy/${other.metadata.name} is already the organisation default (no services): give this one services, or merge them` });
      return issues;
    }
    services.forEach((s, i) => {
      if (services.indexOf(s) !== i) issues.push({ path: ['spec', 'services', i], severity: 'error', message: `${s} is listed twice` });
      const other = others.find((o) => o.spec.services?.includes(s));
      if (other) issues.push({ path: ['spec', 'services', i], severity: 'error', message: `${s} is already governed by BudgetPolicy/${other.metadata.name}: a service has one policy` });
    });
    return issues;
  },
  columns: (obj) => ({
    name: obj.metadata.name,
    services: obj.spec.services?.join(',') ?? '(organization default)',
    enforcement: obj.spec.enforcement,
    thresholds: obj.spec.thresholds.map((t) => `${t.action}<=${t.remainingAtMost}%`).join(','),
    exempt: obj.spec.exempt.join(','),
  }),
  filters: {
    service: (obj, v) => obj.spec.services?.includes(v) ?? false,
  },
};
