// Sign-in with an API token: POST /api/v1/session sets an HttpOnly cookie, so the token never sits in page storage.
import { useState, type FormEvent } from 'react';
import { ApiFailure, post, type Session } from '../api';
import { ErrorBox } from '../components/common';

export function Login({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<ApiFailure | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!token.trim()) {
      setError(new ApiFailure(400, 'bad_request', 'Enter your API token first.', [{ path: 'token', message: 'is required' }]));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await post<Session>('/api/v1/session', { token: token.trim() }));
    } catch (err) {
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, 'client', String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login" id="main">
      <h1>pave</h1>
      <p>Sign in with an API token. Create one with <code>pave token create</code>; <code>npm start</code> prints a demo token.</p>
      <form onSubmit={submit} noValidate>
        <label htmlFor="token">API token</label>
        <input id="token" name="token" type="password" autoComplete="current-password" value={token} onChange={(e) => setToken(e.target.value)} aria-describedby="token-help" autoFocus />
        <p id="token-help" className="help">
          The token is kept in an HttpOnly cookie for 12 hours at most; signing out removes it.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <ErrorBox error={error} title="Could not sign in" />
    </main>
  );
}
