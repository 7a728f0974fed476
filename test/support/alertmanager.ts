// A real Alertmanager for tests (Debian's prometheus-alertmanager), on 127.0.0.1 without clustering, with a config
// given as YAML text. Where the binary is missing the suites that need it are skipped (in CI they fail).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onPath, startDaemon } from './daemon.js';

export const alertmanagerBinary = ['prometheus-alertmanager', 'alertmanager'].find(onPath);

if (process.env.CI && !alertmanagerBinary) throw new Error('CI is set but prometheus-alertmanager is not installed: the Alertmanager suites would be skipped');

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
  try {
    const d = await startDaemon(alertmanagerBinary, (port) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=debug',
    ]);
    return { url: d.url, dir, log: d.log, stop: async () => {
        await d.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
