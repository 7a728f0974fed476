// pave page list | show | ack | resolve: pages through the API (a server, or the local data folder in-process).
import type { Command } from 'commander';
import type { Alert, Page, PageEvent } from '../../store/pages.js';
import { numericId, oneOf } from '../arguments.js';
import { connect, expectOk, type GlobalOptions } from '../connection.js';
import { printJson, println, table } from '../output.js';

const statuses = ['triggered', 'acknowledged', 'resolved'];

const pageId = (id: string): string => numericId('page id', id);

function pageRow(p: Page): Record<string, string> {
  return {
    id: p.id,
    status: p.status,
    team: p.team ?? '(unrouted)',
    service: p.service ?? '',
    title: p.title,
    created: p.createdAt,
  };
}

export function registerPageCommands(program: Command, globals: () => GlobalOptions): void {
  const page = program.command('page').description('pages: list, show, acknowledge, resolve');

  page
    .command('list')
    .description('pages, newest first')
    .option('--status <status>', 'triggered, acknowledged or resolved')
    .option('--team <team>', 'only pages routed to this team')
    .option('--unrouted', 'only pages no route matched')
    .option('--limit <n>', 'at most this many (1-1000, default 100)')
    .action(async (cmd: { status?: string; team?: string; unrouted?: boolean; limit?: string }) => {
      const o = globals();
      oneOf('--status', cmd.status, statuses);
      const q = new URLSearchParams();
      if (cmd.status) q.set('status', cmd.status);
      if (cmd.team) q.set('team', cmd.team);
      if (cmd.unrouted) q.set('unrouted', 'true');
      if (cmd.limit) q.set('limit', cmd.limit);
      const client = await connect(o);
      try {
        const res = expectOk(await client.request<{ items: Page[] }>('GET', `/api/v1/pages${q.size ? `?${q}` : ''}`));
        if (o.json) printJson(res.items);
        else if (res.items.length === 0) println('no pages');
        else println(table(res.items.map(pageRow)));
      } finally {
        await client.close();
      }
    });

  page
    .command('show')
    .description('one page: its route, alerts and every event')
    .argument('<id>', 'the page id (from `pave page list`)')
    .action(async (id: string) => {
      const o = globals();
      const client = await connect(o);
      try {
        const p = expectOk(await client.request<Page & { alerts: Alert[]; events: PageEvent[] }>('GET', `/api/v1/pages/${pageId(id)}`));
        if (o.json) {
          printJson(p);
          return;
        }
        println(`page ${p.id}: ${p.title}`);
        println(`status:  ${p.status}${p.acknowledgedBy ? ` (acknowledged by ${p.acknowledgedBy} at ${p.acknowledgedAt})` : ''}${p.resolvedBy ? ` (resolved by ${p.resolvedBy} at ${p.resolvedAt})` : ''}`);
        println(`routed:  ${p.team ?? 'unrouted'}${p.service ? ` via service ${p.service}` : ''}${p.escalationPolicy ? `, policy ${p.escalationPolicy}` : ''} (${p.routeReason})`);
        println(`source:  ${p.scope}, group ${Object.entries(p.groupLabels).map(([k, v]) => `${k}=${v}`).join(', ')}`);
        println();
        println(table(p.alerts.map((a) => ({ alert: a.id, status: a.status, severity: a.severity ?? '', identity: a.identity, summary: a.summary, received: String(a.receivedCount) }))));
        println();
        println(table(p.events.map((e) => ({ at: e.at, event: e.type, actor: e.actor, alert: e.alertId ?? '' }))));
      } finally {
        await client.close();
      }
    });

  for (const [name, path, verb] of [
    ['ack', 'ack', 'acknowledged'],
    ['resolve', 'resolve', 'resolved'],
  ] as const) {
    page
      .command(name)
      .description(name === 'ack' ? 'acknowledge a page: escalation stops (its team or an admin)' : 'resolve a page and its firing alerts (its team or an admin)')
      .argument('<id>', 'the page id')
      .action(async (id: string) => {
        const o = globals();
        const client = await connect(o);
        try {
          const p = expectOk(await client.request<Page & { changed: boolean }>('POST', `/api/v1/pages/${pageId(id)}/${path}`));
          if (o.json) printJson(p);
          else println(p.changed ? `page ${p.id} ${verb}: ${p.title}` : `page ${p.id} was already ${p.status}`);
        } finally {
          await client.close();
        }
      });
  }
}
