// One SLO: its history over a selectable range, its figures, and the arithmetic behind them.
import { useState } from 'react';
import { enc } from '../api';
import { ErrorBox, Loading, Section } from '../components/common';
import { SloCharts, type RangeKey } from '../components/SloCharts';
import { BurnRates, Headline, Tiers } from '../components/SloFigures';
import { explainLines } from '../explain';
import { useQuery } from '../live';
import { Link, navigate, useLocation } from '../router';
import type { Service, SloObject } from '../types';
import { RangePicker } from './ServicePage';

export function SloPage({ name }: { name: string }) {
  const { search, path } = useLocation();
  const range = (['6h', '1d', '7d', '30d'].includes(search.get('range') ?? '') ? search.get('range') : '7d') as RangeKey;
  const setRange = (r: RangeKey) => navigate(`${path}?range=${r}`, true);
  const slo = useQuery<SloObject>(`/api/v1/slos/${enc(name)}`);
  const svcName = slo.data?.spec.service;
  const svc = useQuery<Service>(svcName ? `/api/v1/services/${enc(svcName)}` : null);
  const [copied, setCopied] = useState(false);
  if (slo.error) return <ErrorBox error={slo.error} title={`Could not load SLO ${name}`} />;
  if (!slo.data) return <Loading what={`SLO ${name}`} />;
  const o = slo.data;
  const e = o.evaluation;
  const lines = explainLines(o);
  const services = [o.spec.service, ...(svc.data?.spec.dependsOn ?? []).map((d) => d.service)];
  return (
    <>
      <h1>
        {name} <span className="muted small">SLO of <Link to={`/service/${enc(o.spec.service)}`}>{o.spec.service}</Link></span>
      </h1>
      <p>{o.spec.description}</p>
      <Headline e={e} objective={o.spec.objective} />
      <Section title="History">
        <RangePicker id="slo-range" value={range} onChange={setRange} />
        <SloCharts slo={name} services={services} range={range} />
      </Section>
      {e && (
        <div className="columns">
          <Section title="Burn rates">
            <BurnRates e={e} />
          </Section>
          <Section title="Alert tiers">
            <Tiers e={e} />
          </Section>
        </div>
      )}
      <Section title="Explain">
        <p>The arithmetic behind the status, as <code>pave slo explain {name}</code> prints it.</p>
        <pre className="explain" aria-label="The arithmetic behind the status">{lines.join('\n')}</pre>
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(lines.join('\n')).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </Section>
    </>
  );
}
