// Evaluation semantics: operators, rule order, kill switch, rollout and split reasons, context errors.
import { describe, expect, it } from 'vitest';
import { rolloutBucket } from './bucketing.js';
import { compileFlag, type Condition, type FlagDefinition } from './evaluate.js';

const base: FlagDefinition = {
  key: 'f',
  type: 'boolean',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  offVariant: 'off',
  enabled: true,
  rules: [],
  metadata: { owner: 'payments' },
};

function matches(c: Condition, context: Record<string, unknown>, now = 0): boolean {
  const f = compileFlag({ ...base, rules: [{ name: 'r', conditions: [c], variant: 'on', stickiness: 'targetingKey', groupId: 'f' }] });
  const r = f.evaluate(context, now);
  if ('errorCode' in r) throw new Error(r.errorDetails);
  return r.value === true;
}

describe('flag evaluation', () => {
  it('compares strings, numbers, semantic versions and dates as documented', () => {
    const c = (operator: Condition['operator'], values: (string | number)[], extra: Partial<Condition> = {}): Condition => ({ attribute: 'a', operator, values, ...extra });
    expect(matches(c('in', ['x', 'y']), { a: 'y' })).toBe(true);
    expect(matches(c('in', ['x']), { a: 'X' })).toBe(false);
    expect(matches(c('in', ['x'], { caseInsensitive: true }), { a: 'X' })).toBe(true);
    expect(matches(c('in', ['3']), { a: 3 })).toBe(true);
    expect(matches(c('not_in', ['x']), {})).toBe(true);
    expect(matches(c('not_in', ['x']), { a: 'x' })).toBe(false);
    expect(matches(c('starts_with', ['ab']), { a: 'abc' })).toBe(true);
    expect(matches(c('ends_with', ['@example.com']), { a: 'a@example.org' })).toBe(false);
    expect(matches(c('contains', ['ell']), { a: 'hello' })).toBe(true);
    expect(matches(c('contains', ['ell']), { a: { x: 'hello' } })).toBe(false);
    expect(matches(c('lt', [10]), { a: 9.5 })).toBe(true);
    expect(matches(c('lt', [10]), { a: '10' })).toBe(false);
    expect(matches(c('lte', [10]), { a: '10' })).toBe(true);
    expect(matches(c('gt', [10]), { a: 'ten' })).toBe(false);
    expect(matches(c('gte', [10]), {})).toBe(false);
    expect(matches(c('eq', [0.1]), { a: 0.1 })).toBe(true);
    expect(matches(c('semver_gt', ['2.1.0']), { a: '2.10.0' })).toBe(true);
    expect(matches(c('semver_lt', ['2.1.0']), { a: '2.1.0-rc.1' })).toBe(true);
    expect(matches(c('semver_lt', ['2.1.0-rc.2']), { a: '2.1.0-rc.10' })).toBe(false);
    expect(matches(c('semver_lt', ['1.0.0-beta']), { a: '1.0.0-alpha.1' })).toBe(true);
    expect(matches(c('semver_eq', ['2.1.0']), { a: '2.1.0+build.5' })).toBe(true);
    expect(matches(c('semver_gte', ['2.1.0']), { a: 'v2.2.0' })).toBe(false);
    expect(matches(c('semver_lte', ['2.1.0']), { a: '2.1.0' })).toBe(true);
    expect(matches(c('before', ['2026-12-01T00:00:00Z']), { a: '2026-11-30T23:59:59+00:00' })).toBe(true);
    expect(matches(c('after', ['2026-12-01']), { a: '2026-12-01T01:00:00+02:00' })).toBe(false);
    expect(matches(c('after', ['2026-12-01']), { a: Date.parse('2026-12-02T00:00:00Z') })).toBe(true);
    const cur: Condition = { attribute: 'currentTime', operator: 'after', values: ['2026-12-01T00:00:00Z'] };
    expect(matches(cur, {}, Date.parse('2026-12-01T00:00:01Z'))).toBe(true);
    expect(matches(cur, {}, Date.parse('2026-11-30T00:00:00Z'))).toBe(false);
    expect(matches(c('in', ['x'], { negate: true }), { a: 'x' })).toBe(false);
  });

  it('serves the first matching rule, then the rollout, then the default; the kill switch serves the off variant', () => {
    const def: FlagDefinition = {
      ...base,
      rules: [
        { name: 'blocked', conditions: [{ attribute: 'country', operator: 'in', values: ['XX'] }], variant: 'off', stickiness: 'targetingKey', groupId: 'f' },
        { name: 'staff', conditions: [{ attribute: 'staff', operator: 'in', values: ['true'] }], variant: 'on', stickiness: 'targetingKey', groupId: 'f' },
      ],
      rollout: { name: 'rollout', conditions: [], variant: 'on', percentage: 30, stickiness: 'targetingKey', groupId: 'f' },
    };
    const f = compileFlag(def);
    expect(f.evaluate({ targetingKey: 'a', country: 'XX', staff: true }, 0)).toEqual({ key: 'f', value: false, variant: 'off', reason: 'TARGETING_MATCH', metadata: { owner: 'payments', rule: 'blocked' } });
    expect(f.evaluate({ targetingKey: 'a', staff: true }, 0)).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    // Outside the staff rule: the 30% rollout by bucket.
    const ids = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    for (const id of ids) {
      const r = f.evaluate({ targetingKey: id }, 0);
      const inside = rolloutBucket(id, 'f') <= 30;
      expect(r).toMatchObject(inside ? { value: true, reason: 'SPLIT', metadata: { rule: 'rollout' } } : { value: false, reason: 'DEFAULT' });
    }
    // Runtime state: the percentage raised to 100 serves everyone; the kill switch serves off with DISABLED.
    expect(ids.every((id) => (compileFlag(def, { percentage: 100 }).evaluate({ targetingKey: id }, 0) as { value: boolean }).value)).toBe(true);
    expect(compileFlag(def, { enabled: false }).evaluate({ targetingKey: 'a', staff: true }, 0)).toEqual({ key: 'f', value: false, variant: 'off', reason: 'DISABLED', metadata: { owner: 'payments' } });
    // A flag with no rules and no rollout is static.
    expect(compileFlag(base).evaluate({}, 0)).toMatchObject({ value: false, reason: 'STATIC' });
  });

  it('needs a targeting key only where a split or percentage is reached; other stickiness attributes fall through when absent', () => {
    const def: FlagDefinition = {
      ...base,
      rules: [{ name: 'by-org', conditions: [], percentage: 100, variant: 'on', stickiness: 'orgId', groupId: 'f' }],
      rollout: { name: 'rollout', conditions: [], variant: 'on', percentage: 50, stickiness: 'targetingKey', groupId: 'f' },
    };
    const f = compileFlag(def);
    expect(f.evaluate({ orgId: 'acme' }, 0)).toMatchObject({ value: true, reason: 'SPLIT', metadata: { rule: 'by-org' } });
    expect(f.evaluate({}, 0)).toMatchObject({ key: 'f', errorCode: 'TARGETING_KEY_MISSING' });
    expect(f.evaluate({ targetingKey: 7 }, 0)).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
    // At 0% nothing is hashed, so no key is needed.
    expect(compileFlag(def, { percentage: 0 }).evaluate({}, 0)).toMatchObject({ value: false, reason: 'DEFAULT' });
    expect(compileFlag(def, { enabled: false }).evaluate({}, 0)).toMatchObject({ reason: 'DISABLED' });
  });
});
