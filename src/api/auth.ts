// Bearer-token (or the web UI's session cookie) authentication and the coarse access level of each route; object-level rules live in domain/permissions.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { canRead, type Principal } from '../domain/permissions.js';
import type { Database } from '../store/schema.js';
import { hashToken, touchToken, verifyToken, type TokenInfo } from '../store/tokens.js';
import { verifyWebSession } from '../store/web-sessions.js';
import { ApiError, forbidden, unauthorized } from './errors.js';

/**
 * What a route needs. `public`: nothing (health probes). `read`: any token that may read. `write`: a member or admin
 * token (the handler then checks ownership). `admin`: an admin token. `ingest`: an ingest, member or admin token.
 * `authenticated`: any valid token. A route that declares nothing is treated as `admin`: forgetting to declare access
 * fails closed.
 */
export type Access = 'public' | 'authenticated' | 'read' | 'write' | 'admin' | 'ingest';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function principalOf(t: TokenInfo): Principal {
  return {
    actor: `token:${t.id} (${t.name})`,
    role: t.role,
    ...(t.team ? { team: t.team } : {}),
    ...(t.services.length ? { services: t.services } : {}),
    tokenId: t.id,
  };
}

export interface AuthOptions {
  db: Kysely<Database>;
  now: () => Date;
  /** Acts for requests without a token: only the in-process CLI on a local data folder sets this. */
  localPrincipal?: Principal;
  /** How long a verified token is trusted without asking the store again (revocation takes effect within it). */
  cacheMs?: number;
}

interface CachedToken {
  info: TokenInfo;
  until: number;
}

export function registerAuth(app: FastifyInstance, opts: AuthOptions): { forget(tokenId: string): void } {
  const cacheMs = opts.cacheMs ?? 5000;
  const cache = new Map<string, CachedToken>();
  const touched = new Map<string, number>();

  async function lookup(token: string): Promise<TokenInfo | undefined> {
    const key = hashToken(token);
    const now = opts.now();
    const hit = cache.get(key);
    if (hit && hit.until > now.getTime() && (!hit.info.expiresAt || new Date(hit.info.expiresAt) > now)) return hit.info;
    cache.delete(key);
    const info = await verifyToken(opts.db, token, now);
    if (!info) return undefined;
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { info, until: now.getTime() + cacheMs });
    // last_used_at is informational: write it at most once a minute per token, off the request path.
    const last = touched.get(info.id) ?? 0;
    if (now.getTime() - last > 60_000) {
      touched.set(info.id, now.getTime());
      touchToken(opts.db, info.id, now).catch((err) => app.log.warn({ err }, 'could not record token use'));
    }
    return info;
  }

  app.addHook('onRequest', async (req: FastifyRequest) => {
    const access: Access = req.routeOptions.config?.access ?? 'admin';
    // Public routes ignore credentials entirely: a stale token must not break a health probe.
    if (access === 'public') return;
    const header = req.headers.authorization;
    // The web UI's session cookie stands in for the header; an explicit header always wins over it.
    const cookieSecret = header ? undefined : sessionCookieSecret(req);
    if (!header && cookieSecret !== undefined) {
      // A cookie is sent by the browser on its own, so a write must also prove it came from pave's own pages.
      requireUiRequestHeader(req);
      // Not cached: signing out, or revoking the token, ends the session at once.
      const info = await verifyWebSession(opts.db, cookieSecret, opts.now());
      if (!info) throw unauthorized('your session has ended (signed out, expired, or its token was revoked): sign in again');
      req.principal = principalOf(info);
    } else if (!header) {
      if (opts.localPrincipal) {
        req.principal = opts.localPrincipal;
      } else {
        throw unauthorized('missing bearer token: send "Authorization: Bearer <token>" (create one with `pave token create`)');
      }
    } else {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m) throw unauthorized('malformed Authorization header: expected "Bearer <token>"');
      const info = await lookup(m[1]!);
      if (!info) throw unauthorized('invalid, expired or revoked token');
      req.principal = principalOf(info);
    }
    checkAccess(req.principal!, access);
  });

  return {
    forget(tokenId: string) {
      for (const [k, v] of cache) if (v.info.id === tokenId) cache.delete(k);
    },
  };
}

/** The web UI's session cookie: it holds a session secret (api/session.ts, store/web-sessions.ts), never the token. */
export const sessionCookieName = 'pave_session';

/** The header pave's own pages send on every request; a cross-site form or fetch cannot send it without CORS. */
export const uiRequestHeader = 'x-pave-request';

/** The session secret in the cookie, if the request carries one. */
export function sessionCookieSecret(req: FastifyRequest): string | undefined {
  const raw = req.headers.cookie;
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== sessionCookieName) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return value ? decodeURIComponent(value) : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** CSRF defence for cookie-authenticated writes (docs/security.md): reads are safe, writes need the UI's header. */
export function requireUiRequestHeader(req: FastifyRequest): void {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return;
  if (req.headers[uiRequestHeader] !== '1') {
    throw forbidden(`requests from the web UI (session cookie) must send the header "X-Pave-Request: 1" (cross-site request protection); scripts should send "Authorization: Bearer <token>" instead`);
  }
}

export function checkAccess(p: Principal, access: Access): void {
  switch (access) {
    case 'public':
    case 'authenticated':
      return;
    case 'read': {
      const d = canRead(p);
      if (!d.allowed) throw forbidden(d.reason);
      return;
    }
    case 'write':
      if (p.role === 'admin' || p.role === 'member') return;
      throw forbidden(`a ${p.role} token cannot change configuration; use a team member or admin token`);
    case 'ingest':
      if (p.role === 'admin' || p.role === 'member' || p.role === 'ingest') return;
      throw forbidden(`a ${p.role} token cannot send telemetry`);
    case 'admin':
      if (p.role === 'admin') return;
      throw forbidden('only an admin token may do this');
  }
}

export function requirePrincipal(req: FastifyRequest): Principal {
  if (!req.principal) throw new ApiError(500, 'internal', 'route ran without authentication');
  return req.principal;
}
