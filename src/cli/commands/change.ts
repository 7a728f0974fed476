// pave change record | list: change events through the API (a server, or the local data folder in-process).
import type { Command } from 'commander';
import { changeKinds } from '../../domain/budget-policy/change-kinds.js';
import type { ChangeEvent } from '../../store/changes.js';
import { connect, expectOk, type GlobalOptions } from '../connection.js';
import { CliError, exitCodes, printJson, println, table } from '../output.js';

function checkKinds(value: string, flag: string): void {
  const bad = value.split(',').filter((k) => !(changeKinds as readonly string[]).includes(k));
  if (bad.length) throw new CliError(`${flag} must be one of ${changeKinds.join(', ')}, not "${bad.join(',')}"`, exitCodes.usage);
}

function labelsOf(values: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i <= 0) throw new CliError(`--label takes key=value, not "${v}"`, exitCodes.usage);
    labels[v.slice(0, i)] = v.slice(i + 1);
  }
  return labels;
}

export function registerChangeCommands(program: Command, globals: () => GlobalOptions): void {
  const change = program.command('change').description('change events: deploys, config, flag and infrastructure changes on timelines');

  change
    .command('record')
    .description('record a change of one service (a member of its team, its ingest token, or an admin)')
    .argument('<service>', 'the service changed')
    .option('--kind <kind>', `one of ${changeKinds.join(', ')}`, 'deploy')
    .option('--version <version>', 'the version that went out')
    .requiredOption('--summary <text>', 'what changed, in a line')
    .option('--link <url>', 'a link to the pipeline run, pull request or ticket')
    .option('--author <who>', 'who made the change (default: the token)')
    .option('--source <source>', 'where it came from, e.g. github-actions')
    .option('--at <time>', 'when it happened, ISO 8601 (default: now)')
    .option('--label <key=value>', 'a label (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (service: string, cmd: { kind: string; version?: string; summary: string; link?: string; author?: string; source?: string; at?: string; label: string[] }) => {
      const o = globals();
      checkKinds(cmd.kind, '--kind');
      const body = {
        service,
        kind: cmd.kind,
        summary: cmd.summary,
        ...(cmd.version ? { version: cmd.version } : {}),
        ...(cmd.link ? { link: cmd.link } : {}),
        ...(cmd.author ? { author: cmd.author } : {}),
        ...(cmd.source ? { source: cmd.source } : {}),
        ...(cmd.at ? { at: cmd.at } : {}),
        ...(cmd.label.length ? { labels: labelsOf(cmd.label) } : {}),
      };
      const client = await connect(o);
      try {
        const c = expectOk(await client.request<ChangeEvent>('POST', '/api/v1/changes', body));
        if (o.json) printJson(c);
        else println(`recorded change ${c.id}: ${c.kind} of ${c.service}${c.version ? ` ${c.version}` : ''} at ${c.at} by ${c.author}`);
      } finally {
        await client.close();
      }
    });

  change
    .command('list')
    .description('change events, newest first')
    .option('--service <names>', 'only these services (comma-separated)')
    .option('--team <names>', 'only these teams (comma-separated)')
    .option('--kind <kinds>', 'only these kinds (comma-separated)')
    .option('--from <time>', 'at or after this time (ISO 8601)')
    .option('--to <time>', 'at or before this time (ISO 8601)')
    .option('--limit <n>', 'at most this many (default 100)')
    .action(async (cmd: { service?: string; team?: string; kind?: string; from?: string; to?: string; limit?: string }) => {
      const o = globals();
      if (cmd.kind) checkKinds(cmd.kind, '--kind');
      const q = new URLSearchParams();
      for (const k of ['service', 'team', 'kind', 'from', 'to', 'limit'] as const) if (cmd[k]) q.set(k, cmd[k]!);
      const client = await connect(o);
      try {
        const res = expectOk(await client.request<{ items: ChangeEvent[] }>('GET', `/api/v1/changes${q.size ? `?${q}` : ''}`));
        if (o.json) printJson(res.items);
        else if (res.items.length === 0) println('no changes');
        else
          println(
            table(
              res.items.map((c) => ({ id: c.id, at: c.at, kind: c.kind, service: c.service ?? '', version: c.version ?? '', author: c.author, summary: c.summary, link: c.link ?? '' })),
            ),
          );
      } finally {
        await client.close();
      }
    });
}
