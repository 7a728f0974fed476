// pave oncall [SCHEDULE] and pave schedule shifts | overrides | override | delete-override | feed-url: who is on call,
// the shifts of a range, overrides through the API, and signed calendar feed links. All through the API.
import type { Command } from 'commander';
import { describeSource, type WireSource, type WireShift } from '../../api/oncall.js';
import { wallClockAt } from '../../domain/time/zone.js';
import { connect, expectOk, type ApiClient, type GlobalOptions } from '../connection.js';
import { CliError, exitCodes, printJson, println, table } from '../output.js';

interface OnCallItem {
  schedule: string;
  timezone: string;
  person: string | null;
  source: WireSource | null;
  shift: { start: string | null; end: string | null; sources: WireSource[] } | null;
}

interface OverrideItem {
  origin: 'config' | 'api';
  id?: string;
  index?: number;
  person: string;
  start: string;
  end: string;
  reason?: string;
  createdBy?: string;
}

const MINUTE_MS = 60_000;

/** `2026-03-25 09:00+01:00`: the wall-clock time in the schedule's zone, with its offset, so it is exact. */
export function formatInZone(iso: string | null, zone: string): string {
  if (iso === null) return '-';
  const ms = Date.parse(iso);
  const wall = wallClockAt(ms, zone);
  const offset = Math.round((wall - ms) / MINUTE_MS);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${new Date(wall).toISOString().slice(0, 16).replace('T', ' ')}${sign}${hhmm}`;
}

const hours = (start: string, end: string): string => String(Number(((Date.parse(end) - Date.parse(start)) / 3_600_000).toFixed(2)));

async function withClient<T>(globals: () => GlobalOptions, work: (client: ApiClient, o: GlobalOptions) => Promise<T>): Promise<T> {
  const o = globals();
  const client = await connect(o);
  try {
    return await work(client, o);
  } finally {
    await client.close();
  }
}

const schedulePath = (name: string) => `/api/v1/schedules/${encodeURIComponent(name)}`;

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
}

export function registerOncallCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('oncall')
    .description('who is on call now (or at --at), for one schedule or all, with their shift and what put them there')
    .argument('[schedule]', 'one schedule; all when absent')
    .option('--at <time>', 'an ISO 8601 date-time with an offset, e.g. 2026-03-27T08:00:00Z (default now)')
    .action((schedule: string | undefined, cmd: { at?: string }) =>
      withClient(globals, async (client, o) => {
        const res = expectOk(await client.request<{ at: string; items: OnCallItem[] }>('GET', `/api/v1/oncall${query({ schedule, at: cmd.at })}`));
        if (o.json) return printJson(res);
        println(
          table(
            res.items.map((i) => ({
              schedule: i.schedule,
              person: i.person ?? '(nobody)',
              since: i.shift ? formatInZone(i.shift.start, i.timezone) : '',
              until: i.shift ? formatInZone(i.shift.end, i.timezone) : '',
              via: i.source ? describeSource(i.source) : '',
            })),
          ),
        );
      }),
    );

  const schedule = program.command('schedule').description("a schedule's shifts, its overrides, and calendar feed links");

  schedule
    .command('shifts')
    .description('the shifts of a range (default: the next 7 days; at most 366 days)')
    .argument('<schedule>', 'a schedule')
    .option('--from <time>', "start: ISO 8601 with an offset, or without one for the schedule's own time zone (default now)")
    .option('--to <time>', 'end, exclusive (default 7 days after --from)')
    .action((name: string, cmd: { from?: string; to?: string }) =>
      withClient(globals, async (client, o) => {
        const res = expectOk(await client.request<{ timezone: string; items: WireShift[] }>('GET', `${schedulePath(name)}/shifts${query({ from: cmd.from, to: cmd.to })}`));
        if (o.json) return printJson(res);
        println(
          table(
            res.items.map((s) => ({
              person: s.person,
              from: formatInZone(s.start, res.timezone),
              until: formatInZone(s.end, res.timezone),
              hours: hours(s.start, s.end),
              via: s.sources.map(describeSource).join(', '),
            })),
          ),
        );
      }),
    );

  schedule
    .command('overrides')
    .description("a schedule's overrides that have not ended: those in its YAML (spec) and those made with `schedule override`")
    .argument('<schedule>', 'a schedule')
    .option('--all', 'include overrides that have ended')
    .action((name: string, cmd: { all?: boolean }) =>
      withClient(globals, async (client, o) => {
        const res = expectOk(await client.request<{ items: OverrideItem[] }>('GET', `${schedulePath(name)}/overrides${query({ all: cmd.all ? 'true' : undefined })}`));
        if (o.json) return printJson(res.items);
        println(
          table(
            res.items.map((i) => ({
              id: i.origin === 'api' ? i.id! : `spec ${i.index}`,
              person: i.person,
              start: i.start,
              end: i.end,
              by: i.createdBy ?? '(YAML)',
              reason: i.reason ?? '',
            })),
          ),
        );
      }),
    );

  schedule
    .command('override')
    .description('put someone on call for a while, on top of the schedule (members of the owning team, or admins)')
    .argument('<schedule>', 'a schedule')
    .requiredOption('--person <person>', 'who is on call instead')
    .requiredOption('--start <time>', "ISO 8601 with an offset, or without one for the schedule's own time zone")
    .requiredOption('--end <time>', 'exclusive; after --start and in the future')
    .requiredOption('--reason <text>', 'why, for the audit log and the people on call')
    .action((name: string, cmd: { person: string; start: string; end: string; reason: string }) =>
      withClient(globals, async (client, o) => {
        const created = expectOk(
          await client.request<OverrideItem & { schedule: string }>('POST', `${schedulePath(name)}/overrides`, { person: cmd.person, start: cmd.start, end: cmd.end, reason: cmd.reason }),
        );
        if (o.json) return printJson(created);
        println(`override ${created.id}: ${created.person} is on call for ${created.schedule} from ${created.start} until ${created.end}`);
      }),
    );

  schedule
    .command('delete-override')
    .description('remove an override made with `schedule override`, if it has not ended')
    .argument('<schedule>', 'a schedule')
    .argument('<id>', 'the override id (see `schedule overrides`)')
    .action((name: string, id: string) =>
      withClient(globals, async (client, o) => {
        const deleted = expectOk(await client.request<OverrideItem>('DELETE', `${schedulePath(name)}/overrides/${encodeURIComponent(id)}`));
        if (o.json) return printJson(deleted);
        println(`deleted override ${deleted.id}: ${deleted.person} from ${deleted.start} until ${deleted.end}`);
      }),
    );

  schedule
    .command('feed-url')
    .description("a signed link to a schedule's (or with --person, a person's) iCalendar feed, to subscribe to in a calendar")
    .argument('[schedule]', 'a schedule')
    .option('--person <person>', "a person's feed instead: their shifts in every schedule")
    .option('--days <n>', 'how long the link stays valid, 1 to 3650 days (default 365)')
    .action((name: string | undefined, cmd: { person?: string; days?: string }) =>
      withClient(globals, async (client, o) => {
        if ((name === undefined) === (cmd.person === undefined)) throw new CliError('give a schedule or --person, not both and not neither', exitCodes.usage);
        const base = name !== undefined ? schedulePath(name) : `/api/v1/people/${encodeURIComponent(cmd.person!)}`;
        const link = expectOk(await client.request<{ path: string; url: string; expiresAt: string }>('GET', `${base}/feed-url${query({ days: cmd.days })}`));
        // Over HTTP the CLI knows the address it used; in-process there is none, so the path is all there is.
        const url = /^https?:\/\//.test(client.target) ? `${client.target}${link.path}` : link.path;
        if (o.json) return printJson({ ...link, url });
        println(url);
        // On standard error, so that standard output is the link alone.
        process.stderr.write(`valid until ${link.expiresAt}; anyone with this link can read the feed: share it like a password\n`);
      }),
    );
}
