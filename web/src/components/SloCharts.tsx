// An SLO's two charts over a chosen range: the SLI per minute (from /series, exact counts folded by the SLO's
// indicator) against the objective, and the error budget remaining (from /history, the engine's own evaluation at each
// point) against zero. Changes to the service and its dependencies are drawn as markers on both.
import { useMemo } from 'react';
import { apiPath, enc } from '../api';
import { num, pct } from '../format';
import { useQuery } from '../live';
import type { HistoryAnswer, SloSeriesAnswer } from '../types';
import { ErrorBox, Loading } from './common';
import { TimeChart, type ChartMarker } from './TimeChart';

export type RangeKey = '6h' | '1d' | '7d' | '30d';
export const ranges: Record<RangeKey, { label: string; minutes: number; resolution: string; historyStep: string }> = {
  '6h': { label: '6 hours', minutes: 360, resolution: '1m', historyStep: '5m' },
  '1d': { label: '24 hours', minutes: 1440, resolution: '1m', historyStep: '15m' },
  '7d': { label: '7 days', minutes: 7 * 1440, resolution: '1m', historyStep: '1h' },
  '30d': { label: '30 days', minutes: 30 * 1440, resolution: '1m', historyStep: '6h' },
};

/** The range's bounds, rounded to the minute so that live refetches within a minute hit the same URL. */
function bounds(range: RangeKey, tick: number): { from: string; to: string } {
  void tick;
  const to = Math.ceil(Date.now() / 60_000) * 60_000;
  return { from: new Date(to - ranges[range].minutes * 60_000).toISOString(), to: new Date(to).toISOString() };
}

interface Change {
  at: string;
  kind: string;
  service: string;
  summary: string;
  version?: string | null;
}

export function SloCharts({ slo, services, range }: { slo: string; services: string[]; range: RangeKey }) {
  // The URL changes once a minute, which refetches; live ticks in between would refetch 43,200 points for nothing.
  const minute = Math.floor(Date.now() / 60_000);
  const { from, to } = useMemo(() => bounds(range, minute), [range, minute]);
  const r = ranges[range];
  const series = useQuery<SloSeriesAnswer>(apiPath(`/api/v1/slos/${enc(slo)}/series`, { from, to, resolution: r.resolution }), { live: false });
  // The budget history evaluates the whole SLO at every point, the heavier request: asked for once the SLI series is
  // in, so the first chart is not queued behind it (PGlite answers one query at a time).
  const history = useQuery<HistoryAnswer>(series.data || series.error ? apiPath(`/api/v1/slos/${enc(slo)}/history`, { from, to, step: r.historyStep }) : null, { live: false });
  const changes = useQuery<{ items: Change[] }>(apiPath('/api/v1/changes', { service: services.join(','), from, to, limit: 500 }));

  const markers: ChartMarker[] = useMemo(
    () => (changes.data?.items ?? []).map((c) => ({ t: Date.parse(c.at) / 1000, label: `${c.kind} ${c.service}${c.version ? ` ${c.version}` : ''}: ${c.summary}` })).sort((a, b) => a.t - b.t),
    [changes.data],
  );

  const sli = useMemo(() => {
    const d = series.data;
    if (!d) return null;
    const n = d.good.length;
    const times = new Array<number>(n);
    const values = new Array<number | null>(n);
    let good = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      times[i] = (d.from + i * d.stepMs) / 1000;
      const t = d.total[i]!;
      values[i] = t > 0 ? (d.good[i]! / t) * 100 : null;
      good += d.good[i]!;
      total += t;
    }
    return { times, values, good, total, objective: d.objectivePercent };
  }, [series.data]);

  const budget = useMemo(() => {
    const d = history.data;
    if (!d) return null;
    return {
      times: d.points.map((p) => Date.parse(p.t) / 1000),
      values: d.points.map((p) => (p.remainingFraction === null ? null : p.remainingFraction * 100)),
      last: d.points.at(-1)?.remainingFraction ?? null,
    };
  }, [history.data]);

  const sliSeries = useMemo(
    () => (sli ? [{ label: 'SLI per minute', values: sli.values, color: '#0b5cad', format: (v: number) => `${v.toFixed(2)}%` }] : []),
    [sli],
  );
  const budgetSeries = useMemo(
    () => (budget ? [{ label: 'budget remaining', values: budget.values, color: '#1b7a3a', fill: 'rgba(27,122,58,0.12)', format: (v: number) => `${v.toFixed(1)}%` }] : []),
    [budget],
  );

  return (
    <div className="charts">
      <div>
        <ErrorBox error={series.error} title="Could not load the SLI series" />
        {sli ? (
          <TimeChart
            title={`${slo}: SLI per minute (${r.label})`}
            times={sli.times}
            series={sliSeries}
            markers={markers}
            threshold={{ value: sli.objective, label: `objective ${sli.objective}%` }}
            yRange={[null, 100]}
            summary={`${sli.times.length} minutes, ${num(sli.total, 0)} events, ${pct(sli.total ? sli.good / sli.total : null)} good over the range; objective ${sli.objective}%`}
          />
        ) : (
          !series.error && <Loading what="the SLI series" />
        )}
      </div>
      <div>
        <ErrorBox error={history.error} title="Could not load the budget history" />
        {budget ? (
          <TimeChart
            title={`${slo}: error budget remaining (${r.label})`}
            times={budget.times}
            series={budgetSeries}
            markers={markers}
            threshold={{ value: 0, label: 'budget exhausted' }}
            summary={`budget remaining now ${pct(budget.last, 1)}`}
          />
        ) : (
          !history.error && <Loading what="the budget history" />
        )}
      </div>
    </div>
  );
}
