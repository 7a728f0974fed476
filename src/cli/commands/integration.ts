// pave integration key | keys | revoke-key: integration keys through the API. A key is printed once.
import type { Command } from 'commander';
import type { IntegrationKeyInfo } from '../../store/integration-keys.js';
import { connect, expectOk, type GlobalOptions } from '../connection.js';
import { printJson, println, table } from '../output.js';

export function registerIntegrationCommands(program: Command, globals: () => GlobalOptions): void {
  const integration = program.command('integration').description('integration keys for alert senders');

  integration
    .command('key')
    .description("mint a key for an integration; it is printed once and cannot be shown again (its team's members or admins)")
    .argument('<name>', 'the Integration object')
    .action(async (name: string) => {
      const o = globals();
      const client = await connect(o);
      try {
        const k = expectOk(await client.request<IntegrationKeyInfo & { key: string; format: string; sendTo: string }>('POST', `/api/v1/integrations/${encodeURIComponent(name)}/keys`));
        if (o.json) printJson(k);
        else {
          println(`created key ${k.id} for integration ${k.integration} (${k.format}; senders post to ${k.sendTo})`);
          println(`key (shown once, store it now): ${k.key}`);
        }
      } finally {
        await client.close();
      }
    });

  integration
    .command('keys')
    .description("an integration's keys (never the keys themselves)")
    .argument('<name>', 'the Integration object')
    .action(async (name: string) => {
      const o = globals();
      const client = await connect(o);
      try {
        const res = expectOk(await client.request<{ items: IntegrationKeyInfo[] }>('GET', `/api/v1/integrations/${encodeURIComponent(name)}/keys`));
        if (o.json) printJson(res.items);
        else println(table(res.items.map((k) => ({ id: k.id, created: k.createdAt, by: k.createdBy, revoked: k.revokedAt ?? '' }))));
      } finally {
        await client.close();
      }
    });

  integration
    .command('revoke-key')
    .description('revoke an integration key at once')
    .argument('<name>', 'the Integration object')
    .argument('<id>', 'the key id (from `pave integration keys`)')
    .action(async (name: string, id: string) => {
      const o = globals();
      const client = await connect(o);
      try {
        const k = expectOk(await client.request<IntegrationKeyInfo>('DELETE', `/api/v1/integrations/${encodeURIComponent(name)}/keys/${encodeURIComponent(id)}`));
        if (o.json) printJson(k);
        else println(`revoked key ${k.id} of integration ${k.integration}`);
      } finally {
        await client.close();
      }
    });
}
