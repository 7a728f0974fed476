// The web UI's sign-in: POST /api/v1/session trades an API token for a session (store/web-sessions.ts) whose random
// secret goes into an HttpOnly cookie, GET tells who is signed in, DELETE ends the session. Requests then authenticate
// with the cookie (api/auth.ts) instead of a bearer header. The cookie never holds the token: a copied cookie is worth
// one session, which sign-out, its 12 hours, or revoking the token ends.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../store/schema.js';
import { verifyToken } from '../store/tokens.js';
import { createWebSession, endWebSession } from '../store/web-sessions.js';
import { principalOf, requirePrincipal, requireUiRequestHeader, sessionCookieName, sessionCookieSecret } from './auth.js';
import { badRequest, unauthorized } from './errors.js';

/** A working day: the session ends by itself even if nobody signs out. */
export const sessionMaxAgeSeconds = 12 * 60 * 60;

export interface SessionOptions {
  /** PAVE_PUBLIC_URL: when it is https, the cookie is marked Secure even if a proxy terminates TLS in front of pave. */
  publicUrl?: string;
}

function isHttps(req: FastifyRequest, opts: SessionOptions): boolean {
  return req.protocol === 'https' || (opts.publicUrl ?? '').startsWith('https://');
}

/** The Set-Cookie value; an empty secret with maxAge 0 clears the cookie. */
export function sessionCookie(secret: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${sessionCookieName}=${encodeURIComponent(secret)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

const sessionAnswer = z.object({
  actor: z.string(),
  role: z.string(),
  team: z.string().nullable(),
  expiresAt: z.string().nullable(),
});

function noStore(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store');
}

export function registerSession(app: FastifyInstance, db: Kysely<Database>, now: () => Date, opts: SessionOptions = {}): void {
  app.post(
    '/api/v1/session',
    {
      // Public: the body carries the credential. The UI header is still required, so a cross-site form cannot sign a
      // browser in with someone else's token (login CSRF).
      config: { access: 'public' },
      schema: {
        tags: ['session'],
        summary: 'Sign the web UI in: starts a session and sets an HttpOnly, SameSite=Strict cookie holding its secret (not the token)',
        description: 'Requires the header `X-Pave-Request: 1`. Answers 401 for an invalid, expired or revoked token.',
        body: z.strictObject({ token: z.string().min(1, 'the API token to sign in with').max(512) }),
        response: { 200: sessionAnswer },
      },
    },
    async (req, reply) => {
      requireUiRequestHeader(req);
      const { token } = req.body as { token: string };
      const at = now();
      const info = await verifyToken(db, token.trim(), at);
      if (!info) throw unauthorized('that token is not valid, has expired or was revoked: create one with `pave token create`');
      const untilExpiry = info.expiresAt ? Math.floor((Date.parse(info.expiresAt) - at.getTime()) / 1000) : Infinity;
      const maxAge = Math.max(1, Math.min(sessionMaxAgeSeconds, untilExpiry));
      const secret = await createWebSession(db, info.id, at, new Date(at.getTime() + maxAge * 1000));
      reply.header('set-cookie', sessionCookie(secret, maxAge, isHttps(req, opts)));
      noStore(reply);
      const p = principalOf(info);
      return { actor: p.actor, role: p.role, team: p.team ?? null, expiresAt: info.expiresAt };
    },
  );

  app.get(
    '/api/v1/session',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['session'],
        summary: 'Who the session cookie (or bearer token) signs in as; 401 when signed out',
        querystring: z.strictObject({}),
        response: { 200: sessionAnswer.omit({ expiresAt: true }) },
      },
    },
    async (req, reply) => {
      const p = requirePrincipal(req);
      noStore(reply);
      return { actor: p.actor, role: p.role, team: p.team ?? null };
    },
  );

  app.delete(
    '/api/v1/session',
    {
      // Public, so a session whose token was revoked can still clear its cookie.
      config: { access: 'public' },
      schema: {
        tags: ['session'],
        summary: 'Sign the web UI out: ends the session on the server and clears the cookie',
        description: 'Requires the header `X-Pave-Request: 1`. The token signed in with stays valid: revoke it with DELETE /api/v1/tokens/{id} (which also ends its sessions).',
        querystring: z.strictObject({}),
      },
    },
    async (req, reply) => {
      if (req.body !== undefined || Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding']) throw badRequest('this endpoint takes no body');
      requireUiRequestHeader(req);
      const secret = sessionCookieSecret(req);
      if (secret !== undefined) await endWebSession(db, secret);
      reply.header('set-cookie', sessionCookie('', 0, isHttps(req, opts)));
      noStore(reply);
      return reply.status(204).send();
    },
  );
}
