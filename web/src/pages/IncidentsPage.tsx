// Incidents: the list, declaring one, and one incident with its roles, status, timeline, notes and status updates.
import { useState, type FormEvent } from 'react';
import { ApiFailure, apiPath, enc, patch, post, put } from '../api';
import { ErrorBox, Loading, Section } from '../components/common';
import { utcTime } from '../format';
import { useLive, useQuery } from '../live';
import { Link, navigate, useLocation } from '../router';
import type { Service } from '../types';

export interface Incident {
  id: string;
  title: string;
  status: string;
  severity: string;
  detectedBy: string;
  services: string[];
  teams: string[];
  pageIds: string[];
  roles: { role: string; person: string; since?: string }[];
  impactStartAt: string;
  detectedAt: string;
  engagedAt: string | null;
  mitigatedAt: string | null;
  resolvedAt: string | null;
  declaredAt: string;
  declaredBy: string;
  statusUpdates?: { id: string; at: string; status: string; message: string }[];
}

interface TimelineEntry {
  at: string;
  source: string;
  type: string;
  summary: string;
  actor: string | null;
  noteKind?: string;
}

const statuses = ['investigating', 'identified', 'monitoring', 'resolved'];
const severities = ['SEV1', 'SEV2', 'SEV3', 'SEV4'];
/** The four incident roles (src/domain/incident/lifecycle.ts incidentRoles), as people say them. */
const roleNames: Record<string, string> = { commander: 'incident commander', operations: 'operations lead', communications: 'communications lead', planning: 'planning lead' };
const noteKinds: Record<string, string> = { note: 'note', decision: 'decision', irreversible_action: 'irreversible action', dead_end: 'dead end' };

function useAction() {
  const { refresh } = useLive();
  const [error, setError] = useState<ApiFailure | undefined>();
  const [busy, setBusy] = useState(false);
  const run = async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await fn();
      refresh();
      return r;
    } catch (err) {
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, 'client', String(err)));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run };
}

export function IncidentsPage() {
  const { search } = useLocation();
  const open = search.get('open') ?? 'true';
  const list = useQuery<{ items: Incident[] }>(apiPath('/api/v1/incidents', { open: open === 'all' ? undefined : open }));
  const services = useQuery<{ items: Service[] }>('/api/v1/services');
  const [form, setForm] = useState({ title: '', severity: 'SEV3', service: '' });
  const action = useAction();
  const declare = async (e: FormEvent) => {
    e.preventDefault();
    const made = await action.run(() => post<Incident>('/api/v1/incidents', { title: form.title, severity: form.severity, services: form.service ? [form.service] : [] }));
    if (made) navigate(`/incident/${made.id}`);
  };
  return (
    <>
      <h1>Incidents</h1>
      <Section title="Declare an incident">
        <form className="inline-form" onSubmit={declare}>
          <label>
            Title
            <input required value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} size={40} />
          </label>
          <label>
            Severity
            <select value={form.severity} onChange={(e) => setForm({ ...form, severity: e.target.value })}>
              {severities.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label>
            Affected service
            <select value={form.service} onChange={(e) => setForm({ ...form, service: e.target.value })}>
              <option value="">none yet</option>
              {(services.data?.items ?? []).map((s) => (
                <option key={s.metadata.name}>{s.metadata.name}</option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={action.busy}>
            Declare
          </button>
        </form>
        <ErrorBox error={action.error} title="The incident was not declared" />
      </Section>
      <label className="range">
        Show
        <select value={open} onChange={(e) => navigate(`/incidents?open=${e.target.value}`, true)}>
          <option value="true">open</option>
          <option value="false">resolved</option>
          <option value="all">all</option>
        </select>
      </label>
      <ErrorBox error={list.error} title="Could not load incidents" />
      {!list.data ? (
        !list.error && <Loading what="incidents" />
      ) : (
        <table className="grid" aria-label="Incidents">
          <thead>
            <tr>
              <th scope="col">Incident</th>
              <th scope="col">Severity</th>
              <th scope="col">Status</th>
              <th scope="col">Services</th>
              <th scope="col">Declared</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((i) => (
              <tr key={i.id} data-incident={i.id}>
                <th scope="row">
                  <Link to={`/incident/${i.id}`}>
                    #{i.id} {i.title}
                  </Link>
                </th>
                <td>{i.severity}</td>
                <td>{i.status}</td>
                <td>{i.services.join(', ') || '–'}</td>
                <td>{utcTime(i.declaredAt)}</td>
              </tr>
            ))}
            {list.data.items.length === 0 && (
              <tr>
                <td colSpan={5}>No incidents.</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </>
  );
}

function describe(e: TimelineEntry): string {
  const kind = e.noteKind && e.noteKind !== 'note' ? ` (${noteKinds[e.noteKind] ?? e.noteKind})` : '';
  return `${e.source}${kind}: ${e.summary}`;
}

export function IncidentDetail({ id }: { id: string }) {
  const q = useQuery<Incident>(`/api/v1/incidents/${enc(id)}`);
  const timeline = useQuery<{ items: TimelineEntry[] }>(`/api/v1/incidents/${enc(id)}/timeline`);
  const [note, setNote] = useState({ kind: 'note', text: '' });
  const [update, setUpdate] = useState('');
  const [role, setRole] = useState({ role: 'commander', person: '' });
  const people = useQuery<{ items: { metadata: { name: string }; spec: { displayName?: string } }[] }>('/api/v1/people', { live: false });
  const action = useAction();
  if (q.error) return <ErrorBox error={q.error} title={`Could not load incident ${id}`} />;
  if (!q.data) return <Loading what={`incident ${id}`} />;
  const i = q.data;
  const addNote = async (e: FormEvent) => {
    e.preventDefault();
    if (await action.run(() => post(`/api/v1/incidents/${enc(id)}/notes`, note))) {
      setNote({ kind: 'note', text: '' });
      timeline.reload();
    }
  };
  const change = (body: Record<string, string>) => action.run(() => patch(`/api/v1/incidents/${enc(id)}`, body)).then(() => q.reload());
  // Hands the role over when someone holds it; an empty person releases it. The API keeps the history.
  const giveRole = async (e: FormEvent) => {
    e.preventDefault();
    if (await action.run(() => put(`/api/v1/incidents/${enc(id)}/roles/${enc(role.role)}`, { person: role.person || null }))) {
      q.reload();
      timeline.reload();
    }
  };
  const postUpdate = async (e: FormEvent) => {
    e.preventDefault();
    if (await action.run(() => post(`/api/v1/incidents/${enc(id)}/updates`, { message: update }))) {
      setUpdate('');
      q.reload();
    }
  };
  return (
    <>
      <h1>
        Incident #{i.id}: {i.title}
      </h1>
      <div className="inline-form">
        <label>
          Status
          <select aria-label="Incident status" value={i.status} onChange={(e) => void change({ status: e.target.value })} disabled={action.busy}>
            {statuses.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Severity
          <select aria-label="Incident severity" value={i.severity} onChange={(e) => void change({ severity: e.target.value })} disabled={action.busy}>
            {severities.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <Link to={`/incident/${i.id}/postmortem`}>Postmortem</Link>
      </div>
      <ErrorBox error={action.error} title="The incident was not changed" />
      <dl className="facts">
        <div>
          <dt>Services</dt>
          <dd>
            {i.services.map((s) => (
              <Link key={s} to={`/service/${enc(s)}`}>
                {s}{' '}
              </Link>
            ))}
            {i.services.length === 0 && '–'}
          </dd>
        </div>
        <div>
          <dt>Impact started</dt>
          <dd>{utcTime(i.impactStartAt)}</dd>
        </div>
        <div>
          <dt>Detected</dt>
          <dd>{utcTime(i.detectedAt)}</dd>
        </div>
        <div>
          <dt>Engaged</dt>
          <dd>{utcTime(i.engagedAt)}</dd>
        </div>
        <div>
          <dt>Mitigated</dt>
          <dd>{utcTime(i.mitigatedAt)}</dd>
        </div>
        <div>
          <dt>Resolved</dt>
          <dd>{utcTime(i.resolvedAt)}</dd>
        </div>
      </dl>
      <div className="columns">
        <Section title="Roles">
          {i.roles.length === 0 ? (
            <p>Nobody holds a role yet.</p>
          ) : (
            <ul>
              {i.roles.map((r) => (
                <li key={r.role}>
                  {roleNames[r.role] ?? r.role}: <strong>{r.person}</strong>
                </li>
              ))}
            </ul>
          )}
          <form className="inline-form" onSubmit={giveRole}>
            <label>
              Role
              <select aria-label="Incident role" value={role.role} onChange={(e) => setRole({ ...role, role: e.target.value })}>
                {Object.entries(roleNames).map(([k, v]) => (
                  <option key={k} value={k}>
                    {v}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Person
              <select aria-label="Person for the role" value={role.person} onChange={(e) => setRole({ ...role, person: e.target.value })}>
                <option value="">(release the role)</option>
                {(people.data?.items ?? []).map((p) => (
                  <option key={p.metadata.name} value={p.metadata.name}>
                    {p.spec.displayName ?? p.metadata.name}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" disabled={action.busy}>
              {role.person ? 'Give role' : 'Release role'}
            </button>
          </form>
        </Section>
        <Section title="Status updates">
          <ul>
            {(i.statusUpdates ?? []).map((u) => (
              <li key={u.id}>
                {utcTime(u.at)} ({u.status}): {u.message}
              </li>
            ))}
          </ul>
          <form className="inline-form" onSubmit={postUpdate}>
            <label>
              Status update for subscribers
              <input required value={update} onChange={(e) => setUpdate(e.target.value)} size={40} />
            </label>
            <button type="submit" disabled={action.busy}>
              Post update
            </button>
          </form>
        </Section>
      </div>
      <Section title="Timeline">
        <form className="inline-form" onSubmit={addNote}>
          <label>
            Kind
            <select value={note.kind} onChange={(e) => setNote({ ...note, kind: e.target.value })}>
              {Object.entries(noteKinds).map(([k, v]) => (
                <option key={k} value={k}>
                  {v}
                </option>
              ))}
            </select>
          </label>
          <label>
            Note
            <input required value={note.text} onChange={(e) => setNote({ ...note, text: e.target.value })} size={50} />
          </label>
          <button type="submit" disabled={action.busy}>
            Add to timeline
          </button>
        </form>
        <ErrorBox error={timeline.error} title="Could not load the timeline" />
        <ol className="timeline" aria-label="Timeline">
          {(timeline.data?.items ?? []).map((e, n) => (
            <li key={n}>
              <time dateTime={e.at}>{utcTime(e.at)}</time> {describe(e)} {e.actor && <span className="muted">({e.actor})</span>}
            </li>
          ))}
        </ol>
      </Section>
    </>
  );
}
