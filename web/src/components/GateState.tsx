// The release gate's answer for a service: would a change of the chosen kind go out now (allow / warn / deny), which
// policy decided, and each SLO's remaining budget and what it asks for. Asked with POST /api/v1/gates/check, which is a
// read (no break-glass is ever sent from here), again on every live tick so a burn shows up without a reload.
import { useEffect, useId, useState } from 'react';
import { enc, get, type ApiFailure } from '../api';
import { pct, utcTime } from '../format';
import { useQuery } from '../live';
import { changeKinds, defaultExemptKinds, type GateAnswer } from '../types';
import { ErrorBox, Loading, StatusBadge } from './common';

const decisionWords: Record<GateAnswer['decision'], string> = {
  allow: 'allow: may go out',
  warn: 'warn: may go out, with care',
  deny: 'deny: frozen',
};

/** How a policy reads to a person: which object, and whether it blocks. */
function policyText(p: GateAnswer['policy']): string {
  if (p.scope === 'built-in') return 'built-in default (advisory: warns, never blocks)';
  return `BudgetPolicy ${p.name}${p.scope === 'organization' ? ' (organisation default)' : ''}, ${p.enforcement}`;
}

/** The kinds the deciding policy lets through a freeze: its own `exempt`, or the default when it names none. */
function useExemptKinds(policy: GateAnswer['policy'] | undefined): readonly string[] | undefined {
  const [exempt, setExempt] = useState<readonly string[] | undefined>();
  const known = policy !== undefined;
  const name = policy && policy.scope !== 'built-in' ? policy.name : null;
  useEffect(() => {
    if (!known) return;
    if (name === null) {
      setExempt(defaultExemptKinds);
      return;
    }
    let cancelled = false;
    get<{ spec: { exempt?: string[] } }>(`/api/v1/budgetpolicies/${enc(name)}`).then(
      (o) => !cancelled && setExempt(o.spec.exempt ?? defaultExemptKinds),
      // The list is a help, not the answer: without it the options are simply not marked.
      () => !cancelled && setExempt(undefined),
    );
    return () => {
      cancelled = true;
    };
  }, [known, name]);
  return exempt;
}

/** The gate's answer for `kind` changes of `service`, asked again on every live tick. */
function useGateAnswer(service: string, kind: string): { answer: GateAnswer | undefined; error: ApiFailure | undefined } {
  const q = useQuery<GateAnswer>('/api/v1/gates/check', { body: { service, kind } });
  return { answer: q.data, error: q.error };
}

/** The decision alone, for tables (the rollouts list): the badge, with the one-sentence reason beside it. */
export function GateBadge({ service, kind }: { service: string; kind: string }) {
  const { answer, error } = useGateAnswer(service, kind);
  if (error) return <span className="muted">gate not answering: {error.message}</span>;
  if (!answer) return <span className="muted">asking…</span>;
  return (
    <span data-gate-badge={service}>
      <span className={`badge gate-${answer.decision}`} data-decision={answer.decision}>
        {answer.decision}
      </span>{' '}
      <span className="small">{answer.summary}</span>
    </span>
  );
}

export function GateState({ service, kind: initialKind = 'deploy', heading = 'h2' }: { service: string; kind?: string; heading?: 'h2' | 'h3' }) {
  const [kind, setKind] = useState(initialKind);
  const { answer: shown, error } = useGateAnswer(service, kind);
  const selectId = useId();
  const headingId = useId();
  const exempt = useExemptKinds(shown?.policy);
  const Heading = heading;

  return (
    <section className="gate" aria-labelledby={headingId} data-gate={service}>
      <Heading id={headingId}>Release gate for {service}</Heading>
      <label htmlFor={selectId} className="gate-kind">
        Kind of change
        <select id={selectId} value={kind} onChange={(e) => setKind(e.target.value)}>
          {changeKinds.map((k) => (
            <option key={k} value={k}>
              {k.replace('_', '-')}
              {exempt?.includes(k) ? ' (exempt from freezes)' : ''}
            </option>
          ))}
        </select>
      </label>
      <ErrorBox error={error} title={`Could not ask the gate about ${service}`} />
      {!shown ? (
        !error && <Loading what="the gate's answer" />
      ) : (
        <>
          <p className="gate-answer" aria-live="polite">
            <span className={`badge gate-${shown.decision}`} data-decision={shown.decision}>
              {decisionWords[shown.decision]}
            </span>{' '}
            {shown.summary}
          </p>
          <dl className="facts">
            <div>
              <dt>Deciding policy</dt>
              <dd>{policyText(shown.policy)}</dd>
            </div>
            <div>
              <dt>In a freeze, {kind.replace('_', '-')} changes</dt>
              <dd>{shown.exempt ? 'still go out (exempt)' : 'are held'}</dd>
            </div>
            <div>
              <dt>Frozen</dt>
              <dd>{shown.frozen ? 'yes: an SLO asks for a freeze' : 'no'}</dd>
            </div>
            <div>
              <dt>Asked</dt>
              <dd>{utcTime(shown.checkedAt)}</dd>
            </div>
          </dl>
          {exempt && exempt.length > 0 && (
            <p className="muted small">
              Exempt from this policy's freezes: {exempt.join(', ')}. A freeze can still be overridden with a break-glass reason (<code>pave gate check --break-glass</code>), which is audited and announced.
            </p>
          )}
          {shown.reasons.length > 0 && (
            <table className="grid compact" aria-label={`Gate: ${service}'s SLOs`}>
              <thead>
                <tr>
                  <th scope="col">SLO</th>
                  <th scope="col">Status</th>
                  <th scope="col">Budget left</th>
                  <th scope="col">Asks for</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {shown.reasons.map((r) => (
                  <tr key={r.slo} data-gate-slo={r.slo}>
                    <th scope="row">{r.slo}</th>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    <td>{pct(r.remainingFraction, 1)}</td>
                    <td>{r.action === 'none' ? 'nothing' : r.action}</td>
                    <td>{r.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
