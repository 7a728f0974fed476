// The public status page: GET /status (HTML) and GET /status.json, without a token. Every service of the catalog
// with its current incidents (open, or resolved within the last day) and their public status updates. Built from an
// explicit allow-list of fields (`publicView`): no internal title, notes, roles, people, page ids, incident ids,
// severities or authors ever reach it.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { listCurrentIncidents, listStatusUpdates, type Incident, type StatusUpdate } from '../store/incidents.js';
import { listObjects } from '../store/objects.js';
import type { Database } from '../store/schema.js';
import { publicTitleOf } from '../notify/status-updates.js';

/** How long a resolved incident stays on the page. */
export const resolvedShownMs = 24 * 3_600_000;

export interface PublicIncident {
  title: string;
  status: string;
  startedAt: string;
  resolvedAt: string | null;
  updates: { status: string; message: string; at: string }[];
}

export interface PublicStatus {
  generatedAt: string;
  /** operational when no service has an open incident. */
  overall: 'operational' | 'disrupted';
  services: { name: string; status: 'operational' | 'disrupted'; incidents: PublicIncident[] }[];
}

/** The public view, field by field: anything not named here stays inside pave. */
export function publicView(serviceNames: string[], incidents: Incident[], updates: StatusUpdate[], now: Date): PublicStatus {
  const byIncident = new Map<string, StatusUpdate[]>();
  for (const u of updates) byIncident.set(u.incidentId, [...(byIncident.get(u.incidentId) ?? []), u]);
  const shown = (i: Incident): PublicIncident => ({
    title: publicTitleOf(i),
    status: i.status,
    startedAt: i.impactStartAt,
    resolvedAt: i.resolvedAt,
    // Newest first, as status pages read.
    updates: (byIncident.get(i.id) ?? []).map((u) => ({ status: u.status, message: u.message, at: u.at })).reverse(),
  });
  const services = [...new Set([...serviceNames, ...incidents.flatMap((i) => i.services)])].sort().map((name) => {
    const mine = incidents.filter((i) => i.services.includes(name));
    return { name, status: mine.some((i) => i.status !== 'resolved') ? ('disrupted' as const) : ('operational' as const), incidents: mine.map(shown) };
  });
  return { generatedAt: now.toISOString(), overall: services.some((s) => s.status === 'disrupted') ? 'disrupted' : 'operational', services };
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function statusHtml(s: PublicStatus): string {
  const rows = s.services
    .map((svc) => {
      const incidents = svc.incidents
        .map(
          (i) =>
            `<article class="incident ${escapeHtml(i.status)}"><h3>${escapeHtml(i.title)} <small>${escapeHtml(i.status)}</small></h3>` +
            `<p class="when">Since ${escapeHtml(i.startedAt)}${i.resolvedAt ? `, resolved ${escapeHtml(i.resolvedAt)}` : ''}</p>` +
            (i.updates.length ? `<ul>${i.updates.map((u) => `<li><time>${escapeHtml(u.at)}</time> <b>${escapeHtml(u.status)}</b> ${escapeHtml(u.message)}</li>`).join('')}</ul>` : '') +
            `</article>`,
        )
        .join('');
      return `<section class="service ${svc.status}"><h2>${escapeHtml(svc.name)} <span>${svc.status === 'operational' ? 'Operational' : 'Disrupted'}</span></h2>${incidents}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Status</title>
<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#222}
h1 span,h2 span{font-size:.8em;font-weight:normal}.operational h2 span{color:#176f2c}.disrupted h2 span{color:#b42318}
section{border-top:1px solid #ddd;padding:.5rem 0}article{margin-left:1rem}small{color:#666}time{color:#666}</style></head>
<body><h1>Status <span>${s.overall === 'operational' ? 'All services operational' : 'Some services are disrupted'}</span></h1>
<p><small>Updated ${escapeHtml(s.generatedAt)}</small></p>
${rows}
</body></html>
`;
}

export function registerStatusPage(app: FastifyInstance, db: Kysely<Database>, now: () => Date): void {
  async function read(): Promise<PublicStatus> {
    const at = now();
    const [services, incidents] = await Promise.all([listObjects(db, 'Service'), listCurrentIncidents(db, new Date(at.getTime() - resolvedShownMs))]);
    const updates = await listStatusUpdates(db, incidents.map((i) => i.id));
    return publicView(services.map((s) => s.metadata.name), incidents, updates, at);
  }
  // Anyone may ask, without a token, and everyone asks at once during an outage: requests that arrive while a read is
  // in flight share its answer instead of each querying the store.
  let inflight: Promise<PublicStatus> | undefined;
  const current = (): Promise<PublicStatus> =>
    (inflight ??= read().finally(() => {
      inflight = undefined;
    }));
  app.get('/status.json', { config: { access: 'public' }, schema: { tags: ['incidents'], summary: 'The public status page as JSON (no token): services, current incidents, public status updates' } }, async (_req, reply) => {
    reply.header('cache-control', 'no-store');
    return current();
  });
  app.get('/status', { config: { access: 'public' }, schema: { tags: ['incidents'], summary: 'The public status page (HTML, no token)' } }, async (_req, reply) => {
    reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
    return statusHtml(await current());
  });
}
