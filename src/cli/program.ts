// The `pave` program: commands and the documented exit codes. Exit codes: 0 ok; 1 invalid, denied or not found; 2 usage, connection or setup error.
import { Command, CommanderError } from 'commander';
import { version } from '../version.js';
import { registerAlertmanagerCommands } from './commands/alertmanager.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerCanaryCommands } from './commands/canary.js';
import { registerConfigCommands } from './commands/config.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerGetCommand } from './commands/get.js';
import { registerIntegrationCommands } from './commands/integration.js';
import { registerOncallCommands } from './commands/oncall.js';
import { registerOpenSLOCommands } from './commands/openslo.js';
import { registerNotificationCommands } from './commands/notification.js';
import { registerPageCommands } from './commands/page.js';
import { registerFlagCommands } from './commands/flag.js';
import { registerPostmortemCommands } from './commands/postmortem.js';
import { registerChangeCommands } from './commands/change.js';
import { gateVersionArgs, registerGateCommands } from './commands/gate.js';
import { registerIncidentCommands } from './commands/incident.js';
import { registerReportCommands } from './commands/report.js';
import { registerRolloutCommands } from './commands/rollout.js';
import { registerRulesCommands } from './commands/rules.js';
import { registerServeCommands } from './commands/serve.js';
import { registerSilenceCommands } from './commands/silence.js';
import { registerSloCommands } from './commands/slo.js';
import { registerTokenCommands } from './commands/token.js';
import type { GlobalOptions } from './connection.js';
import { CliError, exitCodes, printJson } from './output.js';

export function buildProgram(): Command {
  const program = new Command('pave')
    .description('pave: SLOs as code, error budgets, on-call, incidents and budget-steered change')
    .version(version)
    .option('--server <url>', 'pave server URL (or PAVE_URL); without it the local data folder is opened directly')
    .option('--token <token>', 'API token (or PAVE_TOKEN)')
    .option('--data-dir <dir>', 'local data folder (or PAVE_DATA_DIR; default .pave)')
    .option('--json', 'machine-readable output')
    .showHelpAfterError()
    .exitOverride();
  const globals = () => program.opts<GlobalOptions>();
  registerServeCommands(program, globals);
  registerDemoCommand(program, globals);
  registerConfigCommands(program, globals);
  registerGetCommand(program, globals);
  registerTokenCommands(program, globals);
  registerSloCommands(program, globals);
  registerOncallCommands(program, globals);
  registerAuditCommand(program, globals);
  registerRulesCommands(program, globals);
  registerOpenSLOCommands(program, globals);
  registerAlertmanagerCommands(program, globals);
  registerReportCommands(program, globals);
  registerIntegrationCommands(program, globals);
  registerPageCommands(program, globals);
  registerSilenceCommands(program, globals);
  registerNotificationCommands(program, globals);
  registerFlagCommands(program, globals);
  registerPostmortemCommands(program, globals);
  registerChangeCommands(program, globals);
  registerGateCommands(program, globals);
  registerIncidentCommands(program, globals);
  registerCanaryCommands(program, globals);
  registerRolloutCommands(program, globals);
  for (const c of program.commands) {
    c.exitOverride();
    for (const sub of c.commands) sub.exitOverride();
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  argv = gateVersionArgs(argv);
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCodes.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    if (err instanceof CliError) {
      if (err.message) {
        if (program.opts<GlobalOptions>().json && err.body !== undefined) printJson(err.body);
        process.stderr.write(`error: ${err.message}\n`);
      }
      return err.exitCode;
    }
    process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
    return exitCodes.usage;
  }
}

