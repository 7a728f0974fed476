import { describe, expect, it } from 'vitest';
import { builtInPolicy, decideGate, isFrozenFor, policyFor, sloAction, type BudgetPolicyRule, type DeclaredPolicy, type GateSlo } from './policy.js';

const blocking: BudgetPolicyRule = {
  name: 'strict',
  scope: 'service',
  enforcement: 'blocking',
  thresholds: [
    { remainingAtMost: 25, action: 'warn' },
    { remainingAtMost: 0, action: 'freeze' },
  ],
  exempt: ['fix', 'security', 'rollback'],
  noData: 'warn',
  breakGlass: true,
};
const slo = (name: string, remainingFraction: number | null, status = 'healthy'): GateSlo => ({ name, remainingFraction, status });
const healthy = slo('availability', 0.8);
const low = slo('latency', 0.1, 'warning');
const spent = slo('availability', -0.4, 'exhausted');

describe('decideGate', () => {
  it('allows when every SLO is above every threshold', () => {
    const d = decideGate({ service: 'checkout', slos: [healthy, slo('latency', 0.26)], policy: blocking });
    expect(d).toMatchObject({ decision: 'allow', kind: 'deploy', frozen: false, brokeGlass: false, policy: { name: 'strict', scope: 'service', enforcement: 'blocking' } });
    expect(d.reasons.map((r) => r.action)).toEqual(['none', 'none']);
    expect(d.reasons[0]!.message).toBe('availability has 80% of its error budget left (healthy)');
  });

  it('warns at or below the warning threshold: the most severe SLO decides', () => {
    const d = decideGate({ service: 'checkout', slos: [healthy, low], policy: blocking });
    expect(d.decision).toBe('warn');
    expect(d.reasons[1]).toMatchObject({ slo: 'latency', action: 'warn', threshold: 25, remainingFraction: 0.1, policy: 'BudgetPolicy/strict' });
    // Exactly at the threshold counts (at most 25%).
    expect(decideGate({ service: 'checkout', slos: [slo('a', 0.25)], policy: blocking }).decision).toBe('warn');
    expect(decideGate({ service: 'checkout', slos: [slo('a', 0.2500001)], policy: blocking }).decision).toBe('allow');
  });

  it('denies a deploy when an SLO has spent its budget under a blocking policy, naming the SLO', () => {
    const d = decideGate({ service: 'checkout', slos: [spent, low], policy: blocking });
    expect(d).toMatchObject({ decision: 'deny', frozen: true, exempt: false });
    expect(d.reasons[0]).toMatchObject({ action: 'freeze', threshold: 0, message: 'availability has -40% of its error budget left, at most 0%: freeze' });
    expect(d.summary).toBe('checkout is frozen by BudgetPolicy/strict (availability): only fix, security, rollback changes may go out, or a break-glass with a reason');
    // Exactly exhausted (0 left) freezes too.
    expect(decideGate({ service: 'checkout', slos: [slo('a', 0)], policy: blocking }).decision).toBe('deny');
  });

  it('lets exempt kinds through a freeze with a warning, and only those', () => {
    for (const kind of ['fix', 'security', 'rollback']) {
      const d = decideGate({ service: 'checkout', kind, slos: [spent], policy: blocking });
      expect(d).toMatchObject({ decision: 'warn', frozen: true, exempt: true });
      expect(d.summary).toContain(`${kind} changes are exempt`);
    }
    for (const kind of ['deploy', 'config', 'flag', 'infrastructure']) expect(decideGate({ service: 'checkout', kind, slos: [spent], policy: blocking }).decision).toBe('deny');
    expect(decideGate({ service: 'checkout', kind: 'config', slos: [spent], policy: { ...blocking, exempt: ['config'] } }).decision).toBe('warn');
    expect(decideGate({ service: 'checkout', kind: 'fix', slos: [spent], policy: { ...blocking, exempt: [] } }).decision).toBe('deny');
  });

  it('only warns on a freeze when the policy is advisory', () => {
    const d = decideGate({ service: 'checkout', slos: [spent], policy: { ...blocking, enforcement: 'advisory' } });
    expect(d).toMatchObject({ decision: 'warn', frozen: true });
    expect(d.summary).toContain('advisory');
  });

  it('allows with a break-glass reason, and says so; not when the policy forbids it; ignores it when nothing is frozen', () => {
    const d = decideGate({ service: 'checkout', slos: [spent], policy: blocking, breakGlass: 'hotfix for INC-12' });
    expect(d).toMatchObject({ decision: 'allow', frozen: true, brokeGlass: true });
    expect(d.summary).toContain('overridden by break-glass: hotfix for INC-12');
    expect(decideGate({ service: 'checkout', slos: [spent], policy: { ...blocking, breakGlass: false }, breakGlass: 'please' })).toMatchObject({ decision: 'deny', brokeGlass: false });
    expect(decideGate({ service: 'checkout', slos: [healthy], policy: blocking, breakGlass: 'why not' })).toMatchObject({ decision: 'allow', brokeGlass: false });
    expect(decideGate({ service: 'checkout', kind: 'fix', slos: [spent], policy: blocking, breakGlass: 'x' })).toMatchObject({ decision: 'warn', brokeGlass: false });
  });

  it('allows a service without SLOs: there is no budget to protect', () => {
    const d = decideGate({ service: 'web', slos: [], policy: blocking });
    expect(d).toMatchObject({ decision: 'allow', reasons: [], frozen: false });
    expect(d.summary).toBe('web has no SLOs: there is no error budget to protect');
  });

  it('treats an SLO without data (or not evaluable) as the policy noData says', () => {
    const noData = slo('availability', null, 'no_data');
    expect(decideGate({ service: 'checkout', slos: [noData], policy: blocking }).decision).toBe('warn');
    expect(decideGate({ service: 'checkout', slos: [noData], policy: { ...blocking, noData: 'allow' } }).decision).toBe('allow');
    expect(decideGate({ service: 'checkout', slos: [noData], policy: { ...blocking, noData: 'freeze' } }).decision).toBe('deny');
    expect(sloAction(noData, blocking)).toMatchObject({ action: 'warn', threshold: null, message: "availability has no data: the policy's noData says warn" });
    // no_data wins over a stale remaining budget the engine may still report.
    expect(sloAction(slo('a', 0.9, 'no_data'), { ...blocking, noData: 'freeze' }).action).toBe('freeze');
    expect(sloAction(slo('a', null, 'invalid'), blocking).message).toContain('invalid definition');
    expect(sloAction(slo('a', null, 'pending'), blocking).message).toContain('not been evaluated yet');
  });

  it('applies the most severe matching threshold whatever their order', () => {
    const reversed = { ...blocking, thresholds: [...blocking.thresholds].reverse() };
    expect(sloAction(slo('a', -1), reversed)).toMatchObject({ action: 'freeze', threshold: 0 });
    expect(sloAction(slo('a', 0.1), reversed)).toMatchObject({ action: 'warn', threshold: 25 });
    // A freeze while budget remains: a stricter policy.
    const early = { ...blocking, thresholds: [{ remainingAtMost: 50, action: 'warn' as const }, { remainingAtMost: 10, action: 'freeze' as const }] };
    expect(decideGate({ service: 'checkout', slos: [slo('a', 0.1)], policy: early }).decision).toBe('deny');
    expect(decideGate({ service: 'checkout', slos: [slo('a', 0.11)], policy: early }).decision).toBe('warn');
  });

  it('isFrozenFor answers a rollout: frozen for a deploy, not for a fix', () => {
    expect(isFrozenFor('rollout', { service: 'checkout', slos: [spent], policy: blocking })).toBe(true);
    expect(isFrozenFor('fix', { service: 'checkout', slos: [spent], policy: blocking })).toBe(false);
    expect(isFrozenFor('rollout', { service: 'checkout', slos: [healthy], policy: blocking })).toBe(false);
  });
});

describe('policyFor', () => {
  const org: DeclaredPolicy = { ...blocking, name: 'default', enforcement: 'advisory' };
  const svc: DeclaredPolicy = { ...blocking, name: 'checkout-strict', services: ['checkout', 'payments-api'] };
  it('chooses the policy naming the service over the organisation default', () => {
    expect(policyFor('checkout', [org, svc])).toMatchObject({ name: 'checkout-strict', scope: 'service', enforcement: 'blocking' });
    expect(policyFor('web', [org, svc])).toMatchObject({ name: 'default', scope: 'organization', enforcement: 'advisory' });
    expect(policyFor('checkout', [org, svc])).not.toHaveProperty('services');
  });
  it('falls back to the built-in advisory default when no policy applies', () => {
    expect(policyFor('web', [svc])).toBe(builtInPolicy);
    const d = decideGate({ service: 'web', slos: [spent], policy: policyFor('web', []) });
    expect(d).toMatchObject({ decision: 'warn', policy: { name: 'built-in', scope: 'built-in', enforcement: 'advisory' } });
    expect(d.reasons[0]!.policy).toBe('built-in default (advisory)');
  });
  it('an organisation default and a service policy decide differently for the same budget', () => {
    const policies = [org, svc];
    expect(decideGate({ service: 'checkout', slos: [spent], policy: policyFor('checkout', policies) }).decision).toBe('deny');
    expect(decideGate({ service: 'web', slos: [spent], policy: policyFor('web', policies) }).decision).toBe('warn');
  });
});
