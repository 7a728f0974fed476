// pave alertmanager config: the Alertmanager receiver and route that deliver alerts to pave (see src/rules/alertmanager-config).
import type { Command } from 'commander';
import { alertmanagerConfig } from '../../rules/alertmanager-config.js';
import type { GlobalOptions } from '../connection.js';
import { CliError, exitCodes, printJson, println } from '../output.js';
import { defaultPaveUrl } from './rules.js';

export function registerAlertmanagerCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('alertmanager')
    .description('wiring Prometheus Alertmanager to pave')
    .command('config')
    .description('print a receiver and route for alertmanager.yml that send every alert to pave, resolved ones included')
    .option('--pave-url <url>', "pave's base URL as Alertmanager reaches it (default: --server or PAVE_URL, else http://127.0.0.1:8080)")
    .option('--key-file <path>', 'the file Alertmanager reads the integration key from', '/etc/alertmanager/pave-integration-key')
    .option('--group-by <labels...>', 'labels Alertmanager groups by', ['alertname', 'service', 'slo'])
    .action((cmd: { paveUrl?: string; keyFile: string; groupBy: string[] }) => {
      const o = globals();
      const paveUrl = cmd.paveUrl ?? o.server ?? process.env.PAVE_URL ?? defaultPaveUrl;
      if (!/^https?:\/\/[^\s]+$/.test(paveUrl)) throw new CliError(`--pave-url must be an http(s) URL, not ${paveUrl}`, exitCodes.usage);
      const text = alertmanagerConfig({ paveUrl, keyFile: cmd.keyFile, groupBy: cmd.groupBy });
      if (o.json) printJson({ config: text });
      else println(text.trimEnd());
    });
}
