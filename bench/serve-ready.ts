// P5: `pave serve` ready on an existing data folder (the 1,000-service catalog), from spawn to /readyz answering 200.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sharedDataDir } from './lib/fixture.js';
import { repoRoot, startServe, type Launcher } from './lib/serve.js';
import { max, median, round } from './lib/stats.js';
import { atMost, type BenchResult, type Figure } from './lib/types.js';

export const name = 'serve-ready';
export const target = 'P5: `pave serve` ready on an existing data folder ≤ 3 s (spawn → /readyz 200)';

const nodeRuns = 5;
const npxRuns: number = 2;
const probeRuns = 3;
const execFileAsync = promisify(execFile);

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

interface ProbeRun {
  status: number;
  processStartMs: number;
  importMs: number;
  openStoreMs: number;
  buildServerMs: number;
  listenMs: number;
  firstReadyzMs: number;
}

/** The in-process parts of a cold start, timed inside a fresh `node --import tsx` process (bench/lib/startup-probe.ts). */
async function probe(dataDir: string): Promise<ProbeRun> {
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', 'bench/lib/startup-probe.ts', dataDir], {
    cwd: repoRoot,
    timeout: 30_000,
    killSignal: 'SIGKILL',
    maxBuffer: 1024 * 1024,
  });
  const line = stdout.trim().split('\n').at(-1) ?? '';
  const r = JSON.parse(line) as ProbeRun;
  if (r.status !== 200) throw new Error(`startup probe: /readyz answered ${r.status}`);
  return r;
}

export async function run(): Promise<BenchResult> {
  const fixture = await sharedDataDir();
  const node = await spawnRuns(fixture.dataDir, 'node', nodeRuns);
  const npx = await spawnRuns(fixture.dataDir, 'npx', npxRuns);
  const probes: ProbeRun[] = [];
  for (let i = 0; i < probeRuns; i++) probes.push(await probe(fixture.dataDir));
  const med = (f: (p: ProbeRun) => number) => round(median(probes.map(f)));

  const ready = node.map((r) => r.readyMs);
  const reported = node.map((r) => r.reportedReadyMs).filter((x): x is number => x !== null);
  const figures: Figure[] = [
    atMost(`node --import tsx: spawn → /readyz 200 (median of ${nodeRuns})`, round(median(ready) / 1000), 's', 3),
    atMost(`node --import tsx: spawn → /readyz 200 (worst of ${nodeRuns})`, round(max(ready) / 1000), 's', 3),
    { name: 'node --import tsx: spawn → "listening" line (median)', value: round(median(node.map((r) => r.listeningMs)) / 1000), unit: 's' },
    { name: 'in child: open store + build + listen, as printed (median)', value: round(median(reported)), unit: 'ms' },
    { name: `npx tsx: spawn → /readyz 200 (${npxRuns === 1 ? 'one run' : `median of ${npxRuns}`})`, value: round(median(npx.map((r) => r.readyMs)) / 1000), unit: 's' },
    { name: `cold process: Node + tsx start-up (median of ${probeRuns})`, value: med((p) => p.processStartMs), unit: 'ms' },
    { name: 'cold process: import src (tsx) (median)', value: med((p) => p.importMs), unit: 'ms' },
    { name: 'cold process: openStore (median)', value: med((p) => p.openStoreMs), unit: 'ms' },
    { name: 'cold process: buildServer (median)', value: med((p) => p.buildServerMs), unit: 'ms' },
    { name: 'cold process: listen + first /readyz (median)', value: med((p) => p.listenMs + p.firstReadyzMs), unit: 'ms' },
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
      `the "cold process" rows come from bench/lib/startup-probe.ts run ${probeRuns}× in a fresh \`node --import tsx\` ` +
        `process on the same folder: the in-process parts of a start, timed separately`,
      `every child was stopped with SIGTERM and its process group checked empty afterwards`,
    ],
  };
}
