// The rollout runner, on the leader only (store/leadership): every poll it looks at each Rollout object, asks the
// state machine (domain/rollout) what to do given the guard SLOs' burn alerts (store/slo-alerts, as the SLO engine
// records them), the budget policy's freeze and the canary verdict, and applies the answer: the traffic weight (a
// flag's percentage through store/flags.setFlagRollout, or the deploy's webhook), the new state, a step log row, a
// change event (what puts the step on incident timelines) and an audit entry, in one transaction. State lives in the
// store, so a restart or a new leader carries on where the last one stopped. People's commands (pause, resume,
// promote, abort) go through `command` on any replica, under the same per-rollout lock.
import type { Kysely } from 'kysely';
import { rolloutPlan, rolloutRevision, rolloutSpec, type RolloutSpec } from '../config/kinds/rollout.js';
import type { CanaryVerdict } from '../domain/canary/judge.js';
import type { CanaryAnalysis } from '../domain/canary/schema.js';
import type { ConfigObject } from '../domain/objects.js';
import { initialState, manualAction, nextAction, type ManualCommand, type RolloutAction, type RolloutPhase, type RolloutState } from '../domain/rollout/machine.js';
import { PollingLoop } from '../notify/polling-loop.js';
import { appendAudit } from '../store/audit.js';
import { recordChange } from '../store/changes.js';
import { setFlagRollout } from '../store/flags.js';
import type { Leadership } from '../store/leadership.js';
import { listObjects } from '../store/objects.js';
import { appendRolloutEvent, getRollout, lockRollout, saveRollout, setRolloutError, type StoredRollout } from '../store/rollouts.js';
import type { Database } from '../store/schema.js';
import { listAlertStates } from '../store/slo-alerts.js';

/** The leadership lock of the rollout runner ("pave" + 0x52, R for rollouts). */
export const rolloutLeadershipKey = 0x70617665_52n;
/** Who the runner acts as in change events, flag changes and the audit log. */
export const rolloutActor = 'pave:rollouts';

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export interface RolloutRunnerOptions {
  now: () => Date;
  leadership: Leadership;
  /** How often rollouts are looked at; well under the SLO engine's interval, so a burn acts within one interval. */
  pollMs: number;
  onError: (err: unknown) => void;
  /** The budget freeze covering `kind` changes of `service`, as one sentence; null when not frozen. */
  freeze: (service: string, kind: string) => Promise<string | null>;
  /** The canary verdict of an analysis over a time range. */
  judge: (analysis: CanaryAnalysis, range: { fromMs: number; toMs: number }) => Promise<CanaryVerdict>;
  fetch?: Fetch;
  env?: Readonly<Record<string, string | undefined>>;
  webhookTimeoutMs?: number;
}

export type CommandResult =
  | { outcome: 'done'; rollout: StoredRollout }
  | { outcome: 'refused'; reason: string }
  | { outcome: 'not_found' }
  | { outcome: 'failed'; reason: string };

interface Loaded {
  name: string;
  spec: RolloutSpec;
  revision: string;
  stored: StoredRollout | undefined;
}

function stateOf(l: Loaded): RolloutState {
  if (!l.stored || l.stored.revision !== l.revision) return initialState;
  const s = l.stored;
  return { phase: s.phase, step: s.step, stepStartedAt: s.stepStartedAt === null ? null : Date.parse(s.stepStartedAt), reason: s.reason };
}

export class RolloutRunner {
  private readonly loop: PollingLoop;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: RolloutRunnerOptions,
  ) {
    this.loop = new PollingLoop(async () => {
      await this.runOnce();
      return false;
    }, opts.pollMs, opts.onError);
  }

  private async load(obj: ConfigObject): Promise<Loaded | { name: string; error: string }> {
    const parsed = rolloutSpec.safeParse(obj.spec);
    if (!parsed.success) return { name: obj.metadata.name, error: parsed.error.message };
    return { name: obj.metadata.name, spec: parsed.data, revision: rolloutRevision(obj.spec), stored: await getRollout(this.db, obj.metadata.name) };
  }

  /** Looks at every rollout once (leader only); returns how many changed. */
  async runOnce(): Promise<number> {
    if (!(await this.opts.leadership.hold())) return 0;
    const objects = await listObjects(this.db, 'Rollout');
    if (objects.length === 0) return 0;
    const firing = new Set((await listAlertStates(this.db)).filter((a) => a.kind === 'burn' && a.state === 'firing').map((a) => a.slo));
    let changed = 0;
    for (const obj of objects) {
      try {
        const l = await this.load(obj);
        if ('error' in l) continue; // apply validated it; a spec from an older version is left alone
        if (await this.step(l, firing)) changed++;
      } catch (err) {
        this.opts.onError(err);
      }
    }
    return changed;
  }

  private async step(l: Loaded, firing: ReadonlySet<string>): Promise<boolean> {
    const now = this.opts.now().getTime();
    const plan = rolloutPlan(l.spec);
    const state = stateOf(l);
    const burning = l.spec.guard.slos.filter((s) => firing.has(s));
    const seen = { now, burning, freeze: null as string | null, verdict: undefined as { result: 'pass' | 'marginal' | 'fail'; score: number; reason: string } | null | undefined };
    let action = nextAction(plan, state, seen);
    let verdict: CanaryVerdict | undefined;
    if (action.type === 'judge') {
      try {
        verdict = await this.opts.judge(l.spec.analysis!, { fromMs: state.stepStartedAt ?? now, toMs: now });
        seen.verdict = { result: verdict.result, score: verdict.score, reason: verdict.reason };
      } catch (err) {
        seen.verdict = null;
        await this.recordError(l, `canary analysis: ${(err as Error).message}`, new Date(now));
      }
      action = nextAction(plan, state, seen);
    }
    // The budget is asked only before traffic goes up.
    if (action.type === 'set-weight' && action.phase === 'progressing') {
      seen.freeze = await this.opts.freeze(l.spec.service, l.spec.changeKind);
      if (seen.freeze !== null) action = nextAction(plan, state, seen);
    }
    if (action.type === 'none' || action.type === 'judge') return false;
    if (action.type === 'hold' && state.phase === 'held' && state.reason === action.reason && l.stored?.revision === l.revision) return false;
    const r = await this.apply(l, state, action, { actor: rolloutActor, verdict, expectUpdatedAt: l.stored?.updatedAt });
    return r.outcome === 'done';
  }

  /** A person's command; refused when the phase does not allow it. */
  async command(name: string, command: ManualCommand, by: { actor: string; requestId?: string | null }): Promise<CommandResult> {
    const obj = (await listObjects(this.db, 'Rollout')).find((o) => o.metadata.name === name);
    if (!obj) return { outcome: 'not_found' };
    const l = await this.load(obj);
    if ('error' in l) return { outcome: 'failed', reason: `the stored Rollout does not validate: ${l.error}` };
    const state = stateOf(l);
    const action = manualAction(rolloutPlan(l.spec), state, command, by.actor);
    if (action.type === 'refuse') return { outcome: 'refused', reason: action.reason };
    if (action.type === 'none' || action.type === 'judge') return { outcome: 'refused', reason: 'nothing to do' };
    const r = await this.apply(l, state, action, { actor: by.actor, requestId: by.requestId ?? null, command, expectUpdatedAt: l.stored?.updatedAt });
    this.nudge();
    return r;
  }

  /** Keeps why a step could not be taken, for `pave rollout status`; a run not started yet gets its first row. */
  private async recordError(l: Loaded, error: string, at: Date): Promise<void> {
    if (l.stored && l.stored.revision === l.revision) {
      await setRolloutError(this.db, l.name, error, at);
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      await lockRollout(trx, l.name);
      const fresh = await getRollout(trx, l.name);
      if (fresh?.updatedAt !== l.stored?.updatedAt) return;
      const iso = at.toISOString();
      await saveRollout(trx, { name: l.name, revision: l.revision, phase: 'progressing', step: -1, weight: 0, stepStartedAt: null, reason: 'not started', lastError: error.slice(0, 2000), startedAt: iso, updatedAt: at, updatedBy: rolloutActor });
    });
  }

  /** Sends the webhook of an external deploy; throws with a short reason when it does not answer 2xx. */
  private async callWebhook(l: Loaded, body: Record<string, unknown>, rollback: boolean): Promise<void> {
    const hook = l.spec.target.webhook!;
    const url = rollback && hook.rollbackUrl ? hook.rollbackUrl : hook.url;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const [h, v] of Object.entries(hook.headersFromEnv)) {
      const value = (this.opts.env ?? process.env)[v];
      if (!value) throw new Error(`environment variable ${v} (header ${h}) is not set`);
      headers[h] = value;
    }
    const res = await (this.opts.fetch ?? fetch)(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(this.opts.webhookTimeoutMs ?? 10_000) });
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  }

  private async apply(
    l: Loaded,
    state: RolloutState,
    action: Exclude<RolloutAction, { type: 'none' } | { type: 'judge' }>,
    ctx: { actor: string; requestId?: string | null; command?: ManualCommand; verdict?: CanaryVerdict; expectUpdatedAt: string | undefined },
  ): Promise<CommandResult> {
    const now = this.opts.now();
    const current = l.stored && l.stored.revision === l.revision ? l.stored.weight : 0;
    const next: { phase: RolloutPhase; step: number; weight: number; stepStartedAt: number | null } = { phase: state.phase, step: state.step, weight: current, stepStartedAt: state.stepStartedAt };
    let changeKind: 'rollout' | 'rollback' = 'rollout';
    switch (action.type) {
      case 'set-weight':
        Object.assign(next, { phase: action.phase, step: action.step, weight: action.weight, stepStartedAt: now.getTime() });
        break;
      case 'rollback':
        Object.assign(next, { phase: action.phase, weight: 0 });
        changeKind = 'rollback';
        break;
      case 'complete':
        next.phase = 'completed';
        break;
      case 'pause':
        next.phase = 'paused';
        break;
      case 'resume':
        Object.assign(next, { phase: 'progressing', stepStartedAt: state.step >= 0 ? now.getTime() : null });
        break;
      case 'hold':
        next.phase = 'held';
        break;
    }
    const trafficChanges = next.weight !== current || (action.type === 'set-weight' && state.step < 0);
    const actionName = ctx.command ?? (action.type === 'set-weight' ? (state.step < 0 ? 'start' : 'advance') : action.type);
    // The deploy's own traffic first: only a weight it accepted is recorded as in force.
    if (trafficChanges && l.spec.target.webhook) {
      try {
        await this.callWebhook(l, { rollout: l.name, service: l.spec.service, version: l.spec.version ?? null, step: next.step + 1, steps: l.spec.steps.length, weight: next.weight, action: actionName, reason: action.reason }, action.type === 'rollback');
      } catch (err) {
        const reason = `webhook: ${(err as Error).message}`;
        await this.recordError(l, reason, now);
        return { outcome: 'failed', reason };
      }
    }
    return this.db.transaction().execute(async (trx) => {
      await lockRollout(trx, l.name);
      const fresh = await getRollout(trx, l.name);
      // Someone else (a person, another cycle) moved it since it was read: look again next time.
      if (fresh?.updatedAt !== ctx.expectUpdatedAt) return { outcome: 'refused' as const, reason: 'the rollout changed meanwhile; try again' };
      if (trafficChanges && l.spec.target.flag) {
        await setFlagRollout(trx, l.spec.target.flag, { percentage: next.weight, reason: `rollout ${l.name}: ${action.reason}` }, { actor: ctx.actor, requestId: ctx.requestId ?? null, now });
      }
      const change = await recordChange(trx, {
        kind: changeKind,
        service: l.spec.service,
        version: l.spec.version ?? null,
        author: ctx.actor,
        recordedBy: rolloutActor,
        summary: `rollout ${l.name}: ${action.reason}${trafficChanges ? ` (traffic ${current}% → ${next.weight}%)` : ''}`,
        source: 'pave',
        at: now,
        labels: { rollout: l.name },
        details: { rollout: l.name, revision: l.revision, action: actionName, phase: next.phase, step: next.step + 1, steps: l.spec.steps.length, weightBefore: current, weight: next.weight, ...(ctx.verdict ? { canary: { result: ctx.verdict.result, score: ctx.verdict.score } } : {}) },
      });
      const saved: StoredRollout = {
        name: l.name,
        revision: l.revision,
        phase: next.phase,
        step: next.step,
        weight: next.weight,
        stepStartedAt: next.stepStartedAt === null ? null : new Date(next.stepStartedAt).toISOString(),
        reason: action.reason,
        lastError: null,
        startedAt: fresh && fresh.revision === l.revision ? fresh.startedAt : now.toISOString(),
        updatedAt: now.toISOString(),
        updatedBy: ctx.actor,
      };
      await saveRollout(trx, { ...saved, updatedAt: now });
      await appendRolloutEvent(trx, { rollout: l.name, revision: l.revision, at: now, action: actionName, phase: next.phase, step: next.step, weight: next.weight, reason: action.reason, actor: ctx.actor, changeId: change.id, details: ctx.verdict ? { canary: ctx.verdict } : {} });
      await appendAudit(trx, [{ actor: ctx.actor, action: actionName, kind: 'RolloutState', name: l.name, before: fresh ?? null, after: saved, requestId: ctx.requestId ?? null }]);
      return { outcome: 'done' as const, rollout: (await getRollout(trx, l.name))! };
    });
  }

  start(): void {
    this.loop.start();
  }

  nudge(): void {
    this.loop.nudge();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.opts.leadership.release();
  }
}
