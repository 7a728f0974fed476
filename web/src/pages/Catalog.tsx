// The service catalog: every service with its owner, tier and budget status, filterable by team, tier and status.
// Filters live in the URL, so a filtered view can be shared.
import { apiPath } from '../api';
import { ErrorBox, Loading, StatusBadge } from '../components/common';
import { pct } from '../format';
import { useQuery } from '../live';
import { Link, navigate, useLocation } from '../router';
import { worstStatus } from '../slo-status';
import type { Service, SloObject } from '../types';

const statuses = ['healthy', 'warning', 'exhausted', 'pending', 'invalid', 'none'];

export function Catalog() {
  const { search } = useLocation();
  const team = search.get('team') ?? '';
  const tier = search.get('tier') ?? '';
  const status = search.get('status') ?? '';
  const services = useQuery<{ items: Service[] }>('/api/v1/services');
  const slos = useQuery<{ items: SloObject[] }>('/api/v1/slos');

  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    navigate(apiPath('/', Object.fromEntries(next)), true);
  };

  const all = services.data?.items ?? [];
  const bySvc = new Map<string, SloObject[]>();
  for (const s of slos.data?.items ?? []) bySvc.set(s.spec.service, [...(bySvc.get(s.spec.service) ?? []), s]);
  const teams = [...new Set(all.map((s) => s.spec.owner))].sort();
  const tiers = [...new Set(all.map((s) => s.spec.tier))].sort();
  const rows = all
    .map((s) => ({ s, slos: bySvc.get(s.metadata.name) ?? [], status: worstStatus(bySvc.get(s.metadata.name) ?? []) }))
    .filter((r) => (!team || r.s.spec.owner === team) && (!tier || r.s.spec.tier === tier) && (!status || r.status === status));

  return (
    <>
      <h1>Service catalog</h1>
      <form className="filters" aria-label="Filter services" onSubmit={(e) => e.preventDefault()}>
        <label>
          Team
          <select value={team} onChange={(e) => setFilter('team', e.target.value)} name="team">
            <option value="">all teams</option>
            {teams.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Tier
          <select value={tier} onChange={(e) => setFilter('tier', e.target.value)} name="tier">
            <option value="">all tiers</option>
            {tiers.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Budget status
          <select value={status} onChange={(e) => setFilter('status', e.target.value)} name="status">
            <option value="">any status</option>
            {statuses.map((t) => (
              <option key={t} value={t}>
                {t === 'none' ? 'no SLOs' : t}
              </option>
            ))}
          </select>
        </label>
        {(team || tier || status) && (
          <button type="button" onClick={() => navigate('/', true)}>
            Clear filters
          </button>
        )}
      </form>
      <ErrorBox error={services.error ?? slos.error} title="Could not load the catalog" />
      {services.loading && !services.data ? (
        <Loading what="services" />
      ) : (
        <table className="grid" aria-label="Services">
          <caption className="sr-only">
            {rows.length} of {all.length} services
          </caption>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Owner</th>
              <th scope="col">Tier</th>
              <th scope="col">Budget status</th>
              <th scope="col">SLOs (budget left)</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ s, slos: own, status: st }) => (
              <tr key={s.metadata.name} data-service={s.metadata.name}>
                <th scope="row">
                  <Link to={`/service/${encodeURIComponent(s.metadata.name)}`}>{s.metadata.name}</Link>
                  {s.spec.description && <div className="muted">{s.spec.description}</div>}
                </th>
                <td>{s.spec.owner}</td>
                <td>{s.spec.tier}</td>
                <td>{st === 'none' ? <span className="muted">no SLOs</span> : <StatusBadge status={st} />}</td>
                <td>
                  {own.map((o) => (
                    <div key={o.metadata.name}>
                      <Link to={`/slo/${encodeURIComponent(o.metadata.name)}`}>{o.metadata.name}</Link> {pct(o.summary?.remainingFraction, 1)}
                    </div>
                  ))}
                </td>
              </tr>
            ))}
            {rows.length === 0 && (
              <tr>
                <td colSpan={5}>No service matches these filters.</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      <p className="muted" aria-live="polite">
        {services.data ? `Showing ${rows.length} of ${all.length} services.` : ''}
      </p>
    </>
  );
}
