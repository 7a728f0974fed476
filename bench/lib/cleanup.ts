// Things to undo when a benchmark ends, fails or the run is interrupted: temp folders, databases, child processes.
type Cleanup = () => void | Promise<void>;

const pending = new Set<Cleanup>();

/** Registers `fn` to run at the end of the run (or on Ctrl-C); returns a function that runs it now and unregisters it. */
export function onCleanup(fn: Cleanup): () => Promise<void> {
  pending.add(fn);
  return async () => {
    if (!pending.delete(fn)) return;
    await fn();
  };
}

/** Runs every registered cleanup (newest first), each bounded to 15 s; errors are reported, not thrown. */
export async function runCleanups(): Promise<void> {
  const fns = [...pending].reverse();
  pending.clear();
  for (const fn of fns) {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(fn),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('cleanup took longer than 15 s')), 15_000);
        }),
      ]);
    } catch (err) {
      process.stderr.write(`bench cleanup failed: ${(err as Error).message}\n`);
    } finally {
      clearTimeout(timer);
    }
  }
}
