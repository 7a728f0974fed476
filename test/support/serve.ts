// Starts `pave serve` in a child process, as an operator would, and waits until it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cliEntryArgs } from './cli-bundle.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves with the exit code or signal once the process has ended. */
  exited: Promise<number | string>;
}

export async function startServe(env: Record<string, string>, args: string[] = [], command: 'serve' | 'demo' = 'serve', ready = /pave listening on (http:\/\/\S+)/): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...cliEntryArgs(), command, '--port', '0', '--log-level', 'warn', ...args], {
    cwd: root,
    env: { ...process.env, PAVE_URL: '', PAVE_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pave ${command} did not start within 90 s:\n${out}`)), 90_000);
    child.stdout!.on('data', () => {
      const m = /pave listening on (http:\/\/\S+)/.exec(out);
      if (m && ready.test(out)) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`pave serve exited (${code}) before listening:\n${out}`));
    });
  });
  return { child, url, output: () => out, exited };
}
