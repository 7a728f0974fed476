// promtool (Debian's `prometheus` package) for tests of generated rules. Installed by .ci/run; elsewhere its suites are
// reported as skipped when it is missing, never silently passed. In CI nothing may be skipped: a missing promtool fails.
import { spawn, spawnSync } from 'node:child_process';

export const promtool = process.env.PAVE_PROMTOOL ?? 'promtool';

export const promtoolAvailable = spawnSync(promtool, ['--version'], { stdio: 'ignore' }).status === 0;

if (process.env.CI && !promtoolAvailable) {
  throw new Error(`CI is set but ${promtool} does not run: the rule tests would be skipped (install Debian's prometheus package)`);
}

export interface PromtoolRun {
  code: number;
  output: string;
}

/** Runs promtool with `args` in `cwd`; stdout and stderr together, as promtool reports on both. */
export function runPromtool(args: string[], cwd: string): Promise<PromtoolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(promtool, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}
