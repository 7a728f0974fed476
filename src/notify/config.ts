// Settings of escalation and notification delivery, from the environment (docs/notifications.md lists them).
import { smtpOptionsFromEnv, type SmtpOptions } from './email.js';
import { actionLinkTtlMs } from './action-links.js';
import { defaultRetryPolicy, type RetryPolicy } from './retry.js';

export interface NotifyOptions {
  /** Base URL of the acknowledge/resolve links; the server's own address when unset. */
  publicUrl?: string;
  smtp?: SmtpOptions;
  retry: RetryPolicy;
  actionLinkTtlMs: number;
  outboxPollMs: number;
  escalationPollMs: number;
  /** Timeout of one webhook or Slack request. */
  httpTimeoutMs: number;
  /** On shutdown, how long to keep sending notifications already due. */
  shutdownDrainMs: number;
}

export const defaultNotifyOptions: NotifyOptions = {
  retry: defaultRetryPolicy,
  actionLinkTtlMs,
  outboxPollMs: 1_000,
  escalationPollMs: 1_000,
  httpTimeoutMs: 10_000,
  shutdownDrainMs: 5_000,
};

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${name} must be a number > 0, not ${text}`);
  return n;
}

export function notifyOptionsFromEnv(env: NodeJS.ProcessEnv): NotifyOptions {
  const d = defaultNotifyOptions;
  const smtp = smtpOptionsFromEnv(env);
  return {
    ...(env.PAVE_PUBLIC_URL ? { publicUrl: env.PAVE_PUBLIC_URL } : {}),
    ...(smtp ? { smtp } : {}),
    retry: {
      baseMs: positiveNumber(env, 'PAVE_NOTIFY_RETRY_BASE_SECONDS', d.retry.baseMs / 1000) * 1000,
      maxMs: positiveNumber(env, 'PAVE_NOTIFY_RETRY_MAX_SECONDS', d.retry.maxMs / 1000) * 1000,
      maxAttempts: Math.round(positiveNumber(env, 'PAVE_NOTIFY_MAX_ATTEMPTS', d.retry.maxAttempts)),
    },
    actionLinkTtlMs: positiveNumber(env, 'PAVE_ACTION_LINK_HOURS', d.actionLinkTtlMs / 3_600_000) * 3_600_000,
    outboxPollMs: positiveNumber(env, 'PAVE_OUTBOX_POLL_MS', d.outboxPollMs),
    escalationPollMs: positiveNumber(env, 'PAVE_ESCALATION_POLL_MS', d.escalationPollMs),
    httpTimeoutMs: d.httpTimeoutMs,
    shutdownDrainMs: d.shutdownDrainMs,
  };
}
