// Feature flags: each flag's owner, kill switch and rollout percentage as in force now, changed in place by its team
// (POST /api/v1/flags/{name}/state, audited and recorded as a change event). A flag that a Rollout steps links to it.
import { useState, type FormEvent } from 'react';
import { ApiFailure, enc, post } from '../api';
import { ErrorBox, Loading } from '../components/common';
import { utcTime } from '../format';
import { useLive, useQuery } from '../live';
import { Link } from '../router';
import type { RolloutObject } from '../types';

interface Flag {
  metadata: { name: string };
  spec: { owner: string; description?: string; type?: string; enabled: boolean; rollout?: { percentage: number } };
  runtime: { enabled: boolean | null; percentage: number | null; updatedAt: string; updatedBy: string } | null;
  effective: { enabled: boolean; percentage: number | null };
}

export function FlagsPage() {
  const q = useQuery<{ items: Flag[] }>('/api/v1/flags');
  const rollouts = useQuery<{ items: RolloutObject[] }>('/api/v1/rollouts');
  return (
    <>
      <h1>Feature flags</h1>
      <ErrorBox error={q.error} title="Could not load flags" />
      {!q.data ? (
        !q.error && <Loading what="flags" />
      ) : q.data.items.length === 0 ? (
        <p>No flags are declared. Add a Flag in YAML (docs/config/flag.md).</p>
      ) : (
        <table className="grid" aria-label="Feature flags">
          <thead>
            <tr>
              <th scope="col">Flag</th>
              <th scope="col">Owner</th>
              <th scope="col">Serving</th>
              <th scope="col">Rollout</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {q.data.items.map((f) => (
              <FlagRow key={f.metadata.name} flag={f} onDone={q.reload} rollouts={(rollouts.data?.items ?? []).filter((r) => r.spec.target.flag === f.metadata.name).map((r) => r.metadata.name)} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function FlagRow({ flag, onDone, rollouts }: { flag: Flag; onDone: () => void; rollouts: string[] }) {
  const { refresh } = useLive();
  const [percentage, setPercentage] = useState(String(flag.effective.percentage ?? ''));
  const [error, setError] = useState<ApiFailure | undefined>();
  const [busy, setBusy] = useState(false);
  const name = flag.metadata.name;
  const send = async (body: Record<string, unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await post(`/api/v1/flags/${enc(name)}/state`, body);
      onDone();
      refresh();
    } catch (err) {
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, 'client', String(err)));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const n = Number(percentage);
    if (percentage.trim() === '' || !Number.isInteger(n) || n < 0 || n > 100) {
      setError(new ApiFailure(400, 'bad_request', 'The percentage must be a whole number from 0 to 100.', [{ path: 'percentage', message: 'a whole number 0-100' }]));
      return;
    }
    void send({ percentage: n });
  };
  const pct = flag.effective.percentage;
  return (
    <tr data-flag={name}>
      <th scope="row">
        {name}
        {flag.spec.description && <div className="muted">{flag.spec.description}</div>}
      </th>
      <td>{flag.spec.owner}</td>
      <td>{flag.effective.enabled ? <span className="badge badge-healthy">on</span> : <span className="badge badge-exhausted">off (kill switch)</span>}</td>
      <td>
        {pct === null ? (
          <span className="muted">no rollout</span>
        ) : (
          <>
            <progress max={100} value={pct} aria-label={`${name} rollout`} /> {pct}%
          </>
        )}
        {flag.runtime && <div className="muted small">set {utcTime(flag.runtime.updatedAt)} by {flag.runtime.updatedBy}</div>}
        {rollouts.length > 0 && (
          <div className="small">
            Stepped by{' '}
            {rollouts.map((r, i) => (
              <span key={r}>
                {i > 0 && ', '}
                <Link to={`/rollout/${enc(r)}`}>rollout {r}</Link>
              </span>
            ))}
            <span className="muted"> (its next step sets the percentage again)</span>
          </div>
        )}
      </td>
      <td>
        {pct !== null && (
          // noValidate: our own message says what is wrong, instead of the browser's bubble that screen readers miss.
          <form className="inline-form" onSubmit={submit} noValidate>
            <label>
              Rollout % of {name}
              <input type="number" min={0} max={100} step={1} value={percentage} onChange={(e) => setPercentage(e.target.value)} />
            </label>
            <button type="submit" disabled={busy}>
              Set
            </button>
          </form>
        )}
        <button type="button" disabled={busy} onClick={() => void send({ enabled: !flag.effective.enabled })}>
          {flag.effective.enabled ? `Turn ${name} off` : `Turn ${name} on`}
        </button>
        <ErrorBox error={error} title={`${name} was not changed`} />
      </td>
    </tr>
  );
}
