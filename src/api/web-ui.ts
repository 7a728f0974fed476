// The web UI (web/, built by Vite into web/dist): index.html for the UI's own routes (/, /service/x, /oncall, ...),
// its assets under /assets/, and GET /api/v1/live, a cheap version stamp the UI polls (with ETags) to refresh without a
// reload. The UI's routes are listed one by one, not caught by a wildcard: any other path, /api/... included, still
// gets pave's JSON 404.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { SloEngine } from '../engine/slo-engine.js';
import { packageRoot } from '../package-root.js';
import { getObject } from '../store/objects.js';
import type { Database } from '../store/schema.js';
import { verifyToken } from '../store/tokens.js';
import { verifyWebSession } from '../store/web-sessions.js';
import { sessionCookieSecret } from './auth.js';
import { notFound } from './errors.js';

/** web/dist in pave's own folder, built by `npm run build:web`. */
export function defaultWebDir(): string {
  return join(packageRoot(), 'web', 'dist');
}

/** The pages are same-origin only: scripts and styles from pave itself, no framing (clickjacking), no referrer leaks. */
const pageHeaders: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-cache',
};

const notBuiltPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>pave</title></head><body style="font-family:sans-serif;max-width:40rem;margin:3rem auto">
<h1>pave</h1><p>The web UI has not been built. Run <code>npm run build</code> (or <code>npm start</code>, which builds it) and restart pave.</p>
<p>The API is at <a href="/api/docs">/api/docs</a>.</p></body></html>`;

export interface WebUiOptions {
  db: Kysely<Database>;
  engine: SloEngine;
  /** The built UI; defaults to web/dist. */
  dir?: string;
  /** The server's clock (sessions and tokens expire by it); defaults to the system clock. */
  now?: () => Date;
}

/**
 * What changes when anything on screen may have changed: every audited write, every page event and change event,
 * every SLO alert transition, and each SLO evaluation cycle. One round trip of four index-only max() reads.
 */
export async function liveVersion(db: Kysely<Database>, engine: SloEngine): Promise<string> {
  const r = await sql<{ a: string | null; p: string | null; c: string | null; s: string | null }>`
    select (select max(id) from audit_log)::text as a, (select max(id) from page_events)::text as p,
           (select max(id) from change_events)::text as c, (select max(id) from slo_alert_events)::text as s`.execute(db);
  const row = r.rows[0] ?? { a: null, p: null, c: null, s: null };
  return [row.a ?? 0, row.p ?? 0, row.c ?? 0, row.s ?? 0, engine.lastCycle?.at ?? '-'].join('.');
}

export async function registerWebUi(app: FastifyInstance, opts: WebUiOptions): Promise<void> {
  const now = opts.now ?? (() => new Date());
  const dir = opts.dir ?? defaultWebDir();
  const indexFile = join(dir, 'index.html');
  const assetsDir = join(dir, 'assets');
  // Read per request (it is half a kilobyte): a rebuild while pave runs then serves the new asset names at once.
  const readIndex = async (): Promise<string> => {
    try {
      return await readFile(indexFile, 'utf8');
    } catch {
      return notBuiltPage;
    }
  };

  app.get(
    '/api/v1/live',
    {
      config: { access: 'read' },
      schema: {
        tags: ['web'],
        summary: 'A version stamp of what the web UI shows; it changes on every write, page, change, alert and evaluation',
        description: 'Send the last ETag as If-None-Match: 304 while nothing changed. The UI polls this every few seconds.',
        querystring: z.strictObject({}),
      },
    },
    async (req, reply) => {
      const version = await liveVersion(opts.db, opts.engine);
      const etag = `"${version}"`;
      reply.header('etag', etag).header('cache-control', 'no-cache');
      if (req.headers['if-none-match'] === etag) return reply.status(304).send();
      return { version, lastCycle: opts.engine.lastCycle?.at ?? null };
    },
  );

  // Vite writes index.html and content-hashed files under assets/. One route with a strict file-name pattern (not a
  // wildcard): odd names are a 400 like any other bad parameter, and files built after start are served too.
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root: assetsDir, serve: false, cacheControl: false });
    scope.get(
      '/assets/:file',
      {
        config: { access: 'public' },
        schema: { hide: true, params: z.object({ file: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.(js|css|svg|png|woff2?)$/, 'a built asset file name') }) },
      },
      async (req, reply) => {
        const { file } = req.params as { file: string };
        // Content-hashed names never change meaning: cache for a year.
        reply.header('cache-control', 'public, max-age=31536000, immutable').header('x-content-type-options', 'nosniff');
        return reply.sendFile(file, assetsDir);
      },
    );
  });

  // The UI's own routes (web/src/App.tsx): index.html, whose script then shows the page. Parameters are checked like
  // the API's, so a malformed link is a 400 rather than a page that cannot load anything. One item is singular
  // (/service/x, /page/12) and a list plural (/pages): no UI path is a list path plus a parameter, as API paths are.
  const name = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'a name of the catalog');
  const id = z.string().regex(/^[1-9][0-9]{0,17}$/, 'an id, e.g. 12');
  const uiRoutes: [string, z.ZodObject | undefined][] = [
    ['/', undefined],
    ['/service/:name', z.object({ name })],
    ['/slo/:name', z.object({ name })],
    ['/oncall', undefined],
    ['/pages', undefined],
    ['/page/:id', z.object({ id })],
    ['/incidents', undefined],
    ['/incident/:id', z.object({ id })],
    ['/incident/:id/postmortem', z.object({ id })],
    ['/flags', undefined],
    ['/rollouts', undefined],
    ['/rollout/:name', z.object({ name })],
    ['/reports', undefined],
  ];
  // A signed-in request for a service, SLO or rollout that does not exist is a 404, as the API would say; a signed-out one gets
  // the page (which asks to sign in), so the route tells nobody without a token what exists.
  const kindOf: Record<string, string> = { '/service/:name': 'Service', '/slo/:name': 'SLO', '/rollout/:name': 'Rollout' };
  const signedIn = async (req: FastifyRequest): Promise<boolean> => {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) return (await verifyToken(opts.db, bearer, now())) !== undefined;
    const secret = sessionCookieSecret(req);
    return secret !== undefined && (await verifyWebSession(opts.db, secret, now())) !== undefined;
  };
  for (const [path, params] of uiRoutes) {
    app.get(path, { config: { access: 'public' }, schema: { hide: true, ...(params ? { params } : {}) } }, async (req, reply) => {
      const kind = kindOf[path];
      if (kind) {
        const { name: objectName } = req.params as { name: string };
        if ((await signedIn(req)) && !(await getObject(opts.db, kind, objectName))) throw notFound(`${kind} "${objectName}" does not exist`);
      }
      return reply.headers(pageHeaders).type('text/html; charset=utf-8').send(await readIndex());
    });
  }
}
