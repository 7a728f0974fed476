// Flag: a feature flag owned by a team. Boolean (variants on/off) or multivariate (string, number or object variants);
// targeting rules on context attributes, first match wins; percentage rollouts and weighted splits with
// Unleash-compatible sticky bucketing; a kill switch; a purpose and expected lifetime for the stale-flag report.
// The kill switch and the rollout percentage can also be changed at runtime (store/flags.ts): that state lives beside
// the object, so an apply of this document never resets it.
import { z } from 'zod';
import type { ConfigObject } from '../../domain/objects.js';
import {
  dateOperators,
  instantOf,
  numberOperators,
  operators,
  semverOperators,
  stringOperators,
  type Condition,
  type FlagDefinition,
  type FlagValue,
  type FlagValueType,
  type RuleDefinition,
} from '../../domain/flags/evaluate.js';
import { parseSemver } from '../../domain/flags/semver.js';
import { defaultLifetimeDays, flagPurposes, type FlagPurpose } from '../../domain/flags/stale.js';
import { parseDuration } from '../../domain/time/duration.js';
import type { KindDefinition, ObjectReference } from '../kind.js';
import { objectName } from '../metadata.js';
import { durationString } from './slo.js';

const variantName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'a variant name of 1-63 letters, digits, _ . and -');
const attributeName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/, 'a context attribute name such as targetingKey, email or appVersion');
const variantValue = z.union([z.boolean(), z.string().max(10_000), z.number().finite(), z.record(z.string(), z.unknown())], {
  error: 'a boolean, a string, a number or an object',
});
const percentage = z.number().int('a whole percentage from 0 to 100').min(0).max(100);

const condition = z
  .strictObject({
    attribute: attributeName,
    operator: z.enum(operators),
    /** Any of these (string operators); exactly one for number, semver and date operators. */
    values: z.array(z.union([z.string().max(1000), z.number().finite()])).min(1).max(10_000).optional(),
    value: z.union([z.string().max(1000), z.number().finite()]).optional(),
    caseInsensitive: z.boolean().optional(),
    negate: z.boolean().optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.values === undefined) === (c.value === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: 'give exactly one of values (a list) or value' });
      return;
    }
    const values = c.values ?? [c.value!];
    const op = c.operator;
    if (!(stringOperators as readonly string[]).includes(op)) {
      if (values.length !== 1) ctx.addIssue({ code: 'custom', path: ['values'], message: `${op} compares with exactly one value` });
      if (c.caseInsensitive) ctx.addIssue({ code: 'custom', path: ['caseInsensitive'], message: 'caseInsensitive applies to string operators only' });
    }
    const v = values[0]!;
    const at = c.values ? ['values', 0] : ['value'];
    if ((numberOperators as readonly string[]).includes(op) && !(typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))))) {
      ctx.addIssue({ code: 'custom', path: at, message: `${op} needs a number, got ${JSON.stringify(v)}` });
    }
    if ((semverOperators as readonly string[]).includes(op) && !parseSemver(String(v))) {
      ctx.addIssue({ code: 'custom', path: at, message: `${op} needs a semantic version such as 2.1.0 or 2.1.0-beta.1 (no leading v), got ${JSON.stringify(v)}` });
    }
    if ((dateOperators as readonly string[]).includes(op) && instantOf(v) === undefined) {
      ctx.addIssue({ code: 'custom', path: at, message: `${op} needs a date (2026-12-01) or a date-time with a zone (2026-12-01T09:00:00Z), got ${JSON.stringify(v)}` });
    }
  });

const split = z.array(z.strictObject({ variant: variantName, weight: z.number().int().min(0).max(1_000_000) })).min(1).max(100);

const serving = {
  /** Serve this variant. */
  variant: variantName.optional(),
  /** Or a weighted split of variants (weights usually sum to 1000), chosen by the sticky variant hash. */
  split: split.optional(),
  /** Hash this context attribute (default targetingKey). */
  stickiness: attributeName.optional(),
  /** Hash salt (default the flag's name): flags sharing a groupId roll out to the same users. */
  groupId: z.string().min(1).max(253).optional(),
};

const rule = z.strictObject({
  name: variantName.optional(),
  /** All must hold; omitted = every context. */
  when: z.array(condition).max(100).default([]),
  /** Only this percentage of the matching contexts (sticky). */
  percentage: percentage.optional(),
  ...serving,
});

const rollout = z.strictObject({
  /** The share of contexts served, 0..100 (sticky); changeable at runtime. */
  percentage,
  ...serving,
});

export const flagSpec = z
  .strictObject({
    owner: objectName,
    description: z.string().max(2000).optional(),
    /** Why the flag exists; sets the default expected lifetime (release and experiment 40d, operational 7d, others permanent). */
    purpose: z.enum(flagPurposes).default('release'),
    /** How long the flag should live, e.g. 30d, or `permanent`; past it the flag is in the stale-flag report. */
    expectedLifetime: z.union([z.literal('permanent'), durationString]).optional(),
    /** Services whose behaviour the flag changes: its changes are recorded on their timelines. */
    services: z.array(objectName).max(100).default([]),
    /** Name → value, all of one type. Omitted: a boolean flag with variants on (true) and off (false). */
    variants: z.record(variantName, variantValue).optional(),
    /** Served when no rule and no rollout serves the context (default `off` for a boolean flag). */
    defaultVariant: variantName.optional(),
    /** Served while the kill switch is off (default: the default variant). */
    offVariant: variantName.optional(),
    /** The kill switch: false serves offVariant to everyone. */
    enabled: z.boolean().default(true),
    rules: z.array(rule).max(200).default([]),
    rollout: rollout.optional(),
  })
  .superRefine((s, ctx) => {
    const variants = s.variants ?? { on: true, off: false };
    const names = Object.keys(variants);
    if (names.length === 0) ctx.addIssue({ code: 'custom', path: ['variants'], message: 'give at least one variant' });
    const types = new Set(Object.values(variants).map(valueType));
    if (types.size > 1) ctx.addIssue({ code: 'custom', path: ['variants'], message: `every variant must have the same type, got ${[...types].sort().join(' and ')}` });
    const known = (v: string | undefined, path: (string | number)[]) => {
      if (v !== undefined && !(v in variants)) ctx.addIssue({ code: 'custom', path, message: `unknown variant ${v}: expected one of ${names.join(', ')}` });
    };
    if (s.variants && s.defaultVariant === undefined) ctx.addIssue({ code: 'custom', path: ['defaultVariant'], message: 'a flag with its own variants needs a defaultVariant' });
    known(s.defaultVariant, ['defaultVariant']);
    known(s.offVariant, ['offVariant']);
    const serves = (r: { variant?: string; split?: { variant: string; weight: number }[] }, path: (string | number)[], implicitOn: boolean) => {
      if (r.variant !== undefined && r.split !== undefined) ctx.addIssue({ code: 'custom', path: [...path, 'split'], message: 'give variant or split, not both' });
      if (r.variant === undefined && r.split === undefined && !implicitOn) ctx.addIssue({ code: 'custom', path: [...path, 'variant'], message: 'give the variant to serve, or a split' });
      known(r.variant, [...path, 'variant']);
      r.split?.forEach((w, i) => known(w.variant, [...path, 'split', i, 'variant']));
      if (r.split && r.split.every((w) => w.weight === 0)) ctx.addIssue({ code: 'custom', path: [...path, 'split'], message: 'at least one weight must be positive' });
      const dup = r.split?.find((w, i) => r.split!.findIndex((x) => x.variant === w.variant) !== i);
      if (dup) ctx.addIssue({ code: 'custom', path: [...path, 'split'], message: `variant ${dup.variant} is listed twice` });
    };
    const seen = new Set<string>();
    s.rules.forEach((r, i) => {
      serves(r, ['rules', i], false);
      const name = r.name ?? `rule-${i + 1}`;
      if (seen.has(name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `rule name ${name} is used twice` });
      seen.add(name);
      if (r.percentage === undefined && r.split === undefined && (r.stickiness !== undefined || r.groupId !== undefined)) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'stickiness'], message: 'stickiness and groupId apply only to a rule with a percentage or a split' });
      }
    });
    // A boolean flag's rollout serves `on` unless told otherwise.
    if (s.rollout) serves(s.rollout, ['rollout'], s.variants === undefined);
  });
export type FlagSpec = z.infer<typeof flagSpec>;

function valueType(v: FlagValue | unknown): FlagValueType {
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  return 'object';
}

/** Expected lifetime in minutes, null when permanent. */
export function flagLifetimeMinutes(spec: Pick<FlagSpec, 'expectedLifetime' | 'purpose'>): number | null {
  if (spec.expectedLifetime === 'permanent') return null;
  if (spec.expectedLifetime !== undefined) return parseDuration(spec.expectedLifetime);
  const days = defaultLifetimeDays[spec.purpose as FlagPurpose];
  return days === null ? null : days * 1440;
}

function toCondition(c: FlagSpec['rules'][number]['when'][number]): Condition {
  return {
    attribute: c.attribute,
    operator: c.operator,
    values: c.values ?? [c.value!],
    ...(c.caseInsensitive ? { caseInsensitive: true } : {}),
    ...(c.negate ? { negate: true } : {}),
  };
}

/** The pure definition domain/flags evaluates. */
export function flagDefinition(obj: ConfigObject<FlagSpec>): FlagDefinition {
  const s = obj.spec;
  const key = obj.metadata.name;
  const variants = (s.variants ?? { on: true, off: false }) as Record<string, FlagValue>;
  const defaultVariant = s.defaultVariant ?? 'off';
  const ruleOf = (
    r: { variant?: string; split?: { variant: string; weight: number }[]; stickiness?: string; groupId?: string },
    name: string,
    when: Condition[],
    pct: number | undefined,
    fallbackVariant?: string,
  ): RuleDefinition => ({
    name,
    conditions: when,
    ...(r.split ? { split: r.split } : { variant: r.variant ?? fallbackVariant! }),
    ...(pct !== undefined ? { percentage: pct } : {}),
    stickiness: r.stickiness ?? 'targetingKey',
    groupId: r.groupId ?? key,
  });
  return {
    key,
    type: valueType(Object.values(variants)[0]),
    variants,
    defaultVariant,
    offVariant: s.offVariant ?? defaultVariant,
    enabled: s.enabled,
    rules: s.rules.map((r, i) => ruleOf(r, r.name ?? `rule-${i + 1}`, r.when.map(toCondition), r.percentage)),
    ...(s.rollout ? { rollout: ruleOf(s.rollout, 'rollout', [], s.rollout.percentage, 'on') } : {}),
    metadata: { owner: s.owner, purpose: s.purpose },
  };
}

export const flag: KindDefinition<FlagSpec> = {
  kind: 'Flag',
  plural: 'flags',
  aliases: ['flag', 'feature-flag'],
  description: 'A feature flag owned by a team: boolean or multivariate, targeting rules, sticky percentage rollouts and weighted splits, a kill switch; evaluated over OFREP.',
  specSchema: flagSpec,
  applyOrder: 70,
  references: (spec) => {
    const refs: ObjectReference[] = [{ kind: 'Team', name: spec.owner, path: ['spec', 'owner'] }];
    spec.services.forEach((s, i) => refs.push({ kind: 'Service', name: s, path: ['spec', 'services', i] }));
    return refs;
  },
  owners: (obj) => [obj.spec.owner],
  columns: (obj) => ({
    name: obj.metadata.name,
    owner: obj.spec.owner,
    type: valueType(Object.values(obj.spec.variants ?? { on: true })[0]),
    purpose: obj.spec.purpose,
    enabled: String(obj.spec.enabled),
    rollout: obj.spec.rollout ? `${obj.spec.rollout.percentage}%` : '',
    rules: String(obj.spec.rules.length),
  }),
  filters: {
    owner: (obj, v) => obj.spec.owner === v,
    service: (obj, v) => obj.spec.services.includes(v),
  },
};
