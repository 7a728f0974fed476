// Progressive rollouts: every Rollout with its phase, step and traffic weight (/rollouts), and one rollout in full
// (/rollout/{name}): why it is where it is, how long the step still bakes, its guard SLOs, the release gate for its
// service, its plan and step log, and the commands a person gives it (pause, resume, promote, abort; the API decides
// who may, and says why not).
import { useEffect, useRef, useState } from 'react';
import { ApiFailure, enc, post } from '../api';
import { ErrorBox, Loading, Section, StatusBadge } from '../components/common';
import { GateBadge, GateState } from '../components/GateState';
import { pct, utcTime } from '../format';
import { useLive, useQuery } from '../live';
import { Link } from '../router';
import type { RolloutObject, RolloutPhase, RolloutStatus, SloObject } from '../types';

const phaseWords: Record<RolloutPhase, string> = {
  pending: 'not started',
  progressing: 'progressing',
  held: 'held',
  paused: 'paused',
  completed: 'completed',
  rolled_back: 'rolled back',
  aborted: 'aborted',
};
const finished: readonly RolloutPhase[] = ['completed', 'rolled_back', 'aborted'];

export function PhaseBadge({ phase }: { phase: RolloutPhase }) {
  return <span className={`badge phase-${phase}`}>{phaseWords[phase] ?? phase}</span>;
}

/** "step 2 of 3", or where a run stands before its first step. */
export function stepText(s: RolloutStatus): string {
  if (s.state.step < 0) return `not started (${s.steps.length} steps)`;
  return `step ${s.state.step + 1} of ${s.steps.length}`;
}

function durationText(ms: number): string {
  const m = Math.ceil(ms / 60_000);
  if (m < 60) return `${m} min`;
  if (m < 2880) return m % 60 === 0 ? `${m / 60} h` : `${Math.floor(m / 60)} h ${m % 60} min`;
  return `${(m / 1440).toFixed(1)} d`;
}

/**
 * How long the current step still bakes before the runner may advance, when that is knowable: only a progressing or
 * held run with a start time has a running bake. After it the guards, the canary (if any) and the budget still decide.
 */
export function bakeText(s: RolloutStatus, nowMs: number): string | null {
  const st = s.state;
  if (st.step < 0 || !st.stepStartedAt || !(st.phase === 'progressing' || st.phase === 'held')) return null;
  const step = s.steps[st.step];
  if (!step) return null;
  const isLast = st.step === s.steps.length - 1;
  const then = isLast ? 'completes' : `may go to step ${st.step + 2} (${s.steps[st.step + 1]!.weight}%)`;
  const checks = `${s.analysis ? 'the canary judge, ' : ''}the guard SLOs${isLast ? '' : ' and the budget'}`;
  if (step.bakeMinutes === 0) return `no bake time: ${then} at the runner's next check that ${checks} pass`;
  const left = Date.parse(st.stepStartedAt) + step.bakeMinutes * 60_000 - nowMs;
  if (left <= 0) return `baked: ${then} once ${checks} allow it`;
  return `${durationText(left)} of ${durationText(step.bakeMinutes * 60_000)} bake left (until ${utcTime(Date.parse(st.stepStartedAt) + step.bakeMinutes * 60_000)}); then it ${then} if ${checks} allow it`;
}

/** A clock for countdowns: re-renders every `ms`. */
function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(t);
  }, [ms]);
  return now;
}

function WeightBar({ name, weight }: { name: string; weight: number }) {
  return (
    <span className="weight">
      <progress max={100} value={weight} aria-label={`Traffic weight of ${name}`} aria-valuetext={`${weight}% of traffic`} /> {weight}% of traffic
    </span>
  );
}

function TargetText({ s }: { s: RolloutStatus }) {
  if ('flag' in s.target) {
    return (
      <>
        flag <Link to="/flags">{s.target.flag}</Link>
      </>
    );
  }
  return <>an external deploy (webhook)</>;
}

export function RolloutsPage() {
  const list = useQuery<{ items: RolloutObject[] }>('/api/v1/rollouts');
  return (
    <>
      <h1>Rollouts</h1>
      <p className="muted">
        Each rollout raises a flag's percentage or a deploy's traffic step by step, advancing only while its guard SLOs do not burn and the budget is not frozen (docs/rollouts.md).
      </p>
      <ErrorBox error={list.error} title="Could not load rollouts" />
      {!list.data ? (
        !list.error && <Loading what="rollouts" />
      ) : list.data.items.length === 0 ? (
        <p>No rollouts are declared. Add a Rollout in YAML (docs/config/rollout.md) and apply it.</p>
      ) : (
        <table className="grid" aria-label="Rollouts">
          <thead>
            <tr>
              <th scope="col">Rollout</th>
              <th scope="col">Service</th>
              <th scope="col">Target</th>
              <th scope="col">Phase</th>
              <th scope="col">Progress</th>
              <th scope="col">Why</th>
              <th scope="col">Release gate now</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((r) => (
              <RolloutRow key={r.metadata.name} rollout={r} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function RolloutRow({ rollout }: { rollout: RolloutObject }) {
  const name = rollout.metadata.name;
  const q = useQuery<RolloutStatus>(`/api/v1/rollouts/${enc(name)}/status`);
  const s = q.data;
  return (
    <tr data-rollout={name}>
      <th scope="row">
        <Link to={`/rollout/${enc(name)}`}>{name}</Link>
        {rollout.spec.description && <div className="muted small">{rollout.spec.description}</div>}
      </th>
      <td>
        <Link to={`/service/${enc(rollout.spec.service)}`}>{rollout.spec.service}</Link>
      </td>
      <td>{rollout.spec.target.flag ? <>flag {rollout.spec.target.flag}</> : 'webhook'}</td>
      {q.error ? (
        <td colSpan={3}>
          <ErrorBox error={q.error} title={`Could not load the state of ${name}`} />
        </td>
      ) : !s ? (
        <td colSpan={3} className="muted">
          Loading…
        </td>
      ) : (
        <>
          <td>
            <PhaseBadge phase={s.state.phase} />
          </td>
          <td>
            <div>{stepText(s)}</div>
            <WeightBar name={name} weight={s.state.weight} />
          </td>
          <td>{s.state.reason}</td>
        </>
      )}
      <td>
        <GateBadge service={rollout.spec.service} kind={rollout.spec.changeKind ?? 'deploy'} />
        <div className="muted small">for {rollout.spec.changeKind ?? 'deploy'} changes of {rollout.spec.service}</div>
      </td>
    </tr>
  );
}

export function RolloutDetail({ name }: { name: string }) {
  const q = useQuery<RolloutStatus>(`/api/v1/rollouts/${enc(name)}/status`);
  const obj = useQuery<RolloutObject>(`/api/v1/rollouts/${enc(name)}`);
  const now = useNow(10_000);
  if (q.error) return <ErrorBox error={q.error} title={`Could not load rollout ${name}`} />;
  if (!q.data) return <Loading what={`rollout ${name}`} />;
  const s = q.data;
  const st = s.state;
  const bake = bakeText(s, now);
  return (
    <>
      <h1>
        {name} <span className="muted small">rollout</span>
      </h1>
      {obj.data?.spec.description && <p>{obj.data.spec.description}</p>}
      <dl className="facts">
        <div>
          <dt>Service</dt>
          <dd>
            <Link to={`/service/${enc(s.service)}`}>{s.service}</Link>
          </dd>
        </div>
        <div>
          <dt>Target</dt>
          <dd>
            <TargetText s={s} />
          </dd>
        </div>
        <div>
          <dt>Kind of change</dt>
          <dd>{obj.data?.spec.changeKind ?? 'deploy'}</dd>
        </div>
        {obj.data?.spec.version && (
          <div>
            <dt>Version</dt>
            <dd>{obj.data.spec.version}</dd>
          </div>
        )}
        <div>
          <dt>Revision</dt>
          <dd>
            <code>{s.revision}</code>
          </dd>
        </div>
      </dl>

      <section className="rollout-progress" aria-labelledby="rollout-progress" data-phase={st.phase}>
        <h2 id="rollout-progress">Progress</h2>
        <p className="rollout-now">
          <PhaseBadge phase={st.phase} /> <strong>{stepText(s)}</strong> <WeightBar name={name} weight={st.weight} />
        </p>
        <p>
          <strong>Why:</strong> {st.reason}
        </p>
        {bake && (
          <p>
            <strong>Bake:</strong> {bake}
          </p>
        )}
        {st.phase === 'paused' && <p>Paused rollouts wait for a person: resume to go on (the step bakes again from now), or abort.</p>}
        {st.lastError && (
          <p className="hot">
            Last error: {st.lastError} <span className="muted small">(the runner retries at its next poll)</span>
          </p>
        )}
        {st.updatedAt && (
          <p className="muted small">
            Last changed {utcTime(st.updatedAt)} by {st.updatedBy}; run started {utcTime(st.startedAt)}.
          </p>
        )}
        <RolloutCommands status={s} onDone={q.reload} />
      </section>

      <div className="columns">
        <Section title="Plan" id="rollout-plan">
          <table className="grid compact" aria-label={`Steps of ${name}`}>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Weight</th>
                <th scope="col">Bake</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {s.steps.map((p, i) => (
                <tr key={p.step} aria-current={i === st.step ? 'step' : undefined} className={i === st.step ? 'current' : undefined}>
                  <th scope="row">{p.step}</th>
                  <td>{p.weight}%</td>
                  <td>{p.bakeMinutes === 0 ? 'none' : durationText(p.bakeMinutes * 60_000)}</td>
                  <td>{i === st.step ? (finished.includes(st.phase) ? `last in force (${phaseWords[st.phase]})` : 'in force now') : i < st.step ? 'done' : 'to come'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {s.analysis && (
            <p className="small">
              Canary analysis before each advance: {s.analysis.metrics.join(', ')}; pass at a score of {s.analysis.thresholds.pass}, marginal (a person decides) from {s.analysis.thresholds.marginal}.
            </p>
          )}
        </Section>
        <Section title="Guard SLOs" id="rollout-guard">
          {s.guard.slos.length === 0 ? (
            <p>Nothing guards this rollout{s.analysis ? ' but its canary analysis' : ''}: it advances on time alone.</p>
          ) : (
            <>
              <p className="small">
                A burn alert on any of these {s.guard.onFailure === 'rollback' ? 'rolls the rollout back to 0%' : 'pauses the rollout for a person'}.
              </p>
              <ul>
                {s.guard.slos.map((slo) => (
                  <GuardSlo key={slo} name={slo} />
                ))}
              </ul>
            </>
          )}
        </Section>
      </div>

      {/* Keyed by the kind, so the selector starts at the rollout's own kind once the object has loaded. */}
      <GateState service={s.service} kind={obj.data?.spec.changeKind ?? 'deploy'} key={obj.data?.spec.changeKind ?? 'deploy'} />

      <Section title="Step log" id="rollout-log">
        {s.events.length === 0 ? (
          <p>Nothing has happened yet in this run.</p>
        ) : (
          <table className="grid compact" aria-label={`Step log of ${name}`}>
            <thead>
              <tr>
                <th scope="col">At</th>
                <th scope="col">Action</th>
                <th scope="col">Step</th>
                <th scope="col">Weight</th>
                <th scope="col">Phase</th>
                <th scope="col">By</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {s.events.map((e) => (
                <tr key={e.id}>
                  <th scope="row">{utcTime(e.at)}</th>
                  <td>{e.action}</td>
                  <td>{e.step < 0 ? '–' : e.step + 1}</td>
                  <td>{e.weight}%</td>
                  <td>{phaseWords[e.phase] ?? e.phase}</td>
                  <td>{e.actor}</td>
                  <td>{e.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {s.previousRun && (
          <p className="muted small">
            The previous revision ended {phaseWords[s.previousRun.phase] ?? s.previousRun.phase} at {s.previousRun.weight}%: {s.previousRun.reason}
          </p>
        )}
      </Section>

      <Section title="Change events" id="rollout-changes">
        {s.changes.length === 0 ? (
          <p>No change events recorded for this rollout yet.</p>
        ) : (
          <ul>
            {s.changes.map((c) => (
              <li key={c.id}>
                <span className="muted">{utcTime(c.at)}</span> <span className="badge badge-pending">{c.kind}</span> {c.summary}
              </li>
            ))}
          </ul>
        )}
      </Section>
    </>
  );
}

function GuardSlo({ name }: { name: string }) {
  // One SLO's GET answers its full evaluation (the list answers a summary): status, budget and each tier's firing.
  const q = useQuery<SloObject>(`/api/v1/slos/${enc(name)}`);
  const e = q.data?.evaluation;
  const firing = (e?.tiers ?? []).filter((t) => t.firing).map((t) => t.id);
  return (
    <li data-guard-slo={name}>
      <Link to={`/slo/${enc(name)}`}>{name}</Link>{' '}
      {q.error ? (
        <span className="muted">({q.error.message})</span>
      ) : q.data ? (
        <>
          <StatusBadge status={e?.status} /> {e?.budget && <span>{pct(e.budget.remainingFraction, 1)} of its budget left; </span>}
          {firing.length > 0 ? <span className="hot">burning: {firing.join(', ')} firing</span> : <span className="muted">no burn alert firing</span>}
        </>
      ) : (
        <span className="muted">loading…</span>
      )}
    </li>
  );
}

type Command = 'pause' | 'resume' | 'promote' | 'abort';

/** What a command is about to do, for the confirmation of the ones that cannot be taken back. */
function consequence(command: 'promote' | 'abort', s: RolloutStatus): string {
  const last = s.steps[s.steps.length - 1]!;
  const target = 'flag' in s.target ? `flag ${s.target.flag}` : 'the deploy';
  if (command === 'promote') return `Promote ${s.name}: ${target} goes to ${last.weight}% at once, skipping the remaining bakes and checks, and the rollout completes.`;
  return `Abort ${s.name}: ${'flag' in s.target ? `${target} goes back to 0%` : 'the rollback webhook is called'}, and this run ends (apply a new revision to start again).`;
}

function RolloutCommands({ status: s, onDone }: { status: RolloutStatus; onDone: () => void }) {
  const { refresh } = useLive();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiFailure | undefined>();
  const [done, setDone] = useState('');
  const [confirming, setConfirming] = useState<'promote' | 'abort' | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const openers = { promote: useRef<HTMLButtonElement>(null), abort: useRef<HTMLButtonElement>(null) };
  // Cancelling puts focus back on the button that asked, so keyboard users continue where they were.
  const cancel = () => {
    const from = confirming;
    setConfirming(null);
    if (from) window.setTimeout(() => openers[from].current?.focus(), 0);
  };
  const phase = s.state.phase;
  const over = finished.includes(phase);
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  const send = async (command: Command) => {
    setBusy(true);
    setError(undefined);
    setDone('');
    setConfirming(null);
    try {
      const r = await post<{ phase: RolloutPhase; weight: number }>(`/api/v1/rollouts/${enc(s.name)}/${command}`);
      setDone(`${s.name}: ${command} done, now ${phaseWords[r.phase] ?? r.phase} at ${r.weight}%.`);
      onDone();
      refresh();
    } catch (err) {
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, 'client', String(err)));
      onDone();
    } finally {
      setBusy(false);
    }
  };

  if (over) return <p className="muted">This run is {phaseWords[phase]}: nothing more to command. Apply a changed Rollout to start a new run.</p>;
  return (
    <div className="rollout-commands">
      <div className="actions" role="group" aria-label={`Commands for ${s.name}`}>
        <button type="button" disabled={busy || phase === 'paused'} onClick={() => void send('pause')}>
          Pause
        </button>
        <button type="button" disabled={busy || phase !== 'paused'} onClick={() => void send('resume')}>
          Resume
        </button>
        <button ref={openers.promote} type="button" disabled={busy} aria-expanded={confirming === 'promote'} onClick={() => setConfirming('promote')}>
          Promote…
        </button>
        <button ref={openers.abort} type="button" disabled={busy} aria-expanded={confirming === 'abort'} onClick={() => setConfirming('abort')}>
          Abort…
        </button>
      </div>
      {confirming && (
        <div className="confirm" role="group" aria-label={`Confirm ${confirming}`} onKeyDown={(e) => e.key === 'Escape' && cancel()}>
          <p>{consequence(confirming, s)}</p>
          <button ref={confirmButton} type="button" className={confirming === 'abort' ? 'danger' : undefined} disabled={busy} onClick={() => void send(confirming)}>
            {confirming === 'abort' ? `Yes, abort ${s.name}` : `Yes, promote ${s.name}`}
          </button>{' '}
          <button type="button" onClick={cancel}>
            Cancel
          </button>
        </div>
      )}
      <p role="status">{done}</p>
      <ErrorBox error={error} title={`${s.name} was not changed`} />
    </div>
  );
}
