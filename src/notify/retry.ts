// Retry timing for notifications, pure: exponential backoff with jitter, capped, and a last attempt after which the
// notification is dead-lettered. Jitter spreads the retries of many notifications that failed together (a receiver
// that was down) so they do not all come back at the same instant.

export interface RetryPolicy {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** No delay is longer than this. */
  maxMs: number;
  /** Attempts in all, the first included; after the last failure the notification is dead. */
  maxAttempts: number;
}

export const defaultRetryPolicy: RetryPolicy = { baseMs: 5_000, maxMs: 15 * 60_000, maxAttempts: 10 };

/**
 * Delay after the `attempt`-th failure (1-based): base · 2^(attempt−1), capped at max, then "equal jitter": half of it
 * fixed, half drawn from `random` ∈ [0, 1). The fixed half keeps a retry from coming back at once.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: number): number {
  const exponential = policy.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 52);
  const capped = Math.min(policy.maxMs, exponential);
  return Math.round(capped / 2 + (capped / 2) * Math.min(Math.max(random, 0), 1));
}

/** After the `attempt`-th failure: when to try again, or null when that was the last attempt allowed. */
export function nextAttemptAt(policy: RetryPolicy, attempt: number, failedAt: number, random: number): number | null {
  if (attempt >= policy.maxAttempts) return null;
  return failedAt + retryDelayMs(policy, attempt, random);
}
