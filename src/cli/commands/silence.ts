// pave silence list | add | end: maintenance windows from the command line. A silence is a catalog object (kind
// Silence): `add` and `end` write it through the same apply as `pave apply`, so validation, team permissions and the
// audit log are the ones every config change gets. Keep long-lived silences in your config repository instead.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { toSilence, type SilenceSpec } from '../../config/kinds/silence.js';
import type { ConfigIssue } from '../../config/source.js';
import { formatIssue } from '../../config/validate.js';
import { isSilenceActive } from '../../domain/alerting/silences.js';
import type { ConfigObject } from '../../domain/objects.js';
import { parseDuration } from '../../domain/time/duration.js';
import { repeatable } from '../arguments.js';
import { connect, expectOk, type ApiClient, type GlobalOptions } from '../connection.js';
import { CliError, exitCodes, printJson, println, table } from '../output.js';

/** The file name apply errors point at, so that `line 7` reads as a line of the generated document. */
const generatedFile = 'pave-silence.yaml';

function parseMatchers(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of list) {
    const eq = m.indexOf('=');
    if (eq <= 0) throw new CliError(`--match must be label=matcher (e.g. alertname=HighLatency or severity=!info), not "${m}"`, exitCodes.usage);
    out[m.slice(0, eq)] = m.slice(eq + 1);
  }
  return out;
}

/** When a silence ends, as ISO text; `null` for a recurring one. */
function endOf(s: SilenceSpec): string | null {
  if (s.rrule) return null;
  if (s.end) return s.end;
  return new Date(Date.parse(s.start) + parseDuration(s.duration!) * 60_000).toISOString();
}

async function applySilence(client: ApiClient, doc: ConfigObject<SilenceSpec>, json: boolean): Promise<unknown> {
  const res = await client.request('POST', '/api/v1/apply?dryRun=false&prune=false', { files: [{ name: generatedFile, content: stringify(doc) }] });
  if (res.status === 200) return res.body;
  const body = res.body as { error?: { message?: string; details?: unknown[] } };
  if (json) printJson(body);
  else {
    const details = body.error?.details ?? [];
    const issues = details.filter((d): d is ConfigIssue => typeof d === 'object' && d !== null && 'severity' in d);
    for (const i of issues) process.stderr.write(`${formatIssue(i)}\n`);
    for (const d of details) if (typeof d === 'object' && d !== null && 'reason' in d) process.stderr.write(`denied: ${(d as { reason: string }).reason}\n`);
    if (issues.length === 0 && details.length === 0) process.stderr.write(`${body.error?.message ?? `HTTP ${res.status}`}\n`);
  }
  throw new CliError('', res.status >= 500 ? exitCodes.usage : exitCodes.rejected);
}

export function registerSilenceCommands(program: Command, globals: () => GlobalOptions): void {
  const silence = program.command('silence').description('maintenance windows: list, add, end (Silence objects)');

  silence
    .command('list')
    .description('silences, with whether each is in force now')
    .option('--service <service>', 'only silences that name this service')
    .option('--active', 'only silences in force now')
    .action(async (cmd: { service?: string; active?: boolean }) => {
      const o = globals();
      const client = await connect(o);
      try {
        const q = cmd.service ? `?service=${encodeURIComponent(cmd.service)}` : '';
        const res = expectOk(await client.request<{ items: ConfigObject<SilenceSpec>[] }>('GET', `/api/v1/silences${q}`));
        const now = Date.now();
        const rows = res.items
          .map((obj) => ({ obj, active: isSilenceActive(toSilence(obj), now) }))
          .filter((r) => !cmd.active || r.active);
        if (o.json) return printJson(rows.map((r) => ({ ...r.obj, active: r.active })));
        if (rows.length === 0) return println('no silences');
        println(
          table(
            rows.map(({ obj, active }) => ({
              name: obj.metadata.name,
              active: active ? 'yes' : 'no',
              services: (obj.spec.services ?? []).join(',') || '(any)',
              matchers: Object.entries(obj.spec.matchers ?? {}).map(([k, v]) => `${k}=${v}`).join(' ') || '(all)',
              start: obj.spec.start,
              end: endOf(obj.spec) ?? `${obj.spec.rrule} for ${obj.spec.duration}`,
              author: obj.spec.author,
            })),
          ),
        );
      } finally {
        await client.close();
      }
    });

  silence
    .command('add')
    .description('silence alerts now (or from --start) for a while: e.g. pave silence add db-upgrade --service checkout --for 2h --author alice --reason "..."')
    .argument('<name>', 'the Silence object name (lower-case letters, digits, dashes)')
    .option('--service <service>', 'only alerts routed to this service (repeatable)', repeatable)
    .option('--match <label=matcher>', 'a label matcher, e.g. alertname=HighLatency (repeatable)', repeatable)
    .option('--start <time>', 'ISO 8601 with an offset (default: now)')
    .option('--for <duration>', 'how long, e.g. 30m, 2h (default 1h unless --end)')
    .option('--end <time>', 'ISO 8601 with an offset, instead of --for')
    .requiredOption('--author <person>', 'who asks for it (a Person)')
    .requiredOption('--reason <text>', 'why alerts are silenced')
    .action(async (name: string, cmd: { service?: string[]; match?: string[]; start?: string; for?: string; end?: string; author: string; reason: string }) => {
      const o = globals();
      if (cmd.for && cmd.end) throw new CliError('give --for or --end, not both', exitCodes.usage);
      const spec: SilenceSpec = {
        ...(cmd.match?.length ? { matchers: parseMatchers(cmd.match) } : {}),
        ...(cmd.service?.length ? { services: cmd.service } : {}),
        start: cmd.start ?? new Date().toISOString(),
        ...(cmd.end ? { end: cmd.end } : { duration: cmd.for ?? '1h' }),
        reason: cmd.reason,
        author: cmd.author,
      } as SilenceSpec;
      const doc = { apiVersion: 'pave/v1', kind: 'Silence', metadata: { name }, spec } as ConfigObject<SilenceSpec>;
      const client = await connect(o, { createStore: true });
      try {
        const existing = await client.request('GET', `/api/v1/silences/${encodeURIComponent(name)}`);
        if (existing.status === 200) throw new CliError(`silence ${name} exists already: choose another name, or \`pave silence end ${name}\``, exitCodes.rejected);
        const applied = await applySilence(client, doc, Boolean(o.json));
        if (o.json) printJson(applied);
        else println(`silence ${name} added: ${spec.start} until ${endOf(spec)}`);
      } finally {
        await client.close();
      }
    });

  silence
    .command('end')
    .description('end a one-off silence now (its end is set to now; the object stays, for the record)')
    .argument('<name>', 'the Silence object name')
    .action(async (name: string) => {
      const o = globals();
      const client = await connect(o);
      try {
        const obj = expectOk(await client.request<ConfigObject<SilenceSpec>>('GET', `/api/v1/silences/${encodeURIComponent(name)}`));
        if (obj.spec.rrule) throw new CliError(`silence ${name} is recurring: remove it from your configuration (or bound its rule with UNTIL) instead`, exitCodes.rejected);
        const now = Date.now();
        const start = Date.parse(obj.spec.start);
        const end = Date.parse(endOf(obj.spec)!);
        if (end <= now) throw new CliError(`silence ${name} already ended at ${endOf(obj.spec)}`, exitCodes.rejected);
        if (start > now) throw new CliError(`silence ${name} starts at ${obj.spec.start} and has not started: change or remove it where it is declared`, exitCodes.rejected);
        const { duration: _duration, ...rest } = obj.spec;
        const doc = { apiVersion: obj.apiVersion, kind: 'Silence', metadata: { name: obj.metadata.name, ...(obj.metadata.labels ? { labels: obj.metadata.labels } : {}) }, spec: { ...rest, end: new Date(now).toISOString() } } as ConfigObject<SilenceSpec>;
        const applied = await applySilence(client, doc, Boolean(o.json));
        if (o.json) printJson(applied);
        else println(`silence ${name} ended at ${doc.spec.end}`);
      } finally {
        await client.close();
      }
    });
}
