// How the CLI reaches pave: a server over HTTP (--server/PAVE_URL), or the local store opened in-process.
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../api/server.js';
import { DataFolderLockedError, readHolder } from '../store/lock.js';
import { defaultDataDir, openStore, type Store } from '../store/store.js';
import { CliError, exitCodes } from './output.js';

export interface GlobalOptions {
  server?: string;
  token?: string;
  dataDir?: string;
  json?: boolean;
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

export interface ApiClient {
  /** Where requests go, for messages. */
  readonly target: string;
  request<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

function httpClient(base: string, token: string | undefined): ApiClient {
  const root = base.replace(/\/+$/, '');
  return {
    target: root,
    async request(method, path, body, headers = {}) {
      let res: Response;
      try {
        res = await fetch(`${root}${path}`, {
          method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        });
      } catch (err) {
        const c = (err as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
        const cause = c?.code ?? c?.errors?.[0]?.code ?? c?.message ?? (err as Error).message;
        throw new CliError(`cannot reach pave at ${root}: ${cause}`, exitCodes.usage);
      }
      const text = await res.text();
      let parsed: unknown = text;
      if ((res.headers.get('content-type') ?? '').includes('json') && text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          /* keep the text */
        }
      }
      return { status: res.status, body: parsed as never, headers: Object.fromEntries(res.headers.entries()) };
    },
    close: async () => undefined,
  };
}

function injectClient(app: FastifyInstance, store: Store, token: string | undefined): ApiClient {
  return {
    target: store.location,
    async request(method, path, body, headers = {}) {
      const res = await app.inject({
        method: method as 'GET',
        url: path,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        payload: body === undefined ? undefined : JSON.stringify(body),
      });
      let parsed: unknown = res.body;
      if (String(res.headers['content-type'] ?? '').includes('json') && res.body) parsed = JSON.parse(res.body);
      return { status: res.statusCode, body: parsed as never, headers: res.headers as Record<string, string> };
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}

/**
 * Connects as the options and environment say. Without a server URL the CLI opens the store itself; whoever can open
 * the data folder can read and change everything in it anyway, so such local calls act as admin (`local:<user>`)
 * unless a token is given.
 */
export async function connect(
  opts: GlobalOptions,
  how: { createStore?: boolean } = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<ApiClient> {
  const server = opts.server ?? env.PAVE_URL;
  const token = opts.token ?? env.PAVE_TOKEN;
  if (server) return httpClient(server, token);

  const dataDir = opts.dataDir ?? defaultDataDir(env);
  // Only commands that write (apply) may create a data folder; a read in the wrong directory should say so.
  if (!env.DATABASE_URL && !how.createStore && !existsSync(join(dataDir, 'pgdata'))) {
    throw new CliError(
      `no pave data folder at ${dataDir}: pass --server URL (or PAVE_URL) to use a running server, ` +
        '--data-dir/PAVE_DATA_DIR to point at a data folder, or run `pave apply` or `pave serve` to create one',
      exitCodes.usage,
    );
  }
  let store: Store;
  try {
    store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir });
  } catch (err) {
    if (err instanceof DataFolderLockedError) {
      const url = readHolder(join(dataDir, 'pave.lock'))?.url;
      if (url && token) return httpClient(url, token);
      throw new CliError(
        url
          ? `${err.message}\nA server is listening at ${url}: pass --token (or set PAVE_TOKEN) to use it.`
          : err.message,
        exitCodes.usage,
      );
    }
    throw new CliError(`cannot open the store: ${(err as Error).message}`, exitCodes.usage);
  }
  const app = await buildServer({
    store,
    localPrincipal: { actor: `local:${safeUser()}`, role: 'admin' },
  });
  await app.ready();
  return injectClient(app, store, token);
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Turns a non-2xx answer into a CliError with pave's message, and the exit code it deserves. */
export function expectOk<T>(res: ApiResponse<T>): T {
  if (res.status >= 200 && res.status < 300) return res.body;
  const err = (res.body as { error?: { message?: string } })?.error;
  const message = err?.message ?? (typeof res.body === 'string' && res.body ? res.body : `HTTP ${res.status}`);
  const code = res.status >= 500 ? exitCodes.usage : exitCodes.rejected;
  throw new CliError(message, code, res.body);
}
