// pave serve and pave demo: run the HTTP server on the store until SIGTERM/SIGINT.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { Presets, SingleBar } from 'cli-progress';
import type { Kysely } from 'kysely';
import { buildServer } from '../../api/server.js';
import type { Database } from '../../store/schema.js';
import { Ingestor } from '../../telemetry/ingest.js';
import { backfillBatches, defaultScenarios, seriesNames, startSimulator } from '../../telemetry/simulator.js';
import type { AlertChange } from '../../engine/slo-engine.js';
import { applyFiles } from '../../catalog/apply.js';
import { formatIssue } from '../../config/validate.js';
import { DataFolderLockedError } from '../../store/lock.js';
import { defaultDataDir, openStore, type Store } from '../../store/store.js';
import { bootstrapAdminToken, createToken, listTokens, revokeToken } from '../../store/tokens.js';
import type { GlobalOptions } from '../connection.js';
import { keepProcessAlive } from '../lifecycle.js';
import { readSourceFiles } from '../files.js';
import { CliError, exitCodes, println } from '../output.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  stop(): Promise<void>;
  /** Runs `fn` first when the server stops (e.g. to stop feeding it traffic). */
  onStop(fn: () => Promise<void>): void;
}

export interface ServeOptions {
  host: string;
  port: number;
  dataDir?: string;
  databaseUrl?: string;
  logLevel: string;
  /** Create (and print) an admin token when the store has none; the demo prints its own instead. */
  bootstrap?: boolean;
  /** Drain and exit on SIGTERM/SIGINT (default true; embedding callers handle their own). */
  handleSignals?: boolean;
  evaluationIntervalMs: number;
  onTransitions?: (changes: AlertChange[]) => void;
  /** Start the SLO engine at once (default); the demo starts it after its backfill. */
  startEngine?: boolean;
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const started = Date.now();
  let store: Store;
  try {
    store = await openStore({ databaseUrl: o.databaseUrl, dataDir: o.dataDir });
  } catch (err) {
    if (err instanceof DataFolderLockedError) throw new CliError(err.message, exitCodes.usage);
    throw new CliError(`cannot open the store: ${(err as Error).message}`, exitCodes.usage);
  }
  const given = process.env.PAVE_ADMIN_TOKEN;
  if (given !== undefined && given.length < 32) {
    await store.close();
    throw new CliError('PAVE_ADMIN_TOKEN must be at least 32 characters (use `openssl rand -base64 32`)', exitCodes.usage);
  }
  const boot = o.bootstrap === false ? { created: false } : await bootstrapAdminToken(store.db, given);
  const app = await buildServer({
    store,
    logger: o.logLevel === 'silent' ? false : { level: o.logLevel },
    engineOptions: { intervalMs: o.evaluationIntervalMs, onTransitions: o.onTransitions, onBackfill: printBackfill() },
  });
  let url: string;
  try {
    url = await app.listen({ host: o.host, port: o.port });
  } catch (err) {
    await app.close();
    await store.close();
    throw new CliError(`cannot listen on ${o.host}:${o.port}: ${(err as Error).message}`, exitCodes.usage);
  }
  store.announce(url);
  if (o.startEngine !== false) app.sloEngine.start();
  app.escalator.start();
  app.outbox.start();
  let stopping: Promise<void> | undefined;
  const beforeStop: (() => Promise<void>)[] = [];
  const stop = () =>
    (stopping ??= (async () => {
      for (const fn of beforeStop) await fn();
      await app.close(); // stops accepting, drains in-flight requests, stops the SLO engine
      await store.close();
    })());
  const onStop = (fn: () => Promise<void>) => void beforeStop.push(fn);
  // Signals are handled before anyone is told the server is up, so an immediate SIGTERM still shuts down cleanly.
  if (o.handleSignals !== false) handleSignals({ app, store, url, stop, onStop });
  println(`pave listening on ${url} (store: ${store.kind} ${store.location}; ready in ${Date.now() - started} ms)`);
  if ('token' in boot && boot.token) {
    println(`first start: created an admin token. It is shown only now; store it safely:`);
    println(`  PAVE_TOKEN=${boot.token}`);
  }
  return { app, store, url, stop, onStop };
}

function handleSignals(server: RunningServer): void {
  keepProcessAlive();
  const onSignal = (signal: string) => {
    println(`${signal}: draining requests and closing the store...`);
    server.stop().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
}

function serveOptions(cmd: { host: string; port: string; logLevel: string }, o: GlobalOptions): ServeOptions {
  const port = Number(cmd.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be 0-65535, not ${cmd.port}`, exitCodes.usage);
  const interval = Number(process.env.PAVE_EVALUATION_INTERVAL ?? '30');
  if (!(interval >= 1)) throw new CliError(`PAVE_EVALUATION_INTERVAL must be a number of seconds ≥ 1, not ${process.env.PAVE_EVALUATION_INTERVAL}`, exitCodes.usage);
  return { host: cmd.host, port, dataDir: o.dataDir ?? defaultDataDir(), databaseUrl: process.env.DATABASE_URL, logLevel: cmd.logLevel, evaluationIntervalMs: interval * 1000 };
}

/** Prints the backfill of each promql SLO from its data source, every 25% (stderr: progress, not output). */
function printBackfill(): (p: { slo: string; dataSource: string; doneMinutes: number; totalMinutes: number }) => void {
  const shown = new Map<string, number>();
  return ({ slo, dataSource, doneMinutes, totalMinutes }) => {
    const quarter = Math.floor((4 * doneMinutes) / totalMinutes);
    if ((shown.get(slo) ?? -1) >= quarter) return;
    shown.set(slo, quarter);
    const days = (m: number) => (m / 1_440).toFixed(1);
    process.stderr.write(`backfilling SLO ${slo} from ${dataSource}: ${quarter * 25}% (${days(doneMinutes / 2)} of ${days(totalMinutes / 2)} days)\n`);
  };
}

function printTransitions(changes: AlertChange[]): void {
  for (const c of changes) {
    const d = c.details as { longRatio?: number | null; threshold?: number; dataMinutes?: number; afterMinutes?: number };
    const what = c.kind === 'burn' ? `${c.severity} ${c.alertId.split(':').at(-1)}` : 'no data';
    const why =
      c.kind === 'burn' && d.threshold !== undefined
        ? ` (long-window error ratio ${d.longRatio === null || d.longRatio === undefined ? '-' : d.longRatio.toFixed(5)} vs k·B ${d.threshold})`
        : c.kind === 'no_data'
          ? ` (${d.dataMinutes ?? 0} minutes with data in the last ${d.afterMinutes ?? '?'})`
          : '';
    println(`${c.at.toISOString()}  ALERT ${c.state.toUpperCase().padEnd(8)} ${c.slo}  ${what}${why}`);
  }
}

/**
 * Backfills the simulated history the data folder lacks (up to 3 days), then starts the SLO engine and live traffic.
 * History is ingested with a lateness wide enough for it; live traffic goes through the normal ingest path.
 */
async function startTraffic(db: Kysely<Database>, server: RunningServer, seed: string): Promise<{ stop(): Promise<void> }> {
  const principal = { actor: 'pave:simulator', role: 'admin' as const };
  const seedNumber = Number(seed) || 42;
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  const last = await db
    .selectFrom('sli_minutes')
    .innerJoin('sli_series', 'sli_series.id', 'sli_minutes.series_id')
    .select((eb) => eb.fn.max('sli_minutes.minute').as('last'))
    .where('sli_series.name', 'in', Object.values(seriesNames))
    .executeTakeFirst();
  const lastMs = last?.last ? new Date(last.last as Date).getTime() + 60_000 : undefined;
  const start = Math.max(end - 3 * 1440 * 60_000, lastMs ?? 0);
  if (start < end) {
    const history = new Ingestor(db, { latenessMs: 4 * 1440 * 60_000, futureMs: 5 * 60_000, catalogTtlMs: 60_000 });
    const bar = new SingleBar({ format: 'backfilling simulated history {bar} {percentage}% | {value}/{total} min', hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
    if (process.stdout.isTTY) bar.start((end - start) / 60_000, 0);
    for (const batch of backfillBatches({ seed: seedNumber, start, end })) {
      const r = await history.ingest(batch.items, { principal, idempotencyKey: batch.idempotencyKey, now: new Date(end) });
      if (r.status !== 'committed' && r.status !== 'duplicate') throw new CliError(`simulated history was refused: ${JSON.stringify(r).slice(0, 500)}`, exitCodes.usage);
      if (process.stdout.isTTY) bar.update((batch.to - start) / 60_000);
    }
    if (process.stdout.isTTY) bar.stop();
    println(`simulated history: ${Math.round((end - start) / 60_000)} minutes backfilled`);
  }
  server.app.sloEngine.start();
  const live = new Ingestor(db);
  return startSimulator({
    seed: seedNumber,
    from: end,
    now: () => new Date(),
    send: async (items, batch) => {
      const r = await live.ingest(items, { principal, idempotencyKey: batch.idempotencyKey, now: new Date() });
      if (r.status === 'invalid' || r.status === 'forbidden') throw new Error(`simulated traffic refused: ${JSON.stringify(r.errors.slice(0, 3))}`);
    },
    onError: (err) => process.stderr.write(`traffic simulator: ${(err as Error).message}\n`),
  });
}

export function examplesDir(): string {
  // src/cli/commands → repository root
  const root = dirname(dirname(dirname(dirname(fileURLToPath(import.meta.url)))));
  return join(root, 'examples');
}

export function registerServeCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('serve')
    .description('run the pave HTTP server on the store: PGlite in the data folder, or PostgreSQL with DATABASE_URL')
    .option('--host <host>', 'address to listen on', process.env.PAVE_HOST ?? '127.0.0.1')
    .option('--port <port>', 'port to listen on', process.env.PORT ?? '8080')
    .option('--log-level <level>', 'fatal, error, warn, info, debug or silent', process.env.PAVE_LOG_LEVEL ?? 'info')
    .action(async (cmd: { host: string; port: string; logLevel: string }) => {
      await startServer(serveOptions(cmd, globals()));
    });

  program
    .command('demo')
    .description('run pave with the example catalog loaded and print a fresh admin token')
    .option('--host <host>', 'address to listen on', process.env.PAVE_HOST ?? '127.0.0.1')
    .option('--port <port>', 'port to listen on', process.env.PORT ?? '8080')
    .option('--examples <dir>', 'catalog to load', examplesDir())
    .option('--log-level <level>', 'log level', process.env.PAVE_LOG_LEVEL ?? 'warn')
    .option('--no-traffic', 'do not simulate traffic')
    .option('--seed <n>', 'seed of the simulated traffic', '42')
    .action(async (cmd: { host: string; port: string; examples: string; logLevel: string; traffic: boolean; seed: string }) => {
      const o = globals();
      if (!existsSync(cmd.examples)) throw new CliError(`examples folder ${cmd.examples} not found`, exitCodes.usage);
      const options = serveOptions(cmd, o);
      // The demo evaluates every 10 s so that the outage shows up quickly.
      if (!process.env.PAVE_EVALUATION_INTERVAL) options.evaluationIntervalMs = 10_000;
      const server = await startServer({ ...options, bootstrap: false, startEngine: false, onTransitions: printTransitions });
      const db = server.store.db;
      const result = await applyFiles(db, {
        files: readSourceFiles([cmd.examples]),
        prune: false,
        dryRun: false,
        principal: { actor: 'pave:demo', role: 'admin' },
      });
      if (result.outcome !== 'applied') {
        await server.stop();
        throw new CliError(`the example catalog did not apply:\n${result.issues.map(formatIssue).join('\n')}`, exitCodes.rejected);
      }
      // The demo prints a usable admin token on every start: it replaces the previous demo token.
      for (const t of await listTokens(db)) if (t.name === 'demo' && t.createdBy === 'pave:demo') await revokeToken(db, t.id, new Date(), { actor: 'pave:demo' });
      const { token } = await createToken(db, { name: 'demo', role: 'admin', createdBy: 'pave:demo' });
      const s = result.plan.summary;
      println(`example catalog applied from ${cmd.examples}: ${s.create} created, ${s.update} updated, ${s.unchanged} unchanged`);
      if (cmd.traffic) {
        const simulator = await startTraffic(db, server, cmd.seed);
        server.onStop(() => simulator.stop());
      } else {
        server.app.sloEngine.start();
      }
      println('');
      println(`  open      ${server.url}/api/docs`);
      println(`  token     ${token}`);
      println(`  try       export PAVE_URL=${server.url} PAVE_TOKEN=${token}`);
      println('            npx pave slo list            # SLOs, budgets, burn rates');
      println('            npx pave slo explain checkout-availability');
      println('');
      if (cmd.traffic) {
        const outage = defaultScenarios.find((x) => x.kind === 'outage')!;
        const slow = defaultScenarios.find((x) => x.kind === 'latency')!;
        println(`Traffic is flowing. In ${outage.startMinute} minutes ${outage.service} fails for ${outage.minutes} minutes (watch its burn-rate alert fire below);`);
        println(`${slow.minutes} minutes of slow ${slow.service} requests follow at minute ${slow.startMinute}.`);
      }
      println('Ctrl-C stops the demo; the data stays in the data folder.');
    });
}
