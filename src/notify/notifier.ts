// What a notifier is: it sends one claimed notification and says how it went. The outbox worker decides what
// happens next (sent, retry later, dead).
import type { ClaimedNotification } from '../store/outbox.js';

export interface SendResult {
  ok: boolean;
  statusCode?: number;
  error?: string;
  /** A failure that retrying cannot fix (e.g. a 400 or 404 answer): dead-letter at once. */
  permanent?: boolean;
}

export interface Notifier {
  send(n: ClaimedNotification): Promise<SendResult>;
}

/** HTTP answers worth retrying: server errors, timeouts and rate limits; other 4xx mean the request itself is wrong. */
export function httpResult(status: number): SendResult {
  if (status >= 200 && status < 300) return { ok: true, statusCode: status };
  const retryable = status >= 500 || status === 408 || status === 429;
  return { ok: false, statusCode: status, error: `HTTP ${status}`, permanent: !retryable };
}

/** A network failure, with its cause's code when there is one (fetch hides it under `cause`). */
export function networkError(err: unknown): SendResult {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return { ok: false, error: cause ? `${e.message}: ${cause}` : e.message };
}
