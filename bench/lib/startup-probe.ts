// Run as `node --import tsx bench/lib/startup-probe.ts <dataDir>` by serve-ready: the in-process parts of a cold
// `pave serve` start, timed separately, printed as one JSON line. Closes everything before exiting.
const t0 = performance.now();
const { openStore } = await import('../../src/store/store.js');
const { buildServer } = await import('../../src/api/server.js');
const t1 = performance.now();
const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: startup-probe.ts <dataDir>');
const store = await openStore({ dataDir });
const t2 = performance.now();
const app = await buildServer({ store, logger: false });
const t3 = performance.now();
await app.listen({ host: '127.0.0.1', port: 0 });
const t4 = performance.now();
const res = await app.inject({ method: 'GET', url: '/readyz' });
const t5 = performance.now();
await app.close();
await store.close();
process.stdout.write(
  `${JSON.stringify({
    status: res.statusCode,
    /** From process start (performance.timeOrigin) to the first line of this script: Node and tsx start-up. */
    processStartMs: t0,
    importMs: t1 - t0,
    openStoreMs: t2 - t1,
    buildServerMs: t3 - t2,
    listenMs: t4 - t3,
    firstReadyzMs: t5 - t4,
  })}\n`,
);
