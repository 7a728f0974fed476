// A loop that runs a unit of work every `pollMs`, at once again when the work says there may be more (a full
// batch), and at once when nudged (new work committed in this process), never two runs at a time.
export class PollingLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<boolean> | undefined;
  private stopped = true;
  private nudged = false;

  constructor(
    /** Resolves true when more work may be waiting. */
    private readonly work: () => Promise<boolean>,
    private readonly pollMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Runs as soon as possible: now if idle, right after the current run otherwise. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) this.nudged = true;
    else this.schedule(0);
  }

  /** Stops and waits for the run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.running) return;
    this.nudged = false;
    let more = false;
    try {
      this.running = this.work();
      more = await this.running;
    } catch (err) {
      this.onError(err);
    } finally {
      this.running = undefined;
    }
    if (!this.stopped) this.schedule(more || this.nudged ? 0 : this.pollMs);
  }
}
