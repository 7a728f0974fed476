// Live updates: polls GET /api/v1/live with its ETag every few seconds (304 while nothing changed); when the stamp
// changes, every mounted query refetches, so the demo's outage, a new page or a teammate's ack appear without a reload.
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiFailure, get } from './api';

const pollMs = 3000;
const LiveContext = createContext<{ tick: number; refresh: () => void; lastCycle: string | null; stale: boolean }>({
  tick: 0,
  refresh: () => undefined,
  lastCycle: null,
  stale: false,
});

export function LiveProvider({ children }: { children: ReactNode }) {
  const [tick, setTick] = useState(0);
  const [lastCycle, setLastCycle] = useState<string | null>(null);
  const [stale, setStale] = useState(false);
  const etag = useRef<string | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const poll = async () => {
      try {
        const headers: Record<string, string> = { accept: 'application/json' };
        if (etag.current) headers['if-none-match'] = etag.current;
        const res = await fetch('/api/v1/live', { headers, credentials: 'same-origin', cache: 'no-store' });
        if (res.status === 200) {
          const body = (await res.json()) as { version: string; lastCycle: string | null };
          const first = etag.current === null;
          etag.current = res.headers.get('etag');
          setLastCycle(body.lastCycle);
          if (!first) setTick((t) => t + 1);
        }
        setStale(!(res.status === 200 || res.status === 304));
      } catch {
        setStale(true);
      }
      if (!stopped) timer = window.setTimeout(poll, document.hidden ? pollMs * 5 : pollMs);
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, []);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  return <LiveContext.Provider value={{ tick, refresh, lastCycle, stale }}>{children}</LiveContext.Provider>;
}

export function useLive() {
  return useContext(LiveContext);
}

export interface Query<T> {
  data: T | undefined;
  error: ApiFailure | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * GETs `path` (null: nothing yet), again when it changes and on every live tick. The last data stays on screen while
 * a refetch runs, so charts do not flicker. `live: false` skips the ticks (large chart series refresh on their own).
 * A tick that comes while the same path is still loading does not abandon that request (on a busy server, answers
 * slower than the ticks would never show): the path is fetched once more when it lands.
 */
export function useQuery<T>(path: string | null, options: { live?: boolean } = {}): Query<T> {
  const { tick } = useLive();
  const [state, setState] = useState<{ data?: T; error?: ApiFailure; loading: boolean; path: string | null }>({ loading: path !== null, path });
  const [own, setOwn] = useState(0);
  const [again, setAgain] = useState(0);
  const liveTick = options.live === false ? 0 : tick;
  const mounted = useRef(true);
  const latestPath = useRef(path);
  latestPath.current = path;
  const inFlight = useRef<{ path: string; again: boolean } | null>(null);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  useEffect(() => {
    if (path === null) return;
    if (inFlight.current?.path === path) {
      inFlight.current.again = true;
      return;
    }
    const request = { path, again: false };
    inFlight.current = request;
    const current = () => mounted.current && latestPath.current === path;
    setState((s) => ({ ...s, loading: true, ...(s.path !== path ? { data: undefined, error: undefined, path } : {}) }));
    get<T>(path)
      .then(
        (data) => current() && setState({ data, loading: false, path }),
        (error: unknown) =>
          current() &&
          setState((s) => ({ ...s, loading: false, path, error: error instanceof ApiFailure ? error : new ApiFailure(0, 'client', String(error)) })),
      )
      .finally(() => {
        if (inFlight.current === request) inFlight.current = null;
        if (request.again && current()) setAgain((n) => n + 1);
      });
  }, [path, liveTick, own, again]);
  const reload = useCallback(() => setOwn((n) => n + 1), []);
  return { data: state.path === path ? state.data : undefined, error: state.path === path ? state.error : undefined, loading: state.loading, reload };
}
