// A PGlite data folder with the 1,000-service catalog, prepared once per run and shared by the benchmarks that only
// read it (each must close its store or stop its server before returning, since one process owns a data folder).
import { generateCatalog, prepareDataDir, type PreparedDataDir } from './catalog.js';
import { onCleanup } from './cleanup.js';
import { since } from './stats.js';

let shared: Promise<PreparedDataDir & { prepareMs: number }> | undefined;

export function sharedDataDir(): Promise<PreparedDataDir & { prepareMs: number }> {
  shared ??= (async () => {
    const start = performance.now();
    const prepared = await prepareDataDir(generateCatalog());
    onCleanup(() => prepared.cleanup());
    return { ...prepared, prepareMs: since(start) };
  })();
  return shared;
}
