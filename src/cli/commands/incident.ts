// pave incident declare | list | show | update | resolve | note | role | status-update | changes: incidents through
// the API (a server, or the local data folder in-process).
import type { Command } from 'commander';
import { detectedByValues, incidentRoles, incidentStatuses, noteKinds, severities } from '../../domain/incident/lifecycle.js';
import type { TimelineEntry } from '../../domain/incident/timeline.js';
import type { ChangeEvent } from '../../store/changes.js';
import type { Incident, StatusUpdate } from '../../store/incidents.js';
import { oneOf } from '../arguments.js';
import { connect, expectOk, type GlobalOptions } from '../connection.js';
import { CliError, exitCodes, printJson, println, table } from '../output.js';

function incidentId(id: string): string {
  if (!/^[1-9][0-9]{0,17}$/.test(id)) throw new CliError(`incident id must be a number such as 12, not "${id}"`, exitCodes.usage);
  return id;
}


/** A time flag: RFC 3339, or "-30m" / "-2h" before now (for back-dating the impact start). */
function instant(flag: string, value: string | undefined, now = Date.now()): string | undefined {
  if (value === undefined) return undefined;
  const rel = /^-([1-9][0-9]{0,5})([mhd])$/.exec(value);
  if (rel) return new Date(now - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'm' | 'h' | 'd']).toISOString();
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value))) return value;
  throw new CliError(`${flag} must be an RFC 3339 time such as 2026-03-25T10:00:00Z, or a time before now such as -30m or -2h, not "${value}"`, exitCodes.usage);
}

/** "1h 5m 3s" for a duration in milliseconds; "—" when not known. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(ms / 1000);
  const parts = [[Math.floor(s / 86_400), 'd'], [Math.floor((s % 86_400) / 3600), 'h'], [Math.floor((s % 3600) / 60), 'm'], [s % 60, 's']] as const;
  const shown = parts.filter(([n]) => n > 0).map(([n, u]) => `${n}${u}`);
  return shown.length ? shown.join(' ') : '0s';
}

function incidentRow(i: Incident): Record<string, string> {
  return {
    id: i.id,
    severity: i.severity,
    status: i.status,
    services: i.services.join(','),
    title: i.title,
    declared: i.declaredAt,
    ttm: formatDuration(i.metrics.ttmMs),
  };
}

function printIncident(i: Incident): void {
  println(`incident ${i.id}: ${i.title}`);
  println(`status:    ${i.status}, ${i.severity}, detected by ${i.detectedBy}`);
  println(`services:  ${i.services.join(', ') || '(none)'}${i.teams.length ? ` (teams ${i.teams.join(', ')})` : ''}`);
  if (i.pageIds.length) println(`pages:     ${i.pageIds.join(', ')}`);
  println(`roles:     ${i.roles.map((r) => `${r.role} ${r.person}`).join(', ') || '(none)'}`);
  println(`impact:    ${i.impactStartAt}`);
  println(`detected:  ${i.detectedAt}  TTD ${formatDuration(i.metrics.ttdMs)}`);
  println(`engaged:   ${i.engagedAt ?? 'nobody yet'}${i.engagedSource ? ` (${i.engagedSource})` : ''}  TTE ${formatDuration(i.metrics.tteMs)}`);
  println(`mitigated: ${i.mitigatedAt ?? '—'}  TTF ${formatDuration(i.metrics.ttfMs)}  TTM ${formatDuration(i.metrics.ttmMs)}`);
  if (i.resolvedAt) println(`resolved:  ${i.resolvedAt}`);
}

const collect = (v: string, all: string[]): string[] => [...all, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

export function registerIncidentCommands(program: Command, globals: () => GlobalOptions): void {
  const incident = program.command('incident').description('incidents: declare, list, show, update, resolve, notes, roles, status updates');

  /** Runs one request and prints the incident (or its JSON). */
  async function send(method: string, path: string, body: unknown, done: (i: Incident) => void): Promise<void> {
    const o = globals();
    const client = await connect(o);
    try {
      const i = expectOk(await client.request<Incident>(method, path, body));
      if (o.json) printJson(i);
      else done(i);
    } finally {
      await client.close();
    }
  }

  incident
    .command('declare')
    .description('declare an incident by hand, or promote a page with --from-page (members of an owning or paged team, or admins)')
    .argument('[title]', "what is wrong (internal); with --from-page, the page's title when absent")
    .option('--from-page <id>', 'promote this page: linked, its service affected, its trigger the detection time')
    .option('--service <names>', 'an affected service (repeatable, or comma-separated)', collect, [])
    .option('--severity <sev>', `a label of the severity scale: ${severities.join(', ')} unless PAVE_INCIDENT_SEVERITIES says otherwise (default SEV3)`)
    .option('--detected-by <who>', `${detectedByValues.join(', ')} (default monitoring)`)
    .option('--impact-start <time>', 'when users first felt it: RFC 3339 or -30m / -2h (back-dated)')
    .option('--detected <time>', 'when an operator could first see it')
    .option('--commander <person>', 'the incident commander from the start')
    .option('--public-title <text>', 'what the public status page shows')
    .option('--subscriber <url>', 'a webhook URL that receives status updates (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .action(async (title: string | undefined, cmd: { fromPage?: string; service: string[]; severity?: string; detectedBy?: string; impactStart?: string; detected?: string; commander?: string; publicTitle?: string; subscriber: string[] }) => {
      oneOf('--detected-by', cmd.detectedBy, detectedByValues);
      if (!title && !cmd.fromPage) throw new CliError('give a title, or --from-page <id> to promote a page', exitCodes.usage);
      const body = {
        ...(title ? { title } : {}),
        ...(cmd.service.length ? { services: cmd.service } : {}),
        ...(cmd.severity ? { severity: cmd.severity } : {}),
        ...(cmd.detectedBy ? { detectedBy: cmd.detectedBy } : {}),
        ...(cmd.impactStart ? { impactStartAt: instant('--impact-start', cmd.impactStart) } : {}),
        ...(cmd.detected ? { detectedAt: instant('--detected', cmd.detected) } : {}),
        ...(cmd.commander ? { roles: { commander: cmd.commander } } : {}),
        ...(cmd.publicTitle ? { publicTitle: cmd.publicTitle } : {}),
        ...(cmd.subscriber.length ? { subscribers: cmd.subscriber } : {}),
      };
      const path = cmd.fromPage ? `/api/v1/pages/${incidentId(cmd.fromPage)}/incident` : '/api/v1/incidents';
      await send('POST', path, body, (i) => println(`incident ${i.id} declared: ${i.title} (${i.severity}, ${i.services.join(', ') || 'no service'})`));
    });

  incident
    .command('list')
    .description('incidents, newest first, with their time to mitigate')
    .option('--status <status>', incidentStatuses.join(', '))
    .option('--open', 'only incidents not resolved')
    .option('--service <name>', 'only incidents affecting this service')
    .option('--team <name>', 'only incidents affecting a service this team owns')
    .option('--limit <n>', 'at most this many (1-1000, default 100)')
    .action(async (cmd: { status?: string; open?: boolean; service?: string; team?: string; limit?: string }) => {
      oneOf('--status', cmd.status, incidentStatuses);
      const q = new URLSearchParams();
      if (cmd.status) q.set('status', cmd.status);
      if (cmd.open) q.set('open', 'true');
      if (cmd.service) q.set('service', cmd.service);
      if (cmd.team) q.set('team', cmd.team);
      if (cmd.limit) q.set('limit', cmd.limit);
      const o = globals();
      const client = await connect(o);
      try {
        const res = expectOk(await client.request<{ items: Incident[] }>('GET', `/api/v1/incidents${q.size ? `?${q}` : ''}`));
        if (o.json) printJson(res.items);
        else if (res.items.length === 0) println('no incidents');
        else println(table(res.items.map(incidentRow)));
      } finally {
        await client.close();
      }
    });

  incident
    .command('show')
    .description('one incident: times and TTD/TTE/TTF/TTM, roles, status updates, and the timeline')
    .argument('<id>', 'the incident id')
    .action(async (id: string) => {
      const o = globals();
      const client = await connect(o);
      try {
        const i = expectOk(await client.request<Incident & { statusUpdates: StatusUpdate[] }>('GET', `/api/v1/incidents/${incidentId(id)}`));
        const timeline = expectOk(await client.request<{ items: TimelineEntry[] }>('GET', `/api/v1/incidents/${i.id}/timeline`));
        if (o.json) {
          printJson({ ...i, timeline: timeline.items });
          return;
        }
        printIncident(i);
        if (i.statusUpdates.length) {
          println();
          println(table(i.statusUpdates.map((u) => ({ posted: u.at, status: u.status, update: u.message }))));
        }
        println();
        println(table(timeline.items.map((e) => ({ at: e.at, source: e.source, what: e.noteKind && e.noteKind !== 'note' ? `[${e.noteKind}] ${e.summary}` : e.summary }))));
      } finally {
        await client.close();
      }
    });

  incident
    .command('update')
    .description('change status, severity, times or services (responders or admins); refused transitions exit 1')
    .argument('<id>', 'the incident id')
    .option('--status <status>', incidentStatuses.join(' → '))
    .option('--severity <sev>', `a label of the severity scale (${severities.join(', ')} by default)`)
    .option('--reason <text>', 'why (kept with a status or severity change)')
    .option('--title <text>', 'a new internal title')
    .option('--public-title <text>', 'what the public status page shows')
    .option('--detected-by <who>', detectedByValues.join(', '))
    .option('--impact-start <time>', 'RFC 3339 or -30m / -2h')
    .option('--detected <time>', 'RFC 3339 or -30m / -2h')
    .option('--mitigated <time>', 'RFC 3339 or -30m / -2h (monitoring or resolved incidents)')
    .option('--add-service <names>', 'affected services to add (repeatable, or comma-separated)', collect, [])
    .option('--remove-service <names>', 'affected services to remove', collect, [])
    .action(async (id: string, cmd: { status?: string; severity?: string; reason?: string; title?: string; publicTitle?: string; detectedBy?: string; impactStart?: string; detected?: string; mitigated?: string; addService: string[]; removeService: string[] }) => {
      oneOf('--status', cmd.status, incidentStatuses);
      oneOf('--detected-by', cmd.detectedBy, detectedByValues);
      const body = {
        ...(cmd.status ? { status: cmd.status } : {}),
        ...(cmd.severity ? { severity: cmd.severity } : {}),
        ...(cmd.reason ? { reason: cmd.reason } : {}),
        ...(cmd.title ? { title: cmd.title } : {}),
        ...(cmd.publicTitle ? { publicTitle: cmd.publicTitle } : {}),
        ...(cmd.detectedBy ? { detectedBy: cmd.detectedBy } : {}),
        ...(cmd.impactStart ? { impactStartAt: instant('--impact-start', cmd.impactStart) } : {}),
        ...(cmd.detected ? { detectedAt: instant('--detected', cmd.detected) } : {}),
        ...(cmd.mitigated ? { mitigatedAt: instant('--mitigated', cmd.mitigated) } : {}),
        ...(cmd.addService.length ? { addServices: cmd.addService } : {}),
        ...(cmd.removeService.length ? { removeServices: cmd.removeService } : {}),
      };
      if (Object.keys(body).every((k) => k === 'reason')) throw new CliError('nothing to change: give --status, --severity, a time, a title or services', exitCodes.usage);
      await send('PATCH', `/api/v1/incidents/${incidentId(id)}`, body, (i) => println(`incident ${i.id}: ${i.status}, ${i.severity}; TTD ${formatDuration(i.metrics.ttdMs)}, TTE ${formatDuration(i.metrics.tteMs)}, TTF ${formatDuration(i.metrics.ttfMs)}, TTM ${formatDuration(i.metrics.ttmMs)}`));
    });

  incident
    .command('resolve')
    .description('resolve an incident (its mitigation time is now unless already set)')
    .argument('<id>', 'the incident id')
    .option('--reason <text>', 'why it is over')
    .action(async (id: string, cmd: { reason?: string }) => {
      await send('PATCH', `/api/v1/incidents/${incidentId(id)}`, { status: 'resolved', ...(cmd.reason ? { reason: cmd.reason } : {}) }, (i) =>
        println(`incident ${i.id} resolved at ${i.resolvedAt}; TTM ${formatDuration(i.metrics.ttmMs)}`),
      );
    });

  incident
    .command('note')
    .description('add a note to the timeline')
    .argument('<id>', 'the incident id')
    .argument('<text>', 'the note')
    .option('--kind <kind>', `${noteKinds.join(', ')} (default note)`)
    .action(async (id: string, text: string, cmd: { kind?: string }) => {
      oneOf('--kind', cmd.kind, noteKinds);
      const o = globals();
      const client = await connect(o);
      try {
        const e = expectOk(await client.request<{ id: string; at: string }>('POST', `/api/v1/incidents/${incidentId(id)}/notes`, { text, ...(cmd.kind ? { kind: cmd.kind } : {}) }));
        if (o.json) printJson(e);
        else println(`${cmd.kind ?? 'note'} added to incident ${id} at ${e.at}`);
      } finally {
        await client.close();
      }
    });

  incident
    .command('role')
    .description('give a role to a person (a hand-over when someone holds it), or release it with --release')
    .argument('<id>', 'the incident id')
    .argument('<role>', incidentRoles.join(', '))
    .argument('[person]', 'the person taking the role')
    .option('--release', 'nobody holds the role any more')
    .action(async (id: string, role: string, person: string | undefined, cmd: { release?: boolean }) => {
      oneOf('role', role, incidentRoles);
      if (!person && !cmd.release) throw new CliError('name the person taking the role, or --release it', exitCodes.usage);
      if (person && cmd.release) throw new CliError('give a person or --release, not both', exitCodes.usage);
      const o = globals();
      const client = await connect(o);
      try {
        const r = expectOk(await client.request<Incident & { changed: boolean }>('PUT', `/api/v1/incidents/${incidentId(id)}/roles/${role}`, { person: person ?? null }));
        if (o.json) printJson(r);
        else if (!r.changed) println(`${person} already holds ${role} of incident ${id}`);
        else println(person ? `${person} is now ${role} of incident ${id}` : `${role} of incident ${id} released`);
      } finally {
        await client.close();
      }
    });

  incident
    .command('status-update')
    .description('post a public status update: the status page and subscribers see it (communications lead or admin)')
    .argument('<id>', 'the incident id')
    .argument('<message>', 'what the public reads')
    .action(async (id: string, message: string) => {
      const o = globals();
      const client = await connect(o);
      try {
        const u = expectOk(await client.request<StatusUpdate & { notified: number }>('POST', `/api/v1/incidents/${incidentId(id)}/updates`, { message }));
        if (o.json) printJson(u);
        else println(`status update posted to incident ${id} (${u.status}); ${u.notified} subscriber${u.notified === 1 ? '' : 's'} notified`);
      } finally {
        await client.close();
      }
    });

  incident
    .command('changes')
    .description('what changed? changes to the affected services and their dependencies before the impact started')
    .argument('<id>', 'the incident id')
    .option('--hours <n>', 'how many hours before the impact start (1-720, default 24)')
    .action(async (id: string, cmd: { hours?: string }) => {
      const o = globals();
      const client = await connect(o);
      try {
        const r = expectOk(await client.request<{ from: string; to: string; items: ChangeEvent[] }>('GET', `/api/v1/incidents/${incidentId(id)}/changes${cmd.hours ? `?hours=${encodeURIComponent(cmd.hours)}` : ''}`));
        if (o.json) printJson(r);
        else if (r.items.length === 0) println(`no changes between ${r.from} and ${r.to}`);
        else println(table(r.items.map((c) => ({ at: c.at, kind: c.kind, service: c.service ?? '', version: c.version ?? '', summary: c.summary, author: c.author }))));
      } finally {
        await client.close();
      }
    });
}
