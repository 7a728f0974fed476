// A service: its SLOs with SLI and budget charts, burn rates and tiers, who is on call for its team now, its open
// pages (and incidents, once that API answers), and its dependencies both ways.
import { useState } from 'react';
import { enc } from '../api';
import { ErrorBox, Loading, Section, StatusBadge } from '../components/common';
import { GateState } from '../components/GateState';
import { SloCharts, ranges, type RangeKey } from '../components/SloCharts';
import { BurnRates, Headline, Tiers } from '../components/SloFigures';
import { ago, utcTime } from '../format';
import { useQuery } from '../live';
import { Link } from '../router';
import type { OncallItem, Page, Service, SloObject } from '../types';
import { PageActions } from './PagesPage';

export function RangePicker({ value, onChange, id }: { value: RangeKey; onChange: (r: RangeKey) => void; id: string }) {
  return (
    <label className="range" htmlFor={id}>
      Range
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as RangeKey)}>
        {(Object.keys(ranges) as RangeKey[]).map((k) => (
          <option key={k} value={k}>
            last {ranges[k].label}
          </option>
        ))}
      </select>
    </label>
  );
}

interface Incident {
  id: string;
  title: string;
  status: string;
  severity: string;
  services?: string[];
  declaredAt?: string;
}

export function ServicePage({ name }: { name: string }) {
  const [range, setRange] = useState<RangeKey>('30d');
  const svc = useQuery<Service>(`/api/v1/services/${enc(name)}`);
  const slos = useQuery<{ items: SloObject[] }>(`/api/v1/services/${enc(name)}/slos`);
  const all = useQuery<{ items: Service[] }>('/api/v1/services');
  const oncall = useQuery<{ items: OncallItem[] }>('/api/v1/oncall');
  const pages = useQuery<{ items: Page[] }>('/api/v1/pages?limit=200');
  const incidents = useQuery<{ items: Incident[] }>(`/api/v1/incidents?service=${enc(name)}`);

  if (svc.error) return <ErrorBox error={svc.error} title={`Could not load service ${name}`} />;
  if (!svc.data) return <Loading what={`service ${name}`} />;
  const s = svc.data;
  const deps = s.spec.dependsOn ?? [];
  const dependents = (all.data?.items ?? []).filter((o) => (o.spec.dependsOn ?? []).some((d) => d.service === name));
  const mine = (oncall.data?.items ?? []).filter((o) => o.owner === s.spec.owner);
  const open = (pages.data?.items ?? []).filter((p) => p.service === name && p.status !== 'resolved');
  const openIncidents = (incidents.data?.items ?? []).filter((i) => i.status !== 'resolved');
  const markerServices = [name, ...deps.map((d) => d.service)];

  return (
    <>
      <h1>
        {name} <span className="muted small">service</span>
      </h1>
      <p>{s.spec.description}</p>
      <dl className="facts">
        <div>
          <dt>Owner</dt>
          <dd>
            <Link to={`/?team=${enc(s.spec.owner)}`}>{s.spec.owner}</Link>
          </dd>
        </div>
        <div>
          <dt>Tier</dt>
          <dd>{s.spec.tier}</dd>
        </div>
        <div>
          <dt>Lifecycle</dt>
          <dd>{s.spec.lifecycle ?? 'production'}</dd>
        </div>
        {s.spec.runbook && (
          <div>
            <dt>Runbook</dt>
            <dd>
              <a href={s.spec.runbook} rel="noreferrer noopener" target="_blank">
                {s.spec.runbook}
              </a>
            </dd>
          </div>
        )}
      </dl>

      <div className="columns">
        <Section title="On call now">
          <ErrorBox error={oncall.error} title="Could not load who is on call" />
          {mine.length === 0 && oncall.data && <p>No schedule of {s.spec.owner} has anyone on call now.</p>}
          <ul>
            {mine.map((o) => (
              <li key={o.schedule}>
                <strong>{o.personDisplayName ?? o.person ?? 'nobody'}</strong> for <Link to="/oncall">{o.displayName ?? o.schedule}</Link>
                {o.shift?.end && <span className="muted"> until {utcTime(o.shift.end)}</span>}
              </li>
            ))}
          </ul>
        </Section>
        <Section title="Open pages">
          <ErrorBox error={pages.error} title="Could not load pages" />
          {open.length === 0 && pages.data && <p>No open pages.</p>}
          <ul className="pages">
            {open.map((p) => (
              <li key={p.id}>
                <StatusBadge status={p.status} /> <Link to={`/page/${p.id}`}>{p.title}</Link> <span className="muted">{ago(p.createdAt)}</span>
                <PageActions page={p} onDone={pages.reload} />
              </li>
            ))}
          </ul>
        </Section>
        <Section title="Open incidents">
          {incidents.error ? (
            <p className="muted">{incidents.error.status === 404 ? 'Incidents are not available on this server yet.' : incidents.error.message}</p>
          ) : openIncidents.length === 0 ? (
            incidents.data && <p>No open incidents.</p>
          ) : (
            <ul>
              {openIncidents.map((i) => (
                <li key={i.id}>
                  <span className="badge badge-warning">{i.severity}</span> <Link to={`/incident/${i.id}`}>{i.title}</Link> <span className="muted">{i.status}</span>
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Dependencies">
          {deps.length === 0 ? (
            <p>Depends on nothing pave knows of.</p>
          ) : (
            <ul>
              {deps.map((d) => (
                <li key={d.service}>
                  <Link to={`/service/${enc(d.service)}`}>{d.service}</Link> <span className="muted">({d.kind})</span>
                </li>
              ))}
            </ul>
          )}
          {dependents.length > 0 && (
            <>
              <h3>Used by</h3>
              <ul>
                {dependents.map((d) => (
                  <li key={d.metadata.name}>
                    <Link to={`/service/${enc(d.metadata.name)}`}>{d.metadata.name}</Link>
                  </li>
                ))}
              </ul>
            </>
          )}
        </Section>
      </div>

      <GateState service={name} />

      <Section title="SLOs">
        <RangePicker id="service-range" value={range} onChange={setRange} />
        <ErrorBox error={slos.error} title="Could not load the SLOs" />
        {slos.data?.items.length === 0 && <p>This service declares no SLOs yet: add one in YAML (docs/config/slo.md).</p>}
        {slos.data?.items.map((o) => (
          <SloBlock key={o.metadata.name} slo={o} services={markerServices} range={range} />
        ))}
      </Section>
    </>
  );
}

function SloBlock({ slo, services, range }: { slo: SloObject; services: string[]; range: RangeKey }) {
  const full = useQuery<SloObject>(`/api/v1/slos/${enc(slo.metadata.name)}`);
  const e = full.data?.evaluation;
  return (
    <article className="slo" aria-labelledby={`slo-${slo.metadata.name}`}>
      <h3 id={`slo-${slo.metadata.name}`}>
        <Link to={`/slo/${enc(slo.metadata.name)}`}>{slo.metadata.name}</Link> <span className="muted small">{slo.spec.description}</span>
      </h3>
      <Headline e={e ?? (slo.summary as SloObject['evaluation'])} objective={slo.spec.objective} />
      <SloCharts slo={slo.metadata.name} services={services} range={range} />
      {e && (
        <details open>
          <summary>Burn rates and alert tiers</summary>
          <div className="columns">
            <BurnRates e={e} />
            <Tiers e={e} />
          </div>
        </details>
      )}
    </article>
  );
}
