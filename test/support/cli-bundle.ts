// The CLI bundled into one file once per test run. Through tsx every `pave` a test starts compiled src/ again
// (1.5 s on a quiet machine, far more on a busy CI one, where CLI-heavy tests hit their timeouts); the bundle starts
// in about 0.5 s. Same sources and entry point; packages stay external and resolve from node_modules as in a checkout.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Set by the global setup for the test workers; unset (benchmarks, a lone script) means run src/ through tsx. */
export const cliBundleVariable = 'PAVE_TEST_CLI_BUNDLE';

export async function buildCliBundle(): Promise<{ file: string; remove: () => void }> {
  // Inside the checkout, so the bundle's bare imports resolve from its node_modules.
  const cache = join(root, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'pave-test-cli-'));
  const file = join(dir, 'main.mjs');
  await build({
    entryPoints: [join(root, 'src', 'cli', 'main.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The node arguments that start the `pave` CLI: the test run's bundle when there is one, else src/ through tsx. */
export function cliEntryArgs(): string[] {
  const bundle = process.env[cliBundleVariable];
  return bundle ? [bundle] : ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts')];
}
