// Escalation policies, pure: when each step of a policy fires for a page, and when "nobody acknowledged" is declared.
// Steps fire in order; a step's `escalateAfterMinutes` is how long pave waits for an acknowledgement before the next
// step (after the last step: before repeating, or before declaring the page unacknowledged). Due times are counted
// from the start of the escalation, never from when a step actually fired, so a late step (a restart, a slow worker)
// does not push the later ones back.

export type EscalationTarget =
  | { type: 'schedule'; name: string }
  | { type: 'person'; name: string }
  | { type: 'team'; name: string };

export interface EscalationStep {
  targets: EscalationTarget[];
  /** Minutes to wait for an acknowledgement before moving on; > 0. */
  escalateAfterMinutes: number;
}

export interface EscalationPolicy {
  name: string;
  steps: EscalationStep[];
  /** How many more times the whole list of steps runs after the first pass: 0 = once. */
  repeat: number;
}

/** One firing of a step: the `index`-th (0-based, across rounds), which step, which round (0 = first pass). */
export interface StepFiring {
  index: number;
  step: number;
  round: number;
  dueAt: number;
}

const MINUTE_MS = 60_000;

/** How many step firings a policy has in all: its steps times (repeat + 1). */
export function firingCount(policy: EscalationPolicy): number {
  return policy.steps.length * (policy.repeat + 1);
}

/** Length of one pass through every step, in ms. */
export function passLengthMs(policy: EscalationPolicy): number {
  return policy.steps.reduce((sum, s) => sum + s.escalateAfterMinutes * MINUTE_MS, 0);
}

/** When the `index`-th firing is due, for an escalation started at `startedAt`; index = firingCount is exhaustion. */
export function dueAtOf(policy: EscalationPolicy, startedAt: number, index: number): number {
  const n = policy.steps.length;
  const round = Math.floor(index / n);
  const step = index % n;
  let offset = round * passLengthMs(policy);
  for (let i = 0; i < step; i++) offset += policy.steps[i]!.escalateAfterMinutes * MINUTE_MS;
  return startedAt + offset;
}

/** The `index`-th firing, or null when the index is past the last step (the page is then unacknowledged). */
export function firingOf(policy: EscalationPolicy, startedAt: number, index: number): StepFiring | null {
  if (index < 0 || index >= firingCount(policy)) return null;
  const n = policy.steps.length;
  return { index, step: index % n, round: Math.floor(index / n), dueAt: dueAtOf(policy, startedAt, index) };
}

/** When nobody having acknowledged is declared: one `escalateAfter` of the last step after the last firing. */
export function exhaustedAtOf(policy: EscalationPolicy, startedAt: number): number {
  return dueAtOf(policy, startedAt, firingCount(policy));
}

/** Every firing due at or before `now`, from `nextIndex` on: what a worker that was away must catch up on. */
export function firingsDue(policy: EscalationPolicy, startedAt: number, nextIndex: number, now: number): StepFiring[] {
  const due: StepFiring[] = [];
  for (let i = nextIndex; i < firingCount(policy); i++) {
    const f = firingOf(policy, startedAt, i)!;
    if (f.dueAt > now) break;
    due.push(f);
  }
  return due;
}

/** A policy's problems, as messages with a path inside its steps (empty when it is usable). */
export function checkPolicy(policy: EscalationPolicy): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  if (policy.steps.length === 0) issues.push({ path: ['steps'], message: 'a policy needs at least one step' });
  policy.steps.forEach((s, i) => {
    if (s.targets.length === 0) issues.push({ path: ['steps', i, 'targets'], message: 'a step needs at least one target' });
    if (!(s.escalateAfterMinutes > 0)) issues.push({ path: ['steps', i, 'escalateAfter'], message: 'must be longer than zero' });
  });
  if (!Number.isInteger(policy.repeat) || policy.repeat < 0) issues.push({ path: ['repeat'], message: 'a whole number ≥ 0' });
  return issues;
}
