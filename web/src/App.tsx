// The shell: sign-in gate, navigation, live-update status, and the route table.
import { Component, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiFailure, del, get, setSignedOutHandler, type Session } from './api';
import { ErrorBox, Loading } from './components/common';
import { ago } from './format';
import { LiveProvider, useLive } from './live';
import { Catalog } from './pages/Catalog';
import { FlagsPage } from './pages/FlagsPage';
import { IncidentDetail, IncidentsPage } from './pages/IncidentsPage';
import { Login } from './pages/Login';
import { PostmortemEditor } from './pages/PostmortemEditor';
import { OncallPage } from './pages/OncallPage';
import { PageDetail, PagesPage } from './pages/PagesPage';
import { ReportsPage } from './pages/ReportsPage';
import { RolloutDetail, RolloutsPage } from './pages/RolloutsPage';
import { ServicePage } from './pages/ServicePage';
import { SloPage } from './pages/SloPage';
import { Link, match, useLocation } from './router';

const nav: { to: string; label: string; active: (p: string) => boolean }[] = [
  { to: '/', label: 'Catalog', active: (p) => p === '/' || p.startsWith('/service/') || p.startsWith('/slo/') },
  { to: '/oncall', label: 'On call', active: (p) => p.startsWith('/oncall') },
  { to: '/pages', label: 'Pages', active: (p) => p.startsWith('/pages') || p.startsWith('/page/') },
  { to: '/incidents', label: 'Incidents', active: (p) => p.startsWith('/incident') },
  { to: '/flags', label: 'Flags', active: (p) => p.startsWith('/flags') },
  { to: '/rollouts', label: 'Rollouts', active: (p) => p.startsWith('/rollout') },
  { to: '/reports', label: 'Reports', active: (p) => p.startsWith('/reports') },
];

function Routes(): ReactNode {
  const { path } = useLocation();
  let m: Record<string, string> | null;
  if (match('/', path)) return <Catalog />;
  if ((m = match('/service/:name', path))) return <ServicePage key={m.name} name={m.name!} />;
  if ((m = match('/slo/:name', path))) return <SloPage key={m.name} name={m.name!} />;
  if (match('/oncall', path)) return <OncallPage />;
  if (match('/pages', path)) return <PagesPage />;
  if ((m = match('/page/:id', path))) return <PageDetail key={m.id} id={m.id!} />;
  if (match('/incidents', path)) return <IncidentsPage />;
  if ((m = match('/incident/:id', path))) return <IncidentDetail key={m.id} id={m.id!} />;
  if ((m = match('/incident/:id/postmortem', path))) return <PostmortemEditor key={m.id} id={m.id!} />;
  if (match('/flags', path)) return <FlagsPage />;
  if (match('/rollouts', path)) return <RolloutsPage />;
  if ((m = match('/rollout/:name', path))) return <RolloutDetail key={m.name} name={m.name!} />;
  if (match('/reports', path)) return <ReportsPage />;
  return (
    <>
      <h1>Not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link to="/">Go to the catalog</Link>.
      </p>
    </>
  );
}

/** A page that fails to render says so, instead of leaving a blank screen; the navigation keeps working. */
class PageBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    if (this.state.error) {
      return <ErrorBox error={new ApiFailure(500, 'client', `this page could not be shown: ${this.state.error.message}`)} title="Something went wrong in the UI" />;
    }
    return this.props.children;
  }
}

function LiveStatus() {
  const { lastCycle, stale } = useLive();
  return (
    <span className={`live${stale ? ' hot' : ''}`} role="status" aria-live="polite">
      {stale ? 'Live updates paused: pave is not answering' : lastCycle ? `Live · evaluated ${ago(lastCycle)}` : 'Live'}
    </span>
  );
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const { path } = useLocation();
  const shown = useRef(path);
  useEffect(() => {
    // After a navigation (not on first load), focus moves to the new page's heading, so keyboard and screen-reader
    // users know the page changed and continue from there.
    if (shown.current === path) return;
    shown.current = path;
    const target = document.querySelector<HTMLElement>('main h1') ?? document.getElementById('main');
    if (!target) return;
    target.tabIndex = -1;
    target.focus();
  }, [path]);
  return (
    <LiveProvider>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          pave
        </Link>
        <nav aria-label="Main">
          <ul>
            {nav.map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={n.active(path) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <LiveStatus />
        <span className="who">
          {session.actor} <span className="muted">({session.role}{session.team ? `, ${session.team}` : ''})</span>
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <PageBoundary key={path}>
          <Routes />
        </PageBoundary>
      </main>
    </LiveProvider>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState<ApiFailure | undefined>();
  useEffect(() => {
    setSignedOutHandler(() => setSession(null));
    get<Session>('/api/v1/session').then(setSession, (err: unknown) => {
      if (err instanceof ApiFailure && err.status === 401) setSession(null);
      else setError(err instanceof ApiFailure ? err : new ApiFailure(0, 'client', String(err)));
    });
  }, []);
  if (error) return <ErrorBox error={error} title="pave is not reachable" />;
  if (session === undefined) return <Loading what="pave" />;
  if (session === null) return <Login onSignedIn={setSession} />;
  const signOut = () => {
    void del('/api/v1/session').finally(() => setSession(null));
  };
  return <Shell session={session} onSignOut={signOut} />;
}
