// pave token create | list | revoke
import type { Command } from 'commander';
import type { TokenInfo } from '../../store/tokens.js';
import { connect, expectOk, type GlobalOptions } from '../connection.js';
import { CliError, exitCodes, printJson, println, table } from '../output.js';

export function registerTokenCommands(program: Command, globals: () => GlobalOptions): void {
  const token = program.command('token').description('manage API tokens (admin)');

  token
    .command('create')
    .description('create a token; its secret is printed once and cannot be shown again')
    .requiredOption('--name <name>', 'what the token is for, e.g. ci-deployer')
    .requiredOption('--role <role>', 'admin, member, ingest or viewer')
    .option('--team <team>', 'for member tokens: the team it writes for')
    .option('--service <service...>', 'for ingest tokens: the services it may send telemetry for')
    .option('--expires <time>', 'ISO 8601 expiry, e.g. 2027-01-01T00:00:00Z')
    .action(async (cmd: { name: string; role: string; team?: string; service?: string[]; expires?: string }) => {
      const o = globals();
      if (!['admin', 'member', 'ingest', 'viewer'].includes(cmd.role)) {
        throw new CliError(`--role must be admin, member, ingest or viewer, not "${cmd.role}"`, exitCodes.usage);
      }
      const client = await connect(o);
      try {
        const body = { name: cmd.name, role: cmd.role, team: cmd.team, services: cmd.service, expiresAt: cmd.expires };
        const t = expectOk(await client.request<TokenInfo & { token: string }>('POST', '/api/v1/tokens', body));
        if (o.json) printJson(t);
        else {
          println(`created token ${t.id} (${t.role}${t.team ? ` of ${t.team}` : ''}${t.services.length ? ` for ${t.services.join(', ')}` : ''})`);
          println(`secret (shown once, store it now): ${t.token}`);
        }
      } finally {
        await client.close();
      }
    });

  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--all', 'include revoked tokens')
    .action(async (cmd: { all?: boolean }) => {
      const o = globals();
      const client = await connect(o);
      try {
        const res = expectOk(await client.request<{ items: TokenInfo[] }>('GET', `/api/v1/tokens${cmd.all ? '?all=true' : ''}`));
        if (o.json) printJson(res.items);
        else
          println(
            table(
              res.items.map((t) => ({
                id: t.id,
                name: t.name,
                role: t.role,
                scope: t.team ?? t.services.join(','),
                created: t.createdAt,
                lastUsed: t.lastUsedAt ?? '',
                revoked: t.revokedAt ?? '',
              })),
            ),
          );
      } finally {
        await client.close();
      }
    });

  token
    .command('revoke')
    .description('revoke a token at once')
    .argument('<id>', 'the token id (from `pave token list`)')
    .action(async (id: string) => {
      const o = globals();
      const client = await connect(o);
      try {
        const t = expectOk(await client.request<TokenInfo>('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`));
        if (o.json) printJson(t);
        else println(`revoked token ${t.id} (${t.name})`);
      } finally {
        await client.close();
      }
    });
}
