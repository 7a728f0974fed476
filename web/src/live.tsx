// Live updates: polls GET /api/v1/live with its ETag every few seconds (304 while nothing changed); when the stamp
// changes, every mounted query refetches, so the demo's outage, a new page or a teammate's ack appear without a reload.
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiFailure, get, post } from './api';

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
 * `body`: a question asked with POST that changes nothing (the release gate's check), asked the same way.
 * A tick that comes while the same question is still out does not abandon it (on a busy server, answers slower than
 * the ticks would never show): it is asked once more when the answer lands.
 */
export function useQuery<T>(path: string | null, options: { live?: boolean; body?: unknown } = {}): Query<T> {
  const { tick } = useLive();
  // What is asked: the path, and the body when there is one. Answers are kept and shown for this key only.
  const key = path === null ? null : options.body === undefined ? path : `${path}\n${JSON.stringify(options.body)}`;
  const [state, setState] = useState<{ data?: T; error?: ApiFailure; loading: boolean; key: string | null }>({ loading: key !== null, key });
  const [own, setOwn] = useState(0);
  const [again, setAgain] = useState(0);
  const liveTick = options.live === false ? 0 : tick;
  const mounted = useRef(true);
  const latestKey = useRef(key);
  latestKey.current = key;
  const inFlight = useRef<{ key: string; again: boolean } | null>(null);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  useEffect(() => {
    if (path === null || key === null) return;
    if (inFlight.current?.key === key) {
      inFlight.current.again = true;
      return;
    }
    const request = { key, again: false };
    inFlight.current = request;
    const current = () => mounted.current && latestKey.current === key;
    setState((s) => ({ ...s, loading: true, ...(s.key !== key ? { data: undefined, error: undefined, key } : {}) }));
    (options.body === undefined ? get<T>(path) : post<T>(path, options.body))
      .then(
        (data) => current() && setState({ data, loading: false, key }),
        (error: unknown) =>
          current() &&
          setState((s) => ({ ...s, loading: false, key, error: error instanceof ApiFailure ? error : new ApiFailure(0, 'client', String(error)) })),
      )
      .finally(() => {
        if (inFlight.current === request) inFlight.current = null;
        if (request.again && current()) setAgain((n) => n + 1);
      });
    // `key` stands for path and body.
  }, [key, liveTick, own, again]);
  const reload = useCallback(() => setOwn((n) => n + 1), []);
  return { data: state.key === key ? state.data : undefined, error: state.key === key ? state.error : undefined, loading: state.loading, reload };
}
