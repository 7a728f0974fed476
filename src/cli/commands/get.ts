// pave get <kind> [name]: read the catalog.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { findKind, kinds } from '../../config/kinds/index.js';
import type { StoredObject } from '../../store/objects.js';
import { connect, expectOk, type GlobalOptions } from '../connection.js';
import { CliError, exitCodes, printJson, println, table } from '../output.js';

export function registerGetCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('get')
    .description(`list or show catalog objects; kinds: ${kinds.map((k) => k.plural).join(', ')}`)
    .argument('<kind>', 'a kind, its plural or alias (services, svc, teams, people, ...)')
    .argument('[name]', 'one object, printed in full')
    .option('-l, --labels <selector>', 'only objects with these labels (key=value,...)')
    .option('--filter <key=value...>', 'kind-specific filters, e.g. owner=payments tier=critical')
    .option('-o, --output <format>', 'table (default), yaml or json')
    .action(async (kindName: string, name: string | undefined, cmd: { labels?: string; filter?: string[]; output?: string }) => {
      const o = globals();
      const kind = findKind(kindName);
      if (!kind) throw new CliError(`unknown kind "${kindName}": expected one of ${kinds.map((k) => k.plural).join(', ')}`, exitCodes.usage);
      const format = o.json ? 'json' : (cmd.output ?? (name ? 'yaml' : 'table'));
      if (!['table', 'yaml', 'json'].includes(format)) throw new CliError(`--output must be table, yaml or json, not ${format}`, exitCodes.usage);
      const client = await connect(o);
      try {
        if (name) {
          const obj = expectOk(await client.request<StoredObject>('GET', `/api/v1/${kind.plural}/${encodeURIComponent(name)}`));
          if (format === 'json') printJson(obj);
          else if (format === 'yaml') process.stdout.write(stringify(obj));
          else println(table([kind.columns(obj as never)]));
          return;
        }
        const q = new URLSearchParams();
        if (cmd.labels) q.set('labels', cmd.labels);
        for (const f of cmd.filter ?? []) {
          const [k, ...v] = f.split('=');
          if (!k || v.length === 0) throw new CliError(`--filter takes key=value, not "${f}"`, exitCodes.usage);
          q.set(k, v.join('='));
        }
        const qs = q.toString();
        const res = expectOk(await client.request<{ items: StoredObject[] }>('GET', `/api/v1/${kind.plural}${qs ? `?${qs}` : ''}`));
        if (format === 'json') printJson(res.items);
        else if (format === 'yaml') process.stdout.write(res.items.map((i) => stringify(i)).join('---\n'));
        else println(table(res.items.map((i) => kind.columns(i as never))));
      } finally {
        await client.close();
      }
    });
}
