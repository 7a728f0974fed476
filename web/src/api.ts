// The UI's one way to talk to pave: same-origin fetches carrying the session cookie and the X-Pave-Request header
// (pave's CSRF defence for cookie-authenticated writes, docs/security.md). Errors arrive in pave's error shape.

export interface ErrorDetail {
  in?: string;
  path?: string;
  message?: string;
}

/** A failed request, with pave's error code and message and what the user can do about it. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

/** Called when pave answers 401: the session ended, so the app goes back to the sign-in page. */
let onSignedOut: () => void = () => undefined;
export function setSignedOutHandler(fn: () => void): void {
  onSignedOut = fn;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'x-pave-request': '1' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiFailure(0, 'unreachable', 'pave did not answer: check that the server is running and your network connection, then retry');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const e = (parsed as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined)?.error;
    if (res.status === 401 && path !== '/api/v1/session') onSignedOut();
    throw new ApiFailure(res.status, e?.code ?? `http_${res.status}`, e?.message ?? `pave answered ${res.status} ${res.statusText}`, e?.details ?? []);
  }
  return parsed as T;
}

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body);
export const patch = <T>(path: string, body?: unknown) => request<T>('PATCH', path, body);
export const put = <T>(path: string, body?: unknown) => request<T>('PUT', path, body);
export const del = <T>(path: string) => request<T>('DELETE', path);

/** Builds a path with encoded segments and query parameters (undefined ones left out). */
export function apiPath(template: string, query: Record<string, string | number | undefined> = {}): string {
  const q = Object.entries(query)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return q ? `${template}?${q}` : template;
}

export const enc = encodeURIComponent;

export interface Session {
  actor: string;
  role: string;
  team: string | null;
}
