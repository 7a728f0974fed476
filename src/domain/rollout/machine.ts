// A progressive rollout as a state machine, pure: given the plan, the state and what the runner observed (burning
// guard SLOs, a budget freeze, the canary verdict), what to do next. The runner (engine/rollout-runner.ts) applies the
// action — traffic weight through a flag or a webhook, a change event, the new state — in one transaction.

export type RolloutPhase = 'progressing' | 'held' | 'paused' | 'completed' | 'rolled_back' | 'aborted';

/** Phases in which nothing happens by itself any more. */
export const finishedPhases: readonly RolloutPhase[] = ['completed', 'rolled_back', 'aborted'];

export interface RolloutStep {
  /** Traffic weight (flag percentage) of this step, 0..100. */
  weight: number;
  /** How long the step runs before it may advance, in ms (0: at the next evaluation whose checks pass). */
  bakeMs: number;
}

export interface RolloutPlan {
  steps: readonly RolloutStep[];
  /** What a burning guard SLO or a failing canary does. */
  onFailure: 'rollback' | 'pause';
  /** Whether a canary verdict is needed before each advance. */
  analysis: boolean;
}

export interface RolloutState {
  phase: RolloutPhase;
  /** The step whose weight is in force; −1 before the first. */
  step: number;
  /** When the current step's weight was set (its bake counts from here), epoch ms. */
  stepStartedAt: number | null;
  reason: string;
}

export interface Observations {
  now: number;
  /** Guard SLOs with a firing burn alert. */
  burning: readonly string[];
  /** A budget freeze covering this rollout's kind of change, with its reason; null when not frozen. */
  freeze: string | null;
  /** The canary verdict over the current step's bake (only asked for when the machine says `judge`). */
  verdict?: { result: 'pass' | 'marginal' | 'fail'; score: number; reason: string } | null;
}

export type RolloutAction =
  | { type: 'none'; reason: string }
  /** The runner must judge the canary over [stepStartedAt, now] and ask again with the verdict. */
  | { type: 'judge' }
  | { type: 'set-weight'; step: number; weight: number; phase: 'progressing' | 'completed'; reason: string }
  | { type: 'rollback'; phase: 'rolled_back' | 'aborted'; reason: string }
  | { type: 'complete'; reason: string }
  | { type: 'pause'; reason: string }
  | { type: 'resume'; reason: string }
  | { type: 'hold'; reason: string };

export const initialState: RolloutState = { phase: 'progressing', step: -1, stepStartedAt: null, reason: 'not started' };

function failure(plan: RolloutPlan, reason: string): RolloutAction {
  return plan.onFailure === 'rollback' ? { type: 'rollback', phase: 'rolled_back', reason } : { type: 'pause', reason };
}

/** The next action of a rollout that runs by itself (not asked by a person). */
export function nextAction(plan: RolloutPlan, state: RolloutState, seen: Observations): RolloutAction {
  if (finishedPhases.includes(state.phase)) return { type: 'none', reason: `rollout ${state.phase}` };
  // A burn rolls back even a paused rollout (when that is the policy): people pause to look, not to keep burning.
  if (seen.burning.length > 0 && state.step >= 0) {
    const reason = `guard SLO ${seen.burning.join(', ')} ${seen.burning.length > 1 ? 'are' : 'is'} burning error budget`;
    if (plan.onFailure === 'rollback') return { type: 'rollback', phase: 'rolled_back', reason };
    if (state.phase !== 'paused') return { type: 'pause', reason };
  }
  if (state.phase === 'paused') return { type: 'none', reason: state.reason };
  const next = state.step + 1;
  if (state.step >= 0) {
    const bakeEnds = (state.stepStartedAt ?? seen.now) + plan.steps[state.step]!.bakeMs;
    if (seen.now < bakeEnds) return { type: 'none', reason: `step ${state.step + 1} baking until ${new Date(bakeEnds).toISOString()}` };
    if (plan.analysis) {
      if (seen.verdict === undefined) return { type: 'judge' };
      if (seen.verdict === null) return { type: 'none', reason: 'canary verdict unavailable; trying again' };
      if (seen.verdict.result === 'fail') return failure(plan, `canary failed (score ${seen.verdict.score}): ${seen.verdict.reason}`);
      if (seen.verdict.result === 'marginal') return { type: 'pause', reason: `canary marginal (score ${seen.verdict.score}): a person decides (resume or abort)` };
    }
  }
  if (next >= plan.steps.length) return { type: 'complete', reason: `last step (${plan.steps[state.step]!.weight}%) baked${plan.analysis ? ` and the canary passed (score ${seen.verdict?.score})` : ''}` };
  if (seen.burning.length > 0) return { type: 'hold', reason: `guard SLO ${seen.burning.join(', ')} burning: not starting` };
  if (seen.freeze !== null) return { type: 'hold', reason: `budget freeze: ${seen.freeze}` };
  const step = plan.steps[next]!;
  return {
    type: 'set-weight',
    step: next,
    weight: step.weight,
    phase: 'progressing',
    reason: state.step < 0 ? `started: step 1 of ${plan.steps.length} at ${step.weight}%` : `step ${next + 1} of ${plan.steps.length}: ${plan.steps[state.step]!.weight}% → ${step.weight}%${plan.analysis ? ` (canary passed, score ${seen.verdict?.score})` : ''}`,
  };
}

export type ManualCommand = 'pause' | 'resume' | 'promote' | 'abort';

/** What a person's command does, or why it cannot be done in this phase. */
export function manualAction(plan: RolloutPlan, state: RolloutState, command: ManualCommand, by: string): RolloutAction | { type: 'refuse'; reason: string } {
  if (finishedPhases.includes(state.phase)) return { type: 'refuse', reason: `the rollout is ${state.phase.replace('_', ' ')}; apply a new revision to start again` };
  switch (command) {
    case 'pause':
      if (state.phase === 'paused') return { type: 'refuse', reason: 'the rollout is already paused' };
      return { type: 'pause', reason: `paused by ${by}` };
    case 'resume':
      if (state.phase !== 'paused') return { type: 'refuse', reason: `the rollout is ${state.phase}, not paused` };
      return { type: 'resume', reason: `resumed by ${by}` };
    case 'promote': {
      const last = plan.steps.length - 1;
      return { type: 'set-weight', step: last, weight: plan.steps[last]!.weight, phase: 'completed', reason: `promoted to ${plan.steps[last]!.weight}% by ${by}` };
    }
    case 'abort':
      return { type: 'rollback', phase: 'aborted', reason: `aborted by ${by}` };
  }
}
