// pave serve and pave demo: run the HTTP server on the store until SIGTERM/SIGINT.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../api/server.js';
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
    engineOptions: { intervalMs: o.evaluationIntervalMs },
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
  app.sloEngine.start();
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await app.close(); // stops accepting, drains in-flight requests
      await store.close();
    })());
  // Signals are handled before anyone is told the server is up, so an immediate SIGTERM still shuts down cleanly.
  if (o.handleSignals !== false) handleSignals({ app, store, url, stop });
  println(`pave listening on ${url} (store: ${store.kind} ${store.location}; ready in ${Date.now() - started} ms)`);
  if ('token' in boot && boot.token) {
    println(`first start: created an admin token. It is shown only now; store it safely:`);
    println(`  PAVE_TOKEN=${boot.token}`);
  }
  return { app, store, url, stop };
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
    .action(async (cmd: { host: string; port: string; examples: string; logLevel: string }) => {
      const o = globals();
      if (!existsSync(cmd.examples)) throw new CliError(`examples folder ${cmd.examples} not found`, exitCodes.usage);
      const server = await startServer({ ...serveOptions(cmd, o), bootstrap: false });
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
      println('');
      println(`  open      ${server.url}/api/docs`);
      println(`  token     ${token}`);
      println(`  try       PAVE_URL=${server.url} PAVE_TOKEN=${token} npx pave get services`);
      println('');
      println('Ctrl-C stops the demo; the data stays in the data folder.');
    });
}
