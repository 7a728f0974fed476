// A real Alertmanager for tests (Debian's prometheus-alertmanager), on 127.0.0.1 without clustering, with a config
// given as YAML text. Where the binary is missing the suites that need it are skipped (in CI they fail).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const alertmanagerBinary = ['prometheus-alertmanager', 'alertmanager'].find((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status === 0);

if (process.env.CI && !alertmanagerBinary) throw new Error('CI is set but prometheus-alertmanager is not installed: the Alertmanager suites would be skipped');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface RunningAlertmanager {
  url: string;
  dir: string;
  log(): string;
  stop(): Promise<void>;
}

/** Starts Alertmanager with `config` (YAML); `files` are written beside it first (e.g. a key file). */
export async function startAlertmanager(config: (dir: string) => string, files: Record<string, string> = {}): Promise<RunningAlertmanager> {
  if (!alertmanagerBinary) throw new Error('prometheus-alertmanager is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'pave-am-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content, { mode: 0o600 });
  writeFileSync(join(dir, 'alertmanager.yml'), config(dir));
  const port = await freePort();
  const child: ChildProcess = spawn(
    alertmanagerBinary,
    [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=debug'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return { url, dir, log: () => log, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`alertmanager did not become ready: ${log}`);
}
