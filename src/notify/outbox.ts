// The outbox worker: claims due notifications (store/outbox, SKIP LOCKED, so every replica may run one), hands each
// to its channel's notifier, and records the attempt: sent, retry later (notify/retry backoff), or dead once the
// attempts are spent or the failure is permanent. Stopping waits for the sends in flight (graceful shutdown drains).
import type { Kysely } from 'kysely';
import { claimDueNotifications, recordDelivery, type ClaimedNotification, type DeliveryOutcome, type NotificationChannel } from '../store/outbox.js';
import type { Database } from '../store/schema.js';
import type { Notifier, SendResult } from './notifier.js';
import { PollingLoop } from './polling-loop.js';
import { nextAttemptAt, type RetryPolicy } from './retry.js';

export interface OutboxOptions {
  notifiers: Record<NotificationChannel, Notifier>;
  retry: RetryPolicy;
  now: () => Date;
  /** [0, 1): the jitter of each retry. */
  random: () => number;
  /** How long a claimed notification is reserved for this worker: longer than any notifier's timeout. */
  leaseMs: number;
  batchSize: number;
  pollMs: number;
  onError: (err: unknown) => void;
}

/** What a send's result means for the notification, on its `attempt`-th attempt. */
export function outcomeOf(result: SendResult, attempt: number, retry: RetryPolicy, failedAt: number, random: number): DeliveryOutcome {
  if (result.ok) return { outcome: 'sent' };
  const error = result.error ?? 'failed';
  if (result.permanent) return { outcome: 'dead', error: `${error} (not retried)` };
  const at = nextAttemptAt(retry, attempt, failedAt, random);
  return at === null ? { outcome: 'dead', error: `${error} (after ${attempt} attempts)` } : { outcome: 'retry', at: new Date(at), error };
}

export class OutboxWorker {
  private readonly loop: PollingLoop;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: OutboxOptions,
  ) {
    this.loop = new PollingLoop(async () => (await this.runOnce()) >= opts.batchSize, opts.pollMs, opts.onError);
  }

  /** Sends every notification due now (one batch); resolves with how many were attempted. */
  async runOnce(): Promise<number> {
    const claimed = await claimDueNotifications(this.db, this.opts.now(), this.opts.batchSize, this.opts.leaseMs);
    await Promise.all(claimed.map((n) => this.deliver(n)));
    return claimed.length;
  }

  private async deliver(n: ClaimedNotification): Promise<void> {
    const started = performance.now();
    let result: SendResult;
    try {
      result = await this.opts.notifiers[n.channel].send(n);
    } catch (err) {
      result = { ok: false, error: (err as Error).message };
    }
    const at = this.opts.now();
    const outcome = outcomeOf(result, n.attempt, this.opts.retry, at.getTime(), this.opts.random());
    await recordDelivery(this.db, n, outcome, { at, durationMs: performance.now() - started, statusCode: result.statusCode ?? null, error: result.ok ? null : (result.error ?? 'failed') });
  }

  /** Polls every `pollMs`; a full batch is followed at once by the next. */
  start(): void {
    this.loop.start();
  }

  /** Sends due notifications now (just written in this process) rather than at the next poll. */
  nudge(): void {
    this.loop.nudge();
  }

  /**
   * Stops polling and waits for the batch in flight; then, for up to `drainMs`, keeps sending what is due (graceful
   * shutdown drains the outbox; what is left is sent by the next process or another replica).
   */
  async stop(drainMs = 0): Promise<void> {
    await this.loop.stop();
    const deadline = Date.now() + drainMs;
    while (Date.now() < deadline) {
      const attempted = await this.runOnce().catch((err: unknown) => (this.opts.onError(err), 0));
      if (attempted === 0) break;
    }
  }
}
