// Small shared pieces: status badges (text, not colour alone), error boxes that say what to do, loading notes.
import type { ReactNode } from 'react';
import type { ApiFailure } from '../api';

const statusWords: Record<string, string> = {
  healthy: 'healthy',
  warning: 'warning',
  exhausted: 'budget exhausted',
  pending: 'not evaluated yet',
  invalid: 'invalid',
  no_data: 'no data',
  triggered: 'triggered',
  acknowledged: 'acknowledged',
  resolved: 'resolved',
};

export function StatusBadge({ status }: { status: string | undefined }) {
  const s = status ?? 'pending';
  return <span className={`badge badge-${s.replace(/[^a-z_]/g, '')}`}>{statusWords[s] ?? s}</span>;
}

/** What the user can do about an error, by its code. */
function advice(e: ApiFailure): string {
  if (e.status === 401) return 'Sign in again with a valid token.';
  if (e.status === 403) return 'Your token may not do this: ask an admin or a member of the owning team.';
  if (e.status === 404) return 'It may have been renamed or deleted: go back to the catalog.';
  if (e.status === 409) return 'Someone changed it meanwhile: the page shows its current state now.';
  if (e.status === 0) return 'Retry in a moment.';
  if (e.status >= 500) return 'This is a fault in pave: retry, and if it persists tell your pave operator (the request id is in the server log).';
  return 'Correct the fields named above and try again.';
}

export function ErrorBox({ error, title = 'Something went wrong' }: { error: ApiFailure | undefined; title?: string }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      <strong>{title}:</strong> {error.message}
      {error.details.length > 0 && (
        <ul>
          {error.details.map((d, i) => (
            <li key={i}>
              {d.path ? <code>{d.path}</code> : null} {d.message}
            </li>
          ))}
        </ul>
      )}
      <div className="advice">{advice(error)}</div>
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Section({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  const hid = id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return (
    <section aria-labelledby={hid} className="section">
      <h2 id={hid}>{title}</h2>
      {children}
    </section>
  );
}
