import { describe, expect, it } from 'vitest';
import { PollingLoop } from './polling-loop.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PollingLoop', () => {
  it('runs at start, then at once when nudged instead of waiting for the poll, and never twice at a time', async () => {
    let runs = 0;
    let concurrent = 0;
    let most = 0;
    const loop = new PollingLoop(
      async () => {
        runs++;
        most = Math.max(most, ++concurrent);
        await sleep(20);
        concurrent--;
        return false;
      },
      60_000,
      (err) => {
        throw err;
      },
    );
    loop.start();
    await sleep(50);
    expect(runs).toBe(1);
    loop.nudge();
    await sleep(50);
    expect(runs).toBe(2);
    // Nudged during a run: one more run right after it, not a second one alongside.
    loop.nudge();
    await sleep(5);
    loop.nudge();
    loop.nudge();
    await sleep(100);
    expect(runs).toBe(4);
    expect(most).toBe(1);
    await loop.stop();
    loop.nudge();
    await sleep(30);
    expect(runs).toBe(4);
  });

  it('goes on at once while the work says there is more', async () => {
    let left = 3;
    const loop = new PollingLoop(async () => --left > 0, 60_000, () => undefined);
    loop.start();
    await sleep(50);
    expect(left).toBe(0);
    await loop.stop();
  });
});
