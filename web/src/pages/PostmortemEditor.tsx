// The postmortem editor: each section in Markdown with a live preview, saved together; the computed impact, the
// warnings (blame), the status (draft → in review → published) and the action items.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiFailure, enc, patch, post } from '../api';
import { ErrorBox, Loading, Section } from '../components/common';
import { Markdown } from '../markdown';
import { useLive, useQuery } from '../live';
import { Link } from '../router';

const sections: [string, string][] = [
  ['summary', 'Summary'],
  ['customerImpact', 'Customer impact'],
  ['rootCauses', 'Root causes'],
  ['contributingFactors', 'Contributing factors'],
  ['whatWentWell', 'What went well'],
  ['whatWentBadly', 'What went badly'],
  ['whereWeGotLucky', 'Where we got lucky'],
  ['lessons', 'Lessons'],
];

interface ActionItem {
  id: string;
  title: string;
  type: string;
  owner: string;
  dueDate: string | null;
  status: string;
}

interface PostmortemView {
  id: string;
  status: string;
  dueDate: string | null;
  requiredBecause: string[];
  sections: Record<string, string>;
  impact: { slo: string; budgetConsumedFraction?: number; badEvents?: number; [k: string]: unknown }[];
  actionItems: ActionItem[];
  warnings: { code: string; field: string; message: string }[];
}

const nextStatuses: Record<string, string[]> = { draft: ['in_review'], in_review: ['draft', 'published'], published: [] };

export function PostmortemEditor({ id }: { id: string }) {
  const { refresh } = useLive();
  const q = useQuery<PostmortemView>(`/api/v1/incidents/${enc(id)}/postmortem`, { live: false });
  const [draft, setDraft] = useState<Record<string, string> | null>(null);
  const [error, setError] = useState<ApiFailure | undefined>();
  const [saved, setSaved] = useState('');
  const [item, setItem] = useState({ title: '', type: 'prevent', owner: '', dueDate: '' });
  useEffect(() => {
    if (q.data && draft === null) setDraft({ ...q.data.sections });
  }, [q.data, draft]);

  const act = async (fn: () => Promise<unknown>, done: string) => {
    setError(undefined);
    setSaved('');
    try {
      await fn();
      setSaved(done);
      q.reload();
      refresh();
      return true;
    } catch (err) {
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, 'client', String(err)));
      return false;
    }
  };

  if (q.error?.status === 404) {
    return (
      <>
        <h1>Postmortem of incident #{id}</h1>
        <p>No postmortem has been started for this incident.</p>
        <button type="button" onClick={() => void act(() => post(`/api/v1/incidents/${enc(id)}/postmortem`), 'Draft started.')}>
          Start the postmortem
        </button>
        <ErrorBox error={error} title="The postmortem was not started" />
      </>
    );
  }
  if (q.error) return <ErrorBox error={q.error} title={`Could not load the postmortem of incident ${id}`} />;
  if (!q.data || !draft) return <Loading what="the postmortem" />;
  const pm = q.data;
  const editable = pm.status !== 'published';
  const changed = sections.filter(([k]) => (draft[k] ?? '') !== (pm.sections[k] ?? '')).map(([k]) => k);
  const save = (e: FormEvent) => {
    e.preventDefault();
    void act(() => patch(`/api/v1/incidents/${enc(id)}/postmortem`, Object.fromEntries(changed.map((k) => [k, draft[k]]))), `Saved ${changed.length} section(s).`);
  };
  const addItem = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await act(() => post(`/api/v1/incidents/${enc(id)}/postmortem/action-items`, { title: item.title, type: item.type, owner: item.owner, ...(item.dueDate ? { dueDate: item.dueDate } : {}) }), 'Action item added.');
    if (ok) setItem({ title: '', type: 'prevent', owner: '', dueDate: '' });
  };

  return (
    <>
      <h1>
        Postmortem of <Link to={`/incident/${enc(id)}`}>incident #{id}</Link>
      </h1>
      <p>
        Status <strong>{pm.status.replace('_', ' ')}</strong>
        {pm.dueDate && <> · due {pm.dueDate}</>}
        {pm.requiredBecause.length > 0 && <> · required because {pm.requiredBecause.join('; ')}</>}{' '}
        {(nextStatuses[pm.status] ?? []).map((s) => (
          <button key={s} type="button" onClick={() => void act(() => post(`/api/v1/incidents/${enc(id)}/postmortem/status`, { status: s }), `Moved to ${s.replace('_', ' ')}.`)}>
            {s === 'in_review' ? 'Send for review' : s === 'published' ? 'Publish' : 'Back to draft'}
          </button>
        ))}{' '}
        <a href={`/api/v1/incidents/${enc(id)}/postmortem/markdown`}>Markdown export</a>
      </p>
      {pm.warnings.length > 0 && (
        <div className="warning" role="note">
          <strong>Warnings:</strong>
          <ul>
            {pm.warnings.map((w, i) => (
              <li key={i}>
                <code>{w.field}</code>: {w.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <p role="status">{saved}</p>
      <ErrorBox error={error} title="The postmortem was not changed" />
      <form onSubmit={save}>
        {sections.map(([key, label]) => (
          <div className="pm-section" key={key}>
            <label htmlFor={`pm-${key}`}>{label}</label>
            <div className="pm-pair">
              <textarea id={`pm-${key}`} rows={6} value={draft[key] ?? ''} readOnly={!editable} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} />
              <div className="pm-preview" aria-label={`${label} preview`}>
                <Markdown text={draft[key] ?? ''} />
              </div>
            </div>
          </div>
        ))}
        {editable && (
          <button type="submit" disabled={changed.length === 0}>
            {changed.length ? `Save ${changed.length} changed section(s)` : 'No unsaved changes'}
          </button>
        )}
      </form>
      <Section title="Action items">
        <table className="grid compact" aria-label="Action items">
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col">Type</th>
              <th scope="col">Owner</th>
              <th scope="col">Due</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {pm.actionItems.map((a) => (
              <tr key={a.id}>
                <th scope="row">{a.title}</th>
                <td>{a.type}</td>
                <td>{a.owner}</td>
                <td>{a.dueDate ?? '–'}</td>
                <td>{a.status}</td>
              </tr>
            ))}
            {pm.actionItems.length === 0 && (
              <tr>
                <td colSpan={5}>No action items yet.</td>
              </tr>
            )}
          </tbody>
        </table>
        <form className="inline-form" onSubmit={addItem} aria-label="Add an action item">
          <label>
            What is to be done
            <input required value={item.title} onChange={(e) => setItem({ ...item, title: e.target.value })} size={40} />
          </label>
          <label>
            Type
            <select value={item.type} onChange={(e) => setItem({ ...item, type: e.target.value })}>
              {['prevent', 'mitigate', 'detect', 'repair'].map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
          <label>
            Owner (person or team)
            <input required value={item.owner} onChange={(e) => setItem({ ...item, owner: e.target.value })} />
          </label>
          <label>
            Due date
            <input type="date" value={item.dueDate} onChange={(e) => setItem({ ...item, dueDate: e.target.value })} />
          </label>
          <button type="submit">Add action item</button>
        </form>
      </Section>
    </>
  );
}
