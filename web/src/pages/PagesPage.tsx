// Pages: the open ones first, acknowledge and resolve in place; one page with its alerts and its event log.
import { useState } from 'react';
import { ApiFailure, apiPath, post } from '../api';
import { ErrorBox, Loading, StatusBadge } from '../components/common';
import { ago, utcTime } from '../format';
import { useLive, useQuery } from '../live';
import { Link, navigate, useLocation } from '../router';
import type { Page } from '../types';

export function PageActions({ page, onDone }: { page: Page; onDone: () => void }) {
  const { refresh } = useLive();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ApiFailure | undefined>();
  if (page.status === 'resolved') return null;
  const act = async (action: 'ack' | 'resolve') => {
    setBusy(action);
    setError(undefined);
    try {
      await post(`/api/v1/pages/${page.id}/${action}`);
      onDone();
      refresh();
    } catch (err) {
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, 'client', String(err)));
    } finally {
      setBusy(null);
    }
  };
  return (
    <span className="actions">
      {page.status === 'triggered' && (
        <button type="button" onClick={() => void act('ack')} disabled={busy !== null} aria-label={`Acknowledge page ${page.id}: ${page.title}`}>
          {busy === 'ack' ? 'Acknowledging…' : 'Acknowledge'}
        </button>
      )}
      <button type="button" onClick={() => void act('resolve')} disabled={busy !== null} aria-label={`Resolve page ${page.id}: ${page.title}`}>
        {busy === 'resolve' ? 'Resolving…' : 'Resolve'}
      </button>
      <ErrorBox error={error} title={`Page ${page.id} was not changed`} />
    </span>
  );
}

export function PagesPage() {
  const { search } = useLocation();
  const status = search.get('status') ?? 'open';
  const q = useQuery<{ items: Page[] }>(apiPath('/api/v1/pages', { limit: 200, status: status === 'open' || status === 'all' ? undefined : status }));
  const items = (q.data?.items ?? []).filter((p) => status !== 'open' || p.status !== 'resolved');
  return (
    <>
      <h1>Pages</h1>
      <label className="range">
        Show
        <select value={status} onChange={(e) => navigate(`/pages?status=${e.target.value}`, true)}>
          <option value="open">open (triggered or acknowledged)</option>
          <option value="triggered">triggered</option>
          <option value="acknowledged">acknowledged</option>
          <option value="resolved">resolved</option>
          <option value="all">all</option>
        </select>
      </label>
      <ErrorBox error={q.error} title="Could not load pages" />
      {q.loading && !q.data ? (
        <Loading what="pages" />
      ) : (
        <table className="grid" aria-label="Pages">
          <thead>
            <tr>
              <th scope="col">Page</th>
              <th scope="col">Status</th>
              <th scope="col">Service / team</th>
              <th scope="col">Opened</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((p) => (
              <tr key={p.id} data-page={p.id}>
                <th scope="row">
                  <Link to={`/page/${p.id}`}>
                    #{p.id} {p.title}
                  </Link>
                  {p.unrouted && <div className="muted">unrouted: {p.routeReason}</div>}
                </th>
                <td>
                  <StatusBadge status={p.status} />
                  {p.acknowledgedBy && <div className="muted small">by {p.acknowledgedBy}</div>}
                </td>
                <td>
                  {p.service ? <Link to={`/service/${encodeURIComponent(p.service)}`}>{p.service}</Link> : '–'} / {p.team ?? '–'}
                </td>
                <td>
                  {utcTime(p.createdAt)} <span className="muted">({ago(p.createdAt)})</span>
                </td>
                <td>
                  <PageActions page={p} onDone={q.reload} />
                </td>
              </tr>
            ))}
            {items.length === 0 && (
              <tr>
                <td colSpan={5}>No {status === 'all' ? '' : status} pages.</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </>
  );
}

export function PageDetail({ id }: { id: string }) {
  const q = useQuery<Page>(`/api/v1/pages/${encodeURIComponent(id)}`);
  if (q.error) return <ErrorBox error={q.error} title={`Could not load page ${id}`} />;
  if (!q.data) return <Loading what={`page ${id}`} />;
  const p = q.data;
  return (
    <>
      <h1>
        Page #{p.id}: {p.title}
      </h1>
      <p>
        <StatusBadge status={p.status} /> {p.service && <Link to={`/service/${encodeURIComponent(p.service)}`}>{p.service}</Link>} · team {p.team ?? 'none (unrouted)'} · {p.routeReason}
      </p>
      <PageActions page={p} onDone={q.reload} />
      <h2>Alerts</h2>
      <ul>
        {(p.alerts ?? []).map((a) => (
          <li key={a.identity}>
            <StatusBadge status={a.status === 'firing' ? 'exhausted' : 'healthy'} /> {a.summary ?? Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(', ')} <span className="muted">since {utcTime(a.startsAt)}</span>
          </li>
        ))}
      </ul>
      <h2>Events</h2>
      <ol className="timeline">
        {(p.events ?? []).map((e) => (
          <li key={e.id}>
            <time dateTime={e.at}>{utcTime(e.at)}</time> <strong>{e.type.replace('_', ' ')}</strong> by {e.actor}
          </li>
        ))}
      </ol>
    </>
  );
}
