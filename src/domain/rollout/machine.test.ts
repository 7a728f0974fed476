import { describe, expect, it } from 'vitest';
import { initialState, manualAction, nextAction, type RolloutPlan, type RolloutState } from './machine.js';

const MIN = 60_000;
const plan: RolloutPlan = { steps: [{ weight: 10, bakeMs: 10 * MIN }, { weight: 50, bakeMs: 10 * MIN }, { weight: 100, bakeMs: 0 }], onFailure: 'rollback', analysis: false };
const quiet = { now: 0, burning: [], freeze: null };
const at = (step: number, startedAt: number, phase: RolloutState['phase'] = 'progressing'): RolloutState => ({ phase, step, stepStartedAt: startedAt, reason: '' });

describe('nextAction', () => {
  it('starts at the first step, bakes, then advances step by step and completes after the last bake', () => {
    expect(nextAction(plan, initialState, quiet)).toMatchObject({ type: 'set-weight', step: 0, weight: 10, phase: 'progressing' });
    expect(nextAction(plan, at(0, 0), { ...quiet, now: 10 * MIN - 1 })).toMatchObject({ type: 'none', reason: expect.stringMatching(/baking until 1970-01-01T00:10:00.000Z/) });
    expect(nextAction(plan, at(0, 0), { ...quiet, now: 10 * MIN })).toMatchObject({ type: 'set-weight', step: 1, weight: 50, reason: 'step 2 of 3: 10% → 50%' });
    expect(nextAction(plan, at(1, 0), { ...quiet, now: 10 * MIN })).toMatchObject({ type: 'set-weight', step: 2, weight: 100 });
    expect(nextAction(plan, at(2, 0), quiet)).toMatchObject({ type: 'complete' });
    expect(nextAction(plan, at(2, 0, 'completed'), quiet)).toMatchObject({ type: 'none' });
  });

  it('a burning guard SLO rolls back at once, mid-bake, even when paused', () => {
    const burning = { ...quiet, now: MIN, burning: ['checkout-availability'] };
    expect(nextAction(plan, at(1, 0), burning)).toEqual({ type: 'rollback', phase: 'rolled_back', reason: 'guard SLO checkout-availability is burning error budget' });
    expect(nextAction(plan, at(1, 0, 'paused'), burning)).toMatchObject({ type: 'rollback' });
    expect(nextAction(plan, at(1, 0, 'held'), burning)).toMatchObject({ type: 'rollback' });
    // onFailure pause: pauses, and leaves a paused rollout alone.
    const pausing = { ...plan, onFailure: 'pause' as const };
    expect(nextAction(pausing, at(1, 0), burning)).toMatchObject({ type: 'pause' });
    expect(nextAction(pausing, at(1, 0, 'paused'), burning)).toMatchObject({ type: 'none' });
    // Not started yet: nothing to roll back; it holds.
    expect(nextAction(plan, initialState, burning)).toMatchObject({ type: 'hold' });
  });

  it('a budget freeze holds the next step, never the current one', () => {
    const frozen = { ...quiet, now: 10 * MIN, freeze: 'checkout-availability has 3% budget left' };
    expect(nextAction(plan, initialState, frozen)).toMatchObject({ type: 'hold', reason: 'budget freeze: checkout-availability has 3% budget left' });
    expect(nextAction(plan, at(0, 0), frozen)).toMatchObject({ type: 'hold' });
    expect(nextAction(plan, at(0, 0, 'held'), { ...frozen, freeze: null })).toMatchObject({ type: 'set-weight', step: 1 });
    expect(nextAction(plan, at(2, 0), frozen)).toMatchObject({ type: 'complete' });
  });

  it('with analysis: asks for a verdict after the bake; pass advances, fail rolls back, marginal pauses', () => {
    const judged = { ...plan, analysis: true };
    const later = { ...quiet, now: 10 * MIN };
    expect(nextAction(judged, at(0, 0), { ...quiet, now: MIN })).toMatchObject({ type: 'none' });
    expect(nextAction(judged, at(0, 0), later)).toEqual({ type: 'judge' });
    expect(nextAction(judged, at(0, 0), { ...later, verdict: { result: 'pass', score: 100, reason: '' } })).toMatchObject({ type: 'set-weight', step: 1, reason: expect.stringMatching(/canary passed, score 100/) });
    expect(nextAction(judged, at(0, 0), { ...later, verdict: { result: 'fail', score: 40, reason: 'latency high' } })).toMatchObject({ type: 'rollback', reason: 'canary failed (score 40): latency high' });
    expect(nextAction(judged, at(0, 0), { ...later, verdict: { result: 'marginal', score: 80, reason: '' } })).toMatchObject({ type: 'pause' });
    expect(nextAction(judged, at(0, 0), { ...later, verdict: null })).toMatchObject({ type: 'none' });
  });
});

describe('manualAction', () => {
  it('pause, resume, promote and abort, refused when they make no sense', () => {
    expect(manualAction(plan, at(0, 0), 'pause', 'alice')).toEqual({ type: 'pause', reason: 'paused by alice' });
    expect(manualAction(plan, at(0, 0, 'paused'), 'pause', 'alice')).toMatchObject({ type: 'refuse' });
    expect(manualAction(plan, at(0, 0), 'resume', 'alice')).toMatchObject({ type: 'refuse', reason: 'the rollout is progressing, not paused' });
    expect(manualAction(plan, at(0, 0, 'paused'), 'resume', 'alice')).toEqual({ type: 'resume', reason: 'resumed by alice' });
    expect(manualAction(plan, at(0, 0), 'promote', 'alice')).toMatchObject({ type: 'set-weight', step: 2, weight: 100, phase: 'completed' });
    expect(manualAction(plan, at(1, 0), 'abort', 'alice')).toEqual({ type: 'rollback', phase: 'aborted', reason: 'aborted by alice' });
    expect(manualAction(plan, at(1, 0, 'rolled_back'), 'resume', 'alice')).toMatchObject({ type: 'refuse', reason: expect.stringMatching(/rolled back/) });
  });
});
