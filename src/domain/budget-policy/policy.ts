// Budget policies and the release gate, pure: which policy governs a service, and what it says about a change of some
// kind given the service's SLOs. No I/O and no clock: the caller reads the SLO evaluations and the policies.

export type GateDecisionValue = 'allow' | 'warn' | 'deny';
/** What a threshold (or an SLO without data) asks for. */
export type PolicyAction = 'warn' | 'freeze';
export type Enforcement = 'blocking' | 'advisory';

export interface BudgetThreshold {
  /** The action applies when the remaining budget is at most this percentage of the whole budget (≤ 0: exhausted). */
  remainingAtMost: number;
  action: PolicyAction;
}

/** A budget policy as the gate applies it. */
export interface BudgetPolicyRule {
  /** The BudgetPolicy object's name; null for the built-in default. */
  name: string | null;
  /** `service`: it names the service; `organization`: the default (a policy without services); `built-in`: no policy. */
  scope: 'service' | 'organization' | 'built-in';
  enforcement: Enforcement;
  thresholds: BudgetThreshold[];
  /** Kinds of change a freeze lets through. */
  exempt: string[];
  /** What an SLO without data (or not evaluable) counts as. */
  noData: 'allow' | PolicyAction;
  /** Whether a break-glass reason may override a freeze. */
  breakGlass: boolean;
}

export const defaultThresholds: readonly BudgetThreshold[] = [
  { remainingAtMost: 25, action: 'warn' },
  { remainingAtMost: 0, action: 'freeze' },
];
export const defaultExempt: readonly string[] = ['fix', 'security', 'rollback'];

/**
 * Used when no BudgetPolicy applies: the usual thresholds, but advisory, so a gate warns out of the box and blocks only
 * once someone has written a policy that says so.
 */
export const builtInPolicy: BudgetPolicyRule = {
  name: null,
  scope: 'built-in',
  enforcement: 'advisory',
  thresholds: [...defaultThresholds],
  exempt: [...defaultExempt],
  noData: 'warn',
  breakGlass: true,
};

/** A policy as declared: `services` absent means the organisation default. */
export interface DeclaredPolicy extends Omit<BudgetPolicyRule, 'scope'> {
  name: string;
  services?: string[];
}

/** The policy that governs `service`: the one naming it, else the organisation default, else the built-in one. */
export function policyFor(service: string, policies: readonly DeclaredPolicy[]): BudgetPolicyRule {
  const own = policies.find((p) => p.services?.includes(service));
  const chosen = own ?? policies.find((p) => p.services === undefined);
  if (!chosen) return builtInPolicy;
  const { services: _services, ...rule } = chosen;
  return { ...rule, scope: own ? 'service' : 'organization' };
}

/** What the gate knows of one SLO of the service. */
export interface GateSlo {
  name: string;
  /** The engine's status (healthy, warning, exhausted, no_data), or `invalid` / `pending` when it has no evaluation. */
  status: string;
  /** Remaining budget as a fraction of the whole (negative when overspent); null without data. */
  remainingFraction: number | null;
}

export interface GateReason {
  slo: string;
  status: string;
  remainingFraction: number | null;
  /** The action this SLO asks for under the policy: none, warn or freeze. */
  action: 'none' | PolicyAction;
  /** The threshold that matched, in percent; null when none did or the SLO has no data. */
  threshold: number | null;
  policy: string;
  message: string;
}

export interface GateInput {
  service: string;
  /** The kind of change asking to go out; `deploy` when absent. */
  kind?: string;
  slos: readonly GateSlo[];
  policy: BudgetPolicyRule;
  /** A reason to override a freeze. */
  breakGlass?: string;
}

export interface GateDecision {
  decision: GateDecisionValue;
  service: string;
  kind: string;
  /** Some SLO asks for a freeze (whatever the enforcement, the kind or a break-glass made of it). */
  frozen: boolean;
  /** The kind is exempt from this policy's freezes. */
  exempt: boolean;
  /** A break-glass reason turned a deny into an allow: the caller must audit, record and announce it. */
  brokeGlass: boolean;
  policy: { name: string; scope: BudgetPolicyRule['scope']; enforcement: Enforcement };
  reasons: GateReason[];
  /** One sentence saying why. */
  summary: string;
}

const severity = { none: 0, warn: 1, freeze: 2 } as const;

/** The label a reason or a summary gives a policy. */
export function policyLabel(p: Pick<BudgetPolicyRule, 'name' | 'scope'>): string {
  if (p.name === null) return 'built-in default (advisory)';
  return p.scope === 'organization' ? `BudgetPolicy/${p.name} (organization default)` : `BudgetPolicy/${p.name}`;
}

const percent = (f: number): string => `${(Math.round(f * 10_000) / 100).toString()}%`;

/** What one SLO asks for under `policy`. */
export function sloAction(slo: GateSlo, policy: BudgetPolicyRule): GateReason {
  const label = policyLabel(policy);
  const base = { slo: slo.name, status: slo.status, remainingFraction: slo.remainingFraction, policy: label };
  if (slo.remainingFraction === null || slo.status === 'no_data' || slo.status === 'invalid' || slo.status === 'pending') {
    const action = policy.noData === 'allow' ? 'none' : policy.noData;
    const what = slo.status === 'invalid' ? 'has an invalid definition' : slo.status === 'pending' ? 'has not been evaluated yet' : 'has no data';
    return { ...base, action, threshold: null, message: `${slo.name} ${what}: the policy's noData says ${policy.noData}` };
  }
  // Comparing fractions, not percentages: remainingAtMost / 100 is the nearest double to the threshold itself.
  let match: BudgetThreshold | undefined;
  for (const t of policy.thresholds) {
    if (slo.remainingFraction <= t.remainingAtMost / 100 && (!match || severity[t.action] > severity[match.action])) match = t;
  }
  const remaining = `${percent(slo.remainingFraction)} of its error budget left`;
  if (!match) return { ...base, action: 'none', threshold: null, message: `${slo.name} has ${remaining} (${slo.status})` };
  return {
    ...base,
    action: match.action,
    threshold: match.remainingAtMost,
    message: `${slo.name} has ${remaining}, at most ${match.remainingAtMost}%: ${match.action}`,
  };
}

/**
 * The gate's answer for a change of `kind` to `service`: each SLO's action under the policy; the most severe wins. A
 * freeze denies when the policy is blocking, warns when advisory or when the kind is exempt; a break-glass reason
 * turns a deny into an allow (if the policy permits). No SLOs: allow, there is no budget to protect.
 */
export function decideGate(input: GateInput): GateDecision {
  const kind = input.kind ?? 'deploy';
  const p = input.policy;
  const label = policyLabel(p);
  const reasons = input.slos.map((s) => sloAction(s, p));
  const worst = reasons.reduce<'none' | PolicyAction>((w, r) => (severity[r.action] > severity[w] ? r.action : w), 'none');
  const exempt = p.exempt.includes(kind);
  const out = (decision: GateDecisionValue, summary: string, brokeGlass = false): GateDecision => ({
    decision,
    service: input.service,
    kind,
    frozen: worst === 'freeze',
    exempt,
    brokeGlass,
    policy: { name: p.name ?? 'built-in', scope: p.scope, enforcement: p.enforcement },
    reasons,
    summary,
  });
  if (input.slos.length === 0) return out('allow', `${input.service} has no SLOs: there is no error budget to protect`);
  const freezing = reasons.filter((r) => r.action === 'freeze').map((r) => r.slo);
  if (worst === 'none') return out('allow', `every SLO of ${input.service} is within budget under ${label}`);
  if (worst === 'warn') return out('warn', `${reasons.filter((r) => r.action === 'warn').map((r) => r.slo).join(', ')} low on budget under ${label}: proceed with care`);
  const frozen = `${input.service} is frozen by ${label} (${freezing.join(', ')})`;
  if (exempt) return out('warn', `${frozen}, but ${kind} changes are exempt`);
  if (p.enforcement === 'advisory') return out('warn', `${frozen}; the policy is advisory, so this is a warning`);
  if (input.breakGlass !== undefined && p.breakGlass) return out('allow', `${frozen}; overridden by break-glass: ${input.breakGlass}`, true);
  if (input.breakGlass !== undefined) return out('deny', `${frozen}, and the policy allows no break-glass`);
  return out('deny', `${frozen}: only ${p.exempt.join(', ') || 'no'} changes may go out, or a break-glass with a reason`);
}

/** Is `service` frozen for changes of `kind`? The question a rollout asks before its next step. */
export function isFrozenFor(kind: string, input: Omit<GateInput, 'kind' | 'breakGlass'>): boolean {
  return decideGate({ ...input, kind }).decision === 'deny';
}
