// The outbox worker: claims due notifications (store/outbox, SKIP LOCKED, so every replica may run one), hands each
// to its channel's notifier, and records the attempt: sent, retry later (notify/retry backoff), or dead once the
// attempts are spent or the failure is permanent. Stopping waits for the sends in flight (graceful shutdown drains).
// The loop claims the next due notifications as soon as the previous ones are handed to their notifiers, without
// waiting for those sends to finish (a slow receiver must not hold up a page's first notification), and the attempts
// that finish together are recorded together, in one transaction (store/outbox recordDeliveries).
import type { Kysely } from 'kysely';
import { claimDueNotifications, recordDeliveries, type AttemptRecord, type ClaimedNotification, type DeliveryOutcome, type NotificationChannel } from '../store/outbox.js';
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

/** Batches of claimed notifications being sent at once, at most: beyond, the loop waits for one to finish. */
const maxBatchesInFlight = 8;

interface FinishedAttempt {
  n: ClaimedNotification;
  result: DeliveryOutcome;
  attempt: AttemptRecord;
  recorded(): void;
  failed(err: unknown): void;
}

export class OutboxWorker {
  private readonly loop: PollingLoop;
  /** Sends (and their records) under way, per claimed batch. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Attempts finished and not yet recorded; one recorder writes whatever has gathered. */
  private readonly finished: FinishedAttempt[] = [];
  private recording = false;
  private running = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: OutboxOptions,
  ) {
    this.loop = new PollingLoop(async () => (await this.dispatch()) >= opts.batchSize, opts.pollMs, opts.onError);
  }

  /** Sends every notification due now (one batch) and records the attempts; resolves with how many were attempted. */
  async runOnce(): Promise<number> {
    const claimed = await this.dispatch();
    await this.settled();
    return claimed;
  }

  /** Claims one batch and hands each notification to its notifier; resolves once they are handed over, not sent. */
  private async dispatch(): Promise<number> {
    while (this.inFlight.size >= maxBatchesInFlight) await Promise.race(this.inFlight);
    const claimed = await claimDueNotifications(this.db, this.opts.now(), this.opts.batchSize, this.opts.leaseMs);
    if (claimed.length === 0) return 0;
    const batch = Promise.all(claimed.map((n) => this.deliver(n))).then(
      () => undefined,
      (err: unknown) => this.opts.onError(err),
    );
    this.inFlight.add(batch);
    void batch.finally(() => this.inFlight.delete(batch));
    return claimed.length;
  }

  /**
   * Sends notifications written already claimed for this worker (store/escalations insertStartedEscalations, with
   * leaseMs from leaseForHandOver): a page's first notification goes out right after its commit, with no claim.
   */
  handOver(claimed: readonly ClaimedNotification[]): void {
    if (claimed.length === 0) return;
    const batch = Promise.all(claimed.map((n) => this.deliver(n))).then(
      () => undefined,
      (err: unknown) => this.opts.onError(err),
    );
    this.inFlight.add(batch);
    void batch.finally(() => this.inFlight.delete(batch));
  }

  /** The lease to write notifications with for handOver, or null when this worker is not running (nobody would send them). */
  leaseForHandOver(): number | null {
    return this.running ? this.opts.leaseMs : null;
  }

  /** Resolves when every send under way is recorded. */
  private async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
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
    await new Promise<void>((recorded, failed) => {
      this.finished.push({ n, result: outcome, attempt: { at, durationMs: performance.now() - started, statusCode: result.statusCode ?? null, error: result.ok ? null : (result.error ?? 'failed') }, recorded, failed });
      if (!this.recording) void this.record();
    });
  }

  /** Group commit of finished attempts: all that gathered while the previous transaction ran, in one. */
  private async record(): Promise<void> {
    this.recording = true;
    try {
      while (this.finished.length > 0) {
        await new Promise((r) => setImmediate(r));
        const group = this.finished.splice(0, 500);
        try {
          await recordDeliveries(this.db, group);
          for (const f of group) f.recorded();
        } catch (err) {
          for (const f of group) f.failed(err);
        }
      }
    } finally {
      this.recording = false;
    }
  }

  /** Polls every `pollMs`; a full batch is followed at once by the next. */
  start(): void {
    this.running = true;
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
    this.running = false;
    await this.loop.stop();
    await this.settled();
    const deadline = Date.now() + drainMs;
    while (Date.now() < deadline) {
      const attempted = await this.runOnce().catch((err: unknown) => (this.opts.onError(err), 0));
      if (attempted === 0) break;
    }
  }
}
