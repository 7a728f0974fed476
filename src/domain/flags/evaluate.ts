// Flag evaluation, pure: a flag definition (from the Flag kind) plus its runtime state (kill switch, rollout
// percentage) compiles once into a closure that answers OpenFeature-shaped results for a context. No I/O, no clock:
// the caller passes `now` (only date conditions on `currentTime` read it).
import { pickVariant, inRollout, type WeightedVariant } from './bucketing.js';
import { compareSemver, parseSemver, type SemVer } from './semver.js';

export type FlagValue = boolean | string | number | { [key: string]: unknown };
export type FlagValueType = 'boolean' | 'string' | 'number' | 'object';

export const stringOperators = ['in', 'not_in', 'starts_with', 'ends_with', 'contains'] as const;
export const numberOperators = ['eq', 'lt', 'lte', 'gt', 'gte'] as const;
export const semverOperators = ['semver_eq', 'semver_lt', 'semver_lte', 'semver_gt', 'semver_gte'] as const;
export const dateOperators = ['before', 'after'] as const;
export const operators = [...stringOperators, ...numberOperators, ...semverOperators, ...dateOperators] as const;
export type Operator = (typeof operators)[number];

/** `attribute` of the context compared with `values` (any of them, for the string operators; exactly one otherwise). */
export interface Condition {
  attribute: string;
  operator: Operator;
  values: (string | number)[];
  /** String operators only: compare without case. */
  caseInsensitive?: boolean;
  /** Inverts the result (Unleash's `inverted`). */
  negate?: boolean;
}

/** What a rule serves to the contexts it matches: one variant, or a weighted split; optionally to a percentage only. */
export interface RuleDefinition {
  name: string;
  /** All must hold; none = every context. */
  conditions: Condition[];
  variant?: string;
  split?: WeightedVariant[];
  /** 0..100; absent = every matching context. */
  percentage?: number;
  /** Context attribute whose value is hashed; `targetingKey` by default. */
  stickiness: string;
  /** Hash salt; the flag's key by default. Flags sharing a group expose the same users. */
  groupId: string;
}

export interface FlagDefinition {
  key: string;
  type: FlagValueType;
  variants: Record<string, FlagValue>;
  /** Served when the flag is on and no rule and no rollout serves anything. */
  defaultVariant: string;
  /** Served while the kill switch is off. */
  offVariant: string;
  enabled: boolean;
  /** First match wins. */
  rules: RuleDefinition[];
  /** Applies after the rules, to everyone; its percentage can be changed at runtime. */
  rollout?: RuleDefinition;
  /** Static metadata returned with every evaluation (owner, purpose). */
  metadata: Record<string, string | number | boolean>;
}

/** Runtime changes made through the API; each, when set, wins over the definition. */
export interface FlagRuntimeState {
  enabled?: boolean;
  percentage?: number;
}

export type EvaluationReason = 'STATIC' | 'DEFAULT' | 'TARGETING_MATCH' | 'SPLIT' | 'DISABLED' | 'ERROR';
export type EvaluationErrorCode = 'FLAG_NOT_FOUND' | 'PARSE_ERROR' | 'TYPE_MISMATCH' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT' | 'GENERAL';

export interface EvaluationSuccess {
  key: string;
  value: FlagValue;
  variant: string;
  reason: Exclude<EvaluationReason, 'ERROR'>;
  metadata: Record<string, string | number | boolean>;
}

export interface EvaluationFailure {
  key: string;
  errorCode: EvaluationErrorCode;
  errorDetails: string;
}

export type EvaluationResult = EvaluationSuccess | EvaluationFailure;

export type EvaluationContext = Record<string, unknown>;

export function isFailure(r: EvaluationResult): r is EvaluationFailure {
  return 'errorCode' in r;
}

export interface CompiledFlag {
  readonly definition: FlagDefinition;
  readonly state: FlagRuntimeState;
  readonly enabled: boolean;
  /** The rollout's effective percentage (runtime state, else the definition); undefined without a rollout. */
  readonly percentage: number | undefined;
  evaluate(context: EvaluationContext, nowMs: number): EvaluationResult;
}

type Predicate = (context: EvaluationContext, nowMs: number) => boolean;

/** A context value as text for comparison: strings, finite numbers and booleans; anything else is no value. */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') return String(v);
  return undefined;
}

function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Epoch milliseconds of an ISO 8601 string with a zone, or of a number taken as epoch milliseconds. */
export function instantOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(v)) {
    const t = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

function compileCondition(c: Condition): Predicate {
  const attr = c.attribute;
  const base = compileComparison(c);
  const read = (ctx: EvaluationContext, nowMs: number): unknown => {
    const v = ctx[attr];
    // Date conditions on `currentTime` compare the evaluation time when the caller does not send one (as Unleash).
    if (v === undefined && attr === 'currentTime') return nowMs;
    return v;
  };
  return c.negate ? (ctx, now) => !base(read(ctx, now)) : (ctx, now) => base(read(ctx, now));
}

function compileComparison(c: Condition): (v: unknown) => boolean {
  const op = c.operator;
  if ((stringOperators as readonly string[]).includes(op)) {
    const fold = c.caseInsensitive ? (s: string) => s.toLowerCase() : (s: string) => s;
    const values = c.values.map((v) => fold(String(v)));
    switch (op) {
      case 'in': {
        const set = new Set(values);
        return (v) => {
          const t = text(v);
          return t !== undefined && set.has(fold(t));
        };
      }
      case 'not_in': {
        // A missing attribute is not in the list (Unleash's NOT_IN).
        const set = new Set(values);
        return (v) => {
          const t = text(v);
          return t === undefined || !set.has(fold(t));
        };
      }
      case 'starts_with':
        return (v) => {
          const t = text(v);
          return t !== undefined && values.some((x) => fold(t).startsWith(x));
        };
      case 'ends_with':
        return (v) => {
          const t = text(v);
          return t !== undefined && values.some((x) => fold(t).endsWith(x));
        };
      default:
        return (v) => {
          const t = text(v);
          return t !== undefined && values.some((x) => fold(t).includes(x));
        };
    }
  }
  if ((numberOperators as readonly string[]).includes(op)) {
    const want = numberOf(c.values[0]);
    if (want === undefined) return () => false;
    const cmp = ordering(op);
    return (v) => {
      const n = numberOf(v);
      return n !== undefined && cmp(n - want);
    };
  }
  if ((semverOperators as readonly string[]).includes(op)) {
    const want = parseSemver(String(c.values[0]));
    if (!want) return () => false;
    const cmp = ordering(op.slice('semver_'.length));
    return (v) => {
      const t = text(v);
      const got: SemVer | undefined = t === undefined ? undefined : parseSemver(t);
      return got !== undefined && cmp(compareSemver(got, want));
    };
  }
  const want = instantOf(c.values[0]);
  if (want === undefined) return () => false;
  return op === 'before'
    ? (v) => {
        const t = instantOf(v);
        return t !== undefined && t < want;
      }
    : (v) => {
        const t = instantOf(v);
        return t !== undefined && t > want;
      };
}

function ordering(op: string): (difference: number) => boolean {
  switch (op) {
    case 'eq':
      return (d) => d === 0;
    case 'lt':
      return (d) => d < 0;
    case 'lte':
      return (d) => d <= 0;
    case 'gt':
      return (d) => d > 0;
    default:
      return (d) => d >= 0;
  }
}

type RuleOutcome = { variant: string; reason: 'TARGETING_MATCH' | 'SPLIT' } | { error: EvaluationFailure } | undefined;

function compileRule(key: string, rule: RuleDefinition, percentage: number | undefined): (ctx: EvaluationContext, nowMs: number) => RuleOutcome {
  const predicates = rule.conditions.map(compileCondition);
  const split = rule.split?.filter((s) => s.weight > 0);
  const totalWeight = split?.reduce((a, s) => a + s.weight, 0) ?? 0;
  const hashed = percentage !== undefined || split !== undefined;
  const reason = hashed ? 'SPLIT' : 'TARGETING_MATCH';
  return (ctx, nowMs) => {
    for (const p of predicates) if (!p(ctx, nowMs)) return undefined;
    if (percentage === 0) return undefined;
    let sticky: string | undefined;
    if (hashed) {
      sticky = text(ctx[rule.stickiness]);
      if (sticky === undefined) {
        if (rule.stickiness === 'targetingKey') {
          return { error: { key, errorCode: 'TARGETING_KEY_MISSING', errorDetails: `flag ${key}: rule ${rule.name} splits by targetingKey and the context has none` } };
        }
        // No value to hash: not part of the rollout (Unleash: a missing stickiness value is "off").
        return undefined;
      }
      if (percentage !== undefined && !inRollout(percentage, sticky, rule.groupId)) return undefined;
    }
    if (split && totalWeight > 0) return { variant: pickVariant(split, totalWeight, sticky!, rule.groupId), reason };
    return { variant: rule.variant!, reason };
  };
}

/** Compiles a flag with its runtime state; evaluation then allocates only its result. */
export function compileFlag(def: FlagDefinition, state: FlagRuntimeState = {}): CompiledFlag {
  const enabled = state.enabled ?? def.enabled;
  const percentage = def.rollout ? (state.percentage ?? def.rollout.percentage) : undefined;
  const steps = def.rules.map((r) => compileRule(def.key, r, r.percentage));
  if (def.rollout) steps.push(compileRule(def.key, def.rollout, percentage ?? 100));
  const serve = (variant: string, reason: EvaluationSuccess['reason'], rule?: string): EvaluationSuccess => ({
    key: def.key,
    value: def.variants[variant]!,
    variant,
    reason,
    metadata: rule ? { ...def.metadata, rule } : def.metadata,
  });
  const ruleNames = [...def.rules.map((r) => r.name), ...(def.rollout ? [def.rollout.name] : [])];
  const isStatic = steps.length === 0;
  return {
    definition: def,
    state,
    enabled,
    percentage,
    evaluate(context, nowMs) {
      const tk = context.targetingKey;
      if (tk !== undefined && typeof tk !== 'string') {
        return { key: def.key, errorCode: 'INVALID_CONTEXT', errorDetails: `targetingKey must be a string, got ${tk === null ? 'null' : typeof tk}` };
      }
      if (!enabled) return serve(def.offVariant, 'DISABLED');
      for (let i = 0; i < steps.length; i++) {
        const out = steps[i]!(context, nowMs);
        if (out === undefined) continue;
        if ('error' in out) return out.error;
        return serve(out.variant, out.reason, ruleNames[i]);
      }
      return serve(def.defaultVariant, isStatic ? 'STATIC' : 'DEFAULT');
    },
  };
}
