// P5: `pave serve` ready on an existing data folder (the 1,000-service catalog), from spawn to /readyz answering 200.
import { buildServer } from '../src/api/server.js';
import { openStore } from '../src/store/store.js';
import { sharedDataDir } from './lib/fixture.js';
import { httpStatus, startServe, type Launcher } from './lib/serve.js';
import { max, median, round, since } from './lib/stats.js';
import { atMost, type BenchResult, type Figure } from './lib/types.js';

export const name = 'serve-ready';
export const target = 'P5: `pave serve` ready on an existing data folder ≤ 3 s (spawn → /readyz 200)';

const nodeRuns = 3;
const npxRuns = 1;
const inProcessRuns = 3;

interface SpawnRun {
  listeningMs: number;
  readyMs: number;
  reportedReadyMs: number | null;
  stopMs: number;
}

async function spawnRuns(dataDir: string, launcher: Launcher, runs: number): Promise<SpawnRun[]> {
  const out: SpawnRun[] = [];
  for (let i = 0; i < runs; i++) {
    const server = await startServe(dataDir, launcher);
    const stopped = await server.stop();
    if (stopped.lingering) throw new Error(`pave serve (${launcher}, pid ${server.pid}) is still running after SIGKILL`);
    if (stopped.killed) throw new Error(`pave serve (${launcher}, pid ${server.pid}) ignored SIGTERM for 10 s and was killed`);
    out.push({ ...server.timings, stopMs: stopped.stopMs });
  }
  return out;
}

/** openStore + buildServer + listen inside this process, whose modules are already loaded (warm). */
async function inProcess(dataDir: string): Promise<{ openMs: number; buildMs: number; listenMs: number; readyMs: number }> {
  const t0 = performance.now();
  const store = await openStore({ dataDir });
  const openMs = since(t0);
  try {
    const t1 = performance.now();
    const app = await buildServer({ store, logger: false });
    const buildMs = since(t1);
    try {
      const t2 = performance.now();
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const listenMs = since(t2);
      const status = await httpStatus(`${url}/readyz`, 5000);
      if (status !== 200) throw new Error(`/readyz answered ${status}`);
      return { openMs, buildMs, listenMs, readyMs: since(t0) };
    } finally {
      await app.close();
    }
  } finally {
    await store.close();
  }
}

export async function run(): Promise<BenchResult> {
  const fixture = await sharedDataDir();
  const node = await spawnRuns(fixture.dataDir, 'node', nodeRuns);
  const npx = await spawnRuns(fixture.dataDir, 'npx', npxRuns);
  const inProc: Awaited<ReturnType<typeof inProcess>>[] = [];
  for (let i = 0; i < inProcessRuns; i++) inProc.push(await inProcess(fixture.dataDir));

  const ready = node.map((r) => r.readyMs);
  const reported = node.map((r) => r.reportedReadyMs).filter((x): x is number => x !== null);
  const figures: Figure[] = [
    atMost(`node --import tsx: spawn → /readyz 200 (median of ${nodeRuns})`, round(median(ready) / 1000), 's', 3),
    atMost(`node --import tsx: spawn → /readyz 200 (worst of ${nodeRuns})`, round(max(ready) / 1000), 's', 3),
    { name: 'node --import tsx: spawn → "listening" line (median)', value: round(median(node.map((r) => r.listeningMs)) / 1000), unit: 's' },
    { name: 'in child: open store + build + listen, as printed (median)', value: round(median(reported)), unit: 'ms' },
    { name: `npx tsx: spawn → /readyz 200 (${npxRuns === 1 ? 'one run' : `median of ${npxRuns}`})`, value: round(median(npx.map((r) => r.readyMs)) / 1000), unit: 's' },
    { name: `in process (warm modules): openStore (median of ${inProcessRuns})`, value: round(median(inProc.map((r) => r.openMs))), unit: 'ms' },
    { name: 'in process (warm modules): buildServer (median)', value: round(median(inProc.map((r) => r.buildMs))), unit: 'ms' },
    { name: 'in process (warm modules): openStore → /readyz 200 (median)', value: round(median(inProc.map((r) => r.readyMs))), unit: 'ms' },
    { name: 'SIGTERM → process group gone (worst)', value: round(max([...node, ...npx].map((r) => r.stopMs))), unit: 'ms' },
  ];
  return {
    figures,
    notes: [
      `data folder: PGlite with ${fixture.catalog.objects} objects (${fixture.catalog.size.services} services) and an admin token, ` +
        `reused (not created) by serve; command: \`node --import tsx src/cli/main.ts serve --host 127.0.0.1 --port 0 --log-level silent\` ` +
        `with PAVE_DATA_DIR, run ${nodeRuns}×; \`npx --no-install tsx src/cli/main.ts serve ...\` run ${npxRuns}×; /readyz polled every 5 ms`,
      `spawn → /readyz runs: ${ready.map((x) => round(x)).join(', ')} ms (node), ${npx.map((r) => round(r.readyMs)).join(', ')} ms (npx); ` +
        `serve's own "ready in" ${reported.join(', ')} ms; the rest is Node start-up, tsx and module loading`,
      `every child was stopped with SIGTERM and its process group checked empty afterwards`,
    ],
  };
}
