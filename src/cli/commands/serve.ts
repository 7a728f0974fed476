// pave serve: run the HTTP server on the store until SIGTERM/SIGINT (pave demo builds on it, in demo.ts).
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../api/server.js';
import type { AlertChange } from '../../engine/slo-engine.js';
import { DataFolderLockedError } from '../../store/lock.js';
import { defaultDataDir, openStore, type Store } from '../../store/store.js';
import { bootstrapAdminToken } from '../../store/tokens.js';
import type { GlobalOptions } from '../connection.js';
import { keepProcessAlive } from '../lifecycle.js';
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

export function serveOptions(cmd: { host: string; port: string; logLevel: string }, o: GlobalOptions): ServeOptions {
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
}
