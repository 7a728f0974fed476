// Reports: the on-call load of a schedule over a range, repair debt over time (a chart) and per team and service,
// incident time metrics as percentiles, and the weekly production report rendered as sections (with its Markdown and
// HTML versions linked). The schedule and the week are kept in the URL (/reports?schedule=...&week=...).
import { useMemo, useState } from 'react';
import { apiPath } from '../api';
import { ErrorBox, Loading, Section, StatusBadge } from '../components/common';
import { TimeChart } from '../components/TimeChart';
import { num, pct, utcTime } from '../format';
import { useQuery } from '../live';
import { Link, navigate, useLocation } from '../router';
import type { IncidentMetricsGroup, IncidentMetricsReport, OncallItem, OncallLoadReport, Percentiles, RepairDebtReport, WeeklyReport } from '../types';

const DAY_MS = 86_400_000;

/** An instant as the API's range parameters take it: ISO 8601 in UTC. */
function instant(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/**
 * The last `days` days, ending at the start of the next minute (so everything up to now is in; `to` is exclusive):
 * fixed when chosen, so the query's path stays the same across live refetches, and exactly `days` long, so stepped
 * reports get no extra point just before the end.
 */
function lastDays(days: number): { from: string; to: string } {
  const to = (Math.floor(Date.now() / 60_000) + 1) * 60_000;
  return { from: instant(to - days * DAY_MS), to: instant(to) };
}

/** The ISO week (UTC) holding `ms`, as the API names it: 2026-W47. Weeks start on Monday; week 1 holds a Thursday. */
export function isoWeekOf(ms: number): string {
  const d = new Date(Math.floor(ms / DAY_MS) * DAY_MS);
  const weekday = (d.getUTCDay() + 6) % 7;
  const thursday = new Date(d.getTime() + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const dayOfYear = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS);
  return `${year}-W${String(Math.floor(dayOfYear / 7) + 1).padStart(2, '0')}`;
}

/** This week and the eleven before it, newest first. */
function recentWeeks(nowMs: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < 12; i++) out.push(isoWeekOf(nowMs - i * 7 * DAY_MS));
  return out;
}

const minutes = (m: number | null | undefined): string => (m === null || m === undefined ? '–' : m < 120 ? `${num(m, 1)} min` : `${num(m / 60, 1)} h`);

/** A select that keeps its value in the page's URL. */
function useSearchParam(key: string): [string | null, (v: string) => void] {
  const { path, search } = useLocation();
  const set = (v: string) => {
    const next = new URLSearchParams(search);
    next.set(key, v);
    navigate(`${path}?${next.toString()}`, true);
  };
  return [search.get(key), set];
}

export function ReportsPage() {
  return (
    <>
      <h1>Reports</h1>
      <p className="muted">
        Jump to: <a href="#oncall-load">on-call load</a> · <a href="#repair-debt">repair debt</a> · <a href="#incident-metrics">incident time metrics</a> ·{' '}
        <a href="#weekly-report">weekly production report</a>
      </p>
      <OncallLoadSection />
      <RepairDebtSection />
      <IncidentMetricsSection />
      <WeeklySection />
    </>
  );
}

function RangeSelect({ label, days, options, onChange }: { label: string; days: number; options: number[]; onChange: (d: number) => void }) {
  return (
    <label>
      {label}
      <select value={days} onChange={(e) => onChange(Number(e.target.value))}>
        {options.map((d) => (
          <option key={d} value={d}>
            last {d} days
          </option>
        ))}
      </select>
    </label>
  );
}

function useRange(defaultDays: number): { days: number; from: string; to: string; setDays: (d: number) => void } {
  const [r, setR] = useState(() => ({ days: defaultDays, ...lastDays(defaultDays) }));
  return { ...r, setDays: (d) => setR({ days: d, ...lastDays(d) }) };
}

function OncallLoadSection() {
  const schedules = useQuery<{ items: OncallItem[] }>('/api/v1/oncall');
  const [chosen, setSchedule] = useSearchParam('schedule');
  const range = useRange(28);
  const schedule = chosen ?? schedules.data?.items[0]?.schedule ?? null;
  const q = useQuery<OncallLoadReport>(schedule ? apiPath('/api/v1/reports/oncall-load', { schedule, from: range.from, to: range.to }) : null, { live: false });
  const r = q.data;
  return (
    <Section title="On-call load" id="oncall-load">
      <div className="filters">
        <label>
          Schedule
          <select value={schedule ?? ''} onChange={(e) => setSchedule(e.target.value)}>
            {(schedules.data?.items ?? []).map((s) => (
              <option key={s.schedule} value={s.schedule}>
                {s.displayName ?? s.schedule} ({s.owner})
              </option>
            ))}
          </select>
        </label>
        <RangeSelect label="On-call range" days={range.days} options={[7, 28, 90]} onChange={range.setDays} />
      </div>
      <ErrorBox error={schedules.error} title="Could not load the schedules" />
      <ErrorBox error={q.error} title={`Could not load the on-call load of ${schedule ?? 'the schedule'}`} />
      {schedules.data?.items.length === 0 && <p>No schedules are declared: add a Schedule in YAML (docs/config/schedule.md).</p>}
      {!r ? (
        schedule && !q.error && <Loading what="the on-call load" />
      ) : (
        <div data-report="oncall-load" data-schedule={r.schedule}>
          <p>
            {r.schedule} (team {r.team}) from {utcTime(r.from)} to {utcTime(r.to)}: <strong>{r.pages === 1 ? '1 page' : `${r.pages} pages`}</strong>, {r.unattended} while nobody was on call; someone was
            on call {pct(r.coverage, 0)} of the time.
          </p>
          {r.warnings.length > 0 ? (
            <div className="warnings" role="note" aria-label="Rotation health">
              <strong>Rotation health:</strong>
              <ul>
                {r.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </div>
          ) : (
            <p>Rotation health: no warnings.</p>
          )}
          <h3>Per person</h3>
          <table className="grid compact" aria-label={`On-call load per person of ${r.schedule}`}>
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Shifts</th>
                <th scope="col">Hours on call</th>
                <th scope="col">Share of time</th>
                <th scope="col">Pages</th>
                <th scope="col">Night pages</th>
                <th scope="col">Weekend pages</th>
                <th scope="col">Pages per 12 h (limit 2)</th>
                <th scope="col">Time to acknowledge (median / p90)</th>
                <th scope="col">Time to resolve (median / p90)</th>
              </tr>
            </thead>
            <tbody>
              {r.people.map((p) => (
                <tr key={p.person} data-person={p.person}>
                  <th scope="row">{p.person}</th>
                  <td>{p.shifts}</td>
                  <td>{num(p.onCallHours, 1)}</td>
                  <td>{pct(p.onCallShare, 0)}</td>
                  <td>{p.pages}</td>
                  <td>{p.nightPages}</td>
                  <td>{p.weekendPages}</td>
                  <td>
                    {num(p.pagesPer12Hours, 2)}
                    {p.pagesPer12Hours !== null && p.pagesPer12Hours > 2 && <span className="hot"> over the limit</span>}
                  </td>
                  <td>{p.timeToAcknowledge ? `${minutes(p.timeToAcknowledge.medianMinutes)} / ${minutes(p.timeToAcknowledge.p90Minutes)}` : '–'}</td>
                  <td>{p.timeToResolve ? `${minutes(p.timeToResolve.medianMinutes)} / ${minutes(p.timeToResolve.p90Minutes)}` : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="small">
            Fairness: pages per person from {r.fairness.pagesLowest} to {r.fairness.pagesHighest}
            {r.fairness.busiestShareOfPages !== null && ` (the busiest took ${pct(r.fairness.busiestShareOfPages, 0)} of them)`}; hours on call from{' '}
            {num(r.fairness.onCallHoursLowest, 1)} to {num(r.fairness.onCallHoursHighest, 1)}.
          </p>
          <div className="columns">
            <div>
              <h3>Per shift</h3>
              <table className="grid compact" aria-label={`On-call load per shift of ${r.schedule}`}>
                <thead>
                  <tr>
                    <th scope="col">Person</th>
                    <th scope="col">From</th>
                    <th scope="col">To</th>
                    <th scope="col">Pages</th>
                    <th scope="col">Night</th>
                    <th scope="col">Per 12 h</th>
                  </tr>
                </thead>
                <tbody>
                  {r.shifts.map((s, i) => (
                    <tr key={i} className={s.overLimit ? 'over' : undefined}>
                      <th scope="row">{s.person}</th>
                      <td>{utcTime(s.start)}</td>
                      <td>{utcTime(s.end)}</td>
                      <td>{s.pages}</td>
                      <td>{s.nightPages}</td>
                      <td>
                        {num(s.pagesPer12Hours, 2)}
                        {s.overLimit && <span className="hot"> over the limit</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div>
              <h3>Noisiest alerts</h3>
              {r.noisiest.length === 0 ? (
                <p>No pages in this range.</p>
              ) : (
                <table className="grid compact" aria-label={`Noisiest alerts of ${r.schedule}`}>
                  <thead>
                    <tr>
                      <th scope="col">Page title</th>
                      <th scope="col">Pages</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.noisiest.slice(0, 10).map((n) => (
                      <tr key={n.title}>
                        <th scope="row">{n.title}</th>
                        <td>{n.pages}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          </div>
        </div>
      )}
    </Section>
  );
}

function DebtTable({ label, rows }: { label: string; rows: { name: string; open: number; overdue: number }[] }) {
  if (rows.length === 0) return <p>Nothing open per {label.toLowerCase()}.</p>;
  return (
    <table className="grid compact" aria-label={`Repair debt per ${label.toLowerCase()}`}>
      <thead>
        <tr>
          <th scope="col">{label}</th>
          <th scope="col">Open</th>
          <th scope="col">Overdue</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((g) => (
          <tr key={g.name}>
            <th scope="row">{g.name}</th>
            <td>{g.open}</td>
            <td>{g.overdue > 0 ? <span className="hot">{g.overdue} overdue</span> : 0}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Items are whole: the axis leaves fractional ticks unlabelled rather than rounding 0.5 to "1". */
const count = (v: number): string => (Number.isInteger(v) ? num(v, 0) : '');

const debtRanges: Record<string, { days: number; step: '1d' | '7d'; label: string }> = {
  '28d': { days: 28, step: '1d', label: 'last 4 weeks, daily' },
  '84d': { days: 84, step: '7d', label: 'last 12 weeks, weekly' },
  '182d': { days: 182, step: '7d', label: 'last 26 weeks, weekly' },
};

function RepairDebtSection() {
  const [key, setKey] = useState('84d');
  const [range, setRange] = useState(() => lastDays(84));
  const choice = debtRanges[key]!;
  const q = useQuery<RepairDebtReport>(apiPath('/api/v1/reports/repair-debt', { ...range, step: choice.step }));
  const r = q.data;
  const chart = useMemo(() => {
    if (!r) return null;
    const last = r.points[r.points.length - 1];
    const peak = r.points.reduce((m, p) => Math.max(m, p.open), 0);
    return {
      times: r.points.map((p) => Date.parse(p.at) / 1000),
      // Overdue items are a part of the open ones: drawn first as a filled area, the open line over it stays visible
      // where the two are equal.
      series: [
        { label: 'overdue', values: r.points.map((p) => p.overdue), color: '#b00020', fill: 'rgba(176, 0, 32, 0.15)', format: count },
        { label: 'open', values: r.points.map((p) => p.open), color: '#0b5cad', format: count },
      ],
      summary: `${r.points.length} points from ${utcTime(r.from)} to ${utcTime(r.to)}; at the end ${last?.open ?? 0} open and ${last?.overdue ?? 0} overdue; at most ${peak} open.`,
    };
  }, [r]);
  return (
    <Section title="Repair debt" id="repair-debt">
      <p className="small muted">Action items of postmortems: open (not done or won't do) and overdue (open after their due date), over time.</p>
      <div className="filters">
        <label>
          Repair debt range
          <select
            value={key}
            onChange={(e) => {
              setKey(e.target.value);
              setRange(lastDays(debtRanges[e.target.value]!.days));
            }}
          >
            {Object.entries(debtRanges).map(([k, v]) => (
              <option key={k} value={k}>
                {v.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBox error={q.error} title="Could not load the repair debt" />
      {!r || !chart ? (
        !q.error && <Loading what="the repair debt" />
      ) : (
        <div data-report="repair-debt">
          <TimeChart title="Repair debt: action items open and overdue" times={chart.times} series={chart.series} yRange={[0, null]} summary={chart.summary} height={200} />
          <div className="columns">
            <div>
              <h3>Per team</h3>
              <DebtTable label="Team" rows={r.byTeam} />
            </div>
            <div>
              <h3>Per service</h3>
              <DebtTable label="Service" rows={r.byService} />
            </div>
          </div>
        </div>
      )}
    </Section>
  );
}

const spread = (x: Percentiles | null): string => (x ? `${minutes(x.p50)} / ${minutes(x.p90)} / ${minutes(x.max)}` : '–');

function MetricsRow({ g, scope }: { g: IncidentMetricsGroup; scope: string }) {
  return (
    <tr>
      <th scope="row">{g.name === 'all' && scope === 'all' ? 'all incidents' : g.name}</th>
      <td>{g.incidents}</td>
      <td>{g.customerDetected}</td>
      <td>{spread(g.ttd)}</td>
      <td>{spread(g.tte)}</td>
      <td>{spread(g.ttf)}</td>
      <td>{spread(g.ttm)}</td>
    </tr>
  );
}

function IncidentMetricsSection() {
  const range = useRange(28);
  const q = useQuery<IncidentMetricsReport>(apiPath('/api/v1/reports/incident-metrics', { from: range.from, to: range.to }));
  const r = q.data;
  const goal = (m: number | null) => (m === null ? 'none' : minutes(m));
  return (
    <Section title="Incident time metrics" id="incident-metrics">
      <div className="filters">
        <RangeSelect label="Incident range" days={range.days} options={[7, 28, 90, 365]} onChange={range.setDays} />
      </div>
      <ErrorBox error={q.error} title="Could not load the incident time metrics" />
      {!r ? (
        !q.error && <Loading what="the incident time metrics" />
      ) : r.all.incidents === 0 ? (
        <p data-report="incident-metrics">No incidents were declared from {utcTime(r.from)} to {utcTime(r.to)}.</p>
      ) : (
        <div data-report="incident-metrics">
          <p className="small">
            Time to detect, engage, fix and mitigate (TTD, TTE, TTF, TTM) as median / p90 / maximum over the incidents where each is known (nearest rank). Goals: TTD {goal(r.goals.ttdMinutes)}, TTE{' '}
            {goal(r.goals.tteMinutes)}, TTM {goal(r.goals.ttmMinutes)}.{r.truncated && ' Only the first 5,000 incidents of the range are counted.'}
          </p>
          <table className="grid compact" aria-label="Incident time metrics">
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Incidents</th>
                <th scope="col">Customer-detected</th>
                <th scope="col">TTD</th>
                <th scope="col">TTE</th>
                <th scope="col">TTF</th>
                <th scope="col">TTM</th>
              </tr>
            </thead>
            <tbody>
              <MetricsRow g={r.all} scope="all" />
              {r.byTeam.map((g) => (
                <MetricsRow key={`team-${g.name}`} g={{ ...g, name: `team ${g.name}` }} scope="team" />
              ))}
              {r.byService.map((g) => (
                <MetricsRow key={`service-${g.name}`} g={{ ...g, name: `service ${g.name}` }} scope="service" />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

function WeeklySection() {
  const weeks = useMemo(() => recentWeeks(Date.now()), []);
  const [chosen, setWeek] = useSearchParam('week');
  // The API's default too: the last whole week.
  const week = chosen ?? weeks[1]!;
  // Not refetched on every live tick: it evaluates every SLO at the week's end, and a past week does not change.
  const q = useQuery<WeeklyReport>(apiPath('/api/v1/reports/weekly', { week }), { live: false });
  const r = q.data;
  return (
    <Section title="Weekly production report" id="weekly-report">
      <div className="filters">
        <label>
          Week
          <select value={week} onChange={(e) => setWeek(e.target.value)}>
            {(weeks.includes(week) ? weeks : [week, ...weeks]).map((w, i) => (
              <option key={w} value={w}>
                {w}
                {w === weeks[0] ? ' (this week, so far)' : i === 1 && w === weeks[1] ? ' (last week)' : ''}
              </option>
            ))}
          </select>
        </label>
        <span>
          As text: <a href={apiPath('/api/v1/reports/weekly', { week, format: 'md' })}>Markdown</a> · <a href={apiPath('/api/v1/reports/weekly', { week, format: 'html' })}>HTML</a>
        </span>
      </div>
      <ErrorBox error={q.error} title={`Could not load the report of week ${week}`} />
      {!r ? (
        !q.error && <Loading what={`the report of week ${week}`} />
      ) : (
        <div data-report="weekly" data-week={r.week}>
          <p>
            Week {r.week}: {utcTime(r.from)} to {utcTime(r.to)}.
          </p>
          <h3>SLOs and error budgets</h3>
          <table className="grid compact" aria-label={`Weekly report ${r.week}: SLOs`}>
            <thead>
              <tr>
                <th scope="col">SLO</th>
                <th scope="col">Service</th>
                <th scope="col">Team</th>
                <th scope="col">Objective</th>
                <th scope="col">SLI</th>
                <th scope="col">Budget left</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {r.slos.map((s) => (
                <tr key={s.name} data-weekly-slo={s.name}>
                  <th scope="row">
                    <Link to={`/slo/${encodeURIComponent(s.name)}`}>{s.name}</Link>
                  </th>
                  <td>{s.service}</td>
                  <td>{s.team}</td>
                  <td>{s.objectivePercent}%</td>
                  <td>{pct(s.sli)}</td>
                  <td>{pct(s.budgetRemainingFraction, 1)}</td>
                  <td>
                    <StatusBadge status={s.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>

          <h3>Pages</h3>
          {r.pages.total === 0 ? (
            <p>No pages this week.</p>
          ) : (
            <table className="grid compact" aria-label={`Weekly report ${r.week}: pages per team`}>
              <caption className="sr-only">{r.pages.total} pages in all</caption>
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col">Pages</th>
                  <th scope="col">Night pages</th>
                </tr>
              </thead>
              <tbody>
                {r.pages.byTeam.map((t) => (
                  <tr key={t.team}>
                    <th scope="row">{t.team}</th>
                    <td>{t.pages}</td>
                    <td>{t.nightPages}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}

          <h3>On-call load</h3>
          <table className="grid compact" aria-label={`Weekly report ${r.week}: on-call load`}>
            <thead>
              <tr>
                <th scope="col">Schedule</th>
                <th scope="col">Team</th>
                <th scope="col">Pages</th>
                <th scope="col">Shifts over the limit</th>
                <th scope="col">Night pages</th>
                <th scope="col">Warnings</th>
              </tr>
            </thead>
            <tbody>
              {r.oncall.map((o) => (
                <tr key={o.schedule}>
                  <th scope="row">{o.schedule}</th>
                  <td>{o.team}</td>
                  <td>{o.pages}</td>
                  <td>{o.shiftsOverLimit}</td>
                  <td>{o.nightPages}</td>
                  <td>{o.warnings.length === 0 ? 'none' : o.warnings.join('; ')}</td>
                </tr>
              ))}
            </tbody>
          </table>

          <h3>Incidents</h3>
          {r.incidents.length === 0 ? (
            <p>No incidents declared this week.</p>
          ) : (
            <table className="grid compact" aria-label={`Weekly report ${r.week}: incidents`}>
              <thead>
                <tr>
                  <th scope="col">Incident</th>
                  <th scope="col">Severity</th>
                  <th scope="col">Status</th>
                  <th scope="col">Services</th>
                  <th scope="col">Detected by</th>
                  <th scope="col">TTD</th>
                  <th scope="col">TTE</th>
                  <th scope="col">TTF</th>
                  <th scope="col">TTM</th>
                </tr>
              </thead>
              <tbody>
                {r.incidents.map((i) => (
                  <tr key={i.id}>
                    <th scope="row">
                      <Link to={`/incident/${i.id}`}>
                        #{i.id} {i.title}
                      </Link>
                    </th>
                    <td>{i.severity}</td>
                    <td>{i.status}</td>
                    <td>{i.services.join(', ')}</td>
                    <td>{i.detectedBy}</td>
                    <td>{minutes(i.ttdMinutes)}</td>
                    <td>{minutes(i.tteMinutes)}</td>
                    <td>{minutes(i.ttfMinutes)}</td>
                    <td>{minutes(i.ttmMinutes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}

          <h3>Overdue action items</h3>
          {r.overdueActionItems.length === 0 ? (
            <p>No action item is overdue.</p>
          ) : (
            <ul>
              {r.overdueActionItems.map((a) => (
                <li key={a.id}>
                  <Link to={`/incident/${a.incidentId}/postmortem`}>{a.title}</Link> — {a.owner} ({a.team}), due {a.dueDate}
                </li>
              ))}
            </ul>
          )}

          <h3>Postmortems due</h3>
          {r.postmortemsDue.length === 0 ? (
            <p>No postmortem is due.</p>
          ) : (
            <ul>
              {r.postmortemsDue.map((d) => (
                <li key={d.incidentId}>
                  <Link to={`/incident/${d.incidentId}/postmortem`}>
                    #{d.incidentId} {d.title}
                  </Link>{' '}
                  — {d.status}, due {d.dueDate ?? 'once resolved'}
                  {d.overdue && <span className="hot"> (overdue)</span>}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </Section>
  );
}
