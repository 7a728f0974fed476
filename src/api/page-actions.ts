// One-click acknowledge and resolve links from notifications: no token, the signed link is the proof (its path names
// the page, the action and the person; notify/action-links.ts). GET answers a small page with one button that POSTs
// back to the same link: mail scanners and link previews fetch every link in a message, and a GET that acknowledged
// would acknowledge pages nobody saw. POST does the action through the page side's handler (notify/page-actions.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { isValidActionSignature, pageActions, type PageAction } from '../notify/action-links.js';
import type { PageActionHandler } from '../notify/page-actions.js';
import { findSigningKey } from '../store/feed-key.js';
import type { Database } from '../store/schema.js';
import { notFound, unauthorized } from './errors.js';

const params = z.object({
  pageId: z.string().min(1).max(128),
  action: z.enum(pageActions as [PageAction, ...PageAction[]]),
  person: z.string().min(1).max(128),
});
const query = z.strictObject({ expires: z.string().max(32).optional(), signature: z.string().max(128).optional() });

/** One message for every bad link, so a caller cannot learn which part was wrong. */
const invalidLink = () => unauthorized('this link is not valid or has expired: use the page in pave or the CLI (pave page ack)');

/** The links carry their signature: log requests to them without the query string. */
const logging = {
  logSerializers: {
    req: (req: FastifyRequest) => ({ method: req.method, url: `${req.url.split('?')[0]}${req.url.includes('?') ? '?(signed link)' : ''}`, host: req.host, remoteAddress: req.ip }),
  },
};

const escapeHtml = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** The form has no fields and posts as text/plain (an empty body), a type every route already reads, not a form body. */
function confirmationPage(action: PageAction, pageId: string, person: string, postUrl: string): string {
  const verb = action === 'acknowledge' ? 'Acknowledge' : 'Resolve';
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${verb} page ${escapeHtml(pageId)}</title></head>
<body><h1>${verb} page ${escapeHtml(pageId)}</h1><p>As ${escapeHtml(person)}.</p>
<form method="post" enctype="text/plain" action="${escapeHtml(postUrl)}"><button type="submit">${verb}</button></form></body></html>`;
}

export function registerPageActions(app: FastifyInstance, db: Kysely<Database>, handle: PageActionHandler, now: () => Date): void {
  void app.register(async (scope) => {
    const check = async (req: FastifyRequest) => {
      const p = req.params as z.infer<typeof params>;
      const q = req.query as z.infer<typeof query>;
      const key = await findSigningKey(db, 'action_link_signing_key');
      // Without a key no link was ever signed; the check still runs, with a throwaway key, to take the same time.
      const valid = isValidActionSignature(key ?? Buffer.alloc(32), p, q.expires, q.signature, now().getTime());
      if (!key || !valid) throw invalidLink();
      return p;
    };

    scope.get(
      '/api/v1/page-actions/:pageId/:action/:person',
      {
        config: { access: 'public' },
        ...logging,
        schema: {
          tags: ['notifications'],
          summary: 'The page a signed acknowledge/resolve link opens: one button that POSTs to the same link',
          params,
          querystring: query,
        },
      },
      async (req, reply) => {
        const p = await check(req);
        return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send(confirmationPage(p.action, p.pageId, p.person, req.url));
      },
    );

    scope.post(
      '/api/v1/page-actions/:pageId/:action/:person',
      {
        config: { access: 'public' },
        ...logging,
        schema: {
          tags: ['notifications'],
          summary: 'Acknowledge or resolve a page with a signed link from a notification, as the person it was sent to',
          params,
          querystring: query,
        },
      },
      async (req, reply) => {
        const p = await check(req);
        const actor = `person:${p.person} (signed link)`;
        const r = await handle(p.action, p.pageId, actor, now());
        if (r.outcome === 'unknown') throw notFound(`page ${p.pageId} is not known`);
        req.log.info({ page: p.pageId, action: p.action, person: p.person, outcome: r.outcome }, 'page action by signed link');
        const text = r.outcome === 'done' ? `Page ${p.pageId}: ${p.action === 'acknowledge' ? 'acknowledged' : 'resolved'} by ${p.person}.` : `Page ${p.pageId} was already ${p.action === 'acknowledge' ? 'acknowledged' : 'resolved'}.`;
        if ((req.headers.accept ?? '').includes('application/json')) return { page: p.pageId, action: p.action, person: p.person, outcome: r.outcome };
        return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(`<!doctype html><html><body><p>${escapeHtml(text)}</p></body></html>`);
      },
    );
  });
}
