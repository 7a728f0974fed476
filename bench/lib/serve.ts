// Runs `pave serve` as a child process on a data folder, waits until /readyz answers 200, and stops it for good.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.js';

export const repoRoot = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** `node`: `node --import tsx src/cli/main.ts serve ...`; `npx`: `npx tsx src/cli/main.ts serve ...`. */
export type Launcher = 'node' | 'npx';

export interface ServeTimings {
  /** From just before spawn() until the "pave listening on URL" line. */
  listeningMs: number;
  /** From just before spawn() until the first /readyz answering 200. */
  readyMs: number;
  /** The "ready in N ms" that serve prints: openStore + admin-token check + buildServer + listen, inside the child. */
  reportedReadyMs: number | null;
  readyzPolls: number;
}

export interface ServeProcess {
  url: string;
  pid: number;
  timings: ServeTimings;
  /** SIGTERM the process group, wait for all of it to exit (SIGKILL after 10 s); returns how it went. */
  stop(): Promise<{ stopMs: number; killed: boolean; lingering: boolean }>;
}

const listeningLine = /pave listening on (http:\/\/\S+) \(.*ready in (\d+) ms\)/;

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One GET with a timeout; resolves to the status code, or 0 on a connection error or timeout. */
export function httpStatus(url: string, timeoutMs = 1000): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
  });
}

/**
 * Starts `pave serve --host 127.0.0.1 --port 0 --log-level silent` on the PGlite data folder `dataDir`, in its own
 * process group so that stopping it also ends npx/tsx wrappers. Rejects (after killing it) if it is not ready in time.
 */
export async function startServe(dataDir: string, launcher: Launcher = 'node', deadlineMs = 30_000): Promise<ServeProcess> {
  const args = ['src/cli/main.ts', 'serve', '--host', '127.0.0.1', '--port', '0', '--log-level', 'silent'];
  const env: NodeJS.ProcessEnv = { ...process.env, PAVE_DATA_DIR: dataDir };
  for (const k of ['DATABASE_URL', 'PAVE_ADMIN_TOKEN', 'PAVE_URL', 'PAVE_TOKEN', 'PORT', 'PAVE_HOST', 'PAVE_LOG_LEVEL']) delete env[k];

  const start = performance.now();
  const child: ChildProcess =
    launcher === 'node'
      ? spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('npx', ['--no-install', 'tsx', ...args], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn pave serve (${launcher})`);

  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 10_000) stderr += d;
  });

  let stopping: Promise<{ stopMs: number; killed: boolean; lingering: boolean }> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const t = performance.now();
      let killed = false;
      // SIGTERM to the whole group, as Ctrl-C does: npm exec dies without forwarding it, and tsx's wrapper knows
      // not to relay a signal its child already received.
      killGroup(pid, 'SIGTERM');
      const until = Date.now() + 10_000;
      while (groupAlive(pid) && Date.now() < until) await sleep(10);
      if (groupAlive(pid)) {
        killed = true;
        killGroup(pid, 'SIGKILL');
        const hard = Date.now() + 5000;
        while (groupAlive(pid) && Date.now() < hard) await sleep(10);
      }
      await Promise.race([exitedPromise, sleep(1000)]);
      return { stopMs: performance.now() - t, killed, lingering: groupAlive(pid) };
    })());
  const unregister = onCleanup(async () => {
    await stop();
  });

  try {
    const found = await new Promise<{ url: string; reported: number; at: number }>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`pave serve printed no "listening" line within ${deadlineMs} ms`)), deadlineMs);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = listeningLine.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve({ url: m[1]!, reported: Number(m[2]), at: performance.now() });
        } else if (out.length > 100_000) out = out.slice(-10_000);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`pave serve exited (${code ?? signal}) before listening: ${stderr.trim().slice(0, 2000)}`));
      });
    });
    child.stdout!.resume(); // keep draining so that the child never blocks on a full pipe

    let polls = 0;
    let readyAt: number | undefined;
    const until = start + deadlineMs;
    while (performance.now() < until && !exited) {
      polls++;
      if ((await httpStatus(`${found.url}/readyz`)) === 200) {
        readyAt = performance.now();
        break;
      }
      await sleep(5);
    }
    if (readyAt === undefined) throw new Error(`/readyz did not answer 200 within ${deadlineMs} ms (${polls} polls)`);

    return {
      url: found.url,
      pid,
      timings: { listeningMs: found.at - start, readyMs: readyAt - start, reportedReadyMs: found.reported, readyzPolls: polls },
      stop: async () => {
        const r = await stop();
        await unregister();
        return r;
      },
    };
  } catch (err) {
    await stop();
    await unregister();
    throw err;
  }
}
