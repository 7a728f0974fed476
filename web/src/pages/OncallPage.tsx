// On call: who is on call now in every schedule, the shifts of the next 14 days as a calendar strip per schedule
// (with the same shifts as a table), and the schedule's overrides, which its team can add and remove here.
import { useState, type FormEvent } from 'react';
import { ApiFailure, apiPath, del, enc, post } from '../api';
import { ErrorBox, Loading, Section } from '../components/common';
import { utcTime } from '../format';
import { useLive, useQuery } from '../live';
import type { OncallItem, Override, Person, Shift } from '../types';

const days = 14;
const palette = ['#cfe3ff', '#ffe0b2', '#d7f5dd', '#f3d1f4', '#fff3b0', '#d1f0f4', '#f8d7da', '#e2e3e5'];

export function OncallPage() {
  const now = useQuery<{ at: string; items: OncallItem[] }>('/api/v1/oncall');
  const people = useQuery<{ items: Person[] }>('/api/v1/people');
  return (
    <>
      <h1>On call</h1>
      <ErrorBox error={now.error} title="Could not load who is on call" />
      {!now.data ? (
        <Loading what="schedules" />
      ) : (
        <>
          <table className="grid" aria-label="On call now">
            <thead>
              <tr>
                <th scope="col">Schedule</th>
                <th scope="col">Team</th>
                <th scope="col">On call now</th>
                <th scope="col">Until</th>
              </tr>
            </thead>
            <tbody>
              {now.data.items.map((o) => (
                <tr key={o.schedule}>
                  <th scope="row">
                    <a href={`#schedule-${o.schedule}`}>{o.displayName ?? o.schedule}</a>
                  </th>
                  <td>{o.owner}</td>
                  <td>{o.person ? <strong>{o.personDisplayName ?? o.person}</strong> : <span className="hot">nobody</span>}</td>
                  <td>{utcTime(o.shift?.end ?? null)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {now.data.items.map((o) => (
            <ScheduleCalendar key={o.schedule} schedule={o} people={people.data?.items ?? []} />
          ))}
        </>
      )}
    </>
  );
}

function ScheduleCalendar({ schedule, people }: { schedule: OncallItem; people: Person[] }) {
  const { refresh } = useLive();
  const from = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
  const to = new Date(from.getTime() + days * 86_400_000);
  const shifts = useQuery<{ items: Shift[] }>(apiPath(`/api/v1/schedules/${enc(schedule.schedule)}/shifts`, { from: from.toISOString(), to: to.toISOString() }));
  const overrides = useQuery<{ items: Override[] }>(`/api/v1/schedules/${enc(schedule.schedule)}/overrides`);
  const [form, setForm] = useState({ person: '', start: '', end: '', reason: '' });
  const [error, setError] = useState<ApiFailure | undefined>();
  const [saved, setSaved] = useState('');
  const span = to.getTime() - from.getTime();
  const colors = new Map<string, string>();
  for (const s of shifts.data?.items ?? []) if (!colors.has(s.person)) colors.set(s.person, palette[colors.size % palette.length]!);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setSaved('');
    try {
      // datetime-local has no zone: the API reads such times in the schedule's own zone, as its YAML does.
      await post(`/api/v1/schedules/${enc(schedule.schedule)}/overrides`, form);
      setSaved(`Override for ${form.person} saved.`);
      setForm({ person: '', start: '', end: '', reason: '' });
      overrides.reload();
      shifts.reload();
      refresh();
    } catch (err) {
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, 'client', String(err)));
    }
  };
  const remove = async (id: string) => {
    setError(undefined);
    try {
      await del(`/api/v1/schedules/${enc(schedule.schedule)}/overrides/${enc(id)}`);
      overrides.reload();
      shifts.reload();
    } catch (err) {
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, 'client', String(err)));
    }
  };

  return (
    <Section title={`${schedule.displayName ?? schedule.schedule} (${schedule.timezone})`} id={`schedule-${schedule.schedule}`}>
      <ErrorBox error={shifts.error} title="Could not load shifts" />
      <div className="strip" aria-hidden="true">
        {(shifts.data?.items ?? []).map((s, i) => {
          const a = Math.max(Date.parse(s.start), from.getTime());
          const b = Math.min(Date.parse(s.end), to.getTime());
          const override = s.sources.some((x) => x.type === 'override');
          return (
            <div
              key={i}
              className={`shift${override ? ' override' : ''}`}
              style={{ left: `${((a - from.getTime()) / span) * 100}%`, width: `${((b - a) / span) * 100}%`, background: colors.get(s.person) }}
              title={`${s.displayName ?? s.person}: ${utcTime(s.start)} – ${utcTime(s.end)}`}
            >
              {s.displayName ?? s.person}
            </div>
          );
        })}
      </div>
      <div className="strip-days" aria-hidden="true">
        {Array.from({ length: days }, (_, i) => (
          <span key={i}>{new Date(from.getTime() + i * 86_400_000).toISOString().slice(5, 10)}</span>
        ))}
      </div>
      <details>
        <summary>Shifts of the next {days} days as a table</summary>
        <table className="grid compact" aria-label={`Shifts of ${schedule.schedule}`}>
          <thead>
            <tr>
              <th scope="col">Person</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {(shifts.data?.items ?? []).map((s, i) => (
              <tr key={i}>
                <th scope="row">{s.displayName ?? s.person}</th>
                <td>{utcTime(s.start)}</td>
                <td>{utcTime(s.end)}</td>
                <td>{s.sources.map((x) => (x.type === 'layer' ? `layer ${x.layer}` : `override${x.reason ? `: ${x.reason}` : ''}`)).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      <h3>Overrides</h3>
      {overrides.data && overrides.data.items.length === 0 && <p>No current overrides.</p>}
      <ul>
        {(overrides.data?.items ?? []).map((o) => (
          <li key={`${o.origin}-${o.id ?? o.index}`}>
            {o.person}: {utcTime(o.start)} – {utcTime(o.end)} {o.reason && <span className="muted">({o.reason})</span>}{' '}
            {o.origin === 'api' ? (
              <button type="button" onClick={() => void remove(o.id!)} aria-label={`Remove the override for ${o.person} from ${utcTime(o.start)}`}>
                Remove
              </button>
            ) : (
              <span className="muted small">in the YAML</span>
            )}
          </li>
        ))}
      </ul>
      <form className="inline-form" onSubmit={submit} aria-label={`Add an override to ${schedule.schedule}`}>
        <label>
          Person
          <select required value={form.person} onChange={(e) => setForm({ ...form, person: e.target.value })}>
            <option value="">choose…</option>
            {people.map((p) => (
              <option key={p.metadata.name} value={p.metadata.name}>
                {p.spec.displayName ?? p.metadata.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          From ({schedule.timezone})
          <input type="datetime-local" required value={form.start} onChange={(e) => setForm({ ...form, start: e.target.value })} />
        </label>
        <label>
          To ({schedule.timezone})
          <input type="datetime-local" required value={form.end} onChange={(e) => setForm({ ...form, end: e.target.value })} />
        </label>
        <label>
          Reason
          <input type="text" required value={form.reason} onChange={(e) => setForm({ ...form, reason: e.target.value })} />
        </label>
        <button type="submit">Add override</button>
      </form>
      <p role="status">{saved}</p>
      <ErrorBox error={error} title="The override was not saved" />
    </Section>
  );
}
