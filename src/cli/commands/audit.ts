// pave audit: read the audit log.
import type { Command } from 'commander';
import type { AuditEntry } from '../../store/audit.js';
import { connect, expectOk, type GlobalOptions } from '../connection.js';
import { printJson, println, table } from '../output.js';

export function registerAuditCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('audit')
    .description('show the audit log, newest first')
    .option('--kind <kind>', 'only this kind (Service, Team, Token, ...)')
    .option('--name <name>', 'only this object')
    .option('--actor <actor>', 'only this actor')
    .option('--action <action>', 'only this action (create, update, delete, revoke, ...)')
    .option('--since <time>', 'ISO 8601 start, e.g. 2026-11-01T00:00:00Z')
    .option('--until <time>', 'ISO 8601 end (exclusive)')
    .option('--before <id>', 'entries older than this id (to page back)')
    .option('--limit <n>', 'at most this many entries', '50')
    .action(async (cmd: Record<'kind' | 'name' | 'actor' | 'action' | 'since' | 'until' | 'before' | 'limit', string | undefined>) => {
      const o = globals();
      const q = new URLSearchParams();
      for (const k of ['kind', 'name', 'actor', 'action', 'since', 'until', 'before', 'limit'] as const) if (cmd[k]) q.set(k, cmd[k]!);
      const client = await connect(o);
      try {
        const res = expectOk(await client.request<{ items: AuditEntry[] }>('GET', `/api/v1/audit?${q}`));
        if (o.json) printJson(res.items);
        else
          println(
            table(
              res.items.map((e) => ({ id: e.id, at: e.at, actor: e.actor, action: e.action, object: `${e.kind}/${e.name}`, request: e.requestId ?? '' })),
            ),
          );
      } finally {
        await client.close();
      }
    });
}
