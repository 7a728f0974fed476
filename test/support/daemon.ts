// Real servers the tests and benchmarks start (Prometheus, Alertmanager): on a free port of 127.0.0.1, ready once their
// `/-/ready` answers, stopped with SIGTERM. Where a binary is missing, its suites are skipped (in CI they fail).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export function onPath(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface Daemon {
  url: string;
  /** The end of its standard error. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts `binary` with `args(port)`; resolves once `<url>/-/ready` answers, else stops it and throws with its log. */
export async function startDaemon(binary: string, args: (port: number) => string[], options: { readyWithinMs?: number; logChars?: number } = {}): Promise<Daemon> {
  const port = await freePort();
  const child: ChildProcess = spawn(binary, args(port), { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const keep = options.logChars ?? 20_000;
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-keep)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  const until = performance.now() + (options.readyWithinMs ?? 15_000);
  while (child.exitCode === null && performance.now() < until) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return { url, log: () => log, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`${binary} did not become ready: ${log}`);
}
