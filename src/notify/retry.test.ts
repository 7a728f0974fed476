import { describe, expect, it } from 'vitest';
import { nextAttemptAt, retryDelayMs, type RetryPolicy } from './retry.js';

const policy: RetryPolicy = { baseMs: 1_000, maxMs: 60_000, maxAttempts: 5 };

describe('retry backoff', () => {
  it('doubles from the base, with half the delay fixed and half jittered', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(policy, a, 0))).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map((a) => retryDelayMs(policy, a, 0.999999))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(retryDelayMs(policy, 2, 0.5)).toBe(1_500);
  });

  it('never exceeds the maximum, however many attempts (no overflow)', () => {
    expect(retryDelayMs(policy, 7, 0)).toBe(30_000);
    expect(retryDelayMs(policy, 7, 0.999999)).toBe(60_000);
    expect(retryDelayMs(policy, 5_000, 1)).toBe(60_000);
  });

  it('stops after the last attempt allowed', () => {
    expect(nextAttemptAt(policy, 4, 10_000, 0)).toBe(10_000 + 4_000);
    expect(nextAttemptAt(policy, 5, 10_000, 0)).toBeNull();
  });
});
