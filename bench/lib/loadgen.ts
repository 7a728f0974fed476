// Open-loop, fixed-rate HTTP load: request i is due at start + i/rate whatever happened to earlier ones, and its
// latency is measured from that due time (not from when it was actually sent), so a stalled server or a stalled
// generator shows up in the latencies instead of silently lowering the rate (no coordinated omission).
import http from 'node:http';

export interface OpenLoopOptions {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Path of request i (e.g. a random service). */
  path: (i: number) => string;
  headers?: Record<string, string>;
  /** Requests per second. */
  rate: number;
  warmupMs: number;
  durationMs: number;
  /** Per-request timeout; a timed-out request counts as an error. */
  timeoutMs?: number;
  /** Requests still unanswered beyond this are not sent and count as errors (bounds memory if the server hangs). */
  maxInFlight?: number;
  /** Keep-alive sockets (default 64). */
  maxSockets?: number;
  /** Status code counted as success (default 200). */
  expectStatus?: number;
  /** Default GET; with `body`, the body of request i (sent as JSON unless headers say otherwise). */
  method?: 'GET' | 'POST';
  body?: (i: number) => string | Buffer;
  /** Told of each measured and warm-up request as it is sent, with its scheduled time (performance.now() clock). */
  onSend?: (i: number, due: number) => void;
}

export interface OpenLoopResult {
  /** Latency from the scheduled send time, ms, of every measured (post-warm-up) request that succeeded. */
  latencies: number[];
  /** Latency from the actual send time, ms (for comparison: the difference is generator lag). */
  serviceTimes: number[];
  scheduled: number;
  completed: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** Measured requests completed successfully per second over the measured window. */
  achievedRate: number;
  /** Largest delay between a request's due time and its actual send, ms (generator/event-loop lag). */
  maxSendLag: number;
  warmupRequests: number;
  measureWindowMs: number;
}

export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const { hostname, port } = new URL(o.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxSockets ?? 64 });
  const interval = 1000 / o.rate;
  const warmup = Math.round((o.warmupMs / 1000) * o.rate);
  const total = warmup + Math.round((o.durationMs / 1000) * o.rate);
  const timeoutMs = o.timeoutMs ?? 5000;
  const maxInFlight = o.maxInFlight ?? 2000;
  const expect = o.expectStatus ?? 200;

  const latencies: number[] = [];
  const serviceTimes: number[] = [];
  const errorKinds: Record<string, number> = {};
  let errors = 0;
  let inFlight = 0;
  let maxSendLag = 0;
  let lastEnd = 0;
  let firstMeasuredDue = 0;
  let finished = false; // after the drain: late answers no longer count (they were already counted as errors)

  const fail = (measured: boolean, kind: string) => {
    if (!measured) return;
    errors++;
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  };

  const send = (i: number, due: number) => {
    const measured = i >= warmup;
    if (inFlight >= maxInFlight) return fail(measured, 'too many in flight');
    inFlight++;
    const sentAt = performance.now();
    o.onSend?.(i, due);
    if (measured) maxSendLag = Math.max(maxSendLag, sentAt - due);
    let settled = false;
    const done = (kind: string | null) => {
      if (settled || finished) return;
      settled = true;
      inFlight--;
      const end = performance.now();
      if (!measured) return;
      lastEnd = Math.max(lastEnd, end);
      if (kind) return fail(true, kind);
      latencies.push(end - due);
      serviceTimes.push(end - sentAt);
    };
    const body = o.body?.(i);
    const headers = body === undefined ? o.headers : { 'content-type': 'application/json', ...o.headers, 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request(
      { agent, host: hostname, port: Number(port), path: o.path(i), method: o.method ?? 'GET', headers, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode === expect ? null : `HTTP ${res.statusCode}`));
        res.on('error', (err) => done(err.message));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => done((err as NodeJS.ErrnoException).code ?? err.message));
    req.end(body);
  };

  const start = performance.now() + 20;
  firstMeasuredDue = start + warmup * interval;
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (i < total && start + i * interval <= now) {
        send(i, start + i * interval);
        i++;
      }
      if (i >= total) return resolve();
      setTimeout(tick, Math.max(0, start + i * interval - performance.now()));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });

  // Wait for the stragglers, bounded by the request timeout.
  const drainUntil = performance.now() + timeoutMs + 1000;
  while (inFlight > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 5));
  if (inFlight > 0) {
    errors += inFlight;
    errorKinds['unanswered at the end'] = inFlight;
  }
  finished = true;
  agent.destroy();

  const measuredScheduled = total - warmup;
  const window = Math.max(lastEnd, start + total * interval) - firstMeasuredDue;
  return {
    latencies,
    serviceTimes,
    scheduled: measuredScheduled,
    completed: latencies.length,
    errors,
    errorKinds,
    achievedRate: window > 0 ? (latencies.length / window) * 1000 : 0,
    maxSendLag,
    warmupRequests: warmup,
    measureWindowMs: window,
  };
}
