// One process owns a PGlite data folder: PGlite itself would let two open it and lose writes.
import { closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
  command: string;
  /** Set by `pave serve` once it listens, so the CLI can point at it. */
  url?: string;
}

export class DataFolderLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `data folder ${dataDir} is in use by process ${holder.pid} on ${holder.hostname} ` +
        `(${holder.command}, since ${holder.startedAt}). Stop that process, or talk to it over HTTP ` +
        `with --server ${holder.url ?? 'URL'} and a token, or use another folder with PAVE_DATA_DIR.`,
    );
    this.name = 'DataFolderLockedError';
  }
}

export interface DataFolderLock {
  path: string;
  /** Records the URL a server on this folder listens on. */
  announce(url: string): void;
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readHolder(path: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return null;
  }
}

/** Takes the lock file `pave.lock` in dataDir, or throws DataFolderLockedError naming the live holder. */
export function lockDataFolder(dataDir: string, command = process.argv.slice(1).join(' ')): DataFolderLock {
  const path = join(dataDir, 'pave.lock');
  const me: LockHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const holder = readHolder(path);
        if (holder?.pid === me.pid && holder.startedAt === me.startedAt) rmSync(path, { force: true });
        process.removeListener('exit', release);
      };
      process.on('exit', release);
      const announce = (url: string) => writeFileSync(path, JSON.stringify({ ...me, url }), { mode: 0o600 });
      return { path, announce, release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(path);
      // A lock left by a dead process on this host (SIGKILL, crash) is stale: take it over.
      if (holder && (holder.hostname !== me.hostname || isAlive(holder.pid))) {
        throw new DataFolderLockedError(dataDir, holder);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not take the lock ${path}: it keeps reappearing`);
}
