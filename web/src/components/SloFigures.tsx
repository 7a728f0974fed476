// An SLO's current figures: SLI, budget, burn rates per window and the alert tiers with their thresholds.
import { minutesText, num, pct } from '../format';
import type { SloEvaluation } from '../types';
import { StatusBadge } from './common';

export function BurnRates({ e }: { e: SloEvaluation }) {
  if (!e.burnRates?.length) return null;
  return (
    <table className="grid compact" aria-label="Burn rates">
      <thead>
        <tr>
          <th scope="col">Window</th>
          <th scope="col">Error ratio</th>
          <th scope="col">Events</th>
          <th scope="col">Burn rate</th>
        </tr>
      </thead>
      <tbody>
        {e.burnRates.map((b) => (
          <tr key={b.label}>
            <th scope="row">{b.label}</th>
            <td>{b.errorRatio === null ? '–' : num(b.errorRatio, 6)}</td>
            <td>{num(b.events, 0)}</td>
            <td className={b.burnRate !== null && b.burnRate > 1 ? 'hot' : ''}>{num(b.burnRate)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Tiers({ e }: { e: SloEvaluation }) {
  if (!e.tiers?.length) return null;
  return (
    <table className="grid compact" aria-label="Burn-rate alert tiers">
      <thead>
        <tr>
          <th scope="col">Tier</th>
          <th scope="col">Severity</th>
          <th scope="col">k · B</th>
          <th scope="col">Long window</th>
          <th scope="col">Short window</th>
          <th scope="col">State</th>
        </tr>
      </thead>
      <tbody>
        {e.tiers.map((t) => (
          <tr key={t.id}>
            <th scope="row">{t.id.split(':').at(-1)}</th>
            <td>{t.severity}</td>
            <td>
              {num(t.k, 3)} · B = {Number(t.threshold.toPrecision(6))}
            </td>
            <td>{t.longRatio === null ? '–' : num(t.longRatio, 6)}</td>
            <td>{t.shortRatio === null ? '–' : num(t.shortRatio, 6)}</td>
            <td>{t.firing ? <span className="badge badge-exhausted">firing</span> : <span className="badge badge-healthy">quiet</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Headline({ e, objective }: { e: SloEvaluation | undefined; objective: number }) {
  if (!e) return null;
  const remaining = e.budget?.remainingFraction ?? e.remainingFraction;
  return (
    <dl className="headline">
      <div>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={e.status} />
        </dd>
      </div>
      <div>
        <dt>SLI</dt>
        <dd>{pct(e.sli ?? null)}</dd>
      </div>
      <div>
        <dt>Objective</dt>
        <dd>{objective}%</dd>
      </div>
      <div>
        <dt>Budget left</dt>
        <dd>{pct(remaining ?? null, 1)}</dd>
      </div>
      <div>
        <dt>Exhausted in</dt>
        <dd>{minutesText(e.timeToExhaustionMinutes)}</dd>
      </div>
    </dl>
  );
}
