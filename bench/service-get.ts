// GET /api/v1/services/{name} on the 1,000-service catalog under open-loop fixed-rate load (reference: P4's target).
import { sharedDataDir } from './lib/fixture.js';
import { openLoop } from './lib/loadgen.js';
import { startServe } from './lib/serve.js';
import { max, percentile, rng, round } from './lib/stats.js';
import { atLeast, atMost, type BenchResult } from './lib/types.js';

export const name = 'service-get';
export const target = 'P4 reference: GET /api/v1/services/{name}, p99 ≤ 20 ms at 200 requests/s (open loop)';

const rate = 200;
const warmupMs = 2000;
const durationMs = 15_000;

export async function run(): Promise<BenchResult> {
  const fixture = await sharedDataDir();
  const names = fixture.catalog.serviceNames;
  const server = await startServe(fixture.dataDir, 'node');
  let stopped: Awaited<ReturnType<typeof server.stop>> | undefined;
  try {
    const r = rng(7);
    const paths = Array.from({ length: Math.ceil(((warmupMs + durationMs) / 1000) * rate) + 1 }, () => {
      return `/api/v1/services/${encodeURIComponent(names[Math.floor(r() * names.length)]!)}`;
    });
    const result = await openLoop({
      url: server.url,
      path: (i) => paths[i % paths.length]!,
      headers: { authorization: `Bearer ${fixture.adminToken}`, accept: 'application/json' },
      rate,
      warmupMs,
      durationMs,
      timeoutMs: 5000,
    });
    stopped = await server.stop();
    if (stopped.lingering) throw new Error(`pave serve (pid ${server.pid}) is still running after SIGKILL`);

    const l = result.latencies;
    const errorDetail = Object.entries(result.errorKinds)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
    return {
      figures: [
        { name: 'p50 latency', value: round(percentile(l, 50)), unit: 'ms' },
        { name: 'p90 latency', value: round(percentile(l, 90)), unit: 'ms' },
        atMost('p99 latency', round(percentile(l, 99)), 'ms', 20),
        { name: 'max latency', value: round(max(l)), unit: 'ms' },
        atLeast('achieved rate', round(result.achievedRate), 'req/s', rate * 0.98, `≈ ${rate} req/s`),
        atMost('errors', result.errors, 'requests', 0, '0'),
        { name: 'p99 from actual send (no CO correction)', value: round(percentile(result.serviceTimes, 99)), unit: 'ms' },
        { name: 'max generator send lag', value: round(result.maxSendLag), unit: 'ms' },
      ],
      notes: [
        `server: \`node --import tsx src/cli/main.ts serve --port 0 --log-level silent\` as a child process on a PGlite data ` +
          `folder with ${names.length} services (fixture prepared in ${round(fixture.prepareMs)} ms); load generator: this ` +
          `(bench) process, node:http with keep-alive (≤ 64 sockets), loopback only`,
        `open loop: ${rate} req/s for ${durationMs / 1000} s after a ${warmupMs / 1000} s warm-up (${result.warmupRequests} ` +
          `requests, not counted); ${result.scheduled} measured requests, ${result.completed} answered 200 over ` +
          `${round(result.measureWindowMs)} ms; latency from each request's scheduled send time; random service names ` +
          `(seeded), admin bearer token`,
        ...(result.errors ? [`errors: ${errorDetail}`] : []),
        `server stopped with SIGTERM in ${round(stopped.stopMs)} ms${stopped.killed ? ' (had to SIGKILL)' : ''}`,
      ],
    };
  } finally {
    if (!stopped) await server.stop();
  }
}
